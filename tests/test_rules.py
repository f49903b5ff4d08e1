"""One unit test per rule in sim/model/rules.py, on the toy scenario (tests/scenarios/toy.yaml).

Each test checks the property docs/model.md (section 7) and the rule's docstring promise, on
numbers small enough to work out by hand: every expected value is computed in the test from
the toy's stated numbers, with the arithmetic in a comment, never copied from a run.

The toy: actors east, west (parties) and broker (mediator), in that order; issues split and
timing. Saliences east 0.6/0.2 (weights 0.75/0.25), west 0.5/0.5, broker 0.5/0.5.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from sim.model import rules
from sim.model.params import Params, build_params
from sim.scenario.loader import LoadedScenario, load_scenario
from tests.conftest import negsim_main

TOY = Path(__file__).resolve().parent / "scenarios" / "toy.yaml"
EAST, WEST, BROKER = 0, 1, 2
SPLIT, TIMING = 0, 1
EXACT = {"rtol": 0, "atol": 1e-12}  # hand arithmetic and floating point agree to rounding


@functools.cache
def toy() -> LoadedScenario:
    return load_scenario(TOY)


def toy_params(path: str = "broker_proposes", rows: int = 1, **switches: bool) -> Params:
    """The toy's parameters through the real loader and build_params, every number at its
    stated value (parameter_uncertainty off), with any other `mechanisms:` switch given."""
    scenario = toy().variants[path]
    mechanisms = scenario.mechanisms.model_copy(update={"parameter_uncertainty": False, **switches})
    return build_params(scenario.model_copy(update={"mechanisms": mechanisms}), seed=0, start=0, stop=rows)


def row(*values: float) -> np.ndarray:
    """One replication's values: shape (1, len(values))."""
    return np.array([values], dtype=float)


def test_the_toy_scenario_is_valid() -> None:
    """The toy must stay a scenario a user could run: `negsim validate` accepts it."""
    code, stdout, stderr = negsim_main("validate", str(TOY))
    assert code == 0, stderr
    assert "6 path(s), 3 actors" in stdout


def test_initial_state_starts_at_the_stated_values() -> None:
    """docs/model.md 5.3: positions x(0), BATNAs as stated (0 without one), no cost, no strikes,
    no misperception, ongoing; the positions are a copy, so the influence anchor cannot drift."""
    p = toy_params()
    state = rules.initial_state(p)
    np.testing.assert_array_equal(state.position, [[[0.8, 0.2], [0.2, 0.6], [0.5, 0.4]]])
    np.testing.assert_array_equal(state.batna, row(0.6, 0.45, 0.0))  # the broker states no batna
    np.testing.assert_array_equal(state.accumulated_cost, row(0, 0, 0))
    np.testing.assert_array_equal(state.misperception, row(0, 0, 0))
    np.testing.assert_array_equal(state.strikes, row(0, 0, 0))
    assert state.outcome.tolist() == [rules.ONGOING] and state.end_round.tolist() == [0]
    assert np.isnan(state.terms).all() and state.terms.shape == (1, 2)
    state.position += 0.1
    state.batna -= 0.1
    assert p.ideal[0, EAST, SPLIT] == 0.8 and p.batna[0, EAST] == 0.6


def test_utility_is_one_at_the_ideal_point_and_falls_with_salience_weighted_distance() -> None:
    """7.1: U_i(z) = 1 - sum_k w_ik |z_k - x_ik|, with w the salience normalised to sum 1."""
    p = toy_params()
    np.testing.assert_allclose(p.weight[0, EAST], [0.75, 0.25], **EXACT)  # 0.6/0.8, 0.2/0.8
    position = p.ideal
    # z = (0.5, 0.5):
    #   east   1 - (0.75 * 0.3 + 0.25 * 0.3) = 0.7
    #   west   1 - (0.5 * 0.3 + 0.5 * 0.1)   = 0.8
    #   broker 1 - (0.5 * 0.0 + 0.5 * 0.1)   = 0.95
    np.testing.assert_allclose(rules.utility(position, p.weight, row(0.5, 0.5)), row(0.7, 0.8, 0.95), **EXACT)
    # at east's own position east gets 1; west 1 - (0.5 * 0.6 + 0.5 * 0.4) = 0.5
    np.testing.assert_allclose(rules.utility(position, p.weight, row(0.8, 0.2))[0, :2], [1.0, 0.5], **EXACT)


