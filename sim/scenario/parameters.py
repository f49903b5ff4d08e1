"""Every model parameter, declared once: where it sits in a scenario file, what values it takes,
its default, and the `Params` field the rules read it from.

The schema's fields for these numbers, their bounds checks, `build_params`, `explore:`
validation, `negsim show` and the seminar's sliders all read this table, so adding a
parameter means adding a line here and using it in a rule (docs/model.md, "Adding a
parameter"). A key path that matches no entry is an error wherever it appears.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sim.scenario.estimates import RATE, UNIT, Bounds

Kind = Literal["position", "unit", "rate", "count", "flag"]
# Where a parameter sits, and so the shape of its array in `Params` (R replications, N actors,
# K issues): one per actor (R, N), per actor and issue (R, N, K), per ordered pair of actors
# (R, N, N), per issue (R, K), one shared value (R,), or per actor and red line (R, N, K).
Layout = Literal["actor", "actor_issue", "actor_actor", "issue", "shared", "red_line"]
ANY = "*"  # a place in a key path that holds an id: an actor's or an issue's


@dataclass(frozen=True)
class Parameter:
    """One model parameter."""

    path: tuple[str, ...]  # key path, with ANY where an actor or issue id goes
    fills: str  # the Params field (for a switch: the Mechanisms field) it fills
    # position: on its issue's scale (0..1 unless the issue gives `scale:`); unit: [0, 1];
    # rate: >= 0, spread scales with it; count: whole >= 1; flag: true/false
    kind: Kind
    default: float | None  # when the file does not give it; None: every file must
    label: str  # what it means, as tables and sliders say it; {unit} is the round unit
    party_must_give: bool = False  # optional for guarantors and mediators, required of a party
    towards_self: float | None = None  # actor_actor: the value an actor holds towards itself
    slider: tuple[float, float, float] | None = None  # a seminar slider's low, high, step
    needs_mediator: bool = False  # only matters on a path with a mediator
    # Declared after result folders were first written: a file that leaves it at its default
    # digests as before, so those folders still rerun (loader.LoadedScenario.digest).
    added_later: bool = False
    # Where entries a file leaves out take their value from, when that parameter is set:
    # affinity between actors listing none for each other is `dynamics.default_affinity`.
    default_from: str | None = None
    # An amount of utility a coder judges in months of war (docs/codebook.md): coders' values
    # compare as ratios, like rates, not as distances on a scale.
    judged_in_proportion: bool = False

    @property
    def proportional(self) -> bool:
        """Whether coders' values compare as ratios (a rate, an amount judged in months of war)
        rather than as distances on a scale."""
        return self.kind == "rate" or self.judged_in_proportion

    @property
    def layout(self) -> Layout:
        if self.path[0] == "actors":
            if len(self.path) == 3:
                return "actor"
            if self.path[2] == "red_lines":
                return "red_line"
            return "actor_actor" if self.towards_self is not None else "actor_issue"
        return "issue" if self.path[-1] == ANY else "shared"

    @property
    def name(self) -> str:
        """The key it is written under in its section (`cost_of_war`, `threshold`, `trust`)."""
        return next(part for part in reversed(self.path) if part != ANY)

    @property
    def bounds(self) -> Bounds:
        return RATE if self.kind == "rate" else UNIT

    @property
    def numeric(self) -> bool:
        """Drawn per replication from an estimate (and so explorable), unlike counts and flags."""
        return self.kind in ("position", "unit", "rate")

    def bounds_in(self, path: tuple[str | int, ...], scenario: Any) -> Bounds:
        """The valid range at `path` of `scenario`: a position lies on its issue's scale."""
        if self.kind != "position":
            return self.bounds
        ids = [str(got) for want, got in zip(self.path, path, strict=True) if want == ANY]
        issue = scenario.issues.get(ids[-1])  # a position's last id is always its issue
        if issue is None:  # an unknown issue: reported as such by references.py
            return self.bounds
        scale = issue.units
        return Bounds(scale.low, scale.high, "unit")

    @property
    def slider_range(self) -> tuple[float, float, float]:
        """(low, high, step) of a slider: the declared one, else the unit interval in 20 steps."""
        return self.slider or (0.0, 1.0, 0.05)

    def matches(self, path: tuple[str | int, ...]) -> bool:
        return len(path) == len(self.path) and all(
            want == ANY or want == str(got) for want, got in zip(self.path, path, strict=True)
        )


