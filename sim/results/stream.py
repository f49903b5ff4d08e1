"""Replication tables streamed to disk as chunks finish, so no run holds all rows in memory.

Tables are Hive-partitioned Parquet datasets: `replications/path=<id>/part-<start>.parquet`,
one file per chunk, named by its first replication so the folder reads back in order.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import NegsimError
from sim.results.checksums import kind_of
from sim.results.layout import EVENTS, PARAMETERS, REPLICATIONS, TRAJECTORIES, part, partition
from sim.runner.chunks import ChunkResult

QUANTILES = (0.1, 0.5, 0.9)
PERMISSION = "cannot be read: permission denied"


class PartSink:
    """Writes each finished chunk's tables; keeps only the few trajectories fan charts need."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._trajectories: dict[str, list[tuple[int, np.ndarray]]] = defaultdict(list)

    def write(self, result: ChunkResult) -> None:
        tables = [(REPLICATIONS, result.replications), (PARAMETERS, result.parameters)]
        if result.events is not None:
            tables.append((EVENTS, result.events))
        for table, frame in tables:
            file = self.folder / part(table, result.path, result.start)
            file.parent.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(file, index=False)
        if result.trajectory is not None and result.trajectory.shape[1]:
            self._trajectories[result.path].append((result.start, result.trajectory))

    def write_trajectories(self, actors: dict[str, list[str]], issues: list[str]) -> None:
        """Quantile fan of each path's recorded trajectories (`actors`: each path's actors, as its
        rows hold them), in replication order; paths sorted by id, since the order in which
        chunks finish must not show in the file."""
        frames = [
            trajectory_table(
                path,
                np.concatenate([a for _, a in sorted(parts, key=lambda p: p[0])], axis=1),
                actors[path],
                issues,
            )
            for path, parts in sorted(self._trajectories.items())
        ]
        if frames:
            pd.concat(frames, ignore_index=True).to_parquet(self.folder / TRAJECTORIES, index=False)


def trajectory_table(
    path_id: str, trajectory: np.ndarray, actors: list[str], issues: list[str]
) -> pd.DataFrame:
    """Quantiles of each actor's position on each issue, per round, across replications."""
    rounds = trajectory.shape[0]
    q = np.quantile(trajectory, QUANTILES, axis=1)  # (3, T+1, N, K)
    index = pd.MultiIndex.from_product([range(rounds), actors, issues], names=["round", "actor", "issue"])
    frame = pd.DataFrame(
        {f"q{int(level * 100)}": q[i].reshape(-1) for i, level in enumerate(QUANTILES)}, index=index
    ).reset_index()
    frame.insert(0, "path", path_id)
    return frame


def read_table(
    folder: Path, table: str = REPLICATIONS, columns: list[str] | None = None, path: str | None = None
) -> pd.DataFrame:
    """A streamed table (or some of its columns, or one path's rows) in replication order.

    One path's rows are read from its own partition alone: paths may have different columns
    (a path that adds an actor or has issues of its own), and a folder of many paths is not
    scanned once per path."""
    wanted = None if columns is None else list(dict.fromkeys(["path", "replication", *columns]))
    with readable(folder, table):
        if path is None:
            frame = pd.read_parquet(folder / table, columns=wanted)
        else:
            frame = _read_partition(folder / table / partition(path), wanted)
            frame.insert(0, "path", path)
    frame["path"] = frame["path"].astype(str)
    frame = frame.sort_values(["path", "replication"], kind="stable", ignore_index=True)
    return frame[["path", *[c for c in frame.columns if c != "path"]]]


def _read_partition(folder: Path, wanted: list[str] | None) -> pd.DataFrame:
    """One path's part files as one table (none: no rows)."""
    columns = None if wanted is None else [c for c in wanted if c != "path"]
    if not folder.is_dir():
        return pd.DataFrame(columns=columns or [])
    return pd.read_parquet(folder, columns=columns)


