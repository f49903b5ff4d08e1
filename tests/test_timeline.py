"""Fragile ceasefires, partial deals and the timeline of events (docs/model.md 7.19-7.21):
properties of every run, comparative statics with common random numbers, and the summaries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model.arrays import AGREEMENT, BREAKDOWN, CEASEFIRE, STALEMATE
from sim.model.engine import (
    AGREEMENT_EVENT,
    CEASEFIRE_BREAKDOWN,
    CEASEFIRE_EVENT,
    EVENT_KINDS,
    NO_ISSUE,
    PARTIAL_BREAKDOWN,
    PARTIAL_DEAL,
    TALKS_BREAKDOWN,
    run_batch,
)
from sim.model.params import Params
from sim.results.timeline import first_by_month, spell_summary, spells
from sim.scenario.loader import LoadedScenario, load_scenario
from tests.conftest import FLAGSHIP, SCENARIOS, negsim_main
from tests.rules_harness import Row

PARTIAL = FLAGSHIP  # it switches on fragile ceasefires and partial deals
SEED, RUNS = 7, 400


@pytest.fixture(scope="module")
def partial() -> LoadedScenario:
    return load_scenario(PARTIAL)


def timeline_of(loaded: LoadedScenario, path: str, runs: int = RUNS) -> tuple[pd.DataFrame, object]:
    scenario = loaded.variants[path]
    result = run_batch(scenario, SEED, 0, runs, scenario.run.rounds)
    t = result.events
    frame = pd.DataFrame({"row": t.row, "month": t.month, "kind": t.kind, "issue": t.issue})
    return frame, result


@pytest.mark.parametrize("path", ["us_ceasefire_first", "china_mediates", "us_china_joint"])
def test_every_timeline_is_a_consistent_history(partial, path: str) -> None:
    events, result = timeline_of(partial, path)
    separable = set(np.flatnonzero(result.params.separable))
    assert separable  # the scenario has separable issues
    for row, history in events.groupby("row"):
        in_ceasefire, deals = False, set()
        last_month = 0
        for month, kind, issue in history[["month", "kind", "issue"]].itertuples(index=False):
            assert month >= last_month  # in the order they happened
            last_month = month
            if kind == CEASEFIRE_EVENT:
                assert not in_ceasefire and issue == NO_ISSUE  # no second ceasefire on top of one
                in_ceasefire = True
            elif kind == CEASEFIRE_BREAKDOWN:
                assert in_ceasefire  # only a ceasefire that holds can break down
                in_ceasefire = False
            elif kind == PARTIAL_DEAL:
                assert issue in separable and issue not in deals
                deals.add(issue)
            elif kind == PARTIAL_BREAKDOWN:
                assert issue in deals
                deals.discard(issue)
            else:  # an agreement or a walk-out ends the run: nothing after it
                assert kind in (AGREEMENT_EVENT, TALKS_BREAKDOWN)
                assert month == result.state.end_round[row] and month == history["month"].max()
        outcome = result.state.outcome[row]
        if outcome in (CEASEFIRE, STALEMATE):  # the horizon: a ceasefire holds, or war
            assert (outcome == CEASEFIRE) == in_ceasefire
        if outcome == AGREEMENT:
            assert history["kind"].iloc[-1] == AGREEMENT_EVENT


def test_without_the_new_mechanisms_a_ceasefire_ends_the_run_as_before(extend) -> None:
    final = extend("mechanisms: {fragile_ceasefire: false, partial_deals: false}\n")
    events, result = timeline_of(final, "us_ceasefire_first")
    assert not events["kind"].isin([CEASEFIRE_BREAKDOWN, PARTIAL_DEAL, PARTIAL_BREAKDOWN]).any()
    ended = result.state.outcome != STALEMATE
    # exactly one event per run that did not reach the horizon at war: the one that ended it
    assert sorted(events["row"]) == sorted(np.flatnonzero(ended))
    codes = {
        AGREEMENT: AGREEMENT_EVENT,
        CEASEFIRE: CEASEFIRE_EVENT,
        BREAKDOWN: TALKS_BREAKDOWN,
    }
    for row, month, kind in events[["row", "month", "kind"]].itertuples(index=False):
        assert kind == codes[result.state.outcome[row]] and month == result.state.end_round[row]


def first_spells(loaded: LoadedScenario, path: str) -> tuple[np.ndarray, np.ndarray]:
    """Each run's first ceasefire: the month it began (0: none) and how long it held (to its
    breakdown, or to the run's end if it never broke)."""
    events, result = timeline_of(loaded, path)
    begun = np.zeros(RUNS, dtype=int)
    held = np.zeros(RUNS, dtype=int)
    for row, history in events.groupby("row"):
        starts = history.loc[history["kind"] == CEASEFIRE_EVENT, "month"]
        if starts.empty:
            continue
        begun[row] = start = starts.iloc[0]
        stops = history.loc[(history["kind"] == CEASEFIRE_BREAKDOWN) & (history["month"] > start), "month"]
        held[row] = (stops.iloc[0] if not stops.empty else result.state.end_round[row]) - start
    return begun, held


