"""The exact asymmetric Nash bargaining solution with salience-weighted linear utilities.

Nash (1950); asymmetric weights: Kalai (1977). The package z maximises

    sum_i c_i log(u_i(z) - d_i)   over the members i who can gain,

with u_i(z) = -sum_k W_ik |z_k - x_ik| (W_ik >= 0: how much member i loses per unit of distance
on issue k) and disagreement utilities d_i. Write a_i = u_i(x_i) - d_i = -d_i for a member's
largest possible gain. The objective is concave, so any local maximum is the maximum.

How it is solved, exactly and vectorised over a leading replication axis:

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
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from sim.model.baselines._arrays import as_case

SOLVED, NO_MEMBER, NO_GAIN = 0, 1, 2
GAIN_TOL = 1e-12  # a member whose largest possible gain is at most this cannot gain anything
GAP_TOL = 1e-10  # coordinate ascent stops when the duality gap is below this, relative (see _ascend)
RATIO_TIE = 1e-12  # issues whose trade-off ratios differ by less (relative) are conceded together
MAX_SWEEPS = 2000
MAX_NEWTON = 200


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
    smallest gain). Each row is computed on its own: results do not depend on the batch.
    """
    position = np.asarray(position, dtype=float)
    rows = position.shape[0]
    member = (clout > 0) & (best_gain > GAIN_TOL)
    count = member.sum(axis=1)
    package = np.array(anchor, dtype=float, copy=True)
    status = np.full(rows, SOLVED, dtype=np.int8)
    status[count == 0] = NO_MEMBER

    one = np.flatnonzero(count == 1)
    if one.size:
        who = np.argmax(member[one], axis=1)
        own = position[one, who, :]
        cares = weight[one, who, :] > 0
        package[one] = np.where(cares, own, anchor[one])

    two = np.flatnonzero(count == 2)
    if two.size:
        package[two], status[two] = _two_members(
            position[two], weight[two], clout[two], best_gain[two], member[two], anchor[two]
        )

    many = np.flatnonzero(count >= 3)
    if many.size:
        package[many], status[many] = _many_members(
            position[many],
            weight[many],
            np.where(member[many], clout[many], 0.0),
            best_gain[many],
            member[many],
            anchor[many],
        )
    return package, status


# --- two members: the Pareto frontier is a polyline -------------------------------------------------


