"""Drawing several plots at once: this process and forked helper processes share them out.

Matplotlib holds the GIL while it lays out and renders a figure, so threads draw no sooner
than one thread does; processes do. A helper is forked, not started fresh: a fresh
interpreter spends about a second importing pandas and matplotlib and reading the tables
before its first plot, about as long as drawing them all, while a forked one has them and
the data already and starts at once.

Forking a process that has threads is unsafe in general (a lock that another thread holds
at the fork stays held in the child for ever), and Python warns of it; negsim's main process
has the idle threads of pyarrow's and OpenBLAS's pools. So a helper can never hold the
command up, nor change what it writes: it only draws and writes PNG files and reports each
one done, and whatever it has not reported once this process has drawn its own share and
waited a grace period (a helper that failed, hung or was killed) is drawn again here, as it
would have been without helpers. A helper ignores Ctrl-C (this process stops it), dies with
this process (sim.runner.lifeline), and leaves by os._exit, so no exit handler or buffered
output of this process runs twice.

Only on Linux, with no other Python thread running and a spare core; otherwise everything is
drawn here.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import struct
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from typing import NoReturn

from sim.interrupts import signals_held
from sim.runner import lifeline

Job = Callable[[], object]
RECORD = struct.Struct("<I")  # a job's index, as it goes through the pipes
MAX_HELPERS = 3
MAX_SHARED = 1000  # jobs; their indexes must fit in a pipe before anyone reads it (64 KiB)
GRACE_SECONDS = 30.0  # the least a helper is waited for, once this process has done its share
GRACE_FACTOR = 4.0  # ... or this many times as long as this process took for its share
FORK_WARNING = r"This process \(pid=\d+\) is multi-threaded, use of fork\(\) may lead to deadlocks"


def run_all(jobs: Sequence[Job]) -> None:
    """Run every job once, shared between this process and forked helpers when that can help.

    A job must only write files (a helper's memory is its own) and may run a second time, in
    this process, if a helper stops before saying it finished. An error of a job is raised
    here as it would be without helpers."""
    helpers = helper_count(len(jobs))
    if helpers == 0:
        for job in jobs:
            job()
        return
    _run_shared(jobs, helpers)


def helper_count(jobs: int) -> int:
    """How many helpers to fork for `jobs` jobs: one per spare core, none where forking is not
    safe: not on Linux (macOS's system libraries are not fork-safe), and not while another
    Python thread runs (it may be half-way through an import, whose lock a helper would wait
    for for ever, where the libraries' native pools sit idle between their tasks)."""
    if not sys.platform.startswith("linux") or jobs > MAX_SHARED:
        return 0
    if threading.active_count() > 1:
        return 0
    spare = len(os.sched_getaffinity(0)) - 1
    return max(0, min(MAX_HELPERS, spare, jobs - 1))


def _run_shared(jobs: Sequence[Job], helpers: int) -> None:
    """Fork the helpers; all take jobs from one queue; draw here what no helper reported done."""
    finished: set[int] = set()
    queue = _queue(len(jobs))
    reports, report_to = os.pipe()
    pids: list[int] = []
    try:
        for _ in range(helpers):
            pid = _fork(jobs, queue, report_to)
            if pid is not None:
                pids.append(pid)
        os.close(report_to)  # only the helpers write reports: the last one to exit ends them
        report_to = -1
        started = time.monotonic()
        finished |= _take(jobs, queue)
        grace = max(GRACE_SECONDS, GRACE_FACTOR * (time.monotonic() - started))
        finished |= _reports(reports, time.monotonic() + grace) if pids else set()
    finally:
        _stop(pids)
        for end in (queue, reports, report_to):
            if end >= 0:
                os.close(end)
    for index, job in enumerate(jobs):
        if index not in finished:
            job()


def _queue(jobs: int) -> int:
    """The read end of a pipe holding every job's index. A reader takes one index at a time
    (a pipe hands each byte to one reader), so each job goes to one process, and reads
    nothing once all are taken: the write end is closed before any helper exists."""
    read, write = os.pipe()
    try:
        os.write(write, b"".join(RECORD.pack(index) for index in range(jobs)))
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read


def _next(queue: int) -> int | None:
    """The next job's index, or None when the queue is empty."""
    record = os.read(queue, RECORD.size)
    return RECORD.unpack(record)[0] if len(record) == RECORD.size else None


def _take(jobs: Sequence[Job], queue: int) -> set[int]:
    """Run jobs from the queue until it is empty; the indexes done."""
    done = set()
    while (index := _next(queue)) is not None:
        jobs[index]()
        done.add(index)
    return done


def _fork(jobs: Sequence[Job], queue: int, report_to: int) -> int | None:
    """Start a helper; its process id, or None if the system would not fork (the jobs are
    then drawn here). Ctrl-C and SIGTERM are held while the helper sets its own handling."""
    parent = os.getpid()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        with contextlib.suppress(Exception):
            stream.flush()
    with warnings.catch_warnings(), signals_held(signal.SIGINT, signal.SIGTERM):
        warnings.filterwarnings("ignore", FORK_WARNING, DeprecationWarning)
        try:
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:
            _helper(parent, jobs, queue, report_to)
    return pid


def _helper(parent: int, jobs: Sequence[Job], queue: int, report_to: int) -> NoReturn:
    """A helper's whole life: take jobs until none is left, reporting each one done. Any
    failure ends it quietly; this process then runs the job again and raises the error."""
    status = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C reaches us too
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        lifeline.die_with(parent)
        while (index := _next(queue)) is not None:
            jobs[index]()
            os.write(report_to, RECORD.pack(index))
        status = 0
    finally:
        os._exit(status)


def _reports(reports: int, deadline: float) -> set[int]:
    """The indexes the helpers report done, until every helper has exited or the deadline."""
    done, pending = set(), b""
    while (left := deadline - time.monotonic()) > 0:
        readable, _, _ = select.select([reports], [], [], left)
        if not readable:
            break
        data = os.read(reports, 4096)
        if not data:  # every helper has closed its end: all have exited
            break
        pending += data
        whole = len(pending) - len(pending) % RECORD.size
        done.update(index for (index,) in RECORD.iter_unpack(pending[:whole]))
        pending = pending[whole:]
    return done


def _stop(pids: list[int]) -> None:
    """Kill the helpers that are still there and reap them all (none is left a zombie)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
