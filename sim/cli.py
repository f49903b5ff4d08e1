"""The `negsim` command: run, validate, show, analyse and plot scenarios.

Input errors print one clear message and exit with status 2; an interrupt exits with 130
and leaves no half-written result folder.

Each command lives in a module of its own under sim/commands, imported only when that command
runs: `negsim --help` then loads no scientific library, `negsim validate` and `negsim show`
only the scenario layer, and `negsim run` (and every worker process it spawns, which re-imports
this module) nothing that SALib or scikit-learn commands need.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import ClassVar, NamedTuple

import click

from sim.commands.common import err
from sim.errors import NegsimError
from sim.interrupts import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    INTERRUPTED,
    TERMINATED,
    Terminated,
    raise_signals_outside_imports,
)
from sim.runner import lifeline

EXIT_INPUT = 2


class Listed(NamedTuple):
    """Where a command is defined (`module:attribute`), and the first sentence of its help as
    `negsim --help` lists it (tests/test_startup.py checks it against the command's own)."""

    target: str
    summary: str


class LazyGroup(click.Group):
    """A group whose commands are imported only when called; its listing comes from `commands_listed`,
    so `negsim --help` imports none of them."""

    commands_listed: ClassVar[dict[str, Listed]] = {
        "app": Listed(
            "sim.commands.app:app_command",
            "Start the seminar page: step through one negotiation, compare paths, read the evidence.",
        ),
        "backtest": Listed(
            "sim.commands.backtest:backtest_command",
            "Score every model's predictions on DATASET's known outcomes.",
        ),
        "compare": Listed(
            "sim.commands.compare:compare_command",
            "Compare two `negsim run` result folders, RESULT_A and RESULT_B: for every mediation path "
            "in both, the difference B − A in the share of each outcome, with a 95% interval (paired "
            "when both runs used the same random draws).",
        ),
        "discover": Listed(
            "sim.commands.discover:discover_command",
            "PRIM boxes and a CART tree for when each path in FILE reaches OUTCOME.",
        ),
        "evidence": Listed(
            "sim.commands.evidence_command:evidence_command",
            "Check every quote in scenario FILES against its source; print how numbers are founded.",
        ),
        "examples": Listed(
            "sim.commands.examples:examples_command",
            "Copy the shipped scenarios into DIR, to edit and run.",
        ),
        "forecast": Listed(
            "sim.commands.forecast:forecast_command",
            "Run FILE, give each question's probability, and append them to the ledger.",
        ),
        "import": Listed(
            "sim.commands.import_command:import_command",
            "Make scenario files from a published case: KTAB, Bueno de Mesquita-style or DEU data.",
        ),
        "plot": Listed(
            "sim.commands.plot:plot_command",
            "Redraw the plots of RESULT_DIR from its saved tables, and record them in its manifest.json.",
        ),
        "rerun": Listed(
            "sim.commands.rerun:rerun_command",
            "Repeat the run that wrote RESULT_DIR and compare the results: exit 0 when identical, "
            "3 when they differ, 2 when the folder cannot be rerun.",
        ),
        "run": Listed(
            "sim.commands.run:run",
            "Run every mediation path in FILE and write a result folder.",
        ),
        "score": Listed(
            "sim.commands.score:score_command",
            "Score the forecasts in LEDGER against the record: Brier, log score, base rate, skill.",
        ),
        "sensitivity": Listed(
            "sim.commands.sensitivity:sensitivity_command",
            "Sobol or Morris sensitivity of each path's agreement probability to FILE's explore: section.",
        ),
        "show": Listed(
            "sim.commands.show:show_command",
            "Print each actor's parameters beside their evidence.",
        ),
        "validate": Listed(
            "sim.commands.validate:validate_command",
            "Check scenario FILES; exit 0 when all are valid, 2 when any is not.",
        ),
        "verify": Listed(
            "sim.commands.verify:verify_command",
            "Check every file of RESULT_DIR against the checksums in its manifest.json (exit 0 when all "
            "match, 2 when any file was changed, is missing or was added); or check the hash chain of "
            "a forecast ledger (docs/forecasting.md).",
        ),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.commands_listed])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """The command `name`, its module imported now (once: Python keeps it)."""
        listed = self.commands_listed.get(name)
        if listed is None:
            return super().get_command(ctx, name)
        module, attribute = listed.target.split(":")
        return getattr(importlib.import_module(module), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Click's own listing of the commands, made from their summaries instead of the commands
        themselves, which would have to be imported (with numpy, pandas, scipy, ...) to be listed."""
        stand_ins = {
            name: click.Command(name, help=listed.summary) for name, listed in self.commands_listed.items()
        }
        for name in super().list_commands(ctx):  # any command added directly, as click lists it
            stand_ins[name] = self.commands[name]
        click.Group(commands=stand_ins).format_commands(ctx, formatter)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """`--version`, printed as click.version_option prints it; the version is looked up (in the
    installed package's metadata, which takes a while to read) only when asked for."""
    if not value or ctx.resilient_parsing:
        return
    from sim.version import __version__

    click.echo(f"negsim, version {__version__}", color=ctx.color)
    ctx.exit()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """negsim: which mediation paths converge to an agreement, how fast, on what terms."""


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
