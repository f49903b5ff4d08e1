"""What a run's timelines say: how likely each kind of event is by each month, and how long
ceasefires and partial deals last (docs/model.md 7.21).

A run's events table holds one row per event (replication, month, kind, issues). Two questions
are asked of it for each mediation path:

- the share of runs in which an event of a kind has happened by month m (its first
  occurrence), with a 95% Wilson interval, for every month up to the horizon;
- how long a ceasefire or a partial deal lasts. A spell that has not broken down when its run
  ends (an agreement, a walk-out or the horizon) is censored there, so durations are estimated
  with the Kaplan-Meier product-limit estimator (sim/results/kaplan_meier.py), not by averaging
  finished spells.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.results.kaplan_meier import KaplanMeier
from sim.results.summary import wilson_interval
from sim.results.summary_schema import EventShare, Spells, Timelines

CUMULATIVE = ("ceasefire", "partial_deal", "agreement")  # kinds whose first occurrence is tracked
SPELLS = {"ceasefire": "ceasefire_breakdown", "partial_deal": "partial_breakdown"}  # start -> end
CHECKPOINTS = (12, 24)  # months at which the printed table reads the curves


def first_by_month(events: pd.DataFrame, kind: str, replications: int, rounds: int) -> pd.DataFrame:
    """For months 1..rounds: the share of runs whose first event of `kind` came by then, with
    its 95% Wilson interval."""
    firsts = events.loc[events["kind"] == kind].groupby("replication")["month"].min()
    counts = np.bincount(firsts.to_numpy(dtype=int), minlength=rounds + 1)[1 : rounds + 1].cumsum()
    bounds = [wilson_interval(int(k), replications) for k in counts]
    return pd.DataFrame(
        {
            "month": np.arange(1, rounds + 1),
            "share": counts / replications,
            "low": [low for low, _ in bounds],
            "high": [high for _, high in bounds],
        }
    )


def path_timelines(events: pd.DataFrame, ends: pd.Series, replications: int, rounds: int) -> Timelines:
    """A path's events read at CHECKPOINTS and the horizon, and how long its spells lasted
    (`ends`: each replication's last round, by replication)."""
    months = sorted({m for m in (*CHECKPOINTS, rounds) if m <= rounds})
    first = {}
    for kind in CUMULATIVE:
        curve = first_by_month(events, kind, replications, rounds).set_index("month")
        first[kind] = [EventShare(month=m, **curve.loc[m].to_dict()) for m in months]
    durations = {kind: spell_summary(spells(events, ends, kind)) for kind in SPELLS}
    return Timelines(first=first, durations=durations)


def spells(events: pd.DataFrame, ends: pd.Series, kind: str) -> pd.DataFrame:
    """Every spell of `kind` (ceasefire or partial deal, per issue): when it began, how many
    months it lasted, and whether it broke down (else it is censored when its run ended;
    `ends` is each replication's last round)."""
    columns = ["replication", "month", "issues"]
    started = events.loc[events["kind"] == kind, columns].sort_values("month", kind="stable")
    broke = events.loc[events["kind"] == SPELLS[kind], columns].rename(columns={"month": "stop"})
    # each spell with the first breakdown after it began, in the same run and on the same issue
    matched = pd.merge_asof(
        started.astype({"month": "int64"}),
        broke.astype({"stop": "int64"}).sort_values("stop", kind="stable"),
        left_on="month",
        right_on="stop",
        by=["replication", "issues"],
        direction="forward",
        allow_exact_matches=False,
    )
    broken = matched["stop"].notna()
    until = np.where(broken, matched["stop"], ends.reindex(matched["replication"]).to_numpy())
    return pd.DataFrame(
        {
            "start": matched["month"].to_numpy(),
            "months": (until - matched["month"].to_numpy()).astype(int),
            "broke": broken.to_numpy(),
        }
    )


def spell_summary(table: pd.DataFrame) -> Spells | None:
    """How long spells last: the Kaplan-Meier median and the share still holding after 12
    months (None when no spell began)."""
    if table.empty:
        return None
    fit = KaplanMeier.fit(table["months"].to_numpy(), table["broke"].to_numpy())
    median = fit.median
    return Spells(
        spells=len(table),
        broke=int(table["broke"].sum()),
        median_months=None if not np.isfinite(median) else median,
        holding_after_12=float(fit.at(12)),
    )


def survival_curve(table: pd.DataFrame, rounds: int) -> pd.DataFrame:
    """The Kaplan-Meier share of spells still holding after each number of months, with its
    95% confidence band (for the durations plot)."""
    fit = KaplanMeier.fit(table["months"].to_numpy(), table["broke"].to_numpy())
    months = np.arange(0, rounds + 1)
    return pd.DataFrame(
        {
            "months": months,
            "holding": fit.at(months),
            "low": fit.at(months, fit.low),
            "high": fit.at(months, fit.high),
        }
    )
