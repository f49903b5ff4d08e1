"""A reliability diagram: do things said to happen with probability p happen about p of the
time? Each bin of forecast probability is a dot at (its mean forecast, how often its
questions came true), with a 95% interval; on the diagonal, perfectly calibrated. With few
questions the intervals are wide, and the counts below say how little each dot rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.plots import style
from sim.results.summary import wilson_interval

DIAGONAL = "#999999"
COLOUR = style.PALETTE[0]


@style.themed
def plot_reliability(bins: pd.DataFrame, title: str) -> Figure:
    """`bins`: low, high, n, mean_probability, observed and true per bin (sim/forecast/scores.py)."""
    fig = Figure(figsize=(6.2, 8.0), layout="constrained")
    FigureCanvasAgg(fig)  # as canvas.new_figure does; the counts get a short panel of their own
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(4, 1))
    used = bins.loc[bins["n"] > 0]
    top.plot([0, 1], [0, 1], color=DIAGONAL, linewidth=1, linestyle="--", label="perfect calibration")
    intervals = np.array(
        [wilson_interval(int(t), int(n)) for t, n in zip(used["true"], used["n"], strict=True)]
    )
    observed = used["observed"].to_numpy()
    if len(used):
        top.errorbar(
            used["mean_probability"],
            observed,
            yerr=[observed - intervals[:, 0], intervals[:, 1] - observed],
            fmt="o",
            color=COLOUR,
            ecolor="#333333",
            elinewidth=1.2,
            capsize=4,
            markersize=8,
            zorder=3,
            label="observed share (95% interval)",
        )
    for x, y, n in zip(used["mean_probability"], observed, used["n"], strict=True):
        top.annotate(f"n={n}", (x, y), xytext=(8, -3), textcoords="offset points", fontsize=9)
    top.set_xlim(-0.02, 1.02)
    top.set_ylim(-0.02, 1.02)
    top.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    top.grid(True)
    top.set_ylabel("share that came true")
    top.legend(loc="upper left", frameon=False)
    top.set_title("Reliability")
    width = (bins["high"] - bins["low"]).to_numpy()
    bottom.bar(bins["low"], bins["n"], width=width, align="edge", color=COLOUR, alpha=0.6, edgecolor="white")
    bottom.set_ylabel("forecasts")
    bottom.set_xlabel("forecast probability (bins)")
    bottom.yaxis.get_major_locator().set_params(integer=True)
    bottom.grid(axis="y")
    fig.suptitle(f"Were the forecasts calibrated?\n{style.wrap(title, 60)}")
    return fig
