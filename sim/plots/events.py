"""What happened on the way: when ceasefires, partial deals and agreements first came, and how
long ceasefires and partial deals held (docs/model.md 7.21)."""

from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.plots import canvas, style
from sim.plots.result import Result
from sim.results.layout import EVENTS
from sim.results.stream import read_table
from sim.results.timeline import CUMULATIVE, SPELLS, first_by_month, spells, survival_curve

KIND_TITLES = {
    "ceasefire": "a ceasefire",
    "partial_deal": "a partial deal",
    "agreement": "a comprehensive agreement",
}


def timelines_of(result_dir: Path, paths: list[str]) -> dict[str, pd.DataFrame]:
    """Each path's events table."""
    return {path: read_table(result_dir, EVENTS, path=path) for path in paths}


@style.themed
def plot_first_events(result: Result, events: dict[str, pd.DataFrame]) -> Figure:
    """One panel per kind of event: the share of runs in which it had happened by each month,
    per path, with its 95% interval."""
    fig, axes = canvas.new_figure((1, len(CUMULATIVE)), size=(15, 5.5), sharey=True)
    colour, dash = style.colours(list(events)), style.linestyles(list(events))
    for ax, kind in zip(axes[0], CUMULATIVE, strict=True):
        for path_id, table in events.items():
            curve = first_by_month(table, kind, result.replications, result.rounds)
            label = style.wrap(result.paths[path_id].label, style.LABEL_WIDTH)
            _step_with_band(
                ax, curve["month"], curve["share"], curve, (colour[path_id], dash[path_id]), label
            )
        ax.set_title(f"runs with {KIND_TITLES[kind]} by then")
        ax.set_xlim(0, result.rounds)
        ax.set_ylim(0, 1.02)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.grid(True)
        ax.set_xlabel(result.time_label)
    axes[0, 0].set_ylabel("share of runs (band: 95% interval)")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside right upper",
        frameon=False,
        title="Mediation path",
        labelspacing=1.0,
        handlelength=style.LINE_HANDLE_LENGTH,
    )
    style.title(fig, "When the first ceasefire, partial deal and agreement came", result)
    return fig


@style.themed
def plot_durations(result: Result, events: dict[str, pd.DataFrame]) -> Figure:
    """One panel for ceasefires and one for partial deals: the Kaplan-Meier share still holding
    after each number of months, per path (spells still holding when the run ended are
    censored there)."""
    fig, axes = canvas.new_figure((1, len(SPELLS)), size=(13, 5.5), sharey=True)
    colour, dash = style.colours(list(events)), style.linestyles(list(events))
    ends = result.runs.set_index(["path", "replication"])["end_round"]
    for ax, kind in zip(axes[0], SPELLS, strict=True):
        drawn = False
        for path_id, table in events.items():
            held = spells(table, ends.loc[path_id], kind)
            if held.empty:
                continue
            curve = survival_curve(held, result.rounds)
            label = style.wrap(f"{result.paths[path_id].label} ({len(held):,})", style.LABEL_WIDTH)
            _step_with_band(
                ax, curve["months"], curve["holding"], curve, (colour[path_id], dash[path_id]), label
            )
            drawn = True
        if not drawn:
            ax.text(
                0.5,
                0.5,
                f"no {KIND_TITLES[kind].removeprefix('a ')} in any run",
                transform=ax.transAxes,
                ha="center",
                color="#666666",
            )
        ax.set_title(f"how long {KIND_TITLES[kind].removeprefix('a ')}s held")
        ax.set_xlim(0, result.rounds)
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True)
        ax.set_xlabel(f"{result.time_label.split(' since')[0]} since it began")
        if drawn:
            ax.legend(frameon=False, fontsize=8, title="path (spells)", loc="upper right")
    axes[0, 0].set_ylabel("share still holding (Kaplan-Meier, band: 95%)")
    style.title(fig, "How long ceasefires and partial deals held", result)
    return fig


def _step_with_band(
    ax: Axes, x: pd.Series, middle: pd.Series, band: pd.DataFrame, look: tuple[str, str], label: str
) -> None:
    """A step curve and its 95% band (`band`'s low and high columns) in one path's colour and dash."""
    colour, dash = look
    ax.step(x, middle, where="post", color=colour, linestyle=dash, linewidth=2, label=label)
    ax.fill_between(x, band["low"], band["high"], step="post", color=colour, alpha=0.15, linewidth=0)
