"""Entry point: draw every plot of a result folder into its plots/ subfolder.

What is drawn depends on the folder's kind (summary.json): a run, a sensitivity analysis or
a scenario discovery. Analyses are redrawn from their saved tables, never re-simulated.

Plots are drawn side by side in forked helper processes where there are spare cores
(sim.plots.forked); the files are the same as drawn one after another.

`redraw` is `negsim plot`: it replaces the plots of a finished folder all at once, or not at
all, and records their checksums in manifest.json so that `negsim verify` still holds.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.errors import NegsimError
from sim.interrupts import signals_held
from sim.plots import canvas, forked, style
from sim.results import writer
from sim.results.checksums import open_inside, sha256_file
from sim.results.folder import owned_prefix, remove_abandoned
from sim.results.layout import (
    CASES,
    INDICES,
    MANIFEST,
    PLOTS,
    PREDICTIONS,
    PRIM,
    REPLICATIONS,
    TABLES,
    TREES,
    file_safe,
)
from sim.results.stream import readable
from sim.results.summary_schema import BacktestSummary, DiscoverySummary, RunSummary, SensitivitySummary

Plots = dict[str, Callable[[], Figure]]


def figures(result_dir: Path, trajectory_path: str | None = None) -> Plots:
    """Every plot of a result folder, by file name, each drawn only when called: what
    `draw_all` saves, and what the API shows in a notebook. The folder's tables are read now."""
    result_dir = Path(result_dir)
    summary = writer.read_summary(result_dir)
    with _readable_result(result_dir):
        match summary:
            case RunSummary():
                return _run_plots(result_dir, summary, trajectory_path)
            case SensitivitySummary():
                return _sensitivity_plots(result_dir, summary)
            case DiscoverySummary():
                return _discovery_plots(result_dir, summary)
            case BacktestSummary():
                return _backtest_plots(result_dir, summary)
    raise AssertionError(f"unknown kind of summary: {type(summary).__name__}")


def draw_all(result_dir: Path, trajectory_path: str | None = None, into: Path | None = None) -> list[Path]:
    """Draw every plot for a result folder into `into` (default: result_dir / "plots"); return
    the PNG paths.

    `trajectory_path` picks the mediation path of a run's trajectory chart (default: the first
    path in summary.json). It is checked before anything is drawn, so a typo writes nothing.
    """
    result_dir = Path(result_dir)
    plots = figures(result_dir, trajectory_path)
    out = into if into is not None else result_dir / PLOTS
    out.mkdir(parents=True, exist_ok=True)
    pngs = [out / name for name in plots]
    jobs = [functools.partial(_draw_one, make, png) for make, png in zip(plots.values(), pngs, strict=True)]
    with style.theme(), canvas.fewer_collections():  # ticks are laid out at save time: same style
        forked.run_all(jobs)
    return pngs


def _draw_one(make: Callable[[], Figure], png: Path) -> None:
    """Make one figure and save it (a job of sim.plots.forked, which may run it in a helper)."""
    canvas.save_png(make(), png)


@contextlib.contextmanager
def _readable_result(result_dir: Path) -> Iterator[None]:
    """A damaged table names its file (sim.results.stream.readable); a table without a column
    the plots need is one message too, never a traceback."""
    tables = tuple(name for name in TABLES if os.path.lexists(result_dir / name)) or (REPLICATIONS,)
    try:
        with readable(result_dir, *tables):
            yield
    except KeyError as exc:
        column = f" `{exc.args[0]}`" if exc.args else ""
        raise NegsimError.single(
            str(result_dir),
            f"a table lacks the column{column}, which negsim writes into it",
            suggestion=f"`negsim verify {result_dir}` tells what changed",
        ) from None


