"""The baseline models (sim/model/baselines, docs/model.md "Baseline models").

Expected values are worked out in the comments from the stated numbers, or are properties any
correct answer has (optimality against a brute-force grid, scale-freeness, comparative statics);
the Bueno de Mesquita test replicates the published data case.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import minimize, minimize_scalar

from sim.model.baselines import BASELINES, bdm_expected_utility, bdm_run, compromise, nash_solution
from sim.model.baselines import weighted_median as median
from sim.model.baselines.adapter import case_from_params, predict
from sim.model.baselines.bdm import risk_exponents, win_probability
from sim.model.baselines.nash import NO_GAIN, NO_MEMBER, SOLVED, loss_weights, solve
from sim.model.params import build_params
from tests.rules_harness import Row
from tests.test_rules import toy

EXACT = {"rtol": 0, "atol": 1e-12}

# Bueno de Mesquita (1994, p. 78), as Table 1 of Scholz, Calbert & Smith (2011): the date (years)
# by which emission standards should apply to medium-sized cars, capability, salience (0..100).
EC_ACTORS = ("Netherlands", "Belgium", "Luxembourg", "Germany", "France", "Italy", "UK", "Ireland", "Denmark",
             "Greece")  # fmt: skip
EC_CAPABILITY = np.array([0.08, 0.08, 0.03, 0.16, 0.16, 0.16, 0.16, 0.05, 0.05, 0.08])
EC_POSITION = np.array([4.0, 7.0, 4.0, 4.0, 10.0, 10.0, 10.0, 7.0, 4.0, 7.0])
EC_SALIENCE = np.array([80, 40, 20, 80, 60, 60, 90, 10, 100, 70]) / 100
EC_SCALE = (np.array([4.0]), np.array([10.0]))


# --- compromise and weighted median ------------------------------------------------------------------


def test_compromise_of_two_actors_is_their_weighted_mean() -> None:
    # weights c x s: 1 x 0.6 = 0.6 at 2 and 2 x 0.1 = 0.2 at 8: (0.6 * 2 + 0.2 * 8) / 0.8 = 3.5;
    # issue 2: 1 x 0.2 = 0.2 at 10, 2 x 0.3 = 0.6 at 0: (0.2 * 10 + 0) / 0.8 = 2.5
    x = np.array([[2.0, 10.0], [8.0, 0.0]])
    s = np.array([[0.6, 0.2], [0.1, 0.3]])
    np.testing.assert_allclose(compromise(x, s, [1.0, 2.0]), [3.5, 2.5], **EXACT)


def test_the_weighted_median_ignores_an_extreme_outlier_with_little_weight() -> None:
    # weights 1, 1, 1 at 3, 4, 5 and 0.1 at 1000: half of 3.1 is 1.55, first reached at 4
    x = np.array([[3.0], [4.0], [5.0], [1000.0]])
    c = np.array([1.0, 1.0, 1.0, 0.1])
    s = np.ones_like(x)
    assert median(x, s, c)[0] == 4.0
    assert compromise(x, s, c)[0] == pytest.approx((3 + 4 + 5 + 100) / 3.1)  # the mean is dragged to 36


def test_a_tied_weighted_median_is_the_midpoint_and_reverses_with_the_scale() -> None:
    # weights 1 at 2 and 1 at 6: half the weight at or below 2, half at or above 6; any point
    # between is a median and the midpoint 4 is returned (a lower median would say 2)
    x = np.array([[2.0], [6.0]])
    assert median(x, np.ones_like(x), [1.0, 1.0])[0] == 4.0
    assert median(-x, np.ones_like(x), [1.0, 1.0])[0] == -4.0
    # an actor without weight between them changes nothing
    x3 = np.array([[2.0], [3.0], [6.0]])
    assert median(x3, np.ones_like(x3), [1.0, 0.0, 1.0])[0] == 4.0


def test_issues_without_any_weight_keep_the_reference_point() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    s = np.array([[0.0, 1.0], [0.0, 1.0]])  # nobody cares about issue 1
    q = np.array([9.0, 9.0])
    for f in (compromise, median):
        assert f(x, s, [1.0, 1.0], q)[0] == 9.0
        assert np.isnan(f(x, s, [1.0, 1.0])[0])  # and without q there is no answer
        np.testing.assert_array_equal(f(x, s, [0.0, 0.0], q), q)  # nobody has capability


# --- Nash -----------------------------------------------------------------------------------------------


def nash_values(z: np.ndarray, x: np.ndarray, s: np.ndarray, c: np.ndarray, q: np.ndarray) -> np.ndarray:
    """sum_i c_i log(u_i(z) - u_i(q)) over the actors who can gain, for packages z (P, K);
    -inf outside the Nash set."""
    weight, _ = loss_weights(x[None], s[None], q[None], None)
    loss = (weight[0][None] * np.abs(np.atleast_2d(z)[:, None, :] - x[None])).sum(axis=2)  # (P, N)
    best = (weight[0] * np.abs(q[None, :] - x)).sum(axis=1)
    members = (c > 0) & (best > 1e-12)
    gain = (best[None, :] - loss)[:, members]
    inside = (gain > 0).all(axis=1)
    value = (c[members] * np.log(np.where(gain > 0, gain, 1.0))).sum(axis=1)
    return np.where(inside, value, -np.inf)


def nash_value(z: np.ndarray, x: np.ndarray, s: np.ndarray, c: np.ndarray, q: np.ndarray) -> float:
    return float(nash_values(np.asarray(z, dtype=float)[None, :], x, s, c, q)[0])


def random_case(rng: np.random.Generator, actors: int, issues: int) -> tuple[np.ndarray, ...]:
    return (
        rng.uniform(0, 10, (actors, issues)),
        rng.uniform(0, 1, (actors, issues)),
        rng.uniform(0.1, 1, actors),
        rng.uniform(0, 10, issues),
    )


def test_nash_of_two_symmetric_actors_with_symmetric_disagreement_is_the_midpoint() -> None:
    # one issue on 0..10: gains 0.5 - |z - 2| / 10 and 0.5 - |z - 8| / 10, equal weights: the
    # product (0.5 - (z - 2) / 10)(0.5 + (z - 8) / 10) is largest at z = 5
    x = np.array([[2.0], [8.0]])
    args = (x, np.ones_like(x), [1.0, 1.0], [5.0])
    scale = (np.array([0.0]), np.array([10.0]))
    np.testing.assert_allclose(nash_solution(*args, scale=scale, disagreement=[-0.5, -0.5]), [5.0], **EXACT)
    # two mirror-image issues with equal saliences: every package with z1 + z2 = 10 gives the same
    # gains; issues that trade off alike are conceded in equal proportion, so both meet at 5
    x2 = np.array([[2.0, 2.0], [8.0, 8.0]])
    got = nash_solution(x2, np.ones_like(x2), [1.0, 1.0], [5.0, 5.0], scale=(np.zeros(2), np.full(2, 10.0)),
                        disagreement=[-0.5, -0.5])  # fmt: skip
    np.testing.assert_allclose(got, [5.0, 5.0], **EXACT)


def test_raising_one_actors_capability_pulls_the_nash_solution_towards_it() -> None:
    # gains 0.5 - (z - 2) / 10 = (7 - z) / 10 and 0.5 - (8 - z) / 10 = (z - 3) / 10; the first-order
    # condition c_1 / (7 - z) = c_2 / (z - 3) gives z = (3 c_1 + 7 c_2) / (c_1 + c_2), which moves
    # towards the first actor (at 2) as c_1 grows: 5.667, 5, 4.333, 3.8 for c_1 = 0.5, 1, 2, 4
    x = np.array([[2.0], [8.0]])
    scale = (np.array([0.0]), np.array([10.0]))
    solutions = []
    for c1 in (0.5, 1.0, 2.0, 4.0):
        z = nash_solution(x, np.ones_like(x), [c1, 1.0], [5.0], scale=scale, disagreement=[-0.5, -0.5])[0]
        assert z == pytest.approx((3 * c1 + 7) / (c1 + 1), abs=1e-12)
        solutions.append(z)
    assert all(a > b for a, b in itertools.pairwise(solutions))
    # the same on random cases with several issues and actors: never away from the actor
    rng = np.random.default_rng(3)
    for _ in range(40):
        x, s, c, q = random_case(rng, 3, 2)
        before = nash_solution(x, s, c, q)
        if nash_value(before, x, s, c, q) == -np.inf:
            continue
        stronger = c.copy()
        stronger[0] *= 3
        after = nash_solution(x, s, stronger, q)
        first = loss_weights(x[None], s[None], q[None], None)[0][0, 0]  # actor 0's loss per unit, by issue
        assert -(first * np.abs(after - x[0])).sum() >= -(first * np.abs(before - x[0])).sum() - 1e-12


def grid_best(x: np.ndarray, s: np.ndarray, c: np.ndarray, q: np.ndarray, points: int):
    lows, highs = np.minimum(x.min(axis=0), q), np.maximum(x.max(axis=0), q)
    axes = np.meshgrid(
        *[np.linspace(lo, hi, points) for lo, hi in zip(lows, highs, strict=True)], indexing="ij"
    )
    grid = np.stack([a.ravel() for a in axes], axis=1)
    values = nash_values(grid, x, s, c, q)
    best = int(np.argmax(values))
    return values[best], grid[best], (highs - lows) / (points - 1)


GRIDS = [
    (2, 1, 20001),
    (3, 1, 20001),
    (4, 1, 20001),
    (2, 2, 401),
    (3, 2, 401),
    (4, 2, 401),
    (3, 3, 61),
    (5, 3, 61),
]


@pytest.mark.parametrize(("actors", "issues", "points"), GRIDS)
def test_nash_is_at_least_as_good_as_every_point_of_a_brute_force_grid(
    actors: int, issues: int, points: int
) -> None:
    """Random small cases, fixed seed: the solution's Nash objective is never below the best grid
    point's (to rounding), and with one issue, where the maximum is unique, the best grid point
    lies within one grid step of it. Cases whose Nash set the grid misses are skipped; cases
    with an empty Nash set must return q."""
    rng = np.random.default_rng(100 * actors + issues)
    checked = 0
    for _ in range(25):
        x, s, c, q = random_case(rng, actors, issues)
        z = nash_solution(x, s, c, q)
        best, where, step = grid_best(x, s, c, q, points)
        value = nash_value(z, x, s, c, q)
        if value == -np.inf:
            np.testing.assert_array_equal(z, q)
            assert best == -np.inf
            continue
        assert value >= best - 1e-12 * (1 + abs(best))
        if issues == 1 and best > -np.inf:
            assert abs(z[0] - where[0]) <= step[0] + 1e-12
        checked += 1
    assert checked >= 5


def slsqp_nash(x: np.ndarray, s: np.ndarray, c: np.ndarray, q: np.ndarray, start: np.ndarray) -> np.ndarray:
    """An independent solver: SLSQP on the smooth equivalent programme with t_ik >= |z_k - x_ik|."""
    weight, _ = loss_weights(x[None], s[None], q[None], None)
    w = weight[0]
    best = (w * np.abs(q[None, :] - x)).sum(axis=1)
    members = (c > 0) & (best > 1e-12)
    n, k = x.shape

    def split(v):
        return v[:k], v[k:].reshape(n, k)

    def objective(v):
        _, t = split(v)
        gain = best - (w * t).sum(axis=1)
        return -np.sum(c[members] * np.log(np.maximum(gain[members], 1e-300)))

    constraints = [
        {"type": "ineq", "fun": lambda v: (split(v)[1] - (split(v)[0][None, :] - x)).ravel()},
        {"type": "ineq", "fun": lambda v: (split(v)[1] + (split(v)[0][None, :] - x)).ravel()},
        {"type": "ineq", "fun": lambda v: (best - (w * split(v)[1]).sum(axis=1))[members] - 1e-12},
    ]
    v0 = np.concatenate([start, (np.abs(start[None, :] - x)).ravel()])
    result = minimize(
        objective, v0, method="SLSQP", constraints=constraints, options={"ftol": 1e-14, "maxiter": 500}
    )
    return split(result.x)[0]


def test_nash_matches_an_independent_convex_solver_on_random_cases() -> None:
    """SLSQP started from the solution itself and from the compromise finds nothing better
    (objective within 1e-9), on cases with two to five actors and up to three issues."""
    rng = np.random.default_rng(11)
    compared = 0
    for _ in range(60):
        actors, issues = int(rng.integers(2, 6)), int(rng.integers(1, 4))
        x, s, c, q = random_case(rng, actors, issues)
        z = nash_solution(x, s, c, q)
        value = nash_value(z, x, s, c, q)
        if value == -np.inf:
            continue
        for start in (z, compromise(x, s, c, q)):
            other = slsqp_nash(x, s, c, q, start)
            assert nash_value(other, x, s, c, q) <= value + 1e-9 * (1 + abs(value))
        compared += 1
    assert compared >= 20


def test_one_issue_nash_agrees_with_a_bounded_scalar_search() -> None:
    """With one issue the objective is strictly concave: a bounded scalar search on it (to 1e-10)
    lands within 1e-6 of the issue's range of the solution."""
    rng = np.random.default_rng(5)
    for _ in range(30):
        x, s, c, q = random_case(rng, int(rng.integers(2, 6)), 1)
        z = nash_solution(x, s, c, q)
        if nash_value(z, x, s, c, q) == -np.inf:
            continue
        span = max(x.max(), q[0]) - min(x.min(), q[0])
        # search inside the Nash set: where every member's gain is positive
        weight, _ = loss_weights(x[None], s[None], q[None], None)
        reach = np.abs(q[0] - x[:, 0])  # each actor gains within this distance of its position
        members = (c > 0) & (weight[0, :, 0] * reach > 1e-12)
        low, high = (x[members, 0] - reach[members]).max(), (x[members, 0] + reach[members]).min()
        found = minimize_scalar(
            lambda y, x=x, s=s, c=c, q=q: -nash_value(np.array([y]), x, s, c, q),
            bounds=(low + 1e-12, high - 1e-12),
            method="bounded",
            options={"xatol": 1e-10},
        )
        assert abs(found.x - z[0]) <= 1e-6 * span


