"""The compiled Nash bargaining solver (sim/model/baselines/nash.py): `solve_row` on one
replication, and `solve` over many.

Optimality is checked with a certificate that does not depend on how the solver got there:
the objective f(z) = sum_i c_i log g_i(z) is concave and log g <= log g0 + (g - g0) / g0, so for
every package y

    f(y) <= f(z) + sum_i (c_i / g_i(z)) (g_i(y) - g_i(z)) <= f(z) + sum_k [S_k(z_k) - min S_k],

with S_k(y) = sum_i (c_i / g_i(z)) w_ik |y - x_ik|, piecewise linear with its minimum at a
member's position. The right-hand gap bounds how far z is below the maximum; it is computed
here in numpy, independently of the solver, and checked against a dense grid as well.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest
from scipy.optimize import linprog

from sim.model.baselines import nash
from sim.model.baselines.nash import GAIN_TOL, NO_GAIN, NO_MEMBER, SOLVED, scratch_space, solve, solve_row

ROOT = Path(__file__).resolve().parents[1]


# --- random problems ------------------------------------------------------------------------------------


def random_rows(
    rng: np.random.Generator, rows: int, actors: int, issues: int, kind: str
) -> tuple[np.ndarray, ...]:
    """position, weight (R, N, K), clout, best_gain (R, N), anchor (R, K) of one family:
    "generic" (zero weights and clouts, best gains of both signs), "tight" (often no package
    gains for all), "ties" (equal trade-off ratios on a grid of positions), "twins" (identical
    members)."""
    x = rng.uniform(0, 1, (rows, actors, issues))
    w = rng.uniform(0, 1, (rows, actors, issues)) * (rng.uniform(0, 1, (rows, actors, issues)) > 0.2)
    c = rng.uniform(0, 1, (rows, actors)) * (rng.uniform(0, 1, (rows, actors)) > 0.15)
    anchor = rng.uniform(0, 1, (rows, issues))
    reach = w.sum(axis=2)
    if kind == "generic":
        a = rng.uniform(-0.2, 1.2, (rows, actors)) * reach
    elif kind == "tight":
        a = rng.uniform(-0.05, 0.4, (rows, actors)) * reach
    elif kind == "ties":
        w = np.repeat(rng.uniform(0.2, 1, (rows, actors, 1)), issues, axis=2)
        x = rng.integers(0, 3, (rows, actors, issues)) / 2.0
        a = rng.uniform(0.3, 1.2, (rows, actors)) * w.sum(axis=2)
    elif kind == "twins":
        source = rng.integers(0, actors, actors)
        x, w, c = x[:, source], w[:, source], c[:, source]
        a = (rng.uniform(0.0, 1.2, (rows, actors)) * reach)[:, source]
    else:
        raise ValueError(kind)
    return x, w, c, a, anchor


def problems(seed: int, rows: int = 60):
    """Every family with 1, 2, 3, 4 and 6 actors on 1 to 4 issues, `rows` rows each."""
    rng = np.random.default_rng(seed)
    for kind in ("generic", "tight", "ties", "twins"):
        for actors in (1, 2, 3, 4, 6):
            for issues in (1, 2, 3, 4):
                yield random_rows(rng, rows, actors, issues, kind)


# --- independent checks ---------------------------------------------------------------------------------


def members_of(c: np.ndarray, a: np.ndarray) -> np.ndarray:
    return (c > 0) & (a > GAIN_TOL)


def gains_at(x: np.ndarray, w: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Gains (P, N) of one row's actors at packages z (P, K)."""
    return a[None, :] - (w[None] * np.abs(z[:, None, :] - x[None])).sum(axis=2)


def objective(x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray, z: np.ndarray) -> np.ndarray:
    """sum over members of c_i log g_i at packages z (P, K); -inf where a member does not gain."""
    member = members_of(c, a)
    g = gains_at(x, w, a, z)[:, member]
    value = (c[member] * np.log(np.where(g > 0, g, 1.0))).sum(axis=1)
    return np.where((g > 0).all(axis=1), value, -np.inf)


