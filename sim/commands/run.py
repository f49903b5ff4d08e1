"""`negsim run`: every mediation path of a scenario, replicated, into a result folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sim.commands.common import out
from sim.commands.folder_command import FolderCommand, folder_options, write_result
from sim.jobs.run import RunJob, impossible_ends
from sim.results.report import conditioned_tables, events_table, outcome_table, terms_table
from sim.results.summary_schema import RunSummary


def report(job: RunJob, summary: RunSummary) -> None:
    """The outcome table, what happened on the way, the terms beside the baselines, and any
    conditioned forecast."""
    out.print(outcome_table(summary, impossible_ends(job.loaded)))
    if any(path.events is not None for path in summary.paths.values()):
        out.print(events_table(summary))
    out.print(terms_table(summary, job.baselines()))
    for table in conditioned_tables(summary):
        out.print(table)


@click.command(cls=FolderCommand, job=RunJob, report=report)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    help="Replications per path (default: the file's run.replications).",
)
@folder_options(
    seed="Random seed.",
    out="Result folder to create (default: results/<scenario>/<timestamp>).",
    plots="Draw PNG plots into the result folder.",
)
def run(**options: Any) -> None:
    """Run every mediation path in FILE and write a result folder."""
    write_result(options)