def test_nash_is_scale_free() -> None:
    """An affine change of every issue's scale (reversals included) maps the solution the same way."""
    rng = np.random.default_rng(8)
    for _ in range(20):
        x, s, c, q = random_case(rng, int(rng.integers(2, 5)), 2)
        a, b = np.array([3.0, -0.5]), np.array([-7.0, 100.0])
        for f in (nash_solution, compromise, median):
            np.testing.assert_allclose(
                f(a * x + b, s, c, a * q + b), a * f(x, s, c, q) + b, rtol=1e-9, atol=1e-9
            )


def test_nash_returns_q_when_no_package_gains_for_every_member() -> None:
    # one issue, actors at 2 and 8, reference point 5 between them: every move away from 5 hurts one
    x = np.array([[2.0], [8.0]])
    assert nash_solution(x, np.ones_like(x), [1.0, 1.0], [5.0])[0] == 5.0
    # three actors around q on one issue, the same
    x3 = np.array([[2.0], [8.0], [9.0]])
    assert nash_solution(x3, np.ones_like(x3), [1.0, 1.0, 1.0], [5.0])[0] == 5.0


def test_an_actor_at_the_reference_point_cannot_gain_and_is_left_out() -> None:
    # the third actor sits at q on both issues: any move hurts it, so it is not a member and the
    # answer is the two others' Nash solution; with no other actor it is q itself
    x = np.array([[1.0, 9.0], [3.0, 6.0], [8.0, 2.0]])
    s = np.array([[0.7, 0.3], [0.5, 0.5], [0.4, 0.6]])
    q = x[2]
    scale = (np.zeros(2), np.full(2, 10.0))
    with_third = nash_solution(x, s, [1.0, 2.0, 5.0], q, scale=scale)
    without = nash_solution(x[:2], s[:2], [1.0, 2.0], q, scale=scale)
    np.testing.assert_allclose(with_third, without, **EXACT)
    np.testing.assert_array_equal(nash_solution(x[2:], s[2:], [1.0], q, scale=scale), q)


