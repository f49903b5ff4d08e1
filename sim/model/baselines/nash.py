"""The exact asymmetric Nash bargaining solution with salience-weighted linear utilities.

Nash (1950); asymmetric weights: Kalai (1977). The package z maximises

    sum_i c_i log(u_i(z) - d_i)   over the members i who can gain,

with u_i(z) = -sum_k W_ik |z_k - x_ik| (W_ik >= 0: how much member i loses per unit of distance
on issue k) and disagreement utilities d_i. Write a_i = u_i(x_i) - d_i = -d_i for a member's
largest possible gain. The objective is concave, so any local maximum is the maximum.

How it is solved, exactly, one replication (row) at a time by compiled code (`solve_row`,
numba), so the model's compiled rules can call it; `solve` runs it over a leading replication
axis:

- One member who can gain: its own position (on the issues it weighs).
- Two members i, j: on each issue the optimum lies between their positions, and each gain is
  linear in the share theta_k of the distance that i concedes to j. The Pareto frontier in
  gains is a polyline: concede the issues in decreasing order of q_k / p_k (what j gains per
  unit i loses, p_k = W_ik |x_jk - x_ik|, q_k = W_jk |x_jk - x_ik|), like a fractional
  knapsack. c_i log g_i + c_j log g_j is concave along it, so the maximum lies on the first
  segment where its slope, of the sign of c_j q g_i - c_i p g_j, turns non-positive; there the
  first-order condition gives the share in closed form,
  tau = (c_j q g_i - c_i p g_j) / ((c_i + c_j) p q). No iteration, no tolerance beyond rounding.
  Issues with the same ratio give the same gains whichever of them is conceded (the maximum is
  then not unique in z): they are conceded in equal proportion, so mirror-image members meet
  in the middle on every issue.
- Three or more members: cyclic coordinate ascent from a package where every member gains
  (the members' weighted mean if it is one; else one found by Nash points with all
  disagreement utilities lowered; else by a linear programme, which also decides whether
  there is one). Each step maximises exactly over one issue: the optimum is at a member's
  position, found from the one-sided derivatives there, or inside a segment between two
  positions, found by safeguarded Newton on the derivative, which decreases along the
  segment. After each sweep a Newton step on the issues lying between positions makes the
  end quadratic. Why this reaches the maximum: the objective's directional derivative is a
  sum over issues of one-issue terms (log is smooth and each loss is a sum of one-issue
  terms), so a package no single issue can improve has no improving direction at all, and a
  concave function has no other stationary point (Tseng 2001 for the convergence of cyclic
  coordinate ascent on such functions). It stops when the duality gap, sum_k [S_k(z_k) -
  min_y S_k(y)] with S_k(y) = sum_i lambda_i W_ik |y - x_ik| and lambda_i = c_i / g_i, is
  below 1e-10 x (sum_i c_i + sum_k S_k(z_k)): the gap bounds how far the objective is below
  its maximum, and the second term is the size of the numbers it is the difference of.

When no package gives every member who can gain a positive gain (the Nash set is empty) the
solver reports it (status NO_GAIN) and returns the package that maximises the smallest gain:
the limit of the Nash solution as all members' disagreement utilities are lowered by the same
amount until a package gains for all. Callers choose what to do with it.

Compiled code. Every solver function is compiled by numba and cached on disk (sim/model/jit.py),
so a second process loads the machine code instead of compiling it again. They use numpy's error
model (a division by zero gives inf or nan as in numpy, where the code then discards it,
instead of raising) and no fastmath, so the arithmetic is plain IEEE and a row's answer is
the same whatever batch it is solved in. These options, and numba's runtime (which the
solver needs for its few scratch arrays per row), are set explicitly: numba otherwise passes
a caller's options down to the functions it calls, and the model's compiled rules run
without the runtime. The linear programme, needed only when neither the weighted mean nor
the lowered-BATNA Nash points give every member a gain with three or more members, stays in
scipy (HiGHS): the compiled code calls it through `numba.objmode`, which works inside cached
functions (the cache holds the call back into Python, not scipy itself).
"""

from __future__ import annotations

import numba
import numpy as np

from sim.model import jit
from sim.model.baselines._arrays import as_case