def test_accrue_costs_lowers_batnas_by_exactly_the_cost_and_shocks_only_the_parties() -> None:
    """7.2: C += kappa and b -= kappa each month; with shocks on, parties' BATNAs also move by
    shock_sd * epsilon (the broker, not a party, keeps its BATNA)."""
    shocks = row(1.0, -2.0, 5.0)
    p = toy_params("direct_talks", shocks=False)
    state = rules.initial_state(p)
    rules.accrue_costs(state, p, shocks)
    rules.accrue_costs(state, p, shocks)
    # two months: east 0.6 - 2 * 0.02 = 0.56, west 0.45 - 2 * 0.01 = 0.43; costs 0.04 and 0.02
    np.testing.assert_allclose(state.batna, row(0.56, 0.43, 0.0), **EXACT)
    np.testing.assert_allclose(state.accumulated_cost, row(0.04, 0.02, 0.0), **EXACT)

    p = toy_params("direct_talks")
    state = rules.initial_state(p)
    rules.accrue_costs(state, p, shocks)
    # east 0.6 - 0.02 + 0.02 * 1.0 = 0.6; west 0.45 - 0.01 + 0.02 * (-2.0) = 0.4; broker stays 0
    np.testing.assert_allclose(state.batna, row(0.6, 0.4, 0.0), **EXACT)

    p = toy_params("direct_talks", costs=False, shocks=False)
    state = rules.initial_state(p)
    rules.accrue_costs(state, p, shocks)
    np.testing.assert_array_equal(state.batna, p.batna)
    np.testing.assert_array_equal(state.accumulated_cost, row(0, 0, 0))


def test_current_red_lines_soften_with_felt_cost_and_pressure() -> None:
    """7.3: theta(t) = theta - d * softening * (C + pi): an at_least line falls, an at_most rises."""
    p = toy_params()
    state = rules.initial_state(p)
    state.accumulated_cost[:] = row(0.02, 0.01, 0.0)
    thresholds = rules.current_red_lines(state, p)
    # east at_least 0.6, softening 2: 0.6 - 2 * 0.02 = 0.56; west at_most 0.7, softening 1: 0.7 + 0.01
    np.testing.assert_allclose(thresholds[0, [EAST, WEST], SPLIT], [0.56, 0.71], **EXACT)
    with_pressure = rules.current_red_lines(state, p, applied=row(0.1, 0.2, 0.0))
    # east 0.6 - 2 * (0.02 + 0.1) = 0.36; west 0.7 + 1 * (0.01 + 0.2) = 0.91
    np.testing.assert_allclose(with_pressure[0, [EAST, WEST], SPLIT], [0.36, 0.91], **EXACT)
    fixed = rules.current_red_lines(state, toy_params(red_line_softening=False), applied=row(0.1, 0.2, 0.0))
    np.testing.assert_array_equal(fixed[0, [EAST, WEST], SPLIT], [0.6, 0.7])