def test_nash_handles_one_actor_and_zero_weights() -> None:
    x = np.array([[3.0, 7.0]])
    q = np.array([5.0, 5.0])
    # one actor who can gain: its own position; on an issue it does not care about, q
    np.testing.assert_array_equal(nash_solution(x, [[1.0, 1.0]], [1.0], q), [3.0, 7.0])
    np.testing.assert_array_equal(nash_solution(x, [[1.0, 0.0]], [1.0], q), [3.0, 5.0])
    # nobody with capability, or nobody caring: q
    np.testing.assert_array_equal(nash_solution(x, [[1.0, 1.0]], [0.0], q), q)
    np.testing.assert_array_equal(nash_solution(x, [[0.0, 0.0]], [1.0], q), q)


def test_the_solver_reports_what_it_did() -> None:
    position = np.array([[[0.2], [0.8]]] * 3)
    weight = np.ones_like(position)
    anchor = np.full((3, 1), 0.5)
    clout = np.array([[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]])
    best = np.array([[0.5, 0.5], [0.5, 0.5], [0.2, 0.2]])  # row 3: gains 0.2 - |z - x| never both > 0
    package, status = solve(position, weight, clout, best, anchor)
    assert status.tolist() == [SOLVED, NO_MEMBER, NO_GAIN]
    np.testing.assert_allclose(package, [[0.5], [0.5], [0.5]], **EXACT)  # midpoint; anchor; maximin


def test_the_empty_nash_set_falls_back_to_the_largest_smallest_gain_with_three_members() -> None:
    # three members on one issue at 0, 0.5, 1 who each gain only within 0.2 of their position:
    # no package gains for all; the outer two gain 0.2 - z and 0.2 - (1 - z), so the smallest gain
    # is largest, -0.3, at z = 0.5 (the middle member gains 0.2 there)
    position = np.array([[[0.0], [0.5], [1.0]]])
    package, status = solve(position, np.ones_like(position), np.ones((1, 3)), np.full((1, 3), 0.2),
                            np.full((1, 1), 0.5))  # fmt: skip
    assert status[0] == NO_GAIN
    assert package[0, 0] == pytest.approx(0.5, abs=1e-9)


def test_the_ec_case_nash_numbers() -> None:
    """The EC car-emissions case (Table 1) as one issue on 4..10 years.

    With each actor's disagreement at the far end of the scale (utility 1 - |z - x| / 6 against a
    BATNA of 0, as in negsim's own scale) and equal weights, the Nash product is largest at the
    median position 7.0 years: just above 7 its slope is 6 (-4 / 0.5 - 3 / 1 + 3 / 0.5) / 6... < 0
    and just below > 0. With capability as the weights (sums 0.32 at 4, 0.21 at 7, 0.48 at 10) the
    first-order condition for z > 7, u = (z - 7) / 6, is -0.32 / (0.5 - u) - 0.21 / (1 - u) +
    0.48 / (0.5 + u) = 0, i.e. 1.01 u^2 - 0.88 u + 0.0275 = 0, u = 0.032459..., z = 7.19476.
    With the reference point at 7 years itself (actors on both sides) no package gains for all: 7.
    """
    x, s = EC_POSITION[:, None], EC_SALIENCE[:, None]
    far = np.full(10, -1.0)
    assert nash_solution(x, s, np.ones(10), [7.0], scale=EC_SCALE, disagreement=far)[0] == pytest.approx(
        7.0, abs=1e-12
    )
    u = (0.88 - np.sqrt(0.88**2 - 4 * 1.01 * 0.0275)) / (2 * 1.01)
    assert nash_solution(x, s, EC_CAPABILITY, [7.0], scale=EC_SCALE, disagreement=far)[0] == pytest.approx(
        7 + 6 * u
    )
    assert nash_solution(x, s, EC_CAPABILITY, [7.0], scale=EC_SCALE)[0] == 7.0


