"""Agreement between coders: Krippendorff's alpha (interval metric) per kind of parameter.

Written out here because the maintained Python implementations are GPL-licensed (`krippendorff`,
`pingouin`) or pin old SciPy (`irrCAC`). The formula is Krippendorff (2011), "Computing
Krippendorff's Alpha-Reliability", section C: with `n` pairable values (in units coded by two or
more coders) and `m_u` values in unit `u`,

    D_o = 1/n · Σ_u 1/(m_u − 1) · Σ_{i≠j in u} (v_i − v_j)²
    D_e = 1/(n(n − 1)) · Σ_{i≠j over all pairable values} (v_i − v_j)²
    α   = 1 − D_o / D_e

`tests/test_agreement.py` reproduces the paper's worked example (α = 0.849, interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

WIDE_ON_A_SCALE = 0.2  # coders this far apart on a 0..1 (or issue) scale disagree widely
WIDE_RATE_RATIO = 2.0  # rates (cost of war) disagree widely when one coder's is twice another's


def interval_alpha(units: Sequence[Sequence[float]]) -> float:
    """Krippendorff's alpha, interval metric, for units each holding its coders' values (missing
    values left out). NaN when fewer than two units are pairable or every value is equal."""
    pairable = [np.asarray(values, dtype=float) for values in units if len(values) >= 2]
    if len(pairable) < 2:
        return float("nan")
    every = np.concatenate(pairable)
    n = every.size
    observed = sum(_squared_differences(values) / (values.size - 1) for values in pairable) / n
    expected = _squared_differences(every) / (n * (n - 1))
    return float("nan") if expected == 0 else float(1 - observed / expected)


def _squared_differences(values: np.ndarray) -> float:
    """Σ over ordered pairs i ≠ j of (v_i − v_j)², in O(n): 2n·Σv² − 2(Σv)²."""
    return float(2 * values.size * np.sum(values**2) - 2 * np.sum(values) ** 2)


@dataclass(frozen=True)
class Agreement:
    """How far the coders agree on one kind of parameter."""

    parameter: str
    units: int  # numbers coded by two or more coders
    alpha: float
    widest: tuple[str, tuple[tuple[str, float], ...]] | None  # the number they differ most on


def disagrees_widely(values: Sequence[float], rate: bool) -> bool:
    """Whether coders' values for one number are far apart (WIDE_ON_A_SCALE, WIDE_RATE_RATIO)."""
    low, high = min(values), max(values)
    if rate:
        return high > WIDE_RATE_RATIO * low if low > 0 else high > 0
    return high - low > WIDE_ON_A_SCALE


def spread_of(values: Sequence[float], rate: bool) -> float:
    """How far apart the values are, as `disagrees_widely` measures it (a ratio for rates)."""
    low, high = min(values), max(values)
    if rate:
        return high / low if low > 0 else float("inf") if high > 0 else 1.0
    return high - low


Coded = tuple[tuple[str, float], ...]  # (coder, value) pairs for one number


def agreement_by_parameter(numbers: Sequence[tuple[str, str, Coded, bool]]) -> list[Agreement]:
    """Alpha for each kind of parameter from (parameter, number's label, its codings, is a rate)
    rows, in the order parameters first appear; only numbers with two or more coders count.
    Rates are compared on a log scale, where 'twice as high' is the same step at any size."""
    grouped: dict[str, list[tuple[str, Coded, bool]]] = {}
    for parameter, label, coded, rate in numbers:
        if len(coded) >= 2:
            grouped.setdefault(parameter, []).append((label, coded, rate))
    result = []
    for parameter, rows in grouped.items():
        units = [[_scaled(v, rate) for _, v in coded] for _, coded, rate in rows]
        label, coded, _ = max(rows, key=lambda row: _gap([_scaled(v, row[2]) for _, v in row[1]]))
        result.append(Agreement(parameter, len(rows), interval_alpha(units), (label, coded)))
    return result


def _scaled(value: float, rate: bool) -> float:
    return float(np.log(max(value, 1e-9))) if rate else value


def _gap(values: list[float]) -> float:
    return max(values) - min(values)
