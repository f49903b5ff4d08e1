"""The seminar page: one negotiation step by step, every path over many runs, and the evidence.

An instructor changes one assumption on the left; the step-by-step negotiation (the Mesa
model, driven by Mesa's own controller) restarts with it, and "Run" compares every mediation
path under it with the batch engine. Both run the same rules with the same seed.
"""

from __future__ import annotations

import html
from dataclasses import replace

import solara
import solara.lab
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.seminar import figures
from sim.seminar.evidence import basis_of, evidence_html, parameter_paths
from sim.seminar.levers import LEVERS, SWITCHES
from sim.seminar.replicate import replicate, summarise
from sim.seminar.setup import SeminarModel, Setup, snapshots

RUN_SIZES = [100, 250, 500, 1000, 2000]

setup = solara.reactive(Setup.start(next(iter(snapshots().values()))))
model: solara.Reactive[SeminarModel | None] = solara.reactive(None)  # made per browser session
runs = solara.reactive(500)
evidence_path = solara.reactive("actors.ukraine.red_lines.territory.threshold")
play_interval = solara.reactive(250)
render_interval = solara.reactive(1)
use_threads = solara.reactive(False)
comparisons = solara.reactive(0)  # numbers each finished comparison, so a new one is told apart


def choose(new: Setup) -> None:
    """Every change of a control restarts the step-by-step negotiation under the new setup."""
    setup.value = new
    model.value = new.model()


@solara.lab.task(prefer_threaded=True)
def compare_paths(chosen: Setup, replications: int) -> tuple[Setup, dict[str, dict]]:
    """Every path of the file under the chosen assumptions; progress across all of them."""
    paths = chosen.paths
    summaries = {}
    for index, (name, scenario) in enumerate(paths.items()):

        def report(done: int, total: int, index: int = index) -> None:
            compare_paths.progress = 100 * (index + done / total) / len(paths)

        assumptions = chosen.assumptions_for(scenario)
        table = replicate(scenario, replications, seed=chosen.seed, assumptions=assumptions, progress=report)
        summaries[name] = summarise(scenario, table)
    comparisons.value += 1
    return chosen, summaries


@solara.component
def ScenarioCard() -> None:
    current = setup.value
    files = snapshots()
    by_file = {str(path): name for name, path in files.items()}
    labels = {scenario.label: name for name, scenario in current.paths.items()}
    with solara.Card("Scenario"):
        solara.Select(
            "Snapshot",
            values=list(files),
            value=by_file.get(current.file, next(iter(files))),
            on_value=lambda name: choose(Setup.start(files[name])),
        )
        solara.Select(
            "Mediation path",
            values=list(labels),
            value=current.scenario.label,
            on_value=lambda label: choose(current.on_path(labels[label])),
        )
        solara.InputInt(
            "Seed", value=current.seed, on_value=lambda seed: choose(replace(current, seed=max(0, seed)))
        )


@solara.component
def AssumptionsCard() -> None:
    current = setup.value
    with solara.Card("Assumptions", subtitle="A moved slider fixes that number in every run, on every path"):
        for lever in LEVERS:
            if lever.name not in current.levers:
                continue

            def set_lever(value: float, name: str = lever.name, step: float = lever.step) -> None:
                if abs(value - current.levers[name]) < step / 2:
                    return  # the slider echoing its own position: no change, no restart
                choose(replace(current, levers={**current.levers, name: value}))

            value = current.levers[lever.name]
            with solara.Row(
                justify="space-between", style={"align-items": "center"}, classes=["negsim-lever"]
            ):
                solara.Text(f"{lever.label_in(current.scenario)}: {value:g}")
                solara.Button(
                    "evidence",
                    text=True,
                    small=True,
                    on_click=lambda path=lever.path: evidence_path.set(path),
                )
            solara.SliderFloat(
                "",
                value=value,
                min=lever.low,
                max=lever.high,
                step=lever.step,
                on_value=set_lever,
                thumb_label=False,
            )
        solara.Button(
            "Back to the scenario's values", on_click=lambda: choose(Setup.start(current.file, current.path))
        )


@solara.component
def MechanismsCard() -> None:
    current = setup.value
    with solara.Card("Mechanisms", subtitle="Switch one off to see what it does"):
        for name, label in SWITCHES:

            def toggle(on: bool, name: str = name) -> None:
                choose(replace(current, switches={**current.switches, name: on}))

            default = getattr(current.scenario.mechanisms, name)
            solara.Switch(label=label, value=current.switches.get(name, default), on_value=toggle)


