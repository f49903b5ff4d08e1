"""Scenario-discovery figures: PRIM's coverage/density trade-off, the chosen box, and a CART tree."""

import numpy as np
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter
from sklearn import tree

from sim.discovery.cart import TreeView, class_names, feature_names
from sim.discovery.prim import Box, PrimResult
from sim.plots import canvas, style

CHOSEN_COLOUR = "#D55E00"  # vermillion: stands out against the viridis points
PASTED_COLOUR = "#000000"
BOX_COLOUR = style.PALETTE[0]
RANGE_COLOUR = "#dddddd"
MUTED = "#777777"
TITLE_WIDTH = 90  # characters per line of a figure title
TREE_LABEL_WIDTH = 22  # characters per line of a parameter name inside a tree node


@style.themed
def plot_tradeoff(result: PrimResult, title: str) -> Figure:
    """Each peeling box as coverage against density, so the price of a purer box is visible."""
    fig, axes = canvas.new_figure((1, 1), size=(8.5, 7))
    ax = axes[0, 0]
    coverage = np.array([box.coverage for box in result.peeling])
    density = np.array([box.density for box in result.peeling])
    restricted = np.array([len(box.restricted) for box in result.peeling])
    levels = int(restricted.max()) + 1
    norm = BoundaryNorm(np.arange(-0.5, levels + 0.5), levels)
    cmap = ListedColormap(colormaps["viridis"](np.linspace(0, 0.85, levels)))  # no pale yellow on white
    ax.plot(coverage, density, color="#bbbbbb", linewidth=1, zorder=1)
    ax.scatter(coverage, density, c=restricted, cmap=cmap, norm=norm, s=28, zorder=2)
    ax.axhline(density[0], color=MUTED, linestyle="--", linewidth=1, zorder=0)
    ax.annotate(
        f"base rate {density[0]:.0%}",
        (0.01, density[0]),
        xytext=(0, 3),
        textcoords="offset points",
        color=MUTED,
        fontsize=9,
    )
    handles = _mark_boxes(ax, result)
    colourbar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, ticks=np.arange(levels))
    colourbar.set_label("parameters restricted by the box")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.grid()
    ax.set_xlabel("coverage: share of all cases of interest that fall inside the box")
    ax.set_ylabel("density: share of the box's cases that are of interest")
    fig.legend(*handles, loc="outside lower center", ncols=2, frameon=False)
    fig.suptitle(style.wrap(title, TITLE_WIDTH))
    return fig


def _mark_boxes(ax: Axes, result: PrimResult) -> tuple[list[Line2D], list[str]]:
    """Circle the chosen box, star the pasted one, tag the chosen; return their legend entries."""
    chosen, pasted = result.peeling[result.chosen], result.box
    same = pasted.limits == chosen.limits
    ax.scatter(
        chosen.coverage, chosen.density, s=260, facecolors="none", edgecolors=CHOSEN_COLOUR, linewidths=2
    )
    ax.scatter(pasted.coverage, pasted.density, marker="*", s=150, color=PASTED_COLOUR, zorder=3)
    note = "pasting changed nothing" if same else "★ marks it after pasting"
    _tag(ax, chosen, f"chosen box, step {result.chosen}\n{note}", CHOSEN_COLOUR)
    handles = [
        Line2D([], [], marker="o", linestyle="", markersize=11, markerfacecolor="none",
               markeredgecolor=CHOSEN_COLOUR, markeredgewidth=2),
        Line2D([], [], marker="*", linestyle="", markersize=12, color=PASTED_COLOUR),
    ]  # fmt: skip
    labels = [
        f"chosen box (step {result.chosen}): {_stats(chosen)}",
        f"after pasting: {_stats(pasted)}",
    ]
    return handles, labels


def _stats(box: Box) -> str:
    return f"coverage {box.coverage:.0%}, density {box.density:.0%}, mass {box.mass:.0%}"


