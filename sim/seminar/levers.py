"""The assumptions a seminar argues about, as sliders: a declarative list, read by the page.

Each lever names a number of the scenario by key path. A lever applies to a mediation path
only when the path sets that number (a path without a mediator has no mediator bias).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.schema import Scenario
from sim.seminar.assumptions import central_value


@dataclass(frozen=True)
class Lever:
    """One slider: which number it sets, how it is labelled, and its range."""

    name: str
    path: str
    label: str
    low: float
    high: float
    step: float
    needs_mediator: bool = False

    def default(self, scenario: Scenario) -> float | None:
        """The scenario's own central value, or None when the lever does not apply to this path."""
        if self.needs_mediator and not scenario.mediation.mediators:
            return None
        value = central_value(scenario, self.path)
        return None if value is None else min(max(value, self.low), self.high)


LEVERS: tuple[Lever, ...] = (
    Lever(
        "mediator_bias", "mediation.bias", "Mediator's bias towards its own position", 0.0, 1.0, 0.05, True
    ),
    Lever(
        "ukraine_red_line",
        "actors.ukraine.red_lines.territory.threshold",
        "Ukraine's territorial red line (share of occupied land returned)",
        0.0,
        1.0,
        0.05,
    ),
    Lever("ukraine_cost", "actors.ukraine.cost_of_war", "Ukraine's monthly cost of war", 0.0, 0.03, 0.001),
    Lever("russia_cost", "actors.russia.cost_of_war", "Russia's monthly cost of war", 0.0, 0.03, 0.001),
    Lever(
        "perception_noise",
        "dynamics.perception_noise",
        "Perception noise (misjudged war prospects)",
        0.0,
        0.2,
        0.01,
    ),
)

# Switches shown on the page, in the order a seminar meets them; `veto` is the guarantor veto.
SWITCHES: tuple[tuple[str, str], ...] = (
    ("veto", "Guarantor veto"),
    ("costs", "Costs of war"),
    ("shocks", "Battlefield shocks"),
    ("influence", "Mutual influence"),
    ("red_lines", "Red lines"),
    ("red_line_softening", "Red lines soften with costs"),
    ("perception_noise", "Misperception"),
    ("mediator_bias", "Mediator bias"),
    ("leverage", "Patrons' leverage"),
    ("ceasefire", "Ceasefire without settlement"),
    ("walkout", "Walkout"),
    ("parameter_uncertainty", "Parameter uncertainty"),
)


def defaults(scenario: Scenario) -> dict[str, float]:
    """Each applicable lever at the scenario's own value."""
    values = {lever.name: lever.default(scenario) for lever in LEVERS}
    return {name: value for name, value in values.items() if value is not None}


def moved(scenario: Scenario, chosen: dict[str, float]) -> dict[str, float]:
    """The levers set away from `scenario`'s own values.

    A lever left where it is keeps the scenario's uncertainty (its value is still drawn per
    replication); a moved lever fixes that number in every replication.
    """
    own = defaults(scenario)
    return {name: value for name, value in chosen.items() if name in own and abs(value - own[name]) > 1e-12}


def fixed_values(scenario: Scenario, moved_levers: dict[str, float]) -> dict[str, float]:
    """Key path -> value of the moved levers that apply to `scenario`."""
    by_name = {lever.name: lever for lever in LEVERS}
    return {
        by_name[name].path: value
        for name, value in moved_levers.items()
        if by_name[name].default(scenario) is not None
    }
