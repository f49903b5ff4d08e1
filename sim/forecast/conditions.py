"""Whether a question's condition holds at a deadline, on timelines of events.

One function decides it for the model's runs (the events table: many replications, rounds as
months) and for what happened (the record: one timeline, its events in date order), so a
forecast and its resolution can never mean two different things.

A timeline is a table with columns `replication`, `month`, `kind` and `issues` (issue ids,
comma-separated; "" for a general event). Events of one month count in the order the table
lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.engine import EVENT_KINDS
from sim.results.timeline import SPELLS

# What the model records (and a record may list): docs/model.md 7.21, docs/forecasting.md.
KINDS = EVENT_KINDS
ASKED = ("ceasefire", "partial_deal", "agreement", "talks_breakdown")  # what a question may ask about
TESTS = ("in_force", "occurs")
ENDS = SPELLS  # what ends each kind that lasts: a ceasefire, a partial deal


@dataclass(frozen=True)
class Condition:
    """What a question asks: that `event` holds on the deadline (`in_force`) or happened by it
    (`occurs`); for a partial deal, on one of `issues` (none: on any issue)."""

    event: str
    test: str
    issues: tuple[str, ...] = ()

    def describe(self) -> str:
        on = f" on {' or '.join(self.issues)}" if self.issues else ""
        verb = "in force" if self.test == "in_force" else "occurs"
        return f"{self.event.replace('_', ' ')}{on} {verb}"


def holds(timeline: pd.DataFrame, condition: Condition, deadline: int) -> np.ndarray:
    """The replications (sorted) in which `condition` holds at the end of month `deadline`.

    - `occurs`: an event of that kind (on one of the issues, if any) in months 1..deadline.
    - `in_force`, ceasefire: the last general ceasefire or breakdown by then was a ceasefire,
      or a comprehensive agreement was reached by then (the fighting stopped).
    - `in_force`, partial deal: on some issue asked about, the last partial deal or breakdown
      by then was a deal. A breakdown with no issues ends the deals on every issue.
    - `in_force` of an agreement or a walk-out, which end a run, is their `occurs`.
    """
    until = timeline.loc[timeline["month"] <= deadline]
    until = until.sort_values(["replication", "month"], kind="stable")
    if condition.test == "occurs" or condition.event not in ENDS:
        hits = until.loc[until["kind"] == condition.event]
        return _replications(hits.loc[_covers(hits["issues"], condition.issues)])
    if condition.event == "ceasefire":
        agreed = until.loc[until["kind"] == "agreement"]
        return np.union1d(_replications(agreed), _last_is_start(until, condition, ["replication"]))
    by_issue = _by_issue(
        until.loc[until["kind"].isin(["partial_deal", "partial_breakdown"])], condition.issues
    )
    return _last_is_start(by_issue, condition, ["replication", "issue"])


def _last_is_start(events: pd.DataFrame, condition: Condition, key: list[str]) -> np.ndarray:
    """Replications whose last start-or-end event (per `key`) started `condition.event`."""
    switches = events.loc[events["kind"].isin([condition.event, ENDS[condition.event]])]
    last = switches.drop_duplicates(key, keep="last")
    return _replications(last.loc[last["kind"] == condition.event])


def _by_issue(events: pd.DataFrame, asked: tuple[str, ...]) -> pd.DataFrame:
    """One row per event and issue it concerns, limited to the issues `asked` (all if none); a
    breakdown that names no issue ends every issue's deal."""
    order = np.arange(len(events))  # the timeline's order, which the merge below would lose
    rows = events.assign(order=order, issue=events["issues"].astype(str).str.split(",")).explode("issue")
    rows["issue"] = rows["issue"].fillna("").str.strip()
    every = sorted(set(asked) or set(rows["issue"]) - {""})
    general = (rows["kind"] == "partial_breakdown") & (rows["issue"] == "")
    spread = rows.loc[general].drop(columns="issue").merge(pd.DataFrame({"issue": every}), how="cross")
    rows = pd.concat([rows.loc[~general], spread]).sort_values("order", kind="stable")
    return rows.loc[rows["issue"].isin(asked)] if asked else rows.loc[rows["issue"] != ""]


def _covers(issues: pd.Series, asked: tuple[str, ...]) -> pd.Series:
    """Whether each event's issues include one of `asked` (always, when none is asked)."""
    if not asked:
        return pd.Series(True, index=issues.index)
    wanted = set(asked)
    return issues.map(lambda text: bool(wanted & {i.strip() for i in str(text).split(",")}))


def _replications(events: pd.DataFrame) -> np.ndarray:
    return np.unique(events["replication"].to_numpy(dtype=np.int64))
