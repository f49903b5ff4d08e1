"""The Kaplan-Meier product-limit estimator, with Greenwood's variance and the exponential
(log-log) 95% band: how long spells last when some are censored.

Kaplan and Meier (1958); the band as lifelines' `KaplanMeierFitter` draws it by default
(Kalbfleisch and Prentice 2002, 1.3). Written out here because importing lifelines, for these
few lines of arithmetic, cost about a second of every `negsim run`; tests/test_kaplan_meier.py
checks every number against lifelines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054  # the standard normal's 97.5% quantile


@dataclass(frozen=True)
class KaplanMeier:
    """The estimate at each distinct duration (and 0): S(t), and its 95% band."""

    times: np.ndarray  # increasing, starting at 0
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def fit(cls, durations: np.ndarray, ended: np.ndarray) -> KaplanMeier:
        """`durations` of the spells; `ended`: whether each ended (else it is censored there)."""
        durations = np.asarray(durations, dtype=float)
        ended = np.asarray(ended, dtype=bool)
        times = np.unique(np.concatenate([[0.0], durations]))
        position = np.searchsorted(times, durations)
        removed = np.bincount(position, minlength=times.size)  # leave the risk set at each time
        events = np.bincount(position, weights=ended, minlength=times.size)
        at_risk = durations.size - np.concatenate([[0], np.cumsum(removed)[:-1]])
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(at_risk > 0, events / at_risk, 0.0)
            survival = np.cumprod(1.0 - hazard)
            greenwood = np.cumsum(np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0))
            log_s = np.log(survival)
            spread = Z_95 * np.sqrt(greenwood) / log_s
            low, high = (np.exp(-np.exp(np.log(-log_s) + side * spread)) for side in (-1.0, 1.0))
        # where S is 1 or 0 the log-log band is undefined: it is S itself
        defined = (survival > 0.0) & (survival < 1.0)
        low, high = (np.where(defined, band, np.clip(survival, 0.0, 1.0)) for band in (low, high))
        return cls(times, survival, low, high)

    def at(self, months: np.ndarray | float, values: np.ndarray | None = None) -> np.ndarray:
        """The step function (S, or `values` on the same times) at the given times."""
        index = np.searchsorted(self.times, np.asarray(months, dtype=float), side="right") - 1
        return (self.survival if values is None else values)[index]

    @property
    def median(self) -> float:
        """The first time at which S(t) ≤ 0.5; infinite if it never falls that far."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.times[below[0]]) if below.size else float("inf")
