"""One unit test per rule in sim/model/rules.py, on the toy scenario (tests/scenarios/toy.yaml).

Each test checks the property docs/model.md (section 7) and the rule's docstring promise, on
numbers small enough to work out by hand: every expected value is computed in the test from
the toy's stated numbers, with the arithmetic in a comment, never copied from a run. A rule
acts on one replication; the tests call it on the toy's one row through `Row`
(tests/rules_harness.py), which puts a case into the row and reads back what the rule wrote.

The toy: actors east, west (parties) and broker (mediator), in that order; issues split and
timing. Saliences east 0.6/0.2 (weights 0.75/0.25), west 0.5/0.5, broker 0.5/0.5.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sim.model import rules
from sim.model.arrays import ONGOING, Inputs, State, initial_state, inputs
from sim.model.params import Params, build_params
from sim.scenario.loader import LoadedScenario, load_scenario
from tests.conftest import negsim_main
from tests.rules_harness import Row

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


def toy_row(path: str = "broker_proposes", **switches: bool) -> Row:
    """The toy's one replication at the start of a run, ready for row-level calls of the rules."""
    return Row(toy_params(path, **switches))


def one_row(*values: float) -> np.ndarray:
    """One replication's values for Params: shape (1, len(values))."""
    return np.array([values], dtype=float)


def test_the_toy_scenario_is_valid() -> None:
    """The toy must stay a scenario a user could run: `negsim validate` accepts it."""
    code, stdout, stderr = negsim_main("validate", str(TOY))
    assert code == 0, stderr
    assert "6 path(s), 3 actors" in stdout


def test_initial_state_starts_at_the_stated_values() -> None:
    """docs/model.md 5.3: positions x(0), BATNAs as stated (0 without one), no cost, no strikes,
    no misperception, ongoing; the positions are a copy, so the influence anchor cannot drift."""
    params = toy_params()
    p = inputs(params)
    state = initial_state(p)
    np.testing.assert_array_equal(state.position, [[[0.8, 0.2], [0.2, 0.6], [0.5, 0.4]]])
    np.testing.assert_array_equal(state.batna, one_row(0.6, 0.45, 0.0))  # the broker states no batna
    np.testing.assert_array_equal(state.accumulated_cost, one_row(0, 0, 0))
    np.testing.assert_array_equal(state.misperception, one_row(0, 0, 0))
    np.testing.assert_array_equal(state.strikes, one_row(0, 0, 0))
    assert state.outcome.tolist() == [ONGOING] and state.end_round.tolist() == [0]
    assert np.isnan(state.terms).all() and state.terms.shape == (1, 2)
    assert not state.in_ceasefire.any() and not state.partial.any() and np.isnan(state.partial_terms).all()
    state.position[:] += 0.1
    state.batna[:] -= 0.1
    assert p.ideal[0, EAST, SPLIT] == 0.8 and p.batna[0, EAST] == 0.6
    assert params.ideal[0, EAST, SPLIT] == 0.8 and params.batna[0, EAST] == 0.6


def test_utility_is_one_at_the_ideal_point_and_falls_with_salience_weighted_distance() -> None:
    """7.1: U_i(z) = 1 - sum_k w_ik |z_k - x_ik|, with w the salience normalised to sum 1."""
    p = inputs(toy_params())
    np.testing.assert_allclose(p.weight[0, EAST], [0.75, 0.25], **EXACT)  # 0.6/0.8, 0.2/0.8
    position, weight = p.ideal[0], p.weight[0]

    def utilities(*package: float) -> list[float]:
        return [rules.utility(position, weight, np.array(package), i) for i in (EAST, WEST, BROKER)]

    # z = (0.5, 0.5):
    #   east   1 - (0.75 * 0.3 + 0.25 * 0.3) = 0.7
    #   west   1 - (0.5 * 0.3 + 0.5 * 0.1)   = 0.8
    #   broker 1 - (0.5 * 0.0 + 0.5 * 0.1)   = 0.95
    np.testing.assert_allclose(utilities(0.5, 0.5), [0.7, 0.8, 0.95], **EXACT)
    # at east's own position east gets 1; west 1 - (0.5 * 0.6 + 0.5 * 0.4) = 0.5
    np.testing.assert_allclose(utilities(0.8, 0.2)[:2], [1.0, 0.5], **EXACT)