# --- Bueno de Mesquita ------------------------------------------------------------------------------------


def test_bdm_replicates_the_ec_case() -> None:
    """The EC car-emissions case of Bueno de Mesquita (1994) as in Scholz, Calbert & Smith (2011).

    Checked here: the starting point every reading of the paper shares (the weighted median 7
    years, the compromise 50030 / 6770 = 7.390 years: weights c x s are 0.248 at 4, 0.093 at 7
    and 0.336 at 10 years, and 0.248 + 0.093 > 0.677 / 2), the risk exponents' range [0.5, 2]
    with the most exposed actor (Luxembourg, the smallest capability at the low end) at 0.5 and
    the least exposed (the UK, the largest weight at 10 years) at 2, and the forecast: the
    weighted median stays at 7 years through the rounds (within 1e-9 years: it is an actor's
    position, so only rounding could move it). The paper's own round-by-round figures could not
    be consulted for this test; see docs/model.md, "Baseline models".
    """
    x, s, c = EC_POSITION[:, None], EC_SALIENCE[:, None], EC_CAPABILITY
    assert median(x, s, c)[0] == 7.0
    assert compromise(x, s, c)[0] == pytest.approx(50030 / 6770, abs=1e-12)
    run = bdm_run(EC_POSITION, EC_SALIENCE, EC_CAPABILITY, rounds=10, width=6.0)
    first = dict(zip(EC_ACTORS, run.risk[0], strict=True))
    assert min(first.values()) == pytest.approx(0.5) and first["Luxembourg"] == pytest.approx(0.5)
    assert max(first.values()) == pytest.approx(2.0) and first["UK"] == pytest.approx(2.0)
    np.testing.assert_allclose(run.median, 7.0, rtol=0, atol=1e-9)
    assert bdm_expected_utility(x, s, c, scale=EC_SCALE)[0] == pytest.approx(7.0, abs=1e-9)
    # positions never leave the range of the initial ones: every move goes to or towards another
    assert run.positions.min() >= 4.0 and run.positions.max() <= 10.0