def certificate(
    x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray, z: np.ndarray
) -> tuple[float, float]:
    """The gap of the module docstring above, and sum_k S_k(z_k), its size (one row)."""
    member = members_of(c, a)
    x, w, c, a = x[member], w[member], c[member], a[member]
    lam = c / gains_at(x, w, a, z[None])[0]
    s_at_z = (lam[:, None] * w * np.abs(z[None, :] - x)).sum(axis=0)  # (K,)
    s_at_kinks = (lam[None, :, None] * w[None] * np.abs(x[:, None, :] - x[None, :, :])).sum(axis=1)  # (j, K)
    return float((s_at_z - s_at_kinks.min(axis=0)).sum()), float(s_at_z.sum())


def maximin_value(x: np.ndarray, w: np.ndarray, c: np.ndarray, a: np.ndarray) -> float:
    """max over packages of the smallest member gain (one row), by a linear programme in the
    variables z (K), t (n, K) >= |z - x| and the smallest gain m."""
    member = members_of(c, a)
    x, w, a = x[member], w[member], a[member]
    n, k = x.shape
    size = k + n * k + 1
    t = k + np.arange(n * k).reshape(n, k)
    rows, bounds = [], []
    for i in range(n):  # m + sum_k w_ik t_ik <= a_i
        row = np.zeros(size)
        row[t[i]] = w[i]
        row[-1] = 1.0
        rows.append(row)
        bounds.append(a[i])
        for kk in range(k):  # +-(z_k - x_ik) - t_ik <= -+x_ik
            for sign in (1.0, -1.0):
                row = np.zeros(size)
                row[kk], row[t[i, kk]] = sign, -1.0
                rows.append(row)
                bounds.append(sign * x[i, kk])
    cost = np.zeros(size)
    cost[-1] = -1.0
    box = [(x[:, kk].min(), x[:, kk].max()) for kk in range(k)] + [(0, None)] * (n * k) + [(None, None)]
    result = linprog(cost, A_ub=np.array(rows), b_ub=np.array(bounds), bounds=box, method="highs")
    assert result.status == 0
    return float(-result.fun)


def solve_rows_one_by_one(x, w, c, a, anchor) -> tuple[np.ndarray, np.ndarray]:
    package = np.empty(anchor.shape)
    status = np.empty(len(x), dtype=np.int8)
    scratch = scratch_space(anchor.shape[1])
    for r in range(len(x)):
        status[r] = solve_row(x[r], w[r], c[r], a[r], anchor[r], package[r], *scratch)
    return package, status


# --- optimality and statuses ----------------------------------------------------------------------------


def test_solve_row_reaches_the_maximum() -> None:
    """Every solved row: all members gain, and the certificate gap is below 1e-9 of the scale
    sum_i c_i + sum_k S_k(z_k). The solver stops coordinate ascent at 1e-10 of that scale
    (GAP_TOL) and the closed forms for one and two members are exact to rounding, so 1e-9
    leaves only rounding in this check's own evaluation as slack."""
    solved = 0
    for x, w, c, a, anchor in problems(seed=1):
        package, status = solve_rows_one_by_one(x, w, c, a, anchor)
        for r in np.flatnonzero(status == SOLVED):
            member = members_of(c[r], a[r])
            assert (gains_at(x[r], w[r], a[r], package[r][None])[0][member] > 0).all()
            if member.sum() == 1:
                continue  # its own position: gap 0 by construction
            gap, size = certificate(x[r], w[r], c[r], a[r], package[r])
            assert gap <= 1e-9 * (c[r][member].sum() + size)
            solved += 1
    assert solved > 2000


@pytest.mark.parametrize(("actors", "issues", "points"), [(2, 1, 20001), (3, 1, 20001), (4, 1, 20001),
                                                          (2, 2, 401), (3, 2, 401), (4, 2, 401)])  # fmt: skip
def test_solve_row_is_at_least_as_good_as_a_dense_grid(actors: int, issues: int, points: int) -> None:
    """No grid point over the members' range has a higher objective than the solution (to
    1e-12 relative: rounding of sums of a few logs); rows the grid cannot enter are skipped."""
    rng = np.random.default_rng(10 * actors + issues)
    x, w, c, a, anchor = random_rows(rng, 40, actors, issues, "generic")
    package, status = solve_rows_one_by_one(x, w, c, a, anchor)
    axes = np.meshgrid(*[np.linspace(0, 1, points)] * issues, indexing="ij")
    grid = np.stack([v.ravel() for v in axes], axis=1)
    compared = 0
    for r in np.flatnonzero(status == SOLVED):
        best = objective(x[r], w[r], c[r], a[r], grid).max()
        if best == -np.inf:
            continue
        value = objective(x[r], w[r], c[r], a[r], package[r][None])[0]
        assert value >= best - 1e-12 * (1 + abs(best))
        compared += 1
    assert compared >= 10


