"""How each actor's position moves over the talks on one mediation path."""

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from sim.plots import canvas, style
from sim.plots.result import Issue, Result


@style.themed
def plot_trajectories(result: Result, path_id: str) -> Figure:
    """One panel per issue: each actor's median position with its 10-90% band across runs."""
    if path_id not in result.paths:
        known = ", ".join(result.paths)
        raise ValueError(f"unknown path {path_id!r}; the result has: {known}")
    issues = list(result.issues.values())
    ncols = 1 if len(issues) == 1 else 2
    nrows = math.ceil(len(issues) / ncols)
    fig, axes = canvas.new_figure((nrows, ncols), size=(12, 1.3 + 2.9 * nrows))
    data = result.trajectories[result.trajectories["path"] == path_id]
    everyone = _all_actors(result)
    series = _series(data)
    drawn = {actor for _, actor in series}
    present = [a for a in everyone if a in drawn]  # the actors of this path only
    cue = _cues(everyone)
    for index, (ax, issue) in enumerate(zip(axes.flat, issues, strict=False)):
        lines = {a: series.get((issue.id, a)) or _empty() for a in present}
        _draw_issue(ax, issue, lines, cue)
        ax.set_xlim(0, result.rounds)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        if index + ncols >= len(issues):  # no panel below: label the time axis here
            ax.set_xlabel(result.time_label)
    handles = [Line2D([], [], linewidth=2.2, **cue[a]) for a in present]
    labels = [result.actors.get(a, a) for a in present]
    style.place_legend(
        fig, list(axes.flat[len(issues) :]), (handles, labels), "Actor", style.LINE_HANDLE_LENGTH
    )
    fig.supylabel("position (line: median across runs; band: 10–90% of runs)", fontsize=10)
    label = style.wrap(result.paths[path_id].label, 80)
    style.title(fig, f"Positions {style.round_by_round(result)}: {label}", result)
    return fig


def _all_actors(result: Result) -> list[str]:
    """Every actor of the result, each numbered once, so it has the same cue on every path.

    summary.json names the actors of the scenario's first path; the trajectories table holds
    each path's own actors, so an actor only a later path adds comes after them, under its id.
    """
    extra = [str(a) for a in pd.unique(result.trajectories["actor"]) if a not in result.actors]
    return [*result.actors, *extra]


def _cues(actors: list[str]) -> dict[str, dict[str, str]]:
    """Colour, line style and marker of each actor, by its place in `actors` (as on every path
    and in the seminar page's figures, which number actors the same way)."""
    colour, dash, marker = style.colours(actors), style.linestyles(actors), style.markers(actors)
    return {a: {"color": colour[a], "linestyle": dash[a], "marker": marker[a]} for a in actors}


Series = dict[str, np.ndarray]  # one actor's round, q10, q50 and q90 on one issue, by round
COLUMNS = ("round", "q10", "q50", "q90")


def _series(data: pd.DataFrame) -> dict[tuple[str, str], Series]:
    """Each (issue, actor)'s rows of one path as plain arrays in round order: the table is
    split once, not filtered again for every panel and actor."""
    ordered = data.sort_values("round", kind="stable")
    groups = ordered.groupby(["issue", "actor"], sort=False, observed=True)
    return {(str(issue), str(actor)): _arrays(rows) for (issue, actor), rows in groups}


def _arrays(rows: pd.DataFrame) -> Series:
    """The rounds as they are, the quantiles as floats (a missing one is NaN, drawn as a gap)."""
    return {c: rows[c].to_numpy(dtype=None if c == "round" else float) for c in COLUMNS}


def _empty() -> Series:
    """The series of an actor with no rows on an issue: drawn as an empty line, as before."""
    return {c: np.empty(0) for c in COLUMNS}


def _draw_issue(ax: Axes, issue: Issue, series: dict[str, Series], cue: dict[str, dict[str, str]]) -> None:
    """Bands first, then median lines, so no band hides another actor's line."""
    for actor, rows in series.items():
        ax.fill_between(
            rows["round"], rows["q10"], rows["q90"], color=cue[actor]["color"], alpha=0.12, linewidth=0
        )
    for actor, rows in series.items():
        ax.plot(
            rows["round"],
            rows["q50"],
            linewidth=2,
            markevery=0.1,  # markers (beyond 28 actors) spaced evenly on screen, whatever the rounds
            gid=actor,
            **cue[actor],
        )
    ax.grid(axis="x")
    style.pole_axis(ax, issue)
