"""`negsim verify` and `negsim rerun`: a shared result folder can be checked file by file and
recomputed from what it records about itself."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sys
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from sim.results import checksums
from sim.results.stream import read_table
from tests.conftest import FLAGSHIP, SNAPSHOT_2024, negsim_main, write_result

SMALL = ["--runs", "40", "--rounds", "12", "--no-plots", "--workers", "1", "--chunk-size", "20"]


def negsim(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run the command line in this process, as `negsim ARGS`: exit status, stdout, stderr."""
    return negsim_main(*args)


def make(folder: Path, *args: str) -> Path:
    """A result folder written by the real command (in this process, so it is quick)."""
    return write_result(folder, *args)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make(tmp_path_factory.mktemp("verify") / "run", "run", str(FLAGSHIP), *SMALL)


@pytest.fixture
def copy(run_dir: Path, tmp_path: Path) -> Path:
    """A copy of the run folder that a test may damage."""
    return Path(shutil.copytree(run_dir, tmp_path / "copy"))


@pytest.fixture(autouse=True)
def _keep_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", list(sys.argv))


def test_manifest_checksums_are_those_of_the_files(run_dir: Path) -> None:
    """One implementation: the manifest lists every file but itself, with its SHA-256."""
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["files"] == checksums.checksum_folder(run_dir, skip=["manifest.json"])
    part = "replications/path=no_mediation/part-0000000020.parquet"
    assert manifest["files"][part] == hashlib.sha256((run_dir / part).read_bytes()).hexdigest()
    assert manifest["invocation"]["command"] == "run"
    options = manifest["invocation"]["options"]
    assert (options["runs"], options["rounds"], options["chunk_size"], options["seed"]) == (40, 12, 20, None)


