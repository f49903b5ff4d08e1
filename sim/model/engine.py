"""One round of the model, and the batch engine that runs many replications at once.

`advance_row` is the round, compiled with the rules it calls: the batch engine plays it
for each row until that row's run ends (`play`), and the Mesa model plays it one round at
a time on its one row (`advance`). A row that has ended is never touched again, so its
outcome never changes, and each row is computed on its own: a replication's result does
not depend on the batch it ran in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import rules
from sim.model.arrays import (
    AGREEMENT,
    BREAKDOWN,
    CEASEFIRE,
    ONGOING,
    STALEMATE,
    Inputs,
    Path,
    State,
    Work,
    initial_state,
    inputs,
    path_of,
    work_space,
)
from sim.model.noise import Noise, draw_noise
from sim.model.params import Params, build_params
from sim.model.rules import compiled, rule
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

Draws = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # shocks, perception, breakdown, partial


@rule
def _record(w: Work, count: int, kind: int, issue: int) -> int:
    w.events[count, 0] = kind
    w.events[count, 1] = issue
    return count + 1


@rule
def _finish(s: State, r: int, outcome: int, t: int) -> None:
    if s.outcome[r] == ONGOING:
        s.outcome[r] = outcome
        s.end_round[r] = t + 1


@rule
def _lapse(s: State, p: Inputs, path: Path, r: int, w: Work, draws: Draws, t: int, count: int) -> tuple:
    """Agreements in force may break down at the start of a round (fragile_ceasefire,
    partial_deals). Returns whether the ceasefire broke, and the events so far."""
    _, _, breakdown, partial = draws
    resumed = False
    if path.fragile_ceasefire and s.in_ceasefire[r] and rules.breaks_down(p, r, breakdown[r, t]):
        resumed = True
        s.in_ceasefire[r] = False
        count = _record(w, count, CEASEFIRE_BREAKDOWN, NO_ISSUE)
    for k in range(w.lapsed.shape[0]):
        w.lapsed[k] = path.partial_deals and s.partial[r, k] and rules.breaks_down(p, r, partial[r, t, k])
        if w.lapsed[k]:
            s.partial[r, k] = False
            s.partial_terms[r, k] = np.nan
            count = _record(w, count, PARTIAL_BREAKDOWN, k)
    return resumed, count


@rule
def advance_row(s: State, p: Inputs, path: Path, draws: Draws, w: Work, r: int, t: int, rounds: int) -> int:
    """Play round t (0-based) of row r, which is still ongoing; the last round ends the run at
    the horizon. What happened is left in `w.events`; returns how many events there were."""
    shocks, perception, _, _ = draws
    resumed, count = _lapse(s, p, path, r, w, draws, t, 0)
    rules.accrue_costs(s, p, path, r, shocks[r, t])
    rules.exert_influence(s, p, path, r, w)
    rules.propose(s, p, path, r, w, t)
    rules.pressure(p, path, r, w)
    rules.update_misperception(s, p, r, perception[r, t], t)
    rules.perceive_batna(s, p, path, r, w)
    rules.proposer_trust(p, path, r, w, t)
    rules.judge_package(s, p, path, r, w)
    settled = rules.decided(p, path, r, w.accepts) and rules.guarantors_consent(s, p, path, r, w)
    can_freeze = not s.in_ceasefire[r] and not resumed  # a ceasefire that broke now is not remade at once
    if path.ceasefire_first:  # the mediator's pressure backs its ceasefire, which comes first
        ceasefire = rules.ceasefire_agreed(s, p, path, r, w.perceived) and can_freeze
        settled = settled and not ceasefire
    else:  # pressure backs the package only; a spontaneous freeze is judged without it
        ceasefire = rules.ceasefire_agreed(s, p, path, r, w.unpressed) and not settled and can_freeze
    broke = rules.count_walkout_strikes(s, p, path, r, w) and not settled and not ceasefire
    if path.partial_deals and not settled and not broke:
        rules.partial_deals(s, p, path, r, w)
        for k in range(w.agreed.shape[0]):
            if w.agreed[k] and not w.lapsed[k]:  # a deal that lapsed this round is not remade at once
                s.partial[r, k] = True
                s.partial_terms[r, k] = w.package[k]
                count = _record(w, count, PARTIAL_DEAL, k)

    if settled:
        _finish(s, r, AGREEMENT, t)
        for k in range(w.package.shape[0]):
            s.terms[r, k] = w.package[k]
        count = _record(w, count, AGREEMENT_EVENT, NO_ISSUE)
    if ceasefire:
        count = _record(w, count, CEASEFIRE_EVENT, NO_ISSUE)
        if path.fragile_ceasefire:  # the run goes on under the ceasefire
            s.in_ceasefire[r] = True
        else:  # a ceasefire ends the run for good
            _finish(s, r, CEASEFIRE, t)
    if broke:
        _finish(s, r, BREAKDOWN, t)
        count = _record(w, count, TALKS_BREAKDOWN, NO_ISSUE)
    if t == rounds - 1:  # the horizon: a ceasefire that still holds, or war
        _finish(s, r, CEASEFIRE if s.in_ceasefire[r] else STALEMATE, t)
    return count


@rule
def _copy_positions(s: State, r: int, into: np.ndarray) -> None:
    position = s.position[r]
    for i in range(position.shape[0]):
        for k in range(position.shape[1]):
            into[r, i, k] = position[i, k]


@compiled
def play(
    s: State,
    p: Inputs,
    path: Path,
    draws: Draws,
    w: Work,
    rounds: int,
    trajectory: np.ndarray,
    events: np.ndarray,
    first: int,
) -> tuple[int, int]:
    """Play rows `first`, `first` + 1, ... until each run ends, while `events` has room for
    another row's worst case. Writes the events, one (row, month, kind, issue) per line, by
    row and then in the order they happened, and fills `trajectory` (T + 1, R, N, K) with each
    round's positions unless it is empty. Returns (events written, next row to play)."""
    rows = s.outcome.shape[0]
    recording = trajectory.shape[0] > 0
    room = rounds * w.events.shape[0]  # a row's most events
    logged = 0
    r = first
    while r < rows and logged + room <= events.shape[0]:
        t = -1
        while s.outcome[r] == ONGOING and t < rounds - 1:
            t += 1
            count = advance_row(s, p, path, draws, w, r, t, rounds)
            for e in range(count):
                events[logged, 0], events[logged, 1] = r, t + 1
                events[logged, 2], events[logged, 3] = w.events[e, 0], w.events[e, 1]
                logged += 1
            if recording:
                _copy_positions(s, r, trajectory[t + 1])
        if recording:
            for later in range(t + 2, rounds + 1):
                _copy_positions(s, r, trajectory[later])
        r += 1
    return logged, r


