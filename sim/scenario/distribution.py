"""How a number varies across replications: one description and one sampler for every source.

A scenario's estimate (`value:` with its provenance's spread, or `dist:`) and an `explore:`
range both become a `Distribution`, and both are drawn by `ppf`: the inverse CDF, so each
parameter takes exactly one uniform per replication (paired paths share it) and a design's
stratification survives the mapping from the unit cube.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Shape = Literal["normal", "uniform", "triangular", "beta"]


@dataclass(frozen=True)
class Distribution:
    """A distribution on [low, high]; a normal one is truncated to that interval."""

    shape: Shape
    low: float
    high: float
    mean: float = 0.0  # normal
    sd: float = 0.0  # normal; 0 means the value `mean` in every replication
    mode: float = 0.0  # triangular
    a: float = 1.0  # beta
    b: float = 1.0  # beta

    def ppf(self, uniforms: np.ndarray) -> np.ndarray:
        """Map uniforms in (0, 1) to draws."""
        from scipy import stats  # here, not at the top: it doubles the start-up time of every worker

        width = self.high - self.low
        if self.shape == "normal":
            if self.sd == 0:
                return np.full_like(uniforms, self.mean, dtype=float)
            a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            return stats.truncnorm.ppf(uniforms, a, b, loc=self.mean, scale=self.sd)
        if self.shape == "uniform":
            return self.low + uniforms * width
        if self.shape == "triangular":
            if width == 0:
                return np.full_like(uniforms, self.low, dtype=float)
            return stats.triang.ppf(uniforms, (self.mode - self.low) / width, loc=self.low, scale=width)
        return self.low + width * stats.beta.ppf(uniforms, self.a, self.b)

    def describe(self) -> str:
        """The distribution in a few characters, as tables show it."""
        if self.shape == "normal":
            if self.sd == 0:
                return "fixed"
            return f"normal({self.mean:g}, sd {self.sd:g}) on {interval(self.low, self.high)}"
        if self.shape == "uniform":
            return f"uniform({self.low:g}, {self.high:g})"
        if self.shape == "triangular":
            return f"triangular({self.low:g}, {self.mode:g}, {self.high:g})"
        return f"beta({self.a:g}, {self.b:g})"


def interval(low: float, high: float) -> str:
    """`[0, 1]`, `[0, ∞]`: a parameter's valid range as messages and tables write it."""
    upper = "∞" if np.isinf(high) else f"{high:g}"
    return f"[{low:g}, {upper}]"
