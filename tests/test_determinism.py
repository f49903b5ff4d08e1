"""Same seed, same results, beyond `negsim run` on one machine's defaults.

tests/test_backends.py checks `negsim run` across chunk sizes 1, 7 and 1000, 1 and 2 workers
and a Dask LocalCluster. This file adds: the order in which chunks finish never shows in a
file, a fresh process with another string-hash seed gives byte-identical files, and the
analyses (`sensitivity`, `discover`), whose replications carry design points, are identical
across backends and chunk sizes too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sim.results import checksums
from sim.results.layout import STREAMED
from sim.results.stream import PARAMETERS, REPLICATIONS, PartSink, read_table
from sim.runner.chunks import plan_chunks, run_chunk
from sim.scenario.loader import LoadedScenario
from tests import processes
from tests.conftest import FLAGSHIP

pytestmark = pytest.mark.slow  # whole runs in processes of their own; `-m 'not slow'` skips them

PATHS = ["--path", "china_mediates", "--path", "us_china_joint"]
ANALYSES = {
    "sensitivity": ["--method", "morris", "--samples", "4", "--runs", "5", *PATHS],
    "discover": ["--samples", "20", "--runs", "3", *PATHS],
}
TABLES = {
    "sensitivity": ["design.parquet", "points.parquet", "indices.parquet"],
    "discover": ["design.parquet", "prim.parquet"],
}


def negsim(out: Path, *args: str, hash_seed: str = "0") -> Path:
    done = processes.negsim(
        *args, "--no-plots", "--out", str(out), timeout=600, env={"PYTHONHASHSEED": hash_seed}
    )
    assert done.returncode == 0, done.stderr
    return out


def test_the_order_in_which_chunks_finish_never_shows(flagship: LoadedScenario, tmp_path: Path) -> None:
    """Workers return chunks in any order; every file written from them must be the same."""
    chunks = [
        chunk
        for name in ("no_mediation", "china_mediates", "us_china_joint")
        for chunk in plan_chunks(name, flagship.variants[name], 20, 6, 7, chunk_size=10, trajectory_until=20)
    ]
    results = [run_chunk(chunk) for chunk in chunks]
    written = []
    for order, name in ((results, "in-order"), (results[::-1], "reversed")):
        sink = PartSink(tmp_path / name)
        for result in order:
            sink.write(result)
        actors = {name: list(flagship.variants[name].actors) for name in flagship.variants}
        sink.write_trajectories(actors, list(flagship.variants["no_mediation"].issues))
        written.append(checksums.checksum_folder(tmp_path / name))
    assert written[0] == written[1]
    assert len(written[0]) == len(STREAMED) * len(chunks) + 1  # each streamed table, then trajectories


def test_a_fresh_process_gives_byte_identical_files(tmp_path: Path) -> None:
    """Two processes with different string-hash seeds (so sets and dicts of strings iterate
    differently) write the same bytes: every checksum in the two manifests agrees."""
    args = ["run", str(FLAGSHIP), "--runs", "30", "--rounds", "24", "--chunk-size", "13", "--workers", "1"]
    first = negsim(tmp_path / "first", *args, hash_seed="1")
    second = negsim(tmp_path / "second", *args, hash_seed="4242")
    files = [json.loads((f / "manifest.json").read_text())["files"] for f in (first, second)]
    assert files[0] == files[1]
    assert len([name for name in files[0] if name.startswith(REPLICATIONS)]) == 6 * 3  # 3 chunks per path


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Each analysis the simplest way (serially, one chunk per path), made once when first asked for."""
    made: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in made:
            folder = tmp_path_factory.mktemp(f"{kind}-reference") / "result"
            serial = ["--rounds", "24", "--workers", "1", "--chunk-size", "1000"]
            made[kind] = negsim(folder, kind, str(FLAGSHIP), *ANALYSES[kind], *serial)
        return made[kind]

    return get


DASK = ["--dask", "local", "--workers", "2", "--chunk-size", "13"]
PROCESSES = ["--workers", "2", "--chunk-size", "7"]


@pytest.mark.parametrize(
    ("kind", "options"),
    [("sensitivity", PROCESSES), ("sensitivity", DASK), ("discover", PROCESSES)],
    ids=["sensitivity-2-workers-chunk-7", "sensitivity-dask-local-chunk-13", "discover-2-workers-chunk-7"],
)
def test_analyses_are_identical_on_every_backend_and_chunk_size(
    reference: Callable[[str], Path], tmp_path: Path, kind: str, options: list[str]
) -> None:
    """Chunks of 7 and 13 cut through design points (5 and 3 runs each), so a chunk's rows
    belong to several points; the tables, indices, boxes and summaries must not notice."""
    expected = reference(kind)
    got = negsim(tmp_path / "result", kind, str(FLAGSHIP), *ANALYSES[kind], "--rounds", "24", *options)
    for table in (REPLICATIONS, PARAMETERS):
        pd.testing.assert_frame_equal(read_table(got, table), read_table(expected, table), check_exact=True)
    for name in TABLES[kind]:
        pd.testing.assert_frame_equal(
            pd.read_parquet(got / name), pd.read_parquet(expected / name), check_exact=True
        )
    assert (got / "summary.json").read_text() == (expected / "summary.json").read_text()
