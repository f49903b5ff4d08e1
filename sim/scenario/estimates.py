"""Numbers with provenance: a point or a distribution, plus the evidence behind it.

Any number in a scenario may be a bare value, a value with provenance, or an explicit
distribution. Weaker provenance means a wider default spread (see docs/scenario-format.md):
the model samples that uncertainty instead of pretending to know the number.
"""

from __future__ import annotations

import math
import reprlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

Provenance = Literal["evidence", "inferred", "assumption", "none"]

# Default standard deviation of a value given without an explicit distribution, by how
# strong its provenance is. "unit" fields live on [0, 1]; "rate" fields scale with the value.
DEFAULT_SPREAD: dict[str, dict[Provenance, float]] = {
    "unit": {"evidence": 0.05, "inferred": 0.10, "assumption": 0.15, "none": 0.0},
    "rate": {"evidence": 0.15, "inferred": 0.30, "assumption": 0.45, "none": 0.0},
}


class Strict(BaseModel):
    # NaN and infinity are never meaningful inputs, and NaN passes every `<` check unnoticed.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


_SHAPE_KEYS = ("value", "mean", "sd", "low", "high", "mode", "a", "b", "spread")
_NEEDED: dict[str, tuple[str, ...]] = {
    "value": ("value",),
    "normal": ("mean", "sd"),
    "uniform": ("low", "high"),
    "beta": ("a", "b"),
    "triangular": ("low", "mode", "high"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {"value": ("spread",), "beta": ("low", "high")}


class Evidence(Strict):
    """A verbatim quote from a listed source."""

    source: str
    quote: str


class Estimate(Strict):
    """A parameter value: a point or a distribution, with where it comes from."""

    value: float | None = None
    dist: Literal["normal", "uniform", "beta", "triangular"] | None = None
    mean: float | None = None
    sd: float | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None
    a: float | None = None
    b: float | None = None
    spread: float | None = None
    evidence: Evidence | None = None
    inferred: str | None = None
    assumption: str | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Estimate:
        if (self.value is None) == (self.dist is None):
            raise PydanticCustomError(
                "estimate_shape",
                "give either `value:` or `dist:` (a distribution), not both or neither",
            )
        given = [k for k in ("evidence", "inferred", "assumption") if getattr(self, k) is not None]
        if len(given) > 1:
            raise PydanticCustomError(
                "estimate_provenance",
                "give one of evidence / inferred / assumption, not {given}",
                {"given": " and ".join(given)},
            )
        shape = self.dist or "value"
        needed = _NEEDED[shape]
        missing = [k for k in needed if getattr(self, k) is None]
        if missing:
            raise PydanticCustomError(
                "estimate_params",
                "a {dist} distribution needs {missing}",
                {"dist": self.dist, "missing": ", ".join(missing)},
            )
        unused = [
            k
            for k in _SHAPE_KEYS
            if getattr(self, k) is not None and k not in (*needed, *_OPTIONAL.get(shape, ()))
        ]
        if unused:
            by = f"by a {self.dist} distribution" if self.dist else "with `value:`"
            raise PydanticCustomError(
                "estimate_params",
                "{unused} is not used {by}",
                {"unused": ", ".join(f"`{k}`" for k in unused), "by": by},
            )
        if self.dist == "normal" and self.sd is not None and self.sd < 0:
            raise PydanticCustomError("estimate_params", "sd must be >= 0")
        if self.dist in ("uniform", "triangular") and self.low is not None and self.high is not None:
            if self.low > self.high:
                raise PydanticCustomError("estimate_params", "low must not exceed high")
            if self.mode is not None and not self.low <= self.mode <= self.high:
                raise PydanticCustomError("estimate_params", "mode must lie between low and high")
        if self.dist == "beta" and ((self.a or 0) <= 0 or (self.b or 0) <= 0):
            raise PydanticCustomError("estimate_params", "beta needs a > 0 and b > 0")
        if self.spread is not None and self.spread < 0:
            raise PydanticCustomError("estimate_params", "spread must be >= 0")
        return self

    @property
    def provenance(self) -> Provenance:
        for kind in ("evidence", "inferred", "assumption"):
            if getattr(self, kind) is not None:
                return kind  # type: ignore[return-value]
        return "none"

    @property
    def reason(self) -> str:
        if self.evidence is not None:
            return f'{self.evidence.source}: "{self.evidence.quote}"'
        return self.inferred or self.assumption or ""

    def center(self) -> float:
        """The value a reader would quote: the point, or the distribution's middle."""
        if self.value is not None:
            return self.value
        if self.dist == "normal":
            return float(self.mean)  # type: ignore[arg-type]
        if self.dist == "triangular":
            return float(self.mode)  # type: ignore[arg-type]
        if self.dist == "beta":
            mean01 = self.a / (self.a + self.b)  # type: ignore[operator]
            return (self.low or 0.0) + mean01 * (
                (self.high if self.high is not None else 1.0) - (self.low or 0.0)
            )
        return (self.low + self.high) / 2  # type: ignore[operator]


def _coerce_estimate(raw: Any) -> Any:
    if isinstance(raw, bool):
        raise PydanticCustomError(
            "number_expected", "expected a number or a distribution, got {got}", {"got": repr(raw)}
        )
    if isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # an integer beyond float range
            value = math.inf
        if not math.isfinite(value):
            raise PydanticCustomError(
                "number_expected", "expected a finite number, got {got}", {"got": short_repr(raw)}
            )
        return {"value": value}
    if isinstance(raw, dict):
        return raw
    raise PydanticCustomError(
        "number_expected", "expected a number or a distribution, got {got}", {"got": short_repr(raw)}
    )


def short_repr(value: Any) -> str:
    """A repr short enough for an error message, whatever the value's size."""
    return _SHORT.repr(value)


_SHORT = reprlib.Repr(maxstring=60, maxlong=40, maxother=60, maxlist=6, maxtuple=6, maxdict=4, maxlevel=2)


EstimateField = Annotated[Estimate, BeforeValidator(_coerce_estimate)]


@dataclass(frozen=True)
class Bounds:
    """The valid range of a parameter and how its default spread scales."""

    low: float
    high: float
    kind: Literal["unit", "rate"]

    def describe(self) -> str:
        high = "∞" if np.isinf(self.high) else f"{self.high:g}"
        return f"[{self.low:g}, {high}]"


UNIT = Bounds(0.0, 1.0, "unit")
RATE = Bounds(0.0, np.inf, "rate")


def check_in_bounds(estimate: Estimate, bounds: Bounds) -> str | None:
    """Return what is wrong if the estimate can produce values outside `bounds`."""

    def outside(x: float | None) -> bool:
        return x is not None and not bounds.low <= x <= bounds.high

    if estimate.value is not None and outside(estimate.value):
        return f"expected a number in {bounds.describe()}, got {estimate.value:g}"
    if estimate.dist == "normal" and outside(estimate.mean):
        return f"mean must lie in {bounds.describe()}, got {estimate.mean:g}"
    if estimate.dist in ("uniform", "triangular", "beta") and (
        outside(estimate.low) or outside(estimate.high)
    ):
        return f"the distribution's support must lie in {bounds.describe()}"
    return None


def sample(estimate: Estimate, bounds: Bounds, uniforms: np.ndarray) -> np.ndarray:
    """Map uniforms in (0, 1) to draws from the estimate by the inverse CDF.

    Inverse-CDF sampling gives every parameter exactly one uniform per replication, so
    mediation paths compared on the same replication share their random draws.
    """
    from scipy import stats  # here, not at the top: it doubles the start-up time of every worker

    if estimate.dist is None:
        assert estimate.value is not None
        sd = estimate.spread
        if sd is None:
            sd = DEFAULT_SPREAD[bounds.kind][estimate.provenance]
            if bounds.kind == "rate":
                sd *= abs(estimate.value)
        return _truncated_normal(estimate.value, sd, bounds, uniforms)
    if estimate.dist == "normal":
        return _truncated_normal(estimate.mean, estimate.sd, bounds, uniforms)  # type: ignore[arg-type]
    if estimate.dist == "uniform":
        return estimate.low + uniforms * (estimate.high - estimate.low)  # type: ignore[operator]
    if estimate.dist == "triangular":
        low, mode, high = estimate.low, estimate.mode, estimate.high
        if high == low:  # type: ignore[operator]
            return np.full_like(uniforms, low)
        c = (mode - low) / (high - low)  # type: ignore[operator]
        return stats.triang.ppf(uniforms, c, loc=low, scale=high - low)  # type: ignore[operator]
    low = estimate.low if estimate.low is not None else 0.0
    high = estimate.high if estimate.high is not None else 1.0
    return low + (high - low) * stats.beta.ppf(uniforms, estimate.a, estimate.b)


def _truncated_normal(mean: float, sd: float, bounds: Bounds, uniforms: np.ndarray) -> np.ndarray:
    from scipy import stats

    if sd == 0:
        return np.full_like(uniforms, mean, dtype=float)
    a = (bounds.low - mean) / sd
    b = (bounds.high - mean) / sd
    return stats.truncnorm.ppf(uniforms, a, b, loc=mean, scale=sd)