@pytest.mark.parametrize("key", ["monitoring", "guarantees"])
def test_monitoring_and_guarantees_never_shorten_a_ceasefire(partial, extend, key: str) -> None:
    """Same draws, a lower breakdown hazard in every round: each run's first ceasefire begins
    in the same month (neither changes whether a ceasefire is agreed) and holds at least as long."""
    watched = extend(f"variants:\n  us_ceasefire_first:\n    mediation: {{{key}: 0.6}}\n", base=PARTIAL)
    begun, held = first_spells(partial, "us_ceasefire_first")
    begun_watched, held_watched = first_spells(watched, "us_ceasefire_first")
    np.testing.assert_array_equal(begun, begun_watched)
    assert np.all(held_watched >= held)
    assert np.mean(held_watched[begun > 0]) > np.mean(held[begun > 0])  # and it matters


def test_the_breakdown_hazard_grows_with_the_commitment_problem_and_falls_with_guarantees(partial) -> None:
    result = run_batch(partial.variants["no_mediation"], SEED, 0, 3, 1)
    p = result.params

    def hazard(params: Params) -> np.ndarray:
        return np.array([Row(params, r).breakdown_hazard() for r in range(3)])

    base = hazard(p)
    assert np.all(base > 0)
    assert np.all(hazard(p.revised(commitment_problem=p.commitment_problem + 0.1)) > base)
    assert hazard(p.revised(guarantees=np.full(3, 0.5))) == pytest.approx(base / 2)
    assert np.all(hazard(p.revised(monitoring=np.ones(3))) == 0)


def test_a_ceasefire_that_holds_stops_the_costs_of_war(partial) -> None:
    scenario = partial.variants["us_ceasefire_first"]
    result = run_batch(scenario, SEED, 0, RUNS, scenario.run.rounds)
    events = result.events
    # a run that entered a ceasefire early and never saw it break: its costs stopped there
    holding = [
        row
        for row in np.unique(events.row[events.kind == CEASEFIRE_EVENT])
        if not np.any((events.row == row) & (events.kind == CEASEFIRE_BREAKDOWN))
        and result.state.outcome[row] == CEASEFIRE
    ]
    assert holding
    for row in holding[:20]:
        start = events.month[(events.row == row) & (events.kind == CEASEFIRE_EVENT)][0]
        # costs accrued in each month at war, the month the ceasefire was agreed included
        np.testing.assert_allclose(result.state.accumulated_cost[row], start * result.params.cost[row])


def test_first_events_and_spells_on_a_known_timeline() -> None:
    events = pd.DataFrame(
        {
            "replication": [0, 0, 0, 1, 2],
            "month": [2, 5, 7, 3, 1],
            "kind": ["ceasefire", "ceasefire_breakdown", "ceasefire", "ceasefire", "agreement"],
            "issues": ["", "", "", "", ""],
        }
    )
    curve = first_by_month(events, "ceasefire", replications=4, rounds=8)
    assert curve["share"].tolist() == [0, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]  # first ones at 2 and 3
    ends = pd.Series({0: 8, 1: 6, 2: 1, 3: 8})
    table = spells(events, ends, "ceasefire")
    # run 0: held 3 months then broke, then again from 7 to its end at 8 (censored); run 1: 3, censored
    assert sorted(map(tuple, table[["start", "months", "broke"]].to_numpy().tolist())) == [
        (2, 3, True),
        (3, 3, False),
        (7, 1, False),
    ]
    summary = spell_summary(table)
    assert summary.spells == 3 and summary.broke == 1
    # Kaplan-Meier: at 3 months, 1 break among 2 at risk (the spell censored at 1 has left): S = 1/2
    assert summary.median_months == 3.0


@pytest.mark.slow
def test_run_reports_and_draws_what_happened_on_the_way(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, printed, err = negsim_main("run", str(PARTIAL), "--runs", "60", "--out", str(out))
    assert code == 0, err
    assert "What happened on the way" in printed
    summary = json.loads((out / "summary.json").read_text())
    for path in summary["paths"].values():
        first = path["events"]["first"]
        assert [point["month"] for point in first["ceasefire"]] == [12, 24, 60]
        assert all(0 <= p["low"] <= p["share"] <= p["high"] <= 1 for points in first.values() for p in points)
    events = pd.read_parquet(out / "events")
    assert set(events["kind"].astype(str)) <= set(EVENT_KINDS)
    assert {"events.png", "durations.png"} <= {p.name for p in (out / "plots").iterdir()}
    earlier = tmp_path / "april-2023"  # neither mechanism on: the summary is as it always was
    april = SCENARIOS / "2023-04-mediation-paths.yaml"
    assert negsim_main("run", str(april), "--runs", "20", "--out", str(earlier), "--no-plots")[0] == 0
    paths = json.loads((earlier / "summary.json").read_text())["paths"].values()
    assert all("events" not in path for path in paths)
