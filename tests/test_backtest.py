"""`negsim backtest`: predictions scored against observed outcomes, as a result folder."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.scoring import METRIC_COLUMNS, PREDICTION_COLUMNS
from sim.scenario.loader import load_scenario
from tests.conftest import COUNCIL, negsim_main, write_result

ROOT = Path(__file__).resolve().parent.parent
DEU = ROOT.parent / "shared" / "validation" / "deu" / "deu3-dev.tsv"


def backtest(dataset: Path, out: Path, runs: int) -> Path:
    """The compromise and agent-based models on `dataset`, in this process, into `out`."""
    models = ["--models", "compromise", "--models", "abm"]
    return write_result(
        out, "backtest", str(dataset), *models, "--runs", str(runs), "--workers", "1", "--no-plots"
    )


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_backtest_writes_its_tables_with_exactly_the_promised_columns(
    dataset: Path, tmp_path: Path
) -> None:
    out = backtest(dataset, tmp_path / "bt", runs=20)
    with (out / "metrics.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip().split(",") == METRIC_COLUMNS
    with (out / "predictions.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip().split(",") == PREDICTION_COLUMNS
    predicted = rows(out / "predictions.csv")
    assert len(predicted) == 3 * 2  # three cases, two models
    # the compromise model by hand: the clout x salience weighted mean of the stated positions
    scenario = next(iter(load_scenario(COUNCIL).variants.values()))
    weight = np.array([a.clout.value * a.salience["cut"].value for a in scenario.actors.values()])
    position = np.array([a.position["cut"].value for a in scenario.actors.values()])
    expected = float((weight * position).sum() / weight.sum())
    for row in predicted:
        if row["model"] == "compromise":
            assert float(row["predicted"]) == pytest.approx(expected, abs=1e-9)
    metrics = {row["model"]: row for row in rows(out / "metrics.csv")}
    errors = [abs(expected - actual) for actual in (35, 50, 60)]  # 0..100: points are units
    assert float(metrics["compromise"]["mae"]) == pytest.approx(np.mean(errors))
    assert float(metrics["compromise"]["mae_diff_vs_compromise"]) == 0


def test_a_backtest_folder_reruns_identically(dataset: Path, tmp_path: Path) -> None:
    out = backtest(dataset, tmp_path / "bt", runs=10)
    shutil.rmtree(dataset)  # a rerun needs only the folder
    code, stdout, stderr = negsim_main("rerun", str(out), "--workers", "1")
    assert code == 0, stderr
    assert "identical" in stdout


def test_a_dataset_without_observed_outcomes_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "none"
    folder.mkdir()
    shutil.copy(COUNCIL, folder / "council.yaml")
    code, _, stderr = negsim_main("backtest", str(folder), "--out", str(tmp_path / "x"))
    assert code == 2
    assert "holds no case with an observed outcome" in stderr
    assert not (tmp_path / "x").exists()


def test_an_unknown_model_is_refused_by_name(dataset: Path, tmp_path: Path) -> None:
    code, _, stderr = negsim_main(
        "backtest", str(dataset), "--models", "oracle", "--out", str(tmp_path / "x")
    )
    assert code == 2
    assert "--models" in stderr and "no model `oracle`" in stderr and "compromise" in stderr


@pytest.mark.slow
@pytest.mark.skipif(not DEU.exists(), reason="../shared/validation is not beside this clone")
def test_the_compromise_model_on_deu_matches_the_published_error(tmp_path: Path) -> None:
    """The check that the DEU reader is right: with capabilities from the file's second row the
    compromise model's MAE on the development set is 22.5 (within 1 point)."""
    out = write_result(
        tmp_path / "deu", "backtest", str(DEU), "--models", "compromise", "--no-plots", "--workers", "1"
    )
    compromise = {row["model"]: row for row in rows(out / "metrics.csv")}["compromise"]
    assert abs(float(compromise["mae"]) - 22.5) < 1.0
