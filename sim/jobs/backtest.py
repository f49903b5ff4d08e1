"""A backtest: every model's predictions on cases with known outcomes, scored against what
happened and against the compromise model (docs/validation.md).

The data set is a DEU-format file (read as `negsim import deu` would write it) or a folder of
scenario files that record an `observed:` outcome. Each case (one scenario file) becomes one
"path" of the run, named `<group>--<case>`: the group is the proposal (DEU) or the case's
folder, and issues of one group are resampled together in the bootstrap.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from sim.analysis.predictions import ABM, abm_prediction, baseline_predictions
from sim.analysis.scoring import METRIC_COLUMNS, PREDICTION_COLUMNS, score
from sim.errors import NegsimError, OptionProblem
from sim.jobs.base import Job
from sim.jobs.progress import run_with_progress
from sim.model.baselines import BASELINES
from sim.results import writer
from sim.results.layout import CASES, METRICS, PREDICTIONS
from sim.results.stream import PartSink, read_table
from sim.results.summary_schema import BacktestSummary, ModelScore
from sim.runner.backends import Backend
from sim.runner.batch import settings_for
from sim.runner.chunks import plan_chunks
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario

MODELS = (*BASELINES, ABM)
GROUP = "--"  # separates a case's group from its name in its path id
DEFAULT_RUNS = 100


@dataclass(frozen=True)
class BacktestJob(Job[BacktestSummary]):
    """Predictions of the chosen models for every case, scored."""

    models: tuple[str, ...]

    DIRECT: ClassVar[Mapping[str, str]] = {"runs": "replications", "rounds": "rounds", "seed": "seed"}

    @classmethod
    def load(cls, file: Path) -> LoadedScenario:
        return load_dataset(Path(file))

    @classmethod
    def plan(cls, loaded: LoadedScenario, options: Mapping[str, Any]) -> BacktestJob:
        models = tuple(dict.fromkeys(options["models"] or MODELS))
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise OptionProblem("models", f"no model `{unknown[0]}`", f"choose from: {', '.join(MODELS)}")
        runs = options["runs"] if options["runs"] is not None else DEFAULT_RUNS
        settings = settings_for(loaded, runs, options["rounds"], options["seed"])
        return cls(loaded, settings, models)

    def write(self, staging: Path, backend: Backend, chunk_size: int) -> BacktestSummary:
        cases = self.loaded.variants
        predicted: dict[str, dict[str, Any]] = {
            name: baseline_predictions(s, list(self.models)) for name, s in cases.items()
        }
        if ABM in self.models:
            for name, runs in self._run_abm(staging, backend, chunk_size).items():
                predicted[name][ABM] = abm_prediction(cases[name], runs)
        table = prediction_table(cases, predicted, self.models)
        table[PREDICTION_COLUMNS].to_csv(staging / PREDICTIONS, index=False)
        cases_of = table[["issue", "group", "low", "high"]].drop_duplicates("issue")
        cases_of.to_csv(staging / CASES, index=False)
        metrics = score(table, seed=self.settings.seed)
        metrics.to_csv(staging / METRICS, index=False, columns=METRIC_COLUMNS)
        header = writer.scenario_header(self.loaded, self.settings)
        header["issues"] = {}  # each case has its own; predictions.csv names them
        return BacktestSummary(
            kind="backtest",
            **header,
            dataset=str(self.loaded.path),
            models=list(self.models),
            cases=int(table["issue"].nunique()),
            groups=int(table["group"].nunique()),
            scores=[ModelScore(**_plain(row)) for row in metrics.to_dict("records")],
        )

    def _run_abm(self, staging: Path, backend: Backend, chunk_size: int) -> dict[str, pd.DataFrame]:
        """The agent-based model on every case, streamed into `staging`; each case's runs."""
        settings = self.settings
        chunks = (
            chunk
            for name, scenario in self.loaded.variants.items()
            for chunk in plan_chunks(
                name, scenario, settings.replications, settings.rounds, settings.seed, chunk_size
            )
        )
        sink = PartSink(staging)
        run_with_progress(chunks, settings.replications * len(self.loaded.variants), backend, sink.write)
        return {
            name: read_table(staging, columns=["outcome", *(f"terms.{i}" for i in s.issues)], path=name)
            for name, s in self.loaded.variants.items()
        }


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A metrics row as the summary holds it: NaN (no compromise model to compare) as None."""
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}


def prediction_table(
    cases: Mapping[str, Scenario], predicted: Mapping[str, Mapping[str, Any]], models: tuple[str, ...]
) -> pd.DataFrame:
    """One row per observed issue and model: group, issue, model, predicted, actual, scale."""
    rows = []
    for name, scenario in cases.items():
        for k, (issue_id, issue) in enumerate(scenario.issues.items()):
            seen = scenario.observed.get(issue_id)
            if seen is None:
                continue
            issue_name = name if len(scenario.issues) == 1 else f"{name}/{issue_id}"
            low, high = issue.units.low, issue.units.high
            for model in models:
                rows.append(
                    {
                        "group": name.split(GROUP, 1)[0],
                        "issue": issue_name,
                        "model": model,
                        "predicted": float(predicted[name][model][k]),
                        "actual": seen.value,
                        "low": low,
                        "high": high,
                    }
                )
    return pd.DataFrame(rows)


def load_dataset(path: Path) -> LoadedScenario:
    """The cases of a data set: a DEU-format file, or a folder of scenario files (those whose
    name starts with `_` are fragments, skipped). Each file's first path is its case."""
    if not path.exists():
        raise NegsimError.single(
            str(path), "does not exist", suggestion="give a DEU .tsv file or a folder of scenario files"
        )
    if path.is_dir():
        return _from_folder(path, path)
    if path.suffix.lower() in (".tsv", ".txt"):
        from sim.importers.deu import read_deu, write_scenarios

        issues = read_deu(path)
        with tempfile.TemporaryDirectory(prefix="negsim-backtest-") as scratch:
            write_scenarios(issues, Path(scratch), source=path)
            return _from_folder(Path(scratch), path)
    raise NegsimError.single(
        str(path),
        "is neither a folder of scenario files nor a DEU-format .tsv file",
        suggestion="give a folder of scenarios with `observed:` outcomes, or a DEU .tsv file",
    )


def _from_folder(folder: Path, dataset: Path) -> LoadedScenario:
    files = sorted(f for f in folder.rglob("*.yaml") if not f.name.startswith("_"))
    cases: dict[str, Scenario] = {}
    for file in files:
        scenario = next(iter(load_scenario(file).variants.values()))
        if not scenario.observed:
            continue
        group = file.parent.relative_to(folder).as_posix().replace("/", "-") or file.stem
        cases[_safe(f"{group}{GROUP}{file.stem}")] = scenario
    if not cases:
        raise NegsimError.single(
            str(dataset),
            f"holds no case with an observed outcome ({len(files)} scenario file(s) read)",
            suggestion="give each case `observed: {<issue>: {value: …}}` (docs/scenario-format.md)",
        )
    name = _safe(f"backtest-{dataset.stem}")
    return LoadedScenario(path=dataset, name=name, variants=cases, explore=None, changes=())


def _safe(text: str) -> str:
    """An id made of letters, digits, `_` and `-` (every other character becomes `_`)."""
    return re.sub(r"[^\w-]", "_", text)
