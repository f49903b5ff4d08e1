"""What a sensitivity analysis and a scenario discovery share: a design over the scenario's
`explore:` section, each point run several times on every chosen mediation path."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.analysis.experiment import Experiment, write_design
from sim.errors import NegsimError, OptionProblem
from sim.jobs.base import Job
from sim.jobs.progress import run_with_progress
from sim.limits import MAX_REPLICATIONS
from sim.results.stream import PartSink
from sim.results.summary_schema import Summary
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings, settings_for
from sim.scenario.explore import ParameterSpace
from sim.scenario.loader import LoadedScenario


@dataclass(frozen=True)
class ExperimentJob[S: Summary](Job[S]):
    """Runs the design on the chosen paths and writes it (design.parquet); the analysis of the
    outcomes is the job's own."""

    space: ParameterSpace
    paths: tuple[str, ...]
    per_point: int  # replications at each design point

    def write(self, staging: Path, backend: Backend, chunk_size: int) -> S:
        experiment = self.design()
        assert experiment.replications == self.settings.replications, "the plan counted another design"
        sink = PartSink(staging)
        chunks = experiment.chunks(self.loaded, list(self.paths), self.settings.rounds, chunk_size)
        run_with_progress(chunks, experiment.replications * len(self.paths), backend, sink.write)
        write_design(staging, experiment)
        return self.analyse(experiment, staging)

    @abstractmethod
    def design(self) -> Experiment:
        """The design the plan counted, built now."""

    @abstractmethod
    def analyse(self, experiment: Experiment, folder: Path) -> S:
        """The job's analysis of the outcomes in `folder`: its tables, and the summary."""


def explored_space(loaded: LoadedScenario) -> ParameterSpace:
    if loaded.explore is None:
        raise NegsimError.single(
            str(loaded.path),
            "has no `explore:` section, so there is nothing to vary",
            key_path="explore",
            suggestion="add e.g. `explore: {actors.russia.cost_of_war: [0.002, 0.015]}` (docs/analysis.md)",
        )
    return loaded.explore


def chosen_paths(loaded: LoadedScenario, options: Mapping[str, Any]) -> tuple[str, ...]:
    """The paths --path names (all of them by default), each one the scenario has."""
    for name in options["paths"] or ():
        if name not in loaded.variants:
            raise OptionProblem(
                "paths",
                f"no mediation path `{str(name)[:80]}` in the scenario",
                suggestion=f"choose one of: {', '.join(loaded.variants)}",
            )
    return tuple(options["paths"] or loaded.variants)


def experiment_settings(loaded: LoadedScenario, options: Mapping[str, Any], points: int) -> RunSettings:
    """What a design of `points` points makes: `--runs` replications at each, per path, with
    the scenario's rounds and seed unless --rounds and --seed say otherwise. A design that
    would make more replications per path than a run may is refused before it is built:
    memory and time would run out long before it finished."""
    runs = options["runs"]
    settings = settings_for(loaded, None, options["rounds"], options["seed"])
    if points * runs > MAX_REPLICATIONS:
        raise OptionProblem(
            "samples",
            f"the design has {points:,} points x {runs:,} runs = {points * runs:,} replications per path, "
            f"more than the limit of {MAX_REPLICATIONS:,}",
            suggestion="use fewer --samples or --runs",
        )
    return RunSettings(points * runs, settings.rounds, settings.seed)
