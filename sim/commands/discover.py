"""`negsim discover`: under which explored assumptions does a mediation path converge?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sim.commands.common import out
from sim.commands.folder_command import FolderCommand, folder_options, write_result
from sim.jobs.discovery import (
    DEFAULT_MIN_COVERAGE,
    DEFAULT_OUTCOME,
    DEFAULT_RUNS,
    DEFAULT_SAMPLES,
    MIN_SAMPLES,
    VERBS,
    DiscoveryJob,
)
from sim.limits import MAX_REPLICATIONS
from sim.results.summary_schema import DiscoverySummary
from sim.scenario.show import shown


def report(job: DiscoveryJob, summary: DiscoverySummary) -> None:
    """Each path's finding, in a sentence."""
    for path in summary.paths.values():
        out.print(shown(path.sentence), end="\n\n")


@click.command(name="discover", cls=FolderCommand, job=DiscoveryJob, report=report, folder_suffix="discovery")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--path", "paths", multiple=True, help="Only this mediation path (repeatable; default: all).")
@click.option(
    "--samples",
    type=click.IntRange(min=MIN_SAMPLES),
    default=DEFAULT_SAMPLES,
    show_default=True,
    help="Latin hypercube points over the explored parameters.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=DEFAULT_RUNS,
    show_default=True,
    help="Replications per point.",
)
@click.option(
    "--outcome",
    type=click.Choice(list(VERBS)),
    default=DEFAULT_OUTCOME,
    show_default=True,
    help="The outcome whose conditions are sought.",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 1),
    default=DEFAULT_MIN_COVERAGE,
    show_default=True,
    help="PRIM picks the densest box that still holds this share of the outcome's runs.",
)
@folder_options(
    seed="Seed of the design and of the replications.",
    out="Result folder to create.",
    plots="Draw the trade-off, box and tree plots.",
)
def discover_command(**options: Any) -> None:
    """PRIM boxes and a CART tree for when each path in FILE reaches OUTCOME."""
    write_result(options)
