"""A run: every mediation path of a scenario, replicated, into a result folder."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sim.analysis.conditioning import Conditions, accepted, conditioned_path, conditions_of, shortfall
from sim.analysis.predictions import baseline_predictions
from sim.errors import NegsimError, OptionProblem, Problem
from sim.jobs.base import Job, invocation
from sim.jobs.progress import run_with_progress
from sim.results import writer
from sim.results.layout import EVENTS
from sim.results.stream import PartSink, read_table
from sim.results.summary import path_outcomes
from sim.results.summary_schema import RunSummary
from sim.results.timeline import path_timelines
from sim.runner.backends import Backend
from sim.runner.batch import TRAJECTORY_REPLICATIONS, settings_for
from sim.runner.chunks import plan_chunks
from sim.scenario.loader import LoadedScenario
from sim.scenario.yaml_source import problem_at, read_yaml

SHOWN = ("compromise", "nash")  # the baselines printed beside each path's terms


@dataclass(frozen=True)
class RunJob(Job[RunSummary]):
    """Every path of the scenario, replicated: the replications, parameters and trajectories
    tables, and each path's outcomes."""

    DIRECT: ClassVar[Mapping[str, str]] = {"runs": "replications", "rounds": "rounds", "seed": "seed"}

    @classmethod
    def plan(cls, loaded: LoadedScenario, options: Mapping[str, Any]) -> RunJob:
        job = cls(loaded, settings_for(loaded, options["runs"], options["rounds"], options["seed"]))
        conditions = job.conditions()
        if conditions is not None and conditions.month >= job.settings.rounds:
            when = f" ({conditions.through})" if conditions.through else ""
            raise OptionProblem(
                "rounds",
                f"the scenario's history runs through month {conditions.month}{when} and the run lasts "
                f"{job.settings.rounds}: nothing would be left to forecast",
                f"run more months (--rounds {conditions.month + 12})",
            )
        return job

    def conditions(self) -> Conditions | None:
        """The scenario's `history:` as rounds of the run (every path shares it), if it has one."""
        first = next(iter(self.loaded.variants.values()))
        return None if first.history is None else conditions_of(first.history, first.run.start_date)

    def write(self, staging: Path, backend: Backend, chunk_size: int) -> RunSummary:
        """Run each path, streaming tables into `staging`; the summary is computed from them."""
        loaded, settings = self.loaded, self.settings
        header = writer.scenario_header(loaded, settings)
        issues = list(header["issues"])
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
        run_with_progress(chunks, settings.replications * len(loaded.variants), backend, sink.write)
        sink.write_trajectories({name: list(s.actors) for name, s in loaded.variants.items()}, issues)
        columns = ["outcome", "end_round", *(f"terms.{issue}" for issue in issues)]
        paths = {}
        conditions, short = self.conditions(), []
        for name, scenario in loaded.variants.items():
            runs = read_table(staging, columns=columns, path=name)
            paths[name] = path_outcomes(scenario.label, runs, issues)
            lasting = scenario.mechanisms.fragile_ceasefire or scenario.mechanisms.partial_deals
            if lasting or conditions is not None:
                events = read_table(staging, EVENTS, path=name)
                ends = runs.set_index("replication")["end_round"]
            if lasting:
                timelines = path_timelines(events, ends, settings.replications, settings.rounds)
                paths[name] = paths[name].model_copy(update={"events": timelines})
            if conditions is not None:
                kept = accepted(events, ends, conditions)
                problem = shortfall(name, scenario.label, len(kept), len(runs), conditions, str(loaded.path))
                if problem is not None:
                    short.append(problem)
                    continue
                found = conditioned_path(
                    scenario.label, runs, events, kept, conditions, issues, settings.rounds, lasting
                )
                paths[name] = paths[name].model_copy(update={"conditioned": found})
        if short:  # raised inside the staging folder: nothing is left behind
            raise NegsimError([_at_history(problem, loaded.path) for problem in short])
        return RunSummary(kind="run", **header, paths=paths)

    def baselines(self) -> dict[str, dict[str, list[float]]]:
        """The compromise and Nash packages of each path's actors, from their stated positions."""
        return {
            name: {
                model: list(package) for model, package in baseline_predictions(scenario, list(SHOWN)).items()
            }
            for name, scenario in self.loaded.variants.items()
        }


def _at_history(problem: Problem, file: Path) -> Problem:
    """`problem` at the line of `history:` in the scenario file, when the file itself has it
    (not a file it extends), read again: a loaded scenario keeps no positions."""
    try:
        positions = read_yaml(file).positions
    except NegsimError:
        return problem
    if ("history",) not in positions:
        return problem
    return problem_at(positions, ("history",), problem.file, problem.message, problem.suggestion)


def impossible_ends(loaded: LoadedScenario) -> frozenset[str]:
    """Outcomes no path can end in: a ceasefire or a walk-out needs parties and its mechanism."""
    paths = list(loaded.variants.values())

    def possible(mechanism: str) -> bool:
        return any(
            getattr(s.mechanisms, mechanism) and any(a.role == "party" for a in s.actors.values())
            for s in paths
        )

    ends = {"ceasefire": possible("ceasefire"), "breakdown": possible("walkout")}
    return frozenset(name for name, can in ends.items() if not can)


# The options of `negsim run`, as its manifest records them (tests/test_api.py checks them
# against the command's own parameters).
RUN_OPTIONS = ("file", "runs", "rounds", "seed", "out_dir", "plots", "workers", "dask", "chunk_size")


def run_invocation(options: Mapping[str, Any]) -> dict[str, Any]:
    """The `negsim run` that makes this run, as a manifest records it, so `negsim rerun`
    repeats a folder written by the API or kept by `negsim forecast` as it would any run's.
    Options not given are recorded as None: the command's defaults."""
    unknown = sorted(set(options) - set(RUN_OPTIONS))
    if unknown:
        raise TypeError(f"`negsim run` has no option {unknown[0]!r}")
    return invocation("run", {name: options.get(name) for name in RUN_OPTIONS})
