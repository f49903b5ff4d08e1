"""`negsim sensitivity`: which explored assumption moves each path's chance of agreement most."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import pandas as pd

from sim.analysis import samplers, sensitivity
from sim.analysis.experiment import Experiment, point_outcomes
from sim.commands.common import out
from sim.commands.explored import ExperimentJob, chosen_paths, experiment_settings, explored_space
from sim.commands.folder_command import FolderCommand, OptionProblem, folder_options, write_result
from sim.limits import MAX_REPLICATIONS
from sim.results import writer
from sim.results.analysis_report import sensitivity_table
from sim.results.layout import INDICES, POINTS
from sim.results.summary_schema import SensitivityPath, SensitivitySummary
from sim.scenario.loader import LoadedScenario

DEFAULT_SAMPLES = {"sobol": 256, "morris": 20}


def design_points(method: str, samples: int, columns: int) -> int:
    """The points a design of `samples` makes over `columns` (the explored parameters and the
    noise floor): Sobol' (Saltelli) samples x (columns + 2), Morris samples x (columns + 1)."""
    if method == "sobol":
        if samples & (samples - 1):
            raise OptionProblem(
                "samples",
                f"Sobol' designs need a power of 2, got {samples:,}",
                suggestion=f"use {1 << (samples.bit_length() - 1)} or {1 << samples.bit_length()}",
            )
        return samples * (columns + 2)
    return samples * (columns + 1)


@dataclass(frozen=True)
class SensitivityJob(ExperimentJob[SensitivitySummary]):
    """Sobol' or Morris indices of each path's agreement and time to agreement: points.parquet,
    indices.parquet and the summary."""

    method: str
    samples: int

    @classmethod
    def plan(cls, loaded: LoadedScenario, options: Mapping[str, Any]) -> SensitivityJob:
        space = explored_space(loaded)
        paths = chosen_paths(loaded, options)
        method = options["method"]
        samples = options["samples"] or DEFAULT_SAMPLES[method]
        points = design_points(method, samples, len(space.names) + 1)
        settings = experiment_settings(loaded, options, points)
        return cls(loaded, settings, space, paths, options["runs"], method, samples)

    def design(self) -> Experiment:
        """The design has one column more than the space: the noise-floor dummy, which no path reads."""
        names = [*self.space.names, sensitivity.NOISE_FLOOR]
        seed = self.settings.seed
        if self.method == "sobol":
            unit = samplers.sobol(self.samples, names, seed)
        else:
            unit = samplers.morris(self.samples, names, seed)
        return Experiment(self.space, self.method, seed, unit, self.per_point)

    def analyse(self, experiment: Experiment, folder: Path) -> SensitivitySummary:
        """Indices per path and output, written to the folder and returned in the summary."""
        names = [*experiment.space.names, sensitivity.NOISE_FLOOR]
        point_tables, index_tables = [], []
        paths = {}
        for path in self.paths:
            points = point_outcomes(folder, path)
            point_tables.append(points.assign(path=path))
            outputs, missing = sensitivity.outputs_per_point(points)
            used = [*experiment.used_on(self.loaded, path), sensitivity.NOISE_FLOOR]
            found = {}
            for output, y in outputs.items():
                table = sensitivity.indices(experiment.method, names, experiment.unit, y, experiment.seed)
                table = sensitivity.ranked(table[table["parameter"].isin(used)], experiment.method)
                index_tables.append(table.assign(path=path, output=output))
                found[output] = table.to_dict("records")
            paths[path] = SensitivityPath(
                label=self.loaded.variants[path].label,
                agreement_share=float(points["share"].mean()),
                points=experiment.points,
                points_without_agreement=missing,
                unused=[n for n in experiment.space.names if n not in used],
                indices=found,
            )
        pd.concat(point_tables, ignore_index=True).to_parquet(folder / POINTS, index=False)
        pd.concat(index_tables, ignore_index=True).to_parquet(folder / INDICES, index=False)
        header = writer.scenario_header(self.loaded, self.settings)
        return SensitivitySummary(kind="sensitivity", **header, experiment=experiment.describe(), paths=paths)

    def report(self, summary: SensitivitySummary) -> None:
        labels = self.space.labels | {sensitivity.NOISE_FLOOR: sensitivity.NOISE_FLOOR_LABEL}
        for path in summary.paths.values():
            out.print(sensitivity_table(path, self.method, labels, summary.round_units))


@click.command(name="sensitivity", cls=FolderCommand, job=SensitivityJob, folder_suffix="sensitivity")
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
@folder_options(
    seed="Seed of the design and of the replications.",
    out="Result folder to create.",
    plots="Draw the tornado plots.",
)
def sensitivity_command(**options: Any) -> None:
    """Sobol or Morris sensitivity of each path's agreement probability to FILE's explore: section."""
    write_result(options)
