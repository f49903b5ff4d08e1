"""Differences in outcome shares between two runs, with 95% intervals, paired or not.

Two runs of the same mediation path can be compared in two ways:

- **Paired**: both runs used the same random draws (the same seed, the same streams key and the
  same replication indices), so replication r of one run and replication r of the other met
  the same uncertainty. Each replication gives a difference d_r = [B_r = k] − [A_r = k] for
  outcome k, and the interval is that of the mean of the d_r. A what-if that changed nothing
  on a path gives d_r = 0 everywhere: difference exactly 0, interval [0, 0].
- **Unpaired**: the runs drew independently, so the two shares are independent proportions and
  Newcombe's hybrid score interval applies.

Everything here is a pure function of arrays or counts; `sim.jobs.compare` reads the result
folders and decides which case applies.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.arrays import OUTCOME_NAMES
from sim.results.summary import Z95, wilson_interval

OUTCOMES = OUTCOME_NAMES[1:]  # how a run ends, as the replications table names it ("ongoing" never ends one)

# The paired interval below is a normal (Wald) interval for the mean of the per-replication
# differences. It is given only from this many pairs on; below, no interval is given at all.
MIN_PAIRED = 30


@dataclass(frozen=True)
class Interval:
    """A difference B − A with its 95% interval (NaN bounds: no interval given)."""

    difference: float
    low: float
    high: float


def paired_difference(hits_a: np.ndarray, hits_b: np.ndarray, z: float = Z95) -> Interval:
    """Mean of d_r = hits_b[r] − hits_a[r] over matched replications, ± z·sd(d)/√n.

    `hits_a`, `hits_b`: 0/1 (or boolean) per replication, element r of both from the same
    replication. Why a normal interval is adequate: the d_r are independent across
    replications (each replication reads its own slice of every random stream) and bounded in
    [−1, 1], so by the central limit theorem their mean is close to normal once n is large;
    at n ≥ 100, the size of every `negsim run` default, the interval is accurate unless
    the discordant pairs (d_r ≠ 0) are very few, where, like any Wald interval, it is too
    narrow. With no discordant pair at all it is [0, 0]: right for a path the what-if left
    alone (same draws, same rules, so the same outcome in every replication: the difference
    is exactly 0, not an estimate), while for a changed path it says only that no replication
    changed its outcome. Below MIN_PAIRED (30) pairs the normal approximation is not trusted
    and no interval is given (NaN bounds), only the difference.
    """
    a = np.asarray(hits_a, dtype=np.int64)
    b = np.asarray(hits_b, dtype=np.int64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"paired arrays must be 1-d and of equal length, got {a.shape} and {b.shape}")
    n = len(a)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan)
    d = b - a
    difference = (int(b.sum()) - int(a.sum())) / n  # exact counts: equal runs give exactly 0
    if n < MIN_PAIRED:
        return Interval(difference, math.nan, math.nan)
    half = z * float(np.std(d, ddof=1)) / math.sqrt(n)
    return Interval(difference, max(-1.0, difference - half) + 0.0, min(1.0, difference + half) + 0.0)


def newcombe_difference(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, z: float = Z95
) -> Interval:
    """p_B − p_A for two independent proportions, with Newcombe's hybrid score interval.

    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine 17(8), 873–890 (method
    10). From the Wilson score intervals (l_A, u_A) and (l_B, u_B) of the two proportions:

        lower = δ − sqrt((p_B − l_B)² + (u_A − p_A)²)
        upper = δ + sqrt((u_B − p_B)² + (p_A − l_A)²),    δ = p_B − p_A

    It keeps close to its nominal coverage at any sample size and near 0 and 1, where the
    simple Wald interval fails, and never leaves [−1, 1].
    """
    if trials_a <= 0 or trials_b <= 0:
        return Interval(math.nan, math.nan, math.nan)
    p_a, p_b = successes_a / trials_a, successes_b / trials_b
    low_a, high_a = wilson_interval(successes_a, trials_a, z)
    low_b, high_b = wilson_interval(successes_b, trials_b, z)
    difference = p_b - p_a
    low = difference - math.sqrt((p_b - low_b) ** 2 + (high_a - p_a) ** 2)
    high = difference + math.sqrt((high_b - p_b) ** 2 + (p_a - low_a) ** 2)
    return Interval(difference + 0.0, max(-1.0, low) + 0.0, min(1.0, high) + 0.0)


@dataclass(frozen=True)
class OutcomeDifference:
    """One outcome of one path: its share in A and in B and the difference B − A."""

    outcome: str
    share_a: float
    share_b: float
    difference: float
    low: float
    high: float
    paired: bool
    n_a: int
    n_b: int


@dataclass(frozen=True)
class PathComparison:
    """A mediation path present in both runs: each outcome's difference, and why the
    comparison is unpaired if it is (`reasons`, empty when paired)."""

    path: str
    label: str
    outcomes: list[OutcomeDifference]
    reasons: list[str] = field(default_factory=list)

    @property
    def paired(self) -> bool:
        return not self.reasons

    def outcome(self, name: str) -> OutcomeDifference:
        return next(o for o in self.outcomes if o.outcome == name)


def outcome_differences(
    outcomes_a: np.ndarray,
    outcomes_b: np.ndarray,
    paired: bool,
    names: Sequence[str] = OUTCOMES,
) -> list[OutcomeDifference]:
    """Each outcome's share in A and B and the difference B − A with its 95% interval.

    `outcomes_a`, `outcomes_b`: one outcome name per replication. When `paired`, element r of
    both comes from the same replication (equal lengths); otherwise the runs are independent
    samples and may differ in length.
    """
    a, b = np.asarray(outcomes_a), np.asarray(outcomes_b)
    n_a, n_b = len(a), len(b)
    found = []
    for name in names:
        hits_a, hits_b = a == name, b == name
        if paired:
            interval = paired_difference(hits_a, hits_b)
        else:
            interval = newcombe_difference(int(hits_a.sum()), n_a, int(hits_b.sum()), n_b)
        found.append(
            OutcomeDifference(
                outcome=name,
                share_a=float(hits_a.mean()) if n_a else math.nan,
                share_b=float(hits_b.mean()) if n_b else math.nan,
                difference=interval.difference,
                low=interval.low,
                high=interval.high,
                paired=paired,
                n_a=n_a,
                n_b=n_b,
            )
        )
    return found


def same_replications(replications_a: np.ndarray, replications_b: np.ndarray) -> bool:
    """Whether two runs hold exactly the same replication indices, in the same order."""
    a, b = np.asarray(replications_a), np.asarray(replications_b)
    return a.shape == b.shape and bool(np.array_equal(a, b))
