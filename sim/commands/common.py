"""What every command shares: consoles, the progress bar, backend options, result folders.

Every command imports this module, `negsim --help` and `negsim show` too, so it imports only
click and rich's console at first: the runner (numpy, scipy, the model) and the scenario layer
are imported by the functions that use them, when they are called.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console

from sim.errors import UNPRINTABLE, NegsimError, printable
from sim.limits import COUNTS

if TYPE_CHECKING:
    pass


# Piped or redirected output gets a fixed, generous width instead of rich's 80 columns.
out = Console() if sys.stdout.isatty() else Console(width=140)
err = Console(stderr=True)


def backend_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--workers, --dask and --chunk-size, turned into a `backend` and `chunk_size` argument."""
    from sim.runner.backends import choose_backend
    from sim.runner.chunks import DEFAULT_CHUNK

    @click.option(
        "--workers",
        type=click.IntRange(*COUNTS["workers"]),
        help="Local worker processes (default: all cores, or this process for a small job; 1: this process).",
    )
    @click.option(
        "--dask",
        metavar="ADDRESS|local",
        help="Run on a dask.distributed scheduler at ADDRESS, or on a LocalCluster of --workers.",
    )
    @click.option(
        "--chunk-size",
        type=click.IntRange(*COUNTS["chunk_size"]),
        default=DEFAULT_CHUNK,
        show_default=True,
        help="Replications per task; changes memory use and progress steps, never results.",
    )
    @functools.wraps(command)
    def wrapper(*args: Any, workers: int | None, dask: str | None, **kwargs: Any) -> Any:
        return command(*args, backend=choose_backend(workers, dask), **kwargs)

    return wrapper


def checked_out_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """The `--out` callback of every command that takes it: a folder name with a control
    character (a new line, an escape sequence) is refused, as it would garble every line that
    names the folder (`Results: …`) and every listing of its parent."""
    if value is None:
        return None
    bad = UNPRINTABLE.search(str(value))
    if bad:
        raise NegsimError.single(
            "--out",
            f"{printable(str(value))}: contains the control character U+{ord(bad.group()):04X} "
            f"at position {bad.start() + 1}",
            suggestion="choose a folder name of letters, digits and punctuation, without control characters",
        )
    return value


def out_option(text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--out FOLDER` as every command that writes a result folder takes it (into `out_dir`)."""
    return click.option(
        "--out", "out_dir", type=click.Path(path_type=Path), callback=checked_out_folder, help=text
    )
