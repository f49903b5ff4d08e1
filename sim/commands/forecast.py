"""`negsim forecast`: run a scenario, answer dated questions from its events, and log the
answers in a hash-chained ledger before anyone knows how things turn out.

Everything that can be refused is checked before the run: the scenario, the questions
against its paths, start date and horizon, and the ledger's chain. The run is an ordinary
`negsim run` folder (kept with --out, which `negsim rerun` can repeat; else a temporary one).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from sim import __version__
from sim.commands.common import backend_options, out, out_option
from sim.commands.folder_command import ROUNDS_HELP, write_folder
from sim.commands.run import RunJob, run
from sim.errors import NegsimError, printable
from sim.forecast import ledger as ledgers
from sim.forecast.entries import RunFacts, entry_fields
from sim.forecast.events import load_events
from sim.forecast.probabilities import Forecast, forecast
from sim.forecast.questions import ANY, load_questions, pose
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings, settings_for
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.show import shown

DEFAULT_LEDGER = Path("forecasts/ledger.jsonl")


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
@click.option("--seed", type=click.IntRange(min=0), help="Random seed (default: the file's).")
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
    if ledger.suffix != ".jsonl":
        raise NegsimError.single(
            "--ledger",
            f"{printable(str(ledger))}: a ledger's name ends in .jsonl",
            suggestion="`negsim verify` tells a ledger from a folder by it: forecasts/ledger.jsonl",
        )
    loaded = load_scenario(file)
    questions = load_questions(questions_file)
    settings = settings_for(loaded, runs, rounds, seed)
    start = next(iter(loaded.variants.values())).run.start_date
    separable = {k for s in loaded.variants.values() for k, issue in s.issues.items() if issue.separable}
    posed = pose(questions, list(loaded.variants), sorted(separable), start, settings.rounds)
    ledgers.current(ledger)  # a broken ledger is refused now, not after the run
    with _run_folder(out_dir) as folder:
        write_folder(folder, RunJob(loaded, settings), backend, chunk_size, False, _as_run())
        table = load_events(folder)
    forecasts = [forecast(table, p) for p in posed]
    facts = _facts(loaded, settings, start, questions_file)
    sealed = ledgers.append(ledger, [entry_fields(f, facts) for f in forecasts])
    out.print(forecast_table(forecasts, loaded, settings, start))
    out.print(f"Ledger:  {shown(str(ledger))} (entries {sealed[0]['entry']}–{sealed[-1]['entry']})")
    if out_dir is not None:
        out.print(f"Results: {shown(str(out_dir))}")


@contextlib.contextmanager
def _run_folder(out_dir: Path | None) -> Iterator[Path]:
    """`--out`, or a folder in a temporary place that is removed however the command ends."""
    if out_dir is not None:
        yield out_dir
        return
    with tempfile.TemporaryDirectory(prefix="negsim-forecast-") as scratch:
        yield Path(scratch) / "run"


def _as_run() -> dict[str, Any]:
    """This command's options as the `negsim run` that wrote the folder, so `negsim rerun`
    repeats a kept folder as it would any run's."""
    values = {**click.get_current_context().params, "plots": False}
    plain = {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}
    return {"command": "run", "options": {p.name: plain.get(p.name) for p in run.params if p.name}}


def _facts(loaded: LoadedScenario, settings: RunSettings, start: dt.date | None, questions: Path) -> RunFacts:
    return RunFacts(
        scenario=loaded.name,
        scenario_file=str(loaded.path),
        digest=loaded.digest(),
        version=__version__,
        seed=settings.seed,
        replications=settings.replications,
        rounds=settings.rounds,
        start=start,
        questions_file=str(questions),
        time=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


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
