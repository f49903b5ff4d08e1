"""A sensitivity analysis: which explored assumption moves each path's chance of agreement most."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import samplers, sensitivity
from sim.analysis.experiment import Experiment, point_outcomes
from sim.errors import OptionProblem
from sim.jobs.experiment import ExperimentJob, chosen_paths, experiment_settings, explored_space
from sim.results import writer
from sim.results.layout import INDICES, POINTS
from sim.results.summary_schema import SensitivityPath, SensitivitySummary
from sim.scenario.loader import LoadedScenario

DEFAULT_METHOD = "sobol"
DEFAULT_SAMPLES = {"sobol": 256, "morris": 20}  # per method, unless `samples` says otherwise
DEFAULT_RUNS = 20  # replications at each design point
MIN_SAMPLES = 2  # the fewest base samples (Sobol') or trajectories (Morris) of a design


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
        if method not in DEFAULT_SAMPLES:
            raise OptionProblem(
                "method", f"no method `{str(method)[:40]}`", f"choose one of: {', '.join(DEFAULT_SAMPLES)}"
            )
        samples = DEFAULT_SAMPLES[method] if options["samples"] is None else options["samples"]
        for option, value, low in (("samples", samples, MIN_SAMPLES), ("runs", options["runs"], 1)):
            if value < low:  # the command line's types refuse these first; a call from Python, here
                raise OptionProblem(option, f"needs at least {low}, got {value:,}")
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
