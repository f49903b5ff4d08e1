"""The scenario schema: every key a scenario file may hold, and what it must be.

Structure and types are checked here (pydantic); cross-references between sections
(issue ids, actor ids, sources) are checked in `references.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from sim.limits import MAX_REPLICATIONS, MAX_ROUNDS
from sim.scenario.estimates import Estimate, EstimateField, Strict, Switch, Whole


def fixed(value: float) -> Estimate:
    """A default that is a plain number: set by the model, not by evidence."""
    return Field(default_factory=lambda: Estimate(value=value))  # type: ignore[return-value]


DEFAULT_ROUND_UNIT = "month"
Role = Literal["party", "guarantor", "mediator"]
Style = Literal["none", "facilitative", "formulative", "manipulative"]
ProposalRule = Literal["weighted", "nash"]


class Source(Strict):
    """A source article that evidence quotes come from."""

    outlet: str
    date: dt.date | str
    headline: str
    file: str | None = None


class Issue(Strict):
    """A negotiation dimension scaled 0..1, with what each pole means."""

    label: str
    low: str = Field(description="what a value of 0 means")
    high: str = Field(description="what a value of 1 means")
    description: str = ""


class RedLine(Strict):
    """A precondition: the package must reach `threshold` on this issue (from the actor's side)."""

    direction: Literal["at_least", "at_most"]
    threshold: EstimateField
    softening: EstimateField = Field(
        default_factory=lambda: Estimate(value=0.0),
        description="how far the threshold moves per unit of accumulated cost of war",
    )


class Actor(Strict):
    """One actor's stated positions and traits."""

    name: str
    role: Role
    position: dict[str, EstimateField]
    salience: dict[str, EstimateField]
    clout: EstimateField
    stubbornness: EstimateField
    batna: EstimateField | None = None
    cost_of_war: EstimateField | None = None
    red_lines: dict[str, RedLine] = Field(default_factory=dict)
    trust: dict[str, EstimateField] = Field(default_factory=dict)
    affinity: dict[str, EstimateField] = Field(default_factory=dict)
    leverage: dict[str, EstimateField] = Field(default_factory=dict)
    veto: Switch = False


class Dynamics(Strict):
    """Rates and noise levels shared by all actors."""

    influence_rate: EstimateField = fixed(0.1)
    perception_noise: EstimateField = fixed(0.08)
    misperception_persistence: EstimateField = fixed(0.9)
    shock_sd: EstimateField = fixed(0.01)
    credibility_discount: EstimateField = fixed(0.15)
    facilitation: EstimateField = fixed(0.5)
    concession: EstimateField = fixed(0.5)
    walkout_gap: EstimateField = fixed(0.25)
    commitment_problem: EstimateField = fixed(0.0)
    patience: Whole = Field(default=12, ge=1)


class Mechanisms(Strict):
    """Switches: each mechanism can be turned off to see what it does."""

    parameter_uncertainty: Switch = True
    costs: Switch = True
    shocks: Switch = True
    influence: Switch = True
    red_lines: Switch = True
    red_line_softening: Switch = True
    perception_noise: Switch = True
    mediator_bias: Switch = True
    leverage: Switch = True
    veto: Switch = True
    ceasefire: Switch = True
    walkout: Switch = True


class Mediation(Strict):
    """A mediation path: who mediates, how, and who presses whom."""

    mediators: list[str] = Field(default_factory=list)
    style: Style = "none"
    proposal: ProposalRule = "weighted"
    bias: EstimateField = fixed(0.0)
    pressing: list[str] = Field(default_factory=list)
    absent: list[str] = Field(default_factory=list)
    ceasefire_first: Switch = False


class RunSettings(Strict):
    replications: Whole = Field(default=1000, ge=1, le=MAX_REPLICATIONS)
    rounds: Whole = Field(default=60, ge=1, le=MAX_ROUNDS)
    seed: Whole = Field(default=0, ge=0)
    # What keys the random streams (with the seed): by default the name of the file that first
    # defined the mediation paths, so a what-if that extends it shares its draws (docs/model.md).
    streams: str | None = None
    # What one round stands for, in the singular ("month"): shown in tables and on time axes.
    round_unit: str | None = None


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
    issues: dict[str, Issue]
    actors: dict[str, Actor]
    status_quo: dict[str, EstimateField] = Field(default_factory=dict)
    dynamics: Dynamics = Field(default_factory=Dynamics)
    mechanisms: Mechanisms = Field(default_factory=Mechanisms)
    mediation: Mediation = Field(default_factory=Mediation)
    run: RunSettings = Field(default_factory=RunSettings)
    label: str = ""


# Keys a variant may set: its own description plus partial overrides of the base.
VARIANT_KEYS = (
    "label",
    "description",
    "mediation",
    "actors",
    "dynamics",
    "mechanisms",
    "status_quo",
)
TOP_LEVEL_KEYS = (*Scenario.model_fields.keys(), "extends", "variants", "explore")
