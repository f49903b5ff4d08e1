"""Read a result folder (summary.json and two tables) into one typed object."""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.errors import NegsimError
from sim.results import writer
from sim.results.layout import SUMMARY, TRAJECTORIES
from sim.results.stream import read_table
from sim.results.summary_schema import KINDS, RunPath, RunSummary, plural

OUTCOMES = ("agreement", "ceasefire", "breakdown", "stalemate")
RUN_COLUMNS = ["outcome", "end_round"]  # plus the agreed terms: all the plots read of each run


@dataclass(frozen=True)
class Issue:
    """One negotiation dimension; `low` and `high` say what the ends of its scale mean."""

    id: str
    label: str
    low: str
    high: str
    ends: tuple[float, float] = (0.0, 1.0)  # the scale terms are reported on
    unit: str = ""


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
        return f"{plural(self.round_unit)} since talks began"


def path_summary(path_id: str, path: RunPath) -> PathSummary:
    """One path of a run's summary (read from summary.json, or computed in memory) as the plots
    read it."""
    agreement, ends = path.agreement, path.outcomes
    return PathSummary(
        id=path_id,
        label=path.label,
        share=agreement.share,
        low=agreement.low,
        high=agreement.high,
        outcomes=ends.model_dump(),
    )


def load_result(result_dir: Path) -> Result:
    """Parse summary.json and load the replications and trajectories tables."""
    result_dir = Path(result_dir)
    summary = writer.read_summary(result_dir)  # bounded, never through a link, one clear message
    if not isinstance(summary, RunSummary):
        raise NegsimError.single(
            str(result_dir / SUMMARY),
            f"holds {KINDS[summary.kind]}, not a run",
            suggestion="these plots are drawn from a `negsim run` folder",
        )
    return result_of(result_dir, summary)


def result_of(result_dir: Path, summary: RunSummary) -> Result:
    """A run's summary with the two tables the plots read."""
    issues = {
        key: Issue(key, raw.label, raw.low, raw.high, raw.ends, raw.unit or "")
        for key, raw in summary.issues.items()
    }
    return Result(
        title=summary.title,
        rounds=summary.rounds,
        round_unit=summary.round_unit,
        replications=summary.replications,
        issues=issues,
        actors=dict(summary.actors),
        paths={key: path_summary(key, raw) for key, raw in summary.paths.items()},
        runs=read_table(result_dir, columns=RUN_COLUMNS + [f"terms.{issue}" for issue in issues]),
        trajectories=pd.read_parquet(result_dir / TRAJECTORIES),
    )
