"""The `explore:` section: what it accepts, how it fails, and that its values reach the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.errors import NegsimError
from sim.model.params import build_params
from sim.scenario.explore import Range
from sim.scenario.loader import LoadedScenario, load_scenario
from tests.conftest import FLAGSHIP


def problems_of(path: Path) -> list[str]:
    with pytest.raises(NegsimError) as caught:
        load_scenario(path)
    return [p.render() for p in caught.value.problems]


def bad_explore(write_scenario, entry: str) -> list[str]:
    """The flagship's explore: section plus one extra entry (its line is line 3)."""
    return problems_of(write_scenario(f"extends: {FLAGSHIP}\nexplore:\n  {entry}\n"))


def test_the_flagship_declares_its_uncertainties(flagship: LoadedScenario) -> None:
    space = flagship.explore
    assert space is not None and len(space.names) == 13
    bias = next(u for u in space.uncertainties if u.name == "variants.china_mediates.mediation.bias")
    assert bias.target == "mediation.bias" and bias.variant == "china_mediates"
    assert bias.applies_to("china_mediates", flagship.variants["china_mediates"])
    assert not bias.applies_to("no_mediation", flagship.variants["no_mediation"])


def test_a_misspelt_parameter_path_names_line_column_and_suggests(write_scenario) -> None:
    [message] = bad_explore(write_scenario, "actors.russia.cost_of_wra: [0.001, 0.01]")
    assert (
        ":3:3: explore.actors.russia.cost_of_wra: `actors.russia.cost_of_wra` is not a model parameter"
        in message
    )
    assert "did you mean `actors.russia.cost_of_war`?" in message


def test_an_unknown_mediation_path_is_named(write_scenario) -> None:
    [message] = bad_explore(write_scenario, "variants.china_mediate.mediation.bias: [0, 0.4]")
    assert "no mediation path `china_mediate`" in message and "did you mean `china_mediates`?" in message


def test_a_parameter_missing_from_that_path_is_refused(write_scenario) -> None:
    # no_mediation has no mediator, but every path carries mediation.bias; a trust the
    # scenario never states is not a number in it
    [message] = bad_explore(write_scenario, "actors.brazil.trust.switzerland: [0, 1]")
    assert "`actors.brazil.trust.switzerland` is not a number in this scenario" in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("actors.russia.clout: [0.2, 1.5]", "the range must lie in [0, 1]"),
        ("actors.russia.clout: [0.6, 0.2]", "low must be below high"),
        ("actors.russia.clout: {low: 0.1, high: 0.9, dist: triangular}", "a triangular range needs mode"),
        ("actors.russia.clout: {low: 0.1, high: 0.9, mean: 0.5}", "`mean` is not used by a uniform range"),
        ("actors.russia.clout: {low: 0.1, high: 0.9, dist: normal, mean: 0.5, sd: 0}", "sd must be > 0"),
        ("actors.russia.clout: 0.5", "expected a range: [low, high]"),
        ("actors.russia.clout: {low: 0.1, hihg: 0.9}", "unknown key\n    hint: did you mean `high`?"),
    ],
)
def test_bad_ranges_say_what_was_expected(write_scenario, entry: str, expected: str) -> None:
    [message] = bad_explore(write_scenario, entry)
    assert expected in message
    assert ":3:" in message  # located at the entry (or inside it)


def test_ranges_map_the_unit_interval_by_their_inverse_cdf() -> None:
    unit = np.linspace(0.001, 0.999, 999)
    uniform = Range(low=0.2, high=0.6).distribution().ppf(unit)
    assert np.allclose(uniform, 0.2 + 0.4 * unit)
    triangular = Range(low=0.0, high=1.0, dist="triangular", mode=0.8).distribution().ppf(unit)
    assert (
        np.all(np.diff(triangular) > 0) and abs(np.median(triangular) - 0.632) < 0.01
    )  # 1 - sqrt(0.2*0.5...)
    normal = Range(low=0.3, high=0.5, dist="normal", mean=0.45, sd=0.2).distribution().ppf(unit)
    assert normal.min() >= 0.3 and normal.max() <= 0.5  # truncated to the range


def test_explored_values_replace_the_scenarios_own_estimate(flagship: LoadedScenario) -> None:
    scenario = flagship.variants["china_presses_russia"]
    values = np.array([0.001, 0.01, 0.02])
    params = build_params(scenario, 7, 10, 13, explored={"actors.russia.cost_of_war": values})
    russia = params.actors.index("russia")
    assert np.array_equal(params.cost[:, russia], values)
    # everything else is drawn exactly as without exploring
    plain = build_params(scenario, 7, 10, 13)
    ukraine = params.actors.index("ukraine")
    assert np.array_equal(params.cost[:, ukraine], plain.cost[:, ukraine])