def _actor(name: str, fills: str, kind: Kind, label: str, **extra: object) -> Parameter:
    return Parameter(("actors", ANY, name), fills, kind, extra.pop("default", None), label, **extra)  # type: ignore[arg-type]


PARAMETERS: tuple[Parameter, ...] = (
    # one per actor and issue
    Parameter(("actors", ANY, "position", ANY), "ideal", "position", None, "{actor}: position on {issue}"),
    Parameter(("actors", ANY, "salience", ANY), "salience", "unit", None, "{actor}: salience of {issue}"),
    # one per actor
    _actor("clout", "clout", "unit", "{actor}: clout"),
    _actor("stubbornness", "stubbornness", "unit", "{actor}: stubbornness"),
    _actor("batna", "batna", "unit", "{actor}: value of walking away", default=0.0, party_must_give=True),
    _actor(
        "cost_of_war",
        "cost",
        "rate",
        "{actor}: cost of war per {unit}",
        default=0.0,
        party_must_give=True,
        slider=(0.0, 0.03, 0.001),
    ),
    _actor("votes", "votes", "rate", "{actor}: vote weight", default=1.0, added_later=True),
    # one per actor and red line
    Parameter(
        ("actors", ANY, "red_lines", ANY, "threshold"),
        "red_threshold",
        "position",
        None,
        "{actor}: red line on {issue}",
    ),
    Parameter(
        ("actors", ANY, "red_lines", ANY, "softening"),
        "red_softening",
        "rate",
        0.0,
        "{actor}: red line on {issue}, softening per unit of cost",
    ),
    # one per ordered pair of actors: [i, j] is i towards j
    Parameter(
        ("actors", ANY, "trust", ANY), "trust", "unit", 0.5, "{actor}: trust in {other}", towards_self=1.0
    ),
    Parameter(
        ("actors", ANY, "affinity", ANY),
        "affinity",
        "unit",
        0.0,
        "{actor}: affinity to {other}",
        towards_self=1.0,
        default_from="dynamics.default_affinity",
    ),
    Parameter(
        ("actors", ANY, "leverage", ANY),
        "leverage",
        "unit",
        0.0,
        "{actor}: leverage over {other}",
        towards_self=0.0,
        judged_in_proportion=True,
    ),
    # one per issue
    Parameter(("status_quo", ANY), "status_quo", "position", None, "status quo on {issue}"),
    # shared by all actors
    Parameter(("dynamics", "influence_rate"), "influence_rate", "unit", 0.1, "influence rate"),
    Parameter(
        ("dynamics", "default_affinity"),
        "default_affinity",
        "unit",
        0.0,
        "affinity between actors that list none for each other",
        added_later=True,
    ),
    Parameter(
        ("dynamics", "perception_noise"),
        "perception_noise",
        "rate",
        0.08,
        "perception noise (misjudged war prospects)",
        slider=(0.0, 0.2, 0.01),
    ),
    Parameter(
        ("dynamics", "misperception_persistence"),
        "misperception_persistence",
        "unit",
        0.9,
        "persistence of misperception",
    ),
    Parameter(("dynamics", "shock_sd"), "shock_sd", "rate", 0.01, "battlefield shock (sd per {unit})"),
    Parameter(
        ("dynamics", "credibility_discount"),
        "credibility_discount",
        "unit",
        0.15,
        "credibility discount",
        judged_in_proportion=True,
    ),
    Parameter(("dynamics", "facilitation"), "facilitation", "unit", 0.5, "facilitation"),
    Parameter(("dynamics", "concession"), "concession", "unit", 0.5, "concession"),
    Parameter(("dynamics", "walkout_gap"), "walkout_gap", "unit", 0.25, "walkout gap"),
    Parameter(
        ("dynamics", "commitment_problem"),
        "commitment_problem",
        "unit",
        0.0,
        "commitment problem",
        judged_in_proportion=True,
    ),
    Parameter(
        ("dynamics", "patience"), "patience", "count", 12, "rounds of walkout pressure before walking out"
    ),
    # fragile ceasefires and partial deals (docs/model.md 7.19, 7.20)
    Parameter(
        ("dynamics", "ceasefire_hazard"),
        "ceasefire_hazard",
        "rate",  # a small probability: its spread scales with it (the rule caps the hazard at 1)
        0.02,
        "chance per {unit} that a ceasefire or partial deal breaks down",
        added_later=True,
    ),
    Parameter(
        ("dynamics", "breakdown_sensitivity"),
        "breakdown_sensitivity",
        "rate",
        0.25,
        "added breakdown chance per {unit} for each unit of commitment problem",
        added_later=True,
    ),
    Parameter(
        ("mediation", "bias"),
        "bias",
        "unit",
        0.0,
        "mediator's bias towards its own position",
        needs_mediator=True,
    ),
    Parameter(("mediation", "ceasefire_first"), "ceasefire_first", "flag", False, "ceasefire first"),
    Parameter(
        ("mediation", "guarantees"),
        "guarantees",
        "unit",
        0.0,
        "share of the breakdown chance that outside guarantees remove",
        added_later=True,
    ),
    Parameter(
        ("mediation", "monitoring"),
        "monitoring",
        "unit",
        0.0,
        "share of the breakdown chance that monitoring removes",
        added_later=True,
    ),
    _actor("veto", "has_veto", "flag", "{actor}: veto over the package", default=False),
    # mechanism switches: each can be turned off to see what it does
    *(
        Parameter(("mechanisms", name), name, "flag", True, label)
        for name, label in (
            ("parameter_uncertainty", "Parameter uncertainty"),
            ("costs", "Costs of war"),
            ("shocks", "Battlefield shocks"),
            ("influence", "Mutual influence"),
            ("red_lines", "Red lines"),
            ("red_line_softening", "Red lines soften with costs"),
            ("perception_noise", "Misperception"),
            ("mediator_bias", "Mediator bias"),
            ("leverage", "Patrons' leverage"),
            ("veto", "Guarantor veto"),
            ("ceasefire", "Ceasefire without settlement"),
            ("walkout", "Walkout"),
        )
    ),
    # switches declared later: off unless a file turns them on, so earlier results stand
    Parameter(
        ("mechanisms", "fragile_ceasefire"),
        "fragile_ceasefire",
        "flag",
        False,
        "Ceasefires can break down",
        added_later=True,
    ),
    Parameter(
        ("mechanisms", "partial_deals"),
        "partial_deals",
        "flag",
        False,
        "Partial deals on separable issues",
        added_later=True,
    ),
)


