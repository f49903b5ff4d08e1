"""Every process a test starts, with a hard time limit that kills its whole process group.

`subprocess.run(timeout=...)` kills only the direct child and then waits for its pipes, which
any grandchild (a worker process) still holds: one hung run once blocked the whole suite. Here
each process starts a new session (its own process group); when it overruns, when the test
fails or times out, and at the end of the test session, the whole group is killed, so no
process started by a test outlives it and no pipe is left open.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
KILL_GRACE_SECONDS = 10  # after SIGKILL, the pipes close as soon as the kernel has reaped the group
_started: set[int] = set()  # process groups started and not yet known to be empty


def _default_sigint() -> None:
    """A shell may start the test run with SIGINT ignored; children get the default, as from a
    terminal. Runs in the child between fork and exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(
    command: Sequence[str], *, env: dict[str, str] | None = None, **popen: Any
) -> subprocess.Popen[str]:
    """Start `command` in its own process group, stdout and stderr piped as text."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    process = subprocess.Popen(
        list(command),
        text=True,
        env=env,
        start_new_session=True,
        preexec_fn=_default_sigint,
        **popen,
    )
    _started.add(process.pid)
    return process


def group_alive(pgid: int) -> bool:
    """Whether a live process (not a zombie waiting to be reaped) is left in group `pgid`."""
    proc = Path("/proc")
    if not proc.is_dir():  # no /proc: ask the kernel, zombies included
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            return True
    return False


def kill_group(pgid: int) -> None:
    """SIGKILL every process of group `pgid` and wait (bounded) until none is left."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    deadline = time.monotonic() + KILL_GRACE_SECONDS
    while group_alive(pgid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(-pgid, os.WNOHANG)  # reap our own child of that group if it is a zombie
        time.sleep(0.02)
    _started.discard(pgid)


def finish(
    process: subprocess.Popen[str], timeout: float, what: str = "", input: str | None = None
) -> tuple[str, str]:
    """Wait at most `timeout` seconds for `process` to end; return (stdout, stderr).

    If it overruns, its group gets SIGABRT first (faulthandler then prints every thread's stack,
    when enabled), then SIGKILL, and the test fails with whatever it printed."""
    try:
        return process.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGABRT)
        time.sleep(1)
        kill_group(process.pid)
        stdout, stderr = process.communicate(timeout=KILL_GRACE_SECONDS)
        pytest.fail(
            f"{what or ' '.join(process.args)} was still running after {timeout} s and was killed; "
            f"stdout:\n{stdout[-4000:]}\nstderr:\n{stderr[-8000:]}"
        )


@contextlib.contextmanager
def running(command: Sequence[str], **kwargs: Any) -> Iterator[subprocess.Popen[str]]:
    """A process for the length of a `with` block; its whole group is killed when the block ends,
    however it ends (a failed assertion, pytest-timeout, Ctrl-C)."""
    process = start(command, **kwargs)
    try:
        yield process
    finally:
        kill_group(process.pid)
        with contextlib.suppress(Exception):
            process.communicate(timeout=KILL_GRACE_SECONDS)


def run(
    command: Sequence[str],
    *,
    timeout: float,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `command` to its end within `timeout` seconds, like `subprocess.run`, but in its own
    process group, which is killed whole if it overruns (and the test then fails)."""
    stdin = subprocess.PIPE if input is not None else subprocess.DEVNULL
    process = start(command, env=env, cwd=cwd, stdin=stdin)
    try:
        stdout, stderr = finish(process, timeout, input=input)
    finally:
        kill_group(process.pid)  # anything it left behind in its group goes too
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)


def negsim(
    *args: str, timeout: float, env: dict[str, str] | None = None, cwd: Path | str | None = None
) -> subprocess.CompletedProcess[str]:
    """`negsim ARGS` in a fresh Python (`python -m sim.cli`), bounded by `timeout` seconds."""
    environment = {**os.environ, "PYTHONFAULTHANDLER": "1", **(env or {})}
    pythonpath = [str(ROOT), *filter(None, [environment.get("PYTHONPATH")])]
    environment["PYTHONPATH"] = os.pathsep.join(pythonpath)
    return run([sys.executable, "-m", "sim.cli", *args], timeout=timeout, env=environment, cwd=cwd)


def started() -> set[int]:
    """The process groups started so far and not yet killed."""
    return set(_started)


def kill_leftovers() -> list[int]:
    """Kill every process group a test started that still has a process; return their ids."""
    left = [pgid for pgid in sorted(_started) if group_alive(pgid)]
    for pgid in left:
        kill_group(pgid)
    _started.clear()
    return left
