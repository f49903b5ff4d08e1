"""Numbers with provenance: a point or a distribution, plus the evidence behind it.

Any number in a scenario may be a bare value, a value with provenance, or an explicit
distribution. Weaker provenance means a wider default spread (see docs/scenario-format.md):
the model samples that uncertainty instead of pretending to know the number.
"""

from __future__ import annotations

import math
import re
import reprlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from sim.scenario.distribution import Distribution, interval

Provenance = Literal["evidence", "data", "inferred", "assumption", "none"]
PROVENANCES = ("evidence", "data", "inferred", "assumption")  # the keys that say where a number is from

# Default standard deviation of a value given without an explicit distribution, by how
# strong its provenance is. "unit" fields live on [0, 1]; "rate" fields scale with the value.
DEFAULT_SPREAD: dict[str, dict[Provenance, float]] = {
    "unit": {"evidence": 0.05, "data": 0.05, "inferred": 0.10, "assumption": 0.15, "none": 0.0},
    "rate": {"evidence": 0.15, "data": 0.15, "inferred": 0.30, "assumption": 0.45, "none": 0.0},
}


_EXPONENT = re.compile(r"(?P<sign>[-+]?)(?P<mantissa>[0-9]+\.?[0-9]*|\.[0-9]+)[eE](?P<exponent>[-+]?[0-9]+)")


def number_hint(text: str, whole: bool = False) -> str | None:
    """A hint for text found where a number belongs, when the text looks like a number: YAML 1.1
    reads `1e308` (no point, no sign in the exponent) and `0o17` as text, and a quoted number is
    text too. None when the text is no number at all (`high`)."""
    stripped = text.strip()
    if len(stripped) > 60 or not stripped.isascii():
        return None
    exponent = _EXPONENT.fullmatch(stripped)
    if exponent:
        mantissa = exponent["mantissa"]
        mantissa = f"0{mantissa}" if mantissa.startswith(".") else mantissa
        mantissa = mantissa if "." in mantissa else f"{mantissa}.0"
        power = exponent["exponent"]
        power = power if power[0] in "+-" else f"+{power}"
        value = float(stripped)
        if whole and value.is_integer() and abs(value) < 1e18:
            written = str(int(value))
        else:
            written = f"{exponent['sign']}{mantissa}e{power}"
        return (
            f"a number was probably meant, but YAML 1.1 reads `{stripped}` as text (an exponent needs "
            f"a point before it and a sign): write {written}"
        )
    try:
        value = int(stripped.replace("_", ""), 0) if stripped[:2].lower() in ("0o", "0x", "0b") else None
    except ValueError:
        value = None
    if value is not None:
        return f"write numbers in plain decimal: `{stripped}` is {value}"
    try:
        number = float(stripped)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    if re.fullmatch(r"[-+]?0[0-9]+", stripped):  # YAML 1.1 reads 017 as octal 15, and 08 as text
        return f"write whole numbers without leading zeros: {int(stripped)}"
    if "_" in stripped:
        return f"write numbers in plain decimal, without `_` separators: {stripped.replace('_', '')}"
    return f"a number was probably meant: write it without quotes, as {stripped}"


BOOL_NOT_NUMBER = (
    "YAML reads true, false, yes, no, on and off as true or false, never as numbers: write a number"
)


def _number(raw: Any) -> Any:
    """A number as a reader means it: never true/false (YAML's `yes`, `on`), never text."""
    if isinstance(raw, bool):
        raise PydanticCustomError(
            "number_expected", "expected a number, got {got}", {"got": repr(raw), "hint": BOOL_NOT_NUMBER}
        )
    if isinstance(raw, str):
        raise _text_for_number(raw, "expected a number, got {got}", whole=False)
    return raw


def _whole(raw: Any) -> Any:
    """A whole number as a reader means it: never true/false, never text."""
    if isinstance(raw, bool):
        raise PydanticCustomError(
            "number_expected",
            "expected a whole number, got {got}",
            {"got": repr(raw), "hint": BOOL_NOT_NUMBER},
        )
    if isinstance(raw, str):
        raise _text_for_number(raw, "expected a whole number, got {got}", whole=True)
    return raw