@contextlib.contextmanager
def readable(folder: Path, *tables: str) -> Iterator[None]:
    """Turn pyarrow's (or the system's) error on reading `tables` of a result folder (files or
    streamed tables) into one message naming the damaged file.

    pyarrow's own messages name a buffer or nothing ("Deserializing page header failed."), and
    an OSError would be taken for a full disk; so on failure each file is read again alone to
    find the one at fault. A column the reader asked for and the file lacks is damage too.
    """
    for table in tables:
        _refuse_links(folder, table)
    try:
        yield
    except Exception as exc:
        if not _read_error(exc):
            raise
        raise damaged_table(folder, tables, exc) from None


def _refuse_links(folder: Path, table: str) -> None:
    """A table of a result folder is read only if it and everything in it are real files and
    folders: the Parquet reader would follow a link out of the folder (a folder may come from
    anyone), so a link or a special file is refused by name, as `negsim verify` reports it."""
    top = folder / table
    todo = [top] if os.path.lexists(top) else []
    while todo:
        entry = todo.pop()
        mode = os.lstat(entry).st_mode
        if stat.S_ISDIR(mode):
            todo.extend(entry.iterdir())
        elif not stat.S_ISREG(mode):
            raise NegsimError.single(
                str(entry),
                f"is {kind_of(mode)}: negsim reads no table through a link or special file",
                suggestion=f"`negsim verify {folder}` lists what is not as the run wrote it",
            )


def _read_error(exc: BaseException) -> bool:
    """An error of the reading itself: the system's, or pyarrow's (loaded by then; it is not
    imported here, so that writing a result still imports it only when it first writes)."""
    arrow = sys.modules.get("pyarrow")
    return isinstance(exc, OSError) or (arrow is not None and isinstance(exc, arrow.ArrowException))


def damaged_table(folder: Path, tables: tuple[str, ...], exc: BaseException) -> NegsimError:
    """One message for a table of `folder` that could not be read (see `readable`)."""
    hint = (
        f"the folder is not as the run wrote it: `negsim verify {folder}` names every changed file; "
        f"restore it from the original copy, or recompute it with `negsim rerun {folder} --out NEW_FOLDER`"
    )
    for table in tables:
        if not os.path.lexists(folder / table):
            return NegsimError.single(str(folder / table), "is missing", suggestion=hint)
    if isinstance(exc, FileNotFoundError):  # pyarrow gives the path as its only argument
        missing = exc.filename or next((a for a in exc.args if isinstance(a, str)), str(folder))
        return NegsimError.single(str(missing)[:300], "is missing", suggestion=hint)
    for file in _table_files(folder, tables):
        why = _unreadable(file)
        if why == PERMISSION:
            return NegsimError.single(str(file), why, suggestion="ask the folder's owner to make it readable")
        if why:
            return NegsimError.single(str(file), why, suggestion=hint)
    if isinstance(exc, PermissionError):
        return NegsimError.single(
            str(exc.filename or folder), PERMISSION, suggestion="ask the folder's owner to make it readable"
        )
    shown = " and ".join(str(folder / table) for table in tables) or str(folder)
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return NegsimError.single(shown, f"is damaged: cannot be read as one table ({reason})", suggestion=hint)


def _table_files(folder: Path, tables: tuple[str, ...]) -> list[Path]:
    """The files a reader of `tables` reads: each file itself, and every file of a streamed table's
    folder but hidden ones (`.`, `_`), as pyarrow does."""
    files = []
    for table in tables:
        path = folder / table
        if path.is_dir() and not path.is_symlink():
            files += sorted(
                p
                for p in path.rglob("*")
                if not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
                and not p.is_dir()
            )
        else:
            files.append(path)
    return files


def _unreadable(file: Path) -> str | None:
    """Why `file` cannot be read as a Parquet table, or None if it can."""
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(file)
        for group in range(parquet.num_row_groups):
            parquet.read_row_group(group)
    except PermissionError:
        return PERMISSION
    except Exception as exc:
        if not (_read_error(exc) or isinstance(exc, ValueError)):
            raise
        reason = str(exc).split(": ", 1)[-1] if "Parquet input source" in str(exc) else str(exc)
        reason = reason.splitlines()[0][:160] if reason else type(exc).__name__
        if file.suffix != ".parquet":  # a stray file: pyarrow reads every file of a table's folder
            return f"is not a Parquet file, but lies among a table's files, which are read as one ({reason})"
        return f"is damaged: not a readable Parquet file ({reason})"
    return None