def test_accrue_costs_lowers_batnas_by_exactly_the_cost_and_shocks_only_the_parties() -> None:
    """7.2: C += kappa and b -= kappa each month; with shocks on, parties' BATNAs also move by
    shock_sd * epsilon (the broker, not a party, keeps its BATNA). Under a ceasefire that holds
    there is no fighting: neither costs nor shocks."""
    shocks = [1.0, -2.0, 5.0]
    row = toy_row("direct_talks", shocks=False)
    row.accrue_costs(shocks)
    row.accrue_costs(shocks)
    # two months: east 0.6 - 2 * 0.02 = 0.56, west 0.45 - 2 * 0.01 = 0.43; costs 0.04 and 0.02
    np.testing.assert_allclose(row.batna, [0.56, 0.43, 0.0], **EXACT)
    np.testing.assert_allclose(row.accumulated_cost, [0.04, 0.02, 0.0], **EXACT)

    row = toy_row("direct_talks")
    row.accrue_costs(shocks)
    # east 0.6 - 0.02 + 0.02 * 1.0 = 0.6; west 0.45 - 0.01 + 0.02 * (-2.0) = 0.4; broker stays 0
    np.testing.assert_allclose(row.batna, [0.6, 0.4, 0.0], **EXACT)

    row = toy_row("direct_talks", costs=False, shocks=False)
    row.accrue_costs(shocks)
    np.testing.assert_array_equal(row.batna, row.p.batna[0])
    np.testing.assert_array_equal(row.accumulated_cost, [0, 0, 0])

    row = toy_row("direct_talks")
    row.s.in_ceasefire[0] = True
    row.accrue_costs(shocks)
    np.testing.assert_array_equal(row.batna, [0.6, 0.45, 0.0])
    np.testing.assert_array_equal(row.accumulated_cost, [0, 0, 0])


def test_current_red_lines_soften_with_felt_cost_and_pressure() -> None:
    """7.3: theta(t) = theta - d * softening * (C + pi): an at_least line falls, an at_most rises."""
    row = toy_row()
    row.accumulated_cost[:] = [0.02, 0.01, 0.0]
    thresholds = row.current_red_lines()
    # east at_least 0.6, softening 2: 0.6 - 2 * 0.02 = 0.56; west at_most 0.7, softening 1: 0.7 + 0.01
    np.testing.assert_allclose(thresholds[[EAST, WEST], SPLIT], [0.56, 0.71], **EXACT)
    with_pressure = row.current_red_lines(applied=[0.1, 0.2, 0.0])
    # east 0.6 - 2 * (0.02 + 0.1) = 0.36; west 0.7 + 1 * (0.01 + 0.2) = 0.91
    np.testing.assert_allclose(with_pressure[[EAST, WEST], SPLIT], [0.36, 0.91], **EXACT)
    fixed = toy_row(red_line_softening=False)
    fixed.accumulated_cost[:] = [0.02, 0.01, 0.0]
    unsoftened = fixed.current_red_lines(applied=[0.1, 0.2, 0.0])
    np.testing.assert_array_equal(unsoftened[[EAST, WEST], SPLIT], [0.6, 0.7])


