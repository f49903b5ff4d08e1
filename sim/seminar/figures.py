"""The page's figures: one negotiation as it unfolds, and the paths compared.

They use the house style of the result plots; the comparison is the very figure `negsim run`
draws (`plot_agreement`), fed from in-memory summaries instead of a result folder.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from sim.model.mesa_model import NegotiationModel
from sim.plots import canvas, style
from sim.plots.agreement import plot_agreement
from sim.plots.result import Issue, Result, path_summary
from sim.results.summary_schema import RunPath, plural
from sim.scenario.schema import Scenario


def issues_of(scenario: Scenario) -> list[Issue]:
    return [Issue(key, issue.label, issue.low, issue.high) for key, issue in scenario.issues.items()]


def history(model: NegotiationModel) -> pd.DataFrame:
    """Per round and actor: positions and BATNA so far (round 0 is the start)."""
    table = model.datacollector.get_agent_vars_dataframe().reset_index()
    return table.rename(columns={"Step": "round"})


def status_line(model: NegotiationModel) -> str:
    """ "Month 7 of 60: talks go on" or "Agreement in month 14", in the scenario's round unit."""
    unit = model.negotiation.round_unit
    if model.outcome == "ongoing":
        return f"{unit.capitalize()} {model.steps} of {model.rounds}: talks go on"
    return f"{model.outcome.capitalize()} in {unit} {model.end_round}"


@style.themed
def positions_figure(model: NegotiationModel) -> Figure:
    """One panel per issue with each actor's position so far, and one with the parties' BATNAs."""
    scenario = model.negotiation
    issues = issues_of(scenario)
    ncols = 3
    nrows = math.ceil((len(issues) + 1) / ncols)
    fig, axes = canvas.new_figure((nrows, ncols), size=(13, 0.8 + 3.1 * nrows))
    data = history(model)
    actors = list(scenario.actors)
    colour, dash = style.colours(actors), style.linestyles(actors)
    for ax, issue in zip(axes.flat, issues, strict=False):
        for actor in actors:
            rows = data[data["actor"] == actor]
            ax.plot(
                rows["round"],
                rows[f"position.{issue.id}"],
                color=colour[actor],
                linestyle=dash[actor],
                lw=2.2,
            )
            ax.plot(rows["round"].iloc[-1:], rows[f"position.{issue.id}"].iloc[-1:], "o", color=colour[actor])
        if model.outcome == "agreement":
            ax.plot(
                [model.end_round], [model.terms[issue.id]], "D", color="black", ms=9, label="agreed terms"
            )
        ax.set_xlim(0, model.rounds)
        style.pole_axis(ax, issue)
        ax.grid(axis="x")
    batna_ax = axes.flat[len(issues)]
    for actor, spec in scenario.actors.items():
        if spec.role == "party":
            rows = data[data["actor"] == actor]
            batna_ax.plot(rows["round"], rows["batna"], color=colour[actor], linestyle=dash[actor], lw=2.2)
            batna_ax.plot(rows["round"].iloc[-1:], rows["batna"].iloc[-1:], "o", color=colour[actor])
    batna_ax.set_xlim(0, model.rounds)
    batna_ax.set_title("Parties' value of fighting on (BATNA)")
    batna_ax.grid(True)
    for ax in axes[-1]:
        ax.set_xlabel(f"{plural(scenario.round_unit)} since talks began")
    handles = [Line2D([], [], color=colour[a], linestyle=dash[a], lw=2.2) for a in actors]
    labels = [scenario.actors[a].name for a in actors]
    if model.outcome == "agreement":
        handles.append(Line2D([], [], color="black", marker="D", linestyle="none", ms=9))
        labels.append("agreed terms")
    spare = list(axes.flat[len(issues) + 1 :])
    style.place_legend(fig, spare, (handles, labels), "Actor")
    fig.suptitle(f"{style.wrap(scenario.label, 90)}\n{status_line(model)}")
    return fig


@style.themed
def paths_figure(title: str, summaries: dict[str, dict], scenario: Scenario) -> Figure:
    """Agreement share with its 95% interval per path, beside how the runs ended (`summaries`:
    sim/seminar/replicate.summarise of each path)."""
    paths = {key: RunPath.model_validate(raw) for key, raw in summaries.items()}
    result = Result(
        title=title,
        rounds=scenario.run.rounds,
        round_unit=scenario.round_unit,
        replications=next(iter(paths.values())).replications,
        issues={issue.id: issue for issue in issues_of(scenario)},
        actors={key: actor.name for key, actor in scenario.actors.items()},
        paths={key: path_summary(key, path) for key, path in paths.items()},
        runs=pd.DataFrame(),
        trajectories=pd.DataFrame(),
    )
    return plot_agreement(result)
