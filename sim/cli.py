"""The `negsim` command: run, validate, show, analyse and plot scenarios.

Input errors print one clear message and exit with status 2; an interrupt exits with 130
and leaves no half-written result folder.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import ClassVar

import click
from rich.markup import escape

from sim import __version__
from sim.commands.common import err, out, pick_path
from sim.commands.run import run
from sim.errors import NegsimError
from sim.results import writer
from sim.scenario.loader import load_scenario
from sim.scenario.show import evidence_tables

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130


class LazyGroup(click.Group):
    """Commands that need SALib or scikit-learn are imported only when called, so `negsim run`
    and every worker process it spawns (which re-imports this module) start without them."""

    lazy: ClassVar[dict[str, str]] = {
        "sensitivity": "sim.commands.sensitivity:sensitivity_command",
        "discover": "sim.commands.discover:discover_command",
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
        raise NegsimError([p for exc in problems for p in exc.problems])


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Show this mediation path's parameters (default: the first).")
def show(file: Path, path_name: str | None) -> None:
    """Print each actor's parameters beside their evidence."""
    loaded = load_scenario(file)
    scenario = pick_path(loaded, path_name)
    out.print(f"[bold]{escape(scenario.title or loaded.name)}[/bold] — path: {escape(scenario.label)}")
    for table in evidence_tables(scenario):
        out.print(table)
    out.print("Sources:")
    for key, source in scenario.sources.items():
        out.print(f"  {key}: {source.outlet}, {source.date}: {source.headline}")


@cli.command()
@click.argument("result_dir", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Mediation path for the trajectory fan chart.")
def plot(result_dir: Path, path_name: str | None) -> None:
    """Redraw the plots of RESULT_DIR from its saved tables."""
    if not (result_dir / writer.SUMMARY).is_file():
        raise NegsimError.single(
            str(result_dir),
            "is not a negsim result folder (no summary.json)",
            suggestion="give a folder that `negsim run`, `sensitivity` or `discover` wrote",
        )
    summary = writer.read_summary(result_dir)
    if path_name is not None and path_name not in summary["paths"]:
        raise NegsimError.single(
            str(result_dir),
            f"no mediation path `{path_name}`",
            suggestion=f"choose one of: {', '.join(summary['paths'])}",
        )
    from sim.plots.draw import draw_all

    for png in draw_all(result_dir, trajectory_path=path_name):
        out.print(str(png))


cli.add_command(run)


def main() -> None:
    """Entry point: turn input errors and interrupts into clean exits."""
    try:
        cli(standalone_mode=False)
    except NegsimError as exc:
        err.print(f"error: {exc}", highlight=False, markup=False, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INPUT)
    except click.exceptions.Abort:
        err.print("interrupted: no result folder was written")
        sys.exit(EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        err.print("interrupted: no result folder was written")
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    main()
