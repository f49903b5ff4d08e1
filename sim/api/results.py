"""Result folders as Python objects: the tables as pandas DataFrames, the summary, the plots,
and the folder itself, read when first asked for. A folder written by the command line reads
the same as one written from Python (`read_result`)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.results import writer
from sim.results.layout import (
    EVENTS,
    INDICES,
    METRICS,
    PARAMETERS,
    PLOTS,
    POINTS,
    PREDICTIONS,
    PRIM,
    REPLICATIONS,
)
from sim.results.stream import read_table
from sim.results.summary_schema import (
    BacktestSummary,
    DiscoverySummary,
    RunPath,
    RunSummary,
    SensitivitySummary,
    Summary,
)

if TYPE_CHECKING:  # matplotlib is imported when a figure is drawn
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Result:
    """A result folder negsim wrote: its `folder`, the typed `details` of its summary.json, its
    `manifest` (who made it, how, and every file's checksum), its saved `plots`, and any of
    them drawn anew as a matplotlib figure with `figure(name)`."""

    folder: Path

    def __post_init__(self) -> None:
        # The folder as an absolute path: it still names the folder after a notebook or a
        # script changes its working folder.
        object.__setattr__(self, "folder", Path(self.folder).absolute())

    @functools.cached_property
    def details(self) -> Summary:
        """summary.json as its typed model (sim/results/summary_schema.py)."""
        return writer.read_summary(self.folder)

    @property
    def manifest(self) -> dict[str, Any]:
        return writer.read_manifest(self.folder)

    @property
    def plots(self) -> dict[str, Path]:
        """The saved PNG files by name (`agreement`, `survival`, …); empty when drawn without plots."""
        return {png.stem: png for png in sorted((self.folder / PLOTS).glob("*.png"))}

    def figure(self, name: str, path: str | None = None) -> Figure:
        """Plot `name` (as in `plots`: `agreement`, `terms`, …) drawn from the folder's tables,
        as a matplotlib figure: a notebook shows it, `.savefig` saves it. `path` picks the
        mediation path of a run's `trajectories` plot (default: the first)."""
        from sim.plots import style
        from sim.plots.draw import figures

        shown_in_notebooks()
        drawn = figures(self.folder, path)
        key = name if name.endswith(".png") else f"{name}.png"
        if key not in drawn:
            known = ", ".join(sorted(n.removesuffix(".png") for n in drawn))
            raise KeyError(f"no plot {name!r} for this folder; it has: {known}")
        with style.theme():
            return drawn[key]()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.folder)!r})"


def summary_row(path: RunPath) -> dict[str, Any]:
    """One path's numbers as a row of `RunResult.summary` (and of `summarise`)."""
    return {
        "label": path.label,
        "replications": path.replications,
        "agreement": path.agreement.share,
        "agreement_low": path.agreement.low,
        "agreement_high": path.agreement.high,
        "median_months_to_agreement": path.median_rounds_to_agreement,
        **{f"ended_{k}": v for k, v in path.outcomes.model_dump().items() if k != "agreement"},
    }


@dataclass(frozen=True, repr=False)
class RunResult(Result):
    """The folder of a run: every mediation path of a scenario, replicated."""

    @property
    def summary(self) -> pd.DataFrame:
        """One row per path, as `negsim run` prints it: the label, replications, the agreement
        share with its 95% Wilson interval, the median month of agreement, and the share of
        runs ending in each outcome."""
        details = self.details
        assert isinstance(details, RunSummary)
        rows = {path_id: summary_row(path) for path_id, path in details.paths.items()}
        table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("path")
        return table.sort_values("agreement", ascending=False)

    @property
    def replications(self) -> pd.DataFrame:
        """One row per replication of every path: outcome, end_round, terms and utilities."""
        return read_table(self.folder, REPLICATIONS)

    @property
    def parameters(self) -> pd.DataFrame:
        """Every sampled number of each replication, by key path."""
        return read_table(self.folder, PARAMETERS)

    @property
    def events(self) -> pd.DataFrame:
        """Each replication's timeline: one row per event (month, kind, issues)."""
        return read_table(self.folder, EVENTS)