def test_exert_influence_follows_friedkin_johnsen_anchored_by_stubbornness() -> None:
    """7.4: x += rho (1 - salience) (s x(0) + (1 - s) sum_j W_ij x_j - x), W_ij ~ clout_j affinity_ij;
    a fully stubborn actor stays put, and a mediator also speaks to the parties through trust."""
    p = toy_params("direct_talks")
    state = rules.initial_state(p)
    rules.exert_influence(state, p)
    # east listens with clout x affinity: self 0.6 * 1, west 0.4 * 0.25, broker 0.5 * 0.2
    #   = 0.6 : 0.1 : 0.1, normalised W = 0.75, 0.125, 0.125
    #   social split  0.75 * 0.8 + 0.125 * 0.2 + 0.125 * 0.5 = 0.6875
    #   social timing 0.75 * 0.2 + 0.125 * 0.6 + 0.125 * 0.4 = 0.275
    #   target (s = 0.5): split 0.5 * 0.8 + 0.5 * 0.6875 = 0.74375, timing 0.5 * 0.2 + 0.5 * 0.275 = 0.2375
    #   step rho (1 - salience): split 0.5 * 0.4 = 0.2, timing 0.5 * 0.8 = 0.4
    #   split 0.8 + 0.2 * (0.74375 - 0.8) = 0.78875, timing 0.2 + 0.4 * (0.2375 - 0.2) = 0.215
    np.testing.assert_allclose(state.position[0, EAST], [0.78875, 0.215], **EXACT)
    # west is fully stubborn (s = 1): its target is its own initial position, where it already is
    np.testing.assert_array_equal(state.position[0, WEST], [0.2, 0.6])
    # the broker (s = 0) listens 0.6 * 0.5 : 0.4 * 0.5 : 0.5 * 1 = 0.3 : 0.2 : 0.5 (sums to 1)
    #   social split 0.3 * 0.8 + 0.2 * 0.2 + 0.5 * 0.5 = 0.53, timing 0.3 * 0.2 + 0.2 * 0.6 + 0.5 * 0.4 = 0.38
    #   step 0.5 * (1 - 0.5) = 0.25: split 0.5 + 0.25 * 0.03 = 0.5075, timing 0.4 - 0.25 * 0.02 = 0.395
    np.testing.assert_allclose(state.position[0, BROKER], [0.5075, 0.395], **EXACT)

    # moved off its anchor to (0.4, 0.5), fully stubborn west heads back to (0.2, 0.6), step 0.25:
    #   split 0.4 + 0.25 * (0.2 - 0.4) = 0.35, timing 0.5 + 0.25 * (0.6 - 0.5) = 0.525
    state = rules.initial_state(p)
    state.position[0, WEST] = [0.4, 0.5]
    rules.exert_influence(state, p)
    np.testing.assert_allclose(state.position[0, WEST], [0.35, 0.525], **EXACT)

    # the same west with stubbornness 0 does move: it listens 0.6 * 0.5 : 0.4 : 0.5 * 0.4 = 3/9 : 4/9 : 2/9
    #   social split 0.8 * 3/9 + 0.2 * 4/9 + 0.5 * 2/9 = 4.2/9 = 7/15, timing (0.6 + 2.4 + 0.8)/9 = 19/45
    #   step 0.25: split 0.2 + 0.25 * (7/15 - 3/15) = 0.2 + 1/15,
    #   timing 0.6 + 0.25 * (19/45 - 27/45) = 0.6 - 2/45
    yielding = p.revised(stubbornness=row(0.5, 0.0, 0.0))
    state = rules.initial_state(yielding)
    rules.exert_influence(state, yielding)
    np.testing.assert_allclose(state.position[0, WEST], [0.2 + 1 / 15, 0.6 - 2 / 45], **EXACT)

    # with the broker mediating, east hears it through trust: max(0.5 * 0.2, 0.5 * 0.6) = 0.3,
    #   so east listens 0.6 : 0.1 : 0.3 (sums to 1); social split 0.48 + 0.02 + 0.15 = 0.65,
    #   timing 0.12 + 0.06 + 0.12 = 0.3; target split 0.4 + 0.325 = 0.725, timing 0.1 + 0.15 = 0.25
    #   split 0.8 + 0.2 * (0.725 - 0.8) = 0.785, timing 0.2 + 0.4 * (0.25 - 0.2) = 0.22
    p = toy_params("broker_proposes")
    state = rules.initial_state(p)
    rules.exert_influence(state, p)
    np.testing.assert_allclose(state.position[0, EAST], [0.785, 0.22], **EXACT)

    p = toy_params("broker_proposes", influence=False)
    state = rules.initial_state(p)
    rules.exert_influence(state, p)
    np.testing.assert_array_equal(state.position, p.ideal)


