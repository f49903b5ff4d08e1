"""The package maximising the smallest member gain, as a linear programme. With three or more
members the Nash bargaining solver (sim/model/baselines/nash.py) starts from it when neither
easier start gives every member a gain, and returns it when no package does (status NO_GAIN);
`nash.maximin_package` exposes it for checks.

The programme stays in scipy (HiGHS), imported only when first needed. Compiled code calls it
through `numba.objmode`, which works inside cached functions (the cache holds the call back
into Python, not scipy itself).
"""

from __future__ import annotations

import numba
import numpy as np

from sim.model.baselines.nash_common import compiled_with_runtime


@compiled_with_runtime
def maximin_compiled(x: np.ndarray, w: np.ndarray, a: np.ndarray, anchor: np.ndarray, z: np.ndarray) -> float:
    """`maximin_lp` for the members x, w (n, K), a (n,), called back in Python (scipy's HiGHS):
    writes the package into z and returns the smallest gain there."""
    with numba.objmode(package="float64[:]", smallest="float64"):
        package, smallest = maximin_lp(x, w, a, np.ones(x.shape[0], dtype=bool), anchor)
        package = np.ascontiguousarray(package, dtype=np.float64)
    z[:] = package
    return smallest


def maximin_lp(
    position: np.ndarray, weight: np.ndarray, best_gain: np.ndarray, member: np.ndarray, anchor: np.ndarray
) -> tuple[np.ndarray, float]:
    """max over z of min over members of gains, as a linear programme (one row): variables z (K),
    t (n, K) with t >= |z - x| on the issues a member weighs, and the smallest gain m."""
    from scipy.optimize import linprog  # here: rarely needed, and scipy.optimize is slow to import

    idx = np.flatnonzero(member)
    x, w, a = position[idx], weight[idx], best_gain[idx]
    n, k = x.shape
    cares = w > 0
    pairs = np.argwhere(cares)  # (member, issue) pairs that need a t
    p = len(pairs)
    nv = k + p + 1
    cost = np.zeros(nv)
    cost[-1] = -1.0
    gain_rows = np.zeros((n, nv))  # m + sum_k w_ik t_ik <= a_i
    gain_rows[pairs[:, 0], k + np.arange(p)] = w[pairs[:, 0], pairs[:, 1]]
    gain_rows[:, -1] = 1.0
    above = np.zeros((p, nv))  # z_k - t_ik <= x_ik
    above[np.arange(p), pairs[:, 1]] = 1.0
    above[np.arange(p), k + np.arange(p)] = -1.0
    below = -above  # -z_k - t_ik <= -x_ik
    below[np.arange(p), k + np.arange(p)] = -1.0
    targets = x[pairs[:, 0], pairs[:, 1]]
    a_ub = np.vstack([gain_rows, above, below])
    b_ub = np.concatenate([a, targets, -targets])
    any_care = cares.any(axis=0)
    low = np.where(any_care, x.min(axis=0), anchor)
    high = np.where(any_care, x.max(axis=0), anchor)
    bounds = [(lo, hi) for lo, hi in zip(low, high, strict=True)] + [(0, None)] * p + [(None, None)]
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
    if result.status != 0:  # pragma: no cover - the programme is always feasible and bounded
        raise RuntimeError(f"maximin programme failed: {result.message}")
    return result.x[:k], float(-result.fun)
