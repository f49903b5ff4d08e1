"""What the compiled rules read and write: plain arrays in named tuples.

Compiled code cannot read `Params` (a dataclass with a dictionary of parameters) or the
scenario, so a path is handed over as three named tuples: `Inputs`, each replication's
parameters; `Path`, the switches and structure every replication of the path shares; and
`State`, what changes during a run. `Work` holds a row's scratch arrays, so that a round
allocates nothing. Field names are the parameters' names (`fills` in
sim/scenario/parameters.py), so the rules read like docs/model.md: `p.clout[r, j]`.
"""

from __future__ import annotations

from typing import NamedTuple, get_type_hints

import numpy as np

from sim.model.baselines import nash
from sim.model.params import Params
from sim.scenario.parameters import PARAMETERS
from sim.scenario.schema import Mechanisms

ONGOING, AGREEMENT, CEASEFIRE, BREAKDOWN, STALEMATE = range(5)
OUTCOME_NAMES = ("ongoing", "agreement", "ceasefire", "breakdown", "stalemate")
DECISION_RULES = ("unanimity", "majority", "weighted_majority", "qualified_majority")
UNANIMITY, MAJORITY, WEIGHTED_MAJORITY, QUALIFIED_MAJORITY = range(4)
# the `mechanisms:` switches the rules read (every one but sampling, which happens before)
SWITCHES = tuple(name for name in Mechanisms.model_fields if name != "parameter_uncertainty")


# The array each layout of a parameter becomes: R replications, N actors, K issues; between
# actors, [r, i, j] means "i towards j".
SHAPES: dict[str, str] = {
    "actor_issue": "RNK",
    "red_line": "RNK",
    "actor": "RN",
    "actor_actor": "RNN",
    "issue": "RK",
    "shared": "R",
}
# Each replication's parameters, row r of every array being replication r's draw: one field
# per numeric parameter (named by its `fills`, declared once in sim/scenario/parameters.py),
# and `weight`, the salience normalised to sum 1 per actor (R, N, K).
NUMERIC = tuple(parameter for parameter in PARAMETERS if parameter.numeric)
Inputs = NamedTuple(
    "Inputs", [(parameter.fills, np.ndarray) for parameter in NUMERIC] + [("weight", np.ndarray)]
)
INPUT_SHAPES = {**{parameter.fills: SHAPES[parameter.layout] for parameter in NUMERIC}, "weight": "RNK"}


class Path(NamedTuple):
    """The mediation path: its switches (`mechanisms:`) and who does what, the same in every
    replication."""

    costs: bool
    shocks: bool
    influence: bool
    red_lines: bool
    red_line_softening: bool
    perception_noise: bool
    mediator_bias: bool
    leverage: bool
    veto: bool
    ceasefire: bool
    walkout: bool
    fragile_ceasefire: bool
    partial_deals: bool
    formulating: bool  # a formulative or manipulative mediator drafts the packages
    facilitative: bool
    chair: bool  # a neutral chair, not an actor, drafts the packages
    nash: bool  # packages are Nash points (else weighted compromises)
    ceasefire_first: bool
    rule: int  # DECISION_RULES
    threshold: float  # qualified majority's share
    patience: int
    red_sign: np.ndarray  # (N, K) +1 at_least, -1 at_most, 0 no red line
    is_party: np.ndarray  # (N,) bool, and every field below
    is_voter: np.ndarray
    has_veto: np.ndarray
    mediators: np.ndarray
    pressing: np.ndarray  # actors using their leverage on this path
    absent: np.ndarray
    separable: np.ndarray  # (K,) bool: may be agreed alone (partial deals)


assert Path._fields[: len(SWITCHES)] == SWITCHES, "Path's first fields are the switches, in their order"
FLAGS = tuple(name for name, kind in get_type_hints(Path).items() if kind is bool)  # the bool fields

_ROLES = ("is_party", "is_voter", "has_veto", "mediators", "pressing", "absent", "separable")


class State(NamedTuple):
    """What changes during a run, one row per replication."""

    position: np.ndarray  # (R, N, K) current positions
    batna: np.ndarray  # (R, N) current value of walking away
    accumulated_cost: np.ndarray  # (R, N)
    strikes: np.ndarray  # (R, N) consecutive rounds a party found the offer far below its BATNA
    outcome: np.ndarray  # (R,) one of the outcome codes above
    end_round: np.ndarray  # (R,) round the run ended in (0 while ongoing)
    terms: np.ndarray  # (R, K) agreed package (NaN unless agreement)
    misperception: np.ndarray  # (R, N) persistent error in judging one's BATNA, in noise units
    in_ceasefire: np.ndarray  # (R,) bool: a general ceasefire holds (fragile_ceasefire only)
    partial: np.ndarray  # (R, K) bool: a partial deal on this separable issue holds
    partial_terms: np.ndarray  # (R, K) the terms of each partial deal in force (NaN otherwise)