def _tag(ax: Axes, box: Box, text: str, colour: str) -> None:
    """A label below and beside a point: below the trajectory, where peeling leaves no boxes.

    It goes left unless that would leave the axes, and above only for boxes near 0% density.
    """
    left, below = box.coverage >= 0.3, box.density >= 0.15
    ax.annotate(
        text,
        (box.coverage, box.density),
        xytext=(-14 if left else 14, -18 if below else 18),
        textcoords="offset points",
        ha="right" if left else "left",
        va="top" if below else "bottom",
        color=colour,
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-", "color": colour, "linewidth": 0.8},
    )


@style.themed
def plot_box_limits(result: PrimResult, labels: dict[str, str], title: str) -> Figure:
    """Where the pasted box sits within each restricted parameter's explored range."""
    box = result.box
    columns = box.restricted
    fig, axes = canvas.new_figure((1, 1), size=(9, 1.6 + 0.75 * max(1, len(columns))))
    ax = axes[0, 0]
    ax.set_title(f"Box: {_stats(box)}", fontsize=10)
    fig.suptitle(style.wrap(title, TITLE_WIDTH))
    if not columns:
        ax.text(
            0.5, 0.5, "no restriction: the box is the whole explored space",
            ha="center", va="center", transform=ax.transAxes, fontsize=11,
        )  # fmt: skip
        ax.axis("off")
        return fig
    rows = np.arange(len(columns))[::-1]  # first column in X's order on top
    for row, column in zip(rows, columns, strict=True):
        _limit_row(ax, row, result.data_ranges[column], box.limits[column])
    ax.set_yticks(rows, [style.wrap(labels.get(c, c), style.LABEL_WIDTH) for c in columns])
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.7, len(columns) - 0.3)
    ax.set_xlim(-0.13, 1.13)
    ax.set_xticks([0, 1], ["lowest value explored", "highest value explored"])
    ax.tick_params(axis="x", length=0, colors=MUTED)
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.set_xlabel("grey: explored range; blue: the box. Numbers are real parameter values.", color=MUTED)
    return fig


def _limit_row(ax: Axes, row: int, data: tuple[float, float], limits: tuple[float, float]) -> None:
    """Grey explored range and the box's limits on a 0..1 scale; a cut side's value is in bold."""
    (data_low, data_high), (low, high) = data, limits
    span = data_high - data_low
    start, end = (low - data_low) / span, (high - data_low) / span
    ax.barh(row, 1, left=0, height=0.34, color=RANGE_COLOUR)
    ax.barh(row, end - start, left=start, height=0.34, color=BOX_COLOUR)
    for x, value, ha, cut in ((start, low, "right", low > data_low), (end, high, "left", high < data_high)):
        ax.text(
            x, row + 0.2, f"{value:.3g}", ha=ha, va="bottom", fontsize=9,
            fontweight="bold" if cut else "normal", color="black" if cut else MUTED,
        )  # fmt: skip
    for x, value, ha in ((0, data_low, "left"), (1, data_high, "right")):
        ax.text(x, row - 0.2, f"{value:.3g}", ha=ha, va="top", fontsize=8, color=MUTED)


@style.themed
def plot_tree(view: TreeView, labels: dict[str, str], title: str) -> Figure:
    """The tree's splits with each node's share of cases and of outcomes, wide enough to read."""
    model = view.model
    leaves, depth = model.get_n_leaves(), model.get_depth()
    fig, axes = canvas.new_figure((1, 1), size=(max(10.0, 1.9 * leaves), max(4.5, 1.7 * (depth + 1) + 1.2)))
    ax = axes[0, 0]
    columns = getattr(model, "feature_names_in_", [f"x{i}" for i in range(model.n_features_in_)])
    tree.plot_tree(
        model,
        feature_names=[style.wrap(name, TREE_LABEL_WIDTH) for name in feature_names(columns, labels)],
        class_names=class_names(model),
        filled=True,
        proportion=True,
        impurity=False,
        rounded=True,
        fontsize=9,
        ax=ax,
    )
    majority = max(view.base_rate, 1 - view.base_rate)
    ax.set_title(
        f"Training accuracy {view.accuracy:.0%} (always guessing the commoner class: {majority:.0%}). "
        "samples = share of all cases; value = [share no, share yes]",
        fontsize=10,
    )
    fig.suptitle(style.wrap(title, TITLE_WIDTH))
    return fig
