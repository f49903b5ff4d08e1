"""PRIM (Friedman & Fisher 1999): a box of parameter values where the outcome of interest is common.

Scenario discovery asks "under which parameter values does this path converge?". PRIM answers with
one interval per parameter, which reads as a sentence, and shows the trade-off between how pure the
box is (density) and how much of the outcome it captures (coverage) along the way.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

LOW, HIGH = 0, 1  # the two ends of a column's limits, as indices into a (columns, 2) array
EPS = 1e-12  # slack for comparing shares computed by float division
SIGNIFICANCE = 0.05  # a restriction whose quasi-p-value is at least this is lifted (see _release)


@dataclass(frozen=True)
class Box:
    """An axis-aligned region of parameter space and how the outcome behaves inside it."""

    limits: dict[str, tuple[float, float]]  # every column of X: (low, high), inclusive
    coverage: float  # share of all cases of interest (y True) that lie in the box
    density: float  # share of cases in the box that are of interest
    mass: float  # share of all cases that lie in the box
    restricted: tuple[str, ...]  # columns whose limits are narrower than the data range
    # restricted column -> (low side cut, high side cut); lets the box be described on its own
    # without the data ranges. Boxes built by hand without it are described two-sided.
    cut_sides: dict[str, tuple[bool, bool]] = field(default_factory=dict)


@dataclass(frozen=True)
class PrimResult:
    """The whole peeling trajectory is kept so readers can see what a purer box would cost."""

    peeling: list[Box]  # from the whole space (step 0) to the last box
    chosen: int  # index into `peeling` of the box picked by the selection rule
    box: Box  # the chosen box after pasting (the chosen box itself when pasting is off)
    data_ranges: dict[str, tuple[float, float]]


def check_cases(X: pd.DataFrame, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Validate parameter values and outcomes; return them as a float matrix and a bool vector.

    Fails loudly, because a NaN or a misaligned y would silently produce a meaningless box.
    """
    if not isinstance(X, pd.DataFrame):
        raise ValueError(f"X must be a pandas DataFrame, got {type(X).__name__}")
    if X.shape[1] == 0:
        raise ValueError("X has no columns: there are no parameters to restrict")
    if len(X) == 0:
        raise ValueError("X has no rows: there are no cases to analyse")
    if X.columns.has_duplicates:
        raise ValueError(f"X has duplicate column names: {sorted(set(X.columns[X.columns.duplicated()]))}")
    not_numeric = [str(c) for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if not_numeric:
        raise ValueError(f"X columns must be numeric; not numeric: {not_numeric}")
    values = X.to_numpy(dtype=float)
    bad = [str(c) for c, ok in zip(X.columns, np.isfinite(values).all(axis=0), strict=True) if not ok]
    if bad:
        raise ValueError(f"X contains NaN or infinite values in column(s) {bad}")
    outcome = np.asarray(y)
    if outcome.ndim != 1:
        raise ValueError(f"y must be one-dimensional, got shape {outcome.shape}")
    if outcome.shape[0] != values.shape[0]:
        raise ValueError(f"X has {values.shape[0]} rows but y has {outcome.shape[0]} values")
    return values, _as_bool(outcome)


def _as_bool(outcome: np.ndarray) -> np.ndarray:
    if outcome.dtype != bool:
        if not np.issubdtype(outcome.dtype, np.number):
            raise ValueError(f"y must be boolean (True = case of interest), got dtype {outcome.dtype}")
        if np.isnan(outcome.astype(float)).any():
            raise ValueError("y contains NaN")
        if not np.isin(outcome, (0, 1)).all():
            raise ValueError("y must be boolean or 0/1 (True = case of interest)")
        outcome = outcome.astype(bool)
    if not outcome.any():
        raise ValueError("y has no True values: there is no case of interest to find a box for")
    return outcome


def _check_settings(alpha: float, min_mass: float, min_coverage: float) -> None:
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must lie in (0, 0.5), got {alpha}")
    if not 0 < min_mass <= 1:
        raise ValueError(f"min_mass must lie in (0, 1], got {min_mass}")
    if not 0 <= min_coverage <= 1:
        raise ValueError(f"min_coverage must lie in [0, 1], got {min_coverage}")


def prim(
    X: pd.DataFrame,
    y: np.ndarray,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
    paste: bool = True,
    release: float = 0.02,
) -> PrimResult:
    """Peel a box down from the whole space, pick one box on the trajectory, then paste it outwards.

    Peeling: each step removes the lowest or highest `alpha` share of the points in the box along
    one column, whichever leaves the densest box (ties: fewer points removed, then column order,
    low side before high). It stops when the box is pure, when no peel removes points, or when
    every peel would leave less than `min_mass` of all cases.

    Selection rule: the densest box on the trajectory whose coverage is at least `min_coverage`
    (ties: the larger coverage, i.e. the earlier step). Step 0, the whole space, has coverage 1,
    so there is always a candidate. Peeling is greedy and overshoots; the coverage floor keeps
    the chosen box about the bulk of the outcome rather than a small lucky corner.

    Pasting: from the chosen box, repeatedly widen the one limit whose extension (by the `alpha`
    share of the box's mass, nearest points first) raises density the most; stop when none does.

    Release: peeling also trims columns that barely matter. Restrictions are lifted one at a
    time while lifting one lowers density by less than `release` (a share: 0.02 is two
    percentage points; 0 turns release off) or the restriction is not significant (its
    quasi-p-value, as in the EMA Workbench, is 0.05 or more). The box left names only the
    conditions that carry weight.
    """
    values, hits = check_cases(X, y)
    _check_settings(alpha, min_mass, min_coverage)
    columns = tuple(str(c) for c in X.columns)
    data = np.column_stack([values.min(axis=0), values.max(axis=0)])
    steps = _peel(values, hits, data, alpha, min_mass)
    peeling = [_box(values, hits, limits, data, columns) for limits in steps]
    chosen = _select(peeling, min_coverage)
    final = _paste(values, hits, steps[chosen], alpha) if paste else steps[chosen]
    final = _release(values, hits, final, data, release)
    return PrimResult(
        peeling=peeling,
        chosen=chosen,
        box=_box(values, hits, final, data, columns),
        data_ranges={c: (float(lo), float(hi)) for c, (lo, hi) in zip(columns, data, strict=True)},
    )


def _inside(values: np.ndarray, limits: np.ndarray) -> np.ndarray:
    return ((values >= limits[:, LOW]) & (values <= limits[:, HIGH])).all(axis=1)


def _share(alpha: float, total: int) -> int:
    """How many points `alpha` of `total` is: at least one, and 0.05 * 100 is 5, not 6."""
    return max(1, math.ceil(alpha * total - 1e-9))


def _peel(
    values: np.ndarray, hits: np.ndarray, limits: np.ndarray, alpha: float, min_mass: float
) -> list[np.ndarray]:
    """The limits of every box on the peeling trajectory, the whole space first."""
    n = values.shape[0]
    min_count = min_mass * n - 1e-9
    steps = [limits.copy()]
    inside = np.ones(n, dtype=bool)
    while not hits[inside].all():
        peel = _best_peel(values[inside], hits[inside], alpha, min_count)
        if peel is None:
            break
        column, side, threshold = peel
        limits = limits.copy()
        limits[column, side] = threshold
        inside &= values[:, column] >= threshold if side == LOW else values[:, column] <= threshold
        steps.append(limits)
    return steps


def _best_peel(
    values: np.ndarray, hits: np.ndarray, alpha: float, min_count: float
) -> tuple[int, int, float] | None:
    """(column, side, new limit) of the peel leaving the densest box, or None if none is allowed."""
    count = values.shape[0]
    k = _share(alpha, count)
    best, best_key = None, (-1.0, 0)
    for column in range(values.shape[1]):
        v = values[:, column]
        ordered = np.sort(v)
        for side in (LOW, HIGH):
            threshold = _peel_threshold(ordered, k, side)
            if threshold is None:
                continue
            keep = v >= threshold if side == LOW else v <= threshold
            kept = int(keep.sum())
            if kept < min_count:
                continue
            key = (int(hits[keep].sum()) / kept, kept)  # densest, then fewest removed
            if key > best_key:  # strict: on a full tie the earlier column and side win
                best, best_key = (column, side, float(threshold)), key
    return best


def _peel_threshold(ordered: np.ndarray, k: int, side: int) -> float | None:
    """New limit that removes about k points from one end of sorted values, None if none can go.

    Points strictly beyond the k-th value go (`x < q` or `x > q`), so tied values are removed
    together or kept together. If that removes nothing because the end value is tied up to the
    k-th point, the whole tied group at the end goes instead.
    """
    m = ordered.size
    if side == LOW:
        end, threshold = ordered[0], ordered[min(k, m - 1)]
        if threshold == end:
            later = ordered[ordered > end]
            return float(later[0]) if later.size else None
        return float(threshold)
    end, threshold = ordered[-1], ordered[max(m - 1 - k, 0)]
    if threshold == end:
        earlier = ordered[ordered < end]
        return float(earlier[-1]) if earlier.size else None
    return float(threshold)


def _select(peeling: list[Box], min_coverage: float) -> int:
    eligible = [i for i, box in enumerate(peeling) if box.coverage >= min_coverage - EPS]
    return max(eligible, key=lambda i: (peeling[i].density, peeling[i].coverage, -i))


def _paste(values: np.ndarray, hits: np.ndarray, limits: np.ndarray, alpha: float) -> np.ndarray:
    """Widen limits one at a time while that raises density; a density-lowering paste is never taken."""
    limits = limits.copy()
    while True:
        within = (values >= limits[:, LOW]) & (values <= limits[:, HIGH])
        inside = within.all(axis=1)
        count, positives = int(inside.sum()), int(hits[inside].sum())
        density = positives / count
        k = _share(alpha, count)
        best, best_key = None, (density, -math.inf)
        for column in range(values.shape[1]):
            others = np.delete(within, column, axis=1).all(axis=1)
            for side in (LOW, HIGH):
                added, threshold = _paste_candidates(values[:, column], others, limits[column], side, k)
                if threshold is None:
                    continue
                n_added = int(added.sum())
                key = ((positives + int(hits[added].sum())) / (count + n_added), -n_added)
                if key[0] > density + EPS and key > best_key:
                    best, best_key = (column, side, threshold), key
        if best is None:
            return limits
        column, side, threshold = best
        limits[column, side] = threshold


def _release(
    values: np.ndarray, hits: np.ndarray, limits: np.ndarray, data: np.ndarray, tolerance: float
) -> np.ndarray:
    """Lift restrictions, weakest first, while one is cheap (costs less than `tolerance` of
    density) or not significant (quasi-p >= SIGNIFICANCE: a box this dense is not unlikely when
    drawing its cases from the box without the restriction)."""
    from scipy import stats

    limits = limits.copy()
    if tolerance <= 0:
        return limits

    def count(bounds: np.ndarray) -> tuple[int, int]:
        inside = _inside(values, bounds)
        return int(inside.sum()), int(hits[inside].sum())

    while True:
        n, k = count(limits)
        candidates = []
        for column in (c for c in range(len(limits)) if not np.array_equal(limits[c], data[c])):
            trial = limits.copy()
            trial[column] = data[column]
            wider_n, wider_k = count(trial)
            quasi_p = float(stats.binom.sf(k - 1, n, wider_k / wider_n))
            candidates.append((k / n - wider_k / wider_n, quasi_p, column))
        weak = [c for c in candidates if c[0] < tolerance or c[1] >= SIGNIFICANCE]
        if not weak:
            return limits
        column = max(weak, key=lambda c: (c[1], -c[0]))[2]  # least significant first
        limits[column] = data[column]


def _paste_candidates(
    v: np.ndarray, others: np.ndarray, limit: np.ndarray, side: int, k: int
) -> tuple[np.ndarray, float | None]:
    """Points that widening one limit to take in the k nearest outside points would add, and the new limit.

    Only points already within every other column's limits count, so the result is still a box;
    points tied with the k-th nearest come in with it.
    """
    outside = others & (v < limit[LOW] if side == LOW else v > limit[HIGH])
    beyond = np.sort(v[outside])
    if beyond.size == 0:
        return outside, None
    take = min(k, beyond.size)
    if side == LOW:
        threshold = float(beyond[-take])
        return outside & (v >= threshold), threshold
    threshold = float(beyond[take - 1])
    return outside & (v <= threshold), threshold


def _box(
    values: np.ndarray, hits: np.ndarray, limits: np.ndarray, data: np.ndarray, columns: tuple[str, ...]
) -> Box:
    inside = _inside(values, limits)
    count, positives = int(inside.sum()), int(hits[inside].sum())
    cut = limits[:, LOW] > data[:, LOW], limits[:, HIGH] < data[:, HIGH]
    narrower = cut[LOW] | cut[HIGH]
    return Box(
        limits={c: (float(lo), float(hi)) for c, (lo, hi) in zip(columns, limits, strict=True)},
        coverage=positives / int(hits.sum()),
        density=positives / count,
        mass=count / values.shape[0],
        restricted=tuple(c for c, narrow in zip(columns, narrower, strict=True) if narrow),
        cut_sides={
            c: (bool(lo), bool(hi))
            for c, lo, hi, narrow in zip(columns, *cut, narrower, strict=True)
            if narrow
        },
    )


def trajectory_frame(result: PrimResult) -> pd.DataFrame:
    """One row per peeling step, with every box's limits, for tables and for plotting."""
    rows = []
    for step, box in enumerate(result.peeling):
        row: dict[str, object] = {
            "step": step,
            "coverage": box.coverage,
            "density": box.density,
            "mass": box.mass,
            "n_restricted": len(box.restricted),
            "chosen": step == result.chosen,
        }
        row |= {f"low.{c}": lo for c, (lo, _) in box.limits.items()}
        row |= {f"high.{c}": hi for c, (_, hi) in box.limits.items()}
        rows.append(row)
    return pd.DataFrame(rows)


def saved_result(
    trajectory: pd.DataFrame,
    columns: list[str],
    box_limits: dict[str, tuple[float, float]],
    box_stats: tuple[float, float, float],
) -> PrimResult:
    """The PrimResult a result folder keeps, rebuilt for its plots: the peeling trajectory of
    one path (`trajectory_frame`'s rows, over the parameters `columns`) and the chosen box after
    pasting, as its restricted columns' limits and its (coverage, density, mass)."""
    rows = trajectory.sort_values("step", kind="stable").reset_index(drop=True)
    limits = [
        {c: (float(row[f"low.{c}"]), float(row[f"high.{c}"])) for c in columns} for _, row in rows.iterrows()
    ]
    data = limits[0]  # step 0 is the whole space: the data ranges
    peeling = [
        _saved_box(step, data, float(row["coverage"]), float(row["density"]), float(row["mass"]))
        for step, (_, row) in zip(limits, rows.iterrows(), strict=True)
    ]
    chosen = int(rows.index[rows["chosen"].astype(bool)][0])
    pasted = _saved_box({**data, **box_limits}, data, *box_stats)
    return PrimResult(peeling=peeling, chosen=chosen, box=pasted, data_ranges=data)


def _saved_box(
    limits: dict[str, tuple[float, float]],
    data: dict[str, tuple[float, float]],
    coverage: float,
    density: float,
    mass: float,
) -> Box:
    cut = {c: (limits[c][LOW] > data[c][LOW], limits[c][HIGH] < data[c][HIGH]) for c in data}
    restricted = tuple(c for c, sides in cut.items() if any(sides))
    return Box(
        limits={c: (float(lo), float(hi)) for c, (lo, hi) in limits.items()},
        coverage=coverage,
        density=density,
        mass=mass,
        restricted=restricted,
        cut_sides={c: cut[c] for c in restricted},
    )


def describe_box(box: Box, labels: dict[str, str], subject: str, share_of: str = "runs") -> str:
    """One plain-English sentence, so a box can be quoted in a report without a table beside it.

    Only restricted columns are named; a limit at the end of the data range is left out, since
    "≤ the largest value tried" says nothing. Falls back to the column name when it has no label.
    """
    if not box.restricted:
        return (
            f"{subject} in {box.density:.0%} of all {share_of}; "
            "no region of the explored space does markedly better."
        )
    conditions = [_condition(box, column, labels.get(column, column)) for column in box.restricted]
    return (
        f"{subject} in {box.density:.0%} of {share_of} where {_join(conditions)}; "
        f"this box holds {box.mass:.0%} of all {share_of} and covers {box.coverage:.0%} "
        f"of all {share_of} in which {subject}."
    )


def _condition(box: Box, column: str, label: str) -> str:
    low, high = box.limits[column]
    match box.cut_sides.get(column, (True, True)):
        case (True, False):
            return f"{label} ≥ {low:.3g}"
        case (False, True):
            return f"{label} ≤ {high:.3g}"
        case _:
            return f"{label} between {low:.3g} and {high:.3g}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
