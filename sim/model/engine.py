"""One round of the model, and the batch engine that runs many replications at once.

`advance` is the round: the same function drives the batch engine (R rows) and the Mesa
model (one row). Rows that have ended are frozen; their outcome never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model import rules
from sim.model.noise import Noise, draw_noise
from sim.model.params import Params, build_params
from sim.model.rules import State
from sim.scenario.schema import Scenario

# The kinds of event a run's timeline records (docs/model.md 7.21), by code.
EVENT_KINDS = (
    "ceasefire",
    "ceasefire_breakdown",
    "partial_deal",
    "partial_breakdown",
    "agreement",
    "talks_breakdown",
)
CEASEFIRE_EVENT, CEASEFIRE_BREAKDOWN, PARTIAL_DEAL, PARTIAL_BREAKDOWN, AGREEMENT_EVENT, TALKS_BREAKDOWN = (
    range(6)
)
NO_ISSUE = -1


@dataclass
class Events:
    """Events of a round or a run, one entry per (row, kind, issue); issue NO_ISSUE when the
    event concerns no single issue."""

    rows: list[np.ndarray] = field(default_factory=list)
    kinds: list[int] = field(default_factory=list)
    issues: list[int] = field(default_factory=list)

    def add(self, mask: np.ndarray, kind: int, issue: int = NO_ISSUE) -> None:
        if mask.any():
            self.rows.append(np.flatnonzero(mask))
            self.kinds.append(kind)
            self.issues.append(issue)


def advance(state: State, p: Params, noise: Noise, t: int, rounds: int) -> Events:
    """Play round t (0-based) for every row still ongoing; the last round ends the run at the
    horizon. Returns what happened, row by row."""
    events = Events()
    active = state.outcome == rules.ONGOING
    if not active.any():
        return events
    frozen = None if active.all() else _snapshot(state)

    resumed = np.zeros_like(active)
    lapsed = np.zeros(state.partial.shape, dtype=bool)
    if p.mechanisms.fragile_ceasefire:  # a ceasefire may break down: the war resumes this round
        resumed = active & rules.breaks_down(p, state.in_ceasefire, noise.breakdown[:, t])
        state.in_ceasefire &= ~resumed
        events.add(resumed, CEASEFIRE_BREAKDOWN)
    if p.mechanisms.partial_deals:
        lapsed = active[:, None] & rules.breaks_down(p, state.partial, noise.partial[:, t, :])
        state.partial &= ~lapsed
        state.partial_terms[lapsed] = np.nan
        for k in np.flatnonzero(lapsed.any(axis=0)):
            events.add(lapsed[:, k], PARTIAL_BREAKDOWN, k)

    rules.accrue_costs(state, p, noise.shocks[:, t, :])
    rules.exert_influence(state, p)
    package = rules.propose(state, p, t)
    applied = rules.pressure(p)
    rules.update_misperception(state, p, noise.perception[:, t, :], t)
    perceived = rules.perceive_batna(state, p, applied)
    trust = rules.proposer_trust(p, t)
    accepts, value = rules.judge_package(state, p, package, perceived, applied, trust)
    settled = rules.decided(accepts, p) & rules.guarantors_consent(state, p, package)
    can_freeze = ~state.in_ceasefire & ~resumed  # a ceasefire that broke this round is not remade at once
    if p.ceasefire_first:  # the mediator's pressure backs its ceasefire, which comes first
        ceasefire = rules.ceasefire_agreed(state, p, perceived) & can_freeze
        settled &= ~ceasefire
    else:  # pressure backs the package only; a spontaneous freeze is judged without it
        ceasefire = rules.ceasefire_agreed(state, p, perceived + applied) & ~settled & can_freeze
    broke = rules.count_walkout_strikes(state, p, value, perceived, active) & ~settled & ~ceasefire
    if p.mechanisms.partial_deals:
        partial = rules.partial_deals(state, p, package, applied) & (active & ~settled & ~broke)[:, None]
        partial &= ~lapsed  # a deal that lapsed this round is not remade at once
        state.partial |= partial
        state.partial_terms[partial] = package[partial]
        for k in np.flatnonzero(partial.any(axis=0)):
            events.add(partial[:, k], PARTIAL_DEAL, k)

    if frozen is not None:
        _restore(state, frozen, ~active)
    _finish(state, active & settled, rules.AGREEMENT, t, terms=package)
    events.add(active & settled, AGREEMENT_EVENT)
    events.add(active & ceasefire, CEASEFIRE_EVENT)
    if p.mechanisms.fragile_ceasefire:  # the run goes on under the ceasefire
        state.in_ceasefire |= active & ceasefire
    else:  # a ceasefire ends the run for good
        _finish(state, active & ceasefire, rules.CEASEFIRE, t)
    _finish(state, active & broke, rules.BREAKDOWN, t)
    events.add(active & broke, TALKS_BREAKDOWN)
    if t == rounds - 1:  # the horizon: a ceasefire that still holds, or war
        ongoing = state.outcome == rules.ONGOING
        _finish(state, ongoing & state.in_ceasefire, rules.CEASEFIRE, t)
        _finish(state, ongoing & ~state.in_ceasefire, rules.STALEMATE, t)
    return events


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
    events: Timeline


@dataclass
class Timeline:
    """Every event of a batch: the row (0-based within the batch), the round it happened in
    (1-based), its kind (EVENT_KINDS) and issue (NO_ISSUE for none), in the order they happened."""

    row: np.ndarray
    month: np.ndarray
    kind: np.ndarray
    issue: np.ndarray

    @classmethod
    def collect(cls, rounds: list[tuple[int, np.ndarray, Events]]) -> Timeline:
        """From each round's events, with the batch rows its working rows stand for."""
        parts = [
            (rows[found], np.full(found.size, t + 1), np.full(found.size, kind), np.full(found.size, issue))
            for t, rows, events in rounds
            for found, kind, issue in zip(events.rows, events.kinds, events.issues, strict=True)
        ]
        if not parts:
            return cls(*(np.empty(0, dtype=np.int64) for _ in range(4)))
        row, month, kind, issue = (np.concatenate(column) for column in zip(*parts, strict=True))
        order = np.lexsort((month, row))  # by row, then round; within a round, as they happened
        return cls(
            row[order],
            month[order].astype(np.int32),
            kind[order].astype(np.int8),
            issue[order].astype(np.int16),
        )


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
    happened: list[tuple[int, np.ndarray, Events]] = []
    for t in range(rounds):
        happened.append((t, rows, advance(work_state, work_params, work_noise, t, rounds)))
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
            work_noise = work_noise.take(ongoing)
    if work_state is not state:
        state.put(rows, work_state)
    if trajectory is not None:
        trajectory[t + 2 :] = trajectory[t + 1]
    return BatchResult(params=params, state=state, trajectory=trajectory, events=Timeline.collect(happened))
