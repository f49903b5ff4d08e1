"""The model's rules, one compiled function each, acting on one replication: row r.

Read alongside docs/model.md ("Submodels"): each function there is named after one here.
The batch engine runs them over all rows in compiled code and the Mesa model runs the same
code on its one row (sim/model/engine.py); nothing else implements a rule.

Every rule takes the run's state `s`, the parameters `p`, the path `path` (the named tuples
of sim/model/arrays.py) and the row `r`; what a rule works out goes into the row's scratch
space `w`, so a round allocates nothing. Compiled once per machine and cached
(sim/model/jit.py): later runs load the machine code.
"""

from __future__ import annotations

import math

import numpy as np

from sim.model import jit
from sim.model.arrays import (
    MAJORITY,
    QUALIFIED_MAJORITY,
    UNANIMITY,
    WEIGHTED_MAJORITY,
    Inputs,
    Path,
    State,
    Work,
)
from sim.model.baselines import nash

# Without numba's runtime (`_nrt=False`): nothing here allocates, and the runtime's reference
# counting of every array taken from a named tuple cost more than the rules themselves (10x).
compiled = jit.compiled(nogil=True, _nrt=False)
# The rules are inlined into the round that calls them: one function per round, so the
# compiler can see across rules.
rule = jit.compiled(nogil=True, inline="always", _nrt=False)


@rule
def utility(position: np.ndarray, weight: np.ndarray, package: np.ndarray, i: int) -> float:
    """Salience-weighted closeness of a package to actor i's position: 1 at the ideal point.

    `position` and `weight` are one row's (N, K) arrays."""
    loss = 0.0
    for k in range(package.shape[0]):
        loss += weight[i, k] * abs(package[k] - position[i, k])
    return 1.0 - loss


@rule
def accrue_costs(s: State, p: Inputs, path: Path, r: int, shocks: np.ndarray) -> None:
    """A month of war: costs accumulate and each party's BATNA falls, with battlefield shocks.

    Fearon (1995): fighting is costly, so a bargaining range opens; Zartman (2000): when both
    parties' BATNAs fall below what a deal offers, the conflict is ripe. Under a ceasefire
    there is no fighting: neither costs nor battlefield news move the BATNA.
    """
    if s.in_ceasefire[r]:
        return
    batna, accumulated, cost, is_party = s.batna[r], s.accumulated_cost[r], p.cost[r], path.is_party
    for i in range(batna.shape[0]):
        if path.costs:
            accumulated[i] += cost[i]
            batna[i] -= cost[i]
        if path.shocks and is_party[i]:
            batna[i] += p.shock_sd[r] * shocks[i]


@rule
def current_red_lines(s: State, p: Inputs, path: Path, r: int, w: Work, pressed: bool) -> None:
    """Red-line thresholds after softening with accumulated cost (at_least falls, at_most rises),
    into `w.thresholds`.

    A patron's pressure (`w.applied`, when `pressed`) counts as extra cost: it softens red
    lines the same way.
    """
    thresholds, red_threshold, softening, sign = (
        w.thresholds,
        p.red_threshold[r],
        p.red_softening[r],
        path.red_sign,
    )
    accumulated, applied = s.accumulated_cost[r], w.applied
    actors, issues = thresholds.shape
    for i in range(actors):
        felt = accumulated[i] + (applied[i] if pressed else 0.0)
        for k in range(issues):
            threshold = red_threshold[i, k]
            if path.red_line_softening:
                threshold -= sign[i, k] * softening[i, k] * felt
            thresholds[i, k] = threshold


@rule
def exert_influence(s: State, p: Inputs, path: Path, r: int, w: Work) -> None:
    """Friedkin-Johnsen influence: move towards a clout- and affinity-weighted mean of others'
    positions, anchored to one's own initial position by stubbornness.

    Mediators also speak to every party and veto holder at the table, with weight
    clout x trust. Actors move less on issues they care more about (step scaled by
    1 - salience). Everyone hears the positions held at the start of the round.
    """
    if not path.influence:
        return
    actors, issues = w.social.shape
    clout, affinity, trust = p.clout[r], p.affinity[r], p.trust[r]
    position, listen, social = s.position[r], w.listen, w.social
    absent, is_voter, has_veto, mediators = path.absent, path.is_voter, path.has_veto, path.mediators
    for i in range(actors):
        at_the_table = not absent[i] and (is_voter[i] or has_veto[i])
        total = 0.0
        for j in range(actors):
            heard = clout[j] * affinity[i, j]
            if at_the_table and mediators[j]:
                heard = max(heard, clout[j] * trust[i, j])
            listen[j] = heard
            total += heard
        total = max(total, 1e-12)
        for k in range(issues):
            mean = 0.0
            for j in range(actors):
                mean += listen[j] / total * position[j, k]
            social[i, k] = mean
    ideal, salience, rate = p.ideal[r], p.salience[r], p.influence_rate[r]
    for i in range(actors):
        anchor = p.stubbornness[r, i]
        for k in range(issues):
            target = anchor * ideal[i, k] + (1.0 - anchor) * social[i, k]
            position[i, k] += rate * (1.0 - salience[i, k]) * (target - position[i, k])


