"""Krippendorff's alpha against the published worked example, and its defining properties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.evidence.agreement import disagrees_widely, interval_alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four coders,
# twelve units, missing values left out. The paper reports alpha = 0.849 for the interval metric.
PAPER_UNITS = [
    [1, 1, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [5, 5, 5],
    [1, 1],
    [3],
]


def test_the_published_example_gives_0_849():
    assert interval_alpha(PAPER_UNITS) == pytest.approx(0.849, abs=5e-4)  # the paper rounds to 3 places


def test_perfect_agreement_is_one_and_chance_is_near_zero():
    assert interval_alpha([[0.1, 0.1], [0.5, 0.5], [0.9, 0.9]]) == pytest.approx(1.0)
    rng = np.random.default_rng(7)
    random = rng.uniform(size=(4000, 2)).tolist()
    # two coders drawing independently: alpha's expectation is about 0, its sd ~ 1/sqrt(4000) ≈ 0.016
    assert abs(interval_alpha(random)) < 0.06


def test_systematic_disagreement_is_negative():
    # coders who put every unit at opposite ends disagree more than chance
    assert interval_alpha([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]) < 0


def test_too_few_pairable_units_give_nan():
    assert math.isnan(interval_alpha([[0.3, 0.4], [0.5]]))
    assert math.isnan(interval_alpha([[0.5, 0.5], [0.5, 0.5]]))  # no variation at all


def test_wide_disagreement_on_scales_and_in_proportion():
    assert disagrees_widely([0.12, 0.8], proportional=False) and not disagrees_widely(
        [0.5, 0.6], proportional=False
    )
    assert not disagrees_widely([0.6, 0.8], proportional=False)  # exactly 0.2 apart is not more than 0.2
    assert disagrees_widely([0.005, 0.012], proportional=True)
    assert not disagrees_widely([0.05, 0.048], proportional=True)
    assert not disagrees_widely([0.1, 0.15], proportional=True)  # exactly half as large again
