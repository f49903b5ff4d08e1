"""The run's events table, read in one place: what happened in each replication, and when.

`negsim run` streams it like the replications table (`events/path=<id>/part-….parquet`):
one row per event with `replication`, `month` (the round it happened in), `kind` and
`issues`. Replications in which nothing happened have no rows, so how many there were comes
from summary.json, as does the run's horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import NegsimError
from sim.forecast.conditions import KINDS
from sim.results import writer
from sim.results.layout import EVENTS
from sim.results.stream import read_table
from sim.results.summary_schema import RunSummary

COLUMNS = ["month", "kind", "issues"]


@dataclass(frozen=True)
class EventsTable:
    """Each path's events (columns replication, month, kind, issues) and how many replications
    ran on it; `rounds` is the horizon every path ran to."""

    events: dict[str, pd.DataFrame]
    replications: dict[str, int]
    rounds: int


def load_events(folder: Path) -> EventsTable:
    """The events table of the `negsim run` folder `folder`, each path's rows in replication
    order; refused with one message if the folder has none or it holds an unknown kind."""
    summary = writer.read_summary(folder)
    if not isinstance(summary, RunSummary):
        raise NegsimError.single(
            str(folder), f"is a {summary.kind} folder; forecasts read a `negsim run` folder"
        )
    if not (folder / EVENTS).is_dir():
        raise NegsimError.single(
            str(folder / EVENTS),
            "is missing: the folder was written by a negsim that did not record events",
            suggestion="run the scenario again with this negsim",
        )
    events = {}
    for path in summary.paths:
        frame = read_table(folder, EVENTS, columns=COLUMNS, path=path)
        frame = frame.assign(issues=frame["issues"].astype(object).fillna(""))
        frame = frame.astype({"replication": "int64", "month": "int64", "kind": str, "issues": str})
        unknown = sorted(set(frame["kind"]) - set(KINDS))
        if unknown:
            raise NegsimError.single(
                str(folder / EVENTS),
                f"path {path} holds events of an unknown kind: {', '.join(unknown)}",
                suggestion=f"known kinds: {', '.join(KINDS)}; was it written by a newer negsim?",
            )
        events[path] = frame[["replication", *COLUMNS]].reset_index(drop=True)
    return EventsTable(events, {p: s.replications for p, s in summary.paths.items()}, summary.rounds)
