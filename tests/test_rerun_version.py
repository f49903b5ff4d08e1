"""`negsim rerun` of a folder that another version of negsim wrote: when the results differ, the
message says which versions are involved (the likeliest cause, see CHANGELOG.md); when they
are identical all the same, it says so in passing."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from sim import __version__
from tests.conftest import FLAGSHIP, negsim_main, write_result

SMALL = ["--runs", "40", "--rounds", "12", "--no-plots", "--workers", "1", "--chunk-size", "20"]
OLDER = "0.0.1"


@pytest.fixture(autouse=True)
def _keep_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", list(sys.argv))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_result(tmp_path_factory.mktemp("rerun-version") / "run", "run", str(FLAGSHIP), *SMALL)


@pytest.fixture
def copy(run_dir: Path, tmp_path: Path) -> Path:
    """A copy of the run folder that a test may change."""
    return Path(shutil.copytree(run_dir, tmp_path / "copy"))


def record_version(folder: Path, version: object) -> None:
    """Make the folder's manifest say that `version` of negsim wrote it."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["negsim_version"] = version
    (folder / "manifest.json").write_text(json.dumps(manifest))


def change_a_result(folder: Path) -> None:
    """One difference the rerun will find: a path's label in summary.json."""
    summary = json.loads((folder / "summary.json").read_text())
    next(iter(summary["paths"].values()))["label"] = "renamed"
    (folder / "summary.json").write_text(json.dumps(summary))


def rerun(folder: Path) -> tuple[int, str, str]:
    return negsim_main("rerun", str(folder), "--workers", "1")


def test_different_results_of_another_version_name_both_versions(copy: Path) -> None:
    record_version(copy, OLDER)
    change_a_result(copy)
    code, out, err = rerun(copy)
    assert code == 3 and "identical" not in out
    assert err.startswith(
        f"error: {copy}: the rerun gives different results: 1 difference(s); the folder was written "
        f"by negsim {OLDER} and this is negsim {__version__}, so they may come from the change of "
        "version (see CHANGELOG.md)\n"
    ), err
    assert f"hint: keep the rerun with --out DIR to inspect it; `negsim verify {copy}`" in err
    assert "Traceback" not in err


def test_different_results_of_this_version_keep_the_plain_message(copy: Path) -> None:
    change_a_result(copy)
    code, out, err = rerun(copy)
    assert code == 3 and "identical" not in out
    assert err.startswith(f"error: {copy}: the rerun gives different results: 1 difference(s)\n"), err
    assert "written by negsim" not in out + err and "CHANGELOG" not in err


def test_identical_results_of_another_version_say_so_briefly(copy: Path) -> None:
    record_version(copy, OLDER)
    code, out, err = rerun(copy)
    assert code == 0, err
    last = out.splitlines()[-1]
    assert last.startswith("identical: all ") and last.endswith(
        f"data files of {copy} reproduced, though the folder was written by negsim {OLDER} "
        f"and this is negsim {__version__}"
    ), out


def test_identical_results_of_this_version_name_no_version(run_dir: Path) -> None:
    code, out, err = rerun(run_dir)
    assert code == 0, err
    assert out.splitlines()[-1].endswith(f"data files of {run_dir} reproduced")
    assert "written by negsim" not in out + err


@pytest.mark.parametrize(
    "recorded, shown",
    [
        ("9.9\x1b[2J", "9.9\\x1b[2J"),  # a terminal's escape sequence is shown, never acted on
        (7, None),  # not a version: not mentioned
        ("9" * 1000, None),  # too long to be one
        (None, None),
    ],
    ids=["escape-sequence", "number", "too-long", "none"],
)
def test_a_recorded_version_is_read_as_untrusted_text(
    copy: Path, recorded: object, shown: str | None
) -> None:
    record_version(copy, recorded)
    change_a_result(copy)
    code, _, err = rerun(copy)
    assert code == 3 and "\x1b" not in err
    if shown is None:
        assert "written by negsim" not in err
    else:
        assert f"written by negsim {shown} and this is negsim {__version__}" in err
