"""Conditioning on the record: keep the replications whose events up to a date match what
happened (a scenario's `history:`), and say what those forecast from then on.

It is rejection sampling with an exact match. A replication's history either satisfies every
condition or it does not, so each kept replication weighs the same and the kept ones are a
sample of the model's runs given the history; discrete event histories need no distance, no
tolerance and no ABC machinery (docs/forecasting.md says why pyabc is not used). Whether a
condition holds is decided by sim.forecast.conditions.holds, the function that answers forecast
questions on runs and resolves them on the record, so a history and a question cannot mean two
different things.

A history is of talks still going on at its date: a replication that ended by then (an
agreement, a walk-out, or a ceasefire where ceasefires end the run) is never kept, as there is
nothing after the date to forecast from it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.errors import Problem
from sim.forecast.conditions import Condition, holds
from sim.forecast.months import month_of
from sim.limits import MAX_REPLICATIONS
from sim.results.summary import path_outcomes
from sim.results.summary_schema import Conditioned, HistoryCondition
from sim.results.timeline import path_timelines
from sim.scenario.schema import History

# Fewer kept runs than this on a path and its forecast is refused, not printed: with 30 runs a
# share near 50% still has a 95% interval of about ±17 points (Wilson), and the two-sample
# Kolmogorov-Smirnov distance that ranks the posterior plot's parameters cannot tell a shift
# of less than about 0.25 from noise. Fewer runs would print noise as a forecast.
MIN_ACCEPTED = 30


@dataclass(frozen=True)
class Requirement:
    """One condition of a history: `condition` holds at the end of `month`, or (`negated`,
    `test: none`) its `occurs` does not."""

    condition: Condition
    month: int
    negated: bool = False

    @property
    def test(self) -> str:
        return "none" if self.negated else self.condition.test


@dataclass(frozen=True)
class Conditions:
    """A history made concrete for a run: its last round, and each condition's deadline round."""

    month: int
    requirements: tuple[Requirement, ...]
    through: dt.date | None = None
    source: str | None = None

    def summary(self) -> list[HistoryCondition]:
        return [
            HistoryCondition(
                kind=r.condition.event, test=r.test, issues=list(r.condition.issues), month=r.month
            )
            for r in self.requirements
        ]


def conditions_of(history: History, start: dt.date | None) -> Conditions:
    """A validated `history:` (sim/scenario/references.check_history) with every date turned
    into the round that holds it (docs/forecasting.md: round m covers [start + m − 1 months,
    start + m months)); a condition without a deadline is checked at the history's own."""
    if history.through is not None:
        assert start is not None, "validation refuses dates without run.start_date"
        month = month_of(history.through, start)
    else:
        assert history.months is not None
        month = history.months
    requirements = []
    for event in history.events:
        if event.by is not None:
            assert start is not None
            deadline = month_of(event.by, start)
        else:
            deadline = event.months if event.months is not None else month
        negated = event.test == "none"
        condition = Condition(event.kind, "occurs" if negated else event.test, tuple(event.issues or ()))
        requirements.append(Requirement(condition, deadline, negated))
    return Conditions(month, tuple(requirements), history.through, history.source)


def from_summary(conditioned: Conditioned) -> Conditions:
    """The conditions a result folder records, to find its kept runs again (the plots)."""
    requirements = tuple(
        Requirement(
            Condition(c.kind, "occurs" if c.test == "none" else c.test, tuple(c.issues)),
            c.month,
            c.test == "none",
        )
        for c in conditioned.conditions
    )
    through = dt.date.fromisoformat(conditioned.through) if conditioned.through else None
    return Conditions(conditioned.month, requirements, through, conditioned.source)


def timeline(events: pd.DataFrame) -> pd.DataFrame:
    """A path's events table as holds() reads it: kinds as text, no issues as ""."""
    return events.assign(
        kind=events["kind"].astype(str), issues=events["issues"].astype(object).fillna("").astype(str)
    )


def accepted(events: pd.DataFrame, ends: pd.Series, conditions: Conditions) -> np.ndarray:
    """The replications (sorted) still going after the history's last round whose events meet
    every condition. `events`: replication, month, kind, issues, in the order they happened;
    `ends`: every replication's last round, indexed by replication."""
    keep = np.sort(ends.index[ends.to_numpy() > conditions.month].to_numpy(dtype=np.int64))
    events = timeline(events)
    for requirement in conditions.requirements:
        hits = holds(events, requirement.condition, requirement.month)
        keep = np.setdiff1d(keep, hits) if requirement.negated else np.intersect1d(keep, hits)
    return keep


