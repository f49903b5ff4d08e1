"""The tables `negsim sensitivity` prints: per path, the parameters, most influential first."""

from __future__ import annotations

import math
from typing import Any

from rich.table import Table

from sim.scenario.show import shown


def _with_ci(value: float, half: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.2f} ± {half:.2f}"


def sensitivity_table(path: dict[str, Any], method: str, labels: dict[str, str]) -> Table:
    """One row per explored parameter used on this path."""
    rows = path["indices"]
    table = Table(title=shown(path["label"]), title_justify="left")
    table.add_column("parameter")
    if method == "sobol":
        heads = [
            ("agreement ST", "agreement", "ST"),
            ("agreement S1", "agreement", "S1"),
            ("months ST", "rounds", "ST"),
        ]
    else:
        heads = [
            ("agreement mu*", "agreement", "mu_star"),
            ("agreement sigma", "agreement", None),
            ("months mu*", "rounds", "mu_star"),
        ]
    for head, _, _ in heads:
        table.add_column(head, justify="right")
    by_name = {output: {r["parameter"]: r for r in rows[output]} for output in rows}
    for row in rows["agreement"]:
        name = row["parameter"]
        cells = []
        for _, output, column in heads:
            found = by_name[output][name]
            if column is None:
                cells.append("–" if math.isnan(found["sigma"]) else f"{found['sigma']:.2f}")
            else:
                half = found[f"{column}_conf"] if f"{column}_conf" in found else float("nan")
                cells.append(_with_ci(found[column], half))
        table.add_row(shown(labels.get(name, name)), *cells)
    notes = []
    if path["points_without_agreement"]:
        notes.append(
            f"{path['points_without_agreement']} of {path['points']} design points had no agreement; "
            "their median months take the median of the others"
        )
    if path["unused"]:
        notes.append(f"not used on this path: {', '.join(labels.get(n, n) for n in path['unused'])}")
    table.caption = "\n".join(notes) or None
    table.caption_justify = "left"
    return table