def test_weighted_compromise_is_the_clout_times_salience_weighted_mean() -> None:
    """7.5: z_k = sum c_i sigma_ik x_ik / sum c_i sigma_ik over the members, raw salience."""
    p = toy_params()
    state = rules.initial_state(p)
    parties = np.array([True, True, False])
    # split: (0.6 * 0.6 * 0.8 + 0.4 * 0.5 * 0.2) / (0.6 * 0.6 + 0.4 * 0.5) = 0.328 / 0.56 = 0.5857...
    # timing: (0.6 * 0.2 * 0.2 + 0.4 * 0.5 * 0.6) / (0.6 * 0.2 + 0.4 * 0.5) = 0.144 / 0.32 = 0.45
    np.testing.assert_allclose(rules.weighted_compromise(state, p, parties), row(0.328 / 0.56, 0.45), **EXACT)
    # the broker as a member adds 0.5 * 0.5 on each issue:
    # split (0.328 + 0.25 * 0.5) / (0.56 + 0.25) = 0.453 / 0.81, timing (0.144 + 0.25 * 0.4) / 0.57
    everyone = np.array([True, True, True])
    np.testing.assert_allclose(
        rules.weighted_compromise(state, p, everyone), row(0.453 / 0.81, 0.244 / 0.57), **EXACT
    )


def nash_product(p: Params, package: np.ndarray, members: list[int]) -> float:
    gains = rules.utility(p.ideal, p.weight, package)[0, members] - p.batna[0, members]
    return float(np.prod(gains))


def test_nash_point_maximises_the_product_of_the_parties_gains() -> None:
    """7.6: the package maximising the clout-weighted product of the parties' gains over their
    BATNAs, exactly.

    Toy: east cares most about split, west about timing, so the maximum is (0.8, 0.6): there east
    gains 1 - 0.25 * 0.4 - 0.6 = 0.3 and west 1 - 0.5 * 0.6 - 0.45 = 0.25; moving split towards
    west by d changes the product by d (-0.75 * 0.25 + 0.5 * 0.3) < 0, and timing towards east by
    d (0.25 * 0.25 - 0.5 * 0.3) < 0; with clouts 0.6 and 0.4 as weights the slopes are
    d (-0.6 * 0.75 / 0.3 + 0.4 * 0.5 / 0.25) < 0 and d (0.6 * 0.25 / 0.3 - 0.4 * 0.5 / 0.25) < 0."""
    p = toy_params("broker_nash")
    state = rules.initial_state(p)
    parties = np.array([True, True, False])
    start = np.array([0.328 / 0.56, 0.45])  # the parties' weighted compromise (test above)
    target = np.array([0.8, 0.6])
    package = rules.nash_point(state, p, parties)
    np.testing.assert_allclose(package, target[None, :], **EXACT)
    best = nash_product(p, target[None, :], [EAST, WEST])
    assert best == pytest.approx(0.3 * 0.25)
    assert nash_product(p, package, [EAST, WEST]) == pytest.approx(best, abs=1e-3)
    for other in ([0.5, 0.5], [0.7, 0.6], [0.8, 0.5], start):
        assert nash_product(p, package, [EAST, WEST]) > nash_product(p, np.array([other]), [EAST, WEST])

    # Gains, not only saliences, weigh: three parties at 0.2, 0.5 and 0.8 on both issues with equal
    # saliences and clouts (compromise 0.5), BATNAs 0.3, 0.5 and 0.95. The last has almost nothing
    # to gain and pulls the point to its own position: only for z in (0.75, 0.8] does it gain
    # (z - 0.75), the others gain 0.9 - z and 1 - z, and at 0.8 the product's slope from below is
    # -1/0.1 - 1/0.2 + 1/0.05 = 5 > 0, so 0.8 is the maximum (salience alone: 0.5).
    salience = np.full((1, 3, 2), 0.5)
    three = p.revised(
        ideal=np.array([[[0.2, 0.2], [0.5, 0.5], [0.8, 0.8]]]),
        salience=salience,
        weight=salience / 1.0,
        clout=row(0.5, 0.5, 0.5),
        batna=row(0.3, 0.5, 0.95),
        is_party=np.array([True, True, True]),
    )
    package = rules.nash_point(rules.initial_state(three), three, three.is_party)
    np.testing.assert_allclose(package, row(0.8, 0.8), **EXACT)


