"""`negsim compare`: two run folders, path by path, paired when they shared their random draws.

The statistics (sim/analysis/paired.py) are checked against values worked out by hand and
against Newcombe's published examples; the command against small run folders of the flagship
and of a what-if that changes one number on one path.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from sim.analysis.paired import (
    MIN_PAIRED,
    OUTCOMES,
    newcombe_difference,
    outcome_differences,
    paired_difference,
    same_replications,
)
from sim.results.summary import Z95
from tests.conftest import FLAGSHIP, SNAPSHOT_2024, negsim_main, write_result

SMALL = ["--runs", "200", "--rounds", "24", "--workers", "1", "--no-plots"]
CSV_COLUMNS = [
    "path",
    "outcome",
    "share_a",
    "share_b",
    "difference",
    "ci_low",
    "ci_high",
    "paired",
    "n_a",
    "n_b",
]


# --- the statistics ----------------------------------------------------------------------


def test_paired_interval_equals_the_hand_computed_one() -> None:
    """50 matched replications: 12 where only B has the outcome, 4 where only A has it, 34 where
    both agree. d has mean 8/50 = 0.16 and variance (Σd² − n·mean²)/(n − 1) = (16 − 1.28)/49,
    so sd = 0.548095 and the half-width is 1.959964 · 0.548095 / √50 = 0.151921."""
    a = np.array([0] * 12 + [1] * 4 + [1] * 10 + [0] * 24)
    b = np.array([1] * 12 + [0] * 4 + [1] * 10 + [0] * 24)
    found = paired_difference(a, b)
    half = Z95 * math.sqrt((16 - 50 * 0.16**2) / 49) / math.sqrt(50)
    assert found.difference == pytest.approx(0.16, abs=1e-15)
    assert found.low == pytest.approx(0.16 - half, abs=1e-12)
    assert found.high == pytest.approx(0.16 + half, abs=1e-12)
    assert (round(found.low, 4), round(found.high, 4)) == (0.0081, 0.3119)
    # the pairing matters: the same shares as independent samples give a wider interval
    unpaired = newcombe_difference(int(a.sum()), 50, int(b.sum()), 50)
    assert unpaired.high - unpaired.low > found.high - found.low


def test_paired_interval_of_equal_runs_is_exactly_zero() -> None:
    hits = np.random.default_rng(1).random(400) < 0.3
    found = paired_difference(hits, hits.copy())
    assert (found.difference, found.low, found.high) == (0.0, 0.0, 0.0)


def test_no_paired_interval_below_the_minimum() -> None:
    """Below MIN_PAIRED pairs the normal approximation is not trusted: the difference only."""
    a = np.zeros(MIN_PAIRED - 1, dtype=bool)
    b = a.copy()
    b[:5] = True
    found = paired_difference(a, b)
    assert found.difference == pytest.approx(5 / (MIN_PAIRED - 1))
    assert math.isnan(found.low) and math.isnan(found.high)
    assert not math.isnan(paired_difference(np.zeros(MIN_PAIRED), np.ones(MIN_PAIRED)).low)


@pytest.mark.parametrize(
    "b, a, low, high",
    [
        # Newcombe (1998), Table II, method 10 (hybrid score, no continuity correction):
        ((56, 70), (48, 80), 0.0524, 0.3339),  # example (a): difference 0.2000
        ((9, 10), (3, 10), 0.1705, 0.8090),  # example (b): difference 0.6000
        # both proportions 0: the bounds are the Wilson bounds of 0/10, z²/(n + z²) = 0.2775
        ((0, 10), (0, 10), -0.2775, 0.2775),
    ],
)
def test_newcombe_interval_matches_the_published_examples(
    b: tuple[int, int], a: tuple[int, int], low: float, high: float
) -> None:
    """Example (a) by hand: Wilson intervals 56/70 → (0.69183, 0.87695), 48/80 → (0.49045,
    0.70038); lower = 0.2 − √(0.10817² + 0.10038²) = 0.05243, upper = 0.2 + √(0.07695² +
    0.10955²) = 0.33387."""
    found = newcombe_difference(a[0], a[1], b[0], b[1])
    assert found.difference == pytest.approx(b[0] / b[1] - a[0] / a[1])
    assert found.low == pytest.approx(low, abs=5e-5)
    assert found.high == pytest.approx(high, abs=5e-5)


def test_outcome_differences_per_outcome() -> None:
    a = np.array(["agreement"] * 30 + ["ceasefire"] * 50 + ["stalemate"] * 20)
    b = np.array(["agreement"] * 40 + ["ceasefire"] * 40 + ["breakdown"] * 20)
    paired = {row.outcome: row for row in outcome_differences(a, b, paired=True)}
    assert list(paired) == list(OUTCOMES)
    assert paired["agreement"].difference == pytest.approx(0.1)
    assert paired["breakdown"].share_a == 0 and paired["breakdown"].share_b == pytest.approx(0.2)
    assert paired["stalemate"].difference == pytest.approx(-0.2)
    assert all(row.paired and row.n_a == row.n_b == 100 for row in paired.values())
    unpaired = outcome_differences(a, b[:80], paired=False)
    assert all(not row.paired and row.n_b == 80 for row in unpaired)
    assert unpaired[0].difference == pytest.approx(40 / 80 - 0.3)


def test_same_replications() -> None:
    assert same_replications(np.arange(5), np.arange(5))
    assert not same_replications(np.arange(5), np.arange(6))
    assert not same_replications(np.arange(5), np.arange(1, 6))


# --- the command ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small flagship runs: the default seed, a copy of it, another seed, fewer replications."""
    folder = tmp_path_factory.mktemp("compare")
    base = write_result(folder / "a", "run", str(FLAGSHIP), *SMALL)
    copy = folder / "a-copy"
    shutil.copytree(base, copy)
    other_seed = write_result(folder / "seed7", "run", str(FLAGSHIP), *SMALL, "--seed", "7")
    fewer = write_result(folder / "fewer", "run", str(FLAGSHIP), *[*SMALL[:1], "150", *SMALL[2:]])
    return {"a": base, "copy": copy, "seed7": other_seed, "fewer": fewer}


