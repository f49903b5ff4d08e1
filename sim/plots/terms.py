"""What the agreements say: the spread of agreed terms per issue and mediation path."""

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.plots import canvas, style
from sim.plots.result import Issue, Result

JITTER = 0.17  # half-width of the strip of individual agreements around each box


@style.themed
def plot_terms(result: Result) -> Figure:
    """A grid with one panel per issue; in each, a box and strip per path (agreements only)."""
    issues = list(result.issues.values())
    ncols = 1 if len(issues) == 1 else 2
    nrows = math.ceil(len(issues) / ncols)
    fig, axes = canvas.new_figure((nrows, ncols), size=(12, 1.2 + 2.9 * nrows))
    agreed = result.runs[result.runs["outcome"] == "agreement"]
    ids = list(result.paths)
    for ax, issue in zip(axes.flat, issues, strict=False):
        _draw_issue(ax, issue, agreed, ids)
    counts = agreed["path"].value_counts()
    colour = style.colours(ids)
    handles = [Patch(facecolor=colour[p], alpha=0.6) for p in ids]
    labels = [
        f"{style.letter(i)}  {style.wrap(path.label, style.LABEL_WIDTH)} (n = {counts.get(p, 0):,})".replace(
            "\n", "\n     "
        )
        for i, (p, path) in enumerate(result.paths.items())
    ]
    style.place_legend(fig, list(axes.flat[len(issues) :]), (handles, labels), "Mediation path")
    fig.supxlabel("mediation path (letters as in the legend)", fontsize=10)
    scaled = any(issue.ends != (0.0, 1.0) for issue in issues)
    fig.supylabel(
        "agreed term, on each issue's scale" if scaled else "agreed term (0 and 1 are the issue's poles)",
        fontsize=10,
    )
    style.title(fig, "Agreed terms per issue (runs that reached agreement)", result)
    return fig


MAX_DOTS = 1500  # beyond this the dots are a solid smear; the box still uses every agreement


def _draw_issue(ax: Axes, issue: Issue, agreed: pd.DataFrame, ids: list[str]) -> None:
    """Box (quartiles, whiskers to 1.5 IQR) over the individual agreements of each path.

    The boxes of all paths are drawn by one boxplot: it sets up its styles once per call, which
    costs more than drawing a box. Each path keeps a scatter of its own: a scatter of one colour
    is stamped as a single marker, which is faster than a scatter of many colours, and crisp.
    """
    rng = np.random.default_rng(0)  # fixed jitter: the same data draw the same picture
    colour = style.colours(ids)
    by_path = _values_by_path(agreed, f"terms.{issue.id}")
    slots, boxes = [], []
    for slot, path_id in enumerate(ids):
        values = by_path.get(path_id, np.empty(0))
        if values.size == 0:
            _no_agreements(ax, slot)
            continue
        dots = values if values.size <= MAX_DOTS else rng.choice(values, MAX_DOTS, replace=False)
        ax.scatter(
            slot + rng.uniform(-JITTER, JITTER, dots.size),
            dots,
            s=9,
            color=colour[path_id],
            alpha=float(np.clip(40 / dots.size, 0.15, 0.7)),
            linewidths=0,
            zorder=2,
        )
        slots.append(slot)
        boxes.append(values)
    if boxes:
        _draw_boxes(ax, slots, boxes)
    ax.set_xlim(-0.6, len(ids) - 0.4)
    ax.set_xticks(range(len(ids)), [style.letter(i) for i in range(len(ids))])
    ax.tick_params(axis="x", length=0)
    style.pole_axis(ax, issue)


def _values_by_path(agreed: pd.DataFrame, column: str) -> dict[str, np.ndarray]:
    """The agreed values of `column` of each path (NaN dropped), split in one pass."""
    if column not in agreed:
        return {}
    values = agreed[column].to_numpy(dtype=float, na_value=np.nan)
    paths = agreed["path"].to_numpy()
    kept = ~np.isnan(values)
    return {path: values[kept & (paths == path)] for path in pd.unique(paths)}


def _no_agreements(ax: Axes, slot: int) -> None:
    """A note in the slot of a path whose runs never agreed on this issue."""
    ax.text(
        slot,
        0.5,
        "no agreements",
        rotation=90,
        ha="center",
        va="center",
        fontsize=9,
        color="#666666",
        style="italic",
    )


def _draw_boxes(ax: Axes, slots: list[int], boxes: list[np.ndarray]) -> None:
    """A box over the dots of each path that has agreements (`boxes`: their values)."""
    ax.boxplot(
        boxes,
        positions=slots,
        widths=0.55,
        showfliers=False,
        manage_ticks=False,
        patch_artist=True,
        zorder=3,
        boxprops={"facecolor": "none", "edgecolor": "#222222", "linewidth": 1.2},
        whiskerprops={"color": "#222222"},
        capprops={"color": "#222222"},
        medianprops={"color": "black", "linewidth": 2.2},
    )
