"""`negsim sensitivity`: which explored assumption moves each path's chance of agreement most."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sim.analysis import sensitivity
from sim.commands.common import out
from sim.commands.folder_command import FolderCommand, folder_options, write_result
from sim.jobs.sensitivity import DEFAULT_METHOD, DEFAULT_RUNS, DEFAULT_SAMPLES, MIN_SAMPLES, SensitivityJob
from sim.limits import MAX_REPLICATIONS
from sim.results.analysis_report import sensitivity_table
from sim.results.summary_schema import SensitivitySummary


def report(job: SensitivityJob, summary: SensitivitySummary) -> None:
    """Each path's indices, largest first."""
    labels = job.space.labels | {sensitivity.NOISE_FLOOR: sensitivity.NOISE_FLOOR_LABEL}
    for path in summary.paths.values():
        out.print(sensitivity_table(path, job.method, labels, summary.round_units))


@click.command(
    name="sensitivity", cls=FolderCommand, job=SensitivityJob, report=report, folder_suffix="sensitivity"
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--method", type=click.Choice(list(DEFAULT_SAMPLES)), default=DEFAULT_METHOD, show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(min=MIN_SAMPLES, max=MAX_REPLICATIONS),
    help=f"Sobol: base samples, a power of 2 (default {DEFAULT_SAMPLES['sobol']}; "
    "points = samples x (k + 3) with the noise floor). "
    f"Morris: trajectories (default {DEFAULT_SAMPLES['morris']}; points = samples x (k + 2)).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=DEFAULT_RUNS,
    show_default=True,
    help="Replications per design point.",
)
@click.option("--path", "paths", multiple=True, help="Only this mediation path (repeatable).")
@folder_options(
    seed="Seed of the design and of the replications.",
    out="Result folder to create.",
    plots="Draw the tornado plots.",
)
def sensitivity_command(**options: Any) -> None:
    """Sobol or Morris sensitivity of each path's agreement probability to FILE's explore: section."""
    write_result(options)