def _switch(raw: Any) -> Any:
    """A switch: true or false, never a number (`1`) or text (`'yes'`)."""
    if not isinstance(raw, bool):
        raise PydanticCustomError(
            "bool_expected",
            "expected true or false, got {got}",
            {"got": short_repr(raw), "hint": "write true or false, without quotes"},
        )
    return raw


def _text_for_number(raw: str, template: str, whole: bool) -> PydanticCustomError:
    context: dict[str, Any] = {"got": short_repr(raw)}
    found = number_hint(raw, whole)
    if found:
        context["hint"] = found
    return PydanticCustomError("number_expected", template, context)


Number = Annotated[float, BeforeValidator(_number)]
Whole = Annotated[int, BeforeValidator(_whole)]
Switch = Annotated[bool, BeforeValidator(_switch)]


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
    """A verbatim quote from a listed source, and what it states: the anchor of the issue's scale
    (a number, docs/codebook.md) or the fact the parameter measures (words)."""

    source: str
    quote: str
    anchor: Number | str | None = None

    def anchor_text(self, anchors: dict[float, str] | None) -> str | None:
        """The anchor as a reader wants it: a number with its definition when the issue has one."""
        if self.anchor is None or isinstance(self.anchor, str):
            return self.anchor
        meaning = (anchors or {}).get(float(self.anchor))
        return f"{self.anchor:g}: {meaning}" if meaning else f"{self.anchor:g}"


class DataCell(Strict):
    """A value read from a listed data source (a coded data set, not prose): where it is."""

    source: str
    row: Whole | None = Field(default=None, ge=1)  # line of the file, counting the header as 1
    column: str | None = None
    note: str | None = None  # how the cell became this number, e.g. "80 of 100, divided by 100"

    def describe(self) -> str:
        place = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        text = f"{self.source}" + (f" {place}" if place else "")
        return f"{text} ({self.note})" if self.note else text


def default_sd(provenance: Provenance, value: float | None, bounds: Bounds) -> float:
    """The standard deviation a bare value gets from its provenance (DEFAULT_SPREAD): a share of
    the parameter's range, or for a rate a share of the value itself."""
    sd = DEFAULT_SPREAD[bounds.kind][provenance]
    if bounds.kind == "rate":
        return sd * abs(value or 0.0)
    return sd * (bounds.high - bounds.low)  # a position on a scale of its own: the same share


class Based(Strict):
    """Where a number comes from: one of evidence / data / inferred / assumption. An inference
    may keep the quote it starts from as `context` (a quote that relates to the number without
    stating it, docs/codebook.md)."""

    evidence: Evidence | None = None
    data: DataCell | None = None
    inferred: str | None = None
    assumption: str | None = None
    context: Evidence | None = None

    @model_validator(mode="after")
    def _check_basis(self) -> Based:
        given = [k for k in PROVENANCES if getattr(self, k) is not None]
        if len(given) > 1:
            raise PydanticCustomError(
                "estimate_provenance",
                "give one of evidence / data / inferred / assumption, not {given}",
                {"given": " and ".join(given)},
            )
        if self.context is not None and self.provenance not in ("inferred", "assumption"):
            raise PydanticCustomError(
                "estimate_provenance",
                "`context:` is the quote an inference starts from; it goes with `inferred:` or `assumption:`",
                {"hint": "a quote that states the number is `evidence:`; one that relates to it is context"},
            )
        return self

    @property
    def provenance(self) -> Provenance:
        for kind in PROVENANCES:
            if getattr(self, kind) is not None:
                return kind  # type: ignore[return-value]
        return "none"

    @property
    def quotes(self) -> list[tuple[str, Evidence]]:
        """Every quote this basis cites, by the key that holds it (`evidence` or `context`)."""
        return [
            (key, quoted) for key in ("evidence", "context") if (quoted := getattr(self, key)) is not None
        ]


class Coding(Based):
    """Another coder's value for the same number, with that coder's own basis."""

    value: Number


