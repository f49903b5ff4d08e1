"""Processes negsim starts end when negsim ends, however it ends (SIGKILL and crashes included).

A worker or page server left behind after its negsim process was killed holds hundreds of MB
and the command's output pipes, so a caller reading them waits for ever. Each such process
calls `die_with(parent)` first: on Linux the kernel then sends it SIGKILL when its parent dies
(prctl PR_SET_PDEATHSIG); elsewhere a daemon thread polls the parent and exits when it is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1
POLL_SECONDS = 0.5


def die_with(parent: int) -> None:
    """End this process when process `parent` (which started it) ends."""
    if not _kernel_kills_us_with_parent():
        threading.Thread(target=_watch, args=(parent,), name="negsim-lifeline", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the watch was set: nobody wants us
        os._exit(1)


def _kernel_kills_us_with_parent() -> bool:
    """Ask Linux for SIGKILL when the parent dies; False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)  # this process's own symbols, libc's among them
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(POLL_SECONDS)
    os._exit(1)


def worker_start(parent: int) -> None:
    """First code of every local worker process (the pool's initializer).

    Workers are started with SIGINT and SIGTERM blocked (see `backends.signals_held`), so that a
    signal to negsim cannot land half-way through starting one. Here SIGINT is ignored (Ctrl-C in
    a terminal reaches the whole process group; negsim itself stops the workers) and SIGTERM
    unblocked, so `terminate()` works; one sent meanwhile is delivered now."""
    die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def end_children() -> None:
    """Before negsim exits: no child of ours is left, and multiprocessing's resource tracker
    (a helper process that spawned workers share) has ended and been reaped, instead of
    outliving us for a moment and lingering as a zombie.

    Not after Dask was used: Dask closes its own processes at exit (they also end with us), and
    keeps multiprocessing locks alive until the interpreter ends; killing its processes first
    made its exit handler fail, and an ended tracker made those locks' finalizers fail."""
    if _loaded("distributed") is not None:
        return
    import multiprocessing

    for child in multiprocessing.active_children():
        with contextlib.suppress(OSError, ValueError, AssertionError):
            child.kill()
            child.join(POLL_SECONDS)
    _end_resource_tracker()


TRACKER_SECONDS = 3.0


def _end_resource_tracker() -> None:
    """Close our end of the tracker's pipe (it ends when every holder has) and reap it, bounded."""
    tracker = getattr(_loaded("multiprocessing.resource_tracker"), "_resource_tracker", None)
    fd, pid = getattr(tracker, "_fd", None), getattr(tracker, "_pid", None)
    if fd is None or pid is None:
        return
    with contextlib.suppress(OSError):
        os.close(fd)
    tracker._fd = None  # type: ignore[union-attr]
    deadline = time.monotonic() + TRACKER_SECONDS
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
        except ChildProcessError:
            break
        time.sleep(0.02)
    else:
        return
    tracker._pid = None  # type: ignore[union-attr]


def _loaded(module: str) -> object | None:
    return sys.modules.get(module)  # only if negsim used it: importing it here would cost time
