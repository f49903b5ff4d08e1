"""A scenario turned into arrays: one row per replication, sampled from the estimates.

Shapes: R replications, N actors, K issues. Per-actor values are (R, N), per actor and
issue (R, N, K), between actors (R, N, N) with [i, j] meaning "i towards j".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sim.model import streams
from sim.scenario.parameters import ANY, PARAMETERS, Parameter, UnknownParameter, parameter_at
from sim.scenario.schema import Mechanisms, Scenario
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path


@dataclass
class Params:
    """Everything the rules read; nothing here changes during a run.

    The model parameters (sim/scenario/parameters.py) are in `values`, by the field each fills,
    and read as attributes: `p.clout` is (R, N), `p.trust` (R, N, N) with [i, j] "i towards j",
    `p.ideal` (R, N, K), `p.status_quo` (R, K), `p.influence_rate` (R,). The fields below
    describe the actors and the path, not a replication, except `weight`.
    """

    actors: list[str]
    issues: list[str]
    values: dict[str, np.ndarray]  # a registered parameter's `fills` -> its array
    weight: np.ndarray  # (R, N, K) salience normalised to sum 1 per actor
    red_sign: np.ndarray  # (N, K) +1 at_least, -1 at_most, 0 no red line
    is_party: np.ndarray  # (N,) bool
    has_veto: np.ndarray  # (N,) bool
    patience: int
    mediators: np.ndarray  # (N,) bool
    pressing: np.ndarray  # (N,) bool: actors using their leverage on this path
    absent: np.ndarray  # (N,) bool
    style: str
    proposal: str
    ceasefire_first: bool
    mechanisms: Mechanisms
    sampled: dict[str, np.ndarray] = field(default_factory=dict)  # key path -> (R,) draws

    def __getattr__(self, name: str) -> np.ndarray:
        values = self.__dict__.get("values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"Params has no field or parameter `{name}`")

    @property
    def replications(self) -> int:
        return self.weight.shape[0]

    def revised(self, **changes: object) -> Params:
        """A copy with some fields or parameters replaced (`clout=...`, `mediators=...`)."""
        values = {name: changes.pop(name) for name in list(changes) if name in self.values}
        return replace(self, values={**self.values, **values}, **changes)  # type: ignore[arg-type]

    def take(self, rows: np.ndarray) -> Params:
        """The same parameters for a subset of replications (sampled draws are not carried)."""
        values = {name: array[rows] for name, array in self.values.items()}
        return replace(self, values=values, weight=self.weight[rows], sampled={})


def sample_estimates(scenario: Scenario, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Draw every estimate for replications [start, stop); keyed by its key path.

    With `mechanisms.parameter_uncertainty` off every estimate takes its central value.
    """
    draws: dict[str, np.ndarray] = {}
    for path, estimate in iter_estimates(scenario):
        name = format_key_path(path)
        if not scenario.mechanisms.parameter_uncertainty:
            draws[name] = np.full(stop - start, estimate.center())
            continue
        u = streams.uniforms(seed, scenario.streams_key, f"param:{name}", start, stop)[:, 0]
        draws[name] = estimate.distribution(parameter_at(path).bounds).ppf(u)
    return draws


def build_params(
    scenario: Scenario, seed: int, start: int, stop: int, explored: dict[str, np.ndarray] | None = None
) -> Params:
    """Sample the scenario for replications [start, stop).

    `explored` maps key paths to one value per replication: an experimental design's values,
    which replace the scenario's own estimate for those parameters. A path the scenario does
    not set is refused (UnknownParameter), never read as zero.
    """
    draws = sample_estimates(scenario, seed, start, stop)
    unknown = sorted(set(explored or {}) - set(draws))
    if unknown:
        raise UnknownParameter(f"not a number of scenario `{scenario.name}`: {', '.join(unknown)}")
    draws.update(explored or {})
    shape = Shape(list(scenario.actors), list(scenario.issues), stop - start)
    values = {p.fills: shape.array(p, draws) for p in PARAMETERS if p.numeric}
    salience = values["salience"]
    mediation = scenario.mediation
    pressing = set(mediation.pressing)
    if mediation.style == "manipulative":
        pressing |= set(mediation.mediators)
    return Params(
        actors=shape.actors,
        issues=shape.issues,
        values=values,
        weight=salience / np.maximum(salience.sum(axis=2, keepdims=True), 1e-12),
        red_sign=np.array([[_red_sign(scenario, a, i) for i in shape.issues] for a in shape.actors]),
        is_party=np.array([scenario.actors[a].role == "party" for a in shape.actors]),
        has_veto=np.array([scenario.actors[a].veto for a in shape.actors]),
        patience=scenario.dynamics.patience,
        mediators=np.array([a in mediation.mediators for a in shape.actors]),
        pressing=np.array([a in pressing for a in shape.actors]),
        absent=np.array([a in mediation.absent for a in shape.actors]),
        style=mediation.style,
        proposal=mediation.proposal,
        ceasefire_first=mediation.ceasefire_first,
        mechanisms=scenario.mechanisms,
        sampled=draws,
    )


def _red_sign(scenario: Scenario, actor: str, issue: str) -> float:
    line = scenario.actors[actor].red_lines.get(issue)
    if line is None:
        return 0.0
    return 1.0 if line.direction == "at_least" else -1.0


@dataclass(frozen=True)
class Shape:
    """The actors and issues of a path and the replications drawn: how a parameter's draws,
    keyed by path, become the array its layout says."""

    actors: list[str]
    issues: list[str]
    rows: int

    def array(self, parameter: Parameter, draws: dict[str, np.ndarray]) -> np.ndarray:
        fill = float(parameter.default or 0.0)  # what a number the file leaves out means

        def at(*ids: str) -> np.ndarray:
            path = ".".join(_placed(parameter.path, ids))
            return draws.get(path, np.full(self.rows, fill))

        layout = parameter.layout
        if layout == "shared":
            return at()
        if layout == "actor":
            return np.stack([at(a) for a in self.actors], axis=1)
        if layout == "issue":
            return np.stack([at(i) for i in self.issues], axis=1)
        if layout == "actor_actor":
            return np.stack(
                [
                    np.stack(
                        [
                            np.full(self.rows, parameter.towards_self) if a == b else at(a, b)
                            for b in self.actors
                        ],
                        axis=1,
                    )
                    for a in self.actors
                ],
                axis=1,
            )
        return np.stack([np.stack([at(a, i) for i in self.issues], axis=1) for a in self.actors], axis=1)


def _placed(pattern: tuple[str, ...], ids: tuple[str, ...]) -> tuple[str, ...]:
    """The key path `pattern` with its ANY places filled by `ids`, in order."""
    fill = iter(ids)
    return tuple(next(fill) if part == ANY else part for part in pattern)
