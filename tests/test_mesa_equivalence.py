"""One implementation of the rules: replication r of a batch equals a Mesa run with the same seed and r."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.engine import run_batch
from sim.model.mesa_model import NegotiationModel
from sim.model.rules import OUTCOME_NAMES


@pytest.mark.parametrize("path", ["us_china_joint", "china_presses_russia", "swiss_conference"])
def test_mesa_run_matches_batch_row_round_by_round(flagship, path: str) -> None:
    scenario = flagship.variants[path]
    rounds = 60
    batch = run_batch(scenario, 21, 0, 12, rounds, record_trajectory=True)
    for r in (0, 5, 11):
        model = NegotiationModel(scenario, seed=21, replication=r, rounds=rounds)
        positions = [model.state.position[0].copy()]
        while model.running:
            model.step()
            positions.append(model.state.position[0].copy())
        steps = len(positions)
        np.testing.assert_allclose(np.array(positions), batch.trajectory[:steps, r], rtol=0, atol=1e-12)
        assert model.outcome == OUTCOME_NAMES[batch.state.outcome[r]]
        assert model.end_round == batch.state.end_round[r] == steps - 1
        np.testing.assert_array_equal(model.state.terms[0], batch.state.terms[r])


def test_mesa_agents_are_views_and_data_is_collected(flagship) -> None:
    model = NegotiationModel(flagship.variants["us_china_joint"], seed=1, replication=0)
    ukraine = next(a for a in model.agents if a.actor_id == "ukraine")
    model.step()
    assert ukraine.position["territory"] == model.state.position[0, ukraine.index, 0]
    frame = model.datacollector.get_agent_vars_dataframe()
    assert len(frame) == 2 * len(model.agents)  # the initial state and one round
    assert {"position.territory", "batna", "actor"} <= set(frame.columns)
