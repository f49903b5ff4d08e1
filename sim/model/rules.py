"""The model's rules, one function each, over arrays with a leading replication axis.

Read alongside docs/model.md ("Submodels"): each function there is named after one here.
The batch engine and the Mesa model both call these; nothing else implements a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.model.baselines import nash
from sim.model.baselines.compromise import compromise
from sim.model.params import Params

ONGOING, AGREEMENT, CEASEFIRE, BREAKDOWN, STALEMATE = range(5)
OUTCOME_NAMES = ("ongoing", "agreement", "ceasefire", "breakdown", "stalemate")
FORMULATING_STYLES = ("formulative", "manipulative")


@dataclass
class State:
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

    def take(self, rows: np.ndarray) -> State:
        """A copy of the state of a subset of replications."""
        return State(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def put(self, rows: np.ndarray, part: State) -> None:
        """Write a subset's state back into these rows."""
        for f in fields(self):
            getattr(self, f.name)[rows] = getattr(part, f.name)


def initial_state(p: Params) -> State:
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
        in_ceasefire=np.zeros(rows, dtype=bool),
        partial=np.zeros((rows, issues), dtype=bool),
        partial_terms=np.full((rows, issues), np.nan),
    )


def utility(position: np.ndarray, weight: np.ndarray, package: np.ndarray) -> np.ndarray:
    """Salience-weighted closeness of a package to each actor's position: 1 at the ideal point."""
    return 1.0 - np.einsum("rnk,rnk->rn", weight, np.abs(package[:, None, :] - position))


def accrue_costs(state: State, p: Params, shocks: np.ndarray) -> None:
    """A month of war: costs accumulate and each party's BATNA falls, with battlefield shocks.

    Fearon (1995): fighting is costly, so a bargaining range opens; Zartman (2000): when both
    parties' BATNAs fall below what a deal offers, the conflict is ripe. Under a ceasefire
    there is no fighting: neither costs nor battlefield news move the BATNA.
    """
    at_war = ~state.in_ceasefire[:, None]
    if p.mechanisms.costs:
        state.accumulated_cost += p.cost * at_war
        state.batna -= p.cost * at_war
    if p.mechanisms.shocks:
        state.batna += p.shock_sd[:, None] * shocks * p.is_party * at_war


def current_red_lines(state: State, p: Params, applied: np.ndarray | None = None) -> np.ndarray:
    """Red-line thresholds after softening with accumulated cost (at_least falls, at_most rises).

    A patron's pressure (`applied`) counts as extra cost: it softens red lines the same way.
    """
    if not p.mechanisms.red_line_softening:
        return p.red_threshold
    felt = state.accumulated_cost if applied is None else state.accumulated_cost + applied
    return p.red_threshold - p.red_sign * p.red_softening * felt[:, :, None]


def exert_influence(state: State, p: Params) -> None:
    """Friedkin-Johnsen influence: move towards a clout- and affinity-weighted mean of others'
    positions, anchored to one's own initial position by stubbornness.

    Mediators also speak to every party and veto holder at the table, with weight
    clout x trust. Actors move less on issues they care more about (step scaled by
    1 - salience).
    """
    if not p.mechanisms.influence:
        return
    listen = p.clout[:, None, :] * p.affinity
    if p.mediators.any():
        at_the_table = ~p.absent & (p.is_voter | p.has_veto)
        through_mediation = p.clout[:, None, :] * p.trust
        channel = at_the_table[:, None] & p.mediators[None, :]
        listen = np.where(channel, np.maximum(listen, through_mediation), listen)
    listen = listen / np.maximum(listen.sum(axis=2, keepdims=True), 1e-12)
    social = listen @ state.position  # batched (R, N, N) @ (R, N, K)
    anchor = p.stubbornness[:, :, None]
    target = anchor * p.ideal + (1.0 - anchor) * social
    step = p.influence_rate[:, None, None] * (1.0 - p.salience)
    state.position += step * (target - state.position)


def weighted_compromise(state: State, p: Params, members: np.ndarray) -> np.ndarray:
    """The clout x salience-weighted mean position of `members` on each issue: the compromise
    model (sim/model/baselines) of their current positions."""
    return compromise(state.position, p.salience * members[None, :, None], p.clout, p.status_quo)


def nash_point(state: State, p: Params, members: np.ndarray) -> np.ndarray:
    """Nash (1950) bargaining point of `members`, asymmetric with clout as weights (Kalai 1977):
    the package maximising sum_i clout_i log(U_i(z) - b_i) over the members who can gain, with
    U the utility of 7.1 at current positions and b the current BATNAs.

    Solved exactly per row (sim/model/baselines/nash.py). A member with clout 0, or whose BATNA
    is at least 1 (nothing beats it), has no say. When no package gives every other member more
    than its BATNA, the point is the package maximising the smallest gain (the limit of the Nash
    point as all BATNAs are lowered together until one does); with no member left, the weighted
    compromise of the members.
    """
    anchor = weighted_compromise(state, p, members)
    clout = np.where(members[None, :], p.clout, 0.0)
    package, _ = nash.solve(state.position, p.weight, clout, 1.0 - state.batna, anchor)
    return package


