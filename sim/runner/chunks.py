"""A chunk of replications: the unit of work every backend runs, and the tables it returns.

A replication's randomness depends only on (seed, scenario, replication index), so how
replications are cut into chunks, and where a chunk runs, cannot change any result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.arrays import OUTCOME_NAMES
from sim.model.engine import EVENT_KINDS, BatchResult, run_batch, utilities
from sim.scenario.schema import Scenario

DEFAULT_CHUNK = 2000


@dataclass(frozen=True)
class Design:
    """Explored parameter values per design point, each point run `per_point` times."""

    values: dict[str, np.ndarray]  # key path -> (points,)
    per_point: int

    @property
    def points(self) -> int:
        return len(next(iter(self.values.values()))) if self.values else 0

    def rows(self, start: int, stop: int) -> dict[str, np.ndarray]:
        point = np.arange(start, stop) // self.per_point
        return {target: column[point] for target, column in self.values.items()}


@dataclass(frozen=True)
class Chunk:
    """Replications [start, stop) of one mediation path."""

    path: str
    scenario: Scenario
    seed: int
    start: int
    stop: int
    rounds: int
    trajectory_until: int = 0  # record positions of replications below this index
    design: Design | None = None


@dataclass
class ChunkResult:
    path: str
    start: int
    stop: int
    replications: pd.DataFrame
    parameters: pd.DataFrame
    trajectory: np.ndarray | None  # (T + 1, rows below trajectory_until, N, K)
    rounds_played: int
    events: pd.DataFrame | None = None  # the timeline (docs/model.md 7.21)


def plan_chunks(
    path: str,
    scenario: Scenario,
    replications: int,
    rounds: int,
    seed: int,
    chunk_size: int = DEFAULT_CHUNK,
    trajectory_until: int = 0,
    design: Design | None = None,
) -> Iterator[Chunk]:
    for start in range(0, replications, chunk_size):
        stop = min(start + chunk_size, replications)
        yield Chunk(path, scenario, seed, start, stop, rounds, trajectory_until, design)


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run one chunk; this is what workers execute."""
    explored = chunk.design.rows(chunk.start, chunk.stop) if chunk.design else None
    result = run_batch(
        chunk.scenario,
        chunk.seed,
        chunk.start,
        chunk.stop,
        chunk.rounds,
        record_trajectory=chunk.start < chunk.trajectory_until,
        explored=explored,
    )
    index = np.arange(chunk.start, chunk.stop)
    table = replication_table(result, index, chunk.scenario)
    if chunk.design is not None:
        table.insert(1, "point", index // chunk.design.per_point)
    trajectory = None
    if result.trajectory is not None:
        trajectory = chunk.scenario.in_issue_units(
            result.trajectory[:, : chunk.trajectory_until - chunk.start]
        )
    return ChunkResult(
        path=chunk.path,
        start=chunk.start,
        stop=chunk.stop,
        replications=table,
        parameters=pd.DataFrame({"replication": index, **result.params.sampled}),
        trajectory=trajectory,
        rounds_played=int(result.state.end_round.sum()),
        events=event_table(result, index),
    )


def event_table(result: BatchResult, index: np.ndarray) -> pd.DataFrame:
    """One row per event: the replication, the month it happened in, its kind and its issue
    ("" when it concerns no single issue), in the order they happened."""
    timeline, issues = result.events, np.array([*result.params.issues, ""], dtype=object)
    return pd.DataFrame(
        {
            "replication": index[timeline.row],
            "month": timeline.month,
            "kind": pd.Categorical.from_codes(timeline.kind.astype(int), categories=list(EVENT_KINDS)),
            "issues": issues[timeline.issue].astype(str),
        }
    )


def replication_table(result: BatchResult, index: np.ndarray, scenario: Scenario) -> pd.DataFrame:
    """One row per replication: outcome, when it ended, agreed terms and each actor's utility."""
    state, p = result.state, result.params
    terms = state.terms  # NaN unless the run ended in agreement, so utilities are NaN there too
    gains = np.empty(p.batna.shape)
    utilities(np.ascontiguousarray(p.ideal), np.ascontiguousarray(p.weight), terms, gains)
    terms = scenario.in_issue_units(terms)  # reported in each issue's units
    columns: dict[str, object] = {
        "replication": index,
        "outcome": pd.Categorical.from_codes(
            state.outcome.astype(int) - 1, categories=list(OUTCOME_NAMES[1:])
        ),
        "end_round": state.end_round,
    }
    columns |= {f"terms.{issue}": terms[:, k] for k, issue in enumerate(p.issues)}
    columns |= {f"utility.{actor}": gains[:, n] for n, actor in enumerate(p.actors)}
    return pd.DataFrame(columns)
