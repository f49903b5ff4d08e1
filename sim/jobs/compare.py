"""A comparison of two run folders, path by path: for every mediation path both runs hold, the
difference B − A in the share of each outcome, with a 95% interval: paired when both runs used
the same random draws, Newcombe's interval for independent proportions otherwise
(sim/analysis/paired.py).

Both folders are read as untrusted input: summary.json through `writer.read_summary`, the
replications table through `stream.read_table`, each refusing a damaged or hostile file with
one message.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.paired import PathComparison, outcome_differences, same_replications
from sim.errors import NegsimError
from sim.results import writer
from sim.results.checksums import sha256_file
from sim.results.folder import atomic_folder
from sim.results.layout import COMPARISON, COMPARISON_PLOT, MANIFEST, REPLICATIONS, SUMMARY
from sim.results.stream import read_table
from sim.results.summary_schema import KINDS, RunSummary
from sim.scenario.estimates import short_repr

CSV_COLUMNS = [
    "path",
    "outcome",
    "share_a",
    "share_b",
    "difference",
    "ci_low",
    "ci_high",
    "paired",
    "n_a",
    "n_b",
]
GIVE_RUNS = "give two folders that `negsim run` wrote"


@dataclass(frozen=True)
class Run:
    """What a comparison needs of one `negsim run` folder."""

    folder: Path
    title: str
    seed: int
    streams: str
    replications: int
    paths: dict[str, str]  # path id -> label, in the run's order


@dataclass(frozen=True)
class Comparison:
    """Two runs, and the outcome differences of every path they share, in A's order."""

    a: Run
    b: Run
    paths: list[PathComparison]


def compare_runs(result_a: Path, result_b: Path) -> Comparison:
    """Read both run folders and compare every path they share; refused when they share none."""
    a, b = read_run(result_a), read_run(result_b)
    compared = [compare_path(a, b, path) for path in a.paths if path in b.paths]
    if not compared:
        raise NegsimError.single(
            f"{result_a} and {result_b}",
            "have no mediation path in common (paths are matched by their id)",
            suggestion=f"A has: {_ids(a.paths)}; B has: {_ids(b.paths)}",
        )
    return Comparison(a, b, compared)


def read_run(folder: Path) -> Run:
    """The summary of a `negsim run` folder; anything else is refused with one message."""
    if not folder.is_dir():
        what = "does not exist" if not os.path.lexists(folder) else "is not a folder"
        raise NegsimError.single(str(folder), what, suggestion=GIVE_RUNS)
    if not os.path.lexists(folder / SUMMARY):
        raise NegsimError.single(
            str(folder), f"is not a negsim result folder (no {SUMMARY})", suggestion=GIVE_RUNS
        )
    summary = writer.read_summary(folder)
    if not isinstance(summary, RunSummary):
        raise NegsimError.single(
            str(folder),
            f"holds {KINDS[summary.kind]}, not a run: `negsim compare` compares the outcomes of two "
            "`negsim run` folders",
            suggestion=GIVE_RUNS,
        )
    return Run(
        folder=folder,
        title=summary.title,
        seed=summary.seed,
        streams=summary.streams_key,  # with the seed, it decides which random draws a run used
        replications=summary.replications,
        paths={path_id: path.label for path_id, path in summary.paths.items()},
    )


def outcomes_of(run: Run, path: str) -> tuple[np.ndarray, np.ndarray]:
    """Replication indices and outcome names of one path, in replication order."""
    table = read_table(run.folder, columns=["outcome"], path=path)
    hint = f"`negsim verify {run.folder}` tells what changed"
    if table.empty:
        raise NegsimError.single(
            str(run.folder / REPLICATIONS), f"holds no replication of path `{path}`", suggestion=hint
        )
    replications = table["replication"].to_numpy()
    if len(np.unique(replications)) != len(replications):
        raise NegsimError.single(
            str(run.folder / REPLICATIONS), f"holds some replication of path `{path}` twice", suggestion=hint
        )
    return replications, table["outcome"].astype(str).to_numpy()


