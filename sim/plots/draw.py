"""Entry point: draw every plot of a result folder into its plots/ subfolder.

What is drawn depends on the folder's kind (summary.json): a run, a sensitivity analysis or
a scenario discovery. Analyses are redrawn from their saved tables, never re-simulated.
"""

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.plots import canvas, style
from sim.results.stream import file_safe

Plots = dict[str, Callable[[], Figure]]


def draw_all(result_dir: Path, trajectory_path: str | None = None) -> list[Path]:
    """Draw every plot for a result folder into result_dir / "plots"; return the PNG paths.

    `trajectory_path` picks the mediation path of a run's trajectory chart (default: the first
    path in summary.json). It is checked before anything is drawn, so a typo writes nothing.
    """
    result_dir = Path(result_dir)
    summary = json.loads((result_dir / "summary.json").read_text(encoding="utf-8"))
    kind = summary.get("kind", "run")
    if kind == "sensitivity":
        plots = _sensitivity_plots(result_dir, summary)
    elif kind == "discovery":
        plots = _discovery_plots(result_dir, summary)
    else:
        plots = _run_plots(result_dir, trajectory_path)
    out = result_dir / "plots"
    out.mkdir(parents=True, exist_ok=True)
    with style.theme():  # ticks are laid out at save time, so save under the same style
        return [canvas.save_png(make(), out / name) for name, make in plots.items()]


def _run_plots(result_dir: Path, trajectory_path: str | None) -> Plots:
    from sim.plots.agreement import plot_agreement
    from sim.plots.result import load_result
    from sim.plots.survival import plot_survival
    from sim.plots.terms import plot_terms
    from sim.plots.trajectories import plot_trajectories

    result = load_result(result_dir)
    if not result.paths:
        raise ValueError(f"{result_dir / 'summary.json'} lists no paths")
    path_id = trajectory_path or next(iter(result.paths))
    if path_id not in result.paths:
        raise ValueError(f"unknown path {path_id!r}; the result has: {', '.join(result.paths)}")
    return {
        "agreement.png": lambda: plot_agreement(result),
        "survival.png": lambda: plot_survival(result),
        "terms.png": lambda: plot_terms(result),
        "trajectories.png": lambda: plot_trajectories(result, path_id),
    }


def _sensitivity_plots(result_dir: Path, summary: dict) -> Plots:
    from sim.plots.tornado import plot_tornado

    indices = pd.read_parquet(result_dir / "indices.parquet")
    return {
        f"tornado-{output}.png": (lambda output=output: plot_tornado(summary, indices, output))
        for output in ("agreement", "rounds")
    }


def _discovery_plots(result_dir: Path, summary: dict) -> Plots:
    from sim.analysis.discovery import cases, discover
    from sim.plots.discovery import plot_box_limits, plot_tradeoff, plot_tree

    labels = {p["name"]: p["label"] for p in summary["experiment"]["parameters"]}
    plots: Plots = {}
    for path_id, path in summary["paths"].items():
        names = path["parameters"]
        X, y = cases(result_dir, path_id, names, summary["outcome"])
        found = discover(X, y, path_id, path["label"], labels, summary["min_coverage"])
        if found.prim is None or found.tree is None:
            continue
        stem = file_safe(path_id)
        title = f"{path['label']}: when does it reach {summary['outcome']}?"
        plots[f"prim-tradeoff-{stem}.png"] = lambda f=found, t=title: plot_tradeoff(f.prim, t)
        plots[f"prim-box-{stem}.png"] = lambda f=found, t=title: plot_box_limits(f.prim, labels, t)
        plots[f"tree-{stem}.png"] = lambda f=found, t=title: plot_tree(f.tree, labels, t)
    return plots