def test_exert_influence_follows_friedkin_johnsen_anchored_by_stubbornness() -> None:
    """7.4: x += rho (1 - salience) (s x(0) + (1 - s) sum_j W_ij x_j - x), W_ij ~ clout_j affinity_ij;
    a fully stubborn actor stays put, and a mediator also speaks to the parties through trust."""
    row = toy_row("direct_talks")
    row.exert_influence()
    # east listens with clout x affinity: self 0.6 * 1, west 0.4 * 0.25, broker 0.5 * 0.2
    #   = 0.6 : 0.1 : 0.1, normalised W = 0.75, 0.125, 0.125
    #   social split  0.75 * 0.8 + 0.125 * 0.2 + 0.125 * 0.5 = 0.6875
    #   social timing 0.75 * 0.2 + 0.125 * 0.6 + 0.125 * 0.4 = 0.275
    #   target (s = 0.5): split 0.5 * 0.8 + 0.5 * 0.6875 = 0.74375, timing 0.5 * 0.2 + 0.5 * 0.275 = 0.2375
    #   step rho (1 - salience): split 0.5 * 0.4 = 0.2, timing 0.5 * 0.8 = 0.4
    #   split 0.8 + 0.2 * (0.74375 - 0.8) = 0.78875, timing 0.2 + 0.4 * (0.2375 - 0.2) = 0.215
    np.testing.assert_allclose(row.position[EAST], [0.78875, 0.215], **EXACT)
    # west is fully stubborn (s = 1): its target is its own initial position, where it already is
    np.testing.assert_array_equal(row.position[WEST], [0.2, 0.6])
    # the broker (s = 0) listens 0.6 * 0.5 : 0.4 * 0.5 : 0.5 * 1 = 0.3 : 0.2 : 0.5 (sums to 1)
    #   social split 0.3 * 0.8 + 0.2 * 0.2 + 0.5 * 0.5 = 0.53, timing 0.3 * 0.2 + 0.2 * 0.6 + 0.5 * 0.4 = 0.38
    #   step 0.5 * (1 - 0.5) = 0.25: split 0.5 + 0.25 * 0.03 = 0.5075, timing 0.4 - 0.25 * 0.02 = 0.395
    np.testing.assert_allclose(row.position[BROKER], [0.5075, 0.395], **EXACT)

    # moved off its anchor to (0.4, 0.5), fully stubborn west heads back to (0.2, 0.6), step 0.25:
    #   split 0.4 + 0.25 * (0.2 - 0.4) = 0.35, timing 0.5 + 0.25 * (0.6 - 0.5) = 0.525
    row = toy_row("direct_talks")
    row.position[WEST] = [0.4, 0.5]
    row.exert_influence()
    np.testing.assert_allclose(row.position[WEST], [0.35, 0.525], **EXACT)

    # the same west with stubbornness 0 does move: it listens 0.6 * 0.5 : 0.4 : 0.5 * 0.4 = 3/9 : 4/9 : 2/9
    #   social split 0.8 * 3/9 + 0.2 * 4/9 + 0.5 * 2/9 = 4.2/9 = 7/15, timing (0.6 + 2.4 + 0.8)/9 = 19/45
    #   step 0.25: split 0.2 + 0.25 * (7/15 - 3/15) = 0.2 + 1/15,
    #   timing 0.6 + 0.25 * (19/45 - 27/45) = 0.6 - 2/45
    yielding = Row(toy_params("direct_talks").revised(stubbornness=one_row(0.5, 0.0, 0.0)))
    yielding.exert_influence()
    np.testing.assert_allclose(yielding.position[WEST], [0.2 + 1 / 15, 0.6 - 2 / 45], **EXACT)

    # with the broker mediating, east hears it through trust: max(0.5 * 0.2, 0.5 * 0.6) = 0.3,
    #   so east listens 0.6 : 0.1 : 0.3 (sums to 1); social split 0.48 + 0.02 + 0.15 = 0.65,
    #   timing 0.12 + 0.06 + 0.12 = 0.3; target split 0.4 + 0.325 = 0.725, timing 0.1 + 0.15 = 0.25
    #   split 0.8 + 0.2 * (0.725 - 0.8) = 0.785, timing 0.2 + 0.4 * (0.25 - 0.2) = 0.22
    row = toy_row("broker_proposes")
    row.exert_influence()
    np.testing.assert_allclose(row.position[EAST], [0.785, 0.22], **EXACT)

    row = toy_row("broker_proposes", influence=False)
    row.exert_influence()
    np.testing.assert_array_equal(row.position, row.p.ideal[0])


