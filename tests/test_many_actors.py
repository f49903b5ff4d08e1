"""The model on a scenario that is not about the war in Ukraine: ten actors share a river
(tests/scenarios/many_actors.yaml), three parties, four guarantors (one with a veto), three
mediators, six mediation paths. Nothing here may depend on the shipped Ukraine files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from sim.model.arrays import AGREEMENT, BREAKDOWN, CEASEFIRE, OUTCOME_NAMES, STALEMATE
from sim.model.engine import run_batch
from sim.results.stream import read_table
from sim.scenario.loader import LoadedScenario, load_scenario
from tests.conftest import negsim_main
from tests.test_mesa_equivalence import assert_mesa_replays_batch

MANY = Path(__file__).resolve().parent / "scenarios" / "many_actors.yaml"
SEED = 11  # the file's own run.seed, so the command and run_batch draw the same numbers
ROUNDS = 60
ENDED = (AGREEMENT, CEASEFIRE, BREAKDOWN, STALEMATE)


@pytest.fixture(scope="module")
def many() -> LoadedScenario:
    return load_scenario(MANY)


def test_the_many_actor_scenario_is_valid() -> None:
    code, stdout, stderr = negsim_main("validate", str(MANY))
    assert code == 0, stderr
    assert "6 path(s), 10 actors" in stdout


def test_every_run_ends_and_agreed_terms_lie_within_the_actors_positions(many: LoadedScenario) -> None:
    """Every proposal rule (a weighted compromise, tilted towards the mediators; a party conceding
    towards it; a damped weighted median) is a convex combination of current positions, and
    influence keeps every position between the stated ones, so agreed terms must lie within the
    range of the actors' initial positions, issue by issue, in every replication."""
    seen: set[int] = set()
    for path, scenario in many.variants.items():
        result = run_batch(scenario, SEED, 0, 200, ROUNDS)
        state, ideal = result.state, result.params.ideal
        assert np.isin(state.outcome, ENDED).all(), path
        assert ((state.end_round >= 1) & (state.end_round <= ROUNDS)).all(), path
        assert (state.end_round[state.outcome == STALEMATE] == ROUNDS).all(), path
        agreed = state.outcome == AGREEMENT
        assert not np.isnan(state.terms[agreed]).any() and np.isnan(state.terms[~agreed]).all(), path
        terms = state.terms[agreed]
        low, high = ideal[agreed].min(axis=1), ideal[agreed].max(axis=1)  # (agreements, issues)
        assert ((terms >= 0) & (terms <= 1)).all(), path
        assert ((terms >= low - 1e-12) & (terms <= high + 1e-12)).all(), path
        seen |= set(np.unique(state.outcome).tolist())
    # the scenario exercises the rules: runs settle, freeze and break down somewhere
    assert {AGREEMENT, CEASEFIRE, BREAKDOWN} <= seen


@pytest.mark.slow  # a few seconds: three parties make the exact Nash point slow
def test_the_run_command_writes_what_the_batch_engine_computes(tmp_path: Path, many: LoadedScenario) -> None:
    """`negsim run` on the file: one row per path and replication, each ended, terms in [0, 1],
    and the same outcomes, months and terms as run_batch with the file's seed."""
    out = tmp_path / "out"
    args = ("run", str(MANY), "--runs", "50", "--workers", "1", "--no-plots", "--out", str(out))
    code, _, stderr = negsim_main(*args)
    assert code == 0, stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["paths"]) == set(many.variants)
    table = read_table(out)
    assert len(table) == 50 * len(many.variants)
    assert set(table["outcome"].astype(str)) <= {"agreement", "ceasefire", "breakdown", "stalemate"}
    for path, scenario in many.variants.items():
        rows = table[table["path"] == path]
        assert sum(summary["paths"][path]["outcomes"].values()) == pytest.approx(1.0)
        terms = rows[[f"terms.{issue}" for issue in scenario.issues]].to_numpy()
        agreed = (rows["outcome"] == "agreement").to_numpy()
        assert ((terms[agreed] >= 0) & (terms[agreed] <= 1)).all(), path
        state = run_batch(scenario, SEED, 0, 50, ROUNDS).state
        names = np.array(OUTCOME_NAMES)[state.outcome]
        np.testing.assert_array_equal(rows["outcome"].astype(str).to_numpy(), names)
        np.testing.assert_array_equal(rows["end_round"].to_numpy(), state.end_round)
        np.testing.assert_array_equal(terms, state.terms)


@pytest.mark.slow  # a few seconds: three parties make the exact Nash point slow
def test_higher_costs_of_war_do_not_lower_agreement(
    many: LoadedScenario, extend: Callable[..., LoadedScenario]
) -> None:
    """Doubling every party's cost of war lowers BATNAs and softens red lines, so agreement should
    not become rarer on any path (Fearon 1995; Zartman 2000), though costs also make an interim
    freeze likelier. Both arms run the same 400 replications with the same seed (common random
    numbers); a paired difference may still go slightly the wrong way in a finite sample, so the
    tolerance is three standard errors of the paired difference, sqrt(discordant share / n), as in
    test_comparative_statics.py. At least one path must rise by more than that, or costs did nothing."""
    costly = extend(
        "actors:\n  highland: {cost_of_war: 0.008}\n  midland: {cost_of_war: 0.01}\n"
        "  delta: {cost_of_war: 0.012}\n",
        base=MANY,
    )
    rises = []
    for path in many.variants:
        base = run_batch(many.variants[path], SEED, 0, 400, ROUNDS).state.outcome == AGREEMENT
        more = run_batch(costly.variants[path], SEED, 0, 400, ROUNDS).state.outcome == AGREEMENT
        tolerance = 3 * np.sqrt(np.mean(base != more) / len(base))
        assert more.mean() >= base.mean() - tolerance, (
            f"{path}: agreement fell from {base.mean():.3f} to {more.mean():.3f} (tolerance {tolerance:.3f})"
        )
        rises.append(more.mean() - base.mean() > tolerance)
    assert any(rises)


@pytest.mark.parametrize("path", ["envoy_and_neutral_nash", "envoy_facilitates", "union_interim_first"])
def test_mesa_run_matches_batch_row_round_by_round(many: LoadedScenario, path: str) -> None:
    """One implementation of the rules: the Mesa model replays batch row r exactly, here with two
    mediators proposing a Nash point, an absent guarantor, and a freeze sought first."""
    assert_mesa_replays_batch(many.variants[path], seed=SEED, rounds=ROUNDS, rows=(0, 3, 8))
