"""What every job shares: a plan made from options, its own step, and the one way a result
folder is written around it.

Every job that writes a result folder (a run, a sensitivity analysis, a discovery, a backtest)
goes through the same steps: plan the work from the options, stage a hidden folder, run the
job's own step (tables and summary), write the resolved scenario, draw the plots, write the
manifest, put the folder in place. Only the plan and the step differ: a job supplies them as a
`Job` subclass. The public API (sim/api) and the commands (sim/commands) both call `perform`;
`negsim rerun` asks a job's `plan` what recorded options make, and repeats `write_folder`.
"""

from __future__ import annotations

import datetime as dt
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from sim.results import writer
from sim.results.folder import atomic_folder, default_folder
from sim.results.summary_schema import Summary
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings
from sim.scenario.loader import LoadedScenario, load_scenario


@dataclass(frozen=True)
class Job[S: Summary](ABC):
    """A command's own part of a result folder, planned from its options: what runs
    (`settings`, which the manifest records) and what it writes (`S`: the kind of summary it
    makes). What a command prints is the command's own (sim/commands)."""

    loaded: LoadedScenario
    settings: RunSettings

    # Options that set one of `settings` by themselves: a rerun refuses a recorded value that
    # is not what ran, naming the option.
    DIRECT: ClassVar[Mapping[str, str]] = {"rounds": "rounds", "seed": "seed"}

    @classmethod
    def load(cls, file: Path) -> LoadedScenario:
        """What the command's FILE argument names, as scenarios: one scenario file by default
        (`negsim backtest` reads a data set or a folder of them)."""
        return load_scenario(file)

    @classmethod
    @abstractmethod
    def plan(cls, loaded: LoadedScenario, options: Mapping[str, Any]) -> Job[S]:
        """Check the options (as click parsed them, as the API was given them, or as a manifest
        recorded them) against the scenario, and say what they make; raise OptionProblem for
        one that cannot be followed.
        Nothing large is built yet: a recorded option may ask for anything, and a rerun first
        compares `settings` with what the folder says ran."""

    @abstractmethod
    def write(self, staging: Path, backend: Backend, chunk_size: int) -> S:
        """Run, write the command's own files into `staging`, and return the summary (which
        the skeleton writes)."""


def write_folder[S: Summary](
    target: Path,
    job: Job[S],
    backend: Backend,
    chunk_size: int,
    plots: bool,
    invocation: dict[str, Any] | None = None,
    command: list[str] | None = None,
) -> S:
    """The skeleton: stage, the job's own step, summary.json, the resolved scenario, the plots,
    the manifest (`invocation` and `command`: by default the running command's), and the folder
    in place; nothing is left behind if any step fails or is interrupted."""
    started = dt.datetime.now(dt.UTC)
    with atomic_folder(target) as staging:
        summary = job.write(staging, backend, chunk_size)
        writer.write_summary(staging, summary)
        writer.write_resolved(staging, job.loaded)
        if plots:
            from sim.plots.draw import draw_all

            draw_all(staging)
        command = command if command is not None else ["negsim", *sys.argv[1:]]
        writer.write_manifest(
            staging, job.loaded, job.settings, command, started, backend.description, invocation
        )
    return summary


class Performed[S: Summary](NamedTuple):
    """What `perform` did: the planned job, the folder it wrote, and the folder's summary."""

    job: Job[S]
    folder: Path
    summary: S


def perform[S: Summary](
    job_type: type[Job[S]],
    file: str | Path,
    options: Mapping[str, Any],
    *,
    out_dir: Path | None,
    folder_suffix: str,
    backend: Backend,
    chunk_size: int,
    plots: bool,
    invocation: dict[str, Any] | None = None,
    command: list[str] | None = None,
) -> Performed[S]:
    """Load FILE as the job reads it, plan it from `options` (OptionProblem if one cannot be
    followed), and write its folder: `out_dir`, or results/<scenario>/<timestamp><suffix>."""
    loaded = job_type.load(Path(file))
    job = job_type.plan(loaded, options)
    target = out_dir if out_dir is not None else default_folder(loaded.name, folder_suffix)
    summary = write_folder(target, job, backend, chunk_size, plots, invocation, command)
    return Performed(job, target, summary)


def invocation(command: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """A command and its options as a manifest records them, so `negsim rerun` can repeat it:
    paths as text, sequences as lists."""
    plain = {
        k: str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v
        for k, v in options.items()
    }
    return {"command": command, "options": plain}
