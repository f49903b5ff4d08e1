"""The scenario schema: every key a scenario file may hold, and what it must be.

Structure and types are checked here (pydantic); cross-references between sections
(issue ids, actor ids, sources) are checked in `references.py`. The fields that hold model
parameters are made from their one declaration in `parameters.py`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from sim.limits import MAX_REPLICATIONS, MAX_ROUNDS
from sim.scenario.estimates import (
    DataCell,
    Estimate,
    EstimateField,
    Evidence,
    Number,
    Strict,
    Switch,
    Whole,
    short_repr,
)
from sim.scenario.parameters import ANY, Parameter, in_section


def fixed(value: float) -> Estimate:
    """A default that is a plain number: set by the model, not by evidence."""
    return Field(default_factory=lambda: Estimate(value=value))  # type: ignore[return-value]


DEFAULT_ROUND_UNIT = "month"
Role = Literal["party", "stakeholder", "guarantor", "mediator"]
DecisionRule = Literal["unanimity", "majority", "weighted_majority", "qualified_majority"]
Style = Literal["none", "facilitative", "formulative", "manipulative"]
ProposalRule = Literal["weighted", "nash"]


class Source(Strict):
    """A source article that evidence quotes come from."""

    outlet: str
    date: dt.date | str
    headline: str
    file: str | None = None


class Scale(Strict):
    """An issue's own units: numbers on the issue are written, and reported, in them."""

    low: Number
    high: Number
    unit: str = ""

    @model_validator(mode="after")
    def _check(self) -> Scale:
        if not self.low < self.high:
            raise PydanticCustomError("scale", "a scale's low must be below its high")
        return self


UNIT_SCALE = Scale(low=0.0, high=1.0)


def to_model_units(values: Any, scales: list[Scale]) -> Any:
    """Values in each issue's units (issues on the last axis) -> the model's internal 0..1."""
    if all(scale == UNIT_SCALE for scale in scales):
        return values
    lows, widths = _ends(scales)
    return (values - lows) / widths


def to_issue_units(values: Any, scales: list[Scale]) -> Any:
    """The model's 0..1 (issues on the last axis) -> each issue's own units."""
    if all(scale == UNIT_SCALE for scale in scales):
        return values
    lows, widths = _ends(scales)
    return lows + values * widths


def _ends(scales: list[Scale]) -> tuple[np.ndarray, np.ndarray]:
    return np.array([s.low for s in scales]), np.array([s.high - s.low for s in scales])


def _scale_point(raw: Any) -> Any:
    """An anchor's key: a point on the scale. Mapping keys arrive as text, so text that reads as
    a number is that number."""
    if isinstance(raw, str):
        try:
            point = float(raw)
        except ValueError:
            point = math.nan
        if not math.isfinite(point):
            raise PydanticCustomError(
                "number_expected",
                "an anchor is a point on the issue's scale: expected a number, got {got}",
                {"got": short_repr(raw), "hint": "write e.g. `0.25: Russia keeps Crimea and ...`"},
            )
        return point
    return raw


ScalePoint = Annotated[Number, BeforeValidator(_scale_point)]


class Issue(Strict):
    """A negotiation dimension with what each end means, on 0..1 unless `scale` says otherwise."""

    label: str
    low: str = Field(description="what the low end of the scale means")
    high: str = Field(description="what the high end of the scale means")
    description: str = ""
    scale: Scale | None = None
    # Points on the scale, each defined in one line a second coder could apply (docs/codebook.md).
    anchors: dict[ScalePoint, str] | None = None
    # May be agreed alone, while the rest stays open (a prisoner exchange, a halt to strikes on
    # energy): docs/model.md 7.20.
    separable: Switch = False

    @property
    def units(self) -> Scale:
        return self.scale or UNIT_SCALE

    @property
    def ends(self) -> tuple[float, float]:
        """The scale's two ends, as plots label them."""
        return (self.units.low, self.units.high)

    @property
    def unit(self) -> str:
        return self.units.unit


class Decision(Strict):
    """How the voters decide on a package (docs/model.md, `decided`)."""

    rule: DecisionRule = "unanimity"
    threshold: Number | None = Field(default=None, gt=0.5, le=1.0)  # qualified_majority's share
    voters: list[str] | None = None  # default: every party and stakeholder

    @model_validator(mode="after")
    def _check(self) -> Decision:
        if (self.rule == "qualified_majority") != (self.threshold is not None):
            raise PydanticCustomError(
                "decision",
                "a threshold goes with rule `qualified_majority` and only with it",
                {"hint": "e.g. `decision: {rule: qualified_majority, threshold: 0.65}`"},
            )
        return self


