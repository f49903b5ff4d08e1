"""`negsim backtest`: every model's predictions on cases with known outcomes, scored against
what happened and against the compromise model (docs/validation.md).

DATASET is a DEU-format file (read as `negsim import deu` would write it) or a folder of
scenario files that record an `observed:` outcome. Each case (one scenario file) becomes one
"path" of the run, named `<group>--<case>`: the group is the proposal (DEU) or the case's
folder, and issues of one group are resampled together in the bootstrap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from sim.commands.common import out
from sim.commands.folder_command import FolderCommand, folder_options, write_result
from sim.jobs.backtest import DEFAULT_RUNS, MODELS, BacktestJob
from sim.limits import MAX_REPLICATIONS
from sim.results.summary_schema import BacktestSummary


def report(job: BacktestJob, summary: BacktestSummary) -> None:
    """Each model's errors against the compromise model."""
    out.print(metrics_table(summary))


def metrics_table(summary: BacktestSummary) -> Table:
    """Each model's errors in points of a 0..100 scale, against the compromise model."""
    table = Table(
        title=f"Backtest on {summary.cases:,} issues of {summary.groups:,} proposals "
        "(errors in points of a 0..100 scale)",
        title_justify="left",
    )
    for column in ("model", "n", "MAE", "RMSE", "median", "≤5", "≤10", "≤20", "MAE − compromise [95% CI]"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for s in summary.scores:
        difference = (
            "–"
            if s.mae_diff_vs_compromise is None
            else f"{s.mae_diff_vs_compromise:+.1f} [{s.ci_low:+.1f}, {s.ci_high:+.1f}]"
        )
        table.add_row(
            s.model,
            f"{s.n:,}",
            f"{s.mae:.1f}",
            f"{s.rmse:.1f}",
            f"{s.median_ae:.1f}",
            f"{s.within_5:.0%}",
            f"{s.within_10:.0%}",
            f"{s.within_20:.0%}",
            difference,
        )
    table.caption = "A negative difference: the model erred less than the compromise model."
    table.caption_justify = "left"
    return table


@click.command(name="backtest", cls=FolderCommand, job=BacktestJob, report=report, folder_suffix="backtest")
@click.argument("file", metavar="DATASET", type=click.Path(path_type=Path))
@click.option(
    "--models",
    "models",
    multiple=True,
    help=f"A model to score (repeatable; default all: {', '.join(MODELS)}).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    help=f"Replications of the agent-based model per case (default {DEFAULT_RUNS}).",
)
@folder_options(
    seed="Seed of the agent-based model's runs and of the bootstrap.",
    out="Result folder to create (default: results/backtest-<dataset>/<timestamp>-backtest).",
    plots="Draw predicted against actual, the error distributions and the differences.",
)
def backtest_command(**options: Any) -> None:
    """Score every model's predictions on DATASET's known outcomes."""
    write_result(options)
