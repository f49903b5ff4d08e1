"""The `negsim` command: run, validate, show and plot scenarios.

Input errors print one clear message and exit with status 2; an interrupt exits with 130
and leaves no half-written result folder.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from sim import __version__
from sim.errors import NegsimError
from sim.results import writer
from sim.results.folder import atomic_folder
from sim.results.report import outcome_table, terms_table
from sim.results.summary import summarise_path
from sim.runner.batch import RunSettings, run_path, settings_for
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.show import evidence_tables

EXIT_INPUT = 2
EXIT_INTERRUPTED = 130

# Piped or redirected output gets a fixed, generous width instead of rich's 80 columns.
out = Console() if sys.stdout.isatty() else Console(width=140)
err = Console(stderr=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    scenario = _pick_path(loaded, path_name)
    out.print(f"[bold]{escape(scenario.title or loaded.name)}[/bold] — path: {escape(scenario.label)}")
    for table in evidence_tables(scenario):
        out.print(table)
    out.print("Sources:")
    for key, source in scenario.sources.items():
        out.print(f"  {key}: {source.outlet}, {source.date}: {source.headline}")


@cli.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--runs",
    type=click.IntRange(min=1),
    help="Replications per path (default: the file's run.replications).",
)
@click.option("--rounds", type=click.IntRange(min=1), help="Rounds (months) per replication.")
@click.option("--seed", type=click.IntRange(min=0), help="Random seed.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Result folder to create (default: results/<scenario>/<timestamp>).",
)
@click.option("--plots/--no-plots", default=True, help="Draw PNG plots into the result folder.")
def run(
    file: Path,
    runs: int | None,
    rounds: int | None,
    seed: int | None,
    out_dir: Path | None,
    plots: bool,
) -> None:
    """Run every mediation path in FILE and write a result folder."""
    loaded = load_scenario(file)
    settings = settings_for(loaded, runs, rounds, seed)
    target = out_dir or _default_folder(loaded.name)
    started = dt.datetime.now(dt.UTC)
    with atomic_folder(target) as staging:
        summary = _run_all(loaded, settings, staging)
        writer.write_json(staging / writer.SUMMARY, summary)
        writer.write_resolved(staging, loaded)
        if plots:
            from sim.plots.draw import draw_all

            draw_all(staging)
        writer.write_manifest(staging, loaded, settings, ["negsim", *sys.argv[1:]], started)
    out.print(outcome_table(summary))
    out.print(terms_table(summary))
    out.print(f"Results: {target}")
    if plots:
        out.print(f"Plots:   {target / 'plots'}")


@cli.command()
@click.argument("result_dir", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Mediation path for the trajectory fan chart.")
def plot(result_dir: Path, path_name: str | None) -> None:
    """Redraw the plots of RESULT_DIR from its saved tables."""
    if not (result_dir / writer.SUMMARY).is_file():
        raise NegsimError.single(
            str(result_dir),
            "is not a negsim result folder (no summary.json)",
            suggestion="give a folder that `negsim run` wrote",
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


def _pick_path(loaded: LoadedScenario, name: str | None) -> Scenario:
    if name is None:
        return next(iter(loaded.variants.values()))
    if name not in loaded.variants:
        raise NegsimError.single(
            str(loaded.path),
            f"no mediation path `{name}`",
            suggestion=f"choose one of: {', '.join(loaded.variants)}",
        )
    return loaded.variants[name]


def _default_folder(name: str) -> Path:
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = Path("results") / name / stamp
    suffix = 2
    while folder.exists():
        folder = Path("results") / name / f"{stamp}-{suffix}"
        suffix += 1
    return folder


def _run_all(loaded: LoadedScenario, settings: RunSettings, staging: Path) -> dict:
    """Run each path with a progress bar; write tables into `staging`; return the summary."""
    summary = writer.describe_scenario(loaded, settings)
    issues = list(summary["issues"])
    outputs = {}
    total = settings.replications * len(loaded.variants)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, disable=not err.is_terminal, transient=True) as progress:
        task = progress.add_task("replications", total=total)
        for name, scenario in loaded.variants.items():
            progress.update(task, description=scenario.label)
            outputs[name] = run_path(name, scenario, settings, lambda done: progress.advance(task, done))
    writer.write_tables(staging, outputs)
    summary["paths"] = {
        name: summarise_path(loaded.variants[name].label, output.replications, issues)
        for name, output in outputs.items()
    }
    return summary


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