def test_statuses_say_whether_a_package_gains_for_every_member() -> None:
    """NO_GAIN exactly when the largest smallest gain (an independent linear programme) is not
    positive, and then the package attains it; rows within 1e-9 of the border are not judged."""
    seen = {SOLVED: 0, NO_GAIN: 0, "lp": 0}
    for x, w, c, a, anchor in problems(seed=2, rows=25):
        package, status = solve_rows_one_by_one(x, w, c, a, anchor)
        for r in range(len(x)):
            member = members_of(c[r], a[r])
            if member.sum() == 0:
                assert status[r] == NO_MEMBER
                np.testing.assert_array_equal(package[r], anchor[r])
                continue
            best = maximin_value(x[r], w[r], c[r], a[r])
            if abs(best) < 1e-9:
                continue
            assert status[r] == (NO_GAIN if best < 0 else SOLVED)
            seen[status[r]] += 1
            if status[r] == NO_GAIN:
                smallest = gains_at(x[r], w[r], a[r], package[r][None])[0][member].min()
                assert smallest == pytest.approx(best, abs=1e-9)
                seen["lp"] += member.sum() >= 3  # found by the linear programme, called from compiled code
    assert min(seen.values()) >= 20


def test_members_need_clout_and_a_possible_gain() -> None:
    """Actors with clout 0 or a best gain of at most GAIN_TOL change nothing, wherever they are;
    with no member left the package is the anchor; one member gets its own position on the
    issues it weighs."""
    rng = np.random.default_rng(4)
    for actors in (2, 3, 4):
        x, w, c, a, anchor = random_rows(rng, 30, actors, 3, "generic")
        c, a = np.abs(c) + 0.1, np.abs(a) + 0.1
        base, base_status = solve_rows_one_by_one(x, w, c, a, anchor)
        for clout, gain in ((0.0, 1.0), (1.0, GAIN_TOL), (1.0, -2.0)):
            extra = (rng.uniform(0, 1, (30, 1, 3)), rng.uniform(0, 1, (30, 1, 3)))
            where = actors // 2
            wider = [
                np.concatenate([v[:, :where], e, v[:, where:]], axis=1)
                for v, e in zip((x, w), extra, strict=True)
            ]
            cw = np.insert(c, where, clout, axis=1)
            aw = np.insert(a, where, gain, axis=1)
            package, status = solve_rows_one_by_one(*wider, cw, aw, anchor)
            np.testing.assert_array_equal(package, base)
            np.testing.assert_array_equal(status, base_status)
    package = np.empty(2)
    x1, w1, anchor1 = np.array([[0.2, 0.7]]), np.array([[1.0, 0.0]]), np.array([0.5, 0.5])
    scratch = scratch_space(2)
    assert solve_row(x1, w1, np.array([1.0]), np.array([0.3]), anchor1, package, *scratch) == SOLVED
    np.testing.assert_array_equal(package, [0.2, 0.5])
    assert solve_row(x1, w1, np.array([0.0]), np.array([0.3]), anchor1, package, *scratch) == NO_MEMBER
    np.testing.assert_array_equal(package, anchor1)


# --- one implementation, whatever the batch or the arrays --------------------------------------------


def test_solve_over_rows_equals_solve_row_row_by_row_bit_for_bit() -> None:
    """solve on a batch, solve on the batch shuffled, and solve_row on each row all give the
    same bits: a row's answer does not depend on the rows around it."""
    rng = np.random.default_rng(6)
    for actors in (1, 2, 3, 4, 6):
        parts = [random_rows(rng, 50, actors, 3, kind) for kind in ("generic", "tight", "ties", "twins")]
        x, w, c, a, anchor = (np.concatenate(v) for v in zip(*parts, strict=True))
        package, status = solve(x, w, c, a, anchor)
        one_by_one = solve_rows_one_by_one(x, w, c, a, anchor)
        np.testing.assert_array_equal(package, one_by_one[0])
        np.testing.assert_array_equal(status, one_by_one[1])
        order = rng.permutation(len(x))
        shuffled = solve(x[order], w[order], c[order], a[order], anchor[order])
        np.testing.assert_array_equal(shuffled[0], package[order])
        np.testing.assert_array_equal(shuffled[1], status[order])


