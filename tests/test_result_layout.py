"""The result folder's layout (sim/results/layout.py), summary.json's schema, and the registry
through which `negsim rerun` finds the command that wrote a folder."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from sim.results import layout
from sim.results.layout import MANIFEST, PLOTS, SUMMARY, TREES, added_since, is_result
from tests.conftest import negsim_main, write_result

SMALL = Path(__file__).resolve().parent / "data" / "legacy" / "small.yaml"
CHEAP = ["--rounds", "12", "--workers", "1"]
COMMANDS = {
    "run": ["run", str(SMALL), "--runs", "20", *CHEAP],
    "sensitivity": ["sensitivity", str(SMALL), "--method", "morris", "--samples", "2", "--runs", "2", *CHEAP],
    "discover": ["discover", str(SMALL), "--samples", "20", "--runs", "2", *CHEAP],
}


@pytest.fixture(autouse=True)
def _keep_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", list(sys.argv))


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A folder of each command, with its plots, written in this process."""
    root = tmp_path_factory.mktemp("layout")
    argv = list(sys.argv)
    try:
        return {kind: write_result(root / kind, *args) for kind, args in COMMANDS.items()}
    finally:
        sys.argv = argv


@pytest.fixture
def discovery(folders: dict[str, Path], tmp_path: Path) -> Path:
    return Path(shutil.copytree(folders["discover"], tmp_path / "discovery"))


def test_results_inputs_record_and_drawings_are_told_apart() -> None:
    assert is_result(SUMMARY) and is_result(layout.part(layout.REPLICATIONS, "a/b", 0))
    assert is_result(TREES) and is_result(layout.tree_text("us_led"))
    assert not is_result(MANIFEST) and not is_result(layout.RESOLVED)
    assert not is_result(f"{PLOTS}/agreement.png") and not is_result(layout.COMPARISON_PLOT)
    assert layout.part(layout.PARAMETERS, "a/b", 40) == "parameters/path=a%2Fb/part-0000000040.parquet"


def test_a_file_is_new_only_to_folders_of_an_older_layout() -> None:
    assert added_since(TREES, 1) and not added_since(TREES, layout.LAYOUT)
    assert not added_since(SUMMARY, layout.FIRST_LAYOUT) and not added_since("notes.txt", 1)


@pytest.mark.parametrize("kind", list(COMMANDS))
def test_every_file_a_command_writes_is_named_by_the_layout(kind: str, folders: dict[str, Path]) -> None:
    """No module names a file of the folder on its own: everything written is in the layout."""
    folder = folders[kind]
    manifest = json.loads((folder / MANIFEST).read_text())
    assert manifest["layout"] == layout.LAYOUT
    paths = json.loads((folder / layout.RESOLVED).read_text())["paths"]
    named = {SUMMARY, layout.RESOLVED, *layout.TABLES, *(layout.tree_text(p) for p in paths)}
    for name in manifest["files"]:
        top = name.split("/", 1)[0]
        assert top in named or top == PLOTS, name
        if top in layout.STREAMED:
            path, start = name.split("/")[1][len("path=") :], int(name.rsplit("-", 1)[1].split(".")[0])
            assert name == layout.part(top, path, start)
    assert any(name.startswith(f"{PLOTS}/") for name in manifest["files"])


def test_a_tree_missing_from_a_folder_of_this_layout_is_a_difference(discovery: Path) -> None:
    (discovery / TREES).unlink()
    code, out, err = negsim_main("rerun", str(discovery), "--workers", "1")
    assert code == 3 and f"{TREES}: made by the rerun, not in the recorded folder" in out, out + err
    assert "not compared" not in out


def test_a_file_added_since_a_folders_layout_is_not_compared(discovery: Path) -> None:
    """As a folder written before trees.parquet existed: no layout recorded, no tree table."""
    (discovery / TREES).unlink()
    manifest = json.loads((discovery / MANIFEST).read_text())
    del manifest["layout"], manifest["files"][TREES]
    (discovery / MANIFEST).write_text(json.dumps(manifest))
    code, out, err = negsim_main("rerun", str(discovery), "--workers", "1")
    assert code == 0, out + err
    assert f"not compared: {TREES} (not written by the negsim that made this folder)" in out
    assert "identical: all " in out