def compare_path(a: Run, b: Run, path: str) -> PathComparison:
    """One path's outcome differences, paired when both runs drew the same random numbers for it."""
    replications_a, outcomes_a = outcomes_of(a, path)
    replications_b, outcomes_b = outcomes_of(b, path)
    reasons = []
    if a.seed != b.seed:
        reasons.append(f"different seed (A {value_text(a.seed)}, B {value_text(b.seed)})")
    if a.streams != b.streams:
        reasons.append(f"different streams (A {value_text(a.streams)}, B {value_text(b.streams)})")
    if not same_replications(replications_a, replications_b):
        counts = f"A {len(replications_a):,}, B {len(replications_b):,}"
        if len(replications_a) == len(replications_b):
            counts = "as many, but not the same ones"
        # Runs of one seed share their first replications, which the Newcombe interval then
        # treats as independent: it is conservative (too wide) for them, never too narrow.
        reasons.append(f"different replications ({counts})")
    return PathComparison(
        path=path,
        label=a.paths[path],
        outcomes=outcome_differences(outcomes_a, outcomes_b, paired=not reasons),
        reasons=reasons,
    )


def value_text(value: int | str) -> str:
    """A value read from summary.json as a message shows it: a short string as it is."""
    return value if isinstance(value, str) and len(value) <= 60 else short_repr(value)


def _ids(paths: dict[str, str]) -> str:
    return ", ".join(short_repr(p) for p in list(paths)[:12]) + (" …" if len(paths) > 12 else "")


def comparison_frame(compared: list[PathComparison]) -> pd.DataFrame:
    """One row per path and outcome, exactly CSV_COLUMNS (`paired` a boolean)."""
    rows = [
        {
            "path": path.path,
            "outcome": row.outcome,
            "share_a": row.share_a,
            "share_b": row.share_b,
            "difference": row.difference,
            "ci_low": row.low,
            "ci_high": row.high,
            "paired": row.paired,
            "n_a": row.n_a,
            "n_b": row.n_b,
        }
        for path in compared
        for row in path.outcomes
    ]
    return pd.DataFrame(rows, columns=CSV_COLUMNS).astype({"paired": bool})


def write_comparison(
    target: Path, comparison: Comparison, started: dt.datetime, command: list[str] | None = None
) -> None:
    """The folder `target`, all at once: comparison.csv, plots/comparison.png and a manifest.json
    that `negsim verify` checks; `command` is what the manifest says made it (default: the
    running command line)."""
    from sim.plots import canvas, style
    from sim.plots.comparison import plot_comparison

    a, b = comparison.a, comparison.b
    with atomic_folder(target) as staging:
        table = comparison_frame(comparison.paths)
        table["paired"] = table["paired"].map({True: "true", False: "false"})
        table.to_csv(staging / COMPARISON, index=False)
        (staging / COMPARISON_PLOT).parent.mkdir()
        with style.theme():  # ticks are laid out at save time, so save under the same style
            canvas.save_png(plot_comparison(comparison.paths, a.title, b.title), staging / COMPARISON_PLOT)
        write_manifest(staging, a, b, started, command)


def write_manifest(
    staging: Path, a: Run, b: Run, started: dt.datetime, command: list[str] | None = None
) -> None:
    """The manifest of a comparison folder: the command, the runs compared, and a checksum of
    each file (what `negsim verify` checks). It names no scenario, seed or replications of its
    own, so `negsim rerun` refuses it with its message for a command it cannot repeat."""
    made_from = {"compared": {"a": _provenance(a), "b": _provenance(b)}}
    command = command if command is not None else ["negsim", *sys.argv[1:]]
    writer.write_folder_manifest(staging, made_from, command, started)


def _provenance(run: Run) -> dict[str, Any]:
    """A compared run as the manifest records it: its folder, what decides pairing, and the
    SHA-256 of its own manifest.json (which pins every file of it), when it has one."""
    try:
        manifest: str | None = sha256_file(run.folder / MANIFEST, run.folder)
    except OSError:
        manifest = None
    return {
        "folder": str(run.folder),
        "manifest_sha256": manifest,
        "seed": _recorded(run.seed),
        "streams": _recorded(run.streams),
        "replications": _recorded(run.replications),
    }


def _recorded(value: int | str) -> int | str:
    """A value read from a folder, as written again: itself if a short number or string."""
    if isinstance(value, int) and abs(value) < 10**40:
        return value
    if isinstance(value, str) and len(value) <= 200:
        return value
    return short_repr(value)
