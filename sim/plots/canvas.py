"""Where figures are made and saved: plain `Figure` objects, never pyplot.

Without pyplot no GUI backend is chosen or switched, so the same figures work headless (the
command line, worker processes, the seminar page) and inline in a notebook, and a figure is
freed as soon as nothing refers to it.
"""

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 150


def new_figure(
    grid: tuple[int, int],
    size: tuple[float, float],
    sharey: bool = False,
    width_ratios: tuple[float, ...] | None = None,
) -> tuple[Figure, np.ndarray]:
    """A constrained-layout figure and its (rows, cols) array of axes.

    Constrained layout, unlike tight_layout, also makes room for suptitles and figure legends.
    """
    nrows, ncols = grid
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)  # a renderer for code that measures text while drawing (CART trees)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey, width_ratios=width_ratios)
    return fig, axes


def save_png(fig: Figure, path: Path) -> Path:
    """Write `fig` as a PNG (Agg renders it, whatever backend the session uses)."""
    fig.savefig(path, dpi=DPI, format="png")
    return path
