"""Which forecasts the record resolves, and how: each question's condition, on the record's
timeline, at the question's deadline date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sim.errors import NegsimError
from sim.forecast.conditions import holds
from sim.forecast.entries import Logged
from sim.forecast.record import Record


@dataclass(frozen=True)
class Resolution:
    forecast: Logged
    outcome: bool | None  # None: the deadline is after the last date the record documents


def latest(forecasts: list[Logged]) -> tuple[list[Logged], dict[str, int]]:
    """The last forecast of each question, in ledger order, and how many times each question
    that was forecast more than once was."""
    last = {f.question: f for f in forecasts}
    counts: dict[str, int] = {}
    for f in forecasts:
        counts[f.question] = counts.get(f.question, 0) + 1
    chosen = sorted(last.values(), key=lambda f: f.line)
    return chosen, {q: n for q, n in counts.items() if n > 1}


def resolve(record: Record, forecasts: list[Logged], ledger: Path) -> list[Resolution]:
    """Each forecast's outcome on the record; refused (NegsimError) for a forecast of another
    snapshot (its start date is not the record's) or one whose deadline has no date."""
    timeline = record.timeline()
    resolutions = []
    for f in forecasts:
        if f.start != record.start or f.deadline is None:
            why = (
                "has no deadline date (its scenario has no run.start_date)"
                if f.deadline is None or f.start is None
                else f"starts on {f.start}, and the record {record.file} on {record.start}"
            )
            raise NegsimError.single(
                str(ledger),
                f"line {f.line}: the forecast of `{f.question}` {why}",
                line=f.line,
                suggestion="a record resolves the forecasts of the snapshot it follows (its `start`)",
            )
        if f.deadline > record.through:
            resolutions.append(Resolution(f, None))
            continue
        events = int((timeline["date"] <= f.deadline).sum())  # those on or before the deadline
        resolutions.append(Resolution(f, bool(len(holds(timeline, f.condition, events)))))
    return resolutions
