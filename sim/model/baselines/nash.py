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

Where each part lives: this module holds the public functions and the loops over rows;
nash_two.py one and two members (the frontier walk); nash_many.py three or more (coordinate
ascent, the Newton steps, the duality gap); nash_maximin.py the linear programme;
nash_common.py the status codes, the member test and the two ways of compiling shared by all.

When no package gives every member who can gain a positive gain (the Nash set is empty) the
solver reports it (status NO_GAIN) and returns the package that maximises the smallest gain:
the limit of the Nash solution as all members' disagreement utilities are lowered by the same
amount until a package gains for all. Callers choose what to do with it.

Compiled code. Every solver function is compiled by numba and cached on disk (sim/model/jit.py),
so a second process loads the machine code instead of compiling it again. They use numpy's error
model (a division by zero gives inf or nan as in numpy, where the code then discards it,
instead of raising) and no fastmath, so the arithmetic is plain IEEE and a row's answer is
the same whatever batch it is solved in. These options, and whether numba's runtime is used,
are set explicitly by the two decorators of nash_common.py: numba otherwise passes a caller's
options down to the functions it calls, and the model's compiled rules run without the
runtime. `solve_row` and the code for one and two members run without it and allocate
nothing (their scratch space is the caller's, `scratch_space`); three or more members use it
for a few scratch arrays per row. The linear programme, needed only when neither the weighted
mean nor the lowered-BATNA Nash points give every member a gain with three or more members,
stays in scipy (HiGHS): the compiled code calls it through `numba.objmode`, which works inside
cached functions (the cache holds the call back into Python, not scipy itself).
"""

from __future__ import annotations

import numpy as np

from sim.model.baselines._arrays import as_case
from sim.model.baselines.nash_common import (
    GAIN_TOL,
    NO_GAIN,
    NO_MEMBER,
    SOLVED,
    compiled_with_runtime,
    compiled_without_runtime,
    is_member,
)
from sim.model.baselines.nash_many import duality_gap_row, three_or_more
from sim.model.baselines.nash_maximin import maximin_lp
from sim.model.baselines.nash_two import SCRATCH_ROWS, one_member, two_members

__all__ = [
    "GAIN_TOL",
    "NO_GAIN",
    "NO_MEMBER",
    "SCRATCH_ROWS",
    "SOLVED",
    "duality_gap",
    "loss_weights",
    "maximin_package",
    "nash_solution",
    "scratch_space",
    "solve",
    "solve_row",
]


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


@compiled_with_runtime
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


@compiled_without_runtime
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
        if is_member(clout[i], best_gain[i]):
            count += 1
            first = i if first < 0 else first
            last = i
    for k in range(anchor.shape[0]):
        package[k] = anchor[k]
    if count == 0:
        return NO_MEMBER
    if count == 1:
        one_member(position[first], weight[first], package)
        return SOLVED
    if count == 2:
        return two_members(position, weight, clout, best_gain, first, last, package, work, order)
    return three_or_more(position, weight, clout, best_gain, count, anchor, package)


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


@compiled_with_runtime
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
        gap[r], scale[r] = duality_gap_row(position[r], weight[r], clout[r], gains[r], package[r])


def maximin_package(
    position: np.ndarray, weight: np.ndarray, best_gain: np.ndarray, member: np.ndarray, anchor: np.ndarray
) -> np.ndarray:
    """The package maximising the smallest member gain, one row (for checks and documentation)."""
    return maximin_lp(position, weight, best_gain, member, anchor)[0]
