"""A scenario turned into arrays: one row per replication, sampled from the estimates.

Shapes: R replications, N actors, K issues. Per-actor values are (R, N), per actor and
issue (R, N, K), between actors (R, N, N) with [i, j] meaning "i towards j".
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from sim.model import streams
from sim.scenario.estimates import sample
from sim.scenario.references import bounds_of
from sim.scenario.schema import Mechanisms, Scenario
from sim.scenario.walk import KeyPath, iter_estimates
from sim.scenario.yaml_source import format_key_path

DEFAULT_TRUST = 0.5  # trust in an actor the scenario says nothing about: neither trusted nor not
# Arrays that describe the actors, not a replication: they have no leading replication axis.
STRUCTURAL = frozenset({"red_sign", "is_party", "has_veto", "mediators", "pressing", "absent"})


@dataclass
class Params:
    """Everything the rules read; nothing here changes during a run."""

    actors: list[str]
    issues: list[str]
    ideal: np.ndarray  # (R, N, K) initial positions, the Friedkin-Johnsen anchors
    weight: np.ndarray  # (R, N, K) salience normalised to sum 1 per actor
    salience: np.ndarray  # (R, N, K) raw salience in [0, 1]
    clout: np.ndarray  # (R, N)
    stubbornness: np.ndarray  # (R, N)
    batna: np.ndarray  # (R, N) initial value of walking away (reservation value for guarantors)
    cost: np.ndarray  # (R, N) utility lost per round of war
    red_sign: np.ndarray  # (N, K) +1 at_least, -1 at_most, 0 no red line
    red_threshold: np.ndarray  # (R, N, K)
    red_softening: np.ndarray  # (R, N, K) threshold movement per unit of accumulated cost
    trust: np.ndarray  # (R, N, N)
    affinity: np.ndarray  # (R, N, N)
    leverage: np.ndarray  # (R, N, N)
    is_party: np.ndarray  # (N,) bool
    has_veto: np.ndarray  # (N,) bool
    status_quo: np.ndarray  # (R, K)
    influence_rate: np.ndarray  # (R,)
    perception_noise: np.ndarray  # (R,)
    shock_sd: np.ndarray  # (R,)
    credibility_discount: np.ndarray  # (R,)
    misperception_persistence: np.ndarray  # (R,)
    facilitation: np.ndarray  # (R,)
    concession: np.ndarray  # (R,)
    walkout_gap: np.ndarray  # (R,)
    commitment_problem: np.ndarray  # (R,)
    bias: np.ndarray  # (R,)
    patience: int
    mediators: np.ndarray  # (N,) bool
    pressing: np.ndarray  # (N,) bool: actors using their leverage on this path
    absent: np.ndarray  # (N,) bool
    style: str
    proposal: str
    ceasefire_first: bool
    mechanisms: Mechanisms
    sampled: dict[str, np.ndarray] = field(default_factory=dict)  # slot name -> (R,) draws

    @property
    def replications(self) -> int:
        return self.ideal.shape[0]

    def take(self, rows: np.ndarray) -> Params:
        """The same parameters for a subset of replications (sampled draws are not carried)."""
        subset = {
            f.name: getattr(self, f.name)[rows]
            for f in fields(self)
            if f.name not in STRUCTURAL and isinstance(getattr(self, f.name), np.ndarray)
        }
        return replace(self, **subset, sampled={})


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
        draws[name] = sample(estimate, bounds_of(path), u)
    return draws


def build_params(
    scenario: Scenario, seed: int, start: int, stop: int, explored: dict[str, np.ndarray] | None = None
) -> Params:
    """Sample the scenario for replications [start, stop).

    `explored` maps key paths to one value per replication: an experimental design's values,
    which replace the scenario's own estimate for those parameters.
    """
    draws = sample_estimates(scenario, seed, start, stop)
    draws.update(explored or {})
    rows = stop - start
    actors = list(scenario.actors)
    issues = list(scenario.issues)
    n, k = len(actors), len(issues)

    def get(path: KeyPath, default: float = 0.0) -> np.ndarray:
        return draws.get(format_key_path(path), np.full(rows, default))

    def per_actor(name: str, default: float = 0.0) -> np.ndarray:
        return np.stack([get(("actors", a, name), default) for a in actors], axis=1)

    def per_issue(section: str) -> np.ndarray:
        return np.stack(
            [np.stack([get(("actors", a, section, i)) for i in issues], axis=1) for a in actors],
            axis=1,
        )

    def between(section: str, default: float, self_value: float) -> np.ndarray:
        out = np.full((rows, n, n), default)
        for i, a in enumerate(actors):
            for j, b in enumerate(actors):
                out[:, i, j] = self_value if i == j else get(("actors", a, section, b), default)
        return out

    salience = per_issue("salience")
    weight = salience / np.maximum(salience.sum(axis=2, keepdims=True), 1e-12)
    red_sign = np.zeros((n, k))
    red_threshold = np.zeros((rows, n, k))
    red_softening = np.zeros((rows, n, k))
    for ai, a in enumerate(actors):
        for ki, i in enumerate(issues):
            line = scenario.actors[a].red_lines.get(i)
            if line is None:
                continue
            red_sign[ai, ki] = 1.0 if line.direction == "at_least" else -1.0
            red_threshold[:, ai, ki] = get(("actors", a, "red_lines", i, "threshold"))
            red_softening[:, ai, ki] = get(("actors", a, "red_lines", i, "softening"))
    mediation = scenario.mediation
    pressing = set(mediation.pressing)
    if mediation.style == "manipulative":
        pressing |= set(mediation.mediators)
    dynamics = {
        name: get(("dynamics", name))
        for name in (
            "influence_rate",
            "perception_noise",
            "misperception_persistence",
            "shock_sd",
            "credibility_discount",
            "facilitation",
            "concession",
            "walkout_gap",
            "commitment_problem",
        )
    }
    return Params(
        actors=actors,
        issues=issues,
        ideal=per_issue("position"),
        weight=weight,
        salience=salience,
        clout=per_actor("clout"),
        stubbornness=per_actor("stubbornness"),
        batna=per_actor("batna"),
        cost=per_actor("cost_of_war"),
        red_sign=red_sign,
        red_threshold=red_threshold,
        red_softening=red_softening,
        trust=between("trust", DEFAULT_TRUST, 1.0),
        affinity=between("affinity", 0.0, 1.0),
        leverage=between("leverage", 0.0, 0.0),
        is_party=np.array([scenario.actors[a].role == "party" for a in actors]),
        has_veto=np.array([scenario.actors[a].veto for a in actors]),
        status_quo=np.stack([get(("status_quo", i)) for i in issues], axis=1),
        **dynamics,
        bias=get(("mediation", "bias")),
        patience=scenario.dynamics.patience,
        mediators=np.array([a in mediation.mediators for a in actors]),
        pressing=np.array([a in pressing for a in actors]),
        absent=np.array([a in mediation.absent for a in actors]),
        style=mediation.style,
        proposal=mediation.proposal,
        ceasefire_first=mediation.ceasefire_first,
        mechanisms=scenario.mechanisms,
        sampled=draws,
    )
