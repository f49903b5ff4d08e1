"""What the record says about the sampled numbers: for the parameters whose distribution over
the runs kept by a scenario's `history:` moved most from their distribution over all runs, the
two side by side (docs/forecasting.md, Conditioning on the record)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sim.analysis.conditioning import accepted, from_summary, ks_distances, moved_most, noise_floor
from sim.plots import canvas, style
from sim.plots.result import Result
from sim.results.layout import EVENTS, PARAMETERS
from sim.results.stream import read_table
from sim.results.summary_schema import RunSummary

SHOWN = 9  # parameters drawn, in a 3 x 3 grid: enough to see a pattern, few enough to read
PRIOR_COLOUR = "#999999"


@dataclass(frozen=True)
class Posterior:
    """Each conditioned path's parameters table and kept replications, the parameters that moved
    most, and the history's date as the title says it."""

    parameters: dict[str, pd.DataFrame]
    kept: dict[str, np.ndarray]
    moved: pd.DataFrame  # parameter, path, distance, over_floor: sim.analysis.conditioning.moved_most
    when: str


def posterior_of(result_dir: Path, summary: RunSummary) -> Posterior:
    """Find each path's kept runs again from the folder's events table and the conditions its
    summary records (the same function that kept them in the run), and rank the parameters."""
    parameters, kept, distances, floors = {}, {}, {}, {}
    when = ""
    for path_id, path in summary.paths.items():
        if path.conditioned is None:
            continue
        conditions = from_summary(path.conditioned)
        runs = read_table(result_dir, columns=["end_round"], path=path_id)
        ends = runs.set_index("replication")["end_round"]
        kept[path_id] = accepted(read_table(result_dir, EVENTS, path=path_id), ends, conditions)
        parameters[path_id] = read_table(result_dir, PARAMETERS, path=path_id)
        distances[path_id] = ks_distances(parameters[path_id], kept[path_id])
        floors[path_id] = noise_floor(len(kept[path_id]), len(ends))
        when = path.conditioned.through or f"{summary.round_unit} {path.conditioned.month}"
    return Posterior(parameters, kept, moved_most(distances, floors, SHOWN), when)


@style.themed
def plot_posterior(result: Result, posterior: Posterior) -> Figure:
    """One panel per parameter that moved most: the share of all runs (grey) and of each path's
    kept runs (its colour) at or below each value, i.e. prior and posterior ECDFs."""
    moved = posterior.moved
    columns = 3
    rows = max(1, math.ceil(len(moved) / columns))
    fig, axes = canvas.new_figure((rows, columns), size=(15, 3.6 * rows + 1.6), sharey=True)
    paths = list(posterior.kept)
    colour, dash = style.colours(paths), style.linestyles(paths)
    for ax, row in zip(axes.flat, moved.itertuples(index=False), strict=False):
        _panel(ax, result, posterior, row, colour, dash)
    for ax in list(axes.flat)[len(moved) :]:
        ax.axis("off")
    if moved.empty:
        axes[0, 0].text(0.5, 0.5, "no sampled parameter varies", transform=axes[0, 0].transAxes, ha="center")
    for ax in axes[:, 0]:
        ax.set_ylabel("share of runs at or below")
    handles = [Line2D([], [], color=PRIOR_COLOUR, linewidth=4, alpha=0.7)]
    labels = ["all runs (prior)"]
    for path_id in paths:
        handles.append(Line2D([], [], color=colour[path_id], linestyle=dash[path_id], linewidth=2))
        label = f"{result.paths[path_id].label} ({len(posterior.kept[path_id]):,} kept)"
        labels.append(style.wrap(label, style.LABEL_WIDTH))
    fig.legend(
        handles,
        labels,
        loc="outside right upper",
        frameon=False,
        title="Runs kept by the history",
        labelspacing=1.0,
        handlelength=style.LINE_HANDLE_LENGTH,
    )
    top = moved.head(3).itertuples(index=False)
    ranked = ", ".join(f"{_short(row.parameter)} ({row.over_floor:.1f}×)" for row in top)
    fig.supxlabel(
        style.wrap(
            "Ranked by the Kolmogorov-Smirnov distance D between kept and all runs, in multiples of "
            "the 5% noise floor of a random subset as large (below 1×: no more than chance). "
            f"Moved most: {ranked}.",
            150,
        ),
        fontsize=9,
    )
    style.title(fig, f"What the record through {posterior.when} says about the sampled numbers", result)
    return fig


def _panel(
    ax: Axes,
    result: Result,
    posterior: Posterior,
    row: tuple[str, str, float, float],
    colour: dict[str, str],
    dash: dict[str, str],
) -> None:
    """A parameter's prior (the path where it moved most) and the posterior of every path that
    drew it the same way (a path with another prior for it, such as its own mediator's bias,
    is left out of this panel)."""
    parameter, where, distance, over = row
    reference = _values(posterior.parameters[where], parameter)
    ax.ecdf(reference.dropna(), color=PRIOR_COLOUR, linewidth=4, alpha=0.7)
    for path_id, table in posterior.parameters.items():
        values = _values(table, parameter)
        if values.isna().all() or not values.equals(reference):
            continue
        kept = values.loc[table["replication"].isin(posterior.kept[path_id]).to_numpy()].dropna()
        if len(kept):
            width = 2.2 if path_id == where else 1.2
            ax.ecdf(kept, color=colour[path_id], linestyle=dash[path_id], linewidth=width)
    label = result.paths[where].label
    ax.set_title(
        f"{style.wrap(parameter, 45)}\nD = {distance:.2f} ({over:.1f}× noise) on {style.wrap(label, 40)}",
        fontsize=9,
    )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(True)


def _values(table: pd.DataFrame, parameter: str) -> pd.Series:
    """A parameter's column by replication (all NaN on a path that does not draw it)."""
    if parameter not in table.columns:
        return pd.Series(np.nan, index=table["replication"].to_numpy(), dtype=float)
    return pd.Series(table[parameter].to_numpy(dtype=float), index=table["replication"].to_numpy())


def _short(parameter: str) -> str:
    """A key path without its section: `actors.russia.position.escalation` → `russia.position.escalation`."""
    return parameter.removeprefix("actors.")
