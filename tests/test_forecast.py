"""Forecasts: questions answered from events tables, the hash-chained ledger, and scores against
a record. Probabilities and scores are checked against values worked out by hand; the ledger
against every way of damaging it; bad input files against the one message each must get."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.errors import NegsimError
from sim.forecast import ledger
from sim.forecast.conditions import Condition, holds
from sim.forecast.events import EventsTable
from sim.forecast.months import add_months, last_day, month_of
from sim.forecast.probabilities import forecast
from sim.forecast.questions import Deadline, Posed, Question, load_questions, pose
from sim.forecast.record import load_record
from sim.forecast.scores import base_rates, reliability
from tests.conftest import FLAGSHIP, negsim_main

START = dt.date(2024, 12, 9)


def timeline(*rows: tuple[int, int, str, str]) -> pd.DataFrame:
    """An events table: (replication, month, kind, issues) per row, in the order given."""
    return pd.DataFrame(rows, columns=["replication", "month", "kind", "issues"]).astype(
        {"replication": "int64", "month": "int64"}
    )


def held(frame: pd.DataFrame, event: str, test: str, deadline: int, *issues: str) -> list[int]:
    return holds(frame, Condition(event, test, issues), deadline).tolist()


# --- months


def test_months_are_calendar_months_from_the_start_date() -> None:
    assert add_months(START, 1) == dt.date(2025, 1, 9)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)  # a day February lacks
    assert add_months(dt.date(2023, 12, 31), 2) == dt.date(2024, 2, 29)
    assert month_of(dt.date(2025, 1, 8), START) == 1  # month 1 is [2024-12-09, 2025-01-09)
    assert month_of(dt.date(2025, 1, 9), START) == 2
    assert month_of(dt.date(2025, 12, 31), START) == 13
    assert last_day(12, START) == dt.date(2025, 12, 8)
    assert all(month_of(last_day(m, START), START) == m for m in range(1, 121))
    with pytest.raises(ValueError):
        month_of(START, START)


# --- conditions on timelines


CEASEFIRES = timeline(
    (0, 3, "ceasefire", ""),
    (0, 5, "ceasefire_breakdown", ""),
    (1, 2, "ceasefire", ""),
    (1, 4, "ceasefire_breakdown", ""),
    (1, 6, "ceasefire", ""),
    (2, 7, "agreement", ""),
    (3, 2, "talks_breakdown", ""),
)


def test_a_ceasefire_is_in_force_until_it_breaks_down_and_occurs_once_it_started() -> None:
    assert held(CEASEFIRES, "ceasefire", "in_force", 2) == [1]
    assert held(CEASEFIRES, "ceasefire", "in_force", 4) == [0]  # 1 broke down in month 4
    assert held(CEASEFIRES, "ceasefire", "in_force", 5) == []
    assert held(CEASEFIRES, "ceasefire", "in_force", 6) == [1]  # a second ceasefire
    assert held(CEASEFIRES, "ceasefire", "occurs", 5) == [0, 1]
    assert held(CEASEFIRES, "ceasefire", "occurs", 60) == [0, 1]  # an agreement is no ceasefire event


def test_an_agreement_counts_as_a_ceasefire_in_force() -> None:
    assert held(CEASEFIRES, "ceasefire", "in_force", 7) == [1, 2]
    assert held(CEASEFIRES, "ceasefire", "in_force", 6) == [1]
    assert held(CEASEFIRES, "agreement", "in_force", 7) == held(CEASEFIRES, "agreement", "occurs", 7) == [2]
    assert held(CEASEFIRES, "talks_breakdown", "occurs", 1) == []
    assert held(CEASEFIRES, "talks_breakdown", "occurs", 2) == [3]


PARTIALS = timeline(
    (0, 2, "partial_deal", "escalation,humanitarian"),
    (0, 4, "partial_breakdown", "escalation"),
    (1, 1, "partial_deal", "humanitarian"),
    (1, 3, "partial_breakdown", ""),  # no issue named: every deal of the run ends
    (2, 1, "partial_deal", "navigation"),
    (3, 2, "partial_deal", "escalation"),
    (3, 2, "partial_breakdown", "escalation"),  # in the same month, after it
    (4, 2, "partial_breakdown", "escalation"),
    (4, 2, "partial_deal", "escalation"),  # in the same month, before it
)


def test_a_partial_deal_is_in_force_on_an_issue_until_it_breaks_down() -> None:
    assert held(PARTIALS, "partial_deal", "in_force", 3, "escalation") == [0, 4]
    assert held(PARTIALS, "partial_deal", "in_force", 4, "escalation") == [4]
    assert held(PARTIALS, "partial_deal", "in_force", 4, "humanitarian") == [0]
    assert held(PARTIALS, "partial_deal", "in_force", 2, "humanitarian") == [0, 1]
    assert held(PARTIALS, "partial_deal", "in_force", 4, "escalation", "humanitarian") == [0, 4]
    assert held(PARTIALS, "partial_deal", "in_force", 4) == [0, 2, 4]  # no issue asked: any issue


def test_a_partial_deal_occurs_on_one_of_the_issues_asked() -> None:
    assert held(PARTIALS, "partial_deal", "occurs", 1, "escalation") == []
    assert held(PARTIALS, "partial_deal", "occurs", 2, "escalation") == [0, 3, 4]
    assert held(PARTIALS, "partial_deal", "occurs", 9, "escalation", "humanitarian") == [0, 1, 3, 4]
    assert held(PARTIALS, "partial_deal", "occurs", 9) == [0, 1, 2, 3, 4]


# --- probabilities


def posed(event: str, test: str, month: int, weights: dict[str, float], *issues: str) -> Posed:
    path = next(iter(weights)) if len(weights) == 1 else "any"
    question = Question(0, "q", "text", Condition(event, test, issues), path, None, None, month)
    return Posed(question, Deadline(month, None), weights)


def test_a_probability_is_the_share_of_replications_and_any_mixes_the_paths() -> None:
    table = EventsTable(
        {
            "a": timeline((0, 1, "ceasefire", ""), (1, 3, "ceasefire", ""), (3, 2, "agreement", "")),
            "b": timeline((2, 2, "ceasefire", ""), (2, 3, "ceasefire_breakdown", "")),
        },
        {"a": 4, "b": 5},  # replications without events have no rows
        24,
    )
    assert forecast(table, posed("ceasefire", "in_force", 2, {"a": 1.0})).probability == 0.5
    assert forecast(table, posed("ceasefire", "in_force", 3, {"a": 1.0})).probability == 0.75
    assert forecast(table, posed("ceasefire", "in_force", 2, {"b": 1.0})).probability == 0.2
    assert forecast(table, posed("ceasefire", "in_force", 3, {"b": 1.0})).probability == 0.0
    mixed = forecast(table, posed("ceasefire", "occurs", 3, {"a": 0.5, "b": 0.5}))
    assert mixed.by_path == {"a": 0.5, "b": 0.2} and mixed.probability == pytest.approx(0.35)
    weighted = forecast(table, posed("ceasefire", "occurs", 3, {"a": 0.25, "b": 0.75}))
    assert weighted.probability == pytest.approx(0.25 * 0.5 + 0.75 * 0.2)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


QUESTION = "  - {{id: {id}, text: t, event: ceasefire, test: in_force, {more}}}\n"


def questions_file(folder: Path, *items: str, name: str = "questions.yaml") -> Path:
    body = "".join(QUESTION.format(id=f"q{i}", more=more) for i, more in enumerate(items))
    return write(folder, name, f"questions:\n{body}")


def test_a_deadline_by_date_and_by_months_name_the_same_month(tmp_path: Path) -> None:
    file = questions_file(
        tmp_path, "by: 2025-12-31", "months: 13", "months: 12", "by: 2025-01-09, path: no_mediation"
    )
    found = pose(load_questions(file), ["no_mediation", "other"], [], START, 60)
    assert [p.deadline for p in found] == [
        Deadline(13, dt.date(2025, 12, 31)),
        Deadline(13, dt.date(2026, 1, 8)),
        Deadline(12, dt.date(2025, 12, 8)),
        Deadline(2, dt.date(2025, 1, 9)),
    ]
    assert found[0].weights == {"no_mediation": 0.5, "other": 0.5}
    assert found[3].weights == {"no_mediation": 1.0}


def test_a_deadline_beyond_the_horizon_is_refused_with_the_rounds_it_needs(tmp_path: Path) -> None:
    file = questions_file(tmp_path, "by: 2025-06-30", "by: 2026-12-31")
    with pytest.raises(NegsimError) as caught:
        pose(load_questions(file), ["p"], [], START, 12)
    message = str(caught.value)
    assert message.count("\n    hint") == 1 and "questions[0]" not in message
    assert (
        "questions.yaml:3:" in message and "questions[1].by: the deadline is month 25 of the run" in message
    )
    assert "beyond its horizon of 12 months" in message and "--rounds 25" in message


# --- the ledger


def fields(
    question: str, probability: float, event: str = "ceasefire", test: str = "in_force", **more: Any
) -> dict:
    """A ledger entry as `negsim forecast` writes one (what scoring reads of it)."""
    return {
        "question": question,
        "text": f"text of {question}",
        "event": event,
        "test": test,
        "issues": [],
        "path": "any",
        "deadline": "2025-03-31",
        "month": 4,
        "start": "2025-01-01",
        "probability": probability,
        "time": "2025-01-01T00:00:00Z",
        **more,
    }


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """A ledger of five entries, appended in two goes."""
    path = tmp_path / "forecasts" / "ledger.jsonl"
    ledger.append(path, [fields(f"q{i}", i / 10) for i in range(3)])
    ledger.append(path, [fields(f"q{i}", i / 10) for i in range(3, 5)])
    return path


def verify(path: Path) -> tuple[int, str, str]:
    return negsim_main("verify", str(path))


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_appended_entries_chain_and_verify(book: Path) -> None:
    entries = [json.loads(line) for line in lines(book)]
    assert [e["entry"] for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0]["prev"] == "0" * 64
    assert all(later["prev"] == earlier["hash"] for earlier, later in itertools.pairwise(entries))
    assert all(e["hash"] == ledger.entry_hash(e) for e in entries)
    assert json.loads(ledger.head_file(book).read_text()) == {"entries": 5, "hash": entries[-1]["hash"]}
    assert sorted(p.name for p in book.parent.iterdir()) == ["ledger.jsonl", "ledger.jsonl.head"]
    code, out, err = verify(book)
    assert code == 0 and "ledger.jsonl: 5 entries, chain intact" in out, err


def test_appending_leaves_earlier_lines_byte_for_byte(book: Path) -> None:
    before = book.read_bytes()
    ledger.append(book, [fields("q9", 0.9)])
    assert book.read_bytes().startswith(before)


def broken(book: Path, line: int, *words: str) -> str:
    """`negsim verify` refuses the ledger naming `line`; the message, for more checks."""
    code, _, err = verify(book)
    assert code == 2 and err.startswith(f"error: {book}:{line}: line {line} "), err
    assert err.count("error:") == 1 and "Traceback" not in err
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize("at", [2, 5])
def test_a_changed_character_is_named_by_its_line(book: Path, at: int) -> None:
    text = lines(book)
    text[at - 1] = text[at - 1].replace('"probability":0.', '"probability":1.', 1)
    book.write_text("".join(text), encoding="utf-8")
    broken(book, at, "was changed")


def test_a_line_rewritten_with_spaces_is_changed_too(book: Path) -> None:
    text = lines(book)
    text[2] = json.dumps(json.loads(text[2]), sort_keys=True) + "\n"  # the same data, other bytes
    book.write_text("".join(text), encoding="utf-8")
    broken(book, 3, "not written as negsim writes entries")


def test_a_removed_middle_line_is_detected(book: Path) -> None:
    text = lines(book)
    book.write_text("".join(text[:2] + text[3:]), encoding="utf-8")
    broken(book, 3, "holds entry 4, not 3", "removed")


def test_reordered_lines_are_detected(book: Path) -> None:
    text = lines(book)
    book.write_text("".join([text[0], text[2], text[1], *text[3:]]), encoding="utf-8")
    broken(book, 2, "holds entry 3, not 2")


def test_a_removed_last_line_is_detected_by_the_head(book: Path) -> None:
    book.write_text("".join(lines(book)[:-1]), encoding="utf-8")
    broken(book, 5, "the head records 5 entries and the ledger ends after 4", "the last 1 was removed")


def test_lines_added_without_the_head_are_detected(book: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.jsonl"
    ledger.append(other, [fields(f"q{i}", 0.5) for i in range(6)])
    book.write_text("".join(lines(other)), encoding="utf-8")  # a longer chain of its own
    broken(book, 5, "not the entry the head records as entry 5")
    ledger.head_file(book).write_text(ledger.head_file(other).read_text())
    ledger.head_file(other).unlink()
    assert verify(other)[0] == 2  # and no head at all


def test_a_cut_short_last_line_is_named(book: Path) -> None:
    book.write_bytes(book.read_bytes()[:-40])
    broken(book, 5, "incomplete")


def test_a_broken_ledger_is_never_appended_to(book: Path) -> None:
    book.write_text("".join(lines(book)[:-1]), encoding="utf-8")
    damaged = book.read_bytes()
    with pytest.raises(NegsimError, match="the last 1 was removed"):
        ledger.append(book, [fields("q9", 0.9)])
    assert book.read_bytes() == damaged


def test_verify_still_checks_a_folder_whose_name_ends_in_jsonl(tmp_path: Path) -> None:
    folder = tmp_path / "odd.jsonl"
    folder.mkdir()
    code, _, err = verify(folder)
    assert code == 2 and "manifest.json" in err and "Traceback" not in err


# --- scores


RECORD = """\
name: tiny
start: 2025-01-01
through: 2025-12-31
sources:
  wire: {outlet: Wire, date: 2025-03-01, headline: Truce, url: "https://example.org/truce"}
