"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Every backend yields results as chunks finish, in any order; callers key results by chunk,
so the order never shows in the output. On any exception, Ctrl-C included, a backend
stops its workers before the exception propagates.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import multiprocessing
import os
import re
import select
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from sim.errors import NegsimError, printable
from sim.interrupts import signals_held
from sim.runner import lifeline

Job = Any
Result = Any


class Backend(Protocol):
    description: str

    def map_unordered(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[Result]: ...


def available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Serial:
    description = "serial (this process)"

    def map_unordered(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[Result]:
        for job in jobs:
            yield fn(job)


class Processes:
    """A pool of local worker processes, started fresh ("spawn") so no lock or thread of the
    main process is inherited.

    A worker that dies (killed, out of memory) breaks the pool: every chunk it had not
    returned is run again on a fresh pool, so results stay complete and identical. After
    `RESTARTS` fresh pools the run stops with a clear error instead of retrying forever.
    """

    RESTARTS = 3

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local worker processes"

    def map_unordered(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[Result]:
        pending = iter(jobs)
        backlog: collections.deque[Job] = collections.deque()  # chunks of a broken pool, run first
        for restart in itertools.count():
            executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=lifeline.worker_start,  # ends with negsim; unblocks the held signals
                initargs=(os.getpid(),),
            )
            try:
                yield from self._run_on(executor, fn, pending, backlog)
            except BaseException:
                _stop(executor)
                raise
            executor.shutdown(wait=True)
            if not backlog:
                return
            if restart >= self.RESTARTS:
                raise NegsimError.single(
                    "--workers",
                    f"worker processes died {restart + 1} times during this run; it was stopped",
                    suggestion="if the machine ran out of memory, use fewer --workers or a smaller "
                    "--chunk-size; nothing was written",
                )
            print(
                f"warning: a worker process died; running its {len(backlog)} unfinished chunk(s) "
                "again on fresh workers",
                file=sys.stderr,
            )

    def _run_on(
        self,
        executor: ProcessPoolExecutor,
        fn: Callable[[Job], Result],
        pending: Iterator[Job],
        backlog: collections.deque[Job],
    ) -> Iterator[Result]:
        """Yield results until the jobs run out or the pool breaks; lost jobs go to `backlog`."""
        window = 2 * self.workers  # enough queued to keep every worker busy, no more in memory
        in_flight: dict[Future[Result], Job] = {}
        broken = False
        while True:
            while not broken and len(in_flight) < window:
                job = backlog.popleft() if backlog else next(pending, _NO_JOB)
                if job is _NO_JOB:
                    break
                try:
                    with signals_held(signal.SIGINT, signal.SIGTERM):  # a worker is spawned in submit
                        in_flight[executor.submit(fn, job)] = job
                except BrokenProcessPool:
                    backlog.appendleft(job)
                    broken = True
            if not in_flight:
                return
            done, _ = wait(in_flight, timeout=DEATH_CHECK_SECONDS, return_when=FIRST_COMPLETED)
            if not done and _a_worker_died(executor):
                # A worker killed while it was sending a result left half a message in the
                # pool's result pipe, and the pool's manager thread waits for the rest for ever
                # (the live workers hold the pipe open): the pool is broken, though it cannot
                # say so. Everything in flight runs again on a fresh pool.
                backlog.extend(in_flight.values())
                _stop(executor)
                return
            for future in done:
                job = in_flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    backlog.append(job)
                    broken = True
                    continue
                yield result


_NO_JOB = object()
DEATH_CHECK_SECONDS = 1.0  # how often a pool with no result coming back is checked for a dead worker


def _a_worker_died(executor: ProcessPoolExecutor) -> bool:
    """Whether a worker of the pool has ended: a pool's workers end only when it is shut down."""
    return any(process.exitcode is not None for process in (executor._processes or {}).values())


def _stop(executor: ProcessPoolExecutor) -> None:
    """Stop the workers now, mid-chunk (on Ctrl-C or an error nobody wants their results), and
    make sure they are gone before returning: SIGTERM, then SIGKILL for any still there after
    `STOP_GRACE_SECONDS`. Only then is the pool shut down, so its manager thread, which waits for
    results or dead workers, always has something to wake it."""
    workers = {id(p): p for p in [*(executor._processes or {}).values(), *multiprocessing.active_children()]}
    for process in workers.values():
        with contextlib.suppress(OSError, ValueError):
            process.terminate()
    _close_our_end_of_the_result_pipe(executor)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in workers.values():
        with contextlib.suppress(OSError, ValueError, AssertionError):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(STOP_GRACE_SECONDS)
    executor.shutdown(wait=True, cancel_futures=True)


STOP_GRACE_SECONDS = 2.0


def _close_our_end_of_the_result_pipe(executor: ProcessPoolExecutor) -> None:
    """A worker stopped while it was sending a chunk's result leaves half a message in the
    pipe, and the pool's manager thread waits for the rest; `shutdown` waits for that thread.
    With the dead workers' ends closed and this process's unused end closed too, the manager
    reads end-of-file instead, calls the pool broken and ends."""
    queue = getattr(executor, "_result_queue", None)
    writer = getattr(queue, "_writer", None)
    if writer is not None:
        writer.close()


# Dask's nannies start workers with MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's
# adaptive mmap threshold: every large numpy temporary is then mapped and unmapped afresh, and
# a chunk ran 1.6-1.8x slower than in a plain process. Keep Dask's one-thread settings only.
# Its statistical profiler, which samples worker stacks every 10 ms, is not needed either.
LOCAL_CLUSTER_CONFIG = {
    "distributed.nanny.pre-spawn-environ": {
        "OMP_NUM_THREADS": 1,
        "MKL_NUM_THREADS": 1,
        "OPENBLAS_NUM_THREADS": 1,
    },
    "distributed.worker.profile.enabled": False,
}


class Dask:
    """Chunks as tasks on a dask.distributed cluster: an existing scheduler, or a LocalCluster."""

    def __init__(self, address: str, workers: int) -> None:
        self.address = address
        self.workers = workers
        where = f"a local Dask cluster of {workers} workers" if address == "local" else f"Dask at {address}"
        self.description = where

    def map_unordered(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[Result]:
        distributed = _import_distributed()
        with contextlib.ExitStack() as stack:
            client = self._connect(distributed, stack)
            futures = client.map(fn, list(jobs), pure=False)
            try:
                for future in distributed.as_completed(futures):
                    yield _dask_result(distributed, future)
            except BaseException:
                client.cancel(futures, force=True)
                raise

    def _connect(self, distributed: Any, stack: contextlib.ExitStack) -> Any:
        import dask.config as dask_config

        """A client, closed (with its LocalCluster, if we started one) when `stack` closes."""
        if self.address == "local":
            stack.enter_context(dask_config.set(LOCAL_CLUSTER_CONFIG))
            with signals_held(signal.SIGINT):  # nannies stop on SIGTERM: leave it to them
                cluster = distributed.LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,  # shutdown chatter; task errors still reach us
                )
                stack.enter_context(cluster)
                return stack.enter_context(distributed.Client(cluster))
        _scheduler_answers(self.address)
        try:
            client = distributed.Client(self.address, timeout=f"{CONNECT_SECONDS}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise NegsimError.single(
                "--dask",
                f"cannot reach a Dask scheduler at {self.address}: {exc}",
                suggestion="start one with `dask scheduler`, or use `--dask local`",
            ) from None
        return stack.enter_context(client)


CONNECT_SECONDS = 10  # to connect, and then for the scheduler's first words
DASK_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
_HOST_PORT = re.compile(r"^(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})$")


def dask_address(address: str) -> tuple[str, str, int]:
    """`local`, or (scheme, host, port) of `[SCHEME://]HOST:PORT`; anything else is refused."""
    scheme, _, rest = address.rpartition("://") if "://" in address else ("tcp", "", address)
    where = _HOST_PORT.match(rest)
    if scheme not in DASK_SCHEMES or where is None or not 0 < int(where["port"]) < 65536:
        raise NegsimError.single(
            "--dask",
            f"`{printable(address)}` is not a Dask scheduler address",
            suggestion="give `local`, or HOST:PORT as `dask scheduler` prints it "
            f"(e.g. tcp://10.0.0.5:8786; schemes: {', '.join(DASK_SCHEMES)})",
        )
    return scheme, where["host"].strip("[]"), int(where["port"])


def _scheduler_answers(address: str) -> None:
    """A Dask scheduler speaks first when a client connects; a server that accepts and then says
    nothing (not Dask, or hung) would keep the client waiting for ever, so give up on it after
    CONNECT_SECONDS. Only plain TCP is probed; the other schemes rely on Dask's own timeout."""
    scheme, host, port = dask_address(address)
    if scheme != "tcp":
        return
    try:
        with socket.create_connection((host, port), timeout=CONNECT_SECONDS) as connection:
            ready, _, _ = select.select([connection], [], [], CONNECT_SECONDS)
    except OSError as exc:
        raise NegsimError.single(
            "--dask",
            f"cannot reach a Dask scheduler at {address}: {exc.strerror or exc}",
            suggestion="start one with `dask scheduler`, or use `--dask local`",
        ) from None
    if not ready:
        raise NegsimError.single(
            "--dask",
            f"{address} accepted the connection but did not answer as a Dask scheduler "
            f"within {CONNECT_SECONDS} s",
            suggestion="check the address and port `dask scheduler` printed, or use `--dask local`",
        )


def _dask_result(distributed: Any, future: Any) -> Result:
    """A task's result. Dask reruns the tasks of a worker that dies; only a task that has
    killed `allowed-failures` workers in a row is given up, and that is reported plainly."""
    try:
        return future.result()
    except distributed.KilledWorker:
        raise NegsimError.single(
            "--dask",
            "Dask workers died again and again running the same chunk; the run was stopped",
            suggestion="if the workers ran out of memory, use a smaller --chunk-size or give them more; "
            "nothing was written",
        ) from None


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise NegsimError.single(
            "--dask",
            "needs dask.distributed, which is not installed",
            suggestion="pip install 'negsim[dask]'",
        ) from None
    return distributed


class Automatic:
    """The default: worker processes on every core, but this process alone for a job so small
    that starting the workers (importing negsim and loading the compiled rules, about a second
    each) would cost more than they save. Results are the same either way."""

    SMALL = 2_000_000  # replication-rounds at most (replications x rounds): about 2 s in one process

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local worker processes, or this process for a small job"

    def map_unordered(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[Result]:
        jobs = list(jobs)
        size = sum((job.stop - job.start) * job.rounds for job in jobs)
        chosen: Backend = Serial() if self.workers == 1 or size <= self.SMALL else Processes(self.workers)
        self.description = chosen.description
        yield from chosen.map_unordered(fn, jobs)


def choose_backend(workers: int | None, dask: str | None) -> Backend:
    """`--workers N` and `--dask ADDRESS|local` as a backend; default: all cores, locally,
    except for a small job (Automatic)."""
    count = workers if workers is not None else available_cores()
    if dask is not None:
        if dask != "local":
            dask_address(dask)  # a malformed address is refused before any work
        return Dask(dask, count)
    if workers is None:
        return Automatic(count)
    return Serial() if count == 1 else Processes(count)
