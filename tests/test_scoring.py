"""Scoring predictions against outcomes (sim/analysis/scoring.py): hand-computable errors and
an interval that behaves as a bootstrap interval must."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.scoring import METRIC_COLUMNS, score


def frame(rows: list[tuple[str, str, str, float, float]], low: float = 0, high: float = 100) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=["group", "issue", "model", "predicted", "actual"])
    return table.assign(low=low, high=high)


def test_errors_and_shares_by_hand() -> None:
    rows = [
        ("p1", "a", "compromise", 50, 40),  # error 10
        ("p1", "b", "compromise", 20, 20),  # 0
        ("p2", "c", "compromise", 70, 100),  # 30
        ("p1", "a", "abm", 45, 40),  # 5
        ("p1", "b", "abm", 30, 20),  # 10
        ("p2", "c", "abm", 90, 100),  # 10
    ]
    metrics = score(frame(rows), seed=0).set_index("model")
    assert list(metrics.reset_index().columns) == METRIC_COLUMNS
    assert metrics.loc["compromise", "mae"] == 40 / 3
    assert metrics.loc["compromise", "rmse"] == np.sqrt((100 + 0 + 900) / 3)
    assert metrics.loc["compromise", "median_ae"] == 10
    assert metrics.loc["compromise", "within_5"] == 1 / 3  # only the 0
    assert metrics.loc["compromise", "within_10"] == 2 / 3  # 10 counts as within 10
    assert metrics.loc["abm", "mae"] == 25 / 3
    assert metrics.loc["abm", "mae_diff_vs_compromise"] == 25 / 3 - 40 / 3
    assert metrics.loc["compromise", "mae_diff_vs_compromise"] == 0
    assert metrics.loc["compromise", "ci_low"] == metrics.loc["compromise", "ci_high"] == 0


def test_errors_are_points_of_each_issues_scale() -> None:
    """4..10 years: an error of 0.6 years is 10 points of the scale."""
    rows = [("p", "years", "compromise", 7.0, 7.6)]
    assert abs(score(frame(rows, low=4, high=10), seed=0).loc[0, "mae"] - 10) < 1e-9  # 7.6 - 7.0 rounds


def test_the_interval_covers_the_difference_and_shrinks_with_more_proposals() -> None:
    """Model B is 5 points worse than the compromise on average, with noise; with 4 times the
    proposals the interval is about half as wide (the bootstrap's 1/sqrt(n)); the ratio's
    tolerance (0.35 to 0.7) allows for the resampling noise of 2000 draws with a fixed seed."""
    rng = np.random.default_rng(1)

    def dataset(proposals: int) -> pd.DataFrame:
        rows = []
        for g in range(proposals):
            actual = rng.uniform(0, 100)
            base = rng.normal(0, 10)
            rows.append((f"p{g}", f"i{g}", "compromise", actual + base, actual))
            rows.append((f"p{g}", f"i{g}", "b", actual + base + 5 + rng.normal(0, 8), actual))
        return frame(rows, low=-100, high=200)  # wide scale: no clipping of the noise

    few = score(dataset(100), seed=0).set_index("model").loc["b"]
    many = score(dataset(400), seed=0).set_index("model").loc["b"]
    for row in (few, many):
        assert row["ci_low"] < row["mae_diff_vs_compromise"] < row["ci_high"]
    assert 0.35 < (many["ci_high"] - many["ci_low"]) / (few["ci_high"] - few["ci_low"]) < 0.7


def test_issues_of_one_proposal_move_together_in_the_bootstrap() -> None:
    """Ten copies of one proposal's issues are one cluster: resampling proposals, the interval
    of 2 proposals with 10 issues each is as wide as that of 2 proposals with 1 issue each."""

    def rows(copies: int) -> list[tuple[str, str, str, float, float]]:
        found = []
        for g, worse in (("p1", 0.0), ("p2", 20.0)):
            for c in range(copies):
                found.append((g, f"{g}-{c}", "compromise", 50, 50))
                found.append((g, f"{g}-{c}", "b", 50 + worse, 50))
        return found

    one = score(frame(rows(1)), seed=3).set_index("model").loc["b"]
    ten = score(frame(rows(10)), seed=3).set_index("model").loc["b"]
    assert (one["ci_low"], one["ci_high"]) == (ten["ci_low"], ten["ci_high"]) == (0.0, 20.0)
