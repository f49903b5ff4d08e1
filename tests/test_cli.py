"""The command line as a user meets it: exit codes, messages, result folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import cli
from sim.results.stream import read_table
from sim.runner import batch, chunks
from tests import processes
from tests.conftest import FLAGSHIP, SNAPSHOT_2024, write_result


def negsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return processes.negsim(*args, cwd=cwd, timeout=300)


@pytest.fixture(scope="module")
def result_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "flagship"
    done = negsim("run", str(FLAGSHIP), "--runs", "300", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.slow
def test_run_writes_a_complete_result_folder(result_dir: Path) -> None:
    names = {p.name for p in result_dir.iterdir()}
    assert {
        "summary.json",
        "manifest.json",
        "replications",
        "parameters",
        "trajectories.parquet",
        "scenario.resolved.json",
        "plots",
    } <= names
    pngs = sorted(p.name for p in (result_dir / "plots").glob("*.png"))
    # the flagship lets ceasefires break and makes partial deals: two plots of what happened on the way
    on_the_way = ["durations.png", "events.png"]
    assert pngs == ["agreement.png", *on_the_way, "survival.png", "terms.png", "trajectories.png"]


@pytest.mark.slow
def test_summary_agrees_with_the_replication_table(result_dir: Path) -> None:
    summary = json.loads((result_dir / "summary.json").read_text())
    table = read_table(result_dir)
    assert set(table["path"]) == set(summary["paths"])
    for name, path in summary["paths"].items():
        rows = table[table["path"] == name]
        assert len(rows) == 300
        share = (rows["outcome"] == "agreement").mean()
        assert path["agreement"]["share"] == pytest.approx(share)
        assert path["agreement"]["low"] <= share <= path["agreement"]["high"]
        assert sum(path["outcomes"].values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_manifest_records_how_the_folder_was_made(result_dir: Path) -> None:
    manifest = json.loads((result_dir / "manifest.json").read_text())
    assert manifest["seed"] == 20241209 and manifest["replications"] == 300
    assert manifest["command"][:2] == ["negsim", "run"]
    assert "replications/path=china_mediates/part-0000000000.parquet" in manifest["files"]
    resolved = json.loads((result_dir / "scenario.resolved.json").read_text())
    assert resolved["digest"] == manifest["scenario_digest"]


@pytest.mark.slow
def test_the_run_prints_a_table_per_path(tmp_path: Path) -> None:
    done = negsim(
        "run",
        str(FLAGSHIP),
        "--runs",
        "20",
        "--rounds",
        "6",
        "--no-plots",
        "--out",
        str(tmp_path / "r"),
    )
    assert done.returncode == 0, done.stderr
    for label in ("China mediates", "No mediation", "agreement [95% CI]", "territory"):
        assert label in done.stdout


@pytest.mark.slow
def test_plot_redraws_from_saved_results(result_dir: Path, tmp_path: Path) -> None:
    (result_dir / "plots" / "agreement.png").unlink()
    done = negsim("plot", str(result_dir), "--path", "no_mediation")
    assert done.returncode == 0, done.stderr
    assert (result_dir / "plots" / "agreement.png").stat().st_size > 0


@pytest.mark.slow
def test_existing_folder_is_never_overwritten(result_dir: Path) -> None:
    before = (result_dir / "summary.json").read_bytes()
    done = negsim("run", str(FLAGSHIP), "--runs", "5", "--out", str(result_dir))
    assert done.returncode == 2
    assert "already exists" in done.stderr and "Traceback" not in done.stderr
    assert (result_dir / "summary.json").read_bytes() == before


@pytest.mark.slow  # a real process per case, about 7 s in all; in-process cases cover the messages quickly
@pytest.mark.parametrize(
    "args, expected",
    [
        (["run", "missing.yaml"], "file not found"),
        (["run", str(FLAGSHIP), "--runs", "-4"], "Invalid value for '--runs'"),
        (["run", str(FLAGSHIP), "--rounds", "zero"], "Invalid value for '--rounds'"),
        (["show", str(FLAGSHIP), "--path", "nowhere"], "no mediation path `nowhere`"),
        (["plot", "."], "is not a negsim result folder"),
        (["validate", str(FLAGSHIP), "missing.yaml"], "missing.yaml: file not found"),
    ],
)
def test_bad_input_exits_2_with_one_message(args: list[str], expected: str, tmp_path: Path) -> None:
    done = negsim(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_validate_accepts_the_shipped_files() -> None:
    done = negsim("validate", str(FLAGSHIP))
    assert done.returncode == 0 and "ok" in done.stdout


def test_show_prints_evidence_beside_values() -> None:
    done = negsim("show", str(FLAGSHIP), "--path", "china_mediates")
    assert done.returncode == 0, done.stderr
    assert "I do not want [China] to act as a mediator." in " ".join(done.stdout.split())
    assert "Ukraine (party)" in done.stdout


def test_an_interrupted_run_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C midway through the second path: nothing appears, not even a partial folder."""
    calls = {"n": 0}
    real = chunks.run_chunk

    def interrupted(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "run_chunk", interrupted)
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "negsim",
            "run",
            str(FLAGSHIP),
            "--runs",
            "10",
            "--no-plots",
            "--workers",
            "1",
            "--chunk-size",
            "5",
            "--out",
            str(tmp_path / "out"),
        ],
    )
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 130
    assert list(tmp_path.iterdir()) == []
    assert "interrupted" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend",
    [["--workers", "1"], ["--workers", "2"], ["--dask", "local", "--workers", "2"]],
    ids=["serial", "processes", "dask"],
)
def test_ctrl_c_on_a_real_process_leaves_nothing(tmp_path: Path, backend: list[str]) -> None:
    """SIGINT to a running `negsim run`: exit 130, no result folder, no staging folder left,
    and every worker process it started is gone."""
    import signal
    import time

    import psutil

    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "keep.txt").write_text("untouched")
    command = [sys.executable, "-m", "sim.cli", "run", str(FLAGSHIP), "--runs", "200000", "--no-plots"]
    with processes.running([*command, *backend, "--out", str(tmp_path / "new")]) as process:
        deadline = time.monotonic() + 60
        while not any(p.name.startswith(".new.partial-") for p in tmp_path.iterdir()):
            assert time.monotonic() < deadline and process.poll() is None, "the run never started writing"
            time.sleep(0.05)
        workers: list[psutil.Process] = []
        while not (workers or backend[1] == "1") and time.monotonic() < deadline:
            workers = psutil.Process(process.pid).children(recursive=True)
            time.sleep(0.1)
        time.sleep(1.0)  # let it get into the simulation proper
        process.send_signal(signal.SIGINT)
        _, stderr = processes.finish(process, timeout=60)
        _, alive = psutil.wait_procs(workers, timeout=10)  # before the group is killed
        assert alive == []
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["earlier"]
    assert (earlier / "keep.txt").read_text() == "untouched"


