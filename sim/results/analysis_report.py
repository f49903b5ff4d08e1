"""The tables `negsim sensitivity` prints: per path, the parameters, most influential first."""

from __future__ import annotations

import math

from rich.table import Table

from sim.results.summary_schema import Index, SensitivityPath
from sim.scenario.show import shown


def _with_ci(value: float | None, half: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:.2f} ± {math.nan if half is None else half:.2f}"


def sensitivity_table(path: SensitivityPath, method: str, labels: dict[str, str], round_units: str) -> Table:
    """One row per explored parameter used on this path; `round_units` names the time output
    ("months")."""
    table = Table(title=shown(path.label), title_justify="left")
    table.add_column("parameter")
    units = shown(round_units)
    if method == "sobol":
        heads = [
            ("agreement ST", "agreement", "ST"),
            ("agreement S1", "agreement", "S1"),
            (f"{units} ST", "rounds", "ST"),
        ]
    else:
        heads = [
            ("agreement mu*", "agreement", "mu_star"),
            ("agreement sigma", "agreement", "sigma"),
            (f"{units} mu*", "rounds", "mu_star"),
        ]
    for head, _, _ in heads:
        table.add_column(head, justify="right")
    by_name = {output: {row.parameter: row for row in rows} for output, rows in path.indices.items()}
    for row in path.indices["agreement"]:
        cells = [_cell(by_name[output][row.parameter], column) for _, output, column in heads]
        table.add_row(shown(labels.get(row.parameter, row.parameter)), *cells)
    notes = []
    if path.points_without_agreement:
        notes.append(
            f"{path.points_without_agreement} of {path.points} design points had no agreement; "
            f"their median {units} take the median of the others"
        )
    if path.unused:
        notes.append(f"not used on this path: {', '.join(shown(labels.get(n, n)) for n in path.unused)}")
    table.caption = "\n".join(notes) or None
    table.caption_justify = "left"
    return table


def _cell(found: Index, column: str) -> str:
    """An index with its 95% half-width (`ST ± ST_conf`); sigma, which has none, alone."""
    value = getattr(found, column)
    if column == "sigma":
        return "–" if value is None or math.isnan(value) else f"{value:.2f}"
    return _with_ci(value, getattr(found, f"{column}_conf", None))
