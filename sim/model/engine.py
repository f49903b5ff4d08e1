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
                out[:, t, n] = streams.normals(seed, scenario.streams_key, stream, start, stop, 1)[:, 0]
        return out

    return Noise(shocks=block("shock"), perception=block("perception"))


def advance(state: State, p: Params, noise: Noise, t: int, rounds: int) -> None:
    """Play round t (0-based) for every row still ongoing; the last round ends in stalemate."""
    active = state.outcome == rules.ONGOING
    if not active.any():
        return
    frozen = None if active.all() else _snapshot(state)

    rules.accrue_costs(state, p, noise.shocks[:, t, :])
    rules.exert_influence(state, p)
    package = rules.propose(state, p, t)
    applied = rules.pressure(p)
    rules.update_misperception(state, p, noise.perception[:, t, :], t)
    perceived = rules.perceive_batna(state, p, applied)
    trust = rules.proposer_trust(p, t)
    accepts, value = rules.judge_package(state, p, package, perceived, applied, trust)
    settled = rules.decided(accepts, p) & rules.guarantors_consent(state, p, package)
    if p.ceasefire_first:  # the mediator's pressure backs its ceasefire, which comes first
        ceasefire = rules.ceasefire_agreed(state, p, perceived)
        settled &= ~ceasefire
    else:  # pressure backs the package only; a spontaneous freeze is judged without it
        ceasefire = rules.ceasefire_agreed(state, p, perceived + applied) & ~settled
    broke = rules.count_walkout_strikes(state, p, value, perceived, active) & ~settled & ~ceasefire

    if frozen is not None:
        _restore(state, frozen, ~active)
    _finish(state, active & settled, rules.AGREEMENT, t, terms=package)
    _finish(state, active & ceasefire, rules.CEASEFIRE, t)
    _finish(state, active & broke, rules.BREAKDOWN, t)
    if t == rounds - 1:
        _finish(state, state.outcome == rules.ONGOING, rules.STALEMATE, t)


_EVOLVING = ("position", "batna", "accumulated_cost", "misperception")


def _snapshot(state: State) -> dict[str, np.ndarray]:
    return {name: getattr(state, name).copy() for name in _EVOLVING}


def _restore(state: State, frozen: dict[str, np.ndarray], rows: np.ndarray) -> None:
    """Undo this round's changes in rows that had already ended: their state stays frozen."""
    for name, before in frozen.items():
        current = getattr(state, name)
        current[rows] = before[rows]


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
    explored: dict[str, np.ndarray] | None = None,
) -> BatchResult:
    """Run replications [start, stop) of one mediation path for `rounds` rounds.

    Rows that have ended are dropped from the working set once they make up a third of it,
    so later rounds only compute what is still being negotiated. Dropping rows changes no
    result: every rule acts row by row. `explored` fixes parameters per row (see build_params).
    """
    params = build_params(scenario, seed, start, stop, explored)
    noise = draw_noise(scenario, seed, start, stop, rounds)
    state = rules.initial_state(params)
    trajectory = None
    if record_trajectory:
        trajectory = np.empty((rounds + 1, *state.position.shape))
        trajectory[0] = state.position
    rows = np.arange(stop - start)
    work_params, work_state, work_noise = params, state, noise
    for t in range(rounds):
        advance(work_state, work_params, work_noise, t, rounds)
        if trajectory is not None:
            trajectory[t + 1] = trajectory[t]
            trajectory[t + 1, rows] = work_state.position
        ongoing = work_state.outcome == rules.ONGOING
        if not ongoing.any():
            break
        if ongoing.mean() < 2 / 3:
            if work_state is not state:
                state.put(rows, work_state)
            rows, work_params = rows[ongoing], work_params.take(ongoing)
            work_state = work_state.take(ongoing)
            work_noise = Noise(work_noise.shocks[ongoing], work_noise.perception[ongoing])
    if work_state is not state:
        state.put(rows, work_state)
    if trajectory is not None:
        trajectory[t + 2 :] = trajectory[t + 1]
    return BatchResult(params=params, state=state, trajectory=trajectory)
