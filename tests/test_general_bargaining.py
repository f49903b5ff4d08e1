"""General bargaining: stakeholders, decision rules, a neutral chair, default influence and
issues on scales of their own (tests/scenarios/council.yaml: 30 members, one issue in %)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

from sim.errors import NegsimError
from sim.model.arrays import AGREEMENT
from sim.model.engine import run_batch
from sim.model.params import build_params
from sim.runner.chunks import replication_table
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Decision
from tests.rules_harness import Row

COUNCIL = Path(__file__).resolve().parent / "scenarios" / "council.yaml"


@functools.cache
def council() -> LoadedScenario:
    return load_scenario(COUNCIL)


def council_with(**changes: object):
    scenario = next(iter(council().variants.values()))
    return scenario.model_copy(update=changes)


def central(scenario):
    """Every number at its stated value, so expected values can be worked out by hand."""
    off = scenario.mechanisms.model_copy(update={"parameter_uncertainty": False})
    return scenario.model_copy(update={"mechanisms": off})


def test_the_council_runs_and_reports_its_terms_in_its_own_units() -> None:
    scenario = council_with()
    result = run_batch(scenario, seed=3, start=0, stop=200, rounds=24)
    table = replication_table(result, np.arange(200), scenario)
    agreed = table.loc[table["outcome"] == "agreement", "terms.cut"]
    assert len(agreed) > 0
    # the model works on 0..1 inside; the table speaks the 0..100
    assert agreed.between(0, 100).all() and agreed.max() > 1
    np.testing.assert_allclose(
        agreed.to_numpy(), 100 * result.state.terms[~np.isnan(result.state.terms[:, 0]), 0]
    )


def test_positions_on_a_scale_of_their_own_become_shares_of_it_inside() -> None:
    p = build_params(central(council_with()), seed=0, start=0, stop=1)
    scenario = council_with()
    stated = np.array([a.position["cut"].value for a in scenario.actors.values()])
    # bare numbers are fixed: the model sees each position as its share of 0..100
    np.testing.assert_allclose(p.ideal[0, :, 0], stated / 100)
    np.testing.assert_allclose(p.status_quo[0, 0], 0.2)


def test_a_stakeholder_without_a_batna_takes_the_worth_of_the_reference_point() -> None:
    p = build_params(central(council_with()), seed=0, start=0, stop=1)
    # one issue, weight 1: worth = 1 - |status quo - position| on the 0..1 inside
    np.testing.assert_allclose(p.batna[0], 1 - np.abs(0.2 - p.ideal[0, :, 0]))


def test_default_affinity_makes_everyone_listen_to_everyone() -> None:
    p = build_params(council_with(), seed=0, start=0, stop=1)
    np.testing.assert_array_equal(p.affinity[0], 1.0)  # nobody lists anyone; the default is 1
    toy = load_scenario(Path(__file__).resolve().parent / "scenarios" / "toy.yaml").variants[
        "broker_proposes"
    ]
    plain = build_params(toy, seed=0, start=0, stop=1)
    assert plain.affinity[0, 2, 0] == 0.5 and plain.affinity[0, 0, 1] == 0.25  # listed values stay
    assert plain.affinity[0, 1, 2] == 0.4


def _decided(rule: str, accepts: list[bool], votes: list[float], threshold: float | None = None) -> bool:
    p = build_params(council_with(), seed=0, start=0, stop=1)
    n = len(accepts)
    p = p.revised(
        is_voter=np.ones(n, dtype=bool),
        votes=np.array([votes], dtype=float),
        decision=Decision(rule=rule, threshold=threshold),
    )
    return Row(p).decided(accepts)


def test_decision_rules_count_as_documented() -> None:
    # three voters with weights 1, 2, 3 (total 6); the first two accept: 2 of 3 heads, 3 of 6 weight
    accepts, votes = [True, True, False], [1, 2, 3]
    assert not _decided("unanimity", accepts, votes)
    assert _decided("majority", accepts, votes)  # 2 > 3/2
    assert not _decided("weighted_majority", accepts, votes)  # 3/6 is not more than half
    assert _decided("qualified_majority", [False, True, True], votes, threshold=5 / 6)  # 5/6 >= 5/6
    assert not _decided("qualified_majority", [True, False, True], votes, threshold=5 / 6)  # 4/6
    assert _decided("unanimity", [True, True, True], votes)


def test_a_higher_qualified_majority_never_adds_an_agreement() -> None:
    """Comparative statics, exact: until a run ends, its positions evolve the same whatever the
    rule, so any round in which 80% of the votes accept is also one in which 65% do."""
    low = run_batch(council_with(), seed=5, start=0, stop=300, rounds=24)
    strict = council_with(decision=Decision(rule="qualified_majority", threshold=0.8))
    high = run_batch(strict, seed=5, start=0, stop=300, rounds=24)
    agreed_low = low.state.outcome == AGREEMENT
    agreed_high = high.state.outcome == AGREEMENT
    assert np.all(agreed_low[agreed_high])
    assert np.all(low.state.end_round[agreed_high] <= high.state.end_round[agreed_high])


def test_a_neutral_chair_proposes_the_voters_compromise_and_is_trusted() -> None:
    p = build_params(council_with(), seed=0, start=0, stop=2)
    for r in range(2):
        row = Row(p, r)
        np.testing.assert_allclose(row.propose(0), row.weighted_compromise(voters_only=True))
        np.testing.assert_array_equal(row.proposer_trust(0), 1.0)


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        (
            "actors:\n  m01:\n    position: {cut: 120}\n",
            "actors.m01.position.cut: expected a number in [0, 100], got 120",
        ),
        (
            "observed:\n  cut: {value: 140}\n",
            "observed.cut.value: expected a number on the issue's scale [0, 100], got 140",
        ),
        ("decision: {rule: majority, threshold: 0.7}\n", "a threshold goes with rule `qualified_majority`"),
        ("decision: {voters: [m01, m99]}\n", "decision.voters.m99: unknown actor `m99`"),
        (
            "mediation: {chair: true, mediators: [m01], style: formulative}\n",
            "a neutral chair and mediators both",
        ),
        ("issues:\n  cut: {scale: {low: 5, high: 5}}\n", "a scale's low must be below its high"),
    ],
)
def test_general_bargaining_input_is_checked(write_scenario, yaml: str, expected: str) -> None:
    path = write_scenario(f"extends: {COUNCIL}\n{yaml}")
    with pytest.raises(NegsimError) as caught:
        load_scenario(path)
    assert expected in "\n".join(p.render() for p in caught.value.problems)


def test_a_council_run_speaks_of_meetings_and_shows_no_war_outcomes(tmp_path: Path) -> None:
    """No parties, no ceasefires, no walk-outs: the table has no columns for them, and its
    times and terms are in the council's own units."""
    from tests.conftest import negsim_main

    code, stdout, stderr = negsim_main(
        "run", str(COUNCIL), "--runs", "20", "--workers", "1", "--no-plots", "--out", str(tmp_path / "c")
    )
    assert code == 0, stderr
    assert "ceasefire" not in stdout and "breakdown" not in stdout and "stalemate" in stdout
    assert "meetings to agreement" in stdout and "cut (%)" in stdout
    # beside the model's terms, the compromise model of the same stated positions, by hand
    scenario = council_with()
    weight = np.array([a.clout.value * a.salience["cut"].value for a in scenario.actors.values()])
    position = np.array([a.position["cut"].value for a in scenario.actors.values()])
    expected = f"{(weight * position).sum() / weight.sum():.4g}"
    row = next(line for line in stdout.splitlines() if "compromise model" in line)
    assert "every path" in row and expected in row
    assert any("nash model" in line for line in stdout.splitlines())
