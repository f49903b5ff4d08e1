"""A scenario turned into arrays: one row per replication, sampled from the estimates.

Shapes: R replications, N actors, K issues. Per-actor values are (R, N), per actor and
issue (R, N, K), between actors (R, N, N) with [i, j] meaning "i towards j".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from sim.model import streams
from sim.scenario.distribution import ppf_stacked
from sim.scenario.parameters import ANY, PARAMETERS, Parameter, UnknownParameter, parameter_at
from sim.scenario.schema import Decision, Mechanisms, Scale, Scenario, to_model_units
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
    is_voter: np.ndarray  # (N,) bool: decides on packages by `decision` (parties and stakeholders)
    has_veto: np.ndarray  # (N,) bool
    patience: int
    mediators: np.ndarray  # (N,) bool
    pressing: np.ndarray  # (N,) bool: actors using their leverage on this path
    absent: np.ndarray  # (N,) bool
    style: str
    proposal: str
    ceasefire_first: bool
    chair: bool  # a neutral chair, not an actor, formulates the packages
    decision: Decision
    mechanisms: Mechanisms
    separable: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (K,) bool
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
    Otherwise each estimate reads its own stream (`param:<key path>`), one uniform per
    replication, and all of them are mapped by their inverse CDFs together (`ppf_stacked`).
    """
    estimates = [(format_key_path(path), path, estimate) for path, estimate in iter_estimates(scenario)]
    if not scenario.mechanisms.parameter_uncertainty:
        return {name: np.full(stop - start, estimate.center()) for name, _, estimate in estimates}
    names = [f"param:{name}" for name, _, _ in estimates]
    uniforms = streams.uniform_block(seed, scenario.streams_key, names, start, stop)[:, :, 0]
    distributions = [
        estimate.distribution(parameter_at(path).bounds_in(path, scenario)) for _, path, estimate in estimates
    ]
    draws = ppf_stacked(distributions, uniforms)
    return {name: draws[e] for e, (name, _, _) in enumerate(estimates)}


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
    scales = [issue.units for issue in scenario.issues.values()]
    shape = Shape(list(scenario.actors), list(scenario.issues), stop - start, scales)
    values = {p.fills: shape.array(p, draws) for p in PARAMETERS if p.numeric}
    salience = values["salience"]
    weight = salience / np.maximum(salience.sum(axis=2, keepdims=True), 1e-12)
    values["batna"] = _with_derived_batnas(scenario, values, weight)
    mediation = scenario.mediation
    pressing = set(mediation.pressing)
    if mediation.style == "manipulative":
        pressing |= set(mediation.mediators)
    return Params(
        actors=shape.actors,
        issues=shape.issues,
        values=values,
        weight=weight,
        red_sign=np.array([[_red_sign(scenario, a, i) for i in shape.issues] for a in shape.actors]),
        is_party=np.array([scenario.actors[a].role == "party" for a in shape.actors]),
        is_voter=np.array([a in scenario.voters for a in shape.actors]),
        has_veto=np.array([scenario.actors[a].veto for a in shape.actors]),
        patience=scenario.dynamics.patience,
        mediators=np.array([a in mediation.mediators for a in shape.actors]),
        pressing=np.array([a in pressing for a in shape.actors]),
        absent=np.array([a in mediation.absent for a in shape.actors]),
        style=mediation.style,
        proposal=mediation.proposal,
        ceasefire_first=mediation.ceasefire_first,
        chair=mediation.chair,
        decision=scenario.decision_rule,
        mechanisms=scenario.mechanisms,
        separable=np.array([issue.separable for issue in scenario.issues.values()], dtype=bool),
        sampled=draws,
    )


def _with_derived_batnas(scenario: Scenario, values: dict[str, np.ndarray], weight: np.ndarray) -> np.ndarray:
    """BATNAs, a stakeholder without one taking the worth of the reference point (`status_quo`):
    what it gets if no package is agreed (docs/model.md, 5)."""
    derived = np.array(
        [actor.role == "stakeholder" and actor.batna is None for actor in scenario.actors.values()]
    )
    if not derived.any():
        return values["batna"]
    distance = np.abs(values["status_quo"][:, None, :] - values["ideal"])
    reference_worth = 1.0 - np.einsum("rnk,rnk->rn", weight, distance)
    return np.where(derived[None, :], reference_worth, values["batna"])


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
    scales: list[Scale]  # each issue's units; positions are turned into the model's 0..1

    def array(self, parameter: Parameter, draws: dict[str, np.ndarray]) -> np.ndarray:
        array = self._in_file_units(parameter, draws)
        return to_model_units(array, self.scales) if parameter.kind == "position" else array

    def _in_file_units(self, parameter: Parameter, draws: dict[str, np.ndarray]) -> np.ndarray:
        # what a number the file leaves out means: the declared default, or the parameter it
        # defers to (`default_from`) when the file sets that one
        fill = np.full(self.rows, float(parameter.default or 0.0))
        if parameter.default_from is not None:
            fill = draws.get(parameter.default_from, fill)

        def at(*ids: str) -> np.ndarray:
            path = ".".join(_placed(parameter.path, ids))
            return draws.get(path, fill)

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
