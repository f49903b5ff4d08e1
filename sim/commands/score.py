"""`negsim score`: how good were the ledger's forecasts, now that the record says what happened?

The ledger is verified first (a forecast changed after the fact is worth nothing), then each
question is resolved on the record; those whose deadline the record does not reach yet are
listed, not scored. The scores, the reliability bins and the diagram go into a folder with a
manifest, so `negsim verify` can check it like any result folder.
"""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
import pandas as pd
from rich.table import Table

from sim.commands.common import out, out_option
from sim.forecast.record import Record
from sim.forecast.resolve import Resolution
from sim.forecast.scores import BINS, CLIP, NO_OTHER, Overall
from sim.jobs.score import DIAGRAM, score_ledger
from sim.scenario.show import shown


@click.command(name="score")
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option(
    "--record",
    "record_file",
    required=True,
    type=click.Path(path_type=Path),
    help="What happened, with sources (YAML; docs/forecasting.md).",
)
@click.option(
    "--all",
    "every",
    is_flag=True,
    help="Score every forecast in the ledger (default: the latest of each question).",
)
@out_option(
    "Folder for the scores and the reliability diagram (default: results/forecasts/<timestamp>-score)."
)
def score_command(ledger: Path, record_file: Path, every: bool, out_dir: Path | None) -> None:
    """Score the forecasts in LEDGER against the record: Brier, log score, base rate, skill."""
    found = score_ledger(ledger, record_file, every, out_dir)
    if found.table is None or found.total is None or found.bins is None or found.folder is None:
        out.print(unresolved_note(found.unresolved, found.record))
        out.print("Nothing to score yet: the record resolves none of these forecasts.")
        return
    out.print(scores_table(found.table, found.record, found.repeated, every))
    out.print(overall_table(found.total))
    out.print(reliability_table(found.bins))
    if found.unresolved:
        out.print(unresolved_note(found.unresolved, found.record))
    out.print(f"Results: {shown(str(found.folder))}")
    out.print(f"Plot:    {shown(str(found.folder / DIAGRAM))}")


def _number(value: float | None, digits: int = 3) -> str:
    return "–" if value is None or np.isnan(value) else f"{value:.{digits}f}"


def scores_table(table: pd.DataFrame, record: Record, repeated: dict[str, int], every: bool) -> Table:
    """Each scored forecast: its probability, what happened, its scores and the base rate's."""
    shown_table = Table(
        title=f"Forecasts resolved by the record {shown(record.name)} ({record.start} to {record.through})",
        title_justify="left",
    )
    shown_table.add_column("line")
    shown_table.add_column("question", no_wrap=True)
    shown_table.add_column("path", no_wrap=True)
    shown_table.add_column("deadline", no_wrap=True)
    for name in ("forecast", "happened", "Brier", "log", "base rate", "base Brier"):  # base log: in the csv
        shown_table.add_column(name, justify="right")
    for row in table.itertuples():
        shown_table.add_row(
            str(row.line),
            shown(row.question),
            shown(row.path),
            row.deadline,
            f"{100 * row.probability:.1f}%",
            "yes" if row.outcome else "no",
            _number(row.brier),
            _number(row.log),
            f"{100 * row.base_rate:.0f}%",
            _number(row.base_brier),
        )
    notes = [
        f"Brier: (forecast − outcome)²; log: −ln(probability given to what happened), probabilities "
        f"clipped to [{CLIP[0]}, {CLIP[1]}]; lower is better for both.",
        "Base rate: the share of the other resolved questions that came true (leave one out; "
        f"{NO_OTHER:.0%} when there is no other).",
    ]
    if repeated and not every:
        twice = ", ".join(f"{shown(q)} ({n}×)" for q, n in repeated.items())
        notes.append(f"Forecast more than once: {twice}; the latest is scored (--all scores every one).")
    shown_table.caption = "\n".join(notes)
    shown_table.caption_justify = "left"
    return shown_table


def overall_table(total: Overall) -> Table:
    table = Table(title="Overall (means over the scored forecasts)", title_justify="left")
    for name in ("forecasts", "Brier", "log", "base-rate Brier", "base-rate log", "skill"):
        table.add_column(name, justify="right")
    table.add_row(
        str(total.n),
        _number(total.brier),
        _number(total.log),
        _number(total.base_brier),
        _number(total.base_log),
        _number(total.skill),
    )
    table.caption = "Skill: 1 − Brier / base-rate Brier; above 0 the forecasts beat the base rate."
    table.caption_justify = "left"
    return table


def reliability_table(bins: pd.DataFrame) -> Table:
    table = Table(title=f"Reliability ({BINS} bins of forecast probability)", title_justify="left")
    for name in ("forecast", "forecasts", "mean forecast", "came true"):
        table.add_column(name, justify="right" if name != "forecast" else "left")
    for row in bins.itertuples():
        last = "]" if row.high == 1 else ")"
        table.add_row(
            f"[{row.low:.0%}, {row.high:.0%}{last}",
            str(row.n),
            "–" if not row.n else f"{row.mean_probability:.1%}",
            "–" if not row.n else f"{row.true} of {row.n} ({row.observed:.0%})",
        )
    return table


def unresolved_note(unresolved: list[Resolution], record: Record) -> str:
    if not unresolved:
        return "Every forecast is resolved."
    listed = ", ".join(f"{shown(r.forecast.question)} ({r.forecast.deadline})" for r in unresolved)
    return f"Unresolved (deadline after the record's last date, {record.through}): {listed}"
