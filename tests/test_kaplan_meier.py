"""The Kaplan-Meier estimator of sim/results/kaplan_meier.py against lifelines, which it
replaces at run time: the same survival function, median, and 95% band, on spells like a
run's (whole months, many ties, heavy censoring) and on edge cases."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import KaplanMeierFitter

from sim.results.kaplan_meier import KaplanMeier

# both compute the same sums and products in double precision, in a different order
CLOSE = {"rtol": 1e-9, "atol": 1e-12}


def cases() -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(20241209)
    found = []
    for size, censoring in ((5, 0.0), (40, 0.3), (400, 0.6), (2000, 0.9)):
        months = rng.integers(0, 61, size)
        found.append((months, rng.random(size) >= censoring))
    found.append((np.array([3, 3, 3]), np.array([True, True, True])))  # all end at once: S falls to 0
    found.append((np.array([2, 5, 9]), np.array([False, False, False])))  # nothing ends: S stays 1
    found.append((np.array([0, 0, 4, 7]), np.array([True, False, True, False])))  # spells of 0 months
    return found


@pytest.mark.parametrize("case", range(len(cases())))
def test_survival_median_and_band_are_lifelines(case: int) -> None:
    months, ended = cases()[case]
    mine = KaplanMeier.fit(months, ended)
    theirs = KaplanMeierFitter().fit(months, event_observed=ended)
    grid = np.arange(0, 61)
    np.testing.assert_allclose(mine.at(grid), theirs.survival_function_at_times(grid).to_numpy(), **CLOSE)
    assert mine.median == pytest.approx(theirs.median_survival_time_) or (
        np.isinf(mine.median) and np.isinf(theirs.median_survival_time_)
    )
    band = theirs.confidence_interval_survival_function_
    band = band.reindex(band.index.union(grid)).ffill().loc[grid]
    low, high = band.iloc[:, 0].to_numpy(), band.iloc[:, 1].to_numpy()
    np.testing.assert_allclose(mine.at(grid, mine.low), low, **CLOSE)
    np.testing.assert_allclose(mine.at(grid, mine.high), high, **CLOSE)


def test_the_band_holds_the_estimate() -> None:
    months, ended = cases()[2]
    fit = KaplanMeier.fit(months, ended)
    assert (fit.low <= fit.survival + 1e-15).all() and (fit.survival <= fit.high + 1e-15).all()
    assert (np.diff(fit.survival) <= 0).all() and fit.times[0] == 0