def test_weighted_compromise_is_the_clout_times_salience_weighted_mean() -> None:
    """7.5: z_k = sum c_i sigma_ik x_ik / sum c_i sigma_ik over the members, raw salience; the
    members are the voters present (the parties) and, unless `voters_only`, the veto holders."""
    row = toy_row("broker_proposes")
    # the parties:
    # split: (0.6 * 0.6 * 0.8 + 0.4 * 0.5 * 0.2) / (0.6 * 0.6 + 0.4 * 0.5) = 0.328 / 0.56 = 0.5857...
    # timing: (0.6 * 0.2 * 0.2 + 0.4 * 0.5 * 0.6) / (0.6 * 0.2 + 0.4 * 0.5) = 0.144 / 0.32 = 0.45
    parties = [0.328 / 0.56, 0.45]
    for voters_only in (True, False):  # the broker, no veto holder here, is never a member
        np.testing.assert_allclose(row.weighted_compromise(voters_only), parties, **EXACT)
    # the broker holding a veto is a member, unless voters only; it adds 0.5 * 0.5 on each issue:
    # split (0.328 + 0.25 * 0.5) / (0.56 + 0.25) = 0.453 / 0.81, timing (0.144 + 0.25 * 0.4) / 0.57
    row = toy_row("broker_holds_a_veto")
    np.testing.assert_allclose(row.weighted_compromise(False), [0.453 / 0.81, 0.244 / 0.57], **EXACT)
    np.testing.assert_allclose(row.weighted_compromise(True), parties, **EXACT)


def nash_product(row: Row, package: np.ndarray, members: list[int]) -> float:
    gains = row.utilities(package)[members] - row.batna[members]
    return float(np.prod(gains))


def test_nash_point_maximises_the_product_of_the_parties_gains() -> None:
    """7.6: the package maximising the clout-weighted product of the parties' gains over their
    BATNAs, exactly.

    Toy: east cares most about split, west about timing, so the maximum is (0.8, 0.6): there east
    gains 1 - 0.25 * 0.4 - 0.6 = 0.3 and west 1 - 0.5 * 0.6 - 0.45 = 0.25; moving split towards
    west by d changes the product by d (-0.75 * 0.25 + 0.5 * 0.3) < 0, and timing towards east by
    d (0.25 * 0.25 - 0.5 * 0.3) < 0; with clouts 0.6 and 0.4 as weights the slopes are
    d (-0.6 * 0.75 / 0.3 + 0.4 * 0.5 / 0.25) < 0 and d (0.6 * 0.25 / 0.3 - 0.4 * 0.5 / 0.25) < 0."""
    row = toy_row("broker_nash")  # the members: the voters present, east and west
    start = np.array([0.328 / 0.56, 0.45])  # the parties' weighted compromise (test above)
    target = np.array([0.8, 0.6])
    package = row.nash_point()
    np.testing.assert_allclose(package, target, **EXACT)
    best = nash_product(row, target, [EAST, WEST])
    assert best == pytest.approx(0.3 * 0.25)
    assert nash_product(row, package, [EAST, WEST]) == pytest.approx(best, abs=1e-3)
    for other in ([0.5, 0.5], [0.7, 0.6], [0.8, 0.5], start):
        assert nash_product(row, package, [EAST, WEST]) > nash_product(row, np.array(other), [EAST, WEST])

    # Gains, not only saliences, weigh: three parties at 0.2, 0.5 and 0.8 on both issues with equal
    # saliences and clouts (compromise 0.5), BATNAs 0.3, 0.5 and 0.95. The last has almost nothing
    # to gain and pulls the point to its own position: only for z in (0.75, 0.8] does it gain
    # (z - 0.75), the others gain 0.9 - z and 1 - z, and at 0.8 the product's slope from below is
    # -1/0.1 - 1/0.2 + 1/0.05 = 5 > 0, so 0.8 is the maximum (salience alone: 0.5).
    salience = np.full((1, 3, 2), 0.5)
    three = toy_params("broker_nash").revised(
        ideal=np.array([[[0.2, 0.2], [0.5, 0.5], [0.8, 0.8]]]),
        salience=salience,
        weight=salience / 1.0,
        clout=one_row(0.5, 0.5, 0.5),
        batna=one_row(0.3, 0.5, 0.95),
        is_party=np.array([True, True, True]),
        is_voter=np.array([True, True, True]),
    )
    np.testing.assert_allclose(Row(three).nash_point(), [0.8, 0.8], **EXACT)