@dataclass(frozen=True, repr=False)
class SensitivityResult(Result):
    """The folder of a sensitivity analysis: Sobol' or Morris indices per path and output."""

    @property
    def indices(self) -> pd.DataFrame:
        """One row per path, output and parameter, largest first within each path and output."""
        return pd.read_parquet(self.folder / INDICES)

    @property
    def points(self) -> pd.DataFrame:
        """The outputs at each design point of each path."""
        return pd.read_parquet(self.folder / POINTS)


@dataclass(frozen=True, repr=False)
class DiscoveryResult(Result):
    """The folder of a scenario discovery: PRIM boxes and CART trees per path."""

    @property
    def findings(self) -> pd.DataFrame:
        """One row per path: the finding in a sentence, the base rate, and the box's coverage,
        density and limits when PRIM found one."""
        details = self.details
        assert isinstance(details, DiscoverySummary)
        rows = []
        for path_id, path in details.paths.items():
            box = path.box
            rows.append(
                {
                    "path": path_id,
                    "label": path.label,
                    "sentence": path.sentence,
                    "base_rate": path.base_rate,
                    "coverage": box.coverage if box is not None else None,
                    "density": box.density if box is not None else None,
                    "limits": {k: tuple(v) for k, v in box.limits.items()} if box is not None else None,
                    "tree_accuracy": path.tree_accuracy,
                }
            )
        return pd.DataFrame(rows).set_index("path")

    @property
    def peeling(self) -> pd.DataFrame:
        """PRIM's peeling trajectory of every path: coverage and density of each box."""
        return pd.read_parquet(self.folder / PRIM)


@dataclass(frozen=True, repr=False)
class BacktestResult(Result):
    """The folder of a backtest: every model's predictions on cases with known outcomes, scored."""

    @property
    def metrics(self) -> pd.DataFrame:
        """Per model: MAE, RMSE, median error, shares within 5/10/20 points, and the difference
        in MAE to the compromise model with its 95% bootstrap interval."""
        return pd.read_csv(self.folder / METRICS)

    @property
    def predictions(self) -> pd.DataFrame:
        """Per issue and model: the predicted and the actual outcome."""
        return pd.read_csv(self.folder / PREDICTIONS)


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """A ledger's forecasts scored against the record of what happened: `scores` (one row per
    resolved forecast: probability, outcome, Brier and log scores, the base rate's), the
    `reliability` bins, the `overall` means with the skill (n, brier, log, base_brier,
    base_log, skill), the forecasts the record does not resolve yet (`unresolved`), and the
    `folder` they were written to (None, and all but `unresolved` empty, when it resolves none)."""

    scores: pd.DataFrame
    reliability: pd.DataFrame
    overall: dict[str, float | None]
    unresolved: pd.DataFrame
    folder: Path | None


def shown_in_notebooks() -> None:
    """Let IPython show a figure returned by a cell as an image, as `%matplotlib inline` would:
    negsim's figures are drawn without pyplot, which is what a notebook watches by default."""
    import sys

    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython
    from IPython.core.pylabtools import select_figure_formats

    shell = get_ipython()
    if shell is not None and hasattr(shell, "display_formatter"):
        select_figure_formats(shell, {"png"})


KINDS: dict[type[Summary], type[Result]] = {
    RunSummary: RunResult,
    SensitivitySummary: SensitivityResult,
    DiscoverySummary: DiscoveryResult,
    BacktestSummary: BacktestResult,
}


def read_result(folder: str | Path) -> Result:
    """A result folder written by `run`, `sensitivity`, `discover` or `backtest`, from Python
    or the command line, as the matching result object.

    Examples:
        >>> import sim, tempfile
        >>> folder = f"{tempfile.mkdtemp()}/flagship"
        >>> made = sim.run("2024-12-mediation-paths", runs=50, out=folder, plots=False)
        >>> sim.read_result(folder)  # doctest: +ELLIPSIS
        RunResult('.../flagship')
    """
    found = Result(Path(folder))
    return KINDS[type(found.details)](Path(folder))