def _coerce_coding(raw: Any) -> Any:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return {"value": raw}
    return raw


CodingField = Annotated[Coding, BeforeValidator(_coerce_coding)]


class Estimate(Based):
    """A parameter value: a point or a distribution, with where it comes from, and the values
    other coders gave it (`codings:`, by coder id), which widen its spread."""

    value: Number | None = None
    dist: Literal["normal", "uniform", "beta", "triangular"] | None = None
    mean: Number | None = None
    sd: Number | None = None
    low: Number | None = None
    high: Number | None = None
    mode: Number | None = None
    a: Number | None = None
    b: Number | None = None
    spread: Number | None = None
    codings: dict[str, CodingField] | None = None

    @model_validator(mode="after")
    def _check_shape(self) -> Estimate:
        if (self.value is None) == (self.dist is None):
            raise PydanticCustomError(
                "estimate_shape",
                "give either `value:` or `dist:` (a distribution), not both or neither",
            )
        if self.codings is not None and self.value is None:
            raise PydanticCustomError(
                "estimate_shape",
                "`codings:` pools coders' values, so the number needs `value:`, not a distribution",
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
    def reason(self) -> str:
        """The basis in one line: the quote and the anchor it supports, the data cell, or the
        reason (with the quote an inference starts from)."""
        if self.evidence is not None:
            said = f'{self.evidence.source}: "{self.evidence.quote}"'
            anchor = self.evidence.anchor
            if anchor is None:
                return said
            return f"{said} → anchor {anchor:g}" if isinstance(anchor, float) else f"{said} → {anchor}"
        if self.data is not None:
            return self.data.describe()
        reason = self.inferred or self.assumption or ""
        if self.context is not None:
            reason += f' (context, {self.context.source}: "{self.context.quote}")'
        return reason

    def center(self) -> float:
        """The value a reader would quote: the point (the coders' mean when several coded it),
        or the distribution's middle."""
        if self.value is not None:
            return float(np.mean(self.coded_values()))
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

    def coded_values(self) -> list[float]:
        """The value written, then each other coder's."""
        assert self.value is not None
        return [self.value, *(coding.value for coding in (self.codings or {}).values())]

    def spread_sd(self, bounds: Bounds) -> float:
        """The standard deviation of a bare `value:`: its `spread`, else the default for its
        provenance, which for a rate scales with the value. With other coders' values, that of
        an equal mixture of every coder's distribution: the mean of their variances plus the
        variance of their values, so disagreement widens it."""
        own = self.spread if self.spread is not None else default_sd(self.provenance, self.value, bounds)
        if not self.codings:
            return own
        values = np.array(self.coded_values())
        sds = [own, *(default_sd(c.provenance, c.value, bounds) for c in self.codings.values())]
        return float(np.sqrt(np.mean(np.square(sds)) + values.var()))

    def distribution(self, bounds: Bounds) -> Distribution:
        """How the number varies across replications, within the parameter's `bounds`."""
        if self.dist is None:
            return Distribution(
                "normal", bounds.low, bounds.high, mean=self.center(), sd=self.spread_sd(bounds)
            )
        if self.dist == "normal":
            return Distribution("normal", bounds.low, bounds.high, mean=self.mean, sd=self.sd)  # type: ignore[arg-type]
        if self.dist == "beta":
            low = self.low if self.low is not None else 0.0
            high = self.high if self.high is not None else 1.0
            return Distribution("beta", low, high, a=self.a, b=self.b)  # type: ignore[arg-type]
        mode = self.mode if self.mode is not None else 0.0
        return Distribution(self.dist, self.low, self.high, mode=mode)  # type: ignore[arg-type]


def _coerce_estimate(raw: Any) -> Any:
    if isinstance(raw, bool):
        raise PydanticCustomError(
            "number_expected",
            "expected a number or a distribution, got {got}",
            {"got": repr(raw), "hint": BOOL_NOT_NUMBER},
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
    if isinstance(raw, str):
        raise _text_for_number(raw, "expected a number or a distribution, got {got}", whole=False)
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
        return interval(self.low, self.high)


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
