"""negsim's Python API: everything the `negsim` command does, from a notebook or a script.

Each function takes the command's options as keyword arguments and returns pandas DataFrames,
or a result object over the folder it wrote (its tables as DataFrames, its summary, its
plots). The commands and the seminar notebooks are thin layers over these functions.

    >>> import sim
    >>> result = sim.run("2024-12-mediation-paths", runs=100, plots=False)
    >>> result.summary[["label", "agreement", "agreement_low", "agreement_high"]]  # doctest: +SKIP
    >>> result.figure("agreement")  # doctest: +SKIP

Every name here is also `sim.<name>`.
"""

from sim.api.comparison import compare
from sim.api.evidence import draws, estimates, stated
from sim.api.experiments import discover, sensitivity
from sim.api.forecasts import backtest, forecast_questions, score
from sim.api.models import negotiation, replicate, summarise
from sim.api.results import (
    BacktestResult,
    DiscoveryResult,
    Result,
    RunResult,
    ScoreResult,
    SensitivityResult,
    read_result,
)
from sim.api.runs import run
from sim.api.scenarios import examples, load, paths, validate

__all__ = [
    "BacktestResult",
    "DiscoveryResult",
    "Result",
    "RunResult",
    "ScoreResult",
    "SensitivityResult",
    "backtest",
    "compare",
    "discover",
    "draws",
    "estimates",
    "examples",
    "forecast_questions",
    "load",
    "negotiation",
    "paths",
    "read_result",
    "replicate",
    "run",
    "score",
    "sensitivity",
    "stated",
    "summarise",
    "validate",
]
