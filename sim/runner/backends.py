"""Where chunks run: in this process, in local worker processes, or on a Dask cluster.

Every backend yields results as chunks finish, in any order; callers key results by chunk,
so the order never shows in the output. On any exception, Ctrl-C included, a backend
stops its workers before the exception propagates.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from sim.errors import NegsimError

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


@contextlib.contextmanager
def _workers_deaf_to_ctrl_c() -> Iterator[None]:
    """Start worker processes with SIGINT blocked, so Ctrl-C reaches only this process, which
    then stops them cleanly. Children (and helper threads) inherit the blocked mask from birth;
    a Ctrl-C that comes in meanwhile is held and delivered here on exit."""
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


class Processes:
    """A pool of local worker processes, started fresh ("spawn") so no lock or thread of the
    main process is inherited."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.description = f"{workers} local worker processes"

    def map_unordered(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[Result]:
        with _workers_deaf_to_ctrl_c():
            pool = multiprocessing.get_context("spawn").Pool(self.workers)
        try:
            yield from pool.imap_unordered(fn, jobs)
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()


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
                    yield future.result()
            except BaseException:
                client.cancel(futures, force=True)
                raise

    def _connect(self, distributed: Any, stack: contextlib.ExitStack) -> Any:
        import dask.config as dask_config

        """A client, closed (with its LocalCluster, if we started one) when `stack` closes."""
        if self.address == "local":
            stack.enter_context(dask_config.set(LOCAL_CLUSTER_CONFIG))
            with _workers_deaf_to_ctrl_c():
                cluster = distributed.LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.CRITICAL,  # shutdown chatter; task errors still reach us
                )
                stack.enter_context(cluster)
                return stack.enter_context(distributed.Client(cluster))
        try:
            client = distributed.Client(self.address, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise NegsimError.single(
                "--dask",
                f"cannot reach a Dask scheduler at {self.address}: {exc}",
                suggestion="start one with `dask scheduler`, or use `--dask local`",
            ) from None
        return stack.enter_context(client)


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


def choose_backend(workers: int | None, dask: str | None) -> Backend:
    """`--workers N` and `--dask ADDRESS|local` as a backend; default: all cores, locally."""
    count = workers if workers is not None else available_cores()
    if dask is not None:
        return Dask(dask, count)
    return Serial() if count == 1 else Processes(count)
