"""What a ledger entry says about a forecast: written by `negsim forecast`, read by `score`.

An entry carries the whole question (so the record can resolve it without the questions
file), its deadline as a date and as a month of the run, the probability, and what made it:
the scenario's digest, negsim's version, the seed and the replications.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import NegsimError
from sim.forecast.conditions import ASKED, TESTS, Condition
from sim.forecast.ledger import REPAIR

if TYPE_CHECKING:  # scoring reads entries without the events table's readers
    from sim.forecast.probabilities import Forecast


@dataclass(frozen=True)
class RunFacts:
    """What every forecast of one `negsim forecast` shares."""

    scenario: str
    scenario_file: str
    digest: str
    version: str
    seed: int
    replications: int  # per path
    rounds: int
    start: dt.date | None
    questions_file: str
    time: str  # UTC, ISO 8601


def entry_fields(forecast: Forecast, run: RunFacts) -> dict[str, Any]:
    """The ledger entry of `forecast` (without its number and hashes, which the ledger adds)."""
    question, deadline = forecast.posed.question, forecast.posed.deadline
    return {
        "question": question.id,
        "text": question.text,
        "event": question.condition.event,
        "test": question.condition.test,
        "issues": list(question.condition.issues),
        "path": question.path,
        "weights": forecast.posed.weights if len(forecast.posed.weights) > 1 else None,
        "deadline": deadline.date.isoformat() if deadline.date else None,
        "month": deadline.month,
        "start": run.start.isoformat() if run.start else None,
        "probability": forecast.probability,
        "by_path": forecast.by_path,
        "scenario": run.scenario,
        "scenario_file": run.scenario_file,
        "digest": run.digest,
        "negsim": run.version,
        "seed": run.seed,
        "replications": run.replications,
        "rounds": run.rounds,
        "questions_file": run.questions_file,
        "time": run.time,
    }


@dataclass(frozen=True)
class Logged:
    """A forecast as the ledger holds it, on line `line`."""

    line: int
    question: str
    text: str
    condition: Condition
    path: str
    deadline: dt.date | None
    start: dt.date | None
    probability: float
    time: str


def logged(ledger: Path, line: int, entry: dict[str, Any]) -> Logged:
    """Line `line`'s entry as a forecast; refused (NegsimError) if it lacks what scoring needs,
    such as an entry some other program appended with hashes of its own."""
    try:
        condition = Condition(entry["event"], entry["test"], tuple(entry["issues"]))
        probability = entry["probability"]
        valid = (
            condition.event in ASKED
            and condition.test in TESTS
            and all(isinstance(i, str) for i in condition.issues)
            and isinstance(probability, int | float)
            and not isinstance(probability, bool)
            and 0 <= probability <= 1
        )
        if not valid:
            raise ValueError
        return Logged(
            line,
            str(entry["question"]),
            str(entry["text"]),
            condition,
            str(entry["path"]),
            _date(entry["deadline"]),
            _date(entry["start"]),
            float(probability),
            str(entry["time"]),
        )
    except (KeyError, TypeError, ValueError):
        raise NegsimError.single(
            str(ledger), f"line {line} is not a forecast negsim can score", line=line, suggestion=REPAIR
        ) from None


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)
