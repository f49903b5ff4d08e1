"""Sensitivity and scenario discovery: the samplers, the index wrapper on a function with known
indices, and both commands end to end on small designs of the flagship."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import samplers, sensitivity
from sim.scenario.loader import load_scenario
from tests import processes
from tests.conftest import FLAGSHIP, SNAPSHOT_2024


def negsim(*args: str) -> subprocess.CompletedProcess[str]:
    return processes.negsim(*args, timeout=600)


def test_latin_hypercube_puts_one_point_in_every_slice_of_every_axis() -> None:
    design = samplers.latin_hypercube(50, 3, seed=4)
    for column in design.T:
        assert sorted(np.floor(column * 50).astype(int)) == list(range(50))
    assert np.array_equal(design, samplers.latin_hypercube(50, 3, seed=4))
    assert not np.array_equal(design, samplers.latin_hypercube(50, 3, seed=5))


def test_sobol_and_morris_designs_have_their_textbook_sizes() -> None:
    names = ["a", "b", "c"]
    assert samplers.sobol(16, names, seed=1).shape == (16 * (3 + 2), 3)
    morris = samplers.morris(10, names, seed=1)
    assert morris.shape == (10 * (3 + 1), 3)
    assert set(np.round(morris.ravel(), 6)) <= {0.0, round(1 / 3, 6), round(2 / 3, 6), 1.0}


def test_sobol_indices_of_the_ishigami_function() -> None:
    """Ishigami (a=7, b=0.1) on [-pi, pi]^3 has S1 = (0.314, 0.442, 0) and ST = (0.558, 0.442,
    0.244). With 2^12 base samples the bootstrap half-widths are about 0.02-0.04, so 0.06 is a
    tolerance of roughly two half-widths; x3 acts only through its interaction with x1."""
    names = ["x1", "x2", "x3", sensitivity.NOISE_FLOOR]
    unit = samplers.sobol(4096, names, seed=3)
    x = -np.pi + 2 * np.pi * unit[:, :3]
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table = sensitivity.indices("sobol", names, unit, y, seed=3).set_index("parameter")
    assert np.allclose(table["S1"][:3], [0.314, 0.442, 0.0], atol=0.06)
    assert np.allclose(table["ST"][:3], [0.558, 0.442, 0.244], atol=0.06)
    assert abs(table.loc[sensitivity.NOISE_FLOOR, "ST"]) < 0.01  # the dummy changes nothing
    assert list(sensitivity.ranked(table.reset_index(), "sobol")["parameter"][:3]) == ["x1", "x2", "x3"]


def test_an_output_that_never_varies_has_no_indices() -> None:
    table = sensitivity.indices("sobol", ["a"], np.zeros((6, 1)), np.zeros(6), seed=0)
    assert table["ST"].isna().all()


APRIL_2023 = FLAGSHIP.parent / "2023-04-mediation-paths.yaml"  # has no explore: section of its own


@pytest.fixture(scope="module")
def sensitivity_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """December 2024's actors without mediation: Ukraine's red line, and a parameter no rule
    reads while shocks are off (shock size)."""
    folder = tmp_path_factory.mktemp("sensitivity")
    scenario = folder / "explore.yaml"
    scenario.write_text(
        f"extends: {SNAPSHOT_2024}\n"
        "run: {rounds: 36}\n"
        "mechanisms: {shocks: false}\n"
        "explore:\n"
        "  actors.ukraine.red_lines.territory.threshold: [0.3, 0.9]\n"
        "  dynamics.shock_sd: [0.0, 0.05]\n",
        encoding="utf-8",
    )
    out = folder / "result"
    done = negsim(
        "sensitivity", str(scenario), "--samples", "64", "--runs", "30",
        "--workers", "1", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_sensitivity_writes_a_complete_folder(sensitivity_folder: Path) -> None:
    names = {p.name for p in sensitivity_folder.iterdir()}
    assert {"summary.json", "manifest.json", "design.parquet", "points.parquet", "indices.parquet"} <= names
    assert {"replications", "parameters", "scenario.resolved.json", "plots"} <= names
    assert sorted(p.name for p in (sensitivity_folder / "plots").iterdir()) == [
        "tornado-agreement.png",
        "tornado-rounds.png",
    ]
    summary = json.loads((sensitivity_folder / "summary.json").read_text())
    design = pd.read_parquet(sensitivity_folder / "design.parquet")
    k = len(summary["experiment"]["parameters"])
    assert k == 2 and len(design) == 64 * (k + 1 + 2)  # two explored parameters plus the noise floor
    points = pd.read_parquet(sensitivity_folder / "points.parquet")
    assert (points["runs"] == 30).all()


@pytest.mark.slow
def test_an_inert_parameter_is_no_more_influential_than_the_noise_floor(sensitivity_folder: Path) -> None:
    """With shocks off, shock size is read by no rule: its total index is pure estimation noise,
    like the dummy's. Both are estimates of zero, so they must agree within their CIs, and the
    red line, which decides agreement directly, must rank above both."""
    indices = pd.read_parquet(sensitivity_folder / "indices.parquet")
    rows = indices[indices["output"] == "agreement"].set_index("parameter")
    inert, floor = rows.loc["dynamics.shock_sd"], rows.loc[sensitivity.NOISE_FLOOR]
    assert abs(inert["ST"] - floor["ST"]) <= inert["ST_conf"] + floor["ST_conf"]
    red_line = rows.loc["actors.ukraine.red_lines.territory.threshold"]
    assert red_line["ST"] - red_line["ST_conf"] > max(inert["ST"], floor["ST"])


@pytest.mark.slow
def test_plot_redraws_a_sensitivity_folder(sensitivity_folder: Path) -> None:
    for png in (sensitivity_folder / "plots").iterdir():
        png.unlink()
    done = negsim("plot", str(sensitivity_folder))
    assert done.returncode == 0, done.stderr
    assert len(list((sensitivity_folder / "plots").glob("tornado-*.png"))) == 2


@pytest.fixture(scope="module")
def discovery_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("discovery")
    out = folder / "result"
    done = negsim(
        "discover", str(FLAGSHIP), "--path", "no_mediation", "--samples", "400", "--runs", "4",
        "--rounds", "36", "--workers", "1", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "No mediation converges in" in done.stdout
    return out


@pytest.mark.slow
def test_discovery_finds_that_a_less_demanding_ukrainian_red_line_helps(discovery_folder: Path) -> None:
    """Ukraine's territorial red line is `at_least`: the lower it is, the more packages pass, so
    any box PRIM reports for agreement may cut it from above but never from below."""
    summary = json.loads((discovery_folder / "summary.json").read_text())
    path = summary["paths"]["no_mediation"]
    assert path["finding"] and path["box"]["density"] > path["base_rate"]
    red_line = "actors.ukraine.red_lines.territory.threshold"
    assert red_line in path["box"]["limits"]
    low, high = path["box"]["limits"][red_line]
    explored = next(u.range for u in load_scenario(FLAGSHIP).explore.uncertainties if u.name == red_line)
    assert low == pytest.approx(explored.low, abs=0.01) and high < explored.high  # cut from above only
    assert "Ukraine: territorial red line ≤" in path["sentence"]


@pytest.mark.slow
def test_discovery_writes_its_tables_and_plots(discovery_folder: Path) -> None:
    names = {p.name for p in discovery_folder.iterdir()}
    assert {
        "design.parquet",
        "prim.parquet",
        "tree-no_mediation.txt",
        "trees.parquet",
        "summary.json",
        "manifest.json",
    } <= names
    trajectory = pd.read_parquet(discovery_folder / "prim.parquet")
    assert trajectory["chosen"].sum() == 1 and trajectory["coverage"].is_monotonic_decreasing
    plots = sorted(p.name for p in (discovery_folder / "plots").iterdir())
    assert plots == ["prim-box-no_mediation.png", "prim-tradeoff-no_mediation.png", "tree-no_mediation.png"]


@pytest.mark.slow
def test_analyses_need_an_explore_section_and_valid_sizes(tmp_path: Path) -> None:
    done = negsim(
        "discover", str(FLAGSHIP.parent / "2023-04-mediation-paths.yaml"), "--out", str(tmp_path / "x")
    )
    assert done.returncode == 2 and "has no `explore:` section" in done.stderr
    done = negsim("sensitivity", str(FLAGSHIP), "--samples", "48", "--out", str(tmp_path / "y"))
    assert done.returncode == 2 and "Sobol' designs need a power of 2, got 48" in done.stderr
    assert "use 32 or 64" in done.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
