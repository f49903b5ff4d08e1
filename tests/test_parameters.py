"""The parameter registry (sim/scenario/parameters.py): each parameter declared once, and every
reader (schema, bounds, build_params, explore, the seminar) agreeing with that declaration."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest

from sim.errors import NegsimError
from sim.model import arrays, rules
from sim.model.params import Params, build_params
from sim.scenario.estimates import UNIT, Estimate
from sim.scenario.explore import Range
from sim.scenario.loader import load_scenario
from sim.scenario.parameters import (
    PARAMETERS,
    UnknownParameter,
    bounds_of,
    label_of,
    parameter_at,
    switches,
)
from sim.scenario.schema import Actor, Dynamics, Mechanisms, Mediation
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path
from sim.seminar.assumptions import Assumptions
from sim.seminar.levers import LEVERS, SWITCHES

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = [  # every runnable scenario file (a name starting with `_` is a fragment)
    file
    for folder in (ROOT / "scenarios", ROOT / "tests" / "scenarios")
    for file in sorted(folder.rglob("*.yaml"))
    if not file.name.startswith("_") and file.parent.name != "forecasts"  # questions, records: data
]
TOY = ROOT / "tests" / "scenarios" / "toy.yaml"


def test_each_parameter_is_declared_once() -> None:
    paths = [p.path for p in PARAMETERS]
    assert len(paths) == len(set(paths))
    numeric = [p.fills for p in PARAMETERS if p.numeric]
    assert len(numeric) == len(set(numeric)), "two parameters would fill the same Params array"


@pytest.mark.parametrize("file", SCENARIOS, ids=lambda f: f.name)
def test_every_number_of_every_shipped_scenario_is_a_registered_parameter(file: Path) -> None:
    """The schema is made from the registry, so no number can sit outside it: were one to,
    its bounds and its array in Params would be undefined."""
    for scenario in load_scenario(file).variants.values():
        for path, _ in iter_estimates(scenario):
            assert parameter_at(path).numeric, format_key_path(path)


def test_the_schema_sections_hold_exactly_the_registered_parameters() -> None:
    def names(*prefix: str) -> set[str]:
        return {p.name for p in PARAMETERS if p.path[: len(prefix)] == prefix}

    assert set(Dynamics.model_fields) == names("dynamics")
    assert set(Mechanisms.model_fields) == names("mechanisms")
    assert names("mediation") <= set(Mediation.model_fields)
    actor_parameters = {p.path[2] for p in PARAMETERS if p.path[0] == "actors"}
    assert actor_parameters == set(Actor.model_fields) - {"name", "role"}
    # a declared default is the schema's default: declared once, read in one place
    for parameter in PARAMETERS:
        if parameter.path[0] == "dynamics" and parameter.numeric and not parameter.added_later:
            default = Dynamics.model_fields[parameter.name].default_factory()
            assert default.value == parameter.default, parameter.name
        elif parameter.added_later:  # unset, a number is not drawn: build_params fills the default
            section = {
                "dynamics": Dynamics,
                "actors": Actor,
                "mediation": Mediation,
                "mechanisms": Mechanisms,
            }
            field = section[parameter.path[0]].model_fields[parameter.name]
            assert field.default == (parameter.default if parameter.kind == "flag" else None), parameter.name
    assert Dynamics().patience == parameter_at("dynamics.patience").default


def test_every_params_array_a_rule_reads_is_filled_by_a_parameter_or_is_a_field() -> None:
    """A rule reading `p.something` that nothing fills would fail only when that rule is compiled:
    each array a rule reads is one of the `Inputs` handed to compiled code, each of those is a
    field of Params or filled by a parameter, and each `path.something` is one of `Path`."""
    fields = {f.name for f in dataclasses.fields(Params)}
    filled = {p.fills for p in PARAMETERS if p.numeric}
    source = inspect.getsource(rules)
    read = set(re.findall(r"\bp\.([a-z_]+)\b", source))
    assert read <= set(arrays.Inputs._fields), read - set(arrays.Inputs._fields)
    assert set(arrays.Inputs._fields) <= fields | filled, set(arrays.Inputs._fields) - fields - filled
    on_the_path = set(re.findall(r"\bpath\.([a-z_]+)\b", source))
    assert on_the_path <= set(arrays.Path._fields), on_the_path - set(arrays.Path._fields)
    params = build_params(load_scenario(TOY).variants["broker_proposes"], seed=1, start=0, stop=4)
    assert set(params.values) == filled
    assert arrays.inputs(params).clout.shape == (4, 3)
    with pytest.raises(AttributeError, match="no field or parameter `clot`"):
        _ = params.clot


def test_a_misspelt_path_is_an_error_in_build_params_never_a_zero() -> None:
    scenario = load_scenario(TOY).variants["broker_proposes"]
    with pytest.raises(UnknownParameter, match=r"actors\.east\.clot"):
        build_params(scenario, 0, 0, 3, explored={"actors.east.clot": np.full(3, 0.5)})
    with pytest.raises(UnknownParameter, match=r"actors\.eats\.clout"):  # the actor misspelt
        build_params(scenario, 0, 0, 3, explored={"actors.eats.clout": np.full(3, 0.5)})
    fixed = build_params(scenario, 0, 0, 3, explored={"actors.east.clout": np.full(3, 0.25)})
    np.testing.assert_array_equal(fixed.clout[:, 0], 0.25)


def test_a_misspelt_path_is_an_error_in_the_seminar() -> None:
    scenario = load_scenario(TOY).variants["broker_proposes"]
    with pytest.raises(NegsimError, match="is not a number in this scenario"):
        Assumptions(values={"actors.east.clot": 0.5}).apply(scenario)


def test_defaults_fill_what_a_file_leaves_out() -> None:
    """Toy: the broker lists no trust, so its trust in both parties is the declared default;
    every actor trusts itself fully and has no leverage over itself."""
    params = build_params(load_scenario(TOY).variants["broker_proposes"], seed=0, start=0, stop=1)
    trust_default = parameter_at("actors.x.trust.y").default
    np.testing.assert_array_equal(params.trust[0, 2, :2], [trust_default, trust_default])
    np.testing.assert_array_equal(np.diagonal(params.trust[0]), 1.0)
    np.testing.assert_array_equal(np.diagonal(params.leverage[0]), 0.0)
    assert params.batna[0, 2] == 0.0  # the broker states no BATNA


def test_bounds_follow_the_place_in_the_key_path_not_a_word_in_it() -> None:
    assert bounds_of(("actors", "russia", "cost_of_war")).kind == "rate"
    assert bounds_of(("actors", "cost_of_war", "position", "cost_of_war")).kind == "unit"
    assert bounds_of(("dynamics", "shock_sd")).kind == "rate"
    with pytest.raises(UnknownParameter):
        parameter_at("dynamics.shock")


def test_labels_name_the_actor_the_issue_and_the_round_unit() -> None:
    names = {"russia": "Russia", "territory": "Territorial integrity"}
    assert label_of("actors.russia.cost_of_war", names, unit="week") == "Russia: cost of war per week"
    assert label_of("actors.russia.red_lines.territory.threshold", names) == (
        "Russia: red line on Territorial integrity"
    )
    assert label_of("actors.russia.trust.ukraine", names) == "Russia: trust in ukraine"
    assert label_of("status_quo.territory", names) == "status quo on Territorial integrity"


def test_seminar_sliders_and_switches_come_from_the_registry() -> None:
    for lever in LEVERS:
        parameter = parameter_at(lever.path)
        assert parameter.numeric
        assert (lever.low, lever.high, lever.step) == parameter.slider_range
        assert parameter.bounds.low <= lever.low < lever.high <= parameter.bounds.high
    assert {name for name, _ in SWITCHES} == {s.name for s in switches()} == set(Mechanisms.model_fields)


def test_one_sampler_serves_estimates_and_explored_ranges() -> None:
    """The same distribution declared as a scenario estimate and as an `explore:` range gives
    the same draws from the same uniforms: there is one inverse CDF, not two."""
    u = np.random.default_rng(5).random(1000)
    pairs = [
        (Estimate(dist="uniform", low=0.2, high=0.6), Range(low=0.2, high=0.6)),
        (
            Estimate(dist="triangular", low=0.0, mode=0.8, high=1.0),
            Range(low=0.0, high=1.0, dist="triangular", mode=0.8),
        ),
    ]
    for estimate, explored in pairs:
        np.testing.assert_array_equal(estimate.distribution(UNIT).ppf(u), explored.distribution().ppf(u))
    # a normal range is the normal estimate truncated to the range instead of the unit interval
    normal = Range(low=0.3, high=0.5, dist="normal", mean=0.45, sd=0.2).distribution().ppf(u)
    assert normal.min() >= 0.3 and normal.max() <= 0.5
    # an evidenced bare value: sd 0.05 on [0, 1] (DEFAULT_SPREAD), described as `show` prints it
    quoted = Estimate(value=0.5, evidence={"source": "s", "quote": "q"}).distribution(UNIT)
    assert (quoted.shape, quoted.mean, quoted.sd) == ("normal", 0.5, 0.05)


def test_the_format_reference_lists_the_rate_fields_the_registry_declares() -> None:
    text = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    bullet = text.split("- **Rate fields** are ", 1)[1].split("\n- ", 1)[0]
    listed = set(re.findall(r"`(\w+)`", bullet.split(".", 1)[0]))
    assert listed == {p.name for p in PARAMETERS if p.kind == "rate"}


def test_a_parameter_added_later_leaves_old_digests_alone(monkeypatch, flagship) -> None:
    """A file that leaves a newly declared parameter at its default digests as before, so result
    folders written before the parameter existed still rerun; set away from it, it counts."""
    from sim.scenario import parameters
    from sim.scenario.digest import without_later_parameters

    new = parameters.Parameter(
        ("actors", parameters.ANY, "shock_exposure"), "shock_exposure", "unit", 1.0, "x", added_later=True
    )
    monkeypatch.setattr(parameters, "PARAMETERS", (*parameters.PARAMETERS, new))
    dumped = next(iter(flagship.variants.values())).model_dump(mode="json")
    before = json.dumps(without_later_parameters(copy.deepcopy(dumped)), sort_keys=True)
    at_default = Estimate(value=1.0).model_dump(mode="json")
    for actor in dumped["actors"].values():
        actor["shock_exposure"] = dict(at_default)
    assert json.dumps(without_later_parameters(dumped), sort_keys=True) == before
    for actor in dumped["actors"].values():
        actor["shock_exposure"] = dict(at_default)
    dumped["actors"]["russia"]["shock_exposure"]["value"] = 0.5
    kept = without_later_parameters(dumped)
    assert kept["actors"]["russia"]["shock_exposure"]["value"] == 0.5
    assert "shock_exposure" not in kept["actors"]["ukraine"]


def test_a_slider_is_labelled_in_the_scenarios_words(flagship) -> None:
    scenario = next(iter(flagship.variants.values()))
    by_name = {lever.name: lever for lever in LEVERS}
    assert by_name["russia_cost"].label_in(scenario) == "Russia: cost of war per month"
    weekly = scenario.model_copy(update={"run": scenario.run.model_copy(update={"round_unit": "week"})})
    assert by_name["russia_cost"].label_in(weekly) == "Russia: cost of war per week"
    territory = scenario.issues["territory"].label
    assert by_name["ukraine_red_line"].label_in(scenario) == f"Ukraine: red line on {territory}"