SOLVED, NO_MEMBER, NO_GAIN = 0, 1, 2
GAIN_TOL = 1e-12  # a member whose largest possible gain is at most this cannot gain anything
GAP_TOL = 1e-10  # coordinate ascent stops when the duality gap is below this, relative (see _ascend)
RATIO_TIE = 1e-12  # issues whose trade-off ratios differ by less (relative) are conceded together
KINK_TOL = 1e-12  # a package value this close (relative) to a position sits on that position's kink
NEWTON_RCOND = 1e-13  # Newton steps leave out directions of curvature below this fraction of the largest
MAX_SWEEPS = 2000
MAX_NEWTON = 200
WARM_STAGES = 6  # lowered-BATNA stages looking for a package where every member gains
WARM_SWEEPS = 2  # coordinate ascent sweeps per stage: a starting point only, not an answer

# every solver function: compiled once and cached on disk; numpy's error model, no fastmath and
# numba's runtime whatever the caller's options (see the module docstring)
_compiled = jit.compiled(error_model="numpy", fastmath=False, _nrt=True)
# one and two members need no runtime: their scratch space is the caller's, so the rules'
# compiled round calls them without reference counting (sim/model/rules.py)
_unmanaged = jit.compiled(error_model="numpy", fastmath=False, _nrt=False, nogil=True)
SCRATCH_ROWS = 10  # solve_row's float scratch space: (SCRATCH_ROWS, K), and an int (K,) for orders


def scratch_space(issues: int) -> tuple[np.ndarray, np.ndarray]:
    """The scratch arrays `solve_row` works in, for K issues."""
    return np.empty((SCRATCH_ROWS, issues)), np.empty(issues, dtype=np.int64)


def nash_solution(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    q: np.ndarray,
    *,
    scale: tuple[np.ndarray, np.ndarray] | None = None,
    disagreement: np.ndarray | None = None,
) -> np.ndarray:
    """The exact asymmetric Nash bargaining solution with the reference point q as disagreement.

    Nash (1950), Kalai (1977): maximises sum_i c_i log(u_i(z) - u_i(q)) over packages z, with
    u_i(z) = -sum_k w_ik |z_k - x_ik| / range_k, w = salience normalised to sum 1 per actor, and
    range_k the width of issue k: `scale` = (low, high) per issue when given, else the spread of
    the positions and q on that issue. Dividing by the range makes the answer scale-free:
    an affine change of the scale maps the solution the same way.

    Members are the actors with c_i > 0 who can gain something somewhere (an actor whose
    position equals q on every issue it cares about cannot: it is left out). When no package
    gives every member a positive gain over q (for instance members on both sides of q on a
    single issue), or nobody can gain, the answer is q itself: no agreement beats the reference
    point for all. An issue no member cares about keeps q_k. `disagreement` (N,) or (R, N)
    replaces u_i(q) by other disagreement utilities on the same scale (0 at one's position,
    -1 at the far end of every issue).

    Exact to rounding for one and two members (closed form); for three or more members the
    objective is within 1e-12 x sum_i c_i of its maximum (duality gap). Ties between packages
    with the same gains are broken as the module docstring says.
    x (N, K) or (R, N, K); s like x; c (N,) or (R, N); q (K,) or (R, K).
    """
    case = as_case(x, s, c, q)
    if case.q is None:
        raise ValueError("nash_solution needs the reference point q")
    weight, _ = loss_weights(case.x, case.s, case.q, scale)
    utility_q = -(weight * np.abs(case.q[:, None, :] - case.x)).sum(axis=2)
    d = (
        utility_q
        if disagreement is None
        else np.broadcast_to(np.asarray(disagreement, float), utility_q.shape)
    )
    package, status = solve(case.x, weight, case.c, -d, anchor=case.q)
    package = np.where((status == SOLVED)[:, None], package, case.q)
    return case.out(package)