def redraw(result_dir: Path, trajectory_path: str | None = None) -> list[Path]:
    """`negsim plot`: redraw the plots of a finished result folder; return the PNG paths.

    All or nothing: the plots are drawn into a hidden staging folder beside plots/, the new
    manifest.json is written beside the old one, and only then are both put in place, with
    Ctrl-C and SIGTERM held back for those few renames. Whatever stops it before that (an
    interrupt, an error, a full disk) leaves the folder exactly as it was.

    The manifest gets the new plots' checksums (every other file's are kept as they were, so
    `negsim verify` still finds any other change) and a note of the redraw. A folder without a
    manifest just gets its plots.
    """
    result_dir = Path(result_dir)
    plots = result_dir / PLOTS
    kept = _other_plot_files(plots)
    manifest = None
    if os.path.lexists(result_dir / MANIFEST):
        manifest = writer.read_manifest(result_dir)
    remove_abandoned(result_dir)  # what a `negsim plot` killed outright left here
    staging = Path(tempfile.mkdtemp(prefix=owned_prefix(PLOTS, "redraw"), dir=result_dir))
    staged_manifest = None
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; a result folder is meant to be shared
        drawn = draw_all(result_dir, trajectory_path, into=staging)
        for name in kept - {png.name for png in drawn}:  # files of plots/ this redraw does not make
            shutil.copy2(plots / name, staging / name, follow_symlinks=False)
        if manifest is not None:
            checksums = {f"{PLOTS}/{png.name}": sha256_file(png, staging.parent) for png in drawn}
            command = ["negsim", *sys.argv[1:]]
            updated = writer.with_redrawn_plots(manifest, checksums, {"path": trajectory_path}, command)
            staged_manifest = writer.staged_json(result_dir / MANIFEST, updated)
        _swap_in(staging, plots, staged_manifest, result_dir / MANIFEST)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if staged_manifest is not None:
            staged_manifest.unlink(missing_ok=True)
        raise
    return [plots / png.name for png in drawn]


def _other_plot_files(plots: Path) -> set[str]:
    """The names in plots/, which must be a real folder holding only regular files (they are
    carried over into the new plots/ when not redrawn); refuses anything else before drawing."""
    try:
        mode = os.lstat(plots).st_mode
    except FileNotFoundError:
        return set()
    hint = f"move it out of {plots.parent}, then run `negsim plot` again"
    if not stat.S_ISDIR(mode):
        raise NegsimError.single(
            str(plots), "is not a folder (negsim never writes through a link)", suggestion=hint
        )
    names = set()
    with os.scandir(plots) as entries:
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                raise NegsimError.single(
                    str(plots / entry.name),
                    "is not a plot file, and negsim does not move what it did not write",
                    suggestion=hint,
                )
            names.add(entry.name)
    return names


def _swap_in(staging: Path, plots: Path, staged_manifest: Path | None, manifest: Path) -> None:
    """Put the new plots/ and manifest.json in place with signals held back, and remove the old
    plots; if a rename fails, undo the ones done."""
    old = None
    if os.path.lexists(plots):
        old = plots.with_name(owned_prefix(PLOTS, "old") + secrets.token_hex(4))
    with signals_held(signal.SIGINT, signal.SIGTERM):
        if old is not None:
            plots.rename(old)
        try:
            staging.rename(plots)
            try:
                if staged_manifest is not None:
                    os.replace(staged_manifest, manifest)
            except BaseException:
                plots.rename(staging)
                raise
        except BaseException:
            if old is not None:
                old.rename(plots)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _run_plots(result_dir: Path, summary: RunSummary, trajectory_path: str | None) -> Plots:
    from sim.plots.agreement import plot_agreement
    from sim.plots.result import result_of
    from sim.plots.survival import plot_survival
    from sim.plots.terms import plot_terms
    from sim.plots.trajectories import plot_trajectories

    result = result_of(result_dir, summary)
    if not result.paths:
        raise NegsimError.single(str(result_dir), "its summary lists no mediation path: nothing to plot")
    path_id = trajectory_path or next(iter(result.paths))
    if path_id not in result.paths:
        raise ValueError(f"unknown path {path_id!r}; the result has: {', '.join(result.paths)}")
    plots = {
        "agreement.png": lambda: plot_agreement(result),
        "survival.png": lambda: plot_survival(result),
        "terms.png": lambda: plot_terms(result),
        "trajectories.png": lambda: plot_trajectories(result, path_id),
    }
    with_events = [name for name, path in summary.paths.items() if path.events is not None]
    if with_events:  # ceasefires could break or partial deals be made: what happened on the way
        from sim.plots.events import plot_durations, plot_first_events, timelines_of

        events = timelines_of(result_dir, with_events)
        plots["events.png"] = lambda: plot_first_events(result, events)
        plots["durations.png"] = lambda: plot_durations(result, events)
    if any(path.conditioned is not None for path in summary.paths.values()):  # a history kept some runs
        from sim.plots.posterior import plot_posterior, posterior_of

        posterior = posterior_of(result_dir, summary)
        plots["posterior.png"] = lambda: plot_posterior(result, posterior)
    return plots