def test_bdm_probabilities_and_risk_follow_their_definitions() -> None:
    # three actors at 0, 5 and 10, c s = 1, 2, 1 on a width of 10: in the contest between 0 and 10
    # the actor at 0 votes 1 x 1 for itself, the one at 10 1 x 1 against, the middle one is
    # indifferent: P = 1 / 2. Between 5 and 10: votes for 5 from 0 (1 x 0.5) and 5 (2 x 0.5),
    # against from 10 (1 x 0.5): P = 1.5 / 2 = 0.75
    x = np.array([0.0, 5.0, 10.0])
    p = win_probability(x, np.array([1.0, 1.0, 1.0]), np.array([1.0, 2.0, 1.0]), 10.0)
    assert p[0, 2] == pytest.approx(0.5)
    assert p[1, 2] == pytest.approx(0.75)
    assert p[2, 1] == pytest.approx(0.25)
    # risk: exposure scaled to [-1, 1] between the least and most exposed, r = (1 - R/3) / (1 + R/3)
    eu = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [3.0, 1.0, 0.0]])  # exposures 3, 2, 0
    np.testing.assert_allclose(risk_exponents(eu), [0.5, (1 - 1 / 9) / (1 + 1 / 9), 2.0])
    # or every exponent fixed (risk=1: risk neutral)
    fixed = bdm_run(EC_POSITION, EC_SALIENCE, EC_CAPABILITY, rounds=3, risk=1.0)
    np.testing.assert_array_equal(fixed.risk, np.ones((3, 10)))


