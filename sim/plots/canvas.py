"""Where figures are made and saved: plain `Figure` objects, never pyplot.

Without pyplot no GUI backend is chosen or switched, so the same figures work headless (the
command line, worker processes, the seminar page) and inline in a notebook, and a figure is
freed as soon as nothing refers to it.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sim.plots import png

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


YOUNG_THRESHOLD = 20_000  # new objects between collections while drawing (Python's default: 700)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Let the garbage collector run less often while figures are drawn, and never over the
    objects that were there before.

    Drawing makes so many short-lived objects that with Python's thresholds it sets off some
    200 collections for a run's six plots, a tenth of the drawing time; every collection of the
    oldest generation also walks each object the process holds (numpy, pandas, scipy, the
    simulation's own), none of which become garbage meanwhile. With a higher threshold for the
    youngest generation there are a handful, and frozen, the old objects are skipped. The
    thresholds are put back afterwards; the freeze is left alone when the process has frozen
    objects of its own, since unfreezing would release those too.
    """
    thresholds = gc.get_threshold()
    freeze = not gc.get_freeze_count()
    if freeze:
        gc.freeze()
    gc.set_threshold(max(thresholds[0], YOUNG_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freeze:
            gc.unfreeze()


def save_png(fig: Figure, path: Path) -> Path:
    """Write `fig` as a PNG at DPI dots per inch (Agg renders it, whatever backend the session
    uses).

    `Figure.savefig` draws a figure with a layout engine twice: once with rendering switched
    off, only to lay it out, then again to render it. A plain Agg canvas lays the figure out
    and renders it in one draw, to the same pixels, so a figure made by `new_figure` is drawn
    once here; any other (a GUI window's, say) goes through `savefig`, which leaves its canvas
    alone.
    """
    agg = fig.canvas
    if type(agg) is not FigureCanvasAgg:
        fig.savefig(path, dpi=DPI, format="png")
        return path
    shown_at = fig.dpi  # a notebook shows the figure at its own dpi: put it back afterwards
    fig.dpi = DPI
    try:
        agg.draw()
        _write_png(np.asarray(agg.buffer_rgba()), path)
    finally:
        fig.dpi = shown_at
    return path


def _write_png(rgba: np.ndarray, path: Path) -> None:
    """Write a rendered figure as matplotlib would (its Software note, DPI), only faster."""
    software = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"
    Path(path).write_bytes(png.encode(rgba, DPI, software))
