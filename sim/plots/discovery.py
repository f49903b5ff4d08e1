"""Scenario-discovery figures: PRIM's coverage/density trade-off, the chosen box, and a CART tree."""

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sim.discovery.cart import LEAF, SavedTree
from sim.discovery.prim import Box, PrimResult
from sim.plots import canvas, style

CHOSEN_COLOUR = "#D55E00"  # vermillion: stands out against the viridis points
PASTED_COLOUR = "#000000"
BOX_COLOUR = style.PALETTE[0]
RANGE_COLOUR = "#dddddd"
MUTED = "#777777"
TITLE_WIDTH = 90  # characters per line of a figure title
TREE_LABEL_WIDTH = 22  # characters per line of a parameter name inside a tree node
YES_COLOUR, NO_COLOUR = "#399DE5", "#E58139"  # tree nodes, as scikit-learn colours its classes


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
def plot_tree(saved: SavedTree, labels: dict[str, str], title: str) -> Figure:
    """The tree's splits with each node's share of cases and of outcomes, wide enough to read;
    drawn from the nodes table a result folder keeps (sim/discovery/cart.tree_nodes)."""
    nodes = saved.nodes.set_index("node")
    leaves, depth = int((nodes["left"] == LEAF).sum()), int(nodes["depth"].max())
    fig, axes = canvas.new_figure((1, 1), size=(max(10.0, 1.9 * leaves), max(4.5, 1.7 * (depth + 1) + 1.2)))
    ax = axes[0, 0]
    where = _node_positions(nodes)
    total = int(nodes["cases"].iloc[0])
    parents = {int(child): n for n, row in nodes.iterrows() for child in (row["left"], row["right"])}
    for node, row in nodes.iterrows():
        parent = parents.get(int(node))
        style_args = {"ha": "center", "va": "center", "fontsize": 9, "zorder": 100 - 10 * int(row["depth"])}
        box = {"boxstyle": "round", "fc": _node_colour(float(row["share_yes"])), "ec": "black"}
        text = _node_text(row, labels, total)
        if parent is None:
            ax.annotate(text, where[node], bbox=box, **style_args)
            continue
        arrow = {"arrowstyle": "<-", "edgecolor": "black"}
        ax.annotate(text, where[parent], where[node], bbox=box, arrowprops=arrow, **style_args)
        if parent == nodes.index[0]:  # the root's branches say which side holds the condition
            middle = tuple((a + b) / 2 for a, b in zip(where[parent], where[node], strict=True))
            is_left = node == nodes.at[parent, "left"]
            ax.annotate("True  " if is_left else "  False", middle, ha="right" if is_left else "left")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    majority = max(saved.base_rate, 1 - saved.base_rate)
    ax.set_title(
        f"Training accuracy {saved.accuracy:.0%} (always guessing the commoner class: {majority:.0%}). "
        "samples = share of all cases; value = [share no, share yes]",
        fontsize=10,
    )
    fig.suptitle(style.wrap(title, TITLE_WIDTH))
    return fig


def _node_positions(nodes: pd.DataFrame) -> dict[int, tuple[float, float]]:
    """Axes-fraction positions: leaves evenly spaced left to right, each parent centred above
    its children, one row per depth."""
    leaves = int((nodes["left"] == LEAF).sum())
    rows = int(nodes["depth"].max()) + 1
    x: dict[int, float] = {}
    placed = 0

    def place(node: int) -> float:  # depth at most a few levels: recursion is safe
        nonlocal placed
        left, right = int(nodes.at[node, "left"]), int(nodes.at[node, "right"])
        if left == LEAF:
            x[node] = (placed + 0.5) / leaves
            placed += 1
        else:
            x[node] = (place(left) + place(right)) / 2
        return x[node]

    place(int(nodes.index[0]))
    return {n: (x[n], 1 - (int(nodes.at[n, "depth"]) + 0.5) / rows) for n in nodes.index}


def _node_text(row: pd.Series, labels: dict[str, str], total: int) -> str:
    shares = [round(1 - float(row["share_yes"]), 3), round(float(row["share_yes"]), 3)]
    lines = [
        f"samples = {100 * int(row['cases']) / total:.1f}%",
        f"value = [{shares[0]:g}, {shares[1]:g}]",
        f"class = {'yes' if shares[1] > shares[0] else 'no'}",
    ]
    if row["left"] != LEAF:
        name = style.wrap(labels.get(row["parameter"], row["parameter"]), TREE_LABEL_WIDTH)
        lines.insert(0, f"{name} ≤ {float(row['threshold']):.3g}")
    return "\n".join(lines)


def _node_colour(share_yes: float) -> tuple[float, float, float]:
    """The majority class's colour, paler the more mixed the node (white at half and half)."""
    colour = to_rgb(YES_COLOUR if share_yes > 0.5 else NO_COLOUR)
    purity = abs(2 * share_yes - 1)
    return tuple(1 - purity * (1 - c) for c in colour)  # type: ignore[return-value]
