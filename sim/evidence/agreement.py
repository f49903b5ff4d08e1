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

WIDE_ON_A_SCALE = 0.2  # coders more than this far apart on a 0..1 (or issue) scale disagree widely
# Amounts judged in proportion (a cost of war, a leverage in months of war) disagree widely when
# one coder's is more than half as large again as another's: 24 against 36 months of war.
WIDE_RATIO = 1.5
TOLERANCE = 1e-9  # 0.8 − 0.6 is 0.2000000000000001 in floating point


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


def disagrees_widely(values: Sequence[float], proportional: bool) -> bool:
    """Whether coders' values for one number are far apart (WIDE_ON_A_SCALE, WIDE_RATIO)."""
    low, high = min(values), max(values)
    if proportional:
        return high > WIDE_RATIO * low + TOLERANCE
    return high - low > WIDE_ON_A_SCALE + TOLERANCE


Coded = tuple[tuple[str, float], ...]  # (coder, value) pairs for one number


def agreement_by_parameter(numbers: Sequence[tuple[str, str, Coded]]) -> list[Agreement]:
    """Alpha for each kind of parameter from (parameter, number's label, its codings) rows, in the
    order parameters first appear; only numbers with two or more coders count."""
    grouped: dict[str, list[tuple[str, Coded]]] = {}
    for parameter, label, coded in numbers:
        if len(coded) >= 2:
            grouped.setdefault(parameter, []).append((label, coded))
    result = []
    for parameter, rows in grouped.items():
        units = [[value for _, value in coded] for _, coded in rows]
        widest = max(rows, key=lambda row: _gap([value for _, value in row[1]]))
        result.append(Agreement(parameter, len(rows), interval_alpha(units), widest))
    return result


def _gap(values: list[float]) -> float:
    return max(values) - min(values)
