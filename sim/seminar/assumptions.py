"""A seminar's "what if": some numbers of a scenario fixed to chosen values, some mechanisms
switched off. The scenario keeps its name, so its random draws stay the same: any change in
the outcome comes from the assumption, not from new luck."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from sim.errors import NegsimError
from sim.scenario.explore import estimate_paths
from sim.scenario.parameters import parameter_at, switches
from sim.scenario.schema import Scenario
from sim.scenario.suggest import did_you_mean
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path

MECHANISMS: tuple[str, ...] = tuple(switch.name for switch in switches())


@dataclass(frozen=True)
class Assumptions:
    """Fixed values by key path (`actors.russia.cost_of_war`) and mechanism switches."""

    values: Mapping[str, float] = field(default_factory=dict)
    mechanisms: Mapping[str, bool] = field(default_factory=dict)

    def apply(self, scenario: Scenario) -> Scenario:
        """The scenario with these mechanism switches; values are applied per replication."""
        check(scenario, self)
        if not self.mechanisms:
            return scenario
        switches = scenario.mechanisms.model_copy(update=dict(self.mechanisms))
        return scenario.model_copy(update={"mechanisms": switches})

    def explored(self, replications: int) -> dict[str, np.ndarray]:
        """The fixed values as the engine's per-replication overrides."""
        return {path: np.full(replications, float(value)) for path, value in self.values.items()}


def check(scenario: Scenario, assumptions: Assumptions) -> None:
    """Refuse a key path the scenario does not set, a value outside its range, an unknown switch."""
    known = sorted(estimate_paths(scenario))
    where = f"path `{scenario.label}`"
    for path, value in assumptions.values.items():
        if path not in known:
            raise NegsimError.single(
                where, "is not a number in this scenario", key_path=path, suggestion=did_you_mean(path, known)
            )
        bounds = parameter_at(path).bounds_in(tuple(path.split(".")), scenario)
        if not bounds.low <= value <= bounds.high:
            raise NegsimError.single(
                where, f"expected a value in {bounds.describe()}, got {value}", key_path=path
            )
    for name in assumptions.mechanisms:
        if name not in MECHANISMS:
            raise NegsimError.single(
                where,
                "unknown mechanism",
                key_path=f"mechanisms.{name}",
                suggestion=did_you_mean(name, list(MECHANISMS)),
            )


def central_value(scenario: Scenario, path: str) -> float | None:
    """The scenario's own central value for a key path, or None if it sets no such number."""
    for key, estimate in iter_estimates(scenario):
        if format_key_path(key) == path:
            return float(estimate.center())
    return None