def test_verify_accepts_an_untouched_folder(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = negsim(capsys, "verify", str(run_dir))
    files = len(json.loads((run_dir / "manifest.json").read_text())["files"])
    assert code == 0 and f"{files} files match manifest.json" in out


def test_verify_names_each_changed_missing_and_added_file(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = copy / "replications/path=china_mediates/part-0000000000.parquet"
    data = bytearray(changed.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit
    changed.write_bytes(bytes(data))
    (copy / "parameters/path=no_mediation/part-0000000020.parquet").unlink()
    (copy / "notes.txt").write_text("my reading of the results\n")
    code, out, err = negsim(capsys, "verify", str(copy))
    assert code == 2
    assert out.splitlines() == [  # every file, exactly these
        "changed: replications/path=china_mediates/part-0000000000.parquet",
        "missing: parameters/path=no_mediation/part-0000000020.parquet",
        "added: notes.txt",
    ]
    assert err.startswith(f"error: {copy}: does not match its manifest.json: 1 changed, 1 missing, 1 added\n")
    assert "hint: " in err and "Traceback" not in err


@pytest.mark.parametrize(
    "manifest, expected",
    [
        (None, "has no manifest.json"),
        ('{"files": {"summary.json": ', "manifest.json:1:28: is not valid JSON"),
        ('["a list"]', "manifest.json: files: has no valid checksums"),
        ('{"files": {"summary.json": "not a checksum"}}', "files: has no valid checksums"),
        (
            '{"files": {"../../etc/passwd": "' + "0" * 64 + '"}}',
            "lists `../../etc/passwd`, which is not a file",
        ),
    ],
    ids=["missing", "truncated", "not-a-mapping", "bad-digest", "outside-the-folder"],
)
def test_a_missing_or_damaged_manifest_is_one_clear_error(
    copy: Path, capsys: pytest.CaptureFixture[str], manifest: str | None, expected: str
) -> None:
    if manifest is None:
        (copy / "manifest.json").unlink()
    else:
        (copy / "manifest.json").write_text(manifest)
    for command in ("verify", "rerun"):
        code, _, err = negsim(capsys, command, str(copy))
        assert code == 2, (command, err)
        assert expected in err and "hint: " in err and "Traceback" not in err


def test_checksums_stream_large_files(tmp_path: Path) -> None:
    """A 64 MiB file is hashed correctly while Python allocates far less than its size."""
    big = tmp_path / "big.parquet"
    block = bytes(range(256)) * 4096  # 1 MiB
    with big.open("wb") as handle:
        for _ in range(64):
            handle.write(block)
    expected = hashlib.sha256(block * 64).hexdigest()
    tracemalloc.start()
    try:
        digest = checksums.sha256_file(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert digest == expected
    assert peak < 8 * 2**20


def test_rerun_of_an_untouched_run_is_identical(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Kept with --out (and on other chunks: the comparison is of data, not of files), the rerun
    is itself a complete folder that verifies."""
    again = tmp_path / "again"
    code, out, err = negsim(
        capsys, "rerun", str(run_dir), "--out", str(again), "--chunk-size", "40", "--workers", "1"
    )
    assert code == 0, err
    assert "from scenario.resolved.json" in out and "identical" in out
    pd.testing.assert_frame_equal(read_table(again), read_table(run_dir), check_exact=True)
    assert negsim(capsys, "verify", str(again))[0] == 0
    assert json.loads((again / "manifest.json").read_text())["invocation"]["command"] == "run"


def test_rerun_names_the_data_that_differs(copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    part = copy / "replications/path=no_mediation/part-0000000020.parquet"
    table = pd.read_parquet(part)
    end = table["end_round"].to_numpy().copy()
    end[2] += 1  # replication 22 "ended" a month later
    table["end_round"] = end
    table.to_parquet(part, index=False)
    summary = json.loads((copy / "summary.json").read_text())
    summary["paths"]["no_mediation"]["replications"] = 41
    (copy / "summary.json").write_text(json.dumps(summary))
    (copy / "parameters/path=china_mediates/part-0000000020.parquet").unlink()
    fan = pd.read_parquet(copy / "trajectories.parquet")
    median = fan["q50"].to_numpy().copy()
    median[5] = 0.5 if median[5] != 0.5 else 0.25
    fan["q50"] = median
    fan.to_parquet(copy / "trajectories.parquet", index=False)
    (copy / "notes.txt").write_text("an analyst's note is not a result\n")
    code, out, err = negsim(capsys, "rerun", str(copy), "--workers", "1")
    assert code == 3 and "identical" not in out
    assert "the rerun gives different results: 4 difference(s)" in err and "Traceback" not in err
    lines = out.splitlines()[1:]  # after "Rerunning ..."
    assert len(lines) == 4, out
    assert "summary.json: paths.no_mediation.replications: 41 recorded, 40 rerun" in lines
    assert "parameters/path=china_mediates/: 20 rows only in the rerun (replication 20…39)" in lines
    assert any(
        line.startswith("trajectories.parquet: 1 of ") and "differ in q50 (first: row 5" in line
        for line in lines
    )
    assert any(
        line.startswith(
            "replications/path=no_mediation/: 1 of 40 rows differ in end_round (first: replication 22"
        )
        for line in lines
    )
    assert "notes.txt" not in out + err


def test_rerun_uses_the_resolved_scenario_not_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once the folder exists the scenario file may change or go: the folder holds the scenario."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"extends: {SNAPSHOT_2024}\n")
    folder = make(tmp_path / "run", "run", str(scenario), *SMALL)
    scenario.write_text(f"extends: {SNAPSHOT_2024}\ndynamics: {{shock_sd: 0.09}}\n")
    code, out, err = negsim(capsys, "rerun", str(folder), "--workers", "1")
    assert code == 0 and "identical" in out, err
    scenario.unlink()
    assert negsim(capsys, "rerun", str(folder), "--workers", "1")[0] == 0


def test_rerun_uses_only_the_folder_never_the_recorded_scenario_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """If scenario.resolved.json no longer reproduces the recorded digest, rerun refuses, even
    when the scenario file the manifest names is unchanged: a manifest may name any file, so
    that file is never opened (tests/test_result_integrity.py shows why)."""
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(f"extends: {SNAPSHOT_2024}\n")
    folder = make(tmp_path / "run", "run", str(scenario), *SMALL)
    resolved = folder / "scenario.resolved.json"
    data = json.loads(resolved.read_text())
    data["paths"]["base"]["dynamics"]["shock_sd"]["value"] = 0.09  # no longer what ran
    resolved.write_text(json.dumps(data))
    code, out, err = negsim(capsys, "rerun", str(folder), "--workers", "1")
    assert code == 2 and "Rerunning" not in out and "Traceback" not in err
    assert f"{resolved}: does not reproduce the scenario digest recorded in manifest.json" in err
    assert "hint: the folder was changed after the run" in err


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda m: m.pop("invocation"), "written by an older negsim; repeat it by hand: negsim run"),
        (lambda m: m["invocation"].update(command="plot"), "records the command `plot`"),
        (lambda m: m["invocation"]["options"].update(chunk_size=0), "invocation.options.chunk_size"),
        (lambda m: m["invocation"]["options"].pop("runs"), "invocation.options.runs: required key"),
        (lambda m: m.update(seed="twelve"), "manifest.json: seed: expected a whole number"),
    ],
    ids=["no-invocation", "other-command", "bad-option", "missing-option", "bad-seed"],
)
def test_rerun_refuses_a_manifest_it_cannot_follow(
    copy: Path, capsys: pytest.CaptureFixture[str], change, expected: str
) -> None:
    manifest = json.loads((copy / "manifest.json").read_text())
    change(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = negsim(capsys, "rerun", str(copy), "--workers", "1")
    assert code == 2 and "Rerunning" not in out
    assert expected in err and "Traceback" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["sensitivity", "--method", "morris", "--samples", "4", "--runs", "3", "--path", "china_mediates"],
        ["discover", "--samples", "30", "--runs", "3", "--path", "us_china_joint"],
    ],
    ids=["sensitivity", "discover"],
)
def test_rerun_repeats_analyses(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Explored ranges live in scenario.resolved.json too; indices, boxes and trees must match."""
    kind, *options = command
    folder = make(
        tmp_path / kind, kind, str(FLAGSHIP), *options, "--rounds", "12", "--no-plots", "--workers", "1"
    )
    assert "explore" in json.loads((folder / "scenario.resolved.json").read_text())
    code, out, err = negsim(capsys, "rerun", str(folder), "--workers", "1")
    assert code == 0 and "from scenario.resolved.json" in out and "identical" in out, err
    summary = folder / "summary.json"
    data = json.loads(summary.read_text())
    first = next(iter(data["paths"].values()))
    first["label"] = "renamed"
    summary.write_text(json.dumps(data))
    code, out, err = negsim(capsys, "rerun", str(folder), "--workers", "1")
    assert code == 3 and ".label: 'renamed' recorded" in out and "1 difference(s)" in err


def test_a_file_that_cannot_be_read_is_named_not_raised(
    run_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = checksums.sha256_file

    def denied(path: Path, *inside: Path) -> str:
        if path.name == "summary.json":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real(path, *inside)

    monkeypatch.setattr(checksums, "sha256_file", denied)
    code, out, err = negsim(capsys, "verify", str(run_dir))
    assert code == 2 and err.startswith(f"error: {run_dir}: does not match its manifest.json: 1 unreadable")
    assert out.splitlines() == ["unreadable: summary.json (Permission denied)"]


def test_rerun_never_overwrites_a_folder(run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (run_dir / "manifest.json").read_bytes()
    code, out, err = negsim(capsys, "rerun", str(run_dir), "--out", str(run_dir))
    assert code == 2 and "Rerunning" not in out
    assert "already exists; negsim never overwrites results" in err
    assert (run_dir / "manifest.json").read_bytes() == before