def two_mirrored_parties(batna_east: float, batna_west: float) -> Row:
    """East at 0.2, west at 0.8 on both issues, equal saliences and clouts: mirror images."""
    p = toy_params("broker_nash")
    salience = np.full((1, 3, 2), 0.5)
    return Row(
        p.revised(
            ideal=np.array([[[0.2, 0.2], [0.8, 0.8], [0.5, 0.5]]]),
            salience=salience,
            weight=salience / 1.0,
            clout=one_row(0.5, 0.5, 0.5),
            batna=one_row(batna_east, batna_west, 0.0),
        )
    )


def test_nash_point_of_two_symmetric_parties_is_the_midpoint() -> None:
    """7.6: with U = 1 - |z - x| and equal BATNAs 0.5, the product (0.7 - z)(z - 0.3) on each
    issue is largest at z = 0.5, halfway between the mirror-image parties."""
    package = two_mirrored_parties(0.5, 0.5).nash_point()
    np.testing.assert_allclose(package, [0.5, 0.5], rtol=0, atol=0.02)


def test_a_higher_batna_pulls_the_nash_point_towards_that_party() -> None:
    """7.6: the party with less to gain pulls harder. With BATNAs 0.5 (east, at 0.2) and 0.6 (west,
    at 0.8) the gains are 0.7 - z and z - 0.4, whose product is largest at z = 0.55."""
    row = two_mirrored_parties(0.5, 0.6)
    package = row.nash_point()
    assert nash_product(row, package, [EAST, WEST]) == pytest.approx(0.15 * 0.15, rel=0.05)
    np.testing.assert_allclose(package.mean(), 0.55, rtol=0, atol=0.02)


def test_propose_tilts_a_mediators_compromise_or_lets_the_parties_take_turns() -> None:
    """7.7: a formulating mediator tables the compromise tilted by its bias, z + beta (x_M - z);
    without one, party t mod P tables x_p + gamma (compromise - x_p), east first (listed first)."""
    compromise = np.array([0.328 / 0.56, 0.45])  # the parties' weighted compromise, computed above
    row = toy_row("broker_proposes")  # bias 0.5 towards the broker's (0.5, 0.4)
    tilted = compromise + 0.5 * (np.array([0.5, 0.4]) - compromise)  # (0.5429, 0.425)
    np.testing.assert_allclose(row.propose(0), tilted, **EXACT)
    row = toy_row("broker_proposes", mediator_bias=False)
    np.testing.assert_allclose(row.propose(0), compromise, **EXACT)
    row = toy_row("broker_nash")
    np.testing.assert_array_equal(row.propose(0), row.nash_point())

    east = np.array([0.8, 0.2]) + 0.5 * (compromise - np.array([0.8, 0.2]))  # (0.6929, 0.325)
    west = np.array([0.2, 0.6]) + 0.5 * (compromise - np.array([0.2, 0.6]))  # (0.3929, 0.525)
    for path in ("direct_talks", "broker_facilitates"):  # a facilitator makes no proposal
        row = toy_row(path)
        for t, proposer in ((0, east), (1, west), (2, east)):
            np.testing.assert_allclose(row.propose(t), proposer, **EXACT)


def test_proposer_trust_is_trust_in_the_mediators_or_the_proposing_party() -> None:
    """7.8: the mean trust in the mediators, or trust in the party whose turn it is; 1 in oneself,
    0.5 where the scenario states none (the broker states no trust)."""
    np.testing.assert_array_equal(toy_row("broker_proposes").proposer_trust(0), [0.6, 0.7, 1.0])
    row = toy_row("direct_talks")
    np.testing.assert_array_equal(row.proposer_trust(0), [1.0, 0.3, 0.5])  # east proposes
    np.testing.assert_array_equal(row.proposer_trust(1), [0.2, 1.0, 0.5])  # west proposes
    two = Row(toy_params("broker_proposes").revised(mediators=np.array([True, False, True])))
    # mean of trust in east and in the broker: east (1 + 0.6)/2, west (0.3 + 0.7)/2, broker (0.5 + 1)/2
    np.testing.assert_allclose(two.proposer_trust(0), [0.8, 0.5, 0.75], **EXACT)


