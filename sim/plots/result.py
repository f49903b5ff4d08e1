"""Read a result folder (summary.json and two tables) into one typed object."""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.results import writer
from sim.results.stream import TRAJECTORIES, read_table

OUTCOMES = ("agreement", "ceasefire", "breakdown", "stalemate")
RUN_COLUMNS = ["outcome", "end_round"]  # plus the agreed terms: all the plots read of each run


@dataclass(frozen=True)
class Issue:
    """One negotiation dimension; `low` and `high` say what positions 0 and 1 mean."""

    id: str
    label: str
    low: str
    high: str


@dataclass(frozen=True)
class PathSummary:
    """The headline numbers of one mediation path, as summary.json states them."""

    id: str
    label: str
    share: float
    low: float
    high: float
    outcomes: dict[str, float]


@dataclass(frozen=True)
class Result:
    """Everything the plots need from one result folder."""

    title: str
    rounds: int
    round_unit: str
    replications: int
    issues: dict[str, Issue]
    actors: dict[str, str]
    paths: dict[str, PathSummary]
    runs: pd.DataFrame
    trajectories: pd.DataFrame

    @property
    def time_label(self) -> str:
        """The x label of time axes, e.g. "months since talks began"."""
        return f"{self.round_unit}s since talks began"


def path_summary(path_id: str, raw: dict) -> PathSummary:
    """One path of summary.json (or an in-memory summary) as the plots read it."""
    agreement = raw.get("agreement", {})
    share = float(agreement.get("share", raw.get("outcomes", {}).get("agreement", 0.0)))
    low, high = agreement.get("low"), agreement.get("high")
    outcomes = raw.get("outcomes") or {}
    return PathSummary(
        id=path_id,
        label=raw.get("label", path_id),
        share=share,
        low=share if low is None else float(low),
        high=share if high is None else float(high),
        outcomes={name: float(outcomes.get(name) or 0.0) for name in OUTCOMES},
    )


def load_result(result_dir: Path) -> Result:
    """Parse summary.json and load the replications and trajectories tables."""
    result_dir = Path(result_dir)
    summary = writer.read_summary(result_dir)  # bounded, never through a link, one clear message
    issues = {
        key: Issue(key, raw.get("label", key), raw.get("low", "0"), raw.get("high", "1"))
        for key, raw in summary["issues"].items()
    }
    return Result(
        title=summary.get("title") or summary.get("scenario", result_dir.name),
        rounds=int(summary["rounds"]),
        round_unit=summary.get("round_unit") or "round",
        replications=int(summary.get("replications", 0)),
        issues=issues,
        actors=dict(summary["actors"]),
        paths={key: path_summary(key, raw) for key, raw in summary["paths"].items()},
        runs=read_table(result_dir, columns=RUN_COLUMNS + [f"terms.{issue}" for issue in issues]),
        trajectories=pd.read_parquet(result_dir / TRAJECTORIES),
    )
