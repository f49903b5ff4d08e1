"""Spatial-model cases (KTAB, Bueno de Mesquita): actors with a capability and, per issue, a
position and a salience. Both importers read their files into a `SpatialCase`; `to_scenario`
turns one into a scenario document, each number citing the cell it was read from.

The choices (docs/importing.md): every actor is a stakeholder; they decide by weighted majority
with their capability as vote weight; a neutral chair proposes the clout x salience weighted
compromise; clout is capability divided by the largest; stubbornness is an assumption (0.5);
the status quo is the middle of each scale (an assumption) unless `--status-quo` gives it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from sim.importers.document import (
    Flow,
    assumed,
    cited,
    general_bargaining,
    share_note,
    stubbornness,
)
from sim.importers.source import fail, identifier, plain

Missing = Literal["refuse", "midpoint"]


@dataclass(frozen=True)
class Cell:
    """One number of the data file, where it is, and how it was written (`value` None: blank)."""

    value: float | None
    text: str
    line: int
    column: str


@dataclass(frozen=True)
class SpatialIssue:
    id: str
    label: str
    low: float  # the scale positions are written on
    high: float
    unit: str = ""
    scale_note: str = ""  # how the scale was chosen


@dataclass(frozen=True)
class SpatialActor:
    id: str
    name: str
    capability: Cell
    positions: dict[str, Cell]  # issue id -> cell
    saliences: dict[str, Cell]
    line: int  # where the actor is first given


@dataclass(frozen=True)
class SpatialCase:
    """A case read from a spatial-model file."""

    source: Path
    format: str  # "ktab" or "bdm": the `negsim import` subcommand
    title: str
    description: str
    issues: list[SpatialIssue]
    actors: list[SpatialActor]
    salience_scale: float  # 100 when saliences are written 0..100, 1 when 0..1
    notes: list[str] = field(default_factory=list)  # the file's own settings, how it was read


def midpoint(issue: SpatialIssue) -> float:
    return (issue.low + issue.high) / 2


def split_by_issue(case: SpatialCase) -> list[SpatialCase]:
    """One case per issue, each with the actors that have a row for it."""
    cases = []
    for issue in case.issues:
        actors = [
            replace(
                actor,
                positions={issue.id: actor.positions[issue.id]},
                saliences={issue.id: actor.saliences[issue.id]},
            )
            for actor in case.actors
            if issue.id in actor.positions
        ]
        cases.append(replace(case, title=f"{case.title}: {issue.label}", issues=[issue], actors=actors))
    return cases


def _salience(case: SpatialCase, cell: Cell, missing: Missing) -> Flow:
    if cell.value is None:
        if missing == "refuse":
            fail(
                case.source,
                "no salience: the cell is blank",
                line=cell.line,
                column=cell.column,
                hint="fill in the cell, or import with --missing midpoint to assume the middle of the scale "
                "(marked as an assumption)",
            )
        return assumed(0.5, f"blank in the data file (line {cell.line}, {cell.column}): salience 0.5 assumed")
    scale = case.salience_scale
    return cited(cell.value / scale, case.format, cell.line, cell.column, share_note(cell.text, scale))


def to_scenario(
    case: SpatialCase,
    *,
    name: str,
    status_quo: float | None = None,
    missing: Missing = "refuse",
    citation: str | None = None,
    date: str | None = None,
) -> dict[str, Any]:
    """The scenario document (a YAML mapping) of a spatial-model case."""
    issue_ids = [issue.id for issue in case.issues]
    for actor in case.actors:
        absent = [i for i in issue_ids if i not in actor.positions]
        if absent:
            fail(
                case.source,
                f"actor `{actor.id}` has no row for issue `{absent[0]}`; every actor needs a position "
                "and a salience on every issue of a scenario",
                line=actor.line,
                hint="add the row, or import with --per-issue to write one scenario per issue "
                "with the actors that have a row for it",
            )
    if len(case.actors) < 2:
        fail(case.source, f"has {len(case.actors)} actor(s); a negotiation needs at least two")
    largest = max(actor.capability.value or 0.0 for actor in case.actors)
    if largest <= 0:
        fail(
            case.source,
            "every capability is 0",
            line=case.actors[0].capability.line,
            column=case.actors[0].capability.column,
            hint="capabilities are the actors' relative power: give at least one positive number",
        )
    actors: dict[str, Any] = {}
    for actor in case.actors:
        capability = actor.capability
        assert capability.value is not None  # readers refuse a blank capability
        positions = {
            issue.id: _position(case, issue, actor.positions[issue.id], missing) for issue in case.issues
        }
        saliences = {issue.id: _salience(case, actor.saliences[issue.id], missing) for issue in case.issues}
        actors[actor.id] = {
            "name": actor.name,
            "role": "stakeholder",
            "position": positions,
            "salience": saliences,
            "clout": cited(
                capability.value / largest,
                case.format,
                capability.line,
                capability.column,
                f"capability {capability.text} divided by {plain(largest)}, the largest",
            ),
            "stubbornness": stubbornness(),
            "votes": cited(
                capability.value,
                case.format,
                capability.line,
                capability.column,
                "the capability as vote weight",
                fixed=True,
            ),
        }
    document: dict[str, Any] = {
        "name": name,
        "title": case.title,
        "description": _description(case, status_quo),
        "sources": {
            case.format: {
                "outlet": citation or _DEFAULT_OUTLET[case.format],
                "date": date or "not stated in the file",
                "headline": case.title,
                "file": case.source.name,
            }
        },
        "issues": {issue.id: _issue(issue) for issue in case.issues},
        "status_quo": {issue.id: _status_quo(issue, status_quo) for issue in case.issues},
        "decision": Flow(rule="weighted_majority"),
        "actors": actors,
    }
    document.update(general_bargaining())
    return document


_DEFAULT_OUTLET = {
    "ktab": "a KTAB input file (KAPSARC Toolkit for Behavioral Analysis)",
    "bdm": "an actor, capability, position, salience table (Bueno de Mesquita's expected utility model)",
}


def _position(case: SpatialCase, issue: SpatialIssue, cell: Cell, missing: Missing) -> Flow:
    if cell.value is None:
        if missing == "refuse":
            fail(
                case.source,
                "no position: the cell is blank",
                line=cell.line,
                column=cell.column,
                hint="fill in the cell, or import with --missing midpoint to assume the middle of the scale "
                "(marked as an assumption)",
            )
        return assumed(
            midpoint(issue),
            f"blank in the data file (line {cell.line}, {cell.column}): the middle of the scale assumed",
        )
    return cited(cell.value, case.format, cell.line, cell.column, "as given, on the issue's scale")


def _issue(issue: SpatialIssue) -> dict[str, Any]:
    unit = f" {issue.unit}" if issue.unit else ""
    found: dict[str, Any] = {
        "label": issue.label,
        "low": f"{plain(issue.low)}{unit} on the data file's scale",
        "high": f"{plain(issue.high)}{unit} on the data file's scale",
    }
    if issue.scale_note:
        found["description"] = issue.scale_note
    found["scale"] = Flow(low=plain(issue.low), high=plain(issue.high))
    if issue.unit:
        found["scale"]["unit"] = issue.unit
    return found


def _status_quo(issue: SpatialIssue, given: float | None) -> Flow:
    if given is None:
        return assumed(midpoint(issue), "the data file gives no status quo: the middle of the scale assumed")
    return assumed(given, f"given on the command line (--status-quo {plain(given)})")


def _description(case: SpatialCase, status_quo: float | None) -> str:
    lines = [case.description] if case.description else []
    lines.append(f"Imported from {case.source.name} with `negsim import {case.format}`.")
    lines += case.notes
    lines.append(
        "Every actor is a stakeholder; they decide by weighted majority, each actor's capability its vote "
        "weight; a neutral chair proposes the clout x salience weighted compromise."
    )
    lines.append("Clout: capability divided by the largest capability. Stubbornness: an assumption (0.5).")
    lines.append(
        "Status quo: the middle of each scale, an assumption (the file gives none)."
        if status_quo is None
        else f"Status quo: {plain(status_quo)} on every issue, given on the command line."
    )
    return "\n".join(lines)


def check_status_quo(case: SpatialCase, status_quo: float | None) -> None:
    if status_quo is None:
        return
    for issue in case.issues:
        if not issue.low <= status_quo <= issue.high:
            fail(
                "--status-quo",
                f"{plain(status_quo)} is outside issue `{issue.id}`'s scale "
                f"[{plain(issue.low)}, {plain(issue.high)}]",
                hint="give a value on the issues' scale",
            )


def unique_ids(names: Sequence[str], fallback: str) -> list[str]:
    """Ids made from `names`, made unique with a suffix (`-2`) where two would be the same."""
    made: list[str] = []
    for index, text in enumerate(names, 1):
        base = identifier(text, f"{fallback}{index}")
        candidate, n = base, 2
        while candidate in made:
            candidate, n = f"{base}-{n}", n + 1
        made.append(candidate)
    return made
