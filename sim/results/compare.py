"""Do two result folders hold the same results? What `negsim rerun` checks after repeating a run.

Results are compared, not files (sim/results/layout.py says which files are results): plots
and manifest.json (times, backend) may differ, and the scenario is an input, checked by its
digest before the rerun. A file that a later negsim writes and the recorded folder's layout
does not have is not compared, and said so. Files whose bytes match are equal at once; any
other table is read and compared cell by cell, NaN equal to NaN, so the report says which
rows and columns differ. A streamed table is read one path at a time, so a large folder
never has to fit in memory twice.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyarrow import ArrowException

from sim.errors import NegsimError
from sim.results.checksums import folder_files, open_inside, sha256_file
from sim.results.layout import STREAMED, added_since, is_result
from sim.results.writer import read_json

SHOWN = 5  # differing keys shown per JSON file


def data_files(folder: Path) -> set[str]:
    """The folder's regular files that hold results; links and special files are not results
    (and are never followed: a recorded folder may come from anyone)."""
    return {name for name in folder_files(folder) if is_result(name)}


@dataclass
class Comparison:
    """What a rerun made, set against the recorded folder."""

    differences: list[str] = field(default_factory=list)  # one line each, naming the file
    compared: int = 0  # files of results compared
    not_compared: list[str] = field(default_factory=list)  # made by the rerun, unknown to the folder's layout


def compare_results(recorded: Path, rerun: Path, listed: Iterable[str], layout: int) -> Comparison:
    """Every difference in data between two folders, as lines of text, and the files compared.

    Of the recorded folder only the files its manifest `listed` count: a file added later is
    not a result (`negsim verify` reports it), a listed file that has gone missing is a loss.
    A file the rerun made that folders of the recorded `layout` do not have is not compared.
    """
    old, new = data_files(recorded) & set(listed), data_files(rerun)
    later = sorted(name for name in new - old if added_since(name, layout))
    new -= set(later)
    unequal = sorted(
        n for n in old & new if sha256_file(recorded / n, recorded) != sha256_file(rerun / n, rerun)
    )
    partitions: set[str] = set()
    lines: list[str] = []
    for name in sorted((old - new) | (new - old) | set(unequal)):
        table = name.split("/", 1)[0]
        if table in STREAMED and name.count("/") == 2:
            partitions.add(name.rsplit("/", 1)[0])  # compared below, row by row
        elif name not in new:
            lines.append(f"{name}: in the recorded folder, not made by the rerun")
        elif name not in old:
            lines.append(f"{name}: made by the rerun, not in the recorded folder")
        else:
            lines += file_differences(name, recorded, rerun)
    for partition in sorted(partitions):
        try:
            old_rows = _read_rows(recorded, partition, old)
            new_rows = _read_rows(rerun, partition, new)
        except _Unreadable as exc:
            lines.append(str(exc))
            continue
        lines += frame_differences(f"{partition}/", old_rows, new_rows, key="replication")
    return Comparison(lines, len(old | new), _by_table(later))


def _by_table(names: list[str]) -> list[str]:
    """File names, a streamed table's part files said once as its folder (`events/`)."""
    said = [f"{name.split('/', 1)[0]}/" if name.split("/", 1)[0] in STREAMED else name for name in names]
    return list(dict.fromkeys(said))


class _Unreadable(Exception):
    """A table file that cannot be read; its text is the line that says so."""


def _read_parquet(folder: Path, name: str) -> pd.DataFrame:
    """One Parquet file of a folder, opened without following links (see open_inside)."""
    try:
        with os.fdopen(open_inside(folder, name), "rb") as handle:
            return pd.read_parquet(handle)
    except (OSError, ValueError, ArrowException) as exc:
        why = getattr(exc, "kind", None) or "damaged or truncated, not a readable Parquet file"
        raise _Unreadable(f"{name}: cannot be read as a table: {why}") from None