@numba.njit(nogil=True, _nrt=False)
def _caller(position, weight, clout, best_gain, anchor, package, status, work, order) -> None:
    """How the model's compiled rules call the solver: one `arr[r]` slice per row, without the
    GIL and without numba's runtime (sim/model/rules.py)."""
    for r in range(position.shape[0]):
        status[r] = solve_row(
            position[r], weight[r], clout[r], best_gain[r], anchor[r], package[r], work, order
        )


def test_solve_row_from_compiled_code_and_on_non_contiguous_views() -> None:
    """Called from a compiled loop over `arr[r]` slices, and on strided views (every other
    actor and issue of larger arrays, the output too), solve_row gives the same bits, the
    linear programme's rows included."""
    rng = np.random.default_rng(7)
    no_gain = 0
    for actors in (1, 2, 3, 4):
        parts = [random_rows(rng, 20, actors, 3, kind) for kind in ("generic", "tight")]
        x, w, c, a, anchor = (np.concatenate(v) for v in zip(*parts, strict=True))
        package, status = solve(x, w, c, a, anchor)
        no_gain += (status == NO_GAIN).sum() if actors >= 3 else 0
        compiled_package, compiled_status = np.empty_like(package), np.empty_like(status)
        _caller(x, w, c, a, anchor, compiled_package, compiled_status, *scratch_space(x.shape[2]))
        np.testing.assert_array_equal(compiled_package, package)
        np.testing.assert_array_equal(compiled_status, status)

        def strided(v: np.ndarray) -> np.ndarray:
            big = np.zeros(v.shape[:1] + tuple(2 * s for s in v.shape[1:]))
            view = big[(slice(None),) + (slice(None, None, 2),) * (v.ndim - 1)]
            view[...] = v
            return view

        xs, ws, cs, as_, anchors, out = (strided(v) for v in (x, w, c, a, anchor, np.empty_like(package)))
        assert not xs[0].flags.c_contiguous and not out[0].flags.c_contiguous
        for r in range(len(x)):
            assert solve_row(xs[r], ws[r], cs[r], as_[r], anchors[r], out[r], *scratch_space(3)) == status[r]
        np.testing.assert_array_equal(out, package)
    assert no_gain >= 5


def test_a_fresh_process_loads_the_solver_from_the_cache() -> None:
    """The compiled solver is cached on disk (numba cache=True, including the call back into
    scipy for the linear programme): a new process loads it instead of compiling it, and it
    works there, the linear programme included."""
    solve(*random_rows(np.random.default_rng(8), 5, 3, 2, "tight"))  # compiled and cached here
    script = """
import numpy as np
from sim.model.baselines import nash
x = np.array([[[0.2], [0.8], [0.9]]])
package, status = nash.solve(x, np.ones_like(x), np.ones((1, 3)), np.full((1, 3), 0.2), np.zeros((1, 1)))
assert status[0] == nash.NO_GAIN, status
hits = sum(nash._solve_rows.stats.cache_hits.values())
misses = sum(nash._solve_rows.stats.cache_misses.values())
print(hits, misses)
"""
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                          cwd=ROOT, env=environment, check=True)  # fmt: skip
    hits, misses = (int(v) for v in done.stdout.split())
    assert (hits, misses) == (1, 0), done.stderr


def test_duality_gap_and_maximin_package_keep_their_batch_signatures() -> None:
    """The public helpers around the solver: duality_gap over rows, maximin_package on one row."""
    rng = np.random.default_rng(9)
    x, w, c, a, anchor = random_rows(rng, 30, 4, 3, "generic")
    c, a = np.abs(c) + 0.1, np.abs(a) + 1.0
    package, status = solve(x, w, c, a, anchor)
    assert (status == SOLVED).all()
    gains = a - (w * np.abs(package[:, None, :] - x)).sum(axis=2)
    gap, size = nash.duality_gap(x, w, c, gains, package)
    for r in range(len(x)):
        assert (gap[r], size[r]) == pytest.approx(
            certificate(x[r], w[r], c[r], a[r], package[r]), rel=1e-12, abs=1e-15
        )
    z = nash.maximin_package(x[0], w[0], a[0], np.ones(4, dtype=bool), anchor[0])
    smallest = gains_at(x[0], w[0], a[0], z[None])[0].min()
    assert smallest == pytest.approx(maximin_value(x[0], w[0], c[0], a[0]), abs=1e-9)
