"""`negsim plot RESULT_DIR`: redraw a result folder's plots from its saved tables."""

from __future__ import annotations

import os
from pathlib import Path

import click

from sim.commands.common import out
from sim.errors import NegsimError
from sim.results import writer


@click.command(name="plot")
@click.argument("result_dir", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Mediation path for the trajectory fan chart.")
def plot_command(result_dir: Path, path_name: str | None) -> None:
    """Redraw the plots of RESULT_DIR from its saved tables, and record them in its manifest.json.

    All or nothing: an interrupt or error leaves the folder exactly as it was."""
    if not os.path.lexists(result_dir / writer.SUMMARY):
        raise NegsimError.single(
            str(result_dir),
            "is not a negsim result folder (no summary.json)",
            suggestion="give a folder that `negsim run`, `sensitivity` or `discover` wrote",
        )
    summary = writer.read_summary(result_dir)
    if path_name is not None and path_name not in summary.paths:
        raise NegsimError.single(
            str(result_dir),
            f"no mediation path `{path_name}`",
            suggestion=f"choose one of: {', '.join(summary.paths)}",
        )
    from sim.plots.draw import redraw

    for png in redraw(result_dir, trajectory_path=path_name):
        out.print(str(png), markup=False, highlight=False, soft_wrap=True)