def propose(state: State, p: Params, round_index: int) -> np.ndarray:
    """The package on the table this round.

    Formulative and manipulative mediators, or a neutral chair, propose a compromise (Nash
    point or weighted position of those present); a mediator tilts it by its bias towards its
    own position (Kydd 2003). Without either, the voters present (the parties, and any
    stakeholders) take turns to propose, each conceding part of the way from its own position
    to the compromise.
    """
    present = ~p.absent
    negotiators = present & (p.is_voter | p.has_veto)
    if p.style in FORMULATING_STYLES or p.chair:
        members = present & p.is_voter
        if p.proposal == "nash":
            package = nash_point(state, p, members)
        else:
            package = weighted_compromise(state, p, negotiators)
        if p.mechanisms.mediator_bias and p.mediators.any():
            own = state.position[:, p.mediators, :].mean(axis=1)
            package = package + p.bias[:, None] * (own - package)
        return package
    proposers = np.flatnonzero(present & p.is_voter)
    proposer = proposers[round_index % len(proposers)]
    compromise = weighted_compromise(state, p, negotiators)
    own = state.position[:, proposer, :]
    return own + p.concession[:, None] * (compromise - own)


def proposer_trust(p: Params, round_index: int) -> np.ndarray:
    """Each actor's trust in whoever put the package forward: the mediators, or the proposing
    voter; a neutral chair is trusted by all (no discount)."""
    if p.style in FORMULATING_STYLES and p.mediators.any():
        return p.trust[:, :, p.mediators].mean(axis=2)
    if p.style in FORMULATING_STYLES or p.chair:
        return np.ones(p.trust.shape[:2])
    proposers = np.flatnonzero(~p.absent & p.is_voter)
    return p.trust[:, :, proposers[round_index % len(proposers)]]


def pressure(p: Params) -> np.ndarray:
    """Leverage applied on this path: a patron's pressure on its client (Beardsley et al. 2006)."""
    if not p.mechanisms.leverage or not p.pressing.any():
        return np.zeros_like(p.batna)
    return np.minimum(p.leverage[:, p.pressing, :].sum(axis=1), 1.0)


def update_misperception(state: State, p: Params, noise: np.ndarray, t: int) -> None:
    """Misperception persists: each actor's error drifts as an AR(1) process with stationary
    variance 1 (an optimist stays optimistic for a while), rather than being redrawn monthly."""
    if t == 0:
        state.misperception = noise.copy()
        return
    rho = p.misperception_persistence[:, None]
    state.misperception = rho * state.misperception + np.sqrt(1.0 - rho**2) * noise


def perceive_batna(state: State, p: Params, applied: np.ndarray) -> np.ndarray:
    """What each actor believes walking away is worth: its BATNA plus misperception (Fearon
    1995), reduced for those present under facilitative mediation, minus a patron's pressure."""
    if not p.mechanisms.perception_noise:
        return state.batna - applied
    spread = p.perception_noise[:, None] * np.ones_like(state.batna)
    if p.style == "facilitative":
        spread = spread * np.where(p.absent, 1.0, 1.0 - p.facilitation[:, None])
    return state.batna + spread * state.misperception - applied


def respects_red_lines(package: np.ndarray, thresholds: np.ndarray, p: Params) -> np.ndarray:
    """(R, N) whether the package meets every actor's red lines (no red line: always met)."""
    if not p.mechanisms.red_lines:
        return np.ones(thresholds.shape[:2], dtype=bool)
    margin = p.red_sign * (package[:, None, :] - thresholds)
    return np.all((margin >= 0) | (p.red_sign == 0), axis=2)


