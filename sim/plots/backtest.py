"""A backtest in pictures: each model's predictions against what happened, its errors, and how
far it is from the compromise model, all in points of a 0..100 scale."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.plots import canvas, style
from sim.results.summary_schema import BacktestSummary

DIAGONAL = "#999999"


def in_points(predictions: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Predicted and actual values as points of each issue's scale (0..100), with the error."""
    table = predictions.merge(cases, on="issue", how="left")
    width = table["high"] - table["low"]
    table["predicted_pts"] = (table["predicted"] - table["low"]) / width * 100
    table["actual_pts"] = (table["actual"] - table["low"]) / width * 100
    table["error"] = (table["predicted_pts"] - table["actual_pts"]).abs()
    return table


def _title(fig: Figure, headline: str, summary: BacktestSummary) -> None:
    fig.suptitle(f"{headline}\n{summary.cases:,} issues of {summary.groups:,} proposals: {summary.dataset}")


@style.themed
def plot_predicted_actual(summary: BacktestSummary, table: pd.DataFrame) -> Figure:
    """One panel per model: each issue's prediction against its outcome; on the diagonal, exact."""
    models = summary.models
    cols = min(3, len(models))
    rows = math.ceil(len(models) / cols)
    fig, axes = canvas.new_figure((rows, cols), size=(4.2 * cols, 1.0 + 3.8 * rows))
    colour = style.colours(models)
    scores = {s.model: s for s in summary.scores}
    for ax, model in zip(axes.flat, models, strict=False):
        rows_of = table[table["model"] == model]
        ax.plot([0, 100], [0, 100], color=DIAGONAL, linewidth=1, zorder=1)
        ax.scatter(
            rows_of["actual_pts"], rows_of["predicted_pts"], s=12, alpha=0.55, color=colour[model], zorder=2
        )
        ax.set_xlim(-4, 104)
        ax.set_ylim(-4, 104)
        ax.set_aspect("equal")
        ax.set_title(f"{model}: MAE {scores[model].mae:.1f}")
        ax.set_xlabel("actual outcome (points of the scale)")
        ax.set_ylabel("predicted (points of the scale)")
    for ax in axes.flat[len(models) :]:
        ax.set_visible(False)
    _title(fig, "Predicted against actual, per model", summary)
    return fig


@style.themed
def plot_errors(summary: BacktestSummary, table: pd.DataFrame) -> Figure:
    """Per model, the distribution of absolute errors: box (quartiles) over every issue's error."""
    models = summary.models
    fig, axes = canvas.new_figure((1, 1), size=(2.0 + 1.4 * len(models), 4.6))
    ax = axes[0, 0]
    colour = style.colours(models)
    rng = np.random.default_rng(0)  # fixed jitter: the same data draw the same picture
    for slot, model in enumerate(models):
        errors = table.loc[table["model"] == model, "error"].to_numpy()
        ax.scatter(slot + rng.uniform(-0.18, 0.18, errors.size), errors, s=8, alpha=0.35, color=colour[model])
        ax.boxplot(
            errors,
            positions=[slot],
            widths=0.55,
            showfliers=False,
            manage_ticks=False,
            boxprops={"linewidth": 1.2},
            medianprops={"color": "black", "linewidth": 2},
        )
    ax.set_xticks(range(len(models)), models)
    ax.set_ylabel("absolute error (points of a 0..100 scale)")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y")
    _title(fig, "Errors per model", summary)
    return fig


@style.themed
def plot_differences(summary: BacktestSummary) -> Figure:
    """Per model, its MAE minus the compromise model's, with the bootstrap 95% interval; left of
    zero the model erred less than the compromise model."""
    scored = [s for s in summary.scores if s.mae_diff_vs_compromise is not None and s.model != "compromise"]
    fig, axes = canvas.new_figure((1, 1), size=(7.5, 1.6 + 0.55 * max(len(scored), 1)))
    ax = axes[0, 0]
    colour = style.colours(summary.models)
    for row, s in enumerate(scored):
        assert s.mae_diff_vs_compromise is not None and s.ci_low is not None and s.ci_high is not None
        ax.errorbar(
            s.mae_diff_vs_compromise,
            row,
            xerr=[[s.mae_diff_vs_compromise - s.ci_low], [s.ci_high - s.mae_diff_vs_compromise]],
            fmt="o",
            color=colour[s.model],
            capsize=4,
        )
    ax.axvline(0, color=DIAGONAL, linewidth=1)
    ax.set_yticks(range(len(scored)), [s.model for s in scored])
    ax.invert_yaxis()
    ax.set_xlabel("MAE minus the compromise model's (points; 95% bootstrap interval over proposals)")
    if not scored:
        ax.text(
            0.5, 0.5, "no model to compare with the compromise model", transform=ax.transAxes, ha="center"
        )
    _title(fig, "Better or worse than the compromise model?", summary)
    return fig
