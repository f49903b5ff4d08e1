"""Same seed, same results: whatever the backend, worker count or chunk size, bit for bit."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.results.stream import PARAMETERS, REPLICATIONS, TRAJECTORIES, read_table
from tests import processes
from tests.conftest import FLAGSHIP

pytestmark = pytest.mark.slow  # whole runs in processes of their own; `-m 'not slow'` skips them

RUNS = "60"  # per path: enough for several chunks at every chunk size below, quick on one core


def negsim_run(out: Path, *options: str) -> Path:
    command = ["run", str(FLAGSHIP), "--runs", RUNS, "--no-plots"]
    done = processes.negsim(*command, *options, "--out", str(out), timeout=600)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One chunk per path, in this process."""
    return negsim_run(tmp_path_factory.mktemp("reference") / "run", "--workers", "1", "--chunk-size", "1000")


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        REPLICATIONS: read_table(folder, REPLICATIONS),
        PARAMETERS: read_table(folder, PARAMETERS),
        TRAJECTORIES: pd.read_parquet(folder / TRAJECTORIES),
    }


def summary(folder: Path) -> dict:
    data = json.loads((folder / "summary.json").read_text())
    data.pop("file")
    return data


@pytest.mark.parametrize(
    "options",
    [
        ["--workers", "1", "--chunk-size", "1"],
        ["--workers", "1", "--chunk-size", "7"],
        ["--workers", "2", "--chunk-size", "7"],
        ["--dask", "local", "--workers", "2", "--chunk-size", "13"],
    ],
    ids=["serial-chunk-1", "serial-chunk-7", "2-workers-chunk-7", "dask-local-chunk-13"],
)
def test_results_are_bit_identical(reference: Path, tmp_path: Path, options: list[str]) -> None:
    other = negsim_run(tmp_path / "run", *options)
    expected, got = tables(reference), tables(other)
    for name in expected:
        pd.testing.assert_frame_equal(got[name], expected[name], check_exact=True)
    assert summary(other) == summary(reference)


def test_same_chunks_give_byte_identical_files(tmp_path: Path) -> None:
    """With equal chunk sizes even the Parquet parts match byte for byte, serial or parallel."""
    serial = negsim_run(tmp_path / "serial", "--workers", "1", "--chunk-size", "25")
    parallel = negsim_run(tmp_path / "parallel", "--workers", "2", "--chunk-size", "25")
    names = sorted(p.relative_to(serial) for p in serial.rglob("*.parquet"))
    assert names == sorted(p.relative_to(parallel) for p in parallel.rglob("*.parquet"))
    assert len(names) > 6 * 2  # several parts per path, plus the trajectories
    for name in names:
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name


def test_an_unreachable_dask_scheduler_is_an_input_error(tmp_path: Path) -> None:
    command = ["run", str(FLAGSHIP), "--runs", "5", "--no-plots"]
    command += ["--dask", "tcp://127.0.0.1:9", "--out", str(tmp_path / "run")]
    done = processes.negsim(*command, timeout=120)
    assert done.returncode == 2
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:9" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []
