"""Time to agreement: the share of runs still without agreement, round by round."""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter
from numpy.typing import ArrayLike

from sim.plots import canvas, style
from sim.plots.result import Result


def survival_curve(end_rounds: ArrayLike, agreed: ArrayLike, rounds: int) -> np.ndarray:
    """Share of runs without agreement at rounds 0..rounds (length rounds + 1).

    A run that ends in ceasefire, breakdown or stalemate is finished: the engine freezes it, so
    it is known never to agree and stays in the denominator until the horizon. This is
    1 - (cumulative agreements by round) / (all runs). Kaplan-Meier with censoring at
    end_round would instead assume such runs might still agree, overstating agreement.
    An empty input gives all NaN.
    """
    ends = np.asarray(end_rounds, dtype=int)
    hit = np.asarray(agreed, dtype=bool)
    if ends.shape != hit.shape:
        raise ValueError("end_rounds and agreed must have the same length")
    if ends.size == 0:
        return np.full(rounds + 1, np.nan)
    agreed_at = ends[hit]
    if agreed_at.size and (agreed_at.min() < 0 or agreed_at.max() > rounds):
        raise ValueError(f"agreement rounds must lie in 0..{rounds}")
    per_round = np.bincount(agreed_at, minlength=rounds + 1)
    return 1.0 - np.cumsum(per_round) / ends.size


@style.themed
def plot_survival(result: Result) -> Figure:
    """One step curve per path; legend entries follow the curves' final order, top first."""
    fig, axes = canvas.new_figure((1, 1), size=(11, 6))
    ax = axes[0, 0]
    ids = list(result.paths)
    colour, dash, marker = style.colours(ids), style.linestyles(ids), style.markers(ids)
    x = np.arange(result.rounds + 1)
    finals: list[tuple[float, str]] = []
    lowest = 1.0
    for path_id, path in result.paths.items():
        runs = result.runs[result.runs["path"] == path_id]
        curve = survival_curve(runs["end_round"], runs["outcome"] == "agreement", result.rounds)
        if np.isnan(curve).all():
            continue
        label = style.wrap(path.label, style.LABEL_WIDTH)
        ax.step(
            x,
            curve,
            where="post",
            color=colour[path_id],
            linestyle=dash[path_id],
            marker=marker[path_id],  # "None" for the first 28 paths
            markevery=0.1,
            linewidth=2.2,
            label=label,
            gid=path_id,
        )
        finals.append((curve[-1], label))
        lowest = min(lowest, float(curve.min()))
    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: -finals[i][0])
    fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="outside right upper",
        frameon=False,
        title="Mediation path",
        labelspacing=1.0,
        handlelength=style.LINE_HANDLE_LENGTH,
    )
    # Zoom in when few runs agree, or every curve hugs the top; the ticks show where it starts.
    floor = 0.0 if lowest < 0.5 else np.floor((lowest - 0.03) * 20) / 20
    ax.set_ylim(floor, 1.0 + 0.02 * (1.0 - floor))  # a curve at 100% stays fully visible
    ax.set_xlim(0, result.rounds)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(True)
    ax.set_xlabel(result.time_label)
    ax.set_ylabel("share without agreement")
    ax.set_title(
        "Runs that end without agreement (a ceasefire at the end, a breakdown, war) stay counted",
        fontsize=9,
        color="#444444",
    )
    headline = f"Time to agreement: runs still without a deal, {style.round_by_round(result)}"
    style.title(fig, headline, result)
    return fig
