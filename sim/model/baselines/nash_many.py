"""Three or more members of the Nash bargaining solver (the method, and why it reaches the maximum:
sim/model/baselines/nash.py).

Cyclic coordinate ascent, each step an exact maximisation over one issue (`_line_max`), from a
package where every member gains: the members' weighted mean if it is one, else one found by
Nash points with lowered disagreement utilities (`_warm_start`), else the package maximising
the smallest gain (sim/model/baselines/nash_maximin.py), which also decides whether there is
one. After each sweep a Newton step on the issues lying between positions (`_newton_interior`)
makes the end quadratic; the ascent stops when the duality gap (`duality_gap_row`) is small.

Compiled with numba's runtime (`compiled_with_runtime`): each row allocates a few small scratch
arrays.
"""

from __future__ import annotations

import numpy as np

from sim.model.baselines.nash_common import NO_GAIN, SOLVED, compiled_with_runtime, is_member
from sim.model.baselines.nash_maximin import maximin_compiled

GAP_TOL = 1e-10  # coordinate ascent stops when the duality gap is below this, relative (see _ascend)
KINK_TOL = 1e-12  # a package value this close (relative) to a position sits on that position's kink
NEWTON_RCOND = 1e-13  # Newton steps leave out directions of curvature below this fraction of the largest
MAX_SWEEPS = 2000
MAX_NEWTON = 200
WARM_STAGES = 6  # lowered-BATNA stages looking for a package where every member gains
WARM_SWEEPS = 2  # coordinate ascent sweeps per stage: a starting point only, not an answer


@compiled_with_runtime
def three_or_more(
    position: np.ndarray,
    weight: np.ndarray,
    clout: np.ndarray,
    best_gain: np.ndarray,
    count: int,
    anchor: np.ndarray,
    package: np.ndarray,
) -> int:
    """`solve_row` for its `count` (three or more) members: their indices, then `_many_members`
    on their rows. `package` holds the anchor on entry; returns SOLVED or NO_GAIN."""
    members = np.empty(count, dtype=np.int64)
    count = 0
    for i in range(clout.shape[0]):
        if is_member(clout[i], best_gain[i]):
            members[count] = i
            count += 1
    return _many_members(position, weight, clout, best_gain, members, anchor, package)


@compiled_with_runtime
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
            smallest = maximin_compiled(x, w, a, anchor, package)
            if smallest <= 0:
                return NO_GAIN
    _ascend(x, w, c, a, package, MAX_SWEEPS)
    return SOLVED


# --- a package where every member gains -------------------------------------------------------------


@compiled_with_runtime
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


@compiled_with_runtime
def _fill_gains(x: np.ndarray, w: np.ndarray, a: np.ndarray, z: np.ndarray, gains: np.ndarray) -> None:
    for i in range(x.shape[0]):
        loss = 0.0
        for k in range(x.shape[1]):
            loss += w[i, k] * abs(z[k] - x[i, k])
        gains[i] = a[i] - loss


@compiled_with_runtime
def _all_gain(x: np.ndarray, w: np.ndarray, a: np.ndarray, z: np.ndarray, gains: np.ndarray) -> bool:
    """Whether every member gains at z; the gains are left in `gains`."""
    _fill_gains(x, w, a, z, gains)
    for i in range(gains.shape[0]):  # noqa: SIM110 - a plain loop: compiled code, no generators
        if not gains[i] > 0:
            return False
    return True


@compiled_with_runtime
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


# --- coordinate ascent: one issue at a time ---------------------------------------------------------


@compiled_with_runtime
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
        gap, scale = duality_gap_row(x, w, c, gains, z)
        if gap <= GAP_TOL * (clout_total + scale):
            return


@compiled_with_runtime
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


@compiled_with_runtime
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


@compiled_with_runtime
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


# --- a Newton step on the issues between positions --------------------------------------------------


@compiled_with_runtime
def _objective(c: np.ndarray, gains: np.ndarray) -> float:
    value = 0.0
    for i in range(c.shape[0]):
        if c[i] > 0:
            if not gains[i] > 0:
                return -np.inf
            value += c[i] * np.log(gains[i])
    return value


@compiled_with_runtime
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


@compiled_with_runtime
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


@compiled_with_runtime
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


@compiled_with_runtime
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


@compiled_with_runtime
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


@compiled_with_runtime
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


@compiled_with_runtime
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


# --- the duality gap --------------------------------------------------------------------------------


@compiled_with_runtime
def duality_gap_row(
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


@compiled_with_runtime
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


@compiled_with_runtime
def _dual_floor(x: np.ndarray, w: np.ndarray, lam: np.ndarray) -> float:
    """sum_k min_y S_k(y): with dual weights lam, no package can give every member a gain when
    sum_i lam_i a_i is at most this."""
    total = 0.0
    for k in range(x.shape[1]):
        total += _issue_floor(x[:, k], w[:, k], lam)
    return total
