"""Entry point: draw every plot of a result folder into its plots/ subfolder."""

from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from sim.plots import canvas, style
from sim.plots.agreement import plot_agreement
from sim.plots.result import load_result
from sim.plots.survival import plot_survival
from sim.plots.terms import plot_terms
from sim.plots.trajectories import plot_trajectories


def draw_all(result_dir: Path, trajectory_path: str | None = None) -> list[Path]:
    """Draw every plot for a result folder into result_dir / "plots"; return the PNG paths.

    `trajectory_path` picks the mediation path of the trajectory chart (default: the first
    path in summary.json). It is checked before anything is drawn, so a typo writes nothing.
    """
    result_dir = Path(result_dir)
    result = load_result(result_dir)
    if not result.paths:
        raise ValueError(f"{result_dir / 'summary.json'} lists no paths")
    path_id = trajectory_path or next(iter(result.paths))
    if path_id not in result.paths:
        raise ValueError(f"unknown path {path_id!r}; the result has: {', '.join(result.paths)}")
    plots: dict[str, Callable[[], Figure]] = {
        "agreement.png": lambda: plot_agreement(result),
        "survival.png": lambda: plot_survival(result),
        "terms.png": lambda: plot_terms(result),
        "trajectories.png": lambda: plot_trajectories(result, path_id),
    }
    out = result_dir / "plots"
    out.mkdir(parents=True, exist_ok=True)
    with style.theme():  # ticks are laid out at save time, so save under the same style
        return [canvas.save_png(make(), out / name) for name, make in plots.items()]