def comparison_rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "comparison.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == CSV_COLUMNS
        return list(reader)


def test_a_run_compared_with_its_copy_differs_by_exactly_zero(runs: dict[str, Path], tmp_path: Path) -> None:
    out_dir = tmp_path / "comparison"
    code, out, err = negsim_main("compare", str(runs["a"]), str(runs["copy"]), "--out", str(out_dir))
    assert code == 0, err
    assert "Unpaired" not in out and "0.0 pp [0.0, 0.0]" in out and f"Results: {out_dir}" in out
    rows = comparison_rows(out_dir)
    summary = json.loads((runs["a"] / "summary.json").read_text())
    assert len(rows) == 4 * len(summary["paths"])
    assert {row["path"] for row in rows} == set(summary["paths"])
    for row in rows:
        assert float(row["difference"]) == 0.0 and float(row["ci_low"]) == 0.0 == float(row["ci_high"])
        assert row["paired"] == "true" and row["n_a"] == row["n_b"] == "200"
        assert row["share_a"] == row["share_b"]
    png = out_dir / "plots" / "comparison.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()) == [
        "comparison.csv",
        "manifest.json",
        "plots/comparison.png",
    ]
    code, out, err = negsim_main("verify", str(out_dir))
    assert code == 0 and "2 files match" in out, err
    (out_dir / "comparison.csv").write_text("path\n", encoding="utf-8")
    code, out, err = negsim_main("verify", str(out_dir))
    assert code == 2 and "changed: comparison.csv" in out