events:
  - {date: 2025-03-01, kind: ceasefire, what: a truce, source: wire, quote: "the guns fell silent"}
  - {date: 2025-04-10, kind: partial_deal, issues: [escalation], what: halt, source: wire, quote: "a halt"}
  - {date: 2025-05-01, kind: talks, what: talks, source: wire, quote: "they met"}
"""


@pytest.fixture
def scored(tmp_path: Path) -> Callable[..., tuple[int, str, str, Path]]:
    """`negsim score` of a ledger of four questions (one forecast twice) against RECORD."""
    book = tmp_path / "ledger.jsonl"
    ledger.append(
        book,
        [
            fields("cease", 0.1),  # forecast again below: the latest is scored by default
            fields("cease", 0.8),
            fields("deal", 0.3, event="agreement", test="occurs", deadline="2025-06-30"),
            fields(  # its deadline is the day of the halt: an event on the deadline counts
                "halt", 0.6, event="partial_deal", test="occurs", issues=["escalation"], deadline="2025-04-10"
            ),
            fields("later", 0.5, deadline="2026-01-31"),
        ],
    )
    record = write(tmp_path, "record.yaml", RECORD)

    def score(*options: str) -> tuple[int, str, str, Path]:
        out = tmp_path / f"scores{len(list(tmp_path.glob('scores*')))}"
        code, stdout, stderr = negsim_main(
            "score", str(book), "--record", str(record), "--out", str(out), *options
        )
        return code, stdout, stderr, out

    return score


def test_scores_are_those_worked_out_by_hand(scored: Callable[..., tuple[int, str, str, Path]]) -> None:
    code, out, err, folder = scored()
    assert code == 0, err
    table = pd.read_csv(folder / "scores.csv").set_index("question")
    # cease: a ceasefire in force on 2025-03-31 (yes); deal: no agreement; halt: a halt by 2025-04-10
    assert table["outcome"].to_dict() == {"cease": 1, "deal": 0, "halt": 1}
    assert table.loc["cease", "line"] == 2  # the later of its two forecasts
    assert table["brier"].to_numpy() == pytest.approx([0.04, 0.09, 0.16])
    assert table["log"].to_numpy() == pytest.approx([-math.log(0.8), -math.log(0.7), -math.log(0.6)])
    # leave one out: cease sees deal (0) and halt (1); deal sees two that came true
    assert table["base_rate"].to_numpy() == pytest.approx([0.5, 1.0, 0.5])
    assert table["base_brier"].to_numpy() == pytest.approx([0.25, 1.0, 0.25])
    assert table["base_log"].to_numpy() == pytest.approx([math.log(2), -math.log(0.001), math.log(2)])
    brier, base = (0.04 + 0.09 + 0.16) / 3, 1.5 / 3
    assert f"│         3 │ {brier:.3f} │" in out
    assert f"│ {1 - brier / base:.3f} │" in out  # skill 0.807
    assert "Unresolved (deadline after the record's last date, 2025-12-31): later (2026-01-31)" in out
    assert "cease (2×); the latest is scored" in out
    assert pd.read_csv(folder / "unresolved.csv")["question"].tolist() == ["later"]
    assert (folder / "plots" / "reliability.png").stat().st_size > 10_000
    assert negsim_main("verify", str(folder))[0] == 0


def test_all_scores_every_forecast(scored: Callable[..., tuple[int, str, str, Path]]) -> None:
    code, out, err, folder = scored("--all")
    assert code == 0, err
    table = pd.read_csv(folder / "scores.csv")
    assert table["line"].tolist() == [1, 2, 3, 4]
    assert table["brier"].to_numpy() == pytest.approx([0.81, 0.04, 0.09, 0.16])
    assert table["base_rate"].to_numpy() == pytest.approx([0.5, 0.5, 1.0, 0.5])  # each question once
    assert "latest is scored" not in out


def test_base_rates_and_reliability_bins() -> None:
    assert base_rates(["a"], np.array([1])).tolist() == [0.5]  # no other question
    assert base_rates(["a", "b", "c", "d"], np.array([1, 0, 0, 1])).tolist() == pytest.approx(
        [1 / 3, 2 / 3, 2 / 3, 1 / 3]
    )
    bins = reliability(np.array([0.0, 0.19, 0.2, 0.6, 1.0]), np.array([0, 1, 1, 0, 1]))
    assert bins["n"].tolist() == [2, 1, 0, 1, 1]
    assert bins["observed"].tolist()[:2] == [0.5, 1.0] and math.isnan(bins["observed"][2])
    assert bins["mean_probability"][0] == pytest.approx(0.095)


# --- bad questions and records: one message each, file and line, exit 2


def one_problem(code: int, err: str, *parts: str) -> None:
    assert code == 2 and err.startswith("error: ") and err.count("error: ") == 1, err
    assert "Traceback" not in err
    first, *rest = err.rstrip("\n").split("\n")
    assert all(line.startswith("    hint: ") for line in rest), err  # one problem, perhaps a hint
    for part in parts:
        assert part in first, first


BAD_QUESTIONS = [
    ("unknown-kind", "by: 2025-06-30, event: truce", "questions[0].event: unknown value `truce`"),
    ("date-not-iso", "by: 31/12/2025", "questions[0].by: expected an ISO date, got text '31/12/2025'"),
    ("path-unknown", "by: 2025-06-30, path: nowhere", "the scenario has no mediation path `nowhere`"),
    (
        "before-start",
        "by: 2024-11-30",
        "the deadline 2024-11-30 is not after the scenario's start date 2024-12-09",
    ),
    ("beyond-horizon", "months: 61", "the deadline is month 61 of the run, beyond its horizon of 60 months"),
    ("by-and-months", "by: 2025-06-30, months: 3", "give the deadline as one of `by`"),
    ("issue-unknown", "by: 2025-06-30, event: partial_deal, issues: [energy]", "no separable issue `energy`"),
    ("misspelt-key", "by: 2025-06-30, tset: x", "questions[0].tset: unknown key"),
]


@pytest.mark.parametrize("more, expected", [c[1:] for c in BAD_QUESTIONS], ids=[c[0] for c in BAD_QUESTIONS])
def test_a_bad_question_gets_one_message(tmp_path: Path, more: str, expected: str) -> None:
    scenario = write(tmp_path, "dated.yaml", f"extends: {FLAGSHIP}\nrun: {{start_date: 2024-12-09}}\n")
    questions = questions_file(tmp_path, more)
    if "event: " in more:  # the question's own event replaces the default one
        text = questions.read_text().replace("event: ceasefire, ", "", 1)
        questions.write_text(text.replace("test: in_force", "test: occurs"))
    book = tmp_path / "ledger.jsonl"
    code, _, err = negsim_main(
        "forecast", str(scenario), "--questions", str(questions), "--ledger", str(book)
    )
    one_problem(code, err, f"{questions}:2:", expected)
    assert not book.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "dated.yaml",
        "questions.yaml",
    ]


def test_a_duplicate_question_id_names_both(tmp_path: Path) -> None:
    file = write(tmp_path, "q.yaml", "questions:\n" + QUESTION.format(id="a", more="months: 1") * 2)
    with pytest.raises(NegsimError) as caught:
        load_questions(file)
    assert str(caught.value).startswith(
        f"{file}:3:"
    ) and "duplicate question id `a` (also questions[0])" in str(caught.value)


BAD_RECORDS = [
    ("unknown-kind", ("kind: ceasefire,", "kind: truce,"), "events[0].kind: unknown value `truce`"),
    (
        "date-not-iso",
        ("date: 2025-03-01, kind", "date: March 2025, kind"),
        "events[0].date: expected an ISO date",
    ),
    (
        "before-start",
        ("date: 2025-03-01, kind", "date: 2024-12-31, kind"),
        "is before the record's start 2025-01-01",
    ),
    ("after-through", ("date: 2025-03-01, kind", "date: 2026-03-01, kind"), "after the record's `through`"),
    ("quote-missing", (', quote: "the guns fell silent"', ""), "events[0]: required key `quote` is missing"),
    (
        "source-unknown",
        ('source: wire, quote: "the', 'source: post, quote: "the'),
        "source `post` is not listed",
    ),
    ("quote-too-long", ("the guns fell silent", "word " * 31), "the quote has 31 words; at most 30"),
    ("deal-no-issues", ("issues: [escalation], ", ""), "a partial deal names the issues it covers"),
]


@pytest.mark.parametrize("change, expected", [c[1:] for c in BAD_RECORDS], ids=[c[0] for c in BAD_RECORDS])
def test_a_bad_record_gets_one_message(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    book = tmp_path / "ledger.jsonl"
    ledger.append(book, [fields("cease", 0.8)])
    old, new = change
    assert old in RECORD
    record = write(tmp_path, "record.yaml", RECORD.replace(old, new, 1))
    code, _, err = negsim_main("score", str(book), "--record", str(record), "--out", str(tmp_path / "out"))
    line = 8 if "partial" in expected else 7
    one_problem(code, err, f"{record}:{line}:", expected)
    assert not (tmp_path / "out").exists()


def test_a_record_of_another_snapshot_is_refused(tmp_path: Path) -> None:
    book = tmp_path / "ledger.jsonl"
    ledger.append(book, [fields("cease", 0.8, start="2024-12-09")])
    record = write(tmp_path, "record.yaml", RECORD)
    code, _, err = negsim_main("score", str(book), "--record", str(record))
    one_problem(code, err, f"{book}:1:", "starts on 2024-12-09, and the record", "on 2025-01-01")


def test_a_record_loads_as_a_timeline_in_date_order(tmp_path: Path) -> None:
    text = RECORD.replace("date: 2025-04-10", "date: 2025-02-10")
    record = load_record(write(tmp_path, "record.yaml", text))
    frame = record.timeline()
    assert frame["kind"].tolist() == ["partial_deal", "ceasefire"]  # talks never resolve
    assert frame["month"].tolist() == [1, 2] and frame["issues"].tolist() == ["escalation", ""]


# --- the command, end to end


def test_forecast_agrees_with_the_replications_table(tmp_path: Path) -> None:
    """With fragile ceasefires off a ceasefire ends the run, so "a ceasefire in force at month m"
    is "the run ended in a ceasefire or an agreement by month m": the events table checked
    against the replications table, which knows nothing of it."""
    final = "mechanisms: {fragile_ceasefire: false, partial_deals: false}\n"
    scenario = write(tmp_path, "dated.yaml", f"extends: {FLAGSHIP}\n{final}")
    questions = questions_file(tmp_path, "by: 2025-06-30, path: us_ceasefire_first", "months: 12")
    book, out = tmp_path / "forecasts" / "ledger.jsonl", tmp_path / "run"
    args = ["--runs", "60", "--rounds", "24", "--workers", "1", "--out", str(out), "--ledger", str(book)]
    code, stdout, err = negsim_main("forecast", str(scenario), "--questions", str(questions), *args)
    assert code == 0, err
    runs = pd.read_parquet(out / "replications", columns=["replication", "outcome", "end_round", "path"])
    stopped = runs["outcome"].isin(["ceasefire", "agreement"])

    def share(month: int, paths: list[str]) -> float:
        """The mean over `paths` of each path's share of runs stopped by `month`."""
        ended = stopped & (runs["end_round"] <= month)
        return float(ended[runs["path"].isin(paths)].groupby(runs["path"]).mean().mean())

    entries = [json.loads(line) for line in lines(book)]
    assert entries[0]["month"] == 7 and entries[0]["probability"] == pytest.approx(
        share(7, ["us_ceasefire_first"])
    )
    assert entries[1]["deadline"] == "2025-12-08" and entries[1]["weights"] is not None
    assert entries[1]["probability"] == pytest.approx(share(12, list(runs["path"].unique())), abs=1e-6)
    assert entries[0]["replications"] == 60 and entries[0]["digest"] and entries[0]["negsim"]
    assert "Ledger:  " in stdout and "(entries 1–2)" in stdout
    assert verify(book)[0] == 0
    code, stdout, err = negsim_main(
        "forecast", str(scenario), "--questions", str(questions), *args[:-4], "--ledger", str(book)
    )
    assert code == 0 and "(entries 3–4)" in stdout, err
    assert negsim_main("verify", str(out))[0] == 0  # the kept run folder is an ordinary one


def test_forecast_refuses_a_broken_ledger_before_it_runs(tmp_path: Path, book: Path) -> None:
    book.write_text("".join(lines(book)[:-1]), encoding="utf-8")
    scenario = write(tmp_path, "dated.yaml", f"extends: {FLAGSHIP}\nrun: {{start_date: 2024-12-09}}\n")
    questions = questions_file(tmp_path, "months: 3")
    out = tmp_path / "run"
    code, _, err = negsim_main(
        "forecast", str(scenario), "--questions", str(questions), "--ledger", str(book), "--out", str(out)
    )
    one_problem(code, err, f"{book}:5:", "the last 1 was removed")
    assert not out.exists()
    code, _, err = negsim_main("forecast", str(scenario), "--questions", str(questions), "--ledger", "x.txt")
    one_problem(code, err, "--ledger: x.txt: a ledger's name ends in .jsonl")
