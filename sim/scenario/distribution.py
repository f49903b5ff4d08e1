"""How a number varies across replications: one description and one sampler for every source.

A scenario's estimate (`value:` with its provenance's spread, or `dist:`) and an `explore:`
range both become a `Distribution`, and both are drawn by `ppf`: the inverse CDF, so each
parameter takes exactly one uniform per replication (paired paths share it) and a design's
stratification survives the mapping from the unit cube.

The inverse CDFs are closed forms over `scipy.special` ufuncs rather than `scipy.stats`, whose
argument checking costs a fraction of a millisecond per call whatever the number of draws: a
batch samples every estimate of a scenario, and `ppf_stacked` draws all estimates of one shape
in a single call, each parameter a column broadcast against its row of uniforms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

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

    def ppf(self, uniforms: ArrayLike) -> np.ndarray:
        """Map uniforms in (0, 1) to draws."""
        u = np.asarray(uniforms, dtype=float)
        sampler, fields = _SAMPLERS[self.shape]
        return sampler(u, *(getattr(self, name) for name in fields))

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


def ppf_stacked(distributions: Sequence[Distribution], uniforms: np.ndarray) -> np.ndarray:
    """Row e of `uniforms` (E, R) mapped by `distributions[e]`: the numbers each one's `ppf`
    gives, from one call per shape and block of rows instead of one per distribution. Blocks
    keep a call's temporaries in the processor's cache (a whole chunk's would not fit)."""
    out = np.empty(uniforms.shape)
    rows_per_call = max(1, _VALUES_PER_CALL // max(1, uniforms.shape[1]))
    for shape in dict.fromkeys(d.shape for d in distributions):
        sampler, fields = _SAMPLERS[shape]
        rows = [e for e, d in enumerate(distributions) if d.shape == shape]
        for first in range(0, len(rows), rows_per_call):
            block = rows[first : first + rows_per_call]
            columns = [np.array([[getattr(distributions[e], name)] for e in block]) for name in fields]
            out[block] = sampler(uniforms[block], *columns)
    return out


_VALUES_PER_CALL = 1 << 15  # 256 KB per temporary array: a dozen of them stay in a 1-2 MB cache


# Each sampler takes uniforms and its parameters as numbers or as columns broadcast against them.


def truncated_normal_ppf(
    u: np.ndarray, low: ArrayLike, high: ArrayLike, mean: ArrayLike, sd: ArrayLike
) -> np.ndarray:
    """Normal(mean, sd) truncated to [low, high]; sd 0 gives `mean`, a zero-width interval `low`
    (the only value it holds). Clipped, so rounding never puts a draw outside [low, high]."""
    low, high, mean, sd = (np.asarray(x, dtype=float) for x in (low, high, mean, sd))
    spread = sd > 0
    scale = np.where(spread, sd, 1.0)
    z = standard_truncated_normal_ppf(u, (low - mean) / scale, (high - mean) / scale)
    draws = np.clip(mean + scale * z, low, high)
    varies = spread & (low < high)
    if varies.all():
        return draws
    return np.where(varies, draws, np.where(spread, low, mean))


def standard_truncated_normal_ppf(u: np.ndarray, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """The standard normal truncated to [a, b]: Φ⁻¹(Φ(a) + u (Φ(b) − Φ(a))), to within a few
    ulps of the draw, or of 1e-16 near 0 (unclipped: rounding may cross a bound by an ulp)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    z = _from_tail_areas(u, a, b)
    deep = np.broadcast_to(_near_tail_area(a, b) < _SMALLEST_AREA, z.shape)
    if deep.any():
        z[deep] = _deep_tail_ppf(*(np.broadcast_to(x, z.shape)[deep] for x in (u, a, b)))
    return z


_SMALLEST_AREA = 1e-280  # below this a tail area, or u times it, nears the subnormals and loses digits


def _from_tail_areas(u: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The inverse CDF as a sum of positive terms on the side of the median where the draw
    falls, so nothing cancels: below it Φ(x) = Φ(a) + u·mass, above it
    1 − Φ(x) = Φ(−b) + (1 − u)·mass. Each term is accurate to a few ulps, and Φ⁻¹ of a small
    area is accurate relative to the draw. (Φ(x) near 1 is held only to 1e-16 absolute, all
    there is of 1 − Φ(x) at x = 8: summing areas below x, scipy.stats loses those digits.)"""
    from scipy.special import ndtr, ndtri

    below_a, above_b = ndtr(a), ndtr(-b)
    mass = _mass(a, b, below_a, above_b)
    lower = below_a + u * mass
    upper = above_b + (1.0 - u) * mass
    use_lower = lower <= upper
    z = ndtri(np.where(use_lower, lower, upper))
    return np.where(use_lower, z, -z)


def _mass(a: np.ndarray, b: np.ndarray, below_a: np.ndarray, above_b: np.ndarray) -> np.ndarray:
    """Φ(b) − Φ(a) as a difference of the two small tail areas when [a, b] lies in one tail,
    so a narrow interval far out does not vanish in 1 − 1."""
    from scipy.special import ndtr

    in_lower_tail = ndtr(b) - below_a
    in_upper_tail = ndtr(-a) - above_b
    straddling = 1.0 - below_a - above_b
    return np.where(b <= 0, in_lower_tail, np.where(a >= 0, in_upper_tail, straddling))


def _near_tail_area(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For [a, b] in one tail, the area beyond its bound nearer the median: every area
    `_from_tail_areas` adds up is below it. 1 for an interval across the median."""
    from scipy.special import ndtr

    return np.where(b <= 0, ndtr(b), np.where(a >= 0, ndtr(-a), 1.0))


def _deep_tail_ppf(u: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The same inverse CDF in logarithms, for intervals many sds out in one tail (scipy's way).

    Reflected into the lower tail when above the median, the draw's area is
    log Φ(x) = logaddexp(log Φ(a), log u + log(Φ(b) − Φ(a)))."""
    from scipy.special import log_ndtr, ndtri_exp

    upper = a > 0
    lo, hi = np.where(upper, -b, a), np.where(upper, -a, b)
    with np.errstate(divide="ignore"):  # log 0 (u = 0, or a zero-width interval): -inf is the limit
        log_u = np.where(upper, np.log1p(-u), np.log(u))
        log_lo, log_hi = log_ndtr(lo), log_ndtr(hi)
        log_mass = log_hi + np.log(-np.expm1(log_lo - log_hi))
    z = ndtri_exp(np.logaddexp(log_lo, log_u + log_mass))
    return np.where(upper, -z, z)


def uniform_ppf(u: np.ndarray, low: ArrayLike, high: ArrayLike) -> np.ndarray:
    """Uniform on [low, high]."""
    return low + u * (np.asarray(high) - low)


def triangular_ppf(u: np.ndarray, low: ArrayLike, high: ArrayLike, mode: ArrayLike) -> np.ndarray:
    """Triangular on [low, high] peaking at `mode`; zero width gives `low`.

    Each side measured from its own end (low + w√(cu), high − w√((1−c)(1−u))), so draws near
    either end keep their digits."""
    low, high, mode = (np.asarray(x, dtype=float) for x in (low, high, mode))
    width = high - low
    peak = (mode - low) / np.where(width > 0, width, 1.0)
    rising = low + width * np.sqrt(peak * u)
    falling = high - width * np.sqrt((1.0 - peak) * (1.0 - u))
    return np.clip(np.where(u < peak, rising, falling), low, high)


def beta_ppf(u: np.ndarray, low: ArrayLike, high: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """Beta(a, b) stretched onto [low, high]."""
    from scipy.special import betaincinv

    return low + (np.asarray(high) - low) * betaincinv(a, b, u)


_SAMPLERS: dict[str, tuple[Callable[..., np.ndarray], tuple[str, ...]]] = {
    "normal": (truncated_normal_ppf, ("low", "high", "mean", "sd")),
    "uniform": (uniform_ppf, ("low", "high")),
    "triangular": (triangular_ppf, ("low", "high", "mode")),
    "beta": (beta_ppf, ("low", "high", "a", "b")),
}
