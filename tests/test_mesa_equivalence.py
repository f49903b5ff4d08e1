"""One implementation of the rules: replication r of a batch equals a Mesa run with the same seed and r."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.arrays import OUTCOME_NAMES, State
from sim.model.engine import EVENT_KINDS, run_batch
from sim.model.mesa_model import NegotiationModel
from sim.scenario.loader import load_scenario
from sim.scenario.schema import Scenario
from tests.conftest import SCENARIOS


def assert_mesa_replays_batch(scenario: Scenario, seed: int, rounds: int, rows: tuple[int, ...]) -> None:
    """The Mesa model with (seed, r) replays batch row r exactly: positions round by round, the
    outcome, its round, the terms and the BATNAs."""
    batch = run_batch(scenario, seed, 0, max(rows) + 1, rounds, record_trajectory=True)
    for r in rows:
        model = NegotiationModel(scenario, seed=seed, replication=r, rounds=rounds)
        positions = [model.state.position[0].copy()]
        while model.running:
            model.step()
            positions.append(model.state.position[0].copy())
        steps = len(positions)
        np.testing.assert_allclose(np.array(positions), batch.trajectory[:steps, r], rtol=0, atol=1e-12)
        assert model.outcome == OUTCOME_NAMES[batch.state.outcome[r]]
        assert model.end_round == batch.state.end_round[r] == steps - 1
        np.testing.assert_array_equal(model.state.terms[0], batch.state.terms[r])
        np.testing.assert_array_equal(model.state.batna[0], batch.state.batna[r])
        events = batch.events
        mine = events.row == r
        issues = [*batch.params.issues, ""]  # NO_ISSUE (-1) reads as ""
        expected = [
            (int(m), EVENT_KINDS[k], issues[i])
            for m, k, i in zip(events.month[mine], events.kind[mine], events.issue[mine], strict=True)
        ]
        assert model.timeline == expected  # the same events, in the same months and order


@pytest.mark.parametrize("path", ["us_china_joint", "china_presses_russia", "swiss_conference"])
def test_mesa_run_matches_batch_row_round_by_round(flagship, path: str) -> None:
    assert_mesa_replays_batch(flagship.variants[path], seed=21, rounds=60, rows=(0, 5, 11))


@pytest.mark.parametrize("path", ["us_ceasefire_first", "china_presses_russia"])
def test_mesa_replays_batch_with_fragile_ceasefires_and_partial_deals(path: str) -> None:
    loaded = load_scenario(SCENARIOS / "2024-12-mediation-paths.yaml")
    mechanisms = loaded.variants[path].mechanisms
    assert mechanisms.fragile_ceasefire and mechanisms.partial_deals
    assert_mesa_replays_batch(loaded.variants[path], seed=21, rounds=60, rows=(0, 3, 8, 13))


@pytest.mark.parametrize("path", ["us_ceasefire_first", "china_presses_russia"])
def test_a_replications_result_does_not_depend_on_the_batch_it_ran_in(flagship, path: str) -> None:
    """Rows of a batch share nothing but their scratch space: replication r ends in the same state
    (every field, strikes and partial deals included), with the same trajectory and events,
    whether it runs among twelve, among four from replication 5, or alone; and a row that has
    ended is not touched again, its positions staying as they were in its last round."""
    scenario = flagship.variants[path]
    whole = run_batch(scenario, 21, 0, 12, 60, record_trajectory=True)
    assert (whole.state.end_round < 60).any() and len(whole.events.row) > 0  # something to compare
    for start, stop in ((5, 9), (7, 8), (11, 12)):
        part = run_batch(scenario, 21, start, stop, 60, record_trajectory=True)
        for field in State._fields:
            np.testing.assert_array_equal(
                getattr(part.state, field), getattr(whole.state, field)[start:stop], err_msg=field
            )
        np.testing.assert_array_equal(part.trajectory, whole.trajectory[:, start:stop])
        mine = (whole.events.row >= start) & (whole.events.row < stop)
        np.testing.assert_array_equal(part.events.row + start, whole.events.row[mine])
        for field in ("month", "kind", "issue"):
            np.testing.assert_array_equal(getattr(part.events, field), getattr(whole.events, field)[mine])
    for r, end in enumerate(whole.state.end_round):
        assert (whole.trajectory[end:, r] == whole.trajectory[end, r]).all()


def test_mesa_agents_are_views_and_data_is_collected(flagship) -> None:
    model = NegotiationModel(flagship.variants["us_china_joint"], seed=1, replication=0)
    ukraine = next(a for a in model.agents if a.actor_id == "ukraine")
    model.step()
    assert ukraine.position["territory"] == model.state.position[0, ukraine.index, 0]
    frame = model.datacollector.get_agent_vars_dataframe()
    assert len(frame) == 2 * len(model.agents)  # the initial state and one round
    assert {"position.territory", "batna", "actor"} <= set(frame.columns)
