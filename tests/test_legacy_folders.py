"""Result folders written by negsim 0.1.0, before the result-folder layout moved into one
module (negsim at e3353d2, tests/data/legacy/README.md), rerun with the same outcomes:
`negsim rerun` reads them, repeats each run, a sensitivity analysis and a scenario discovery,
says which file it did not compare because that negsim did not write it, and, since the
numbers differ in the last digits (CHANGELOG.md, 0.2.0), says that the folder was written by
another version."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import __version__
from sim.results.compare import data_files
from sim.results.layout import ADDED_IN, EVENTS, REPLICATIONS, SUMMARY, TREES
from sim.results.stream import read_table
from sim.results.summary_schema import dump, parse
from tests import processes

LEGACY = Path(__file__).resolve().parent / "data" / "legacy"
KINDS = ("run", "sensitivity", "discover")
NOT_WRITTEN = "(not written by the negsim that made this folder)"
WRITTEN_BY = "0.1.0"
# 0.2.0 changed numbers only by rounding (compiled rules, closed-form inverse CDFs): draws
# moved by at most 1.2e-13, and a run's terms by a few 1e-15 (CHANGELOG.md). A difference
# this much larger than those would be a change of behaviour, not of rounding.
ROUNDING = 1e-9
EXIT_DIFFERENT = 3


@pytest.fixture(params=KINDS)
def legacy(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path]:
    """A copy of one legacy folder (a rerun must never touch the committed one)."""
    return request.param, Path(shutil.copytree(LEGACY / request.param, tmp_path / request.param))


@pytest.mark.slow  # a whole rerun of each folder
def test_a_folder_written_by_0_1_0_reruns_with_the_same_outcomes(
    legacy: tuple[str, Path], tmp_path: Path
) -> None:
    kind, folder = legacy
    again = tmp_path / "again"
    done = processes.negsim("rerun", str(folder), "--workers", "1", "--out", str(again), timeout=120)
    said = done.stdout + done.stderr
    assert f"Rerunning `negsim {kind}` of {folder} from scenario.resolved.json" in done.stdout
    skipped = [line for line in done.stdout.splitlines() if line.startswith("not compared:")]
    # the files added since, said once each (a streamed table as its folder): every other one is compared
    added = [f"{EVENTS}/", *([TREES] if kind == "discover" else [])]
    assert skipped == [f"not compared: {name} {NOT_WRITTEN}" for name in sorted(added)]
    assert (again / EVENTS).is_dir() and (kind != "discover" or (again / TREES).is_file())
    versions = f"the folder was written by negsim {WRITTEN_BY} and this is negsim {__version__}"
    if done.returncode == 0:  # nothing a rounding difference reached
        assert f"identical: all {len(data_files(folder))} data files of {folder} reproduced" in said
        assert versions in said
    else:
        assert done.returncode == EXIT_DIFFERENT, said
        assert versions in said and "CHANGELOG.md" in said
    recorded, rerun = read_table(folder, REPLICATIONS), read_table(again, REPLICATIONS)
    pd.testing.assert_series_equal(recorded["outcome"].astype(str), rerun["outcome"].astype(str))
    numbers = [c for c in recorded.columns if pd.api.types.is_float_dtype(recorded[c])]
    assert numbers, recorded.columns
    for column in numbers:  # terms and utilities: the same up to rounding, NaN where no agreement
        np.testing.assert_allclose(
            rerun[column], recorded[column], rtol=ROUNDING, atol=ROUNDING, err_msg=column
        )
    assert (rerun.drop(columns=numbers).astype(str) == recorded.drop(columns=numbers).astype(str)).all().all()


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
