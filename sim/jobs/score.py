"""Scoring: how good were a ledger's forecasts, now that the record says what happened?

The ledger is verified first (a forecast changed after the fact is worth nothing), then each
question is resolved on the record; those whose deadline the record does not reach yet are
listed, not scored. The scores, the reliability bins and the diagram go into a folder with a
manifest, so `negsim verify` can check it like any result folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.errors import NegsimError
from sim.forecast.entries import logged
from sim.forecast.ledger import Chain, verify
from sim.forecast.record import Record, load_record
from sim.forecast.resolve import Resolution, latest, resolve
from sim.forecast.scores import Overall, overall, reliability, score_table
from sim.results import writer
from sim.results.folder import atomic_folder, default_folder
from sim.results.layout import PLOTS

SCORES = "scores.csv"
RELIABILITY = "reliability.csv"
UNRESOLVED = "unresolved.csv"
DIAGRAM = f"{PLOTS}/reliability.png"


class Scored(NamedTuple):
    """What `score_ledger` found: the scores of the resolved forecasts (None when the record
    resolves none yet: then nothing is written), the overall means, the reliability bins, the
    forecasts not resolved yet, the record, the questions forecast more than once, and the folder."""

    table: pd.DataFrame | None
    total: Overall | None
    bins: pd.DataFrame | None
    unresolved: list[Resolution]
    record: Record
    repeated: dict[str, int]
    folder: Path | None


def score_ledger(
    ledger: Path, record_file: Path, every: bool, out_dir: Path | None, command: list[str] | None = None
) -> Scored:
    """Verify LEDGER, resolve its forecasts (the latest of each question, or `every` one) on
    the record, and write the scores into `out_dir` (default results/forecasts/<timestamp>-score);
    `command` is what the manifest says made them (default: the running command line)."""
    started = dt.datetime.now(dt.UTC)
    chain = verify(ledger)
    record = load_record(record_file)
    forecasts = [logged(ledger, line, entry) for line, entry in enumerate(chain.entries, start=1)]
    if not forecasts:
        raise NegsimError.single(
            str(ledger), "holds no forecasts", suggestion="make some with `negsim forecast`"
        )
    chosen, repeated = (forecasts, {}) if every else latest(forecasts)
    resolutions = resolve(record, chosen, ledger)
    resolved = [r for r in resolutions if r.outcome is not None]
    unresolved = [r for r in resolutions if r.outcome is None]
    if not resolved:
        return Scored(None, None, None, unresolved, record, repeated, None)
    table = scores_frame(resolved)
    total = overall(table)
    bins = reliability(table["probability"].to_numpy(), table["outcome"].to_numpy())
    target = out_dir or default_folder("forecasts", "score")
    command = command if command is not None else ["negsim", *sys.argv[1:]]
    _write(target, table, bins, unresolved, record, ledger, chain, started, command)
    return Scored(table, total, bins, unresolved, record, repeated, target)


def scores_frame(resolved: list[Resolution]) -> pd.DataFrame:
    """The scores table with each forecast's ledger line, path and deadline beside it."""
    forecasts = [r.forecast for r in resolved]
    p = np.array([f.probability for f in forecasts])
    o = np.array([1 if r.outcome else 0 for r in resolved])
    table = score_table([f.question for f in forecasts], p, o)
    table.insert(0, "line", [f.line for f in forecasts])
    table.insert(2, "path", [f.path for f in forecasts])
    table.insert(3, "deadline", [str(f.deadline) for f in forecasts])
    return table


def _write(
    target: Path,
    table: pd.DataFrame,
    bins: pd.DataFrame,
    unresolved: list[Resolution],
    record: Record,
    ledger: Path,
    chain: Chain,
    started: dt.datetime,
    command: list[str],
) -> None:
    """The score folder, all at once: tables, the diagram and the manifest."""
    from sim.plots.canvas import save_png
    from sim.plots.reliability import plot_reliability

    with atomic_folder(target) as staging:
        table.to_csv(staging / SCORES, index=False)
        bins.to_csv(staging / RELIABILITY, index=False)
        unresolved_frame(unresolved).to_csv(staging / UNRESOLVED, index=False)
        (staging / PLOTS).mkdir()
        title = f"{len(table)} forecasts in {ledger.name}, resolved by {record.name} (to {record.through})"
        save_png(plot_reliability(bins, title), staging / DIAGRAM)
        made_from = {
            "ledger": str(ledger),
            "ledger_entries": len(chain.entries),
            "ledger_hash": chain.last_hash,
            "record": str(record.file),
            "record_sha256": hashlib.sha256(record.file.read_bytes()).hexdigest(),
        }
        writer.write_folder_manifest(staging, made_from, command, started)


def unresolved_frame(unresolved: list[Resolution]) -> pd.DataFrame:
    """The forecasts the record does not resolve yet: ledger line, question, path, deadline."""
    rows = [
        {"line": f.line, "question": f.question, "path": f.path, "deadline": str(f.deadline)}
        for f in (r.forecast for r in unresolved)
    ]
    return pd.DataFrame(rows, columns=["line", "question", "path", "deadline"])
