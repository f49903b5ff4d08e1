"""`negsim discover`: under which explored assumptions does a mediation path converge?"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pandas as pd

from sim.analysis import samplers
from sim.analysis.discovery import PathDiscovery, cases, discover
from sim.analysis.experiment import Experiment, check_design_size, write_design
from sim.commands.common import (
    backend_options,
    check_path_name,
    default_folder,
    out,
    out_option,
)
from sim.commands.sensitivity import explored_space, run_experiment
from sim.discovery.prim import trajectory_frame
from sim.limits import MAX_REPLICATIONS
from sim.model.rules import OUTCOME_NAMES
from sim.results import writer
from sim.results.folder import atomic_folder
from sim.results.stream import file_safe
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings, settings_for
from sim.scenario.explore import ParameterSpace
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.show import shown

PRIM = "prim.parquet"
VERBS = {
    "agreement": "converges",
    "ceasefire": "ends in a ceasefire",
    "breakdown": "breaks down",
    "stalemate": "stalls",
}


@click.command(name="discover")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--path", "paths", multiple=True, help="Only this mediation path (repeatable; default: all).")
@click.option(
    "--samples",
    type=click.IntRange(min=10),
    default=1000,
    show_default=True,
    help="Latin hypercube points over the explored parameters.",
)
@click.option(
    "--runs",
    type=click.IntRange(min=1, max=MAX_REPLICATIONS),
    default=10,
    show_default=True,
    help="Replications per point.",
)
@click.option(
    "--outcome",
    type=click.Choice(list(OUTCOME_NAMES[1:])),
    default="agreement",
    show_default=True,
    help="The outcome whose conditions are sought.",
)
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="PRIM picks the densest box that still holds this share of the outcome's runs.",
)
@click.option("--rounds", type=click.IntRange(min=1), help="Rounds (months) per replication.")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the design and of the replications.")
@out_option("Result folder to create.")
@click.option("--plots/--no-plots", default=True, help="Draw the trade-off, box and tree plots.")
@backend_options
def discover_command(
    file: Path,
    paths: tuple[str, ...],
    samples: int,
    runs: int,
    outcome: str,
    min_coverage: float,
    rounds: int | None,
    seed: int | None,
    out_dir: Path | None,
    plots: bool,
    backend: Backend,
    chunk_size: int,
) -> None:
    """PRIM boxes and a CART tree for when each path in FILE reaches OUTCOME."""
    loaded = load_scenario(file)
    space = explored_space(loaded)
    chosen = list(paths) or list(loaded.variants)
    for name in chosen:
        check_path_name(loaded, name)
    settings = settings_for(loaded, None, rounds, seed)
    experiment = discovery_design(space, samples, runs, settings.seed)
    settings = RunSettings(experiment.replications, settings.rounds, settings.seed)
    target = out_dir or default_folder(loaded.name, "discovery")
    started = dt.datetime.now(dt.UTC)
    with atomic_folder(target) as staging:
        sought = Target(outcome, min_coverage)
        found = write_discovery(loaded, experiment, chosen, sought, settings, staging, backend, chunk_size)
        writer.write_resolved(staging, loaded)
        if plots:
            from sim.plots.draw import draw_all

            draw_all(staging)
        writer.write_manifest(
            staging, loaded, settings, ["negsim", *sys.argv[1:]], started, backend.description
        )
    for d in found:
        out.print(shown(d.sentence), end="\n\n")
    out.print(f"Results: {target}")


@dataclass(frozen=True)
class Target:
    """What PRIM looks for: runs ending in `outcome`, in boxes covering at least `min_coverage`."""

    outcome: str
    min_coverage: float


def discovery_design(space: ParameterSpace, samples: int, runs: int, seed: int) -> Experiment:
    """A Latin hypercube over the explored parameters, each point run `runs` times."""
    check_design_size(samples, runs)
    unit = samplers.latin_hypercube(samples, len(space.names), seed)
    return Experiment(space, "latin_hypercube", seed, unit, runs)


def write_discovery(
    loaded: LoadedScenario,
    experiment: Experiment,
    chosen: list[str],
    target: Target,
    settings: RunSettings,
    staging: Path,
    backend: Backend,
    chunk_size: int,
) -> list[PathDiscovery]:
    """Run the design, find each path's boxes, write the tables, the design and summary.json;
    `negsim rerun` repeats exactly this."""
    run_experiment(experiment, loaded, chosen, settings, staging, backend, chunk_size)
    write_design(staging, experiment)
    summary = writer.describe_scenario(loaded, settings, kind="discovery")
    summary |= {
        "experiment": experiment.describe(),
        "outcome": target.outcome,
        "min_coverage": target.min_coverage,
    }
    found = analyse(loaded, experiment, chosen, target.outcome, target.min_coverage, staging)
    summary["paths"] = {d.path: path_summary(loaded, d) for d in found}
    writer.write_json(staging / writer.SUMMARY, summary)
    return found


def subject(label: str, outcome: str) -> str:
    return f"{label} {VERBS[outcome]}"


def analyse(
    loaded: LoadedScenario,
    experiment: Experiment,
    paths: list[str],
    outcome: str,
    min_coverage: float,
    folder: Path,
) -> list[PathDiscovery]:
    """PRIM and CART per path; the peeling trajectories and trees are written to the folder."""
    found, frames = [], []
    for path in paths:
        names = experiment.used_on(loaded, path)
        X, y = cases(folder, path, names, outcome)
        label = loaded.variants[path].label
        result = discover(X, y, path, subject(label, outcome), experiment.space.labels, min_coverage)
        found.append(result)
        if result.prim is not None:
            frames.append(trajectory_frame(result.prim).assign(path=path))
        if result.tree is not None:
            (folder / f"tree-{file_safe(path)}.txt").write_text(result.tree.text, encoding="utf-8")
    if frames:
        pd.concat(frames, ignore_index=True).to_parquet(folder / PRIM, index=False)
    return found


def path_summary(loaded: LoadedScenario, d: PathDiscovery) -> dict:
    entry: dict = {
        "label": loaded.variants[d.path].label,
        "parameters": list(d.parameters),
        "cases": d.cases,
        "base_rate": d.base_rate,
        "finding": d.finding,
        "p_value": d.p_value,
        "sentence": d.sentence,
    }
    if d.prim is not None:
        box = d.prim.box
        entry["box"] = {
            "coverage": box.coverage,
            "density": box.density,
            "mass": box.mass,
            "limits": {name: list(box.limits[name]) for name in box.restricted},
        }
    if d.tree is not None:
        entry["tree_accuracy"] = d.tree.accuracy
    return entry
