"""Summaries and sampling: the numbers behind the tables."""

from __future__ import annotations

import numpy as np
import pytest

from sim.results.summary import wilson_interval
from sim.scenario.estimates import RATE, UNIT, Estimate


def test_wilson_interval_matches_published_values() -> None:
    # Newcombe (1998), Table I: 81 of 263 -> 0.2553 to 0.3662 (score method without correction)
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=5e-4) and high == pytest.approx(0.3662, abs=5e-4)


def test_wilson_interval_at_the_edges() -> None:
    low, high = wilson_interval(0, 100)
    assert low == pytest.approx(0.0, abs=1e-12) and 0.03 < high < 0.04  # 3.7%: the rule of three, roughly
    low, high = wilson_interval(100, 100)
    assert high == pytest.approx(1.0, abs=1e-12) and 0.96 < low < 0.97


U = (np.arange(200_000) + 0.5) / 200_000  # a fine grid of quantiles: sample moments are exact


def test_evidence_strength_sets_the_spread() -> None:
    quoted = Estimate(value=0.5, evidence={"source": "s", "quote": "q"}).distribution(UNIT).ppf(U)
    inferred = Estimate(value=0.5, inferred="why").distribution(UNIT).ppf(U)
    assumed = Estimate(value=0.5, assumption="why").distribution(UNIT).ppf(U)
    bare = Estimate(value=0.5).distribution(UNIT).ppf(U)
    assert quoted.std() == pytest.approx(0.05, rel=0.01)
    assert quoted.std() < inferred.std() < assumed.std()
    assert bare.std() == 0


def test_draws_stay_in_the_valid_range() -> None:
    near_edge = Estimate(value=0.98, assumption="why").distribution(UNIT).ppf(U)
    assert near_edge.min() >= 0 and near_edge.max() <= 1
    rate = Estimate(value=0.006, evidence={"source": "s", "quote": "q"}).distribution(RATE).ppf(U)
    assert rate.min() >= 0 and rate.mean() == pytest.approx(0.006, rel=0.01)


@pytest.mark.parametrize(
    "estimate, mean, sd",
    [
        (Estimate(dist="uniform", low=0.2, high=0.6), 0.4, 0.4 / np.sqrt(12)),
        (Estimate(dist="beta", a=2, b=6), 0.25, np.sqrt(2 * 6 / (8**2 * 9))),
        (Estimate(dist="triangular", low=0, mode=0.3, high=0.6), 0.3, np.sqrt(0.36 * 0.75 / 18)),
        (Estimate(dist="normal", mean=0.5, sd=0.1), 0.5, 0.1),
    ],
)
def test_distributions_have_their_textbook_moments(estimate: Estimate, mean: float, sd: float) -> None:
    draws = estimate.distribution(UNIT).ppf(U)
    assert draws.mean() == pytest.approx(mean, abs=1e-3)
    assert draws.std() == pytest.approx(sd, rel=0.01)


@pytest.mark.parametrize("trials", [1, 7, 100, 250, 1000, 3000, 10**6])
def test_wilson_interval_contains_the_share_at_the_extremes(trials: int) -> None:
    """At 0 or n successes rounding once put the bound a hair past the share, and the
    agreement plot failed on a negative error bar."""
    for successes in (0, trials):
        low, high = wilson_interval(successes, trials)
        assert 0.0 <= low <= successes / trials <= high <= 1.0
