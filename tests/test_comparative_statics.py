"""Model behaviour as comparative statics: change one assumption, the agreement rate moves the
way theory says (or at least not the other way).

Every comparison is paired: both arms run the same replications with the same seed, so they
share their random draws (common random numbers) and only the changed assumption differs.
A paired difference can still go slightly the wrong way in a finite sample; the tolerance is
three standard errors of a McNemar-type paired difference, sqrt(discordant share / n), where
"discordant" counts replications whose agreement status differs between the two arms.
"""

from __future__ import annotations

import numpy as np

from sim.model.arrays import AGREEMENT
from sim.model.engine import run_batch
from sim.scenario.loader import LoadedScenario
from tests.conftest import SCENARIOS

RUNS = 1500
SEED = 2024


def agreed(loaded: LoadedScenario, path: str, runs: int = RUNS) -> np.ndarray:
    scenario = loaded.variants[path]
    return run_batch(scenario, SEED, 0, runs, scenario.run.rounds).state.outcome == AGREEMENT


def assert_not_lower(changed: np.ndarray, base: np.ndarray, what: str) -> None:
    discordant = np.mean(changed != base)
    tolerance = 3 * np.sqrt(discordant / len(base))
    assert changed.mean() >= base.mean() - tolerance, (
        f"{what}: agreement fell from {base.mean():.3f} to {changed.mean():.3f} (tolerance {tolerance:.3f})"
    )


def test_higher_costs_of_war_do_not_lower_agreement(flagship, extend) -> None:
    costly = extend("actors:\n  ukraine: {cost_of_war: 0.01}\n  russia: {cost_of_war: 0.012}\n")
    for path in flagship.variants:
        assert_not_lower(agreed(costly, path), agreed(flagship, path), f"double costs, {path}")


def test_costs_of_war_matter_somewhere(flagship, extend) -> None:
    """The statics above must not hold only because costs do nothing at all."""
    costly = extend("actors:\n  ukraine: {cost_of_war: 0.01}\n  russia: {cost_of_war: 0.012}\n")
    assert agreed(costly, "china_mediates").mean() > agreed(flagship, "china_mediates").mean()


def test_removing_ukraines_territorial_red_line_does_not_lower_agreement(flagship, extend) -> None:
    relaxed = extend(
        "actors:\n  ukraine:\n    red_lines:\n      territory:\n"
        "        direction: at_least\n        threshold: 0.0\n"
    )
    for path in flagship.variants:
        assert_not_lower(agreed(relaxed, path), agreed(flagship, path), f"no red line, {path}")
    assert agreed(relaxed, "us_china_joint").mean() > agreed(flagship, "us_china_joint").mean()


def test_a_distrusted_mediator_converges_no_more_often_than_a_trusted_one(flagship, extend) -> None:
    """Same proposal rule (China's formulative compromise); only Ukraine's trust in China differs."""
    trusted = extend("actors:\n  ukraine:\n    trust:\n      china: 0.9\n      brazil: 0.9\n")
    distrusted = extend(
        "actors:\n  ukraine:\n    trust:\n      china: 0.1\n      brazil: 0.1\n",
        name="distrusted.yaml",
    )
    assert_not_lower(
        agreed(trusted, "china_mediates"),
        agreed(distrusted, "china_mediates"),
        "trust in the mediator",
    )


def test_a_guarantor_veto_does_not_raise_agreement(extend) -> None:
    """2023: the US holds a veto ('when President Zelenskyy is ready') with a territorial red line."""
    base = SCENARIOS / "2023-04-mediation-paths.yaml"
    with_veto = extend("", base=base)
    without = extend("mechanisms: {veto: false}\n", base=base, name="noveto.yaml")
    for path in with_veto.variants:
        assert_not_lower(agreed(without, path), agreed(with_veto, path), f"veto, {path}")


def test_without_noise_shocks_or_parameter_uncertainty_runs_are_deterministic(extend) -> None:
    # the breakdowns of ceasefires and partial deals are random draws too: off with the noise
    fixed = extend(
        "mechanisms: {perception_noise: false, shocks: false, parameter_uncertainty: false,\n"
        "             fragile_ceasefire: false, partial_deals: false}\n"
    )
    scenario = fixed.variants["us_china_joint"]
    runs = [run_batch(scenario, seed, 0, 25, 60).state for seed in (1, 2)]
    for state in runs:
        for field in ("outcome", "end_round", "position", "batna"):
            values = getattr(state, field)
            assert (values == values[:1]).all(), f"replications differ in {field}"
    for field in ("outcome", "end_round", "terms", "position"):
        np.testing.assert_array_equal(getattr(runs[0], field), getattr(runs[1], field))


def test_noise_makes_replications_differ(flagship) -> None:
    """The counterpart: with noise on, replications do not all end alike."""
    scenario = flagship.variants["us_china_joint"]
    state = run_batch(scenario, 1, 0, 50, 60).state
    assert len(set(state.end_round.tolist())) > 5


def test_switching_influence_off_freezes_positions(extend) -> None:
    still = extend("mechanisms: {influence: false}\n")
    result = run_batch(still.variants["no_mediation"], 3, 0, 20, 12)
    np.testing.assert_array_equal(result.state.position, result.params.ideal)


def test_switching_costs_off_leaves_batnas_to_shocks_alone(extend) -> None:
    calm = extend("mechanisms: {costs: false, shocks: false}\n")
    result = run_batch(calm.variants["no_mediation"], 3, 0, 20, 12)
    np.testing.assert_array_equal(result.state.batna, result.params.batna)
