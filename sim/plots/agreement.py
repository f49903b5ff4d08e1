"""How often each mediation path reaches agreement, and how the other runs end."""

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from sim.plots import canvas, style
from sim.plots.result import OUTCOMES, PathSummary, Result

MIN_SEGMENT_LABEL = 0.08  # outcome shares narrower than this get no percentage printed in them


@style.themed
def plot_agreement(result: Result) -> Figure:
    """Agreement share with its 95% interval (left) beside the full outcome mix (right)."""
    paths = sorted(result.paths.values(), key=lambda p: p.share)  # best path ends up on top
    fig, axes = canvas.new_figure(
        (1, 2), size=(12, 2.2 + 0.65 * len(paths)), sharey=True, width_ratios=(1, 1.1)
    )
    ax_share, ax_mix = axes[0]
    rows = np.arange(len(paths))
    _draw_shares(ax_share, paths, rows)
    _draw_mix(ax_mix, paths, rows)
    ax_share.set_yticks(rows, [style.wrap(p.label, style.LABEL_WIDTH) for p in paths])
    ax_share.set_ylim(-0.6, len(paths) - 0.4)
    handles = [Patch(color=style.OUTCOME_COLOURS[name]) for name in OUTCOMES]
    fig.legend(
        handles,
        [name.capitalize() for name in OUTCOMES],
        loc="outside lower center",
        ncols=len(OUTCOMES),
        frameon=False,
        title="How a run ended",
    )
    style.title(fig, f"Agreement by mediation path ({_runs_note(result)})", result)
    return fig


def _runs_note(result: Result) -> str:
    return f"{result.replications:,} runs per path" if result.replications else "all runs"


def _draw_shares(ax: Axes, paths: list[PathSummary], rows: np.ndarray) -> None:
    """Dots with Wilson intervals; the share is printed right of each interval."""
    shares = np.array([p.share for p in paths])
    below = shares - np.array([p.low for p in paths])
    above = np.array([p.high for p in paths]) - shares
    colour = style.OUTCOME_COLOURS["agreement"]
    ax.errorbar(
        shares,
        rows,
        xerr=[below, above],
        fmt="o",
        color=colour,
        ecolor="#333333",
        elinewidth=1.5,
        capsize=4,
        markersize=8,
        zorder=3,
    )
    for path, row in zip(paths, rows, strict=True):
        ax.annotate(
            f"{path.share:.1%}",
            (path.high, row),
            xytext=(7, 0),
            textcoords="offset points",
            va="center",
            fontsize=10,
            fontweight="bold",
        )
    top = min(1.0, max(p.high for p in paths) + 0.02)
    ax.set_xlim(-0.02 * top, top * 1.2 + 0.01)  # room for a dot at 0 and the printed share
    ticks = MaxNLocator(5, steps=[1, 2, 5, 10]).tick_values(0, top)
    ax.xaxis.set_major_locator(FixedLocator(ticks[ticks <= top + 1e-9]))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0 if top >= 0.05 else 1))
    ax.grid(axis="x")
    ax.set_xlabel("share of runs ending in agreement (bars: 95% interval)")
    ax.set_title("Agreement reached")


def _draw_mix(ax: Axes, paths: list[PathSummary], rows: np.ndarray) -> None:
    """One stacked bar per path; wide segments carry their percentage."""
    left = np.zeros(len(paths))
    for name in OUTCOMES:
        values = np.array([p.outcomes[name] for p in paths])
        colour = style.OUTCOME_COLOURS[name]
        ax.barh(rows, values, left=left, height=0.62, color=colour, edgecolor="white")
        for row, start, value in zip(rows, left, values, strict=True):
            if value >= MIN_SEGMENT_LABEL:
                ax.text(
                    start + value / 2,
                    row,
                    f"{value:.0%}",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=style.text_colour_on(colour),
                )
        left += values
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("share of runs")
    ax.set_title("How runs ended")
    ax.tick_params(axis="y", length=0)
