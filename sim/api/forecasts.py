"""Predictions checked against what happened, from Python, as the commands do it: a backtest
of every model on cases with known outcomes (`negsim backtest`), dated questions answered and
logged in a hash-chained ledger before anyone knows the answer (`negsim forecast`), and the
ledger's forecasts scored once the record says what happened (`negsim score`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.api.experiments import repeated_option
from sim.api.folders import check_counts, keywords, performed
from sim.api.results import BacktestResult, ScoreResult
from sim.api.scenarios import ScenarioFile
from sim.jobs.backtest import BacktestJob
from sim.jobs.forecast import DEFAULT_LEDGER, make_forecasts
from sim.jobs.score import score_ledger, unresolved_frame
from sim.runner.backends import choose_backend
from sim.runner.chunks import DEFAULT_CHUNK


def backtest(
    dataset: str | Path,
    *,
    models: str | Sequence[str] | None = None,
    runs: int | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    plots: bool = True,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> BacktestResult:
    """Score every model's predictions (or those of `models`) on the known outcomes of
    DATASET, a DEU-format .tsv file or a folder of scenario files that record `observed:`
    outcomes, against what happened and against the compromise model, into a new result
    folder, as `negsim backtest` does.

    Each scenario file is one case (its first path); `runs` replications of the agent-based
    model per case (default 100).

    Examples:
        >>> import sim, tempfile
        >>> mine = Path(tempfile.mkdtemp())
        >>> copied = sim.examples(mine)
        >>> (mine / "cases").mkdir()
        >>> for case, outcome in (("a", 0.3), ("b", 0.6)):
        ...     text = f"extends: ../2024-12-mediation-paths.yaml\\nname: case-{case}\\n"
        ...     text += f"observed: {{territory: {{value: {outcome}}}}}\\n"
        ...     _ = (mine / "cases" / f"{case}.yaml").write_text(text)
        >>> result = sim.backtest(
        ...     mine / "cases", models=["compromise", "abm"], runs=20, out=mine / "backtest", plots=False
        ... )
        >>> list(result.metrics["model"])
        ['compromise', 'abm']
        >>> len(result.predictions)  # two cases, two models
        4
    """
    options = {
        "file": dataset,
        "models": repeated_option(models),
        "runs": runs,
        "rounds": rounds,
        "seed": seed,
        "out_dir": out,
        "plots": plots,
        "workers": workers,
        "dask": dask,
        "chunk_size": chunk_size,
    }
    return BacktestResult(performed("backtest", BacktestJob, options, "backtest").folder)


def forecast_questions(
    file: ScenarioFile,
    questions: str | Path,
    *,
    ledger: str | Path = DEFAULT_LEDGER,
    runs: int | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Run FILE, give each question of the `questions` file its probability, and append them
    to `ledger` (created if missing), as `negsim forecast` does: one row per question, with its
    ledger entry, path, deadline (a date, and a month of the run) and probability.

    The run is kept in `out` if given (an ordinary run folder, which `negsim rerun` repeats);
    `runs`, `rounds` and `seed` default to the file's. (`sim.forecast` is the package of
    forecasting's parts, hence this name.)

    Examples:
        >>> import sim, tempfile
        >>> from pathlib import Path
        >>> mine = Path(tempfile.mkdtemp())
        >>> copied = sim.examples(mine)  # the shipped questions are in mine/forecasts/
        >>> questions = mine / "forecasts" / "questions-2024-12.yaml"
        >>> ledger = mine / "ledger.jsonl"
        >>> found = sim.forecast_questions(
        ...     "2024-12-mediation-paths", questions, ledger=ledger, runs=30, rounds=24
        ... )
        >>> asked = found.loc["ceasefire-2025-12-31"]
        >>> asked["path"], str(asked["deadline"]), int(asked["month"])
        ('any', '2025-12-31', 13)
        >>> bool(found["probability"].between(0, 1).all())
        True
    """
    options = {
        "runs": runs,
        "rounds": rounds,
        "seed": seed,
        "out_dir": Path(out) if out is not None else None,
        "chunk_size": chunk_size,
        "workers": workers,
        "dask": dask,
    }
    with keywords():
        check_counts(options)
        done = make_forecasts(file, Path(questions), Path(ledger), options, choose_backend(workers, dask))
    rows = [
        {
            "question": f.posed.question.id,
            "entry": entry["entry"],
            "text": f.posed.question.text,
            "path": f.posed.question.path,
            "deadline": f.posed.deadline.date,
            "month": f.posed.deadline.month,
            "probability": f.probability,
        }
        for f, entry in zip(done.forecasts, done.sealed, strict=True)
    ]
    return pd.DataFrame(rows).set_index("question")


def score(
    ledger: str | Path, record: str | Path, *, every: bool = False, out: str | Path | None = None
) -> ScoreResult:
    """Verify `ledger`, resolve its forecasts (the latest of each question, or `every` one) on
    the `record` of what happened, and score them, as `negsim score` does: Brier and log
    scores, a leave-one-out base rate's, the skill, and reliability bins, written with the
    diagram into `out` (default `results/forecasts/<timestamp>-score`).

    A forecast whose deadline the record does not reach yet is listed in `.unresolved`, not
    scored; when the record resolves none, nothing is written and `.folder` is None.

    Examples:
        >>> import sim, tempfile
        >>> from pathlib import Path
        >>> mine = Path(tempfile.mkdtemp())
        >>> copied = sim.examples(mine)  # the shipped questions and record are in mine/forecasts/
        >>> found = sim.forecast_questions(
        ...     "2024-12-mediation-paths", mine / "forecasts" / "questions-2024-12.yaml",
        ...     ledger=mine / "ledger.jsonl", runs=30, rounds=24,
        ... )
        >>> record = mine / "forecasts" / "record-2024-12.yaml"
        >>> scored = sim.score(mine / "ledger.jsonl", record, out=mine / "scores")
        >>> len(scored.scores) + len(scored.unresolved) == len(found)
        True
        >>> set(scored.scores["outcome"]) <= {0, 1}
        True
        >>> scored.overall["n"] == len(scored.scores)
        True
    """
    words = ["negsim", "score", str(ledger), "--record", str(record)]
    words += ["--all"] if every else []
    words += ["--out", str(out)] if out is not None else []
    found = score_ledger(
        Path(ledger), Path(record), every, Path(out) if out is not None else None, command=words
    )
    unresolved = unresolved_frame(found.unresolved)
    if found.table is None or found.total is None or found.bins is None:
        return ScoreResult(pd.DataFrame(), pd.DataFrame(), {}, unresolved, None)
    overall = {**dataclasses.asdict(found.total), "skill": found.total.skill}
    return ScoreResult(found.table, found.bins, overall, unresolved, found.folder)
