"""Replication tables streamed to disk as chunks finish, so no run holds all rows in memory.

Tables are Hive-partitioned Parquet datasets: `replications/path=<id>/part-<start>.parquet`,
one file per chunk, named by its first replication so the folder reads back in order.
"""

from __future__ import annotations

import urllib.parse
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from sim.runner.chunks import ChunkResult

REPLICATIONS = "replications"
PARAMETERS = "parameters"
TRAJECTORIES = "trajectories.parquet"
QUANTILES = (0.1, 0.5, 0.9)


class PartSink:
    """Writes each finished chunk's tables; keeps only the few trajectories fan charts need."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._trajectories: dict[str, list[tuple[int, np.ndarray]]] = defaultdict(list)

    def write(self, result: ChunkResult) -> None:
        name = f"part-{result.start:010d}.parquet"
        for table, frame in ((REPLICATIONS, result.replications), (PARAMETERS, result.parameters)):
            folder = self.folder / table / f"path={file_safe(result.path)}"
            folder.mkdir(parents=True, exist_ok=True)
            frame.to_parquet(folder / name, index=False)
        if result.trajectory is not None and result.trajectory.shape[1]:
            self._trajectories[result.path].append((result.start, result.trajectory))

    def write_trajectories(self, actors: list[str], issues: list[str]) -> None:
        """Quantile fan of each path's recorded trajectories, in replication order; paths sorted
        by id, since the order in which chunks finish must not show in the file."""
        frames = [
            trajectory_table(
                path,
                np.concatenate([a for _, a in sorted(parts, key=lambda p: p[0])], axis=1),
                actors,
                issues,
            )
            for path, parts in sorted(self._trajectories.items())
        ]
        if frames:
            pd.concat(frames, ignore_index=True).to_parquet(self.folder / TRAJECTORIES, index=False)


def file_safe(name: str) -> str:
    """A mediation path id as a file or folder name (percent-encoded, as Hive partitions are)."""
    return urllib.parse.quote(name, safe="")


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
    """A streamed table (or some of its columns, or one path's rows) in replication order."""
    wanted = None if columns is None else list(dict.fromkeys(["path", "replication", *columns]))
    filters = None if path is None else [("path", "==", path)]
    frame = pd.read_parquet(folder / table, columns=wanted, filters=filters)
    frame["path"] = frame["path"].astype(str)
    frame = frame.sort_values(["path", "replication"], kind="stable", ignore_index=True)
    return frame[["path", *[c for c in frame.columns if c != "path"]]]