def two_mirrored_parties(batna_east: float, batna_west: float) -> Params:
    """East at 0.2, west at 0.8 on both issues, equal saliences and clouts: mirror images."""
    p = toy_params("broker_nash")
    salience = np.full((1, 3, 2), 0.5)
    return p.revised(
        ideal=np.array([[[0.2, 0.2], [0.8, 0.8], [0.5, 0.5]]]),
        salience=salience,
        weight=salience / 1.0,
        clout=row(0.5, 0.5, 0.5),
        batna=row(batna_east, batna_west, 0.0),
    )


def test_nash_point_of_two_symmetric_parties_is_the_midpoint() -> None:
    """7.6: with U = 1 - |z - x| and equal BATNAs 0.5, the product (0.7 - z)(z - 0.3) on each
    issue is largest at z = 0.5, halfway between the mirror-image parties."""
    p = two_mirrored_parties(0.5, 0.5)
    package = rules.nash_point(rules.initial_state(p), p, np.array([True, True, False]))
    np.testing.assert_allclose(package, row(0.5, 0.5), rtol=0, atol=0.02)


def test_a_higher_batna_pulls_the_nash_point_towards_that_party() -> None:
    """7.6: the party with less to gain pulls harder. With BATNAs 0.5 (east, at 0.2) and 0.6 (west,
    at 0.8) the gains are 0.7 - z and z - 0.4, whose product is largest at z = 0.55."""
    p = two_mirrored_parties(0.5, 0.6)
    package = rules.nash_point(rules.initial_state(p), p, np.array([True, True, False]))
    assert nash_product(p, package, [EAST, WEST]) == pytest.approx(0.15 * 0.15, rel=0.05)
    np.testing.assert_allclose(package.mean(), 0.55, rtol=0, atol=0.02)


def test_propose_tilts_a_mediators_compromise_or_lets_the_parties_take_turns() -> None:
    """7.7: a formulating mediator tables the compromise tilted by its bias, z + beta (x_M - z);
    without one, party t mod P tables x_p + gamma (compromise - x_p), east first (listed first)."""
    compromise = np.array([0.328 / 0.56, 0.45])  # the parties' weighted compromise, computed above
    p = toy_params("broker_proposes")  # bias 0.5 towards the broker's (0.5, 0.4)
    tilted = compromise + 0.5 * (np.array([0.5, 0.4]) - compromise)  # (0.5429, 0.425)
    np.testing.assert_allclose(rules.propose(rules.initial_state(p), p, 0), tilted[None, :], **EXACT)
    p = toy_params("broker_proposes", mediator_bias=False)
    np.testing.assert_allclose(rules.propose(rules.initial_state(p), p, 0), compromise[None, :], **EXACT)
    p = toy_params("broker_nash")
    state = rules.initial_state(p)
    np.testing.assert_array_equal(rules.propose(state, p, 0), rules.nash_point(state, p, p.is_party))

    east = np.array([0.8, 0.2]) + 0.5 * (compromise - np.array([0.8, 0.2]))  # (0.6929, 0.325)
    west = np.array([0.2, 0.6]) + 0.5 * (compromise - np.array([0.2, 0.6]))  # (0.3929, 0.525)
    for path in ("direct_talks", "broker_facilitates"):  # a facilitator makes no proposal
        p = toy_params(path)
        state = rules.initial_state(p)
        for t, proposer in ((0, east), (1, west), (2, east)):
            np.testing.assert_allclose(rules.propose(state, p, t), proposer[None, :], **EXACT)