@rule
def is_member(path: Path, i: int, voters_only: bool) -> bool:
    """Whether actor i takes part in a compromise: present, and a voter (or, unless
    `voters_only`, a veto holder)."""
    if path.absent[i]:
        return False
    return path.is_voter[i] or (path.has_veto[i] and not voters_only)


@rule
def weighted_compromise(s: State, p: Inputs, path: Path, r: int, voters_only: bool, out: np.ndarray) -> None:
    """The clout x salience-weighted mean of the members' current positions on each issue:
    the compromise model (Achen 2006) of those present; an issue nobody weighs keeps the
    reference point (`status_quo`)."""
    clout, salience, position, status_quo = p.clout[r], p.salience[r], s.position[r], p.status_quo[r]
    actors = clout.shape[0]
    for k in range(out.shape[0]):
        total, weighted = 0.0, 0.0
        for i in range(actors):
            if is_member(path, i, voters_only):
                weight = clout[i] * salience[i, k]
                total += weight
                weighted += weight * position[i, k]
        out[k] = weighted / total if total > 0 else status_quo[k]


@rule
def nash_point(s: State, p: Inputs, path: Path, r: int, w: Work) -> None:
    """Nash (1950) bargaining point of the voters present, asymmetric with clout as weights
    (Kalai 1977), into `w.package`: the package maximising sum_i clout_i log(U_i(z) - b_i)
    over the members who can gain, with U the utility of 7.1 at current positions and b the
    current BATNAs.

    Solved exactly (sim/model/baselines/nash.py). A member with clout 0, or whose BATNA is at
    least 1 (nothing beats it), has no say. When no package gives every other member more
    than its BATNA, the point is the package maximising the smallest gain (the limit of the
    Nash point as all BATNAs are lowered together until one does); with no member left, the
    weighted compromise of the members.
    """
    weighted_compromise(s, p, path, r, True, w.anchor)
    clout, batna = p.clout[r], s.batna[r]
    for i in range(w.clout.shape[0]):
        w.clout[i] = clout[i] if is_member(path, i, True) else 0.0
        w.best_gain[i] = 1.0 - batna[i]
    nash.solve_row(
        s.position[r], p.weight[r], w.clout, w.best_gain, w.anchor, w.package, w.solver, w.solver_order
    )


@rule
def proposer(path: Path, round_index: int) -> int:
    """The voter whose turn it is to propose: the voters present take turns."""
    is_voter, absent = path.is_voter, path.absent
    count = 0
    for i in range(is_voter.shape[0]):
        count += is_voter[i] and not absent[i]
    turn = round_index % count
    for i in range(is_voter.shape[0]):
        if is_voter[i] and not absent[i]:
            if turn == 0:
                return i
            turn -= 1
    return -1


@rule
def propose(s: State, p: Inputs, path: Path, r: int, w: Work, round_index: int) -> None:
    """The package on the table this round, into `w.package`.

    Formulative and manipulative mediators, or a neutral chair, propose a compromise (Nash
    point or weighted position of those present); a mediator tilts it by its bias towards its
    own position (Kydd 2003). Without either, the voters present (the parties, and any
    stakeholders) take turns to propose, each conceding part of the way from its own position
    to the compromise.
    """
    package, position, mediators = w.package, s.position[r], path.mediators
    if path.formulating or path.chair:
        if path.nash:
            nash_point(s, p, path, r, w)
        else:
            weighted_compromise(s, p, path, r, False, package)
        count = mediators.sum()
        if path.mediator_bias and count > 0:
            for k in range(package.shape[0]):
                own = 0.0
                for j in range(mediators.shape[0]):
                    if mediators[j]:
                        own += position[j, k]
                package[k] += p.bias[r] * (own / count - package[k])
        return
    weighted_compromise(s, p, path, r, False, package)
    speaker = proposer(path, round_index)
    for k in range(package.shape[0]):
        own = position[speaker, k]
        package[k] = own + p.concession[r] * (package[k] - own)


