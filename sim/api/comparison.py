"""Two runs compared from Python, as `negsim compare` compares them: for every mediation path
both hold, the change B − A in each outcome's share with its 95% interval."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sim.api.results import Result
from sim.jobs.compare import compare_runs, comparison_frame, write_comparison


def compare(
    result_a: Result | str | Path, result_b: Result | str | Path, *, out: str | Path | None = None
) -> pd.DataFrame:
    """For every path in both run folders (or results of `run`), the difference B − A in the
    share of each outcome, with a 95% interval: paired when both runs used the same random
    draws (seed, streams and replications), Newcombe's interval for independent proportions
    otherwise. One row per path and outcome, as comparison.csv; `out` also writes that, the
    plot and a manifest into a new folder.

    Examples:
        >>> import sim, tempfile
        >>> scratch, flagship = tempfile.mkdtemp(), "2024-12-mediation-paths"
        >>> a = sim.run(flagship, runs=100, rounds=24, out=f"{scratch}/a", plots=False)
        >>> b = sim.run(flagship, runs=100, rounds=24, seed=7, out=f"{scratch}/b", plots=False)
        >>> table = sim.compare(a, b)
        >>> table.shape  # six paths, four outcomes each
        (24, 10)
        >>> bool(table["paired"].any())  # another seed drew other numbers: Newcombe's interval
        False
        >>> bool(table.eval("ci_low <= difference <= ci_high").all())
        True
    """
    started = dt.datetime.now(dt.UTC)
    a, b = _folder(result_a), _folder(result_b)
    comparison = compare_runs(a, b)
    if out is not None:
        words = ["negsim", "compare", str(a), str(b), "--out", str(out)]
        write_comparison(Path(out), comparison, started, command=words)
    return comparison_frame(comparison.paths)


def _folder(result: Result | str | Path) -> Path:
    return result.folder if isinstance(result, Result) else Path(result)
