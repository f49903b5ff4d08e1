"""Bueno de Mesquita's expected-utility ("challenge") model, as openly specified by Scholz,
Calbert & Smith (2011), after Bueno de Mesquita (1994).

One issue at a time. Actors i = 1..n hold positions x_i, capabilities c_i and saliences s_i
(0..1: s_j is also the probability that j resists a challenge). Each round:

1. the median voter position mu: the capability x salience weighted median of the positions
   (the position no weighted majority prefers to move from; Black 1948);
2. with every risk exponent r_i = 1, each actor's expected utility of challenging each other
   actor, E^i(U_ij) (below);
3. risk: how exposed actor i's position is, S_i = sum_{j != i} E^j(U_ji), scaled to
   R_i = (2 S_i - max_k S_k - min_k S_k) / (max_k S_k - min_k S_k) in [-1, 1], and
   r_i = (1 - R_i / 3) / (1 + R_i / 3) in [0.5, 2];
4. the expected utilities again with these exponents;
5. offers, judged by the actor who receives them from its own expected utilities (with its own
   exponent): when i expects j to challenge it (E^i(U_ji) > 0),
   - both expect to gain and j more (0 < E^i(U_ij) < E^i(U_ji)): conflict, which i expects to
     lose: i moves to x_j;
   - i expects to lose less than j gains (E^i(U_ij) < 0, |E^i(U_ij)| < E^i(U_ji)): i
     compromises, x_i + (x_j - x_i) |E^i(U_ij) / E^i(U_ji)|;
   - i expects to lose more than j gains: i capitulates to x_j;
   each actor takes, of the offers it receives, the one that moves it least; all move at once.

The prediction is the weighted median of the positions after the last round.

Expected utility of i challenging j (d_ij = |x_i - x_j| / width of the issue, r = r_i):

    E^i(U_ij) = s_j [P_ij U_s + (1 - P_ij) U_f] + (1 - s_j) U_s - Q U_sq - (1 - Q)[T U_b + (1 - T) U_w]
    U_s = 2 - 4 (0.5 - 0.5 d_ij)^r          U_f = 2 - 4 (0.5 + 0.5 d_ij)^r        U_sq = 2 - 4 (0.5)^r
    U_b = 2 - 4 (0.5 - 0.25 e_ij)^r         U_w = 2 - 4 (0.5 + 0.25 e_ij)^r
    e_ij = (|x_i - mu| + |x_i - x_j|) / width

with P_ij, the probability that i prevails over j, the share of the votes for i among all votes
cast in the contest: v_k = c_k s_k (|x_k - x_j| - |x_k - x_i|) / width (positive: k prefers
i), P_ij = sum_{k: v_k > 0} v_k / sum_k |v_k|, every actor voting, i and j included.

Q (the probability that the status quo survives when nobody challenges) and T (the probability
that, if it changes, it changes for the better) default to 1, as in the paper's example; with
Q = 1, U_b and U_w drop out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.baselines._arrays import as_case
from sim.model.baselines.compromise import weighted_median


@dataclass(frozen=True)
class BdmRun:
    """One issue: positions before each round and after the last (rounds + 1, N), the risk
    exponents of each round (rounds, N), and the weighted median after each round."""

    positions: np.ndarray
    risk: np.ndarray
    median: np.ndarray

    @property
    def prediction(self) -> float:
        return float(self.median[-1])


def bdm_expected_utility(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    q: np.ndarray | None = None,
    *,
    rounds: int = 10,
    Q: float = 1.0,  # the paper's names
    T: float = 1.0,
    risk: float | None = None,
    scale: tuple[np.ndarray, np.ndarray] | None = None,
    tolerance: float = 0.0,
) -> np.ndarray:
    """Bueno de Mesquita's (1994) expected-utility model as specified by Scholz, Calbert & Smith
    (2011): the weighted median of positions after `rounds` rounds of challenges (module
    docstring), each issue on its own.

    s is salience on 0..1 (it is a probability of resisting). `risk`: None computes each
    actor's risk exponent every round (steps 2 to 4); a number fixes every exponent to it (1:
    risk neutral). `scale` = (low, high) per issue
    gives each issue's width; otherwise the spread of the initial positions. The run stops
    early when no actor moves by more than `tolerance` x width in a round. q is not used (the
    model has no reference point; issues with no weight at all return q_k, else NaN).
    x (N, K) or (R, N, K); s like x; c (N,) or (R, N). Returns (K,) or (R, K).
    """
    case = as_case(x, s, c, q)
    if (case.s > 1).any():
        raise ValueError("bdm_expected_utility needs salience on 0..1 (it is a probability); divide by 100")
    rows, _, issues = case.x.shape
    widths = _widths(case.x, scale)
    out = np.empty((rows, issues))
    for r in range(rows):
        for k in range(issues):
            run = bdm_run(
                case.x[r, :, k],
                case.s[r, :, k],
                case.c[r],
                rounds=rounds,
                Q=Q,
                T=T,
                width=widths[r, k],
                tolerance=tolerance,
            )
            out[r, k] = run.prediction
    weight = case.c[:, :, None] * case.s
    empty = weight.sum(axis=1) <= 0
    if empty.any():
        reference = np.full(out.shape, np.nan) if case.q is None else case.q
        out = np.where(empty, reference, out)
    return case.out(out)


def _widths(x: np.ndarray, scale: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    if scale is None:
        return x.max(axis=1) - x.min(axis=1)
    low, high = (np.asarray(v, dtype=float) for v in scale)
    width = np.broadcast_to(high - low, (x.shape[0], x.shape[2])).astype(float)
    if (width <= 0).any():
        raise ValueError("each issue's scale needs high > low")
    return width


def bdm_run(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    *,
    rounds: int = 10,
    Q: float = 1.0,
    T: float = 1.0,
    risk: float | None = None,
    width: float | None = None,
    tolerance: float = 0.0,
) -> BdmRun:
    """The model on one issue, round by round: x, s, c (N,)."""
    x = np.asarray(x, dtype=float).copy()
    s, c = np.asarray(s, dtype=float), np.asarray(c, dtype=float)
    width = float(np.ptp(x)) if width is None else float(width)
    history, risks = [x.copy()], []
    medians = [_median(x, s, c)]
    for _ in range(rounds):
        if width <= 0:
            break
        mu = medians[-1]
        if risk is None:
            first = expected_utilities(x, s, c, np.ones_like(x), mu, width, Q, T)
            exponents = risk_exponents(first)
        else:
            exponents = np.full_like(x, float(risk))
        eu = expected_utilities(x, s, c, exponents, mu, width, Q, T)
        new = _respond(x, eu, exponents, s, c, mu, width, Q, T)
        moved = np.max(np.abs(new - x))
        x = new
        history.append(x.copy())
        risks.append(exponents)
        medians.append(_median(x, s, c))
        if moved <= tolerance * width:
            break
    return BdmRun(
        positions=np.array(history), risk=np.array(risks).reshape(-1, len(x)), median=np.array(medians)
    )


def _median(x: np.ndarray, s: np.ndarray, c: np.ndarray) -> float:
    return float(weighted_median(x[:, None], s[:, None], c)[0])


def win_probability(x: np.ndarray, s: np.ndarray, c: np.ndarray, width: float) -> np.ndarray:
    """P[i, j]: the probability that i prevails over j, the share of the votes for i among all
    votes cast between them, every actor k voting c_k s_k (|x_k - x_j| - |x_k - x_i|) / width."""
    to = np.abs(x[:, None] - x[None, :])  # to[k, i] = |x_k - x_i|
    votes = (c * s)[:, None, None] * (to[:, None, :] - to[:, :, None]) / width  # [k, i, j]
    top = np.where(votes > 0, votes, 0.0).sum(axis=0)
    bottom = np.abs(votes).sum(axis=0)
    return np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), 0.5)


def expected_utilities(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    risk: np.ndarray,
    mu: float,
    width: float,
    Q: float,
    T: float,
) -> np.ndarray:
    """E[i, j] = E^i(U_ij): i's expected utility of challenging j, with i's risk exponent; the
    diagonal is 0."""
    return _challenge(x, s, c, risk[:, None], mu, width, Q, T)


def _challenge(
    x: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    r: np.ndarray,
    mu: float,
    width: float,
    Q: float,
    T: float,
) -> np.ndarray:
    """The expected utility of i challenging j for every (i, j), with exponents r (broadcast to
    (N, N)): r[:, None] is each challenger's own view, r[None, :] each target's view of it."""
    d = np.abs(x[:, None] - x[None, :]) / width
    e = (np.abs(x - mu)[:, None] + np.abs(x[:, None] - x[None, :])) / width
    p = win_probability(x, s, c, width)
    success = 2 - 4 * (0.5 - 0.5 * d) ** r
    failure = 2 - 4 * (0.5 + 0.5 * d) ** r
    status_quo = 2 - 4 * 0.5**r
    better = 2 - 4 * np.clip(0.5 - 0.25 * e, 0.0, None) ** r
    worse = 2 - 4 * (0.5 + 0.25 * e) ** r
    target = s[None, :]
    eu = (
        target * (p * success + (1 - p) * failure)
        + (1 - target) * success
        - Q * status_quo
        - (1 - Q) * (T * better + (1 - T) * worse)
    )
    return eu * (1 - np.eye(len(x)))


def risk_exponents(eu: np.ndarray) -> np.ndarray:
    """r_i from how much the others expect to gain by challenging i (E[j, i] summed over j)."""
    exposure = eu.sum(axis=0)
    high, low = exposure.max(), exposure.min()
    if high - low <= 0:
        return np.ones_like(exposure)
    scaled = (2 * exposure - high - low) / (high - low)
    return (1 - scaled / 3) / (1 + scaled / 3)


def _respond(
    x: np.ndarray,
    own: np.ndarray,
    risk: np.ndarray,
    s: np.ndarray,
    c: np.ndarray,
    mu: float,
    width: float,
    Q: float,
    T: float,
) -> np.ndarray:
    """Each actor's new position: the offer it receives that moves it least (module docstring)."""
    # seen[i, j] = E^i(U_ji): what i expects j to gain by challenging i, with i's exponent
    seen = _challenge(x, s, c, risk[None, :], mu, width, Q, T).T
    mine = own  # mine[i, j] = E^i(U_ij)
    threat = seen > 0
    conflict = threat & (mine > 0) & (mine < seen)
    yield_ = threat & (mine < 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.abs(mine / np.where(threat, seen, 1.0))
    compromise = yield_ & (share < 1)
    target = np.where(compromise, x[:, None] + (x[None, :] - x[:, None]) * share, x[None, :])
    offered = conflict | yield_
    offered &= ~np.eye(len(x), dtype=bool)
    move = np.where(offered, np.abs(target - x[:, None]), np.inf)
    best = np.argmin(move, axis=1)
    takes = offered[np.arange(len(x)), best]
    return np.where(takes, target[np.arange(len(x)), best], x)