@rule
def proposer_trust(p: Inputs, path: Path, r: int, w: Work, round_index: int) -> None:
    """Each actor's trust in whoever put the package forward, into `w.trust`: the mediators,
    or the proposing voter; a neutral chair is trusted by all (no discount)."""
    mediators, trust, out = path.mediators, p.trust[r], w.trust
    count = mediators.sum()
    speaker = -1 if path.formulating or path.chair else proposer(path, round_index)
    for i in range(out.shape[0]):
        if path.formulating and count > 0:
            total = 0.0
            for j in range(mediators.shape[0]):
                if mediators[j]:
                    total += trust[i, j]
            out[i] = total / count
        elif path.formulating or path.chair:
            out[i] = 1.0
        else:
            out[i] = trust[i, speaker]


@rule
def pressure(p: Inputs, path: Path, r: int, w: Work) -> None:
    """Leverage applied on this path, into `w.applied`: a patron's pressure on its client
    (Beardsley et al. 2006), at most 1."""
    applied, leverage, pressing = w.applied, p.leverage[r], path.pressing
    for i in range(applied.shape[0]):
        total = 0.0
        if path.leverage:
            for j in range(pressing.shape[0]):
                if pressing[j]:
                    total += leverage[j, i]
        applied[i] = min(total, 1.0)


@rule
def update_misperception(s: State, p: Inputs, r: int, noise: np.ndarray, t: int) -> None:
    """Misperception persists: each actor's error drifts as an AR(1) process with stationary
    variance 1 (an optimist stays optimistic for a while), rather than being redrawn monthly."""
    rho, misperception = p.misperception_persistence[r], s.misperception[r]
    for i in range(noise.shape[0]):
        if t == 0:
            misperception[i] = noise[i]
        else:
            misperception[i] = rho * misperception[i] + math.sqrt(1.0 - rho**2) * noise[i]


@rule
def perceive_batna(s: State, p: Inputs, path: Path, r: int, w: Work) -> None:
    """What each actor believes walking away is worth, into `w.perceived`: its BATNA plus
    misperception (Fearon 1995), reduced for those present under facilitative mediation,
    minus a patron's pressure. `w.unpressed` is the same without the pressure."""
    batna, misperception = s.batna[r], s.misperception[r]
    for i in range(w.perceived.shape[0]):
        believed = batna[i]
        if path.perception_noise:
            spread = p.perception_noise[r]
            if path.facilitative and not path.absent[i]:
                spread = spread * (1.0 - p.facilitation[r])
            believed += spread * misperception[i]
        w.unpressed[i] = believed
        w.perceived[i] = believed - w.applied[i]


@rule
def respects_red_lines(path: Path, package: np.ndarray, thresholds: np.ndarray, i: int) -> bool:
    """Whether the package meets actor i's red lines (no red line: always met)."""
    if not path.red_lines:
        return True
    signs = path.red_sign
    for k in range(package.shape[0]):
        sign = signs[i, k]
        if sign != 0 and sign * (package[k] - thresholds[i, k]) < 0:
            return False
    return True


@rule
def judge_package(s: State, p: Inputs, path: Path, r: int, w: Work) -> None:
    """Each actor's verdict, into `w.accepts` (and the package's perceived value into
    `w.value`): accept when the package, discounted by distrust of its author, beats its
    perceived BATNA and meets its red lines (softened by pressure as by cost)."""
    current_red_lines(s, p, path, r, w, True)
    position, weight, package, value = s.position[r], p.weight[r], w.package, w.value
    for i in range(value.shape[0]):
        value[i] = utility(position, weight, package, i) - p.credibility_discount[r] * (1.0 - w.trust[i])
        w.accepts[i] = value[i] >= w.perceived[i] and respects_red_lines(path, package, w.thresholds, i)


@rule
def decided(p: Inputs, path: Path, r: int, accepts: np.ndarray) -> bool:
    """Whether the voters adopt the package under the path's decision rule.

    Unanimity: every voter accepts (the default, and the war's rule). Majority: more than half
    of the voters. Weighted majority: more than half of the vote weights (`votes`). Qualified
    majority: at least `threshold` of the vote weights (e.g. the EU Council's QMV).
    """
    is_voter, votes = path.is_voter, p.votes[r]
    voters, yes, weights, yes_weight = 0, 0, 0.0, 0.0
    for i in range(accepts.shape[0]):
        if is_voter[i]:
            voters += 1
            weights += votes[i]
            if accepts[i]:
                yes += 1
                yes_weight += votes[i]
            elif path.rule == UNANIMITY:
                return False
    if path.rule == UNANIMITY:
        return True
    if path.rule == MAJORITY:
        return yes > voters / 2
    share = yes_weight / max(weights, 1e-12)
    if path.rule == WEIGHTED_MAJORITY:
        return share > 0.5
    assert path.rule == QUALIFIED_MAJORITY
    return share >= path.threshold - 1e-12  # rounding must not turn a tie into a refusal


