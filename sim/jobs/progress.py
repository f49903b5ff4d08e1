"""The progress bar of every job that runs replications: on a terminal's standard error, and
nowhere else (not in a pipe, a log or a notebook)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:
    from sim.runner.backends import Backend
    from sim.runner.chunks import Chunk, ChunkResult

err = Console(stderr=True)


def run_with_progress(
    chunks: Iterable[Chunk],
    total: int,
    backend: Backend,
    sink: Callable[[ChunkResult], None],
) -> int:
    """Run every chunk with a progress bar on a terminal; return replication-rounds played."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from sim.runner.batch import execute

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=not err.is_terminal, transient=True) as progress:
        task = progress.add_task(f"replications ({backend.description})", total=total)
        return execute(chunks, backend, sink, lambda done: progress.advance(task, done), notice=err.print)
