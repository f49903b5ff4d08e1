"""Running a scenario file from Python, as `negsim run` does: every mediation path,
replicated, into a result folder that `negsim rerun` can repeat."""

from __future__ import annotations

from pathlib import Path

from sim.api.folders import performed
from sim.api.results import RunResult
from sim.api.scenarios import ScenarioFile
from sim.jobs.run import RunJob
from sim.runner.chunks import DEFAULT_CHUNK


def run(
    file: ScenarioFile,
    *,
    runs: int | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    plots: bool = True,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> RunResult:
    """Run every mediation path in FILE, all on the same random draws, into a new result folder
    (`out`, or `results/<scenario>/<timestamp>` under the working folder), as `negsim run` does.

    `runs` replications per path, `rounds` rounds each and `seed` default to the file's
    `run:` section; `workers` and `dask` choose where replications run (default: this process
    for a small job, else every core), and never change results.

    Examples:
        >>> import sim, tempfile
        >>> folder = f"{tempfile.mkdtemp()}/flagship"
        >>> result = sim.run("2024-12-mediation-paths", runs=100, out=folder, plots=False)
        >>> result.summary[["label", "agreement"]].shape
        (6, 2)
        >>> len(result.replications)
        600
        >>> result.manifest["invocation"]["command"]
        'run'
    """
    options = {
        "file": file,
        "runs": runs,
        "rounds": rounds,
        "seed": seed,
        "out_dir": out,
        "plots": plots,
        "workers": workers,
        "dask": dask,
        "chunk_size": chunk_size,
    }
    return RunResult(performed("run", RunJob, options).folder)
