"""The questions file: what to forecast, each question checked where it was written.

Reading a file checks what it says by itself (kinds, dates, unique ids); `pose` then checks
it against the scenario that will answer it (its paths, its start date, its horizon) and
turns each deadline into a month of the run, before anything runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.forecast.conditions import ASKED, TESTS, Condition
from sim.forecast.fields import Fields, kind, read_document
from sim.forecast.months import last_day, month_of
from sim.limits import MAX_ROUNDS
from sim.scenario.suggest import hint
from sim.scenario.yaml_source import KeyPath, YamlDocument

ANY = "any"  # the path a question is about when it is about whatever path is taken
QUESTION_KEYS = ("id", "text", "event", "test")
OPTIONAL_KEYS = ("issues", "path", "weights", "by", "months")
MAX_QUESTIONS = 1000


@dataclass(frozen=True)
class Question:
    """One question as written; `index` is its place in the file's list."""

    index: int
    id: str
    text: str
    condition: Condition
    path: str
    weights: dict[str, float] | None
    by: dt.date | None
    months: int | None


@dataclass(frozen=True)
class Questions:
    file: Path
    questions: tuple[Question, ...]
    document: YamlDocument  # for the positions of later problems


@dataclass(frozen=True)
class Deadline:
    month: int  # the run's round that holds the deadline
    date: dt.date | None  # None: months were asked for, and the scenario has no start date


@dataclass(frozen=True)
class Posed:
    """A question made concrete for one scenario: its deadline month, and how much each path's
    answer counts (one path, or the mixture `any` stands for)."""

    question: Question
    deadline: Deadline
    weights: dict[str, float]


def load_questions(path: Path) -> Questions:
    """Read and check a questions file; every problem in it is raised at once (NegsimError)."""
    document = read_document(path, "questions")
    fields = Fields(document, str(path))
    top = fields.mapping((), document.data, ["questions"], ["snapshot"]) or {}
    if "snapshot" in top:
        fields.text(("snapshot",), top["snapshot"])
    raw = fields.items(("questions",), top.get("questions"), "questions") if "questions" in top else []
    if len(raw) > MAX_QUESTIONS:
        fields.fail(("questions",), f"{len(raw):,} questions; a file may hold at most {MAX_QUESTIONS:,}")
        raw = []
    questions = [q for i, item in enumerate(raw) if (q := _question(fields, i, item)) is not None]
    seen: dict[str, int] = {}
    for q in questions:
        if q.id in seen:
            fields.fail(
                ("questions", q.index, "id"), f"duplicate question id `{q.id}` (also questions[{seen[q.id]}])"
            )
        seen.setdefault(q.id, q.index)
    fields.done()
    return Questions(path, tuple(questions), document)


def _question(fields: Fields, index: int, item: Any) -> Question | None:
    at = ("questions", index)
    entry = fields.mapping(at, item, QUESTION_KEYS, OPTIONAL_KEYS)
    if entry is None:
        return None
    before = len(fields.problems)
    qid = fields.identifier((*at, "id"), entry.get("id")) if "id" in entry else None
    text = fields.text((*at, "text"), entry.get("text")) if "text" in entry else None
    event = fields.choice((*at, "event"), entry.get("event"), ASKED) if "event" in entry else None
    test = fields.choice((*at, "test"), entry.get("test"), TESTS) if "test" in entry else None
    issues: tuple[str, ...] = ()
    if "issues" in entry:
        if event is not None and event != "partial_deal":
            fields.fail((*at, "issues"), f"only a partial_deal question names issues, not a {event} one")
        issues = fields.ids((*at, "issues"), entry["issues"]) or ()
    path = fields.identifier((*at, "path"), entry["path"]) if "path" in entry else ANY
    weights = _weights(fields, at, entry, path)
    by = fields.date((*at, "by"), entry["by"]) if "by" in entry else None
    months = fields.whole((*at, "months"), entry["months"], 1, MAX_ROUNDS) if "months" in entry else None
    if ("by" in entry) == ("months" in entry):
        fields.fail(at, "give the deadline as one of `by` (a date) or `months` (after the start), not both")
    if len(fields.problems) > before or None in (qid, text, event, test, path):
        return None
    return Question(index, qid, text, Condition(event, test, issues), path, weights, by, months)  # type: ignore[arg-type]


