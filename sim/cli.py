"""The `negsim` command: run, validate, show, analyse and plot scenarios.

Input errors print one clear message and exit with status 2; an interrupt exits with 130
and leaves no half-written result folder.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import ClassVar

import click

from sim import __version__
from sim.commands.common import err, out, pick_path
from sim.commands.run import run
from sim.errors import NegsimError
from sim.interrupts import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    INTERRUPTED,
    TERMINATED,
    Terminated,
    raise_signals_outside_imports,
)
from sim.results import writer
from sim.runner import lifeline
from sim.scenario.loader import load_scenario
from sim.scenario.show import evidence_tables, shown

EXIT_INPUT = 2


class LazyGroup(click.Group):
    """Commands that need SALib or scikit-learn are imported only when called, so `negsim run`
    and every worker process it spawns (which re-imports this module) start without them."""

    lazy: ClassVar[dict[str, str]] = {
        "sensitivity": "sim.commands.sensitivity:sensitivity_command",
        "discover": "sim.commands.discover:discover_command",
        "app": "sim.commands.app:app_command",
        "verify": "sim.commands.verify:verify_command",
        "rerun": "sim.commands.rerun:rerun_command",
        "compare": "sim.commands.compare:compare_command",
        "import": "sim.commands.import_command:import_command",
        "backtest": "sim.commands.backtest:backtest_command",
        "evidence": "sim.commands.evidence_command:evidence_command",
        "forecast": "sim.commands.forecast:forecast_command",
        "score": "sim.commands.score:score_command",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attribute = self.lazy[name].split(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="negsim")
def cli() -> None:
    """negsim: which mediation paths converge to an agreement, how fast, on what terms."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; exit 0 when all are valid, 2 when any is not."""
    problems: list[NegsimError] = []
    for file in files:
        try:
            loaded = load_scenario(file)
            out.print(
                f"[green]ok[/green] {file}: {len(loaded.variants)} path(s), "
                f"{len(next(iter(loaded.variants.values())).actors)} actors"
            )
        except NegsimError as exc:
            problems.append(exc)
    if problems:
        raise NegsimError([p for exc in problems for p in exc.problems], any(e.truncated for e in problems))


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Show this mediation path's parameters (default: the first).")
def show(file: Path, path_name: str | None) -> None:
    """Print each actor's parameters beside their evidence."""
    loaded = load_scenario(file)
    scenario = pick_path(loaded, path_name)
    out.print(f"[bold]{shown(scenario.title or loaded.name)}[/bold] — path: {shown(scenario.label)}")
    for table in evidence_tables(scenario):
        out.print(table)
    out.print("Sources:")
    for key, source in scenario.sources.items():
        out.print(shown(f"  {key}: {source.outlet}, {source.date}: {source.headline}"))


@cli.command()
@click.argument("result_dir", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Mediation path for the trajectory fan chart.")
def plot(result_dir: Path, path_name: str | None) -> None:
    """Redraw the plots of RESULT_DIR from its saved tables, and record them in its manifest.json.

    All or nothing: an interrupt or error leaves the folder exactly as it was."""
    if not os.path.lexists(result_dir / writer.SUMMARY):
        raise NegsimError.single(
            str(result_dir),
            "is not a negsim result folder (no summary.json)",
            suggestion="give a folder that `negsim run`, `sensitivity` or `discover` wrote",
        )
    summary = writer.read_summary(result_dir)
    if path_name is not None and path_name not in summary.paths:
        raise NegsimError.single(
            str(result_dir),
            f"no mediation path `{path_name}`",
            suggestion=f"choose one of: {', '.join(summary.paths)}",
        )
    from sim.plots.draw import redraw

    for png in redraw(result_dir, trajectory_path=path_name):
        out.print(str(png), markup=False, highlight=False, soft_wrap=True)


cli.add_command(run)


def _stop(message: str, status: int) -> None:
    """Say why, then exit with `status`, also under `python -m`.

    CPython 3.12 remembers a KeyboardInterrupt that left code run by `exec` or `eval` of a
    string as unhandled, even when a caller caught it; under `python -m` it then kills itself
    with SIGINT after `sys.exit`, so the status is -2 instead of `status` (about 1 interrupt in
    20 of `negsim run`). Each string `exec` clears that memory when it starts, so an empty one
    right before leaving makes the exit ours.
    """
    err.print(message)
    exec("")  # clears CPython's record of an unhandled Ctrl-C; see above
    sys.exit(status)


def _run_cli() -> None:
    """Run the command; a Ctrl-C (or SIGTERM) that a library wrapped in its own error is still one.

    Before signals were held back during imports (`sim.interrupts`), a Ctrl-C while scipy.stats
    initialised a C extension surfaced as `ImportError: initialization failed`, chained to the
    KeyboardInterrupt. Any library that still wraps one is unwrapped here.
    """
    try:
        cli(standalone_mode=False, prog_name="negsim")  # also when started as `python -m sim.cli`
    except Exception as exc:
        interrupt = _interrupt_behind(exc)
        if interrupt is None:
            raise
        raise interrupt() from exc


def _interrupt_behind(exc: BaseException) -> type[BaseException] | None:
    """KeyboardInterrupt or Terminated if one is in the chain of causes of `exc`."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, KeyboardInterrupt | Terminated):
            return type(link)
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return None


def main() -> None:
    """Entry point: turn input errors and interrupts into clean exits."""
    raise_signals_outside_imports()
    try:
        _run_cli()
    except NegsimError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, emoji=False, soft_wrap=True)
        sys.exit(getattr(exc, "exit_code", EXIT_INPUT))  # `rerun` has its own code for "differs"
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # a bad option or argument: one message, in the house style
        if type(exc).__name__ == "NoArgsIsHelpError":  # `negsim` alone: the help, as Click shows it
            exc.show()
            sys.exit(EXIT_INPUT)
        ctx, text = getattr(exc, "ctx", None), exc.format_message()
        if ctx is not None:
            text = f"{ctx.command_path}: {text}\n    hint: see `{ctx.command_path} --help`"
        err.print(f"error: {text}", highlight=False, markup=False, emoji=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    except (click.exceptions.Abort, KeyboardInterrupt):
        _stop(INTERRUPTED, EXIT_INTERRUPTED)
    except Terminated:
        _stop(TERMINATED, EXIT_TERMINATED)
    except BrokenPipeError:  # `negsim ... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:  # the disk or the system said no somewhere no command expected it
        where = str(exc.filename) if exc.filename else "negsim"
        hint = "check free disk space and permissions, then try again"
        problem = NegsimError.single(where, f"{exc.strerror or exc}", suggestion=hint)
        err.print(f"error: {problem}", highlight=False, markup=False, emoji=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)


def main_process() -> None:
    """`main` as a process of its own (the `negsim` command, `python -m sim.cli`): when it ends,
    no worker or helper process of ours is left behind."""
    try:
        main()
    finally:
        lifeline.end_children()


if __name__ == "__main__":
    main_process()