def _two_members(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    member: np.ndarray,
    anchor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(position.shape[0])
    first = np.argmax(member, axis=1)
    second = position.shape[1] - 1 - np.argmax(member[:, ::-1], axis=1)
    xi, xj = position[rows, first], position[rows, second]
    wi, wj = weight[rows, first], weight[rows, second]
    ci, cj = clout[rows, first], clout[rows, second]
    ai, aj = best_gain[rows, first], best_gain[rows, second]

    distance = np.abs(xj - xi)
    p, q = wi * distance, wj * distance  # what i loses, and j gains, when i concedes issue k
    trade = (p > 0) & (q > 0)
    free = (p == 0) & (q > 0)  # j gains at no cost to i: always conceded
    start_i = ai
    start_j = aj - np.where(trade, q, 0.0).sum(axis=1)  # i's way on every traded issue
    ratio = np.where(trade, q / np.where(trade, p, 1.0), -1.0)

    theta, gain_i, gain_j = _walk(
        ratio, np.where(trade, p, 0.0), np.where(trade, q, 0.0), start_i, start_j, ci, cj
    )
    status = np.where((gain_i > 0) & (gain_j > 0), SOLVED, NO_GAIN).astype(np.int8)
    if (status == NO_GAIN).any():
        stuck = status == NO_GAIN
        theta_mm, _, _ = _walk(
            ratio[stuck],
            np.where(trade, p, 0.0)[stuck],
            np.where(trade, q, 0.0)[stuck],
            start_i[stuck],
            start_j[stuck],
            None,
            None,
        )
        theta[stuck] = theta_mm
    theta = np.where(free, 1.0, np.where(trade, theta, 0.0))
    package = xi + theta * (xj - xi)
    nobody = (wi <= 0) & (wj <= 0)
    return np.where(nobody, anchor, package), status


def _walk(
    ratio: np.ndarray,
    p: np.ndarray,
    q: np.ndarray,
    start_i: np.ndarray,
    start_j: np.ndarray,
    ci: np.ndarray | None,
    cj: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk the frontier from i's end; stop where c_i log g_i + c_j log g_j is largest (clouts
    given) or where min(g_i, g_j) is largest (clouts None). Returns the share of each issue
    conceded by i (issues of equal ratio in equal proportion) and the two gains there."""
    rows, issues = ratio.shape
    order = np.argsort(-ratio, axis=1, kind="stable")
    rs = np.take_along_axis(ratio, order, axis=1)
    ps = np.take_along_axis(p, order, axis=1)
    qs = np.take_along_axis(q, order, axis=1)
    cum_p, cum_q = np.cumsum(ps, axis=1), np.cumsum(qs, axis=1)
    end_i = start_i[:, None] - cum_p  # gains at the end of each segment
    end_j = start_j[:, None] + cum_q
    begin_i = end_i + ps
    begin_j = end_j - qs
    real = rs > 0
    if ci is None or cj is None:  # maximin: keep walking while i is still the better off
        slope_at_end = end_i - end_j
    else:  # the sign of the slope of c_i log g_i + c_j log g_j at each segment's end
        slope_at_end = cj[:, None] * qs * end_i - ci[:, None] * ps * end_j
    stop_here = ~real | (slope_at_end <= 0)
    stop_here = np.concatenate([stop_here, np.ones((rows, 1), dtype=bool)], axis=1)
    segment = np.argmax(stop_here, axis=1)  # first segment whose end is not better than inside it
    inside = segment < issues
    seg = np.minimum(segment, issues - 1)
    pick = lambda a: np.take_along_axis(a, seg[:, None], axis=1)[:, 0]  # noqa: E731
    a, b, pp, qq, is_real = pick(begin_i), pick(begin_j), pick(ps), pick(qs), pick(real) & inside
    with np.errstate(divide="ignore", invalid="ignore"):
        if ci is None or cj is None:  # where g_i = g_j
            tau = (a - b) / (pp + qq)
        else:  # where the slope is 0
            tau = (cj * qq * a - ci * pp * b) / ((ci + cj) * pp * qq)
    tau = np.where(is_real, np.clip(np.nan_to_num(tau, nan=0.0), 0.0, 1.0), 0.0)
    before = np.where(inside, pick(cum_p - ps), cum_p[:, -1])
    loss_i = before + pp * np.where(inside, tau, 0.0)
    gain_i = np.where(inside, a - pp * tau, end_i[:, -1])
    gain_j = np.where(inside, b + qq * tau, end_j[:, -1])

    # equal ratios form one straight stretch of the frontier: share it equally among them
    new_group = np.ones_like(real)
    new_group[:, 1:] = rs[:, 1:] < rs[:, :-1] * (1.0 - RATIO_TIE)
    last_of_group = np.ones_like(real)
    last_of_group[:, :-1] = new_group[:, 1:]
    group_before = np.maximum.accumulate(np.where(new_group, cum_p - ps, -np.inf), axis=1)
    group_end = np.minimum.accumulate(np.where(last_of_group, cum_p, np.inf)[:, ::-1], axis=1)[:, ::-1]
    span = group_end - group_before
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((loss_i[:, None] - group_before) / span, 0.0, 1.0)
    share = np.where(real & (span > 0), share, 0.0)
    theta = np.empty_like(share)
    np.put_along_axis(theta, order, share, axis=1)
    return theta, gain_i, gain_j


# --- three or more members: coordinate ascent ------------------------------------------------------


def _gains(
    position: np.ndarray, weight: np.ndarray, best_gain: np.ndarray, package: np.ndarray
) -> np.ndarray:
    return best_gain - (weight * np.abs(package[:, None, :] - position)).sum(axis=2)


def _many_members(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    member: np.ndarray,
    anchor: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    rows = position.shape[0]
    status = np.full(rows, SOLVED, dtype=np.int8)
    cares = (weight > 0) & member[:, :, None]
    nobody = ~cares.any(axis=1)
    # start: the clout x weight mean of the members' positions, if every member gains there
    w = clout[:, :, None] * weight
    total = w.sum(axis=1)
    start = np.where(nobody, anchor, (w * position).sum(axis=1) / np.where(total > 0, total, 1.0))
    bad = _not_all_gain(position, weight, best_gain, member, start)
    if bad.size:  # look for a package where all gain: Nash points with lowered BATNAs
        start[bad] = _warm_start(
            position[bad], weight[bad], clout[bad], best_gain[bad], member[bad], start[bad]
        )
        bad = _not_all_gain(position, weight, best_gain, member, start)
    for r in bad:  # otherwise the package maximising the smallest gain: a linear programme
        package, smallest = _maximin_lp(position[r], weight[r], best_gain[r], member[r], anchor[r])
        start[r] = package
        if smallest <= 0:
            status[r] = NO_GAIN
    package = start.copy()
    todo = np.flatnonzero(status == SOLVED)
    if todo.size:
        package[todo] = _ascend(position[todo], weight[todo], clout[todo], best_gain[todo], start[todo])
    return package, status


def _not_all_gain(
    position: np.ndarray, weight: np.ndarray, best_gain: np.ndarray, member: np.ndarray, package: np.ndarray
) -> np.ndarray:
    gains = _gains(position, weight, best_gain, package)
    return np.flatnonzero(~np.all((gains > 0) | ~member, axis=1))


def _warm_start(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    member: np.ndarray,
    package: np.ndarray,
    stages: int = 6,
) -> np.ndarray:
    """Look for a package where every member gains: Nash points with every member's BATNA
    lowered by delta, delta shrinking from stage to stage (to a tenth of the slack left at the
    current package) while that package stays inside. A row stops early once its dual weights
    prove that no such package exists (sum_i lambda_i a_i <= sum_k min_y S_k(y)). Only a
    starting point, to spare the linear programme: the answer does not depend on it."""
    package = package.copy()
    rows = np.arange(package.shape[0])
    gains = _gains(position, weight, best_gain, package)
    smallest = np.min(np.where(member, gains, np.inf), axis=1)
    reach = np.max(np.where(member, best_gain, 0.0), axis=1)
    delta = 0.5 * reach - smallest
    active = rows[smallest <= 0]
    for _ in range(stages):
        if active.size == 0:
            break
        x, w, c, a, m = position[active], weight[active], clout[active], best_gain[active], member[active]
        shifted = a + delta[active, None]
        z = _ascend(x, w, c, shifted, package[active], sweeps=2)
        package[active] = z
        gains = _gains(x, w, a, z)
        smallest = np.min(np.where(m, gains, np.inf), axis=1)
        lam = np.where(m, c / np.where(m, gains + delta[active, None], 1.0), 0.0)
        spread = np.abs(x[:, :, None, :] - x[:, None, :, :])  # [r, j, i, k] = |x_jk - x_ik|
        at_kinks = (lam[:, None, :, None] * w[:, None] * spread).sum(axis=2)
        impossible = (lam * a).sum(axis=1) <= at_kinks.min(axis=1).sum(axis=1)
        delta[active] = 0.1 * (smallest + delta[active]) - smallest
        active = active[(smallest <= 0) & ~impossible]
    return package


def _ascend(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    package: np.ndarray,
    sweeps: int = MAX_SWEEPS,
) -> np.ndarray:
    """Cyclic coordinate ascent from a package where every member gains; rows stop one by one
    when their duality gap is small enough, so no row depends on the others."""
    package = package.copy()
    active = np.arange(package.shape[0])
    for _ in range(sweeps):
        x, w, c, a = position[active], weight[active], clout[active], best_gain[active]
        z = package[active]
        gains = _gains(x, w, a, z)
        for k in range(z.shape[1]):
            rest = gains + w[:, :, k] * np.abs(z[:, k, None] - x[:, :, k])
            z[:, k] = _line_max(x[:, :, k], w[:, :, k], rest, c, z[:, k])
            gains = rest - w[:, :, k] * np.abs(z[:, k, None] - x[:, :, k])
        z = _newton_interior(x, w, c, a, z, gains)
        gains = _gains(x, w, a, z)
        package[active] = z
        gap, scale = duality_gap(x, w, c, gains, z)
        done = gap <= GAP_TOL * (c.sum(axis=1) + scale)
        active = active[~done]
        if active.size == 0:
            break
    return package


def _objective(clout: np.ndarray, gains: np.ndarray) -> np.ndarray:
    ok = np.all((gains > 0) | (clout <= 0), axis=1)
    value = np.sum(np.where(clout > 0, clout * np.log(np.where(gains > 0, gains, 1.0)), 0.0), axis=1)
    return np.where(ok, value, -np.inf)


def _newton_interior(
    x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray, z: np.ndarray, gains: np.ndarray
) -> np.ndarray:
    """One Newton step on the issues whose package value lies strictly between two positions
    (there the objective is smooth), kept inside those segments and where every member gains;
    taken only if it raises the objective. Coordinate ascent alone converges linearly, slowly
    when the gains are small; this step makes the end quadratic."""
    act = (c[:, :, None] > 0) & (w > 0)
    dist = z[:, None, :] - x
    tiny = 1e-12 * (1.0 + np.abs(z))
    at_kink = np.any(act & (np.abs(dist) <= tiny[:, None, :]), axis=1)
    interior = ~at_kink & act.any(axis=1)
    if not interior.any():
        return z
    beta = np.where(act & interior[:, None, :], np.where(dist > 0, -w, w), 0.0)  # d g_i / d z_k
    lam = np.where(c > 0, c / np.where(c > 0, gains, 1.0), 0.0)
    grad = np.einsum("rn,rnk->rk", lam, beta)
    hess = -np.einsum("rn,rnk,rnl->rkl", lam**2 / np.where(c > 0, c, 1.0), beta, beta)
    keep = ~interior
    eye = np.eye(z.shape[1])[None]
    hess = np.where(keep[:, :, None] | keep[:, None, :], 0.0, hess) - eye * keep[:, :, None]
    step = -np.einsum("rkl,rl->rk", np.linalg.pinv(hess, rcond=1e-13), grad)
    step = np.where(interior, step, 0.0)
    # the largest fraction of the step that stays inside each issue's segment
    right = np.min(np.where(act & (x > z[:, None, :] + tiny[:, None, :]), x, np.inf), axis=1)
    left = np.max(np.where(act & (x < z[:, None, :] - tiny[:, None, :]), x, -np.inf), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_edge = np.where(step > 0, (right - z) / step, np.where(step < 0, (left - z) / step, np.inf))
        change = np.einsum("rnk,rk->rn", beta, step)
        to_zero = np.where((c > 0) & (change < 0), -0.9 * gains / change, np.inf)
    fraction = np.minimum(1.0, np.minimum(to_edge.min(axis=1), to_zero.min(axis=1)))
    trial = z + fraction[:, None] * step
    better = _objective(c, _gains(x, w, a, trial)) > _objective(c, gains)
    return np.where(better[:, None], trial, z)


def duality_gap(
    position: np.ndarray, weight: np.ndarray, clout: np.ndarray, gains: np.ndarray, package: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The duality gap sum_k [S_k(z_k) - min_y S_k(y)], S_k(y) = sum_i lambda_i W_ik |y - x_ik|,
    lambda = c / g: an upper bound on how far sum_i c_i log g_i lies below its maximum
    (Lagrangian duality). Also returns sum_k S_k(z_k), the size of the terms it is the
    difference of, against which rounding is judged."""
    lam = np.where(clout > 0, clout / np.where(clout > 0, gains, 1.0), 0.0)
    lw = lam[:, :, None] * weight  # (R, N, K)
    at_z = (lw * np.abs(package[:, None, :] - position)).sum(axis=1)
    # S_k is piecewise linear and convex: its minimum is at one of the positions
    at_kinks = (lw[:, None, :, :] * np.abs(position[:, :, None, :] - position[:, None, :, :])).sum(axis=2)
    return (at_z - at_kinks.min(axis=1)).sum(axis=1), at_z.sum(axis=1)


def _line_max(x: np.ndarray, w: np.ndarray, rest: np.ndarray, c: np.ndarray, z0: np.ndarray) -> np.ndarray:
    """Exact maximiser over y of sum_i c_i log(rest_i - w_i |y - x_i|), rows (R,), members (R, N);
    z0 is a point where every term is defined. Rows where no member weighs the issue keep z0."""
    act = (c > 0) & (w > 0)
    result = z0.copy()
    live = act.any(axis=1)
    if not live.any():
        return result
    x, w, rest, c, act, z0 = x[live], w[live], rest[live], c[live], act[live], z0[live]
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(act, rest / np.where(act, w, 1.0), np.inf)
    lo = np.max(np.where(act, x - reach, -np.inf), axis=1)
    hi = np.min(np.where(act, x + reach, np.inf), axis=1)
    cw = np.where(act, c * w, 0.0)

    # one-sided derivatives at every member's position (kink j, term i)
    y = x[:, :, None]
    xi = x[:, None, :]
    room = rest[:, None, :] - w[:, None, :] * np.abs(y - xi)
    outside = np.any(act[:, None, :] & (room <= 0), axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(act[:, None, :], cw[:, None, :] / np.where(room > 0, room, 1.0), 0.0)
    right = np.sum(np.where(y >= xi, -term, term), axis=2)
    left = np.sum(np.where(y > xi, -term, term), axis=2)
    below = x <= lo[:, None]
    right = np.where(outside, np.where(below, np.inf, -np.inf), right)
    left = np.where(outside, np.where(below, np.inf, -np.inf), left)

    at_kink = act & (left >= 0) & (right <= 0)
    kink_value = np.take_along_axis(x, np.argmax(at_kink, axis=1)[:, None], axis=1)[:, 0]
    has_kink = at_kink.any(axis=1)
    seg_lo = np.max(np.where(act & (right > 0), x, -np.inf), axis=1)
    seg_hi = np.min(np.where(act & (left < 0), x, np.inf), axis=1)
    low, high = np.maximum(seg_lo, lo), np.minimum(seg_hi, hi)
    sign = np.where(x <= seg_lo[:, None], -1.0, 1.0)  # -1: member left of the segment
    # inside the segment term i is rest_i + sign_i w_i (y - x_i) = base_i + sign_i w_i y
    base = np.where(act, rest - sign * w * x, 1.0)
    root = _segment_root(base, sign * w * act, cw * sign, cw * w, low, high, ~has_kink)
    result[live] = np.where(has_kink, kink_value, root)
    return result


def _segment_root(
    base: np.ndarray,
    slope: np.ndarray,
    top: np.ndarray,
    curvature: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    todo: np.ndarray,
) -> np.ndarray:
    """Root of f(y) = sum_i top_i / (base_i + slope_i y), decreasing on (low, high), by Newton's
    method kept inside a shrinking bracket (bisection when a step would leave it)."""
    y = np.where(todo, 0.5 * (low + high), 0.0)
    low, high = low.copy(), high.copy()
    active = np.flatnonzero(todo)
    for _ in range(MAX_NEWTON):
        if active.size == 0:
            break
        yy = y[active]
        den = base[active] + slope[active] * yy[:, None]
        f = np.sum(top[active] / den, axis=1)
        df = -np.sum(curvature[active] / den**2, axis=1)
        lo_a = np.where(f > 0, yy, low[active])
        hi_a = np.where(f > 0, high[active], yy)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = yy - f / df
        tiny = 1e-15 * (1.0 + np.abs(yy))
        close = np.abs(step - yy) <= tiny  # converged: accept the step even a hair outside
        inside = (step >= lo_a) & (step <= hi_a)
        new = np.where(inside | close, step, 0.5 * (lo_a + hi_a))
        low[active], high[active] = lo_a, hi_a
        y[active] = np.where(f == 0, yy, new)
        done = (f == 0) | close | (hi_a - lo_a <= tiny)
        active = active[~done]
    return y


def _maximin_lp(
    position: np.ndarray, weight: np.ndarray, best_gain: np.ndarray, member: np.ndarray, anchor: np.ndarray
) -> tuple[np.ndarray, float]:
    """max over z of min over members of gains, as a linear programme (one row): variables z (K),
    t (n, K) with t >= |z - x| on the issues a member weighs, and the smallest gain m."""
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