class Work(NamedTuple):
    """One row's scratch space for a round, allocated once per batch."""

    package: np.ndarray  # (K,) the package on the table
    anchor: np.ndarray  # (K,) the weighted compromise (the Nash solver's fallback)
    social: np.ndarray  # (N, K) what each actor hears from the others
    listen: np.ndarray  # (N,) how much one actor listens to each other
    value: np.ndarray  # (N,) each actor's perceived value of the package
    perceived: np.ndarray  # (N,) perceived BATNAs, pressure included
    unpressed: np.ndarray  # (N,) perceived BATNAs without a patron's pressure
    applied: np.ndarray  # (N,) a patron's pressure on each actor
    trust: np.ndarray  # (N,) trust in whoever proposed
    thresholds: np.ndarray  # (N, K) red lines after softening
    clout: np.ndarray  # (N,) the bargaining weights of the Nash point's members
    best_gain: np.ndarray  # (N,)
    solver: np.ndarray  # (SCRATCH_ROWS, K) the Nash solver's scratch space
    solver_order: np.ndarray  # (K,) int64, the same
    accepts: np.ndarray  # (N,) bool
    agreed: np.ndarray  # (K,) bool: partial deals made this round
    lapsed: np.ndarray  # (K,) bool: partial deals that broke down this round
    events: np.ndarray  # (2K + 3, 2) int64: (kind, issue) of this round's events


def inputs(params: Params) -> Inputs:
    """The sampled parameters as contiguous float arrays (one compiled signature for all)."""
    return Inputs(*(np.ascontiguousarray(getattr(params, name), dtype=np.float64) for name in Inputs._fields))


def path_of(params: Params) -> Path:
    """The path's switches and structure, as the compiled rules read them."""
    mechanisms = params.mechanisms
    roles = {name: np.ascontiguousarray(getattr(params, name), dtype=np.bool_) for name in _ROLES}
    return Path(
        *(bool(getattr(mechanisms, name)) for name in SWITCHES),
        formulating=params.style in ("formulative", "manipulative"),
        facilitative=params.style == "facilitative",
        chair=bool(params.chair),
        nash=params.proposal == "nash",
        ceasefire_first=bool(params.ceasefire_first),
        rule=DECISION_RULES.index(params.decision.rule),
        threshold=float(params.decision.threshold or 0.0),
        patience=int(params.patience),
        red_sign=np.ascontiguousarray(params.red_sign, dtype=np.float64),
        **roles,
    )


def initial_state(p: Inputs) -> State:
    """Positions at the stated ideal points, BATNAs as stated, nothing accrued, all ongoing."""
    rows, _, issues = p.ideal.shape
    return State(
        position=p.ideal.copy(),
        batna=p.batna.copy(),
        accumulated_cost=np.zeros_like(p.batna),
        strikes=np.zeros(p.batna.shape, dtype=np.int32),
        outcome=np.zeros(rows, dtype=np.int8),
        end_round=np.zeros(rows, dtype=np.int32),
        terms=np.full((rows, issues), np.nan),
        misperception=np.zeros_like(p.batna),
        in_ceasefire=np.zeros(rows, dtype=np.bool_),
        partial=np.zeros((rows, issues), dtype=np.bool_),
        partial_terms=np.full((rows, issues), np.nan),
    )


def work_space(actors: int, issues: int) -> Work:
    """Scratch arrays for one row at a time."""

    def vector(size: int) -> np.ndarray:
        return np.zeros(size)

    solver, solver_order = nash.scratch_space(issues)

    return Work(
        package=vector(issues),
        anchor=vector(issues),
        social=np.zeros((actors, issues)),
        listen=vector(actors),
        value=vector(actors),
        perceived=vector(actors),
        unpressed=vector(actors),
        applied=vector(actors),
        trust=vector(actors),
        thresholds=np.zeros((actors, issues)),
        clout=vector(actors),
        best_gain=vector(actors),
        solver=solver,
        solver_order=solver_order,
        accepts=np.zeros(actors, dtype=np.bool_),
        agreed=np.zeros(issues, dtype=np.bool_),
        lapsed=np.zeros(issues, dtype=np.bool_),
        events=np.zeros((2 * issues + 3, 2), dtype=np.int64),
    )
