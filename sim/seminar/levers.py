"""The assumptions a seminar argues about, as sliders: a declarative list, read by the page.

Each lever names a number of the scenario by key path; what it means, its range and its step
come from the parameter's declaration (sim/scenario/parameters.py). A lever applies to a
mediation path only when the path sets that number (a path without a mediator has no
mediator bias).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.parameters import Parameter, label_of, parameter_at, switches
from sim.scenario.schema import Scenario
from sim.seminar.assumptions import central_value


@dataclass(frozen=True)
class Lever:
    """One slider: its name on the page and the number it sets."""

    name: str
    path: str

    @property
    def parameter(self) -> Parameter:
        return parameter_at(self.path)

    def label_in(self, scenario: Scenario) -> str:
        """What the slider sets, in the scenario's words: "Russia: cost of war per month"."""
        names = {key: actor.name for key, actor in scenario.actors.items()}
        names |= {key: issue.label for key, issue in scenario.issues.items()}
        text = label_of(self.path, names, unit=scenario.round_unit)
        return text[:1].upper() + text[1:]

    @property
    def low(self) -> float:
        return self.parameter.slider_range[0]

    @property
    def high(self) -> float:
        return self.parameter.slider_range[1]

    @property
    def step(self) -> float:
        return self.parameter.slider_range[2]

    def default(self, scenario: Scenario) -> float | None:
        """The scenario's own central value on the slider's grid (a browser slider snaps any other
        value and sends it back as a move), or None when the lever does not apply to this path."""
        if self.parameter.needs_mediator and not scenario.mediation.mediators:
            return None
        value = central_value(scenario, self.path)
        return None if value is None else self.on_grid(value)

    def on_grid(self, value: float) -> float:
        """The slider position nearest to `value`."""
        steps = round((min(max(value, self.low), self.high) - self.low) / self.step)
        return round(self.low + steps * self.step, 10)


LEVERS: tuple[Lever, ...] = (
    Lever("mediator_bias", "mediation.bias"),
    Lever("ukraine_red_line", "actors.ukraine.red_lines.territory.threshold"),
    Lever("ukraine_cost", "actors.ukraine.cost_of_war"),
    Lever("russia_cost", "actors.russia.cost_of_war"),
    Lever("perception_noise", "dynamics.perception_noise"),
)

# Switches shown on the page, in the order a seminar meets them; `veto` is the guarantor veto.
_SWITCH_ORDER = (
    "veto",
    "costs",
    "shocks",
    "influence",
    "red_lines",
    "red_line_softening",
    "perception_noise",
    "mediator_bias",
    "leverage",
    "ceasefire",
    "walkout",
    "parameter_uncertainty",
)
SWITCHES: tuple[tuple[str, str], ...] = tuple(
    (switch.name, switch.label)
    for switch in sorted(
        switches(),
        key=lambda s: _SWITCH_ORDER.index(s.name) if s.name in _SWITCH_ORDER else len(_SWITCH_ORDER),
    )
)


def defaults(scenario: Scenario) -> dict[str, float]:
    """Each applicable lever at the scenario's own value."""
    values = {lever.name: lever.default(scenario) for lever in LEVERS}
    return {name: value for name, value in values.items() if value is not None}


def moved(scenario: Scenario, chosen: dict[str, float]) -> dict[str, float]:
    """The levers set away from `scenario`'s own values.

    A lever left where it is keeps the scenario's uncertainty (its value is still drawn per
    replication); a moved lever fixes that number in every replication. A slider stands on its
    grid, so a value within half a step of the scenario's own (a coders' mean such as 0.0085 on
    a slider of step 0.001) is where the slider was left, not a move.
    """
    own = defaults(scenario)
    step = {lever.name: lever.step for lever in LEVERS}
    return {
        name: value
        for name, value in chosen.items()
        if name in own and abs(value - own[name]) > step[name] / 2 - 1e-12
    }


def fixed_values(scenario: Scenario, moved_levers: dict[str, float]) -> dict[str, float]:
    """Key path -> value of the moved levers that apply to `scenario`."""
    by_name = {lever.name: lever for lever in LEVERS}
    return {
        by_name[name].path: value
        for name, value in moved_levers.items()
        if by_name[name].default(scenario) is not None
    }
