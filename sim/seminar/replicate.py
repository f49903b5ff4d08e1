"""Many replications of one path, in memory: the batch engine without a result folder.

The page and the notebooks use this to answer "what if" in seconds. Replication r draws the
same random numbers as replication r of `negsim run` with the same seed, so a number seen
here can be checked against a full run.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sim.results.summary import summarise_path
from sim.runner.chunks import Chunk, Design, run_chunk
from sim.scenario.schema import Scenario
from sim.seminar.assumptions import Assumptions

CHUNK = 1000  # about a tenth of a second of work: a progress indicator still moves several times a second


def replicate(
    scenario: Scenario,
    replications: int,
    seed: int | None = None,
    rounds: int | None = None,
    assumptions: Assumptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """One row per replication (outcome, end_round, terms, utilities), like `negsim run`'s table.

    `progress(done, total)` is called after every chunk.
    """
    assumptions = assumptions or Assumptions()
    scenario = assumptions.apply(scenario)
    seed = scenario.run.seed if seed is None else seed
    rounds = rounds or scenario.run.rounds
    design = Design(values=assumptions.explored(1), per_point=replications)  # one point for all rows
    tables = []
    for start in range(0, replications, CHUNK):
        stop = min(start + CHUNK, replications)
        chunk = Chunk(
            scenario.label, scenario, seed, start, stop, rounds, design=design if design.values else None
        )
        tables.append(run_chunk(chunk).replications)
        if progress is not None:
            progress(stop, replications)
    table = pd.concat(tables, ignore_index=True)
    return table.drop(columns="point", errors="ignore")


def summarise(scenario: Scenario, table: pd.DataFrame) -> dict:
    """Agreement share with its 95% Wilson interval, the outcome mix, median month and terms."""
    return summarise_path(scenario.label, table, list(scenario.issues))