class Observation(Strict):
    """What actually happened on an issue, in the issue's units, and where that is recorded."""

    value: Number
    date: dt.date | str | None = None
    evidence: Evidence | None = None
    data: DataCell | None = None
    inferred: str | None = None


def _field(parameter: Parameter) -> tuple[Any, Any]:
    """The pydantic field a registered parameter is written in."""
    if parameter.kind == "flag":
        return (Switch, parameter.default)
    if parameter.kind == "count":
        return (Whole, Field(default=parameter.default, ge=1))
    if parameter.layout in ("actor_issue", "actor_actor", "issue"):
        if parameter.layout == "actor_issue":  # every actor states a value on every issue
            return (dict[str, EstimateField], ...)
        return (dict[str, EstimateField], Field(default_factory=dict))
    if parameter.default is None:
        return (EstimateField, ...)
    if parameter.added_later or parameter.layout == "actor":
        # Unset, build_params uses the declared default and nothing is drawn or recorded for
        # it, so declaring a parameter changes no earlier result (references.py asks a party
        # for the ones marked party_must_give).
        return (EstimateField | None, None)
    return (EstimateField, fixed(float(parameter.default)))


def _fields(*prefix: str) -> dict[str, Any]:
    return {p.name: _field(p) for p in in_section(*prefix)}


# A red line: the package must reach `threshold` on this issue (from the actor's side);
# `softening` is how far the threshold moves per unit of accumulated cost of war.
RedLine = create_model(
    "RedLine",
    __base__=Strict,
    __module__=__name__,
    direction=(Literal["at_least", "at_most"], ...),
    **_fields("actors", ANY, "red_lines"),
)


def _actor_fields() -> dict[str, Any]:
    """name and role, then each actor parameter in table order, red lines where theirs begin."""
    found: dict[str, Any] = {"name": (str, ...), "role": (Role, ...)}
    for parameter in in_section("actors"):
        if parameter.layout == "red_line":
            found.setdefault("red_lines", (dict[str, RedLine], Field(default_factory=dict)))
        else:
            found[parameter.name] = _field(parameter)
    return found


# One actor's stated positions and traits.
Actor = create_model("Actor", __base__=Strict, __module__=__name__, **_actor_fields())
# Rates and noise levels shared by all actors.
Dynamics = create_model("Dynamics", __base__=Strict, __module__=__name__, **_fields("dynamics"))
# Switches: each mechanism can be turned off to see what it does.
Mechanisms = create_model("Mechanisms", __base__=Strict, __module__=__name__, **_fields("mechanisms"))


class _MediationPath(Strict):
    """A mediation path: who mediates, how, and who presses whom (its numbers: parameters.py)."""

    mediators: list[str] = Field(default_factory=list)
    style: Style = "none"
    proposal: ProposalRule = "weighted"
    pressing: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    chair: Switch = False  # a neutral chair formulates the packages: no mediator actor needed


Mediation = create_model("Mediation", __base__=_MediationPath, __module__=__name__, **_fields("mediation"))


class RunSettings(Strict):
    replications: Whole = Field(default=1000, ge=1, le=MAX_REPLICATIONS)
    rounds: Whole = Field(default=60, ge=1, le=MAX_ROUNDS)
    seed: Whole = Field(default=0, ge=0)
    # What keys the random streams (with the seed): by default the name of the file that first
    # defined the mediation paths, so a what-if that extends it shares its draws (docs/model.md).
    streams: str | None = None
    # What one round stands for, in the singular ("month"): shown in tables and on time axes.
    round_unit: str | None = None
    # The date round 0 stands for (the snapshot's date): round m ends m round units later.
    # Forecast questions with dates are turned into rounds from it (docs/forecasting.md).
    start_date: dt.date | None = None


# --- history: what happened up to a date, to keep only the runs that match it

# The kinds of event a run's timeline records (docs/model.md 7.21); a test checks that this is
# sim.model.engine.EVENT_KINDS, which the scenario layer does not import.
EventKind = Literal[
    "ceasefire", "ceasefire_breakdown", "partial_deal", "partial_breakdown", "agreement", "talks_breakdown"
]
HistoryTest = Literal["occurs", "none", "in_force"]
# Conditions in one history: each is checked against every run's events, and a record's first
# months fill a dozen; a file with thousands would make every run wait on them.
MAX_HISTORY_EVENTS = 200


