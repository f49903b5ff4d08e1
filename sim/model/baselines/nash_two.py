"""One and two members of the Nash bargaining solver (the method: sim/model/baselines/nash.py).

One member gets its own position on the issues it weighs. Two members walk the Pareto frontier
in gains, a polyline: i concedes the issues in decreasing order of what j gains per unit i
loses, and the maximum of c_i log g_i + c_j log g_j is where the slope along it turns
non-positive, in closed form on that segment. Issues of equal ratio are conceded in equal
proportion. When the two cannot both gain, the same walk finds where min(g_i, g_j) is largest.

Compiled without numba's runtime (`compiled_without_runtime`): the rules' compiled round calls
this code through `solve_row` without reference counting, so nothing here may allocate. All
scratch space is the caller's: `work` (SCRATCH_ROWS, K) floats and `order` (K,) ints.
"""

from __future__ import annotations

import numpy as np

from sim.model.baselines.nash_common import NO_GAIN, SOLVED, compiled_without_runtime

SCRATCH_ROWS = 10  # solve_row's float scratch space: (SCRATCH_ROWS, K), and an int (K,) for orders
RATIO_TIE = 1e-12  # issues whose trade-off ratios differ by less (relative) are conceded together


@compiled_without_runtime
def one_member(own: np.ndarray, weight: np.ndarray, package: np.ndarray) -> None:
    """Its own position on every issue it weighs; `package` holds the anchor elsewhere."""
    for k in range(own.shape[0]):
        if weight[k] > 0:
            package[k] = own[k]


# --- two members: the Pareto frontier is a polyline -------------------------------------------------


@compiled_without_runtime
def two_members(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    i: int,
    j: int,
    package: np.ndarray,
    work: np.ndarray,
    order: np.ndarray,
) -> int:
    """Members i < j; `package` holds the anchor, kept on the issues neither weighs. `work`
    (SCRATCH_ROWS, K) is all the scratch space of the frontier walk, `order` (K,) its order."""
    issues = position.shape[1]
    p, q, ratio, theta = work[0], work[1], work[2], work[3]
    traded = 0.0  # what j would gain if i conceded every issue both weigh
    for k in range(issues):
        distance = abs(position[j, k] - position[i, k])
        p[k], q[k] = weight[i, k] * distance, weight[j, k] * distance
        if p[k] > 0 and q[k] > 0:
            ratio[k] = q[k] / p[k]
            traded += q[k]
        else:  # not traded: conceded for free if only j gains, else left at i's position
            p[k], q[k], ratio[k] = 0.0, 0.0, -1.0
    start_i, start_j = best_gain[i], best_gain[j] - traded  # gains with i's way on every traded issue
    _descending(ratio, order)
    walk = work[4:]
    gain_i, gain_j = _walk(ratio, p, q, order, start_i, start_j, clout[i], clout[j], False, theta, walk)
    status = SOLVED
    if not (gain_i > 0 and gain_j > 0):
        status = NO_GAIN
        _walk(ratio, p, q, order, start_i, start_j, clout[i], clout[j], True, theta, walk)
    for k in range(issues):
        if weight[i, k] <= 0 and weight[j, k] <= 0:
            continue
        distance = abs(position[j, k] - position[i, k])
        if weight[i, k] * distance == 0 and weight[j, k] * distance > 0:
            theta[k] = 1.0  # j gains at no cost to i: always conceded
        package[k] = position[i, k] + theta[k] * (position[j, k] - position[i, k])
    return status


@compiled_without_runtime
def _descending(values: np.ndarray, order: np.ndarray) -> None:
    """Writes into `order` the indices sorting `values` from largest to smallest, ties in their
    original order (a stable insertion sort: the issues are few)."""
    for t in range(values.shape[0]):
        order[t] = t
        s = t
        while s > 0 and values[order[s - 1]] < values[t]:
            order[s] = order[s - 1]
            s -= 1
        order[s] = t