@compiled
def utilities(ideal: np.ndarray, weight: np.ndarray, terms: np.ndarray, out: np.ndarray) -> None:
    """Each actor's utility (7.1) of each row's terms, from its ideal point, into `out` (R, N);
    NaN where the terms are NaN (no agreement)."""
    rows, actors, _ = ideal.shape
    for r in range(rows):
        for i in range(actors):
            out[r, i] = rules.utility(ideal[r], weight[r], terms[r], i)


@dataclass
class Timeline:
    """Every event of a batch: the row (0-based within the batch), the round it happened in
    (1-based), its kind (EVENT_KINDS) and issue (NO_ISSUE for none), in the order they happened."""

    row: np.ndarray
    month: np.ndarray
    kind: np.ndarray
    issue: np.ndarray

    @classmethod
    def of(cls, events: np.ndarray) -> Timeline:
        """From `play`'s (row, month, kind, issue) lines."""
        return cls(
            events[:, 0].copy(),
            events[:, 1].astype(np.int32),
            events[:, 2].astype(np.int8),
            events[:, 3].astype(np.int16),
        )


@dataclass
class Run:
    """A path ready to play: its parameters as compiled code reads them, its state and draws."""

    params: Params
    inputs: Inputs
    path: Path
    state: State
    draws: Draws
    work: Work

    @classmethod
    def prepare(cls, params: Params, noise: Noise) -> Run:
        p = inputs(params)
        _, actors, issues = p.ideal.shape
        draws = tuple(
            np.ascontiguousarray(a) for a in (noise.shocks, noise.perception, noise.breakdown, noise.partial)
        )
        return cls(params, p, path_of(params), initial_state(p), draws, work_space(actors, issues))  # type: ignore[arg-type]

    def advance(self, t: int, rounds: int) -> list[tuple[int, int]]:
        """Play round t of row 0 (the Mesa model's one replication): its (kind, issue) events."""
        if self.state.outcome[0] != ONGOING:
            return []
        count = advance_row(self.state, self.inputs, self.path, self.draws, self.work, 0, t, rounds)
        return [(int(kind), int(issue)) for kind, issue in self.work.events[:count]]


@dataclass
class BatchResult:
    """Everything one batch of replications produced."""

    params: Params
    state: State
    trajectory: np.ndarray | None  # (T + 1, R, N, K) positions per round, if recorded
    events: Timeline


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

    `explored` fixes parameters per row (see build_params)."""
    params = build_params(scenario, seed, start, stop, explored)
    run = Run.prepare(params, draw_noise(scenario, seed, start, stop, rounds))
    return play_all(run, rounds, record_trajectory)


def play_all(run: Run, rounds: int, record_trajectory: bool = False) -> BatchResult:
    """Play a prepared path to the end of every row: the rules alone, the parameters already
    sampled and the noise drawn (benchmarks/engine.py times this as the rules)."""
    shape = run.state.position.shape
    trajectory = np.empty((rounds + 1, *shape) if record_trajectory else (0, *shape))
    if record_trajectory:
        trajectory[0] = run.state.position
    buffer = np.empty((max(4096, 4 * shape[0]), 4), dtype=np.int64)
    parts, row = [], 0
    while row < shape[0]:
        logged, row = play(
            run.state, run.inputs, run.path, run.draws, run.work, rounds, trajectory, buffer, row
        )
        parts.append(buffer[:logged].copy())
        if logged == 0 and row < shape[0]:  # a row's worst case does not fit: make room
            buffer = np.empty((2 * buffer.shape[0] + rounds * run.work.events.shape[0], 4), dtype=np.int64)
    events = np.concatenate(parts) if parts else np.empty((0, 4), dtype=np.int64)
    return BatchResult(
        params=run.params,
        state=run.state,
        trajectory=trajectory if record_trajectory else None,
        events=Timeline.of(events),
    )
