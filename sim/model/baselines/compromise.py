"""The compromise model (weighted mean) and the weighted median.

Both weigh each actor's position on an issue by capability x salience. The mean is the
"compromise model" that Achen (2006) and Thomson et al. (2006) find hard to beat on EU
legislative decisions; the median is the position a majority cannot beat when preferences are
single-peaked on the issue (Black 1948), the centre of Bueno de Mesquita's (1994) model.
"""

from __future__ import annotations

import numpy as np

from sim.model.baselines._arrays import as_case, fallback

TIE = 1e-12  # relative to an issue's total weight: cumulative weights this close to half tie


def compromise(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    q: np.ndarray | None = None,
    *,
    scale: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The compromise model: on each issue k, sum_i c_i s_ik x_ik / sum_i c_i s_ik.

    Achen (2006), Thomson et al. (2006). Scale-free: positions may be on any scale. Where no
    actor has both capability and salience on an issue (all weights 0) the issue keeps the
    reference point q_k (NaN when no q is given).

    x (N, K) or (R, N, K); s like x; c (N,) or (R, N); q (K,) or (R, K). Returns (K,) or (R, K).
    `scale` is accepted so that every baseline takes the same arguments; a mean needs none.
    """
    del scale
    case = as_case(x, s, c, q)
    weight = case.c[:, :, None] * case.s
    total = weight.sum(axis=1)
    empty = total <= 0
    mean = (weight * case.x).sum(axis=1) / np.where(empty, 1.0, total)
    return case.out(fallback(case, empty, mean))


def weighted_median(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    q: np.ndarray | None = None,
    *,
    scale: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """The capability x salience weighted median of positions on each issue.

    A weighted median is a position with at least half the total weight c_i s_ik at or below it
    and at least half at or above it: on one issue with single-peaked preferences, the position
    no weighted majority prefers to move from (Black 1948; the median voter position of Bueno de
    Mesquita 1994). Usually it is one actor's position. Ties: when exactly half the weight lies
    at or below one position and half at or above the next, every point between the two is a
    weighted median and the function returns the midpoint of that interval, so that reversing
    the scale reverses the answer (a lower median would favour the low end). Cumulative weights
    within 1e-12 of half the total count as exactly half. Actors with zero weight never matter.
    All weights 0 on an issue: the reference point q_k (NaN without q).

    Shapes and `scale` as for `compromise`.
    """
    del scale
    case = as_case(x, s, c, q)
    weight = case.c[:, :, None] * case.s
    order = np.argsort(case.x, axis=1, kind="stable")
    values = np.take_along_axis(case.x, order, axis=1)
    w = np.take_along_axis(weight, order, axis=1)
    total = w.sum(axis=1, keepdims=True)
    half = total / 2.0 - TIE * total
    at_or_below = np.cumsum(w, axis=1)
    at_or_above = total - at_or_below + w
    lower = np.argmax(at_or_below >= half, axis=1)
    actors = values.shape[1]
    upper = actors - 1 - np.argmax((at_or_above >= half)[:, ::-1, :], axis=1)
    low = np.take_along_axis(values, lower[:, None, :], axis=1)[:, 0, :]
    high = np.take_along_axis(values, upper[:, None, :], axis=1)[:, 0, :]
    median = 0.5 * (low + high)
    return case.out(fallback(case, total[:, 0, :] <= 0, median))
