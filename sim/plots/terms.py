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
    """Box (quartiles, whiskers to 1.5 IQR) over the individual agreements of each path."""
    rng = np.random.default_rng(0)  # fixed jitter: the same data draw the same picture
    colour = style.colours(ids)
    column = f"terms.{issue.id}"
    for slot, path_id in enumerate(ids):
        rows = agreed.loc[agreed["path"] == path_id]
        values = rows[column].dropna().to_numpy() if column in rows else np.empty(0)
        if values.size == 0:
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
            continue
        dots = values if values.size <= MAX_DOTS else rng.choice(values, MAX_DOTS, replace=False)
        alpha = float(np.clip(40 / dots.size, 0.15, 0.7))
        ax.scatter(
            slot + rng.uniform(-JITTER, JITTER, dots.size),
            dots,
            s=9,
            color=colour[path_id],
            alpha=alpha,
            linewidths=0,
            zorder=2,
        )
        ax.boxplot(
            values,
            positions=[slot],
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
    ax.set_xlim(-0.6, len(ids) - 0.4)
    ax.set_xticks(range(len(ids)), [style.letter(i) for i in range(len(ids))])
    ax.tick_params(axis="x", length=0)
    style.pole_axis(ax, issue)
