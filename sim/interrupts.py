"""Ctrl-C and SIGTERM as exceptions, raised only outside imports.

Commands import heavy libraries late (pyarrow's Parquet writer, scipy.stats, matplotlib),
while a result is being written. An exception raised in the middle of a library's import can
be swallowed by its `except ImportError` fallbacks, so the Ctrl-C is lost, or turn into an
unrelated error. Loading the compiled rules runs Python code inside a callback from llvmlite's
C library, where an exception is printed and dropped. So a signal that arrives during an
import or such a callback is sent again a moment later, until it finds the program outside
both, and only then raised.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

INTERRUPTED = "interrupted: nothing half-written was left behind"
TERMINATED = "terminated: nothing half-written was left behind"
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143
RETRY_SECONDS = 0.05
IMPORT_MACHINERY = "<frozen importlib."
C_CALLBACKS = f"{os.sep}llvmlite{os.sep}"  # Python called back from llvmlite's C library


class Terminated(BaseException):
    """SIGTERM (e.g. `kill`, `timeout`), handled like Ctrl-C: workers stop, staging is removed.

    Not a KeyboardInterrupt, which Click would turn into a plain Abort."""


RAISES: dict[int, type[BaseException]] = {signal.SIGINT: KeyboardInterrupt, signal.SIGTERM: Terminated}


def raise_signals_outside_imports() -> None:
    """Install the handlers (only the main thread may; elsewhere signals are left as they are)."""
    if threading.current_thread() is threading.main_thread():
        for signum in RAISES:
            signal.signal(signum, _on_signal)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if importing(frame) or in_c_callback(frame):
        again = threading.Timer(RETRY_SECONDS, os.kill, (os.getpid(), signum))
        again.daemon = True
        again.start()
        return
    raise RAISES[signum]


def importing(frame: FrameType | None) -> bool:
    """Whether `frame` runs inside Python's import machinery (a module's import)."""
    return _inside(frame, lambda filename: filename.startswith(IMPORT_MACHINERY))


def in_c_callback(frame: FrameType | None) -> bool:
    """Whether `frame` runs inside a callback from llvmlite (numba loading or compiling code),
    whose caller would drop an exception raised there."""
    return _inside(frame, lambda filename: C_CALLBACKS in filename)


def _inside(frame: FrameType | None, matches: Callable[[str], bool]) -> bool:
    """Whether `frame` or any frame that called it runs code from a file that `matches`."""
    while frame is not None:
        if matches(frame.f_code.co_filename):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def signals_held(*signums: signal.Signals) -> Iterator[None]:
    """Hold `signums` back for a few steps that must not be cut in two (starting a worker,
    swapping files in); one that comes in meanwhile is delivered as the block ends. Processes
    started inside inherit the blocked mask from birth."""
    if not hasattr(signal, "pthread_sigmask"):  # no signal masks here: nothing to hold
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, set(signums))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
