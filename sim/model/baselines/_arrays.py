"""Shapes shared by the baseline models: one case or a batch of R replications.

Positions `x` are (N, K) or (R, N, K), saliences `s` the same (or broadcastable), capabilities
`c` (N,) or (R, N), the reference point `q` (K,) or (R, K). Every function works on the batch
form and returns (K,) for a single case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Case:
    """A batch of cases: x, s (R, N, K), c (R, N), q (R, K) or None; `single` when the caller
    passed one case, so results are returned without the leading axis."""

    x: np.ndarray
    s: np.ndarray
    c: np.ndarray
    q: np.ndarray | None
    single: bool

    def out(self, result: np.ndarray) -> np.ndarray:
        return result[0] if self.single else result


def as_case(x: np.ndarray, s: np.ndarray, c: np.ndarray, q: np.ndarray | None = None) -> Case:
    """Check and broadcast the inputs to the batch form."""
    x = np.asarray(x, dtype=float)
    if x.ndim not in (2, 3):
        raise ValueError(f"positions must be (N, K) or (R, N, K), got shape {x.shape}")
    single = x.ndim == 2
    if single:
        x = x[None]
    rows, actors, issues = x.shape
    s = np.broadcast_to(np.asarray(s, dtype=float), x.shape)
    c = np.broadcast_to(np.asarray(c, dtype=float), (rows, actors))
    if (s < 0).any() or (c < 0).any():
        raise ValueError("salience and capability must be >= 0")
    if q is not None:
        q = np.broadcast_to(np.asarray(q, dtype=float), (rows, issues))
    if not (np.isfinite(x).all() and np.isfinite(s).all() and np.isfinite(c).all()):
        raise ValueError("positions, salience and capability must be finite")
    return Case(x=x, s=s, c=c, q=q, single=single)


def fallback(case: Case, empty: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` with q (or NaN without a reference point) where `empty` (R, K) is true."""
    reference = np.full(values.shape, np.nan) if case.q is None else case.q
    return np.where(empty, reference, values)