def _day(raw: Any) -> Any:
    """A date as YAML writes it (2025-03-31) or as ISO text; never a number, which pydantic would
    read as seconds since 1970 (`by: 4` is meant as months)."""
    if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date | str):
        raise PydanticCustomError(
            "date_expected",
            "expected a date (YYYY-MM-DD), got {got}",
            {"got": short_repr(raw), "hint": "write a date as 2025-03-31, or a number of months (`months:`)"},
        )
    return raw


Day = Annotated[dt.date, BeforeValidator(_day)]


class HistoryEvent(Strict):
    """One thing the record says happened (`occurs`), did not happen (`none`) or held on the
    deadline (`in_force`), by `by` (a date) or `months` (after run.start_date); without either,
    by the history's own date. `occurs` and `in_force` mean what they mean in forecast
    questions (docs/forecasting.md); `none` is the opposite of `occurs`."""

    kind: EventKind
    test: HistoryTest
    issues: list[str] | None = None  # partial deals and their breakdowns: on one of these issues
    by: Day | None = None
    months: Whole | None = Field(default=None, ge=1, le=MAX_ROUNDS)


class History(Strict):
    """What happened up to `through` (a date) or `months` (a number of rounds): `negsim run`
    keeps the replications whose events match every condition, and forecasts from then on."""

    through: Day | None = None
    months: Whole | None = Field(default=None, ge=1, le=MAX_ROUNDS)
    events: list[HistoryEvent] = Field(min_length=1, max_length=MAX_HISTORY_EVENTS)
    source: str | None = None  # which record the conditions paraphrase, for the reader

    @model_validator(mode="after")
    def _check(self) -> History:
        if (self.through is None) == (self.months is None):
            raise PydanticCustomError(
                "history",
                "give the history's date as one of `through` (a date) or `months` (after the start)",
                {"hint": "e.g. `history: {through: 2025-04-30, events: [...]}`"},
            )
        return self


class Coder(Strict):
    """Someone who turned the sources into numbers: who, when, and what they saw."""

    description: str


class Scenario(Strict):
    """One fully merged scenario, ready to run as one mediation path."""

    @property
    def streams_key(self) -> str:
        """The name that keys this scenario's random streams (`run.streams`, else `name`)."""
        return self.run.streams or self.name

    @property
    def round_unit(self) -> str:
        """What one round stands for (`run.round_unit`, else a month, as docs/model.md says)."""
        return self.run.round_unit or DEFAULT_ROUND_UNIT

    name: str
    title: str = ""
    description: str = ""
    sources: dict[str, Source] = Field(default_factory=dict)
    # Who coded the numbers: the first coder wrote each `value:`, the others' are in `codings:`.
    coders: dict[str, Coder] = Field(default_factory=dict)
    # `negsim evidence` refuses a number with no evidence / data / inferred / assumption.
    require_basis: Switch = False
    issues: dict[str, Issue]
    actors: dict[str, Actor]
    status_quo: dict[str, EstimateField] = Field(default_factory=dict)  # parameters.py: status_quo.*
    dynamics: Dynamics = Field(default_factory=Dynamics)
    mechanisms: Mechanisms = Field(default_factory=Mechanisms)
    mediation: Mediation = Field(default_factory=Mediation)
    decision: Decision | None = None
    observed: dict[str, Observation] = Field(default_factory=dict)
    run: RunSettings = Field(default_factory=RunSettings)
    # What happened up to a date: `negsim run` keeps the runs that match (docs/forecasting.md).
    history: History | None = None
    label: str = ""

    def in_issue_units(self, values: Any) -> Any:
        """Model values (0..1, issues on the last axis) in each issue's own units."""
        return to_issue_units(values, [issue.units for issue in self.issues.values()])

    @property
    def decision_rule(self) -> Decision:
        return self.decision or Decision()

    @property
    def voters(self) -> list[str]:
        """Who votes on a package: as `decision.voters` says, else every party and stakeholder."""
        if self.decision is not None and self.decision.voters is not None:
            return list(self.decision.voters)
        return [key for key, actor in self.actors.items() if actor.role in ("party", "stakeholder")]


# Keys a variant may set: its own description plus partial overrides of the base.
VARIANT_KEYS = (
    "label",
    "description",
    "mediation",
    "decision",
    "actors",
    "dynamics",
    "mechanisms",
    "status_quo",
)
TOP_LEVEL_KEYS = (*Scenario.model_fields.keys(), "extends", "variants", "explore")
