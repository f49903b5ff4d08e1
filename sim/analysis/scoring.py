"""How well each model predicted what happened: errors per issue, and per model the summary
statistics the literature reports, with the difference to the compromise model and its
bootstrap interval.

Errors are in points of each issue's scale taken as 0..100 (`|predicted − actual| / (high −
low) × 100`), so issues on different scales pool, and DEU's 0..100 issues keep their units.
Issues of one proposal are decided together and their errors are not independent: the
bootstrap resamples proposals (clusters), not issues, which widens the interval honestly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

REFERENCE = "compromise"  # the baseline every model is compared with (Achen 2006)
WITHIN = (5, 10, 20)  # points of a 0..100 scale
METRIC_COLUMNS = [
    "model",
    "n",
    "mae",
    "rmse",
    "median_ae",
    *(f"within_{points}" for points in WITHIN),
    "mae_diff_vs_compromise",
    "ci_low",
    "ci_high",
]
PREDICTION_COLUMNS = ["issue", "model", "predicted", "actual"]
RESAMPLES = 2000
CONFIDENCE = 0.95


def errors(predictions: pd.DataFrame) -> pd.Series:
    """Absolute error of each prediction in points of a 0..100 scale.

    `predictions` has columns issue, model, predicted, actual, low and high (the issue's scale).
    """
    width = predictions["high"] - predictions["low"]
    return (predictions["predicted"] - predictions["actual"]).abs() / width * 100


def score(predictions: pd.DataFrame, seed: int, resamples: int = RESAMPLES) -> pd.DataFrame:
    """One row per model, columns METRIC_COLUMNS, models in the order they first appear.

    `predictions` also needs `group` (the proposal an issue belongs to; the bootstrap's
    cluster). Only issues every model predicted are scored, so the models are compared on
    the same issues; the difference to the compromise model is paired issue by issue.
    """
    table = predictions.assign(error=errors(predictions))
    models = list(dict.fromkeys(table["model"]))
    wide = table.pivot_table(index=["group", "issue"], columns="model", values="error", aggfunc="first")
    wide = wide[models].dropna()
    groups = wide.index.get_level_values("group").to_numpy()
    draws = _cluster_resamples(groups, resamples, seed)
    rows = []
    for model in models:
        error = wide[model].to_numpy()
        row: dict[str, object] = {
            "model": model,
            "n": len(error),
            "mae": float(error.mean()),
            "rmse": float(np.sqrt((error**2).mean())),
            "median_ae": float(np.median(error)),
        }
        row |= {f"within_{points}": float((error <= points).mean()) for points in WITHIN}
        if REFERENCE in wide:
            difference = error - wide[REFERENCE].to_numpy()
            low, high = _interval(difference, groups, draws)
            row |= {"mae_diff_vs_compromise": float(difference.mean()), "ci_low": low, "ci_high": high}
        else:
            row |= {"mae_diff_vs_compromise": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        rows.append(row)
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def _cluster_resamples(groups: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(resamples, clusters) indices of clusters drawn with replacement."""
    clusters = len(np.unique(groups))
    return np.random.default_rng(seed).integers(0, clusters, size=(resamples, clusters))


def _interval(values: np.ndarray, groups: np.ndarray, draws: np.ndarray) -> tuple[float, float]:
    """Percentile interval of the mean of `values` over cluster resamples."""
    _, cluster = np.unique(groups, return_inverse=True)
    sums = np.bincount(cluster, weights=values)
    counts = np.bincount(cluster).astype(float)
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - CONFIDENCE) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))
