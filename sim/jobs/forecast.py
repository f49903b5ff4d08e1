"""A forecast: run a scenario, answer dated questions from its events, and log the answers in
a hash-chained ledger before anyone knows how things turn out.

Everything that can be refused is checked before the run: the scenario, the questions
against its paths, start date and horizon, and the ledger's chain. The run is an ordinary run
folder (kept when `out_dir` is given, which `negsim rerun` can repeat; else a temporary one).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, NamedTuple

from sim.errors import OptionProblem, printable
from sim.forecast import ledger as ledgers
from sim.forecast.entries import RunFacts, entry_fields
from sim.forecast.events import load_events
from sim.forecast.probabilities import Forecast, forecast
from sim.forecast.questions import load_questions, pose
from sim.jobs.base import write_folder
from sim.jobs.run import RunJob, run_invocation
from sim.results.folder import kept_or_scratch
from sim.runner.backends import Backend
from sim.runner.batch import RunSettings, settings_for
from sim.runner.chunks import DEFAULT_CHUNK
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.version import __version__

DEFAULT_LEDGER = Path("forecasts/ledger.jsonl")


class Forecasted(NamedTuple):
    """What `make_forecasts` did: each question's forecast, what ran, and the ledger's new entries."""

    forecasts: list[Forecast]
    loaded: LoadedScenario
    settings: RunSettings
    start: dt.date | None
    sealed: list[dict[str, Any]]


def make_forecasts(
    file: str | Path,
    questions_file: Path,
    ledger: Path,
    options: dict[str, Any],
    backend: Backend,
) -> Forecasted:
    """Run FILE with `options` (those of `negsim run`: runs, rounds, seed, out_dir, chunk_size,
    workers, dask), give each question its probability, and append them to `ledger`."""
    if ledger.suffix != ".jsonl":
        raise OptionProblem(
            "ledger",
            f"{printable(str(ledger))}: a ledger's name ends in .jsonl",
            "`negsim verify` tells a ledger from a folder by it: forecasts/ledger.jsonl",
        )
    loaded = load_scenario(Path(file))
    questions = load_questions(questions_file)
    settings = settings_for(loaded, options.get("runs"), options.get("rounds"), options.get("seed"))
    start = next(iter(loaded.variants.values())).run.start_date
    separable = {k for s in loaded.variants.values() for k, issue in s.issues.items() if issue.separable}
    posed = pose(questions, list(loaded.variants), sorted(separable), start, settings.rounds)
    ledgers.current(ledger)  # a broken ledger is refused now, not after the run
    with kept_or_scratch(options.get("out_dir"), "run") as folder:
        invocation = run_invocation({**options, "file": file, "plots": False})
        write_folder(
            folder,
            RunJob(loaded, settings),
            backend,
            options.get("chunk_size") or DEFAULT_CHUNK,
            False,
            invocation,
        )
        table = load_events(folder)
    forecasts = [forecast(table, p) for p in posed]
    facts = _facts(loaded, settings, start, questions_file)
    sealed = ledgers.append(ledger, [entry_fields(f, facts) for f in forecasts])
    return Forecasted(forecasts, loaded, settings, start, sealed)


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