def file_differences(name: str, old: Path, new: Path) -> list[str]:
    """How the file `name` of two folders (`old`, `new`) differs where it is not byte-identical,
    if it holds the same kind of data."""
    if name.endswith(".parquet"):
        try:
            return frame_differences(name, _read_parquet(old, name), _read_parquet(new, name))
        except _Unreadable as exc:
            return [str(exc)]
    if name.endswith(".json"):
        try:
            a, b = (read_json(folder, name, "") for folder in (old, new))
        except NegsimError as exc:
            problem = exc.problems[0]
            return [f"{name}: cannot be read as JSON: {problem.message}"]
        keys = json_differences(a, b)
        shown = [f"{name}: {key}: {x!r} recorded, {y!r} rerun" for key, x, y in keys[:SHOWN]]
        if len(keys) > SHOWN:
            shown.append(f"{name}: ... and {len(keys) - SHOWN} more differing values")
        return shown
    return [f"{name}: differs"]


def _read_rows(folder: Path, partition: str, names: set[str]) -> pd.DataFrame | None:
    """One path's rows of a streamed table in replication order, from the files `names` lists
    in it; None if it has none."""
    files = sorted(n for n in names if n.rsplit("/", 1)[0] == partition and n.endswith(".parquet"))
    if not files:
        return None
    frame = pd.concat([_read_parquet(folder, name) for name in files], ignore_index=True)
    return frame.sort_values("replication", kind="stable", ignore_index=True)


def frame_differences(
    label: str, old: pd.DataFrame | None, new: pd.DataFrame | None, key: str | None = None
) -> list[str]:
    """Rows present on one side only, then the cells that differ, with the first example."""
    if old is None or new is None:
        side = "recorded folder" if old is None else "rerun"
        return [f"{label}: no rows in the {side}"]
    lines = []
    if key is not None:
        old_keys, new_keys = set(old[key]), set(new[key])
        for keys, where in (
            (old_keys - new_keys, "only in the recorded folder"),
            (new_keys - old_keys, "only in the rerun"),
        ):
            if keys:
                lines.append(f"{label}: {len(keys)} rows {where} ({key} {min(keys)}…{max(keys)})")
        common = old_keys & new_keys
        old = old[old[key].isin(common)].reset_index(drop=True)
        new = new[new[key].isin(common)].reset_index(drop=True)
    elif len(old) != len(new):
        return [*lines, f"{label}: {len(old)} rows recorded, {len(new)} in the rerun"]
    for columns, where in (
        (old.columns.difference(new.columns), "recorded"),
        (new.columns.difference(old.columns), "rerun"),
    ):
        if len(columns):
            lines.append(f"{label}: columns only in the {where} table: {', '.join(map(str, columns))}")
    shared = [c for c in old.columns if c in new.columns]
    differing = {c: np.flatnonzero(~_equal_cells(old[c], new[c])) for c in shared}
    differing = {c: rows for c, rows in differing.items() if len(rows)}
    if differing:
        rows = np.unique(np.concatenate(list(differing.values())))
        column, first = min(differing.items(), key=lambda item: item[1][0])
        where = f"{key} {_plain(old[key].iloc[first[0]])}" if key else f"row {first[0]}"
        names = ", ".join(list(differing)[:SHOWN]) + (", ..." if len(differing) > SHOWN else "")
        lines.append(
            f"{label}: {len(rows)} of {len(old)} rows differ in {names} "
            f"(first: {where}, {column}: {_plain(old[column].iloc[first[0]])!r} recorded, "
            f"{_plain(new[column].iloc[first[0]])!r} rerun)"
        )
    return lines


def _plain(value: Any) -> Any:
    """numpy scalars as Python ones, so messages read 0.25, not np.float64(0.25)."""
    return value.item() if isinstance(value, np.generic) else value


def _equal_cells(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Cell-wise equality with NaN equal to NaN; different types are unequal everywhere."""
    if a.dtype != b.dtype:
        return np.zeros(len(a), dtype=bool)
    x, y = a.to_numpy(dtype=object), b.to_numpy(dtype=object)
    return np.asarray((x == y) | (pd.isna(x) & pd.isna(y)), dtype=bool)


def json_differences(a: Any, b: Any, key: str = "") -> list[tuple[str, Any, Any]]:
    """(key path, recorded, rerun) for every value that differs; NaN equals NaN."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for k in list(a) + [k for k in b if k not in a]:
            path = f"{key}.{k}" if key else str(k)
            found += json_differences(a.get(k, "<absent>"), b.get(k, "<absent>"), path)
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in json_differences(x, y, f"{key}[{i}]")
        ]
    same_nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return [] if same_nan or (a == b and type(a) is type(b)) else [(key or "(whole file)", a, b)]