def judge_package(
    state: State,
    p: Params,
    package: np.ndarray,
    perceived: np.ndarray,
    applied: np.ndarray,
    trust: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each actor's verdict: accept when the package, discounted by distrust of its author,
    beats its perceived BATNA and meets its red lines (softened by pressure as by cost).

    Returns (accepts, perceived value of the package), both (R, N).
    """
    value = utility(state.position, p.weight, package) - p.credibility_discount[:, None] * (1.0 - trust)
    thresholds = current_red_lines(state, p, applied)
    accepts = (value >= perceived) & respects_red_lines(package, thresholds, p)
    return accepts, value


def decided(accepts: np.ndarray, p: Params) -> np.ndarray:
    """(R,) whether the voters adopt the package under the path's decision rule.

    Unanimity: every voter accepts (the default, and the war's rule). Majority: more than half
    of the voters. Weighted majority: more than half of the vote weights (`votes`). Qualified
    majority: at least `threshold` of the vote weights (e.g. the EU Council's QMV).
    """
    rule = p.decision.rule
    if rule == "unanimity":
        return np.all(accepts | ~p.is_voter, axis=1)
    yes = accepts & p.is_voter
    if rule == "majority":
        return yes.sum(axis=1) > p.is_voter.sum() / 2
    weights = p.votes * p.is_voter
    share = (weights * yes).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-12)
    if rule == "weighted_majority":
        return share > 0.5
    return share >= p.decision.threshold - 1e-12  # rounding must not turn a tie into a refusal


def guarantors_consent(state: State, p: Params, package: np.ndarray) -> np.ndarray:
    """(R,) True unless a guarantor holding a veto blocks: it approves when the package is worth
    at least its reservation value and meets its red lines."""
    if not p.mechanisms.veto or not p.has_veto.any():
        return np.ones(package.shape[0], dtype=bool)
    worth = utility(state.position, p.weight, package) >= state.batna
    approves = worth & respects_red_lines(package, current_red_lines(state, p), p)
    return np.all(approves | ~p.has_veto, axis=1)


def ceasefire_agreed(state: State, p: Params, perceived: np.ndarray) -> np.ndarray:
    """(R,) both parties prefer freezing today's lines (the status quo) to fighting on.

    A ceasefire is not a settlement, so red lines do not apply to it; but without guarantees
    either side may regroup and rearm (Fearon's commitment problem), so the freeze is worth
    `commitment_problem` less than its terms.
    """
    if not p.mechanisms.ceasefire:
        return np.zeros(perceived.shape[0], dtype=bool)
    freeze = utility(state.position, p.weight, p.status_quo) - p.commitment_problem[:, None]
    return np.all((freeze >= perceived) | ~p.is_party, axis=1)


def count_walkout_strikes(
    state: State, p: Params, value: np.ndarray, perceived: np.ndarray, active: np.ndarray
) -> np.ndarray:
    """(R,) talks break down when a party has found the offer far below its BATNA (by more than
    walkout_gap) for `patience` rounds in a row."""
    far_below = (perceived - value > p.walkout_gap[:, None]) & p.is_party
    state.strikes = np.where(active[:, None], np.where(far_below, state.strikes + 1, 0), state.strikes)
    if not p.mechanisms.walkout:
        return np.zeros(active.shape, dtype=bool)
    return np.any(state.strikes >= p.patience, axis=1)


def breakdown_hazard(p: Params) -> np.ndarray:
    """(R,) the chance per round that a ceasefire or a partial deal breaks down.

    A base hazard, raised by the commitment problem (either side may regroup and rearm: Fearon
    1995) and lowered by what makes agreements hold: outside guarantees and monitoring, each
    removing its share of the hazard (Fortna 2003, 2004: stronger agreement mechanisms make
    ceasefires last longer; Clayton and Sticher 2021 on monitoring in ceasefire design).
    """
    raw = p.ceasefire_hazard + p.breakdown_sensitivity * p.commitment_problem
    return np.clip(raw * (1.0 - p.guarantees) * (1.0 - p.monitoring), 0.0, 1.0)


def breaks_down(p: Params, holds: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Which of the agreements that hold (`holds`, (R,) or (R, K)) break down this round: a
    uniform draw per row (and issue) below the hazard."""
    hazard = breakdown_hazard(p)
    return holds & (draws < (hazard if holds.ndim == 1 else hazard[:, None]))


def partial_deals(state: State, p: Params, package: np.ndarray, applied: np.ndarray) -> np.ndarray:
    """(R, K) separable issues agreed alone this round, while the rest stays open.

    On each separable issue without a deal in force, every voter compares the package's terms
    on that issue alone with the reference point (`status_quo`), weighted by its salience; a
    patron's pressure (`applied`) makes it accept a loss up to that much. The issue is agreed
    when the decision rule carries it (Beardsley 2008 on how mediated, partial agreements
    come about and how long they last).
    """
    open_issues = p.separable[None, :] & ~state.partial
    if not open_issues.any():
        return open_issues
    distance_now = np.abs(p.status_quo[:, None, :] - state.position)
    distance_deal = np.abs(package[:, None, :] - state.position)
    gain = p.weight * (distance_now - distance_deal)  # (R, N, K)
    agreed = np.zeros_like(open_issues)
    for k in np.flatnonzero(p.separable):
        accepts = gain[:, :, k] >= -applied
        agreed[:, k] = open_issues[:, k] & decided(accepts, p)
    return agreed
