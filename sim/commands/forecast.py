"""`negsim forecast`: run a scenario, answer dated questions from its events, and log the
answers in a hash-chained ledger before anyone knows how things turn out.

Everything that can be refused is checked before the run: the scenario, the questions
against its paths, start date and horizon, and the ledger's chain. The run is an ordinary
`negsim run` folder (kept with --out, which `negsim rerun` can repeat; else a temporary one).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from sim.commands.common import backend_options, out, out_option
from sim.commands.folder_command import ROUNDS_HELP, flags
from sim.forecast.probabilities import Forecast
from sim.forecast.questions import ANY
from sim.jobs.forecast import DEFAULT_LEDGER, make_forecasts
from sim.limits import COUNTS
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings
from sim.scenario.loader import LoadedScenario
from sim.scenario.show import shown


@click.command(name="forecast")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--questions",
    "questions_file",
    required=True,
    type=click.Path(path_type=Path),
    help="The questions file (YAML; docs/forecasting.md).",
)
@click.option(
    "--ledger",
    type=click.Path(path_type=Path),
    default=DEFAULT_LEDGER,
    show_default=True,
    help="The ledger to append one line per question to (created if missing, with its .head).",
)
@click.option("--runs", type=click.IntRange(min=1), help="Replications per path (default: the file's).")
@click.option("--rounds", type=click.IntRange(min=1), help=ROUNDS_HELP)
@click.option("--seed", type=click.IntRange(*COUNTS["seed"]), help="Random seed (default: the file's).")
@out_option("Keep the run's result folder here (default: a temporary folder, removed afterwards).")
@backend_options
def forecast_command(
    file: Path,
    questions_file: Path,
    ledger: Path,
    runs: int | None,
    rounds: int | None,
    seed: int | None,
    out_dir: Path | None,
    backend: Backend,
    chunk_size: int,
) -> None:
    """Run FILE, give each question's probability, and append them to the ledger."""
    options = {"runs": runs, "rounds": rounds, "seed": seed, "out_dir": out_dir, "chunk_size": chunk_size}
    with flags(click.get_current_context().command):
        done = make_forecasts(file, questions_file, ledger, {**options, **_backend_choice()}, backend)
    out.print(forecast_table(done.forecasts, done.loaded, done.settings, done.start))
    out.print(f"Ledger:  {shown(str(ledger))} (entries {done.sealed[0]['entry']}–{done.sealed[-1]['entry']})")
    if out_dir is not None:
        out.print(f"Results: {shown(str(out_dir))}")


def _backend_choice() -> dict[str, Any]:
    """--workers and --dask as given, for the run's manifest."""
    params = click.get_current_context().params
    return {"workers": params.get("workers"), "dask": params.get("dask")}


def forecast_table(
    forecasts: list[Forecast], loaded: LoadedScenario, settings: RunSettings, start: dt.date | None
) -> Table:
    """One row per question: what it asks, its path, its deadline and the probability."""
    title = next(iter(loaded.variants.values())).title or loaded.name
    table = Table(
        title=f"{shown(title)}\n{settings.replications:,} replications per path, {settings.rounds} months "
        f"from {start or 'the start'}, seed {settings.seed}",
        title_justify="left",
    )
    for name in ("question", "asks", "path", "deadline", "month"):
        table.add_column(name)
    table.add_column("probability", justify="right")
    for f in forecasts:
        q, deadline = f.posed.question, f.posed.deadline
        table.add_row(
            shown(q.id),
            q.condition.describe(),
            shown(q.path if q.path != ANY else f"any ({len(f.by_path)} paths)"),
            str(deadline.date or "–"),
            str(deadline.month),
            f"{100 * f.probability:.1f}%",
        )
    error = 50 / settings.replications**0.5
    table.caption = (
        "any: every path weighted equally unless the question gives weights. In force: holds on the "
        "deadline; occurs: happens by then.\n"
        f"Each path's share has a standard error of at most {error:.1f} points."
    )
    table.caption_justify = "left"
    return table