def test_a_path_that_adds_an_actor_runs_and_draws_it_on_that_path_only(tmp_path: Path) -> None:
    """A mediator that only one path brings in: the run once crashed writing the trajectories
    (every path's fan was labelled with the first path's actors)."""
    scenario = tmp_path / "norway.yaml"
    scenario.write_text(
        f"extends: {SNAPSHOT_2024}\nname: norway\nvariants:\n"
        "  direct: {label: Direct talks}\n"
        "  norway_hosts:\n    label: Norway hosts\n"
        "    mediation: {mediators: [norway], style: facilitative}\n"
        "    actors:\n      norway:\n        name: Norway\n        role: mediator\n"
        "        position: {territory: 0.5, ceasefire: 0.5, security: 0.5, sanctions: 0.5, consent: 0.5,\n"
        "                   escalation: 0.8, humanitarian: 0.9}\n"
        "        salience: {territory: 0.5, ceasefire: 0.5, security: 0.5, sanctions: 0.5, consent: 0.5,\n"
        "                   escalation: 0.5, humanitarian: 0.5}\n"
        "        clout: 0.2\n        stubbornness: 0.5\n"
    )
    folder = write_result(
        tmp_path / "out", "run", str(scenario), "--runs", "20", "--rounds", "6", "--workers", "1"
    )
    fans = pd.read_parquet(folder / "trajectories.parquet")
    actors = fans.groupby("path")["actor"].unique().map(set).to_dict()
    assert actors["norway_hosts"] - actors["direct"] == {"norway"}
    assert "norway" not in actors["direct"]
    assert json.loads((folder / "summary.json").read_text())["actors"]["norway"] == "Norway"
