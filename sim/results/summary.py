"""Summaries of a run: agreement shares with Wilson intervals, medians, the outcome mix."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.model.arrays import OUTCOME_NAMES
from sim.results.summary_schema import RunPath

Z95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for a proportion: honest near 0 and 1, unlike the Wald interval."""
    if trials == 0:
        return (0.0, 1.0)
    share = successes / trials
    denominator = 1 + z**2 / trials
    centre = (share + z**2 / (2 * trials)) / denominator
    half = z * math.sqrt(share * (1 - share) / trials + z**2 / (4 * trials**2)) / denominator
    # Rounding can leave the bound a hair past the share at 0 or n successes; the interval
    # must contain the share (plots draw share - low as an error bar length).
    return (max(0.0, min(share, centre - half)), min(1.0, max(share, centre + half)))


def _median_or_none(values: pd.Series) -> float | None:
    values = values.dropna()
    return None if values.empty else float(values.median())


def path_outcomes(label: str, table: pd.DataFrame, issues: list[str]) -> RunPath:
    """The numbers `negsim run` prints for one path, as summary.json holds them."""
    n = len(table)
    agreed = table[table["outcome"] == "agreement"]
    low, high = wilson_interval(len(agreed), n)
    counts = table["outcome"].value_counts()
    return RunPath(
        label=label,
        replications=n,
        agreement={"share": len(agreed) / n, "low": low, "high": high},
        outcomes={name: int(counts.get(name, 0)) / n for name in OUTCOME_NAMES[1:]},
        median_rounds_to_agreement=_median_or_none(agreed["end_round"].astype(float)),
        median_terms={issue: _median_or_none(agreed[f"terms.{issue}"]) for issue in issues},
    )


def summarise_path(label: str, table: pd.DataFrame, issues: list[str]) -> dict[str, Any]:
    """`path_outcomes` as plain data, for the seminar page and notebooks."""
    return path_outcomes(label, table, issues).model_dump()
