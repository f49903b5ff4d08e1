"""`negsim compare`: two `negsim run` result folders, path by path, printed (the comparison
itself is sim/jobs/compare.py's)."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from sim.analysis.paired import MIN_PAIRED, PathComparison
from sim.commands.common import out, out_option
from sim.jobs.compare import Run, compare_runs, value_text, write_comparison
from sim.scenario.show import shown


@click.command(name="compare")
@click.argument("result_a", type=click.Path(path_type=Path))
@click.argument("result_b", type=click.Path(path_type=Path))
@out_option("Also write the comparison into this new folder (comparison.csv, plots/, manifest.json).")
def compare_command(result_a: Path, result_b: Path, out_dir: Path | None) -> None:
    """Compare two `negsim run` result folders, RESULT_A and RESULT_B: for every mediation path
    in both, the difference B − A in the share of each outcome, with a 95% interval (paired when
    both runs used the same random draws)."""
    started = dt.datetime.now(dt.UTC)
    comparison = compare_runs(result_a, result_b)
    if out_dir is not None:
        write_comparison(out_dir, comparison, started)
    for line in header(comparison.a, comparison.b):
        out.print(line, soft_wrap=True)
    out.print(comparison_table(comparison.paths))
    for line in unpaired_lines(comparison.paths):
        out.print(line, soft_wrap=True)
    if out_dir is not None:
        out.print(f"Results: {shown(str(out_dir))}", soft_wrap=True)


def header(a: Run, b: Run) -> list[str]:
    """Which runs are compared, and the paths only one of them holds."""
    lines = [
        f"[bold]{letter}[/bold]: {shown(str(run.folder))} — {shown(run.title)}; "
        f"seed {shown(value_text(run.seed))}, streams {shown(value_text(run.streams))}, "
        f"{run.replications:,} replications per path"
        for letter, run in (("A", a), ("B", b))
    ]
    for letter, run, other in (("A", a, b), ("B", b, a)):
        alone = [run.paths[p] for p in run.paths if p not in other.paths]
        if alone:
            lines.append(f"Only in {letter} (not compared): {', '.join(shown(label) for label in alone)}")
    return lines


def _share(x: float) -> str:
    return "–" if math.isnan(x) else f"{100 * x:.1f}%"


def _points(x: float) -> str:
    """A difference in percentage points, signed; exactly 0 unsigned."""
    return "0.0" if x == 0 else f"{100 * x:+.1f}"


def interval_text(row: Any) -> str:
    if math.isnan(row.difference):
        return "–"
    if math.isnan(row.low):
        return f"{_points(row.difference)} pp (no interval: n < {MIN_PAIRED})"
    return f"{_points(row.difference)} pp [{_points(row.low)}, {_points(row.high)}]"


def comparison_table(compared: list[PathComparison]) -> Table:
    table = Table(
        title="Outcome shares, B − A, by mediation path",
        title_justify="left",
        caption="difference in percentage points with its 95% interval. paired: both runs used the "
        "same random draws (seed, streams, replications), so the interval is that of the mean "
        "per-replication difference; unpaired: Newcombe's hybrid score interval for independent "
        "proportions.",
        caption_justify="left",
    )
    table.add_column("mediation path")
    table.add_column("outcome")
    table.add_column("A", justify="right")
    table.add_column("B", justify="right")
    table.add_column("difference B − A [95% CI]", justify="right")
    table.add_column("paired")
    for number, path in enumerate(compared):
        if number:
            table.add_section()
        paired = "yes" if path.paired else "[bold]no[/bold]"
        for index, row in enumerate(path.outcomes):
            table.add_row(
                shown(path.label) if index == 0 else "",
                row.outcome,
                _share(row.share_a),
                _share(row.share_b),
                interval_text(row),
                paired if index == 0 else "",
            )
    return table


def unpaired_lines(compared: list[PathComparison]) -> list[str]:
    """Why the unpaired paths are unpaired: one line per distinct reason, naming its paths
    ("every path" when it is all of them, as when the seeds differ)."""
    reasons: dict[str, list[str]] = {}
    for path in compared:
        for reason in path.reasons:
            reasons.setdefault(reason, []).append(path.label)
    return [
        f"[bold]Unpaired[/bold], {shown(reason)}: "
        + ("every path" if len(labels) == len(compared) else ", ".join(shown(label) for label in labels))
        + "; the runs drew their random numbers independently, so the interval is Newcombe's"
        for reason, labels in reasons.items()
    ]