def test_proposer_trust_is_trust_in_the_mediators_or_the_proposing_party() -> None:
    """7.8: the mean trust in the mediators, or trust in the party whose turn it is; 1 in oneself,
    0.5 where the scenario states none (the broker states no trust)."""
    p = toy_params("broker_proposes")
    np.testing.assert_array_equal(rules.proposer_trust(p, 0), row(0.6, 0.7, 1.0))
    p = toy_params("direct_talks")
    np.testing.assert_array_equal(rules.proposer_trust(p, 0), row(1.0, 0.3, 0.5))  # east proposes
    np.testing.assert_array_equal(rules.proposer_trust(p, 1), row(0.2, 1.0, 0.5))  # west proposes
    two = toy_params("broker_proposes").revised(mediators=np.array([True, False, True]))
    # mean of trust in east and in the broker: east (1 + 0.6)/2, west (0.3 + 0.7)/2, broker (0.5 + 1)/2
    np.testing.assert_allclose(rules.proposer_trust(two, 0), row(0.8, 0.5, 0.75), **EXACT)


def test_pressure_sums_the_pressing_actors_leverage_capped_at_one() -> None:
    """7.9: pi_j = min(1, sum over pressing m of leverage_mj); a manipulative mediator presses."""
    p = toy_params("broker_presses")  # the broker's leverage: east 0.2, west 0.3
    np.testing.assert_allclose(rules.pressure(p), row(0.2, 0.3, 0.0), **EXACT)
    both = p.revised(pressing=np.array([True, False, True]))  # east also presses west with 0.1
    np.testing.assert_allclose(rules.pressure(both), row(0.2, 0.3 + 0.1, 0.0), **EXACT)
    leverage = both.leverage.copy()
    leverage[0, EAST, WEST] = 0.9  # 0.3 + 0.9 = 1.2, capped at 1
    np.testing.assert_allclose(rules.pressure(both.revised(leverage=leverage)), row(0.2, 1.0, 0.0), **EXACT)
    np.testing.assert_array_equal(rules.pressure(toy_params("broker_proposes")), row(0, 0, 0))
    np.testing.assert_array_equal(rules.pressure(toy_params("broker_presses", leverage=False)), row(0, 0, 0))


def test_update_misperception_is_an_ar1_with_the_stated_persistence_and_variance_one() -> None:
    """7.10: e(0) = eta; e(t) = phi e(t-1) + sqrt(1 - phi^2) eta, here phi = 0.6 (sqrt(1 - 0.36) = 0.8)."""
    p = toy_params()
    state = rules.initial_state(p)
    rules.update_misperception(state, p, row(1.0, -0.5, 2.0), t=0)
    np.testing.assert_array_equal(state.misperception, row(1.0, -0.5, 2.0))
    rules.update_misperception(state, p, row(0.5, 1.0, 0.0), t=1)
    # 0.6 * 1.0 + 0.8 * 0.5 = 1.0; 0.6 * -0.5 + 0.8 * 1.0 = 0.5; 0.6 * 2.0 + 0.8 * 0 = 1.2
    np.testing.assert_allclose(state.misperception, row(1.0, 0.5, 1.2), **EXACT)

    # over 20,000 replications x 3 actors the process has variance 1 and lag-k correlation 0.6^k;
    # standard errors are about 0.006 (variance) and 0.003 (correlation), the tolerances 0.03
    rows = 20_000
    p = toy_params(rows=rows)
    state = rules.initial_state(p)
    draws = np.random.default_rng(12).standard_normal((30, rows, 3))
    history = []
    for t, noise in enumerate(draws):
        rules.update_misperception(state, p, noise, t)
        history.append(state.misperception.ravel())
    last = history[-1]
    assert last.var() == pytest.approx(1.0, abs=0.03)
    for lag in (1, 3):
        assert np.corrcoef(last, history[-1 - lag])[0, 1] == pytest.approx(0.6**lag, abs=0.03)


