"""Run every mediation path of a scenario in chunks of replications, reporting progress.

A replication's randomness depends only on (seed, replication, scenario), so chunking
changes nothing but memory use and the progress bar's granularity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.engine import BatchResult, run_batch
from sim.model.rules import OUTCOME_NAMES, utility
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import Scenario

CHUNK = 2000
TRAJECTORY_REPLICATIONS = 2000  # fan charts use the first replications of each path
QUANTILES = (0.1, 0.5, 0.9)

Progress = Callable[[int], None]  # called with the number of replications just finished


@dataclass(frozen=True)
class RunSettings:
    replications: int
    rounds: int
    seed: int


@dataclass
class PathOutput:
    """Tables for one mediation path."""

    replications: pd.DataFrame
    parameters: pd.DataFrame
    trajectories: pd.DataFrame


def settings_for(
    loaded: LoadedScenario, replications: int | None, rounds: int | None, seed: int | None
) -> RunSettings:
    """Command-line values override the scenario's `run:` section."""
    base = next(iter(loaded.variants.values())).run
    return RunSettings(
        replications=replications if replications is not None else base.replications,
        rounds=rounds if rounds is not None else base.rounds,
        seed=seed if seed is not None else base.seed,
    )


def run_path(
    path_id: str, scenario: Scenario, settings: RunSettings, progress: Progress | None = None
) -> PathOutput:
    """All replications of one path, chunk by chunk."""
    tables, params, trajectory_chunks = [], [], []
    for start in range(0, settings.replications, CHUNK):
        stop = min(start + CHUNK, settings.replications)
        wants_trajectory = start < TRAJECTORY_REPLICATIONS
        result = run_batch(
            scenario,
            settings.seed,
            start,
            stop,
            settings.rounds,
            record_trajectory=wants_trajectory,
        )
        tables.append(replication_table(path_id, result, start))
        params.append(
            pd.DataFrame({"path": path_id, "replication": np.arange(start, stop), **result.params.sampled})
        )
        if result.trajectory is not None:
            trajectory_chunks.append(result.trajectory[:, : TRAJECTORY_REPLICATIONS - start])
        if progress is not None:
            progress(stop - start)
    trajectory = np.concatenate(trajectory_chunks, axis=1)
    return PathOutput(
        replications=pd.concat(tables, ignore_index=True),
        parameters=pd.concat(params, ignore_index=True),
        trajectories=trajectory_table(path_id, trajectory, list(scenario.actors), list(scenario.issues)),
    )


def replication_table(path_id: str, result: BatchResult, start: int) -> pd.DataFrame:
    """One row per replication: outcome, when it ended, agreed terms and each actor's utility."""
    state, p = result.state, result.params
    terms = state.terms  # NaN unless the run ended in agreement, so utilities are NaN there too
    gains = utility(p.ideal, p.weight, terms)
    columns: dict[str, object] = {
        "path": path_id,
        "replication": np.arange(start, start + len(terms)),
        "outcome": pd.Categorical.from_codes(
            state.outcome.astype(int) - 1, categories=list(OUTCOME_NAMES[1:])
        ),
        "end_round": state.end_round,
    }
    columns |= {f"terms.{issue}": terms[:, k] for k, issue in enumerate(p.issues)}
    columns |= {f"utility.{actor}": gains[:, n] for n, actor in enumerate(p.actors)}
    return pd.DataFrame(columns)


def trajectory_table(
    path_id: str, trajectory: np.ndarray, actors: list[str], issues: list[str]
) -> pd.DataFrame:
    """Quantiles of each actor's position on each issue, per round, across replications."""
    rounds = trajectory.shape[0]
    q = np.quantile(trajectory, QUANTILES, axis=1)  # (3, T+1, N, K)
    index = pd.MultiIndex.from_product([range(rounds), actors, issues], names=["round", "actor", "issue"])
    frame = pd.DataFrame(
        {f"q{int(level * 100)}": q[i].reshape(-1) for i, level in enumerate(QUANTILES)}, index=index
    ).reset_index()
    frame.insert(0, "path", path_id)
    return frame