class UnknownParameter(KeyError):
    """A key path that names no model parameter."""


def parameter_at(path: tuple[str | int, ...] | str) -> Parameter:
    """The parameter a key path (`actors.russia.cost_of_war` or its tuple) sets."""
    parts = tuple(path.split(".")) if isinstance(path, str) else path
    for parameter in PARAMETERS:
        if parameter.matches(parts):
            return parameter
    raise UnknownParameter(path)


def label_of(path: str, names: Mapping[str, str] | None = None, unit: str = "month") -> str:
    """What the number at `path` means, in words: `actors.russia.cost_of_war` -> "Russia: cost
    of war per month". `names` gives actors' and issues' names by id (default: the id)."""
    parts = tuple(path.split("."))
    parameter = parameter_at(parts)
    ids = [got for want, got in zip(parameter.path, parts, strict=True) if want == ANY]
    named = [(names or {}).get(i) or i.replace("_", " ") for i in ids]
    slots = {"actor": named[0] if named else "", "unit": unit}
    second = named[1] if len(named) > 1 else ""
    slots["issue" if parameter.layout != "actor_actor" else "other"] = second
    if parameter.layout == "issue":
        slots["issue"] = named[0]
    return parameter.label.format(**slots)


def is_parameter(path: tuple[str | int, ...] | str) -> bool:
    try:
        parameter_at(path)
    except UnknownParameter:
        return False
    return True


def bounds_of(path: tuple[str | int, ...]) -> Bounds:
    """The valid range of the number at `path`."""
    return parameter_at(path).bounds


def in_section(*prefix: str) -> list[Parameter]:
    """The parameters whose key path begins with `prefix` (with ANY for ids), in table order."""
    return [p for p in PARAMETERS if p.path[: len(prefix)] == prefix]


def switches() -> list[Parameter]:
    """The mechanism switches, in the order a seminar meets them."""
    return in_section("mechanisms")