def _weights(fields: Fields, at: KeyPath, entry: dict[str, Any], path: str | None) -> dict[str, float] | None:
    """The mixture weights of `path: any`, as written (normalised when the question is posed)."""
    if "weights" not in entry:
        return None
    value = entry["weights"]
    if path != ANY:
        fields.fail((*at, "weights"), "weights mix the paths of `path: any`; this question names one path")
        return None
    if not isinstance(value, dict) or not value:
        fields.fail((*at, "weights"), f"expected a mapping from path ids to weights, got {kind(value)}")
        return None
    weights = {str(k): fields.weight((*at, "weights", str(k)), v) for k, v in value.items()}
    if any(w is None for w in weights.values()):
        return None
    if not sum(w for w in weights.values() if w is not None) > 0:
        fields.fail((*at, "weights"), "the weights add up to 0; give at least one path a positive weight")
        return None
    return {k: w for k, w in weights.items() if w is not None}


def pose(
    questions: Questions,
    paths: Sequence[str],
    separable: Collection[str],
    start: dt.date | None,
    rounds: int,
) -> list[Posed]:
    """Each question's deadline month and path weights for a scenario whose paths are `paths`,
    whose issues that can be agreed alone are `separable`, whose round 0 is `start` and whose
    run lasts `rounds` months; every question it cannot answer is raised at once (NegsimError)."""
    fields = Fields(questions.document, str(questions.file))
    posed = []
    for q in questions.questions:
        _check_issues(fields, q, separable)
        weights = _mixture(fields, q, paths)
        deadline = _deadline(fields, q, start, rounds)
        if weights is not None and deadline is not None:
            posed.append(Posed(q, deadline, weights))
    fields.done()
    return posed


def _check_issues(fields: Fields, q: Question, separable: Collection[str]) -> None:
    """A partial deal can only be on an issue the scenario lets be agreed alone."""
    for i, issue in enumerate(q.condition.issues):
        if issue not in separable:
            known = (
                f"its separable issues: {', '.join(separable)}"
                if separable
                else ("it has none: partial deals need issues with `separable: true`")
            )
            fields.fail(
                ("questions", q.index, "issues", i), f"the scenario has no separable issue `{issue}`", known
            )


def _mixture(fields: Fields, q: Question, paths: Sequence[str]) -> dict[str, float] | None:
    at = ("questions", q.index)
    if q.path != ANY:
        if q.path not in paths:
            fields.fail(
                (*at, "path"),
                f"the scenario has no mediation path `{q.path}`",
                hint(q.path, [*paths, ANY], "paths"),
            )
            return None
        return {q.path: 1.0}
    if q.weights is None:
        return {p: 1 / len(paths) for p in paths}
    unknown = [p for p in q.weights if p not in paths]
    for p in unknown:
        fields.fail(
            (*at, "weights", p), f"the scenario has no mediation path `{p}`", hint(p, list(paths), "paths")
        )
    if unknown:
        return None
    total = sum(q.weights.values())
    return {p: q.weights.get(p, 0.0) / total for p in paths}


def _deadline(fields: Fields, q: Question, start: dt.date | None, rounds: int) -> Deadline | None:
    at = ("questions", q.index)
    if q.by is not None:
        if start is None:
            fields.fail(
                (*at, "by"),
                "the scenario has no `run.start_date`, so a date cannot be placed in its run",
                "give the deadline in `months:`, or add `run.start_date` to the scenario",
            )
            return None
        if q.by <= start:
            fields.fail((*at, "by"), f"the deadline {q.by} is not after the scenario's start date {start}")
            return None
        deadline = Deadline(month_of(q.by, start), q.by)
        key = "by"
    else:
        assert q.months is not None
        deadline = Deadline(q.months, None if start is None else last_day(q.months, start))
        key = "months"
    if deadline.month > rounds:
        fields.fail(
            (*at, key),
            f"the deadline is month {deadline.month} of the run, beyond its horizon of {rounds} months",
            f"run more months (--rounds {deadline.month}), or ask about an earlier date",
        )
        return None
    return deadline
