"""The compiled rules (sim/model/rules.py) called one at a time, on one replication, for tests.

A rule acts on row r of the arrays the engine hands it (`State`, `Inputs`, `Path` of
sim/model/arrays.py) and leaves what it works out in the row's scratch space (`Work`). `Row`
holds one path's arrays and calls each rule the way the round does (sim/model/engine.py,
`advance_row`): a test puts a case into the row (its state, or the scratch fields a rule reads,
such as the package on the table) and reads back a copy of what the rule wrote, so that
`row.propose(t)` reads like the rule it tests.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.model import rules
from sim.model.arrays import Inputs, Path, State, Work, initial_state, inputs, path_of, work_space
from sim.model.params import Params

Values = Sequence[float] | np.ndarray


def floats(values: Values) -> np.ndarray:
    """A contiguous float64 copy: the one array type the compiled rules are compiled for."""
    return np.array(values, dtype=np.float64)


def booleans(values: Sequence[bool] | np.ndarray) -> np.ndarray:
    return np.array(values, dtype=np.bool_)


class Row:
    """Replication `r` of a path at the start of a run, with its own scratch space."""

    def __init__(self, params: Params, r: int = 0) -> None:
        self.params = params
        self.p: Inputs = inputs(params)
        self.path: Path = path_of(params)
        self.s: State = initial_state(self.p)
        _, actors, issues = self.p.ideal.shape
        self.w: Work = work_space(actors, issues)
        self.r = r
        self.actors, self.issues = actors, issues

    # row r of the state: views, so a test can set up a case in place
    @property
    def position(self) -> np.ndarray:
        return self.s.position[self.r]

    @property
    def batna(self) -> np.ndarray:
        return self.s.batna[self.r]

    @property
    def accumulated_cost(self) -> np.ndarray:
        return self.s.accumulated_cost[self.r]

    @property
    def misperception(self) -> np.ndarray:
        return self.s.misperception[self.r]

    @property
    def strikes(self) -> np.ndarray:
        return self.s.strikes[self.r]

    def utilities(self, package: Values) -> np.ndarray:
        """Every actor's utility (7.1) of `package` at its current position."""
        z, weight = floats(package), self.p.weight[self.r]
        return np.array([rules.utility(self.position, weight, z, i) for i in range(self.actors)])

    def accrue_costs(self, shocks: Values) -> None:
        rules.accrue_costs(self.s, self.p, self.path, self.r, floats(shocks))

    def current_red_lines(self, applied: Values | None = None) -> np.ndarray:
        """The softened thresholds (N, K); with `applied`, that pressure counts as cost."""
        pressed = applied is not None
        if pressed:
            self.w.applied[:] = floats(applied)
        rules.current_red_lines(self.s, self.p, self.path, self.r, self.w, pressed)
        return self.w.thresholds.copy()

    def exert_influence(self) -> None:
        rules.exert_influence(self.s, self.p, self.path, self.r, self.w)

    def weighted_compromise(self, voters_only: bool) -> np.ndarray:
        out = np.zeros(self.issues)
        rules.weighted_compromise(self.s, self.p, self.path, self.r, voters_only, out)
        return out

    def nash_point(self) -> np.ndarray:
        rules.nash_point(self.s, self.p, self.path, self.r, self.w)
        return self.w.package.copy()

    def propose(self, t: int) -> np.ndarray:
        rules.propose(self.s, self.p, self.path, self.r, self.w, t)
        return self.w.package.copy()

    def proposer_trust(self, t: int) -> np.ndarray:
        rules.proposer_trust(self.p, self.path, self.r, self.w, t)
        return self.w.trust.copy()

    def pressure(self) -> np.ndarray:
        rules.pressure(self.p, self.path, self.r, self.w)
        return self.w.applied.copy()

    def update_misperception(self, noise: Values, t: int) -> None:
        rules.update_misperception(self.s, self.p, self.r, floats(noise), t)

    def perceive_batna(self, applied: Values) -> np.ndarray:
        """Perceived BATNAs under pressure `applied`; the same without it stays in `w.unpressed`."""
        self.w.applied[:] = floats(applied)
        rules.perceive_batna(self.s, self.p, self.path, self.r, self.w)
        return self.w.perceived.copy()

    def respects_red_lines(self, package: Values, thresholds: np.ndarray) -> list[bool]:
        """Each actor's answer, in actor order."""
        z, theta = floats(package), floats(thresholds)
        return [bool(rules.respects_red_lines(self.path, z, theta, i)) for i in range(self.actors)]

    def judge_package(
        self, package: Values, perceived: Values, applied: Values, trust: Values
    ) -> tuple[list[bool], np.ndarray]:
        """(accepts, value) for the package, with the perceived BATNAs, pressure and trust given."""
        self.w.package[:] = floats(package)
        self.w.perceived[:] = floats(perceived)
        self.w.applied[:] = floats(applied)
        self.w.trust[:] = floats(trust)
        rules.judge_package(self.s, self.p, self.path, self.r, self.w)
        return self.w.accepts.tolist(), self.w.value.copy()

    def decided(self, accepts: Sequence[bool]) -> bool:
        return bool(rules.decided(self.p, self.path, self.r, booleans(accepts)))

    def guarantors_consent(self, package: Values) -> bool:
        self.w.package[:] = floats(package)
        return bool(rules.guarantors_consent(self.s, self.p, self.path, self.r, self.w))

    def ceasefire_agreed(self, believed: Values) -> bool:
        return bool(rules.ceasefire_agreed(self.s, self.p, self.path, self.r, floats(believed)))

    def count_walkout_strikes(self, value: Values, perceived: Values) -> bool:
        self.w.value[:] = floats(value)
        self.w.perceived[:] = floats(perceived)
        return bool(rules.count_walkout_strikes(self.s, self.p, self.path, self.r, self.w))

    def breakdown_hazard(self) -> float:
        return float(rules.breakdown_hazard(self.p, self.r))