def test_pressure_sums_the_pressing_actors_leverage_capped_at_one() -> None:
    """7.9: pi_j = min(1, sum over pressing m of leverage_mj); a manipulative mediator presses."""
    p = toy_params("broker_presses")  # the broker's leverage: east 0.2, west 0.3
    np.testing.assert_allclose(Row(p).pressure(), [0.2, 0.3, 0.0], **EXACT)
    both = p.revised(pressing=np.array([True, False, True]))  # east also presses west with 0.1
    np.testing.assert_allclose(Row(both).pressure(), [0.2, 0.3 + 0.1, 0.0], **EXACT)
    leverage = both.leverage.copy()
    leverage[0, EAST, WEST] = 0.9  # 0.3 + 0.9 = 1.2, capped at 1
    np.testing.assert_allclose(Row(both.revised(leverage=leverage)).pressure(), [0.2, 1.0, 0.0], **EXACT)
    np.testing.assert_array_equal(toy_row("broker_proposes").pressure(), [0, 0, 0])
    np.testing.assert_array_equal(toy_row("broker_presses", leverage=False).pressure(), [0, 0, 0])


@njit(cache=True)
def misperception_of_every_row(s: State, p: Inputs, noise: np.ndarray, t: int) -> None:
    """update_misperception on each row in turn, row r reading noise[r]."""
    for r in range(noise.shape[0]):
        rules.update_misperception(s, p, r, noise[r], t)


def test_update_misperception_is_an_ar1_with_the_stated_persistence_and_variance_one() -> None:
    """7.10: e(0) = eta; e(t) = phi e(t-1) + sqrt(1 - phi^2) eta, here phi = 0.6 (sqrt(1 - 0.36) = 0.8)."""
    row = toy_row()
    row.update_misperception([1.0, -0.5, 2.0], t=0)
    np.testing.assert_array_equal(row.misperception, [1.0, -0.5, 2.0])
    row.update_misperception([0.5, 1.0, 0.0], t=1)
    # 0.6 * 1.0 + 0.8 * 0.5 = 1.0; 0.6 * -0.5 + 0.8 * 1.0 = 0.5; 0.6 * 2.0 + 0.8 * 0 = 1.2
    np.testing.assert_allclose(row.misperception, [1.0, 0.5, 1.2], **EXACT)

    # over 20,000 replications x 3 actors the process has variance 1 and lag-k correlation 0.6^k;
    # standard errors are about 0.006 (variance) and 0.003 (correlation), the tolerances 0.03
    rows = 20_000
    p = inputs(toy_params(rows=rows))
    state = initial_state(p)
    draws = np.random.default_rng(12).standard_normal((30, rows, 3))
    history = []
    for t, noise in enumerate(draws):
        misperception_of_every_row(state, p, noise, t)
        history.append(state.misperception.ravel().copy())
    last = history[-1]
    assert last.var() == pytest.approx(1.0, abs=0.03)
    for lag in (1, 3):
        assert np.corrcoef(last, history[-1 - lag])[0, 1] == pytest.approx(0.6**lag, abs=0.03)


def test_perceive_batna_adds_scaled_misperception_and_subtracts_pressure() -> None:
    """7.11: b~ = b + sigma_p f e - pi, with f = 1 - facilitation for those present under a
    facilitator, else 1; without perception noise b~ = b - pi. The same without the pressure is
    kept beside it (the BATNA a spontaneous freeze is judged against, 7.15)."""
    misperception, applied = [1.0, -2.0, 0.5], np.array([0.2, 0.3, 0.0])

    def perceived(p: Params) -> np.ndarray:
        row = Row(p)  # BATNAs 0.6, 0.45, 0
        row.misperception[:] = misperception
        believed = row.perceive_batna(applied)
        np.testing.assert_allclose(row.w.unpressed, believed + applied, **EXACT)
        return believed

    # sigma_p = 0.1: east 0.6 + 0.1 - 0.2 = 0.5; west 0.45 - 0.2 - 0.3 = -0.05; broker 0.05
    np.testing.assert_allclose(perceived(toy_params("broker_proposes")), [0.5, -0.05, 0.05], **EXACT)
    # facilitated, f = 0.5: east 0.6 + 0.05 - 0.2 = 0.45; west 0.45 - 0.1 - 0.3 = 0.05; broker 0.025
    facilitated = toy_params("broker_facilitates")
    np.testing.assert_allclose(perceived(facilitated), [0.45, 0.05, 0.025], **EXACT)
    # an absent west gets no facilitation: 0.45 - 0.2 - 0.3 = -0.05
    west_absent = facilitated.revised(absent=np.array([False, True, False]))
    np.testing.assert_allclose(perceived(west_absent), [0.45, -0.05, 0.025], **EXACT)
    # no perception noise: 0.6 - 0.2, 0.45 - 0.3, 0
    np.testing.assert_allclose(
        perceived(toy_params("broker_facilitates", perception_noise=False)), [0.4, 0.15, 0.0], **EXACT
    )