@solara.component
def NegotiationView() -> None:
    update_counter.get()  # redraw after every step Mesa's controller plays
    one = model.value
    if one is None:
        solara.ProgressLinear(True)
        return
    unit = one.negotiation.round_unit
    with solara.Card(f"One negotiation, {unit} by {unit}", subtitle=f"replication 0, seed {one.seed}"):
        ModelController(
            model,
            model_parameters={"setup": setup.value},
            play_interval=play_interval,
            render_interval=render_interval,
            use_threads=use_threads,
        ).key(f"controller-{id(one)}")
        solara.HTML(tag="p", unsafe_innerHTML=f"<b>{html.escape(figures.status_line(one))}</b>")
        solara.FigureMatplotlib(
            figures.positions_figure(one), format="png", dependencies=[id(one), one.steps]
        )


@solara.component
def PathsView() -> None:
    current = setup.value
    result = compare_paths.value if compare_paths.finished else None
    with solara.Card(
        "Every path, many runs", subtitle="Share of runs that end in agreement, with its 95% interval"
    ):
        with solara.Row():
            solara.Select("Runs per path", values=RUN_SIZES, value=runs.value, on_value=runs.set)
            solara.Button(
                f"Run {runs.value:,} replications of every path",
                color="primary",
                on_click=lambda: compare_paths(current, runs.value),
                disabled=compare_paths.pending,
            )
        if compare_paths.pending:
            solara.ProgressLinear(compare_paths.progress or True)
            solara.Text(f"running… {compare_paths.progress or 0:.0f}%")
        elif compare_paths.error:
            solara.Error(f"The run failed: {compare_paths.exception}")
        if result:
            used, summaries = result
            stale = " (the controls have changed since: run again to update)" if used != current else ""
            solara.Text(f"Comparison {comparisons.value}: {describe(used)}{stale}")
            solara.HTML(tag="div", unsafe_innerHTML=results_table(summaries))
            title = f"{used.scenario.title or used.file} — {describe(used)}"
            solara.FigureMatplotlib(figures.paths_figure(title, summaries, used.scenario), format="png")


def describe(chosen: Setup) -> str:
    """The seed and every assumption that differs from the scenario file, in words."""
    labels = {lever.name: lever.label_in(chosen.scenario) for lever in LEVERS}
    parts = [f"seed {chosen.seed}"]
    parts += [f"{labels[name]} = {value:g}" for name, value in chosen.moved.items()]
    switched = dict(SWITCHES)
    parts += [f"{switched[name]} off" for name, on in chosen.switches.items() if not on]
    return "; ".join(parts)


def results_table(summaries: dict[str, dict]) -> str:
    """The numbers behind the figure as an HTML table, best path first."""
    head = ["mediation path", "agreement [95% interval]", "ceasefire", "breakdown", "stalemate"]
    rows = []
    for summary in sorted(summaries.values(), key=lambda s: -s["agreement"]["share"]):
        share, outcomes = summary["agreement"], summary["outcomes"]
        cells = [
            html.escape(summary["label"]),
            f"{100 * share['share']:.1f}% [{100 * share['low']:.1f}, {100 * share['high']:.1f}]",
            *(f"{100 * outcomes[name]:.1f}%" for name in ("ceasefire", "breakdown", "stalemate")),
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    header = "<tr>" + "".join(f"<th>{name}</th>" for name in head) + "</tr>"
    style = "border-collapse: collapse; width: 100%; text-align: left; font-size: 15px"
    return f'<table class="negsim-paths" style="{style}">{header}{"".join(rows)}</table>'


@solara.component
def EvidenceView() -> None:
    scenario = setup.value.scenario
    paths = parameter_paths(scenario)
    chosen = evidence_path.value if evidence_path.value in paths else paths[0]
    basis = basis_of(scenario, chosen)
    with solara.Card("Where a number comes from"):
        solara.Select("Parameter", values=paths, value=chosen, on_value=evidence_path.set)
        summary = f"<b>{basis.heading}</b> — value {basis.value:.3g}, spread {html.escape(basis.spread)}"
        solara.HTML(tag="p", unsafe_innerHTML=summary)
        solara.HTML(tag="div", unsafe_innerHTML=evidence_html(basis))


@solara.component
def Page() -> None:
    solara.use_effect(lambda: model.set(setup.value.model()) if model.value is None else None, [])
    solara.Title("negsim seminar")
    with solara.AppBar():
        solara.AppBarTitle("negsim — which mediation paths converge?")
    with solara.Columns([1, 2.6]):
        with solara.Column():
            ScenarioCard()
            AssumptionsCard()
            MechanismsCard()
        with solara.Column():
            NegotiationView()
            PathsView()
            EvidenceView()
