"""The one way a command writes a result folder, and how `negsim rerun` repeats it.

Every command that writes a result folder (`run`, `sensitivity`, `discover`) goes through
the same steps: plan the work from the options, stage a hidden folder, run the command's own
step (tables and summary), write the resolved scenario, draw the plots, write the manifest,
put the folder in place; then print. Only the plan, the step and the printing differ: a
command supplies them as a `Job` subclass and registers it by being a `FolderCommand`:

    @click.command(cls=FolderCommand, job=RunJob)
    @click.argument("file", ...)
    @click.option("--runs", ...)  # the command's own options, then those every one takes:
    @folder_options(seed="Random seed.", out="Result folder to create.", plots="Draw the plots.")
    def run(**options: Any) -> None:
        write_result(options)

`negsim rerun` finds the command that wrote a folder among the command line's commands (the
manifest records its name), checks the recorded options through the command's own option
types, and asks its `Job.plan` what they make, so it needs to know nothing of any command.
"""

from __future__ import annotations

import datetime as dt
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import click

from sim.commands.common import backend_options, default_folder, out, out_option
from sim.errors import NegsimError
from sim.results import writer
from sim.results.folder import atomic_folder
from sim.results.layout import PLOTS
from sim.results.summary_schema import Summary
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings
from sim.scenario.loader import LoadedScenario, load_scenario

ROUNDS_HELP = (
    "Rounds per replication (default: the file's run.rounds); "
    "a round is the file's run.round_unit, a month unless it says otherwise."
)


class OptionProblem(Exception):
    """An option that cannot be followed, named by its parameter (`samples`, `paths`): the
    command line says so of its flag (`--samples`), `negsim rerun` of the manifest's key."""

    def __init__(self, option: str, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.option, self.message, self.suggestion = option, message, suggestion


@dataclass(frozen=True)
class Job[S: Summary](ABC):
    """A command's own part of a result folder, planned from its options: what runs
    (`settings`, which the manifest records), what it writes, what it prints (`S`: the kind
    of summary it makes)."""

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
        """Check the options (as click parsed them, or as a manifest recorded them) against the
        scenario, and say what they make; raise OptionProblem for one that cannot be followed.
        Nothing large is built yet: a recorded option may ask for anything, and a rerun first
        compares `settings` with what the folder says ran."""

    @abstractmethod
    def write(self, staging: Path, backend: Backend, chunk_size: int) -> S:
        """Run, write the command's own files into `staging`, and return the summary (which
        the skeleton writes)."""

    @abstractmethod
    def report(self, summary: S) -> None:
        """What the command prints once its folder is in place, before `Results: FOLDER`."""


class FolderCommand(click.Command):
    """A command that writes a result folder through `job`; being one registers it with
    `negsim rerun`. `folder_suffix` ends the default folder's name (`…-sensitivity`)."""

    def __init__(self, *args: Any, job: type[Job[Any]], folder_suffix: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.folder_suffix = folder_suffix


def folder_options[F: Callable[..., Any]](seed: str, out: str, plots: str) -> Callable[[F], F]:
    """The options every FolderCommand takes after its own, with its own help for --seed, --out
    and --plots: --rounds, --seed, --out, --plots/--no-plots, --workers, --dask, --chunk-size."""
    tail = [
        click.option("--rounds", type=click.IntRange(min=1), help=ROUNDS_HELP),
        click.option("--seed", type=click.IntRange(min=0), help=seed),
        out_option(out),
        click.option("--plots/--no-plots", default=True, help=plots),
        backend_options,
    ]

    def decorate(command: F) -> F:
        for option in reversed(tail):  # as if stacked in this order above the function
            command = option(command)
        return command

    return decorate


def write_folder[S: Summary](
    target: Path,
    job: Job[S],
    backend: Backend,
    chunk_size: int,
    plots: bool,
    invocation: dict[str, Any] | None = None,
) -> S:
    """The skeleton: stage, the job's own step, summary.json, the resolved scenario, the plots,
    the manifest (`invocation`: by default the running command's), and the folder in place;
    nothing is left behind if any step fails or is interrupted."""
    started = dt.datetime.now(dt.UTC)
    with atomic_folder(target) as staging:
        summary = job.write(staging, backend, chunk_size)
        writer.write_summary(staging, summary)
        writer.write_resolved(staging, job.loaded)
        if plots:
            from sim.plots.draw import draw_all

            draw_all(staging)
        command = ["negsim", *sys.argv[1:]]
        writer.write_manifest(
            staging, job.loaded, job.settings, command, started, backend.description, invocation
        )
    return summary


def write_result(options: dict[str, Any]) -> None:
    """The body of every FolderCommand: `options` as click passed them (with `backend` for
    --workers and --dask, sim.commands.common.backend_options)."""
    command = click.get_current_context().command
    assert isinstance(command, FolderCommand)
    loaded = command.job.load(options["file"])
    try:
        job = command.job.plan(loaded, options)
    except OptionProblem as exc:
        raise NegsimError.single(_flag(command, exc.option), exc.message, suggestion=exc.suggestion) from None
    target = options["out_dir"] or default_folder(loaded.name, command.folder_suffix)
    summary = write_folder(target, job, options["backend"], options["chunk_size"], options["plots"])
    job.report(summary)
    out.print(f"Results: {target}")
    if options["plots"]:
        out.print(f"Plots:   {target / PLOTS}")


def _flag(command: click.Command, option: str) -> str:
    """The command line's name of the parameter `option`: `paths` is `--path`."""
    found = next((p for p in command.params if p.name == option), None)
    return found.opts[0] if found is not None and found.opts else f"--{option}"
