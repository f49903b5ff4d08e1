"""`negsim sensitivity`: which explored assumption moves each path's chance of agreement most."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
import pandas as pd

from sim.analysis import samplers, sensitivity
from sim.analysis.experiment import Experiment, check_design_size, point_outcomes, write_design
from sim.commands.common import (
    backend_options,
    check_path_name,
    default_folder,
    out,
    out_option,
    run_with_progress,
)
from sim.errors import NegsimError
from sim.limits import MAX_REPLICATIONS
from sim.results import writer
from sim.results.analysis_report import sensitivity_table
from sim.results.folder import atomic_folder
from sim.results.stream import PartSink
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings, settings_for
from sim.scenario.explore import ParameterSpace
from sim.scenario.loader import LoadedScenario, load_scenario

INDICES = "indices.parquet"
POINTS = "points.parquet"


@click.command(name="sensitivity")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol", show_default=True)
@click.option(
    "--samples",
    type=click.IntRange(min=2, max=MAX_REPLICATIONS),
    help="Sobol: base samples, a power of 2 (default 256; points = samples x (k + 3) with the noise floor). "
    "Morris: trajectories (default 20; points = samples x (k + 2)).",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=20,
    show_default=True,
    help="Replications per design point.",
)
@click.option("--path", "paths", multiple=True, help="Only this mediation path (repeatable).")
@click.option("--rounds", type=click.IntRange(min=1), help="Rounds (months) per replication.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the design and of the replications.")
@out_option("Result folder to create.")
@click.option("--plots/--no-plots", default=True, help="Draw the tornado plots.")
@backend_options
def sensitivity_command(
    file: Path,
    method: str,
    samples: int | None,
    runs: int,
    paths: tuple[str, ...],
    rounds: int | None,
    seed: int | None,
    out_dir: Path | None,
    plots: bool,
    backend: Backend,
    chunk_size: int,
) -> None:
    """Sobol or Morris sensitivity of each path's agreement probability to FILE's explore: section."""
    loaded = load_scenario(file)
    space = explored_space(loaded)
    chosen = list(paths) or list(loaded.variants)
    for name in chosen:
        check_path_name(loaded, name)
    settings = settings_for(loaded, None, rounds, seed)
    experiment = design(space, method, samples, runs, settings.seed)
    settings = RunSettings(experiment.replications, settings.rounds, settings.seed)
    target = out_dir or default_folder(loaded.name, "sensitivity")
    started = dt.datetime.now(dt.UTC)
    with atomic_folder(target) as staging:
        summary = write_analysis(loaded, experiment, chosen, settings, staging, backend, chunk_size)
        writer.write_resolved(staging, loaded)
        if plots:
            from sim.plots.draw import draw_all

            draw_all(staging)
        writer.write_manifest(
            staging, loaded, settings, ["negsim", *sys.argv[1:]], started, backend.description
        )
    for path in summary["paths"].values():
        out.print(
            sensitivity_table(
                path, method, space.labels | {sensitivity.NOISE_FLOOR: sensitivity.NOISE_FLOOR_LABEL}
            )
        )
    out.print(f"Results: {target}")


def write_analysis(
    loaded: LoadedScenario,
    experiment: Experiment,
    chosen: list[str],
    settings: RunSettings,
    staging: Path,
    backend: Backend,
    chunk_size: int,
) -> dict:
    """Run the design's points, write the tables, the design and summary.json; `negsim rerun`
    repeats exactly this."""
    run_experiment(experiment, loaded, chosen, settings, staging, backend, chunk_size)
    write_design(staging, experiment)
    summary = analyse(loaded, experiment, chosen, settings, staging)
    writer.write_json(staging / writer.SUMMARY, summary)
    return summary


def run_experiment(
    experiment: Experiment,
    loaded: LoadedScenario,
    chosen: list[str],
    settings: RunSettings,
    staging: Path,
    backend: Backend,
    chunk_size: int,
) -> None:
    """Every design point of every chosen path, streamed into `staging`'s tables."""
    sink = PartSink(staging)
    total = experiment.replications * len(chosen)
    run_with_progress(
        experiment.chunks(loaded, chosen, settings.rounds, chunk_size), total, backend, sink.write
    )


def explored_space(loaded: LoadedScenario) -> ParameterSpace:
    if loaded.explore is None:
        raise NegsimError.single(
            str(loaded.path),
            "has no `explore:` section, so there is nothing to vary",
            key_path="explore",
            suggestion="add e.g. `explore: {actors.russia.cost_of_war: [0.002, 0.015]}` (docs/analysis.md)",
        )
    return loaded.explore


def design(space: ParameterSpace, method: str, samples: int | None, runs: int, seed: int) -> Experiment:
    """The design has one column more than the space: the noise-floor dummy, which no path reads."""
    names = [*space.names, sensitivity.NOISE_FLOOR]
    if method == "sobol":
        base = samples or 256
        if base & (base - 1):
            raise NegsimError.single(
                "--samples",
                f"Sobol' designs need a power of 2, got {base}",
                suggestion=f"use {1 << (base.bit_length() - 1)} or {1 << base.bit_length()}",
            )
        check_design_size(base * (len(names) + 2), runs)
        unit = samplers.sobol(base, names, seed)
    else:
        check_design_size((samples or 20) * (len(names) + 1), runs)
        unit = samplers.morris(samples or 20, names, seed)
    return Experiment(space=space, method=method, seed=seed, unit=unit, per_point=runs)


def analyse(
    loaded: LoadedScenario, experiment: Experiment, paths: list[str], settings: RunSettings, folder: Path
) -> dict:
    """Indices per path and output, written to the folder and returned as the summary."""
    summary = writer.describe_scenario(loaded, settings, kind="sensitivity")
    summary["experiment"] = experiment.describe()
    names = [*experiment.space.names, sensitivity.NOISE_FLOOR]
    point_tables, index_tables = [], []
    summary["paths"] = {}
    for path in paths:
        points = point_outcomes(folder, path)
        point_tables.append(points.assign(path=path))
        outputs, missing = sensitivity.outputs_per_point(points)
        used = [*experiment.used_on(loaded, path), sensitivity.NOISE_FLOOR]
        found = {}
        for output, y in outputs.items():
            table = sensitivity.indices(experiment.method, names, experiment.unit, y, experiment.seed)
            table = sensitivity.ranked(table[table["parameter"].isin(used)], experiment.method)
            index_tables.append(table.assign(path=path, output=output))
            found[output] = table.to_dict("records")
        summary["paths"][path] = {
            "label": loaded.variants[path].label,
            "agreement_share": float(points["share"].mean()),
            "points": experiment.points,
            "points_without_agreement": missing,
            "unused": [n for n in experiment.space.names if n not in used],
            "indices": found,
        }
    pd.concat(point_tables, ignore_index=True).to_parquet(folder / POINTS, index=False)
    pd.concat(index_tables, ignore_index=True).to_parquet(folder / INDICES, index=False)
    return summary