def kish_ess(weights: Sequence[float] | np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²: the kept runs weigh equally, so it is their
    number; it is written this way so that weights added later are counted honestly."""
    w = np.asarray(weights, dtype=float)
    squares = float(np.sum(w**2))
    return 0.0 if squares == 0 else float(np.sum(w)) ** 2 / squares


def conditioned_path(
    label: str,
    runs: pd.DataFrame,
    events: pd.DataFrame,
    kept: np.ndarray,
    conditions: Conditions,
    issues: list[str],
    rounds: int,
    with_timelines: bool,
) -> Conditioned:
    """One path's kept runs (`kept`, from `accepted`; `runs`: its replications table, with
    `replication`, `outcome`, `end_round` and the terms) and their forecast: outcomes, months to
    agreement counted from the end of the history's last round, and (`with_timelines`) what
    happened after it, from the path's `events`."""
    if kept.size == 0:
        raise ValueError("no replication was kept: `shortfall` refuses such a path first")
    month = conditions.month
    later = runs.loc[runs["replication"].isin(kept)].assign(end_round=lambda t: t["end_round"] - month)
    forecast = path_outcomes(label, later, issues)
    if with_timelines:
        after = timeline(events)
        after = after.loc[after["replication"].isin(kept) & (after["month"] > month)]
        after = after.assign(month=after["month"] - month)
        shifted = later.set_index("replication")["end_round"]
        forecast = forecast.model_copy(
            update={"events": path_timelines(after, shifted, len(kept), rounds - month)}
        )
    return Conditioned(
        month=month,
        through=None if conditions.through is None else conditions.through.isoformat(),
        source=conditions.source,
        conditions=conditions.summary(),
        replications=len(runs),
        accepted=len(kept),
        acceptance=len(kept) / len(runs),
        ess=kish_ess(np.ones(len(kept))),
        forecast=forecast,
    )


def shortfall(
    path: str, label: str, kept: int, replications: int, conditions: Conditions, file: str
) -> Problem | None:
    """A path on which fewer than MIN_ACCEPTED runs were kept, as one problem with how many runs
    would do (at the rate seen, with a quarter more for luck), or None when enough were."""
    if kept >= MIN_ACCEPTED:
        return None
    when = f"through {conditions.through}" if conditions.through else f"up to month {conditions.month}"
    message = (
        f"path `{path}` ({label}): {kept:,} of {replications:,} replications match the history {when} "
        f"({kept / replications:.1%}); a forecast needs at least {MIN_ACCEPTED}"
    )
    if kept == 0:
        runs = min(MAX_REPLICATIONS, 10 * replications)
        suggestion = (
            f"check that the history can happen on this path, or run more replications (--runs {runs:,}, "
            "or `run.replications` in the file)"
        )
    else:
        needed = math.ceil(1.25 * MIN_ACCEPTED * replications / kept)
        runs = min(MAX_REPLICATIONS, _round_up(needed))
        suggestion = (
            f"run more replications: --runs {runs} (or `run.replications: {runs}` in the file) "
            f"would keep about {round(kept * runs / replications)} at this rate"
        )
    return Problem(file=file, key_path="history", message=message, suggestion=suggestion)


def _round_up(n: int) -> int:
    """Up to two significant figures: 3,617 -> 3,700."""
    step = 10 ** max(0, len(str(n)) - 2)
    return -(-n // step) * step


KS_5_PERCENT = 1.358  # the asymptotic 5% critical value of the Kolmogorov-Smirnov statistic


def ks_distances(parameters: pd.DataFrame, kept: np.ndarray) -> pd.Series:
    """How far each sampled parameter's distribution over the kept runs moved from its
    distribution over all runs (`parameters`: a path's parameters table, one column per
    parameter): the two-sample Kolmogorov-Smirnov distance D, largest first. Parameters that do
    not vary are left out. No p-values: the kept runs are a subset of all runs, not an
    independent sample, so the test's p-value would not mean what it says."""
    from scipy.stats import (
        ks_2samp,
    )  # here: scipy.stats takes a second to import, and most runs have no history

    columns = [c for c in parameters.columns if c not in ("path", "replication")]
    inside = parameters["replication"].isin(kept).to_numpy()
    found = {}
    for column in columns:
        values = parameters[column].to_numpy(dtype=float)
        known = ~np.isnan(values)
        values, chosen = values[known], inside[known]
        if values.size == 0 or np.ptp(values) == 0 or not chosen.any():
            continue
        found[column] = float(ks_2samp(values[chosen], values).statistic)
    return pd.Series(found, dtype=float).sort_values(ascending=False, kind="stable")


def noise_floor(kept: int, total: int) -> float:
    """The distance D that a random subset of `kept` of `total` runs exceeds one time in 20 with
    no history at all: the ECDF of such a subset strays from the whole by sqrt((1/n − 1/N)·F(1 − F))
    at each point, so D's 5% critical value is KS_5_PERCENT·sqrt(1/n − 1/N). Small paths have
    high floors; ranking by D over the floor keeps their noise from looking like news."""
    return KS_5_PERCENT * math.sqrt(max(0.0, 1 / kept - 1 / total)) if kept else math.inf


def moved_most(distances: dict[str, pd.Series], floors: dict[str, float], top: int = 9) -> pd.DataFrame:
    """The `top` parameters that moved most on any path: for each, the path where its distance D
    stands highest over that path's noise floor, D and that ratio; largest ratio first."""
    rows = [
        (parameter, path, d, d / floors[path])
        for path, found in distances.items()
        for parameter, d in found.items()
        if floors[path] > 0
    ]
    table = pd.DataFrame(rows, columns=["parameter", "path", "distance", "over_floor"])
    table = table.sort_values("over_floor", ascending=False, kind="stable")
    return table.drop_duplicates("parameter").head(top).reset_index(drop=True)
