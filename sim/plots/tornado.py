"""Tornado charts: per mediation path, the explored parameters ranked by their influence."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.analysis.sensitivity import NOISE_FLOOR, NOISE_FLOOR_LABEL, output_label
from sim.plots import canvas, style
from sim.results.summary_schema import SensitivitySummary

TOTAL, FIRST, FLOOR = "#0072B2", "#E69F00", "#999999"
METHODS = {"sobol": "Sobol' indices", "morris": "Morris screening"}


def headline(method: str, output: str, round_units: str) -> str:
    """ "What drives the median months to agreement (Morris screening)"."""
    return f"What drives the {output_label(output, round_units)} ({METHODS[method]})"


@style.themed
def plot_tornado(summary: SensitivitySummary, indices: pd.DataFrame, output: str) -> Figure:
    """One panel per path: bars for ST (or mu*) with 95% intervals, S1 (or sigma) inside."""
    method = summary.experiment.method
    labels = {p.name: p.label for p in summary.experiment.parameters}
    labels[NOISE_FLOOR] = NOISE_FLOOR_LABEL
    paths = summary.paths
    cols = min(3, len(paths))
    rows = math.ceil(len(paths) / cols)
    longest = max((len(label) for label in labels.values()), default=10)
    height = 1.2 + rows * (0.8 + 0.38 * len(labels))
    fig, axes = canvas.new_figure((rows, cols), size=(4.2 * cols + 0.06 * longest, height))
    flat = axes.ravel()
    for ax, (path_id, path) in zip(flat, paths.items(), strict=False):
        table = indices[(indices["path"] == path_id) & (indices["output"] == output)]
        _panel(ax, table, method, labels, path.label)
    for ax in flat[len(paths) :]:
        ax.axis("off")
    inner = "first order S1 (alone)" if method == "sobol" else "sigma (interactions)"
    outer = "total ST (with interactions)" if method == "sobol" else "mu* (mean |effect| over the range)"
    fig.legend(
        [Patch(color=TOTAL), Patch(color=FIRST), Patch(color=FLOOR)],
        [outer, inner, "noise floor (dashed): below it, indistinguishable from noise"],
        loc="outside lower center",
        ncols=3 if cols > 1 else 1,  # one panel is too narrow for three entries side by side
        frameon=False,
        title="whiskers: 95% bootstrap interval of the outer bar",
    )
    fig.suptitle(f"{headline(method, output, summary.round_units)}\n{style.wrap(summary.title, 100)}")
    return fig


def _panel(ax: Axes, table: pd.DataFrame, method: str, labels: dict[str, str], title: str) -> None:
    outer, inner = ("ST", "S1") if method == "sobol" else ("mu_star", "sigma")
    table = table.sort_values(outer, ascending=True, na_position="first")  # largest on top
    rows = np.arange(len(table))
    values = table[outer].to_numpy(float)
    ax.set_title(style.wrap(title, 40))
    if len(table) == 0 or np.all(np.isnan(values)):
        ax.text(0.5, 0.5, "the output does not vary\non this path", ha="center", va="center", color="#666666")
        ax.set_yticks([])
        return
    is_floor = (table["parameter"] == NOISE_FLOOR).to_numpy()
    ax.barh(rows, np.nan_to_num(values), color=np.where(is_floor, FLOOR, TOTAL), height=0.7)
    if is_floor.any():  # everything left of this line is indistinguishable from noise
        ax.axvline(float(np.nan_to_num(values[is_floor][0])), color=FLOOR, linestyle="--", linewidth=1)
    ax.errorbar(
        np.nan_to_num(values),
        rows,
        xerr=np.nan_to_num(table[f"{outer}_conf"].to_numpy(float)),
        fmt="none",
        ecolor="#222222",
        capsize=3,
        linewidth=1,
    )
    ax.barh(rows, np.nan_to_num(table[inner].to_numpy(float)), color=FIRST, height=0.35)
    ax.set_yticks(rows, [style.wrap(labels.get(p, p), 34) for p in table["parameter"]])
    ax.set_xlim(left=0)
    ax.grid(axis="x")
    ax.set_xlabel("share of output variance" if method == "sobol" else "effect on the output")
