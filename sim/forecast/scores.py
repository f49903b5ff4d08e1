"""How good the probabilities were: Brier and logarithmic scores, against a base rate.

- Brier score: (p − o)², o = 1 if it happened, else 0; 0 is perfect, 0.25 is always saying 50%.
- Log score: −ln of the probability given to what happened (natural log), with probabilities
  clipped to [0.001, 0.999] so one confident miss costs at most −ln 0.001 ≈ 6.9 and not
  infinity; 0 is perfect, ln 2 ≈ 0.693 is always saying 50%. Lower is better for both.
- Base rate: for each question, the share of the *other* resolved questions that came true
  (leave one out, so the base forecast never knows the outcome it is scored on); with no other
  question, 50%.
- Skill: 1 − Brier / Brier of the base rate: above 0, better than the base rate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

CLIP = (0.001, 0.999)
NO_OTHER = 0.5  # the base rate of a question when no other question was resolved
BINS = 5  # reliability bins of forecast probability: 0–20%, 20–40%, …


def brier(p: np.ndarray, o: np.ndarray) -> np.ndarray:
    return (p - o) ** 2


def log_loss(p: np.ndarray, o: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, *CLIP)
    return -np.log(np.where(o == 1, clipped, 1 - clipped))


def base_rates(questions: Sequence[str], outcomes: np.ndarray) -> np.ndarray:
    """Each row's base rate: the share of true outcomes among the other questions (each
    question counted once however often it was forecast)."""
    distinct = pd.Series(outcomes, index=list(questions)).groupby(level=0).first()
    total, count = float(distinct.sum()), len(distinct)
    rates = []
    for question in questions:
        others = count - 1
        rates.append((total - float(distinct[question])) / others if others else NO_OTHER)
    return np.array(rates, dtype=float)


@dataclass(frozen=True)
class Overall:
    n: int
    brier: float
    log: float
    base_brier: float
    base_log: float

    @property
    def skill(self) -> float | None:
        """1 − Brier / Brier of the base rate; None when the base rate was perfect."""
        return None if self.base_brier == 0 else 1 - self.brier / self.base_brier


def score_table(questions: Sequence[str], p: np.ndarray, o: np.ndarray) -> pd.DataFrame:
    """One row per scored forecast: probability, outcome, scores, base rate and its scores."""
    base = base_rates(questions, o)
    return pd.DataFrame(
        {
            "question": list(questions),
            "probability": p,
            "outcome": o.astype(int),
            "brier": brier(p, o),
            "log": log_loss(p, o),
            "base_rate": base,
            "base_brier": brier(base, o),
            "base_log": log_loss(base, o),
        }
    )


def overall(table: pd.DataFrame) -> Overall:
    mean = table[["brier", "log", "base_brier", "base_log"]].mean() if len(table) else None
    if mean is None:
        return Overall(0, math.nan, math.nan, math.nan, math.nan)
    return Overall(len(table), *(float(mean[k]) for k in ("brier", "log", "base_brier", "base_log")))


def reliability(p: np.ndarray, o: np.ndarray, bins: int = BINS) -> pd.DataFrame:
    """Per bin of forecast probability (the last bin includes 1): how many forecasts, their
    mean probability, and how often they came true; empty bins have NaN means."""
    edges = np.arange(bins + 1) / bins  # exact at 0.2, 0.4, …, so 0.6 opens its bin
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = index == b
        n = int(inside.sum())
        rows.append(
            {
                "low": edges[b],
                "high": edges[b + 1],
                "n": n,
                "mean_probability": float(p[inside].mean()) if n else math.nan,
                "observed": float(o[inside].mean()) if n else math.nan,
                "true": int(o[inside].sum()),
            }
        )
    return pd.DataFrame(rows)
