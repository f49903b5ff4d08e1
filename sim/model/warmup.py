"""Compile the rules before the first batch, and say so when that takes a while.

The rules are compiled to machine code on first use and cached on disk (sim/model/jit.py),
so only the first run after an install (or after the model's code changes) pays for it, once. Compiling up
front, in the main process, means worker processes load the cache instead of compiling
side by side, and a user is told why the first run waits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from sim.model.arrays import FLAGS, INPUT_SHAPES, Inputs, Path, initial_state, work_space
from sim.model.engine import advance_row, play, utilities

NOTICE = "Compiling the model's rules to machine code: once after install, up to a minute…"
NOTICE_AFTER = 1.0  # seconds: loading the cache takes less, compiling takes more


def _dummy_path(actors: int, issues: int) -> Path:
    flags = np.zeros(actors, dtype=np.bool_)
    values = dict.fromkeys(FLAGS, False)
    return Path(
        **values,
        rule=0,
        threshold=0.0,
        patience=1,
        red_sign=np.zeros((actors, issues)),
        is_party=flags,
        is_voter=np.ones(actors, dtype=np.bool_),
        has_veto=flags,
        mediators=flags,
        pressing=flags,
        absent=flags,
        separable=np.zeros(issues, dtype=np.bool_),
    )


def _dummy_inputs(rows: int, actors: int, issues: int) -> Inputs:
    sizes = {"R": rows, "N": actors, "K": issues}
    arrays = {name: np.zeros([sizes[axis] for axis in shape]) for name, shape in INPUT_SHAPES.items()}
    arrays["clout"] = np.ones((rows, actors))
    return Inputs(**arrays)


def compile_rules() -> None:
    """Play one round of a two-actor, one-issue path, as a batch and as the Mesa model does:
    compiles (or loads) every entry point."""
    rows, actors, issues, rounds = 1, 2, 1, 1
    p = _dummy_inputs(rows, actors, issues)
    state = initial_state(p)
    draws = (
        np.zeros((rows, rounds, actors)),
        np.zeros((rows, rounds, actors)),
        np.zeros((rows, rounds)),
        np.zeros((rows, rounds, issues)),
    )
    trajectory = np.empty((0, rows, actors, issues))
    events = np.empty((64, 4), dtype=np.int64)
    path, work = _dummy_path(actors, issues), work_space(actors, issues)
    play(state, p, path, draws, work, rounds, trajectory, events, 0)
    advance_row(initial_state(p), p, path, draws, work, 0, 0, rounds)  # the Mesa model's entry
    utilities(p.ideal, p.weight, state.terms, np.empty((rows, actors)))


def ensure_compiled(notice: Callable[[str], None] | None = None) -> None:
    """Compile or load the rules; call `notice` with a sentence if that takes a while."""
    timer = threading.Timer(NOTICE_AFTER, notice or (lambda _: None), args=(NOTICE,))
    timer.daemon = True
    timer.start()
    try:
        compile_rules()
    finally:
        timer.cancel()