def test_perceive_batna_adds_scaled_misperception_and_subtracts_pressure() -> None:
    """7.11: b~ = b + sigma_p f e - pi, with f = 1 - facilitation for those present under a
    facilitator, else 1; without perception noise b~ = b - pi."""
    misperception, applied = row(1.0, -2.0, 0.5), row(0.2, 0.3, 0.0)

    def perceived(p: Params) -> np.ndarray:
        state = rules.initial_state(p)  # BATNAs 0.6, 0.45, 0
        state.misperception[:] = misperception
        return rules.perceive_batna(state, p, applied)

    # sigma_p = 0.1: east 0.6 + 0.1 - 0.2 = 0.5; west 0.45 - 0.2 - 0.3 = -0.05; broker 0.05
    np.testing.assert_allclose(perceived(toy_params("broker_proposes")), row(0.5, -0.05, 0.05), **EXACT)
    # facilitated, f = 0.5: east 0.6 + 0.05 - 0.2 = 0.45; west 0.45 - 0.1 - 0.3 = 0.05; broker 0.025
    facilitated = toy_params("broker_facilitates")
    np.testing.assert_allclose(perceived(facilitated), row(0.45, 0.05, 0.025), **EXACT)
    # an absent west gets no facilitation: 0.45 - 0.2 - 0.3 = -0.05
    west_absent = facilitated.revised(absent=np.array([False, True, False]))
    np.testing.assert_allclose(perceived(west_absent), row(0.45, -0.05, 0.025), **EXACT)
    # no perception noise: 0.6 - 0.2, 0.45 - 0.3, 0
    np.testing.assert_allclose(
        perceived(toy_params("broker_facilitates", perception_noise=False)), row(0.4, 0.15, 0.0), **EXACT
    )


def test_respects_red_lines_allows_a_package_at_the_threshold_and_blocks_one_step_past() -> None:
    """7.12: d (z - theta) >= 0 on every red-lined issue; east: split at least 0.6, west: at most
    0.7; the broker has none. Timing carries no red line, so any value passes there."""
    p = toy_params(rows=4)
    thresholds = rules.current_red_lines(rules.initial_state(p), p)  # no cost yet: 0.6 and 0.7
    packages = np.array([[0.6, 0.9], [0.59, 0.9], [0.7, 0.0], [0.71, 0.0]])
    respects = rules.respects_red_lines(packages, thresholds, p)
    assert respects[:, EAST].tolist() == [True, False, True, True]
    assert respects[:, WEST].tolist() == [True, True, True, False]
    assert respects[:, BROKER].all()
    assert rules.respects_red_lines(packages, thresholds, toy_params(rows=4, red_lines=False)).all()


def test_judge_package_accepts_when_the_discounted_value_beats_the_perceived_batna() -> None:
    """7.13: v = U(z) - delta (1 - trust in the author); accept iff v >= perceived BATNA and the
    package meets the red lines, softened by pressure as by cost."""
    p = toy_params("broker_proposes")
    state = rules.initial_state(p)
    trust = rules.proposer_trust(p, 0)  # 0.6, 0.7, 1 in the broker
    no_pressure = row(0, 0, 0)
    package = row(0.65, 0.4)
    # east   U = 1 - (0.75 * 0.15 + 0.25 * 0.2) = 0.8375, minus 0.2 * (1 - 0.6) = 0.08: 0.7575
    # west   U = 1 - (0.5 * 0.45 + 0.5 * 0.2) = 0.675,    minus 0.2 * (1 - 0.7) = 0.06: 0.615
    # broker U = 1 - (0.5 * 0.15 + 0.5 * 0.0) = 0.925,    minus 0
    accepts, value = rules.judge_package(state, p, package, row(0.7, 0.7, 0.0), no_pressure, trust)
    np.testing.assert_allclose(value, row(0.7575, 0.615, 0.925), **EXACT)
    assert accepts.tolist() == [[True, False, True]]
    accepts, _ = rules.judge_package(state, p, package, value, no_pressure, trust)
    assert accepts.all(), "a package worth exactly the perceived BATNA is accepted"
    accepts, _ = rules.judge_package(state, p, package, value + 1e-9, no_pressure, trust)
    assert not accepts.any()

    below_east_line = row(0.55, 0.4)  # east's red line: split at least 0.6
    accepts, _ = rules.judge_package(state, p, below_east_line, row(0, 0, 0), no_pressure, trust)
    assert accepts.tolist() == [[False, True, True]]
    # pressure 0.1 on east softens its line to 0.6 - 2 * 0.1 = 0.4, so 0.55 now passes
    accepts, _ = rules.judge_package(state, p, below_east_line, row(0, 0, 0), row(0.1, 0, 0), trust)
    assert accepts.tolist() == [[True, True, True]]