def test_a_comparison_folder_cannot_be_rerun_or_compared(runs: dict[str, Path], tmp_path: Path) -> None:
    out_dir = tmp_path / "comparison"
    assert negsim_main("compare", str(runs["a"]), str(runs["copy"]), "--out", str(out_dir))[0] == 0
    code, out, err = negsim_main("rerun", str(out_dir))
    assert code == 2 and "`compare`, which negsim rerun cannot repeat" in err and "Traceback" not in err
    code, out, err = negsim_main("compare", str(out_dir), str(runs["a"]))
    assert code == 2 and "is not a negsim result folder (no summary.json)" in err
    code, out, err = negsim_main("compare", str(runs["a"]), str(runs["copy"]), "--out", str(out_dir))
    assert code == 2 and "already exists" in err and out == ""  # refused before printing anything


def test_runs_with_different_seeds_are_unpaired_with_the_reason(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    out_dir = tmp_path / "comparison"
    code, out, err = negsim_main("compare", str(runs["a"]), str(runs["seed7"]), "--out", str(out_dir))
    assert code == 0, err
    assert "Unpaired, different seed (A 20241209, B 7): every path" in out
    assert "different streams" not in out and "different replications" not in out
    rows = comparison_rows(out_dir)
    assert {row["paired"] for row in rows} == {"false"}
    assert any(float(row["difference"]) != 0 for row in rows)
    for row in rows:  # Newcombe's interval holds the difference and stays within [-1, 1]
        assert -1 <= float(row["ci_low"]) <= float(row["difference"]) <= float(row["ci_high"]) <= 1


def test_runs_with_different_replications_are_unpaired(runs: dict[str, Path]) -> None:
    code, out, err = negsim_main("compare", str(runs["a"]), str(runs["fewer"]))
    assert code == 0, err
    assert (
        "Unpaired, different replications (A 200, B 150): every path" in out and "different seed" not in out
    )


def write_what_if(folder: Path) -> tuple[Path, Path]:
    """A base with two paths, and a what-if that extends it, takes a name of its own and makes
    war three times as costly for Russia on one path only."""
    folder.mkdir(parents=True, exist_ok=True)
    base = folder / "base.yaml"
    base.write_text(
        f"extends: {SNAPSHOT_2024}\n"
        "name: compare-base\n"
        "run: {replications: 200, rounds: 24, seed: 11}\n"
        "variants:\n"
        "  china_presses_russia:\n"
        "    label: China presses Russia\n"
        "    mediation: {style: none, pressing: [china]}\n"
        "  no_mediation:\n"
        "    label: No mediation\n"
        "    mediation: {style: none}\n",
        encoding="utf-8",
    )
    what_if = folder / "what-if.yaml"
    what_if.write_text(
        "extends: base.yaml\n"
        "name: compare-what-if\n"
        "variants:\n"
        "  china_presses_russia:\n"
        "    actors:\n"
        "      russia: {cost_of_war: 0.018}\n",
        encoding="utf-8",
    )
    return base, what_if


def test_a_what_if_on_one_path_leaves_the_other_path_exactly_unchanged(tmp_path: Path) -> None:
    """The what-if inherits its base's random streams, so both runs draw the same numbers: the
    path it did not touch ends every replication exactly as before (difference 0, paired), and
    the path it changed shows the change alone, paired too."""
    base, what_if = write_what_if(tmp_path / "scenarios")
    a = write_result(tmp_path / "base", "run", str(base), *SMALL)
    b = write_result(tmp_path / "what-if", "run", str(what_if), *SMALL)
    out_dir = tmp_path / "comparison"
    code, out, err = negsim_main("compare", str(a), str(b), "--out", str(out_dir))
    assert code == 0, err
    rows = {(row["path"], row["outcome"]): row for row in comparison_rows(out_dir)}
    for outcome in OUTCOMES:
        unchanged = rows[("no_mediation", outcome)]
        assert unchanged["paired"] == "true", out
        assert float(unchanged["difference"]) == 0.0
        assert float(unchanged["ci_low"]) == 0.0 == float(unchanged["ci_high"])
        assert rows[("china_presses_russia", outcome)]["paired"] == "true"
    changed = [float(rows[("china_presses_russia", outcome)]["difference"]) for outcome in OUTCOMES]
    assert any(d != 0 for d in changed) and sum(changed) == pytest.approx(0, abs=1e-12)


def test_paths_in_one_run_only_are_listed(runs: dict[str, Path], tmp_path: Path) -> None:
    base, _ = write_what_if(tmp_path / "scenarios")
    small = write_result(tmp_path / "base", "run", str(base), *SMALL)
    code, out, err = negsim_main("compare", str(runs["a"]), str(small))
    assert code == 0, err
    assert "Only in A (not compared): China mediates (China–Brazil six points), US-led" in out
    assert "Only in B" not in out
    assert "different streams (A 2024-12-mediation-paths, B compare-base)" in out
    assert "different seed (A 20241209, B 11)" in out


def test_labels_are_escaped(runs: dict[str, Path], tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    shutil.copytree(runs["a"], hostile)
    summary = json.loads((hostile / "summary.json").read_text())
    summary["paths"]["no_mediation"]["label"] = "[red]No[/red] \x1b[2J mediation"
    summary["title"] = "[bold]title"
    (hostile / "summary.json").write_text(json.dumps(summary))
    code, out, err = negsim_main("compare", str(hostile), str(runs["copy"]))
    assert code == 0, err
    assert "[red]No[/red] \\x1b[2J mediation" in out and "[bold]title" in out and "\x1b" not in out


def one_error(err: str) -> str:
    assert err.count("error:") == 1 and "hint:" in err and "Traceback" not in err, err
    return err


def test_refuses_an_analysis_folder(tmp_path: Path, runs: dict[str, Path]) -> None:
    sensitivity = write_result(
        tmp_path / "sensitivity",
        "sensitivity",
        str(FLAGSHIP),
        *["--method", "morris", "--samples", "4", "--runs", "3", "--path", "no_mediation"],
        *["--rounds", "12", "--no-plots", "--workers", "1"],
    )
    code, out, err = negsim_main("compare", str(runs["a"]), str(sensitivity))
    assert code == 2 and out == ""
    assert "holds a sensitivity analysis, not a run" in one_error(err)
    assert "give two folders that `negsim run` wrote" in err


def test_refuses_a_summary_of_another_kind(tmp_path: Path, runs: dict[str, Path]) -> None:
    odd = tmp_path / "odd"
    shutil.copytree(runs["a"], odd)
    summary = json.loads((odd / "summary.json").read_text())
    summary["kind"] = "weird"
    (odd / "summary.json").write_text(json.dumps(summary))
    code, out, err = negsim_main("compare", str(odd), str(runs["a"]))
    assert code == 2 and out == ""
    assert "records the kind 'weird', not a run" in one_error(err)


@pytest.mark.parametrize("what", ["missing", "file", "empty"])
def test_refuses_what_is_not_a_run_folder(what: str, tmp_path: Path, runs: dict[str, Path]) -> None:
    target = tmp_path / what
    if what == "file":
        target.write_text("not a folder")
    elif what == "empty":
        target.mkdir()
    code, out, err = negsim_main("compare", str(target), str(runs["a"]))
    assert code == 2 and out == ""
    expected = {
        "missing": "does not exist",
        "file": "is not a folder",
        "empty": "is not a negsim result folder (no summary.json)",
    }[what]
    assert expected in one_error(err)


def test_refuses_a_damaged_table(tmp_path: Path, runs: dict[str, Path]) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(runs["a"], damaged)
    part = next((damaged / "replications" / "path=no_mediation").glob("*.parquet"))
    part.write_bytes(b"PAR1 not really")
    code, out, err = negsim_main("compare", str(runs["a"]), str(damaged))
    assert code == 2 and out == ""
    assert "is damaged" in one_error(err) and "negsim verify" in err