def test_a_damaged_layout_number_is_refused(discovery: Path) -> None:
    manifest = json.loads((discovery / MANIFEST).read_text())
    manifest["layout"] = "two"
    (discovery / MANIFEST).write_text(json.dumps(manifest))
    code, out, err = negsim_main("rerun", str(discovery), "--workers", "1")
    assert code == 2 and "manifest.json: layout: expected a whole number" in err and "Rerunning" not in out


@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda s: s["paths"]["direct_talks"]["agreement"].update(share="high"),
            "summary.json: paths.direct_talks.agreement.share: input should be a valid number, got 'high'",
        ),
        (lambda s: s.pop("rounds"), "summary.json: rounds: required key is missing"),
        (lambda s: s.update(seed=True), "summary.json: seed: input should be a valid integer, got True"),
        (lambda s: s.update(colour="red"), "summary.json: colour: is not a key negsim writes"),
        (lambda s: s.update(kind=["run"]), "summary.json: kind: records the kind list, not a run"),
        (
            lambda s: s["paths"]["direct_talks"]["outcomes"].pop("stalemate"),
            "paths.direct_talks.outcomes.stalemate: required key is missing",
        ),
    ],
    ids=["share", "missing", "bool-seed", "unknown-key", "kind", "outcome"],
)
def test_a_damaged_summary_is_one_message_naming_its_key(
    change, expected: str, folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = Path(shutil.copytree(folders["run"], tmp_path / "run"))
    summary = json.loads((folder / SUMMARY).read_text())
    change(summary)
    (folder / SUMMARY).write_text(json.dumps(summary))
    for command in (["plot"], ["compare", str(folders["run"])]):
        code, _out, err = negsim_main(*command[:1], str(folder), *command[1:])
        assert code == 2 and err.count("error:") == 1 and "Traceback" not in err, err
        assert expected in err and f"hint: `negsim verify {folder}` tells what changed" in err


def test_a_summary_without_kind_is_a_run(folders: dict[str, Path], tmp_path: Path) -> None:
    """Folders written before summary.json recorded its kind were all runs."""
    folder = Path(shutil.copytree(folders["run"], tmp_path / "run"))
    summary = json.loads((folder / SUMMARY).read_text())
    del summary["kind"]
    (folder / SUMMARY).write_text(json.dumps(summary))
    code, _out, err = negsim_main("compare", str(folder), str(folders["run"]))
    assert code == 0, err


def test_rerun_repeats_exactly_the_commands_that_write_result_folders(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    """A command registers with rerun by being a FolderCommand: `compare` writes a folder too,
    but not one that can be repeated from a scenario."""
    folder = Path(shutil.copytree(folders["run"], tmp_path / "run"))
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["invocation"]["command"] = "compare"
    (folder / MANIFEST).write_text(json.dumps(manifest))
    code, _out, err = negsim_main("rerun", str(folder), "--workers", "1")
    assert code == 2 and "records the command `compare`, which negsim rerun cannot repeat" in err
    assert "hint: rerun handles folders of: backtest, discover, run, sensitivity" in err


def test_the_round_unit_of_a_scenario_names_rounds_everywhere(tmp_path: Path) -> None:
    """A scenario that counts its rounds in weeks says weeks in the summary, the tables and the
    plots' time axes, never months."""
    scenario = tmp_path / "weekly.yaml"
    scenario.write_text(f"extends: {SMALL}\nrun: {{round_unit: week}}\n", encoding="utf-8")
    folder = tmp_path / "weekly"
    code, out, err = negsim_main("run", str(scenario), "--runs", "20", *CHEAP, "--out", str(folder))
    assert code == 0, err
    assert json.loads((folder / SUMMARY).read_text())["round_unit"] == "week"
    assert "median weeks to agreement" in out and "12 weeks, seed" in out and "month" not in out
    code, out, err = negsim_main(
        "sensitivity", str(scenario), "--method", "morris", "--samples", "2", "--runs", "2", *CHEAP,
        "--no-plots", "--out", str(tmp_path / "weekly-sensitivity"),
    )  # fmt: skip
    assert code == 0, err
    assert "weeks mu*" in out and "months" not in out