def test_guarantors_consent_blocks_below_the_veto_holders_reservation_value() -> None:
    """7.14: every veto holder approves iff U_g(z) >= its reservation value (and its red lines);
    the broker holds a veto with reservation value 0.9 on that path."""
    packages = np.array([[0.65, 0.4], [0.75, 0.4]])
    # the broker at (0.5, 0.4): U = 1 - 0.5 * 0.15 = 0.925 >= 0.9 approves; 1 - 0.5 * 0.25 = 0.875 blocks
    p = toy_params("broker_holds_a_veto", rows=2)
    state = rules.initial_state(p)
    state.misperception[:] = 5.0  # a veto holder judges without misperception
    assert rules.guarantors_consent(state, p, packages).tolist() == [True, False]
    p = toy_params("broker_holds_a_veto", rows=2, veto=False)
    assert rules.guarantors_consent(rules.initial_state(p), p, packages).tolist() == [True, True]
    p = toy_params("broker_proposes", rows=2)  # the same broker without a veto
    assert rules.guarantors_consent(rules.initial_state(p), p, packages).tolist() == [True, True]


def test_ceasefire_agreed_when_every_party_prefers_the_discounted_status_quo() -> None:
    """7.15: F_i = U_i(q) - chi >= perceived BATNA for every party; no red lines, no say for others.
    q = (0.5, 0.0), chi = 0.1: east 1 - (0.75 * 0.3 + 0.25 * 0.2) - 0.1 = 0.625,
    west 1 - (0.5 * 0.3 + 0.5 * 0.6) - 0.1 = 0.45. q's split 0.5 is below east's red line 0.6."""
    p = toy_params(rows=3)
    state = rules.initial_state(p)
    perceived = np.array([[0.62, 0.44, 9.0], [0.63, 0.44, 0.0], [0.62, 0.46, 0.0]])
    assert rules.ceasefire_agreed(state, p, perceived).tolist() == [True, False, False]
    p = toy_params(rows=3, ceasefire=False)
    assert not rules.ceasefire_agreed(rules.initial_state(p), p, perceived).any()


def test_count_walkout_strikes_counts_months_far_below_the_batna_in_a_row() -> None:
    """7.16: a party's strikes grow when perceived BATNA - value > walkout_gap (0.25), reset to 0
    otherwise; talks break down at `patience` (3) strikes. Ended rows keep their count."""

    def count(**switches: bool) -> tuple[list[bool], np.ndarray]:
        p = toy_params(rows=2, **switches)
        state = rules.initial_state(p)
        state.strikes[:] = [[2, 2, 0], [2, 0, 0]]
        value = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]])
        perceived = np.array([[0.8, 0.75, 0.9], [0.8, 0.8, 0.9]])
        active = np.array([True, False])
        broke = rules.count_walkout_strikes(state, p, value, perceived, active)
        return broke.tolist(), state.strikes

    broke, strikes = count()
    # row 0: east's gap 0.3 > 0.25: third strike, talks break; west's gap is exactly 0.25: reset;
    # the broker (gap 0.9) is no party. Row 1 has ended: unchanged, 2 strikes < 3.
    assert broke == [True, False]
    np.testing.assert_array_equal(strikes, [[3, 0, 0], [2, 0, 0]])
    broke, strikes = count(walkout=False)
    assert broke == [False, False]
    np.testing.assert_array_equal(strikes, [[3, 0, 0], [2, 0, 0]])


def test_decided_by_unanimity_needs_every_party_and_ignores_the_rest() -> None:
    """docs/model.md 7.18: the toy's voters are its parties, east and west; the broker's verdict
    does not count. (Majority rules: tests/test_general_bargaining.py.)"""
    p = toy_params()
    np.testing.assert_array_equal(p.is_voter, [True, True, False])
    verdicts = np.array([[True, True, False], [True, False, True], [False, False, True]])
    np.testing.assert_array_equal(
        rules.decided(verdicts, p.revised(is_voter=p.is_voter)), [True, False, False]
    )
