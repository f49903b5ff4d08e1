"""How a command asks for a result folder, and how `negsim rerun` finds who wrote one.

The work itself is a job's (sim/jobs: plan, step, and the folder around them); a command
supplies its options, the job and how it prints the summary, and registers with rerun by
being a `FolderCommand`:

    @click.command(cls=FolderCommand, job=RunJob, report=report)
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

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import click

from sim.commands.common import backend_options, out, out_option
from sim.errors import NegsimError, OptionProblem
from sim.jobs.base import Job, perform
from sim.limits import COUNTS
from sim.results.layout import PLOTS

ROUNDS_HELP = (
    "Rounds per replication (default: the file's run.rounds); "
    "a round is the file's run.round_unit, a month unless it says otherwise."
)


class FolderCommand(click.Command):
    """A command that writes a result folder through `job` and prints it with `report`; being
    one registers it with `negsim rerun`. `folder_suffix` ends the default folder's name
    (`…-sensitivity`)."""

    def __init__(
        self,
        *args: Any,
        job: type[Job[Any]],
        report: Callable[[Any, Any], None],
        folder_suffix: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        self.report = report
        self.folder_suffix = folder_suffix


def folder_options[F: Callable[..., Any]](seed: str, out: str, plots: str) -> Callable[[F], F]:
    """The options every FolderCommand takes after its own, with its own help for --seed, --out
    and --plots: --rounds, --seed, --out, --plots/--no-plots, --workers, --dask, --chunk-size."""
    tail = [
        click.option("--rounds", type=click.IntRange(min=1), help=ROUNDS_HELP),
        click.option("--seed", type=click.IntRange(*COUNTS["seed"]), help=seed),
        out_option(out),
        click.option("--plots/--no-plots", default=True, help=plots),
        backend_options,
    ]

    def decorate(command: F) -> F:
        for option in reversed(tail):  # as if stacked in this order above the function
            command = option(command)
        return command

    return decorate


def write_result(options: dict[str, Any]) -> None:
    """The body of every FolderCommand: `options` as click passed them (with `backend` for
    --workers and --dask, sim.commands.common.backend_options), performed as the API performs
    them, then printed."""
    command = click.get_current_context().command
    assert isinstance(command, FolderCommand)
    with flags(command):
        done = perform(
            command.job,
            options["file"],
            options,
            out_dir=options["out_dir"],
            folder_suffix=command.folder_suffix,
            backend=options["backend"],
            chunk_size=options["chunk_size"],
            plots=options["plots"],
        )
    command.report(done.job, done.summary)
    out.print(f"Results: {done.folder}")
    if options["plots"]:
        out.print(f"Plots:   {done.folder / PLOTS}")


@contextlib.contextmanager
def flags(command: click.Command) -> Iterator[None]:
    """An option that cannot be followed, as one error naming its flag (`--runs`)."""
    try:
        yield
    except OptionProblem as exc:
        raise NegsimError.single(_flag(command, exc.option), exc.message, suggestion=exc.suggestion) from None


def _flag(command: click.Command, option: str) -> str:
    """The command line's name of the parameter `option`: `paths` is `--path`."""
    found = next((p for p in command.params if p.name == option), None)
    return found.opts[0] if found is not None and found.opts else f"--{option}"