@compiled_without_runtime
def _share(numerator: float, denominator: float) -> float:
    """numerator / denominator clipped to [0, 1]; 0 when it is undefined (nan)."""
    share = numerator / denominator
    if not share > 0:
        return 0.0
    return min(share, 1.0)


@compiled_without_runtime
def _walk(
    ratio: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
    order: np.ndarray,
    start_i: float,
    start_j: float,
    ci: float,
    cj: float,
    maximin: bool,
    theta: np.ndarray,
    work: np.ndarray,
) -> tuple[float, float]:
    """Walk the frontier from i's end, conceding issues in `order` (decreasing ratio); stop where
    c_i log g_i + c_j log g_j is largest, or with `maximin` where min(g_i, g_j) is largest.
    Writes into `theta` the share of each issue conceded by i (issues of equal ratio in equal
    proportion); returns the two gains there. `work` (6, K) is scratch space."""
    issues = ratio.shape[0]
    theta[:] = 0.0
    if issues == 0:
        return start_i, start_j
    rs, ps, qs, cum_p, cum_q = work[0], work[1], work[2], work[3], work[4]
    sum_p, sum_q = 0.0, 0.0
    for t in range(issues):  # the issues in walking order, and the running totals
        rs[t], ps[t], qs[t] = ratio[order[t]], p[order[t]], q[order[t]]
        sum_p += ps[t]
        sum_q += qs[t]
        cum_p[t], cum_q[t] = sum_p, sum_q

    segment = issues  # the first segment whose end is not better than inside it
    for t in range(issues):
        if not rs[t] > 0:
            segment = t
            break
        end_i, end_j = start_i - cum_p[t], start_j + cum_q[t]
        # maximin: keep walking while i is still the better off; else the sign of the slope of
        # c_i log g_i + c_j log g_j at the segment's end
        slope = end_i - end_j if maximin else cj * qs[t] * end_i - ci * ps[t] * end_j
        if slope <= 0:
            segment = t
            break
    if segment == issues:  # i conceded every traded issue
        loss_i = cum_p[issues - 1]
        gain_i, gain_j = start_i - cum_p[issues - 1], start_j + cum_q[issues - 1]
    else:
        pp, qq = ps[segment], qs[segment]
        a = (start_i - cum_p[segment]) + pp  # the gains where the segment begins
        b = (start_j + cum_q[segment]) - qq
        tau = 0.0
        if rs[segment] > 0:
            if maximin:  # where g_i = g_j
                tau = _share(a - b, pp + qq)
            else:  # where the slope is 0
                tau = _share(cj * qq * a - ci * pp * b, (ci + cj) * pp * qq)
        loss_i = (cum_p[segment] - pp) + pp * tau
        gain_i, gain_j = a - pp * tau, b + qq * tau
    _share_groups(rs, ps, cum_p, order, loss_i, theta, work[5])
    return gain_i, gain_j


@compiled_without_runtime
def _share_groups(
    rs: np.ndarray,
    ps: np.ndarray,
    cum_p: np.ndarray,
    order: np.ndarray,
    loss_i: float,
    theta: np.ndarray,
    group_before: np.ndarray,
) -> None:
    """Equal ratios form one straight stretch of the frontier: i's loss `loss_i` is spread over
    each such group of issues in equal proportion. rs, ps, cum_p are in walking order;
    `group_before` is scratch space for i's loss before each issue's group."""
    issues = rs.shape[0]
    before = -np.inf
    for t in range(issues):
        if t == 0 or rs[t] < rs[t - 1] * (1.0 - RATIO_TIE):
            before = max(before, cum_p[t] - ps[t])
        group_before[t] = before
    group_end = np.inf
    for t in range(issues - 1, -1, -1):
        if t == issues - 1 or rs[t + 1] < rs[t] * (1.0 - RATIO_TIE):
            group_end = min(group_end, cum_p[t])
        span = group_end - group_before[t]
        if rs[t] > 0 and span > 0:
            theta[order[t]] = _share(loss_i - group_before[t], span)