def _backtest_plots(result_dir: Path, summary: BacktestSummary) -> Plots:
    from sim.plots.backtest import in_points, plot_differences, plot_errors, plot_predicted_actual

    table = in_points(_csv(result_dir, PREDICTIONS), _csv(result_dir, CASES))
    return {
        "backtest-predicted-actual.png": lambda: plot_predicted_actual(summary, table),
        "backtest-errors.png": lambda: plot_errors(summary, table),
        "backtest-differences.png": lambda: plot_differences(summary),
    }


def _csv(result_dir: Path, name: str) -> pd.DataFrame:
    """A CSV table of the folder, never read through a link (sim/results/checksums.open_inside)."""
    with os.fdopen(open_inside(result_dir, name), "rb") as handle:
        return pd.read_csv(handle)


def _sensitivity_plots(result_dir: Path, summary: SensitivitySummary) -> Plots:
    from sim.plots.tornado import plot_tornado

    indices = pd.read_parquet(result_dir / INDICES)
    return {
        f"tornado-{output}.png": (lambda output=output: plot_tornado(summary, indices, output))
        for output in ("agreement", "rounds")
    }


def _discovery_plots(result_dir: Path, summary: DiscoverySummary) -> Plots:
    """PRIM's trade-off and box, and the CART tree, of every path that has them, drawn from the
    tables the discovery saved (a folder of the first layout has no trees.parquet: no tree)."""
    from sim.discovery.cart import SavedTree
    from sim.discovery.prim import saved_result
    from sim.plots.discovery import plot_box_limits, plot_tradeoff, plot_tree

    labels = {p.name: p.label for p in summary.experiment.parameters}
    steps, trees = _saved(result_dir, PRIM), _saved(result_dir, TREES)
    plots: Plots = {}
    for path_id, path in summary.paths.items():
        stem = file_safe(path_id)
        title = f"{path.label}: when does it reach {summary.outcome}?"
        peeling = steps[steps["path"] == path_id]
        if path.box is not None and len(peeling):
            box = path.box
            limits = {name: (low, high) for name, (low, high) in box.limits.items()}
            found = saved_result(peeling, path.parameters, limits, (box.coverage, box.density, box.mass))
            plots[f"prim-tradeoff-{stem}.png"] = lambda f=found, t=title: plot_tradeoff(f, t)
            plots[f"prim-box-{stem}.png"] = lambda f=found, t=title: plot_box_limits(f, labels, t)
        nodes = trees[trees["path"] == path_id].drop(columns="path").reset_index(drop=True)
        if path.tree_accuracy is not None and len(nodes):
            tree = SavedTree(nodes, path.tree_accuracy)
            plots[f"tree-{stem}.png"] = lambda s=tree, t=title: plot_tree(s, labels, t)
    return plots


def _saved(result_dir: Path, table: str) -> pd.DataFrame:
    """A table the analysis saved, or an empty one with a `path` column if it wrote none."""
    if not os.path.lexists(result_dir / table):
        return pd.DataFrame({"path": pd.Series(dtype=str)})
    return pd.read_parquet(result_dir / table)
