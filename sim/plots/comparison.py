"""`negsim compare`'s plot: per mediation path, the change in the chance of agreement, B − A."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.analysis.paired import MIN_PAIRED, PathComparison
from sim.plots import canvas, style

PAIRED = {"marker": "o", "color": style.PALETTE[0], "markerfacecolor": style.PALETTE[0]}
UNPAIRED = {"marker": "s", "color": style.PALETTE[6], "markerfacecolor": "white"}  # hollow: a second cue
RUNS_WIDTH = 120  # characters per line of the runs' titles above the panel
MIN_HALF_SPAN = 0.01  # the x axis spans at least ±1 percentage point, so zero differences still read


@style.themed
def plot_comparison(compared: list[PathComparison], title_a: str, title_b: str) -> Figure:
    """Agreement difference B − A per path with its 95% interval, a zero line, and paired
    (filled circle) or unpaired (hollow square) comparisons marked apart."""
    paths = list(reversed(compared))  # the first path on top, as the printed table lists them
    fig, axes = canvas.new_figure((1, 1), size=(10, 2.4 + 0.6 * len(paths)))
    ax = axes[0][0]
    rows = np.arange(len(paths))
    ax.axvline(0, color="#333333", linewidth=1, zorder=1)
    reach = MIN_HALF_SPAN
    for row, path in zip(rows, paths, strict=True):
        agreement = path.outcome("agreement")
        cue = PAIRED if path.paired else UNPAIRED
        has_interval = not math.isnan(agreement.low)
        if has_interval:
            reach = max(reach, abs(agreement.low), abs(agreement.high))
            error = [[agreement.difference - agreement.low], [agreement.high - agreement.difference]]
        else:
            reach = max(reach, abs(agreement.difference))
            error = None
        ax.errorbar(
            [agreement.difference],
            [row],
            xerr=error,
            fmt=cue["marker"],
            color=cue["color"],
            markerfacecolor=cue["markerfacecolor"],
            markeredgewidth=1.5,
            ecolor=cue["color"],
            elinewidth=1.5,
            capsize=4,
            markersize=8,
            zorder=3,
        )
        if has_interval:
            note = f"{_points(agreement.difference)} [{_points(agreement.low, unit='')}, "
            note += f"{_points(agreement.high, unit='')}]"
        else:
            note = f"{_points(agreement.difference)} (no interval: n < {MIN_PAIRED})"
        right = agreement.high if has_interval else agreement.difference
        ax.annotate(
            note,
            (right, row),
            xytext=(7, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
            fontweight="bold",
        )
    half = reach * 1.15
    ax.xaxis.set_major_locator(MaxNLocator(7, steps=[1, 2, 2.5, 5, 10], symmetric=True))
    decimals = 0 if half >= 0.05 else 1
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _points(x, decimals)))
    ax.set_xlim(-half, half * 1.6)  # room right of the widest interval for its label
    ax.set_yticks(rows, [style.wrap(p.label, style.LABEL_WIDTH) for p in paths])
    ax.set_ylim(-0.6, len(paths) - 0.4)
    ax.grid(axis="x")
    ax.set_xlabel(
        "change in the share of runs ending in agreement, B − A (percentage points; bars: 95% interval)"
    )
    handles = [
        Line2D([], [], linestyle="none", markersize=8, markeredgewidth=1.5, **PAIRED),
        Line2D([], [], linestyle="none", markersize=8, markeredgewidth=1.5, **UNPAIRED),
    ]
    fig.legend(
        handles,
        ["paired: same random draws in A and B", "unpaired: independent draws (Newcombe interval)"],
        loc="outside lower center",
        ncols=2,
        frameon=False,
    )
    runs = [f"A and B: {title_a}"] if title_a == title_b else [f"A: {title_a}", f"B: {title_b}"]
    fig.suptitle("Agreement by mediation path: B − A")
    ax.set_title("\n".join(style.wrap(line, RUNS_WIDTH) for line in runs), loc="left", fontsize=9)
    return fig


def _points(x: float, decimals: int = 1, unit: str = " pp") -> str:
    """A difference in percentage points, signed (with a true minus sign); 0 unsigned."""
    value = round(100 * x, decimals)
    text = f"{0:.{decimals}f}" if value == 0 else f"{value:+.{decimals}f}".replace("-", "\N{MINUS SIGN}")
    return text + unit