def loss_weights(
    x: np.ndarray, s: np.ndarray, q: np.ndarray, scale: tuple[np.ndarray, np.ndarray] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Salience normalised per actor and divided by each issue's width: W (R, N, K), width (R, K)."""
    if scale is None:
        width = np.maximum(x.max(axis=1), q).astype(float) - np.minimum(x.min(axis=1), q)
    else:
        low, high = (np.asarray(v, dtype=float) for v in scale)
        width = np.broadcast_to(high - low, q.shape).astype(float)
        if (width <= 0).any():
            raise ValueError("each issue's scale needs high > low")
    totals = s.sum(axis=2, keepdims=True)
    w = np.where(totals > 0, s / np.where(totals > 0, totals, 1.0), 0.0)
    per_width = np.where(width > 0, 1.0 / np.where(width > 0, width, 1.0), 0.0)
    return w * per_width[:, None, :], width


def solve(
    position: np.ndarray, weight: np.ndarray, clout: np.ndarray, best_gain: np.ndarray, anchor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Maximise sum_i clout_i log(best_gain_i - sum_k weight_ik |z_k - position_ik|).

    position, weight (R, N, K); clout, best_gain (R, N); anchor (R, K): the value of an issue
    no member weighs, and the package when no member can gain. Members: clout > 0 and
    best_gain > GAIN_TOL. Returns the package (R, K) and a status per row: SOLVED; NO_MEMBER
    (package = anchor); NO_GAIN (the Nash set is empty; package = the one maximising the
    smallest gain). Each row is solved on its own by `solve_row`: results do not depend on
    the batch. Inputs are copied to contiguous float64 arrays first, so one compiled version
    serves every caller.
    """
    position = _contiguous(position, np.shape(position))
    rows, actors, issues = position.shape
    weight = _contiguous(weight, position.shape)
    clout = _contiguous(clout, (rows, actors))
    best_gain = _contiguous(best_gain, (rows, actors))
    anchor = _contiguous(anchor, (rows, issues))
    package = np.empty((rows, issues))
    status = np.empty(rows, dtype=np.int8)
    _solve_rows(position, weight, clout, best_gain, anchor, package, status)
    return package, status


def _contiguous(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A writeable C-contiguous float64 copy: the compiled code sees one array type whatever the
    caller passed (views, broadcasts and read-only arrays would each need a compilation)."""
    return np.array(np.broadcast_to(np.asarray(values, dtype=float), shape), dtype=float, order="C")


@_compiled
def _solve_rows(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    anchor: np.ndarray,
    package: np.ndarray,
    status: np.ndarray,
) -> None:
    """`solve_row` on every row: the batch is only a loop, so a row's answer is the same alone."""
    work = np.empty((SCRATCH_ROWS, position.shape[2]))
    order = np.empty(position.shape[2], dtype=np.int64)
    for r in range(position.shape[0]):
        status[r] = solve_row(
            position[r], weight[r], clout[r], best_gain[r], anchor[r], package[r], work, order
        )


@_unmanaged
def solve_row(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    anchor: np.ndarray,
    package: np.ndarray,
    work: np.ndarray,
    order: np.ndarray,
) -> int:
    """One row of `solve`, callable from compiled code.

    position, weight: (N, K) float64; clout, best_gain: (N,) float64; anchor: (K,) float64;
    writes the package into `package` (K,) float64 and returns the status (SOLVED, NO_MEMBER,
    NO_GAIN). Members are the actors with clout > 0 and best_gain > GAIN_TOL. `work` and
    `order` are scratch space (`scratch_space(K)`): one and two members allocate nothing. `package` must
    not share memory with the inputs (the anchor is read again after the package is written).
    """
    count, first, last = 0, -1, -1
    for i in range(clout.shape[0]):
        if _is_member(clout[i], best_gain[i]):
            count += 1
            first = i if first < 0 else first
            last = i
    for k in range(anchor.shape[0]):
        package[k] = anchor[k]
    if count == 0:
        return NO_MEMBER
    if count == 1:
        _one_member(position[first], weight[first], package)
        return SOLVED
    if count == 2:
        return _two_members(position, weight, clout, best_gain, first, last, package, work, order)
    return _three_or_more(position, weight, clout, best_gain, anchor, package)


@_compiled
def _three_or_more(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    anchor: np.ndarray,
    package: np.ndarray,
) -> int:
    count = 0
    for i in range(clout.shape[0]):
        count += _is_member(clout[i], best_gain[i])
    members = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(clout.shape[0]):
        if _is_member(clout[i], best_gain[i]):
            members[count] = i
            count += 1
    return _many_members(position, weight, clout, best_gain, members, anchor, package)


@_unmanaged
def _is_member(clout: float, best_gain: float) -> bool:
    return clout > 0 and best_gain > GAIN_TOL


@_unmanaged
def _one_member(own: np.ndarray, weight: np.ndarray, package: np.ndarray) -> None:
    """Its own position on every issue it weighs; `package` holds the anchor elsewhere."""
    for k in range(own.shape[0]):
        if weight[k] > 0:
            package[k] = own[k]


# --- two members: the Pareto frontier is a polyline -------------------------------------------------


@_unmanaged
def _two_members(
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


@_unmanaged
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


@_unmanaged
def _share(numerator: float, denominator: float) -> float:
    """numerator / denominator clipped to [0, 1]; 0 when it is undefined (nan)."""
    share = numerator / denominator
    if not share > 0:
        return 0.0
    return min(share, 1.0)


@_unmanaged
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


@_unmanaged
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


# --- three or more members: coordinate ascent ------------------------------------------------------


@_compiled
def _many_members(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    members: np.ndarray,
    anchor: np.ndarray,
    package: np.ndarray,
) -> int:
    """Three or more members (indices `members`); `package` holds the anchor on entry. Works on
    the members' rows only: x, w (n, K), c, a (n,)."""
    x, w = position[members], weight[members]
    c, a = clout[members], best_gain[members]
    _weighted_mean(x, w, c, package)
    gains = np.empty(c.shape[0])
    if not _all_gain(x, w, a, package, gains):  # look for a package where all gain
        _warm_start(x, w, c, a, package)
        if not _all_gain(x, w, a, package, gains):  # the package maximising the smallest gain
            smallest = _maximin_compiled(x, w, a, anchor, package)
            if smallest <= 0:
                return NO_GAIN
    _ascend(x, w, c, a, package, MAX_SWEEPS)
    return SOLVED


@_compiled
def _weighted_mean(x: np.ndarray, w: np.ndarray, c: np.ndarray, package: np.ndarray) -> None:
    """The clout x weight mean of the members' positions on every issue some member weighs
    (the anchor, already in `package`, elsewhere): the first guess of the ascent."""
    for k in range(x.shape[1]):
        total, weighted, cares = 0.0, 0.0, False
        for i in range(x.shape[0]):
            cares = cares or w[i, k] > 0
            total += c[i] * w[i, k]
            weighted += c[i] * w[i, k] * x[i, k]
        if cares:
            package[k] = weighted / (total if total > 0 else 1.0)


@_compiled
def _fill_gains(x: np.ndarray, w: np.ndarray, a: np.ndarray, z: np.ndarray, gains: np.ndarray) -> None:
    for i in range(x.shape[0]):
        loss = 0.0
        for k in range(x.shape[1]):
            loss += w[i, k] * abs(z[k] - x[i, k])
        gains[i] = a[i] - loss


@_compiled
def _all_gain(x: np.ndarray, w: np.ndarray, a: np.ndarray, z: np.ndarray, gains: np.ndarray) -> bool:
    """Whether every member gains at z; the gains are left in `gains`."""
    _fill_gains(x, w, a, z, gains)
    for i in range(gains.shape[0]):  # noqa: SIM110 - a plain loop: compiled code, no generators
        if not gains[i] > 0:
            return False
    return True


@_compiled
def _warm_start(x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray, z: np.ndarray) -> None:
    """Look for a package where every member gains: Nash points with every member's BATNA
    lowered by delta, delta shrinking from stage to stage (to a tenth of the slack left at the
    current package) while that package stays inside. Stops early once the dual weights prove
    that no such package exists (sum_i lambda_i a_i <= sum_k min_y S_k(y)). Only a starting
    point, to spare the linear programme: the answer does not depend on it. Updates z."""
    n = x.shape[0]
    gains, lam, shifted = np.empty(n), np.empty(n), np.empty(n)
    _fill_gains(x, w, a, z, gains)
    smallest, reach = gains.min(), max(a.max(), 0.0)
    delta = 0.5 * reach - smallest
    for _ in range(WARM_STAGES):
        if smallest > 0:
            return
        for i in range(n):
            shifted[i] = a[i] + delta
        _ascend(x, w, c, shifted, z, WARM_SWEEPS)
        _fill_gains(x, w, a, z, gains)
        smallest = gains.min()
        worth = 0.0
        for i in range(n):
            lam[i] = c[i] / (gains[i] + delta)
            worth += lam[i] * a[i]
        impossible = worth <= _dual_floor(x, w, lam)
        delta = 0.1 * (smallest + delta) - smallest
        if impossible:
            return


@_compiled
def _ascend(x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray, z: np.ndarray, sweeps: int) -> None:
    """Cyclic coordinate ascent from a package z where every member gains, in place, until the
    duality gap is small enough (see the module docstring) or `sweeps` sweeps are done."""
    n, issues = x.shape
    gains, rest = np.empty(n), np.empty(n)
    work = np.empty((6, n))
    clout_total = c.sum()
    for _ in range(sweeps):
        _fill_gains(x, w, a, z, gains)
        for k in range(issues):
            for i in range(n):
                rest[i] = gains[i] + w[i, k] * abs(z[k] - x[i, k])
            z[k] = _line_max(x[:, k], w[:, k], rest, c, z[k], work)
            for i in range(n):
                gains[i] = rest[i] - w[i, k] * abs(z[k] - x[i, k])
        _newton_interior(x, w, c, a, z, gains)
        _fill_gains(x, w, a, z, gains)
        gap, scale = _duality_gap_row(x, w, c, gains, z)
        if gap <= GAP_TOL * (clout_total + scale):
            return


@_compiled
def _objective(c: np.ndarray, gains: np.ndarray) -> float:
    value = 0.0
    for i in range(c.shape[0]):
        if c[i] > 0:
            if not gains[i] > 0:
                return -np.inf
            value += c[i] * np.log(gains[i])
    return value


@_compiled
def _newton_interior(
    x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray, z: np.ndarray, gains: np.ndarray
) -> None:
    """One Newton step on the issues whose package value lies strictly between two positions
    (there the objective is smooth), kept inside those segments and where every member gains;
    taken only if it raises the objective. Coordinate ascent alone converges linearly, slowly
    when the gains are small; this step makes the end quadratic. Updates z."""
    n, issues = x.shape
    interior = _interior_issues(x, w, c, z)
    if not interior.any():
        return
    beta = np.zeros((n, issues))  # d g_i / d z_k on the interior issues
    for i in range(n):
        if c[i] > 0:
            for k in range(issues):
                if interior[k] and w[i, k] > 0:
                    beta[i, k] = -w[i, k] if z[k] - x[i, k] > 0 else w[i, k]
    grad, hess = np.zeros(issues), np.zeros((issues, issues))
    for i in range(n):
        if c[i] > 0:
            lam = c[i] / gains[i]
            curvature = lam * lam / c[i]
            for k in range(issues):
                grad[k] += lam * beta[i, k]
                for m in range(k, issues):
                    hess[k, m] -= curvature * beta[i, k] * beta[i, m]
    for k in range(issues):
        for m in range(k):
            hess[k, m] = hess[m, k]  # symmetric to the last bit
        if not interior[k]:  # a unit diagonal keeps the other issues out of the step
            hess[k, :] = 0.0
            hess[:, k] = 0.0
            hess[k, k] = -1.0
    step = np.empty(issues)
    _pseudo_solve(hess, grad, step)
    for k in range(issues):
        step[k] = -step[k] if interior[k] else 0.0
    fraction = min(1.0, _room_in_segments(x, w, c, z, step, interior), _room_in_gains(beta, gains, c, step))
    trial = z + fraction * step
    after = np.empty(n)
    _fill_gains(x, w, a, trial, after)
    if _objective(c, after) > _objective(c, gains):
        z[:] = trial


@_compiled
def _pseudo_solve(matrix: np.ndarray, rhs: np.ndarray, out: np.ndarray) -> None:
    """out = pinv(matrix) @ rhs for a symmetric matrix (overwritten), directions whose eigenvalue
    is below NEWTON_RCOND times the largest in size left out, as numpy.linalg.pinv does with
    singular values. By the eigenvectors of cyclic Jacobi rotations: the matrices are a few
    issues wide, where this is much cheaper than a call to LAPACK's SVD, and it allocates
    only the eigenvector matrix."""
    size = matrix.shape[0]
    vectors = np.eye(size)
    _jacobi_eigen(matrix, vectors)
    largest = 0.0
    for k in range(size):
        largest = max(largest, abs(matrix[k, k]))
    out[:] = 0.0
    for e in range(size):
        value = matrix[e, e]
        if not abs(value) > NEWTON_RCOND * largest:
            continue
        along = 0.0
        for k in range(size):
            along += vectors[k, e] * rhs[k]
        along /= value
        for k in range(size):
            out[k] += vectors[k, e] * along


@_compiled
def _jacobi_eigen(matrix: np.ndarray, vectors: np.ndarray) -> None:
    """Diagonalise a symmetric matrix in place by cyclic Jacobi rotations (Rutishauser's
    formulas): afterwards its diagonal holds the eigenvalues and the columns of `vectors` (the
    identity on entry) the eigenvectors. Stops when the off-diagonal part is below rounding of
    the whole, or after 50 sweeps (a handful suffice: convergence is quadratic)."""
    size = matrix.shape[0]
    for _ in range(50):
        off, total = 0.0, 0.0
        for k in range(size):
            for m in range(size):
                total += matrix[k, m] * matrix[k, m]
                if m != k:
                    off += matrix[k, m] * matrix[k, m]
        if not off > 1e-32 * total:
            return
        for p in range(size - 1):
            for q in range(p + 1, size):
                if matrix[p, q] != 0.0:
                    _rotate(matrix, vectors, p, q)


@_compiled
def _rotate(matrix: np.ndarray, vectors: np.ndarray, p: int, q: int) -> None:
    """The Jacobi rotation in the (p, q) plane that zeroes matrix[p, q]: matrix <- J' matrix J,
    vectors <- vectors J."""
    theta = (matrix[q, q] - matrix[p, p]) / (2.0 * matrix[p, q])
    t = 1.0 / (abs(theta) + np.sqrt(theta * theta + 1.0))
    if abs(theta) > 1e150:  # theta squared would overflow
        t = 0.5 / abs(theta)
    if theta < 0:
        t = -t
    cos = 1.0 / np.sqrt(t * t + 1.0)
    sin = t * cos
    for r in range(matrix.shape[0]):
        left, right = matrix[r, p], matrix[r, q]
        matrix[r, p], matrix[r, q] = cos * left - sin * right, sin * left + cos * right
    for r in range(matrix.shape[0]):
        top, bottom = matrix[p, r], matrix[q, r]
        matrix[p, r], matrix[q, r] = cos * top - sin * bottom, sin * top + cos * bottom
    for r in range(vectors.shape[0]):
        left, right = vectors[r, p], vectors[r, q]
        vectors[r, p], vectors[r, q] = cos * left - sin * right, sin * left + cos * right
    matrix[p, q] = matrix[q, p] = 0.0


@_compiled
def _interior_issues(x: np.ndarray, w: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The issues some member weighs whose package value is on no weighing member's position."""
    n, issues = x.shape
    interior = np.zeros(issues, dtype=np.bool_)
    for k in range(issues):
        tiny = KINK_TOL * (1.0 + abs(z[k]))
        weighed, on_kink = False, False
        for i in range(n):
            if c[i] > 0 and w[i, k] > 0:
                weighed = True
                on_kink = on_kink or abs(z[k] - x[i, k]) <= tiny
        interior[k] = weighed and not on_kink
    return interior


@_compiled
def _room_in_segments(
    x: np.ndarray, w: np.ndarray, c: np.ndarray, z: np.ndarray, step: np.ndarray, interior: np.ndarray
) -> float:
    """The largest fraction of `step` (zero off the interior issues) that keeps every interior
    issue inside its segment."""
    n, issues = x.shape
    fraction = np.inf
    for k in range(issues):
        if step[k] == 0:
            continue
        tiny = KINK_TOL * (1.0 + abs(z[k]))
        right, left = np.inf, -np.inf
        for i in range(n):
            if c[i] > 0 and w[i, k] > 0:
                if x[i, k] > z[k] + tiny:
                    right = min(right, x[i, k])
                if x[i, k] < z[k] - tiny:
                    left = max(left, x[i, k])
        edge = right if step[k] > 0 else left
        fraction = min(fraction, (edge - z[k]) / step[k])
    return fraction


@_compiled
def _room_in_gains(beta: np.ndarray, gains: np.ndarray, c: np.ndarray, step: np.ndarray) -> float:
    """The largest fraction of `step` after which every member keeps a tenth of its gain."""
    fraction = np.inf
    for i in range(beta.shape[0]):
        change = 0.0
        for k in range(beta.shape[1]):
            change += beta[i, k] * step[k]
        if c[i] > 0 and change < 0:
            fraction = min(fraction, -0.9 * gains[i] / change)
    return fraction


def duality_gap(
    position: np.ndarray, weight: np.ndarray, clout: np.ndarray, gains: np.ndarray, package: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The duality gap sum_k [S_k(z_k) - min_y S_k(y)], S_k(y) = sum_i lambda_i W_ik |y - x_ik|,
    lambda = c / g: an upper bound on how far sum_i c_i log g_i lies below its maximum
    (Lagrangian duality). Also returns sum_k S_k(z_k), the size of the terms it is the
    difference of, against which rounding is judged. position, weight (R, N, K); clout, gains
    (R, N); package (R, K); returns two (R,) arrays."""
    position = _contiguous(position, np.shape(position))
    rows, actors, issues = position.shape
    gap, scale = np.empty(rows), np.empty(rows)
    _duality_gaps(
        position,
        _contiguous(weight, position.shape),
        _contiguous(clout, (rows, actors)),
        _contiguous(gains, (rows, actors)),
        _contiguous(package, (rows, issues)),
        gap,
        scale,
    )
    return gap, scale


@_compiled
def _duality_gaps(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    gains: np.ndarray,
    package: np.ndarray,
    gap: np.ndarray,
    scale: np.ndarray,
) -> None:
    for r in range(position.shape[0]):
        gap[r], scale[r] = _duality_gap_row(position[r], weight[r], clout[r], gains[r], package[r])


@_compiled
def _duality_gap_row(
    x: np.ndarray, w: np.ndarray, c: np.ndarray, gains: np.ndarray, z: np.ndarray
) -> tuple[float, float]:
    """`duality_gap` of one row: (gap, sum_k S_k(z_k))."""
    n = x.shape[0]
    lam = np.empty(n)
    for i in range(n):
        lam[i] = c[i] / gains[i] if c[i] > 0 else 0.0
    gap, scale = 0.0, 0.0
    for k in range(x.shape[1]):
        at_z = 0.0
        for i in range(n):
            at_z += lam[i] * w[i, k] * abs(z[k] - x[i, k])
        gap += at_z - _issue_floor(x[:, k], w[:, k], lam)
        scale += at_z
    return gap, scale


@_compiled
def _issue_floor(x: np.ndarray, w: np.ndarray, lam: np.ndarray) -> float:
    """min_y S_k(y), S_k(y) = sum_i lam_i w_i |y - x_i|: S_k is piecewise linear and convex,
    so its minimum is at one of the positions."""
    floor = np.inf
    for j in range(x.shape[0]):
        value = 0.0
        for i in range(x.shape[0]):
            value += lam[i] * w[i] * abs(x[j] - x[i])
        floor = min(floor, value)
    return floor


@_compiled
def _dual_floor(x: np.ndarray, w: np.ndarray, lam: np.ndarray) -> float:
    """sum_k min_y S_k(y): with dual weights lam, no package can give every member a gain when
    sum_i lam_i a_i is at most this."""
    total = 0.0
    for k in range(x.shape[1]):
        total += _issue_floor(x[:, k], w[:, k], lam)
    return total


@_compiled
def _line_max(
    x: np.ndarray, w: np.ndarray, rest: np.ndarray, c: np.ndarray, z0: float, work: np.ndarray
) -> float:
    """Exact maximiser over y of sum_i c_i log(rest_i - w_i |y - x_i|) for one issue (members
    (n,)); z0 is a point where every term is defined, kept when no member weighs the issue.
    `work` (6, n) is scratch space."""
    n = x.shape[0]
    live, lo, hi = False, -np.inf, np.inf  # where every term is defined
    for i in range(n):
        if c[i] > 0 and w[i] > 0:
            live = True
            reach = rest[i] / w[i]
            lo, hi = max(lo, x[i] - reach), min(hi, x[i] + reach)
    if not live:
        return z0
    left, right = work[0], work[1]
    _one_sided_slopes(x, w, rest, c, lo, left, right)
    seg_lo, seg_hi = -np.inf, np.inf
    for j in range(n):
        if c[j] > 0 and w[j] > 0:
            if left[j] >= 0 and right[j] <= 0:  # the maximum is on this kink
                return x[j]
            if right[j] > 0:
                seg_lo = max(seg_lo, x[j])
            if left[j] < 0:
                seg_hi = min(seg_hi, x[j])
    # inside (seg_lo, seg_hi) term i is rest_i + sign_i w_i (y - x_i) = base_i + sign_i w_i y
    base, slope, top, curvature = work[2], work[3], work[4], work[5]
    for i in range(n):
        if c[i] > 0 and w[i] > 0:
            sign = -1.0 if x[i] <= seg_lo else 1.0  # -1: member left of the segment
            base[i], slope[i] = rest[i] - sign * w[i] * x[i], sign * w[i]
            top[i], curvature[i] = c[i] * w[i] * sign, c[i] * w[i] * w[i]
        else:
            base[i], slope[i], top[i], curvature[i] = 1.0, 0.0, 0.0, 0.0
    return _segment_root(base, slope, top, curvature, max(seg_lo, lo), min(seg_hi, hi))


@_compiled
def _one_sided_slopes(
    x: np.ndarray,
    w: np.ndarray,
    rest: np.ndarray,
    c: np.ndarray,
    lo: float,
    left: np.ndarray,
    right: np.ndarray,
) -> None:
    """Left and right derivatives of sum_i c_i log(rest_i - w_i |y - x_i|) at each weighing
    member's position y = x_j; +inf (-inf) at a position below (above) the interval where
    every term is defined."""
    n = x.shape[0]
    for j in range(n):
        if not (c[j] > 0 and w[j] > 0):
            continue
        to_right, to_left, outside = 0.0, 0.0, False
        for i in range(n):
            if c[i] > 0 and w[i] > 0:
                room = rest[i] - w[i] * abs(x[j] - x[i])
                outside = outside or room <= 0
                term = c[i] * w[i] / room
                to_right += -term if x[j] >= x[i] else term
                to_left += -term if x[j] > x[i] else term
        if outside:
            to_right = to_left = np.inf if x[j] <= lo else -np.inf
        right[j], left[j] = to_right, to_left


@_compiled
def _segment_root(
    base: np.ndarray, slope: np.ndarray, top: np.ndarray, curvature: np.ndarray, low: float, high: float
) -> float:
    """Root of f(y) = sum_i top_i / (base_i + slope_i y), decreasing on (low, high), by Newton's
    method kept inside a shrinking bracket (bisection when a step would leave it)."""
    y = 0.5 * (low + high)
    for _ in range(MAX_NEWTON):
        f, df = 0.0, 0.0
        for i in range(base.shape[0]):
            den = base[i] + slope[i] * y
            f += top[i] / den
            df -= curvature[i] / (den * den)
        if f == 0:
            return y
        if f > 0:
            low = y
        else:
            high = y
        step = y - f / df
        tiny = 1e-15 * (1.0 + abs(y))
        close = abs(step - y) <= tiny  # converged: accept the step even a hair outside
        y = step if close or low <= step <= high else 0.5 * (low + high)
        if close or high - low <= tiny:
            return y
    return y


# --- the linear programme: the package maximising the smallest gain --------------------------------


@_compiled
def _maximin_compiled(
    x: np.ndarray, w: np.ndarray, a: np.ndarray, anchor: np.ndarray, z: np.ndarray
) -> float:
    """`_maximin_lp` for the members x, w (n, K), a (n,), called back in Python (scipy's HiGHS):
    writes the package into z and returns the smallest gain there."""
    with numba.objmode(package="float64[:]", smallest="float64"):
        package, smallest = _maximin_lp(x, w, a, np.ones(x.shape[0], dtype=bool), anchor)
        package = np.ascontiguousarray(package, dtype=np.float64)
    z[:] = package
    return smallest


def _maximin_lp(
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


def maximin_package(
    position: np.ndarray, weight: np.ndarray, best_gain: np.ndarray, member: np.ndarray, anchor: np.ndarray
) -> np.ndarray:
    """The package maximising the smallest member gain, one row (for checks and documentation)."""
    return _maximin_lp(position, weight, best_gain, member, anchor)[0]
