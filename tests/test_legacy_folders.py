"""Result folders written before the result-folder layout moved into one module (negsim at
e3353d2, tests/data/legacy/README.md) rerun identically: `negsim rerun` exits 0 for a run, a
sensitivity analysis and a scenario discovery, and says which file it did not compare because
that negsim did not write it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sim.results.compare import data_files
from sim.results.layout import ADDED_IN, EVENTS, SUMMARY, TREES
from sim.results.summary_schema import dump, parse
from tests import processes

LEGACY = Path(__file__).resolve().parent / "data" / "legacy"
KINDS = ("run", "sensitivity", "discover")
NOT_WRITTEN = "(not written by the negsim that made this folder)"


@pytest.fixture(params=KINDS)
def legacy(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """A copy of one legacy folder (a rerun must never touch the committed one)."""
    return request.param, Path(shutil.copytree(LEGACY / request.param, tmp_path / request.param))


def test_a_folder_written_before_the_layout_module_reruns_identically(
    legacy: tuple[str, Path], tmp_path: Path
) -> None:
    kind, folder = legacy
    again = tmp_path / "again"
    done = processes.negsim("rerun", str(folder), "--workers", "1", "--out", str(again), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Rerunning `negsim {kind}` of {folder} from scenario.resolved.json" in done.stdout
    assert f"identical: all {len(data_files(folder))} data files of {folder} reproduced" in done.stdout
    assert (again / SUMMARY).read_bytes() == (folder / SUMMARY).read_bytes()
    skipped = [line for line in done.stdout.splitlines() if line.startswith("not compared:")]
    # the files added since, said once each (a streamed table as its folder): every other one is compared
    added = [f"{EVENTS}/", *([TREES] if kind == "discover" else [])]
    assert skipped == [f"not compared: {name} {NOT_WRITTEN}" for name in sorted(added)]
    assert (again / EVENTS).is_dir() and (kind != "discover" or (again / TREES).is_file())


@pytest.mark.parametrize("kind", KINDS)
def test_their_summaries_read_and_write_back_byte_for_byte(kind: str) -> None:
    """The typed summary reproduces what the older negsim wrote: keys, order, floats, nulls."""
    text = (LEGACY / kind / SUMMARY).read_text(encoding="utf-8")
    summary = parse(json.loads(text), SUMMARY, "")
    assert json.dumps(dump(summary), indent=2, ensure_ascii=False) + "\n" == text


def test_the_legacy_folders_are_of_the_first_layout() -> None:
    """They must stay as that negsim wrote them: no layout recorded, none of the files added since."""
    for kind in KINDS:
        manifest = json.loads((LEGACY / kind / "manifest.json").read_text())
        assert "layout" not in manifest and not set(ADDED_IN) & set(manifest["files"])
