"""The baselines on a scenario's arrays: positions, saliences, clouts and the reference point
(`status_quo`) of a Params, on the model's 0..1 scale, one row per replication."""

from __future__ import annotations

import numpy as np

from sim.model.baselines import BASELINES
from sim.model.params import Params


def case_from_params(
    p: Params, members: np.ndarray | None = None, positions: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x (R, n, K), s (R, n, K), c (R, n), q (R, K) for the `members` (N,) bool (default: every
    actor), at `positions` (R, N, K) (default: the initial positions, p.ideal)."""
    x = p.ideal if positions is None else positions
    keep = np.ones(len(p.actors), dtype=bool) if members is None else np.asarray(members, dtype=bool)
    return x[:, keep], p.salience[:, keep], p.clout[:, keep], p.status_quo


def predict(
    name: str, p: Params, members: np.ndarray | None = None, positions: np.ndarray | None = None
) -> np.ndarray:
    """Baseline `name` (a key of BASELINES) for every replication: (R, K) on the 0..1 scale,
    each issue's full width being its declared scale (0..1 inside the model)."""
    x, s, c, q = case_from_params(p, members, positions)
    issues = q.shape[1]
    unit = (np.zeros(issues), np.ones(issues))
    return BASELINES[name].function(x, s, c, q, scale=unit)
