"""Run chunks of replications on a backend, hand each result to a sink, report progress."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import ValidationError

from sim.errors import OptionProblem
from sim.model.warmup import ensure_compiled
from sim.runner.backends import Backend
from sim.runner.chunks import Chunk, ChunkResult, run_chunk
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import RunSettings as RunSection

TRAJECTORY_REPLICATIONS = 2000  # fan charts use the first replications of each path

Progress = Callable[[int], None]  # called with the number of replications just finished


@dataclass(frozen=True)
class RunSettings:
    replications: int
    rounds: int
    seed: int


def settings_for(
    loaded: LoadedScenario, replications: int | None, rounds: int | None, seed: int | None
) -> RunSettings:
    """Given values (options of a command or the API) override the scenario's `run:` section,
    within the same limits."""
    for option, key, value in (("runs", "replications", replications), ("rounds", "rounds", rounds)):
        if value is not None:
            try:
                RunSection.model_validate({key: value})
            except ValidationError as exc:
                message = exc.errors()[0]["msg"]
                raise OptionProblem(
                    option,
                    f"{message[:1].lower()}{message[1:]}, got {value:,}",
                    f"the limits of `run.{key}` in a scenario file apply here too",
                ) from None
    base = next(iter(loaded.variants.values())).run
    return RunSettings(
        replications=replications if replications is not None else base.replications,
        rounds=rounds if rounds is not None else base.rounds,
        seed=seed if seed is not None else base.seed,
    )


def execute(
    chunks: Iterable[Chunk],
    backend: Backend,
    sink: Callable[[ChunkResult], None],
    progress: Progress | None = None,
    notice: Callable[[str], None] | None = None,
) -> int:
    """Run every chunk; return the replication-rounds played (for throughput figures).

    The rules are compiled (or loaded from the cache) here first, so workers find them
    ready; `notice` hears why when that takes a while (the first run after install)."""
    ensure_compiled(notice)
    played = 0
    for result in backend.map_unordered(run_chunk, chunks):
        sink(result)
        played += result.rounds_played
        if progress is not None:
            progress(result.stop - result.start)
    return played
