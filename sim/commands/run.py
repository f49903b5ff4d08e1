"""`negsim run`: every mediation path of a scenario, replicated, into a result folder."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from pathlib import Path

import click

from sim.commands.common import backend_options, default_folder, out, out_option, run_with_progress
from sim.results import writer
from sim.results.folder import atomic_folder
from sim.results.report import outcome_table, terms_table
from sim.results.stream import PartSink, read_table
from sim.results.summary import summarise_path
from sim.runner.backends import Backend
from sim.runner.batch import TRAJECTORY_REPLICATIONS, RunSettings, settings_for
from sim.runner.chunks import plan_chunks
from sim.scenario.loader import LoadedScenario, load_scenario


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    help="Replications per path (default: the file's run.replications).",
)
@click.option("--rounds", type=click.IntRange(min=1), help="Rounds (months) per replication.")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed.")
@out_option("Result folder to create (default: results/<scenario>/<timestamp>).")
@click.option("--plots/--no-plots", default=True, help="Draw PNG plots into the result folder.")
@backend_options
def run(
    file: Path,
    runs: int | None,
    rounds: int | None,
    seed: int | None,
    out_dir: Path | None,
    plots: bool,
    backend: Backend,
    chunk_size: int,
) -> None:
    """Run every mediation path in FILE and write a result folder."""
    loaded = load_scenario(file)
    settings = settings_for(loaded, runs, rounds, seed)
    target = out_dir or default_folder(loaded.name)
    started = dt.datetime.now(dt.UTC)
    with atomic_folder(target) as staging:
        summary = run_all(loaded, settings, staging, backend, chunk_size)
        writer.write_json(staging / writer.SUMMARY, summary)
        writer.write_resolved(staging, loaded)
        if plots:
            from sim.plots.draw import draw_all

            draw_all(staging)
        command = ["negsim", *sys.argv[1:]]
        writer.write_manifest(staging, loaded, settings, command, started, backend.description)
    out.print(outcome_table(summary))
    out.print(terms_table(summary))
    out.print(f"Results: {target}")
    if plots:
        out.print(f"Plots:   {target / 'plots'}")


def run_all(
    loaded: LoadedScenario, settings: RunSettings, staging: Path, backend: Backend, chunk_size: int
) -> dict:
    """Run each path, streaming tables into `staging`; return the summary computed from them."""
    summary = writer.describe_scenario(loaded, settings, kind="run")
    issues = list(summary["issues"])
    chunks = itertools.chain.from_iterable(
        plan_chunks(
            name,
            scenario,
            settings.replications,
            settings.rounds,
            settings.seed,
            chunk_size,
            trajectory_until=TRAJECTORY_REPLICATIONS,
        )
        for name, scenario in loaded.variants.items()
    )
    sink = PartSink(staging)
    total = settings.replications * len(loaded.variants)
    run_with_progress(chunks, total, backend, sink.write)
    sink.write_trajectories({name: list(s.actors) for name, s in loaded.variants.items()}, issues)
    columns = ["outcome", "end_round", *(f"terms.{issue}" for issue in issues)]
    summary["paths"] = {
        name: summarise_path(scenario.label, read_table(staging, columns=columns, path=name), issues)
        for name, scenario in loaded.variants.items()
    }
    return summary