def test_respects_red_lines_allows_a_package_at_the_threshold_and_blocks_one_step_past() -> None:
    """7.12: d (z - theta) >= 0 on every red-lined issue; east: split at least 0.6, west: at most
    0.7; the broker has none. Timing carries no red line, so any value passes there."""
    row = toy_row()
    thresholds = row.current_red_lines()  # no cost yet: 0.6 and 0.7
    packages = [[0.6, 0.9], [0.59, 0.9], [0.7, 0.0], [0.71, 0.0]]
    respects = np.array([row.respects_red_lines(package, thresholds) for package in packages])
    assert respects[:, EAST].tolist() == [True, False, True, True]
    assert respects[:, WEST].tolist() == [True, True, True, False]
    assert respects[:, BROKER].all()
    unbound = toy_row(red_lines=False)
    assert all(all(unbound.respects_red_lines(package, thresholds)) for package in packages)


def test_judge_package_accepts_when_the_discounted_value_beats_the_perceived_batna() -> None:
    """7.13: v = U(z) - delta (1 - trust in the author); accept iff v >= perceived BATNA and the
    package meets the red lines, softened by pressure as by cost."""
    row = toy_row("broker_proposes")
    trust = row.proposer_trust(0)  # 0.6, 0.7, 1 in the broker
    no_pressure = [0, 0, 0]
    package = [0.65, 0.4]
    # east   U = 1 - (0.75 * 0.15 + 0.25 * 0.2) = 0.8375, minus 0.2 * (1 - 0.6) = 0.08: 0.7575
    # west   U = 1 - (0.5 * 0.45 + 0.5 * 0.2) = 0.675,    minus 0.2 * (1 - 0.7) = 0.06: 0.615
    # broker U = 1 - (0.5 * 0.15 + 0.5 * 0.0) = 0.925,    minus 0
    accepts, value = row.judge_package(package, [0.7, 0.7, 0.0], no_pressure, trust)
    np.testing.assert_allclose(value, [0.7575, 0.615, 0.925], **EXACT)
    assert accepts == [True, False, True]
    accepts, _ = row.judge_package(package, value, no_pressure, trust)
    assert all(accepts), "a package worth exactly the perceived BATNA is accepted"
    accepts, _ = row.judge_package(package, value + 1e-9, no_pressure, trust)
    assert not any(accepts)

    below_east_line = [0.55, 0.4]  # east's red line: split at least 0.6
    accepts, _ = row.judge_package(below_east_line, [0, 0, 0], no_pressure, trust)
    assert accepts == [False, True, True]
    # pressure 0.1 on east softens its line to 0.6 - 2 * 0.1 = 0.4, so 0.55 now passes
    accepts, _ = row.judge_package(below_east_line, [0, 0, 0], [0.1, 0, 0], trust)
    assert accepts == [True, True, True]


def test_guarantors_consent_blocks_below_the_veto_holders_reservation_value() -> None:
    """7.14: every veto holder approves iff U_g(z) >= its reservation value (and its red lines);
    the broker holds a veto with reservation value 0.9 on that path."""
    packages = [[0.65, 0.4], [0.75, 0.4]]
    # the broker at (0.5, 0.4): U = 1 - 0.5 * 0.15 = 0.925 >= 0.9 approves; 1 - 0.5 * 0.25 = 0.875 blocks
    row = toy_row("broker_holds_a_veto")
    row.misperception[:] = 5.0  # a veto holder judges without misperception
    assert [row.guarantors_consent(package) for package in packages] == [True, False]
    row = toy_row("broker_holds_a_veto", veto=False)
    assert [row.guarantors_consent(package) for package in packages] == [True, True]
    row = toy_row("broker_proposes")  # the same broker without a veto
    assert [row.guarantors_consent(package) for package in packages] == [True, True]


