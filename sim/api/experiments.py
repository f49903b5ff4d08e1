"""Experiments over a scenario's `explore:` section from Python, as `negsim sensitivity` and
`negsim discover` run them: which assumption moves each path most, and under which
assumptions a path reaches an outcome. Each writes a result folder that `negsim rerun` can
repeat."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.api.folders import performed
from sim.api.results import DiscoveryResult, SensitivityResult
from sim.api.scenarios import ScenarioFile
from sim.jobs import discovery as discovery_job
from sim.jobs import sensitivity as sensitivity_job
from sim.runner.chunks import DEFAULT_CHUNK


def sensitivity(
    file: ScenarioFile,
    *,
    method: str = sensitivity_job.DEFAULT_METHOD,
    samples: int | None = None,
    runs: int = sensitivity_job.DEFAULT_RUNS,
    paths: str | Sequence[str] | None = None,
    rounds: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    plots: bool = True,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> SensitivityResult:
    """Sobol' (`method="sobol"`) or Morris (`"morris"`) indices of each path's agreement and
    time to agreement over FILE's `explore:` section, into a new result folder, as
    `negsim sensitivity` makes them.

    `samples`: Sobol' base samples, a power of 2, or Morris trajectories (default 256 and 20);
    `runs` replications at each design point; `paths` the mediation paths (default: all). A
    noise-floor parameter that no path reads sits beside the explored ones: an index no
    larger than its own is noise.

    Examples:
        >>> import sim, tempfile
        >>> folder = f"{tempfile.mkdtemp()}/morris"
        >>> result = sim.sensitivity(
        ...     "2024-12-mediation-paths", method="morris", samples=4, runs=2, paths=["no_mediation"],
        ...     rounds=12, out=folder, plots=False,
        ... )
        >>> sorted(result.indices["output"].unique())  # the chance of agreement, and when
        ['agreement', 'rounds']
        >>> "(noise floor)" in set(result.indices["parameter"])
        True
    """
    options = {
        "file": file,
        "method": method,
        "samples": samples,
        "runs": runs,
        "paths": repeated_option(paths),
        "rounds": rounds,
        "seed": seed,
        "out_dir": out,
        "plots": plots,
        "workers": workers,
        "dask": dask,
        "chunk_size": chunk_size,
    }
    return SensitivityResult(
        performed("sensitivity", sensitivity_job.SensitivityJob, options, "sensitivity").folder
    )


def discover(
    file: ScenarioFile,
    *,
    paths: str | Sequence[str] | None = None,
    samples: int = discovery_job.DEFAULT_SAMPLES,
    runs: int = discovery_job.DEFAULT_RUNS,
    outcome: str = discovery_job.DEFAULT_OUTCOME,
    min_coverage: float = discovery_job.DEFAULT_MIN_COVERAGE,
    rounds: int | None = None,
    seed: int | None = None,
    out: str | Path | None = None,
    plots: bool = True,
    workers: int | None = None,
    dask: str | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> DiscoveryResult:
    """PRIM boxes and a CART tree for when each path in FILE reaches `outcome` (`agreement`,
    `ceasefire`, `breakdown` or `stalemate`), over a Latin hypercube of `samples` points of
    its `explore:` section, each run `runs` times, into a new result folder, as
    `negsim discover` finds them.

    PRIM picks the densest box that still holds `min_coverage` of the outcome's runs; `paths`
    are the mediation paths to study (default: all).

    Examples:
        >>> import sim, tempfile
        >>> folder = f"{tempfile.mkdtemp()}/discovery"
        >>> result = sim.discover(
        ...     "2024-12-mediation-paths", paths=["no_mediation", "us_china_joint"], samples=60,
        ...     runs=2, rounds=12, out=folder, plots=False,
        ... )
        >>> list(result.findings.index)
        ['no_mediation', 'us_china_joint']
        >>> bool(result.findings["base_rate"].between(0, 1).all())
        True
        >>> bool(result.findings["coverage"].between(0, 1).all())  # PRIM found a box on both
        True
        >>> print(result.findings.loc["us_china_joint", "sentence"])  # doctest: +ELLIPSIS
        Joint US–China mediation converges...
    """
    options = {
        "file": file,
        "paths": repeated_option(paths),
        "samples": samples,
        "runs": runs,
        "outcome": outcome,
        "min_coverage": min_coverage,
        "rounds": rounds,
        "seed": seed,
        "out_dir": out,
        "plots": plots,
        "workers": workers,
        "dask": dask,
        "chunk_size": chunk_size,
    }
    return DiscoveryResult(performed("discover", discovery_job.DiscoveryJob, options, "discovery").folder)


def repeated_option(names: str | Sequence[str] | None) -> tuple[str, ...]:
    """Names as the command line passes a repeatable option (`--path`, `--models`): a tuple,
    empty when none is given; one name alone need not be in a list."""
    if names is None:
        return ()
    return (names,) if isinstance(names, str) else tuple(names)
