"""One round of the model, and the batch engine that runs many replications at once.

`advance` is the round: the same function drives the batch engine (R rows) and the Mesa
model (one row). Rows that have ended are frozen; their outcome never changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import rules, streams
from sim.model.params import Params, build_params
from sim.model.rules import State
from sim.scenario.schema import Scenario


@dataclass
class Noise:
    """Per-round standard normals, (R, T, N): battlefield shocks and misperception."""

    shocks: np.ndarray
    perception: np.ndarray


def draw_noise(scenario: Scenario, seed: int, start: int, stop: int, rounds: int) -> Noise:
    """Noise for replications [start, stop): one stream per (kind, actor, round), so a draw
    depends only on seed, scenario, replication, actor and round."""

    def block(kind: str) -> np.ndarray:
        out = np.empty((stop - start, rounds, len(scenario.actors)))
        for n, actor in enumerate(scenario.actors):
            for t in range(rounds):
                stream = f"noise:{kind}:{actor}:{t}"
                out[:, t, n] = streams.normals(seed, scenario.name, stream, start, stop, 1)[:, 0]
        return out

    return Noise(shocks=block("shock"), perception=block("perception"))


def advance(state: State, p: Params, noise: Noise, t: int, rounds: int) -> None:
    """Play round t (0-based) for every row still ongoing; the last round ends in stalemate."""
    active = state.outcome == rules.ONGOING
    if not active.any():
        return
    before_position, before_batna = state.position.copy(), state.batna.copy()
    before_cost, before_error = state.accumulated_cost.copy(), state.misperception.copy()

    rules.accrue_costs(state, p, noise.shocks[:, t, :])
    rules.exert_influence(state, p)
    package = rules.propose(state, p, t)
    applied = rules.pressure(p)
    rules.update_misperception(state, p, noise.perception[:, t, :], t)
    perceived = rules.perceive_batna(state, p, applied)
    trust = rules.proposer_trust(p, t)
    accepts, value = rules.judge_package(state, p, package, perceived, applied, trust)
    settled = np.all(accepts | ~p.is_party, axis=1) & rules.guarantors_consent(state, p, package)
    if p.ceasefire_first:  # the mediator's pressure backs its ceasefire, which comes first
        ceasefire = rules.ceasefire_agreed(state, p, perceived)
        settled &= ~ceasefire
    else:  # pressure backs the package only; a spontaneous freeze is judged without it
        ceasefire = rules.ceasefire_agreed(state, p, perceived + applied) & ~settled
    broke = rules.count_walkout_strikes(state, p, value, perceived, active) & ~settled & ~ceasefire

    inactive = ~active
    np.copyto(state.position, before_position, where=inactive[:, None, None])
    np.copyto(state.batna, before_batna, where=inactive[:, None])
    np.copyto(state.accumulated_cost, before_cost, where=inactive[:, None])
    np.copyto(state.misperception, before_error, where=inactive[:, None])
    np.copyto(state.proposal, package, where=active[:, None])
    _finish(state, active & settled, rules.AGREEMENT, t, terms=package)
    _finish(state, active & ceasefire, rules.CEASEFIRE, t)
    _finish(state, active & broke, rules.BREAKDOWN, t)
    if t == rounds - 1:
        _finish(state, state.outcome == rules.ONGOING, rules.STALEMATE, t)


def _finish(state: State, rows: np.ndarray, outcome: int, t: int, terms: np.ndarray | None = None) -> None:
    rows = rows & (state.outcome == rules.ONGOING)
    state.outcome[rows] = outcome
    state.end_round[rows] = t + 1
    if terms is not None:
        state.terms[rows] = terms[rows]


@dataclass
class BatchResult:
    """Everything one batch of replications produced."""

    params: Params
    state: State
    trajectory: np.ndarray | None  # (T + 1, R, N, K) positions per round, if recorded


def run_batch(
    scenario: Scenario,
    seed: int,
    start: int,
    stop: int,
    rounds: int,
    record_trajectory: bool = False,
) -> BatchResult:
    """Run replications [start, stop) of one mediation path for `rounds` rounds."""
    params = build_params(scenario, seed, start, stop)
    noise = draw_noise(scenario, seed, start, stop, rounds)
    state = rules.initial_state(params)
    trajectory = None
    if record_trajectory:
        trajectory = np.empty((rounds + 1, *state.position.shape))
        trajectory[0] = state.position
    for t in range(rounds):
        advance(state, params, noise, t, rounds)
        if trajectory is not None:
            trajectory[t + 1] = state.position
        if not (state.outcome == rules.ONGOING).any():
            if trajectory is not None:
                trajectory[t + 2 :] = state.position
            break
    return BatchResult(params=params, state=state, trajectory=trajectory)