@rule
def guarantors_consent(s: State, p: Inputs, path: Path, r: int, w: Work) -> bool:
    """True unless a guarantor holding a veto blocks: it approves when the package is worth
    at least its reservation value and meets its red lines."""
    if not path.veto or not path.has_veto.any():
        return True
    current_red_lines(s, p, path, r, w, False)
    position, weight, batna, has_veto = s.position[r], p.weight[r], s.batna[r], path.has_veto
    for i in range(has_veto.shape[0]):
        if has_veto[i]:
            worth = utility(position, weight, w.package, i) >= batna[i]
            if not (worth and respects_red_lines(path, w.package, w.thresholds, i)):
                return False
    return True


@rule
def ceasefire_agreed(s: State, p: Inputs, path: Path, r: int, believed: np.ndarray) -> bool:
    """Both parties prefer freezing today's lines (the status quo) to fighting on, judged
    against the BATNAs they believe (`believed`).

    A ceasefire is not a settlement, so red lines do not apply to it; but without guarantees
    either side may regroup and rearm (Fearon's commitment problem), so the freeze is worth
    `commitment_problem` less than its terms.
    """
    if not path.ceasefire:
        return False
    position, weight, status_quo, is_party = s.position[r], p.weight[r], p.status_quo[r], path.is_party
    for i in range(believed.shape[0]):
        if is_party[i]:
            freeze = utility(position, weight, status_quo, i) - p.commitment_problem[r]
            if freeze < believed[i]:
                return False
    return True


@rule
def count_walkout_strikes(s: State, p: Inputs, path: Path, r: int, w: Work) -> bool:
    """Talks break down when a party has found the offer far below its BATNA (by more than
    walkout_gap) for `patience` rounds in a row."""
    strikes, is_party, gap = s.strikes[r], path.is_party, p.walkout_gap[r]
    broke = False
    for i in range(strikes.shape[0]):
        far_below = is_party[i] and w.perceived[i] - w.value[i] > gap
        strikes[i] = strikes[i] + 1 if far_below else 0
        broke |= strikes[i] >= path.patience
    return path.walkout and broke


@rule
def breakdown_hazard(p: Inputs, r: int) -> float:
    """The chance per round that a ceasefire or a partial deal breaks down.

    A base hazard, raised by the commitment problem (either side may regroup and rearm: Fearon
    1995) and lowered by what makes agreements hold: outside guarantees and monitoring, each
    removing its share of the hazard (Fortna 2003, 2004: stronger agreement mechanisms make
    ceasefires last longer; Clayton and Sticher 2021 on monitoring in ceasefire design).
    """
    raw = p.ceasefire_hazard[r] + p.breakdown_sensitivity[r] * p.commitment_problem[r]
    return min(max(raw * (1.0 - p.guarantees[r]) * (1.0 - p.monitoring[r]), 0.0), 1.0)


@rule
def breaks_down(p: Inputs, r: int, draw: float) -> bool:
    """Whether an agreement that holds breaks down this round: a uniform draw below the hazard."""
    return draw < breakdown_hazard(p, r)


@rule
def partial_deals(s: State, p: Inputs, path: Path, r: int, w: Work) -> None:
    """Separable issues agreed alone this round, while the rest stays open, into `w.agreed`.

    On each separable issue without a deal in force, every voter compares the package's terms
    on that issue alone with the reference point (`status_quo`), weighted by its salience; a
    patron's pressure (`w.applied`) makes it accept a loss up to that much. The issue is
    agreed when the decision rule carries it (Beardsley 2008 on how mediated, partial
    agreements come about and how long they last).
    """
    agreed, accepts, position, weight = w.agreed, w.accepts, s.position[r], p.weight[r]
    partial, status_quo, package = s.partial[r], p.status_quo[r], w.package
    for k in range(agreed.shape[0]):
        agreed[k] = False
        if not path.separable[k] or partial[k]:
            continue
        for i in range(accepts.shape[0]):
            x = position[i, k]
            gain = weight[i, k] * (abs(status_quo[k] - x) - abs(package[k] - x))
            accepts[i] = gain >= -w.applied[i]
        agreed[k] = decided(p, path, r, accepts)