def test_ceasefire_agreed_when_every_party_prefers_the_discounted_status_quo() -> None:
    """7.15: F_i = U_i(q) - chi >= perceived BATNA for every party; no red lines, no say for others.
    q = (0.5, 0.0), chi = 0.1: east 1 - (0.75 * 0.3 + 0.25 * 0.2) - 0.1 = 0.625,
    west 1 - (0.5 * 0.3 + 0.5 * 0.6) - 0.1 = 0.45. q's split 0.5 is below east's red line 0.6."""
    perceived = [[0.62, 0.44, 9.0], [0.63, 0.44, 0.0], [0.62, 0.46, 0.0]]
    row = toy_row()
    assert [row.ceasefire_agreed(believed) for believed in perceived] == [True, False, False]
    row = toy_row(ceasefire=False)
    assert not any(row.ceasefire_agreed(believed) for believed in perceived)


def test_count_walkout_strikes_counts_months_far_below_the_batna_in_a_row() -> None:
    """7.16: a party's strikes grow when perceived BATNA - value > walkout_gap (0.25), reset to 0
    otherwise; talks break down at `patience` (3) strikes. With `walkout` off the strikes are
    counted all the same, but never end the talks."""

    def count(**switches: bool) -> tuple[bool, np.ndarray]:
        row = toy_row(**switches)
        row.strikes[:] = [2, 2, 0]
        broke = row.count_walkout_strikes(value=[0.5, 0.5, 0.0], perceived=[0.8, 0.75, 0.9])
        return broke, row.strikes.copy()

    broke, strikes = count()
    # east's gap 0.3 > 0.25: third strike, talks break; west's gap is exactly 0.25: reset;
    # the broker (gap 0.9) is no party
    assert broke
    np.testing.assert_array_equal(strikes, [3, 0, 0])
    broke, strikes = count(walkout=False)
    assert not broke
    np.testing.assert_array_equal(strikes, [3, 0, 0])

    # one strike short of patience: counted, no breakdown yet
    row = toy_row()
    row.strikes[:] = [1, 0, 0]
    assert not row.count_walkout_strikes(value=[0.5, 0.5, 0.0], perceived=[0.8, 0.75, 0.9])
    np.testing.assert_array_equal(row.strikes, [2, 0, 0])


def test_decided_by_unanimity_needs_every_party_and_ignores_the_rest() -> None:
    """docs/model.md 7.18: the toy's voters are its parties, east and west; the broker's verdict
    does not count. (Majority rules: tests/test_general_bargaining.py.)"""
    p = toy_params()
    np.testing.assert_array_equal(p.is_voter, [True, True, False])
    row = Row(p)
    verdicts = [[True, True, False], [True, False, True], [False, False, True]]
    assert [row.decided(accepts) for accepts in verdicts] == [True, False, False]


def test_breakdown_hazard_is_the_base_hazard_raised_by_the_commitment_problem_and_cut_by_guarantees() -> None:
    """7.19: h = min(1, (h0 + s chi) (1 - G) (1 - M)); the toy leaves h0 = 0.02 and s = 0.25 at
    their defaults, chi = 0.1 and no guarantees or monitoring: h = 0.02 + 0.025 = 0.045."""
    p = toy_params()
    assert Row(p).breakdown_hazard() == pytest.approx(0.045, abs=1e-12)
    # guarantees 0.5 and monitoring 0.2: 0.045 * 0.5 * 0.8 = 0.018
    held = p.revised(guarantees=np.full(1, 0.5), monitoring=np.full(1, 0.2))
    assert Row(held).breakdown_hazard() == pytest.approx(0.018, abs=1e-12)
    # a commitment problem of 5 would make it 0.02 + 1.25 > 1: at most 1
    assert Row(p.revised(commitment_problem=np.full(1, 5.0))).breakdown_hazard() == 1.0