def test_bdm_handles_one_actor_zero_weights_and_several_issues() -> None:
    one = bdm_expected_utility(np.array([[3.0, 8.0]]), np.array([[0.5, 0.5]]), [1.0])
    np.testing.assert_array_equal(one, [3.0, 8.0])
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        bdm_expected_utility(x, np.zeros_like(x), [1.0, 1.0], [9.0, 9.0]), [9.0, 9.0]
    )
    with pytest.raises(ValueError, match=r"0\.\.1"):
        bdm_expected_utility(x, np.full_like(x, 80.0), [1.0, 1.0])
    # issues are run one by one: two issues at once equal each on its own
    rng = np.random.default_rng(2)
    x, s, c, _ = random_case(rng, 5, 2)
    both = bdm_expected_utility(x, s, c)
    for k in range(2):
        assert both[k] == bdm_expected_utility(x[:, k : k + 1], s[:, k : k + 1], c)[0]


def test_bdm_is_scale_free() -> None:
    rng = np.random.default_rng(4)
    x, s, c, _ = random_case(rng, 6, 1)
    np.testing.assert_allclose(bdm_expected_utility(2 * x + 3, s, c), 2 * bdm_expected_utility(x, s, c) + 3,
                               rtol=1e-12)  # fmt: skip
    np.testing.assert_allclose(bdm_expected_utility(-x, s, c), -bdm_expected_utility(x, s, c), rtol=1e-12)


# --- registry, batches, the adapter and the rule --------------------------------------------------------


def test_every_baseline_is_listed_with_a_description_and_a_citation_and_takes_one_signature() -> None:
    assert set(BASELINES) == {"compromise", "weighted_median", "nash", "bdm"}
    rng = np.random.default_rng(9)
    x = rng.uniform(0, 1, (3, 4, 2))
    s = rng.uniform(0, 1, (3, 4, 2))
    c = rng.uniform(0.1, 1, (3, 4))
    q = rng.uniform(0, 1, (3, 2))
    unit = (np.zeros(2), np.ones(2))
    for name, (function, description, citation) in BASELINES.items():
        assert description and citation, name
        batch = function(x, s, c, q, scale=unit)
        assert batch.shape == (3, 2), name
        for r in range(3):  # a batch is its rows, each computed on its own
            np.testing.assert_array_equal(
                batch[r], function(x[r], s[r], c[r], q[r], scale=unit), err_msg=name
            )


def test_the_adapter_reads_a_scenarios_parameters() -> None:
    scenario = toy().variants["broker_nash"]
    p = build_params(scenario, seed=0, start=0, stop=2)
    x, s, c, q = case_from_params(p, p.is_party)
    assert x.shape == (2, 2, 2) and c.shape == (2, 2)
    np.testing.assert_array_equal(q, p.status_quo)
    np.testing.assert_array_equal(predict("compromise", p, p.is_party), compromise(x, s, c, q))


def test_the_model_rule_is_the_exact_solver_with_batnas_and_clout() -> None:
    """rules.nash_point: utilities 1 - sum_k w_ik |z_k - x_ik| against each member's BATNA, clout
    as weights: the same numbers as nash_solution with disagreement utilities b_i - 1 on 0..1."""
    p = build_params(toy().variants["broker_nash"], seed=0, start=0, stop=3)
    parties = p.is_party  # the toy's voters
    unit = (np.zeros(2), np.ones(2))
    for r in range(3):
        row = Row(p, r)
        x, s = p.ideal[r, parties], p.salience[r, parties]
        expected = nash_solution(x, s, p.clout[r, parties], p.status_quo[r], scale=unit,
                                 disagreement=row.batna[parties] - 1.0)  # fmt: skip
        np.testing.assert_allclose(row.nash_point(), expected, **EXACT)
