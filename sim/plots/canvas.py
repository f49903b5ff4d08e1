"""The one module that touches pyplot: figures are headless (Agg) and never outlive their save."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
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
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=size,
        layout="constrained",
        squeeze=False,
        sharey=sharey,
        width_ratios=width_ratios,
    )
    return fig, axes


def save_png(fig: Figure, path: Path) -> Path:
    """Write `fig` as a PNG and close it, even if writing fails, so long runs do not leak memory."""
    try:
        fig.savefig(path, dpi=DPI, format="png")
    finally:
        plt.close(fig)
    return path
