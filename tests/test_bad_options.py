"""Bad command-line options: one `error: ...` message naming what was wrong, exit status 2.

Every command is given numbers out of range or that are not numbers, names that do not exist,
output folders that exist or cannot be written, and scenario files that are missing or are
folders. Click's own usage errors are shown in the same style as negsim's, with a pointer to
the command's `--help`. Nothing may be left behind in the output folder's parent.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim import cli
from tests.conftest import FLAGSHIP, SCENARIOS, negsim_main

NO_EXPLORE = SCENARIOS / "2023-04-mediation-paths.yaml"  # a valid file without `explore:`
CHEAP = ["--runs", "2", "--rounds", "2", "--no-plots", "--workers", "1"]


@dataclass(frozen=True)
class Places:
    """Paths a case may use, made fresh for each test."""

    tmp: Path
    out: Path  # a result folder that does not exist yet
    existing: Path  # a folder that exists
    a_file: Path  # a regular file
    result: Path  # a real result folder of the flagship


Args = Callable[[Places], list[str]]


def negsim(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The installed command's entry point, with sys.argv as a shell would set it."""
    code, _, stderr = negsim_main(*args)
    return code, stderr


@pytest.fixture(scope="module")
def result_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("result") / "flagship"
    argv = sys.argv
    sys.argv = ["negsim", "run", str(FLAGSHIP), *CHEAP, "--out", str(folder)]
    try:
        cli.main()
    except SystemExit as exc:
        pytest.fail(f"the flagship did not run: exit status {exc.code}")
    finally:
        sys.argv = argv
    assert (folder / "summary.json").is_file()
    return folder


@pytest.fixture
def places(tmp_path: Path, result_folder: Path) -> Places:
    existing = tmp_path / "earlier"
    existing.mkdir()
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder\n")
    return Places(tmp_path, tmp_path / "out", existing, a_file, result_folder)


def f(*parts: str | Callable[[Places], str]) -> Args:
    """Arguments, some computed from the places of the test (`lambda p: str(p.out)`)."""
    return lambda p: [part(p) if callable(part) else part for part in parts]


def out(p: Places) -> str:
    return str(p.out)


flagship = str(FLAGSHIP)
usage = "hint: see `negsim"  # Click's usage errors point to the command's --help

CASES: list[tuple[str, Args, list[str]]] = [
    # --- run: numbers ---
    (
        "run-runs-zero",
        f("run", flagship, "--runs", "0", "--out", out),
        ["'--runs'", "0 is not in the range x>=1", usage],
    ),
    (
        "run-runs-negative",
        f("run", flagship, "--runs", "-4", "--out", out),
        ["'--runs'", "-4 is not in the range"],
    ),
    (
        "run-runs-word",
        f("run", flagship, "--runs", "many", "--out", out),
        ["'--runs'", "'many' is not a valid integer"],
    ),
    (
        "run-runs-fraction",
        f("run", flagship, "--runs", "1.5", "--out", out),
        ["'--runs'", "'1.5' is not a valid integer"],
    ),
    (
        "run-runs-huge",
        f("run", flagship, "--runs", str(10**20), "--out", out),
        ["--runs: input should be less than or equal to 10000000"],
    ),
    (
        "run-rounds-zero",
        f("run", flagship, "--rounds", "0", "--out", out),
        ["'--rounds'", "0 is not in the range x>=1"],
    ),
    (
        "run-rounds-word",
        f("run", flagship, "--rounds", "zero", "--out", out),
        ["'--rounds'", "'zero' is not a valid integer"],
    ),
    (
        "run-rounds-huge",
        f("run", flagship, "--rounds", str(10**11), "--out", out),
        ["--rounds: input should be less than or equal to 10000"],
    ),
    (
        "run-seed-negative",
        f("run", flagship, "--seed", "-1", "--out", out),
        ["'--seed'", "-1 is not in the range x>=0"],
    ),
    (
        "run-seed-word",
        f("run", flagship, "--seed", "lucky", "--out", out),
        ["'--seed'", "'lucky' is not a valid integer"],
    ),
    (
        "run-workers-zero",
        f("run", flagship, "--workers", "0", "--out", out),
        ["'--workers'", "0 is not in the range 1<=x<=256"],
    ),
    (
        "run-workers-negative",
        f("run", flagship, "--workers", "-2", "--out", out),
        ["'--workers'", "-2 is not in the range"],
    ),
    (
        "run-chunk-zero",
        f("run", flagship, "--chunk-size", "0", "--out", out),
        ["'--chunk-size'", "0 is not in the range"],
    ),
    (
        "run-chunk-word",
        f("run", flagship, "--chunk-size", "big", "--out", out),
        ["'--chunk-size'", "'big' is not a valid integer"],
    ),
    # --- run: files and folders ---
    (
        "run-out-exists",
        f("run", flagship, *CHEAP, "--out", lambda p: str(p.existing)),
        ["earlier: already exists; negsim never overwrites results", "hint: choose another --out folder"],
    ),
    (
        "run-out-under-a-file",
        f("run", flagship, *CHEAP, "--out", lambda p: str(p.a_file / "out")),
        ["notes.txt is not a folder"],
    ),
    (
        "run-missing-file",
        f("run", lambda p: str(p.tmp / "missing.yaml"), "--out", out),
        ["missing.yaml: file not found"],
    ),
    (
        "run-folder-as-file",
        f("run", lambda p: str(p.existing), "--out", out),
        ["earlier: is a directory, expected a YAML scenario file"],
    ),
    ("run-no-file", f("run"), ["Missing argument 'FILE'", usage]),
    (
        "run-extra-argument",
        f("run", flagship, "other.yaml"),
        ["unexpected extra argument (other.yaml)", usage],
    ),
    ("run-unknown-option", f("run", flagship, "--rnus", "5"), ["No such option '--rnus'", "--runs", usage]),
    ("run-option-without-value", f("run", flagship, "--runs"), ["'--runs' requires an argument"]),
    # --- sensitivity ---
    (
        "sens-method",
        f("sensitivity", flagship, "--method", "fast", "--out", out),
        ["'--method'", "'fast' is not one of 'sobol', 'morris'", usage],
    ),
    (
        "sens-samples-one",
        f("sensitivity", flagship, "--samples", "1", "--out", out),
        ["'--samples'", "1 is not in the range 2<=x<=10000000"],
    ),
    (
        "sens-samples-word",
        f("sensitivity", flagship, "--samples", "lots", "--out", out),
        ["'--samples'", "'lots' is not a valid integer"],
    ),
    (
        "sens-samples-not-power",
        f("sensitivity", flagship, "--samples", "3", "--out", out),
        ["--samples: Sobol' designs need a power of 2, got 3", "use 2 or 4"],
    ),
    (
        "sens-runs-zero",
        f("sensitivity", flagship, "--runs", "0", "--out", out),
        ["'--runs'", "0 is not in the range 1<=x<=10000000"],
    ),
    (
        "sens-rounds-zero",
        f("sensitivity", flagship, "--rounds", "0", "--out", out),
        ["'--rounds'", "0 is not in the range x>=1"],
    ),
    (
        "sens-rounds-huge",
        f("sensitivity", flagship, "--rounds", str(10**6), "--out", out),
        ["--rounds: input should be less than or equal to 10000"],
    ),
    (
        "sens-seed-negative",
        f("sensitivity", flagship, "--seed", "-5", "--out", out),
        ["'--seed'", "-5 is not in the range x>=0"],
    ),
    (
        "sens-chunk-zero",
        f("sensitivity", flagship, "--chunk-size", "0", "--out", out),
        ["'--chunk-size'", "0 is not in the range"],
    ),
    (
        "sens-path",
        f("sensitivity", flagship, "--path", "nosuch", "--out", out),
        ["no mediation path `nosuch`", "choose one of: china_mediates"],
    ),
    ("sens-no-explore", f("sensitivity", str(NO_EXPLORE), "--out", out), ["has no `explore:` section"]),
    (
        "sens-out-exists",
        f("sensitivity", flagship, "--samples", "2", "--runs", "1", "--out", lambda p: str(p.existing)),
        ["earlier: already exists"],
    ),
    (
        "sens-missing-file",
        f("sensitivity", lambda p: str(p.tmp / "missing.yaml")),
        ["missing.yaml: file not found"],
    ),
    ("sens-folder-as-file", f("sensitivity", lambda p: str(p.existing)), ["earlier: is a directory"]),
    # --- discover ---
    (
        "disc-path",
        f("discover", flagship, "--path", "nosuch", "--out", out),
        ["no mediation path `nosuch`", "choose one of: china_mediates"],
    ),
    (
        "disc-samples-few",
        f("discover", flagship, "--samples", "9", "--out", out),
        ["'--samples'", "9 is not in the range x>=10"],
    ),
    (
        "disc-samples-word",
        f("discover", flagship, "--samples", "many", "--out", out),
        ["'--samples'", "'many' is not a valid integer"],
    ),
    (
        "disc-runs-zero",
        f("discover", flagship, "--runs", "0", "--out", out),
        ["'--runs'", "0 is not in the range 1<=x<=10000000"],
    ),
    (
        "disc-outcome",
        f("discover", flagship, "--outcome", "peace", "--out", out),
        ["'--outcome'", "'peace' is not one of 'agreement'"],
    ),
    (
        "disc-coverage-high",
        f("discover", flagship, "--min-coverage", "2", "--out", out),
        ["'--min-coverage'", "2.0 is not in the range 0<=x<=1"],
    ),
    (
        "disc-coverage-negative",
        f("discover", flagship, "--min-coverage", "-0.1", "--out", out),
        ["'--min-coverage'", "-0.1 is not in the range"],
    ),
    (
        "disc-coverage-word",
        f("discover", flagship, "--min-coverage", "half", "--out", out),
        ["'--min-coverage'", "'half' is not a valid float"],
    ),
    (
        "disc-rounds-zero",
        f("discover", flagship, "--rounds", "0", "--out", out),
        ["'--rounds'", "0 is not in the range x>=1"],
    ),
    (
        "disc-seed-negative",
        f("discover", flagship, "--seed", "-1", "--out", out),
        ["'--seed'", "-1 is not in the range x>=0"],
    ),
    (
        "disc-workers-zero",
        f("discover", flagship, "--workers", "0", "--out", out),
        ["'--workers'", "0 is not in the range 1<=x<=256"],
    ),
    ("disc-no-explore", f("discover", str(NO_EXPLORE), "--out", out), ["has no `explore:` section"]),
    (
        "disc-out-exists",
        f("discover", flagship, "--samples", "10", "--runs", "1", "--out", lambda p: str(p.existing)),
        ["earlier: already exists"],
    ),
    (
        "disc-missing-file",
        f("discover", lambda p: str(p.tmp / "missing.yaml")),
        ["missing.yaml: file not found"],
    ),
    ("disc-folder-as-file", f("discover", lambda p: str(p.existing)), ["earlier: is a directory"]),
    # --- validate ---
    (
        "validate-missing-file",
        f("validate", lambda p: str(p.tmp / "missing.yaml")),
        ["missing.yaml: file not found"],
    ),
    (
        "validate-one-of-two-missing",
        f("validate", flagship, lambda p: str(p.tmp / "missing.yaml")),
        ["missing.yaml: file not found"],
    ),
    ("validate-folder-as-file", f("validate", lambda p: str(p.existing)), ["earlier: is a directory"]),
    ("validate-no-file", f("validate"), ["Missing argument 'FILES...'", usage]),
    ("validate-unknown-option", f("validate", flagship, "--strict"), ["No such option '--strict'", usage]),
    # --- show ---
    (
        "show-path",
        f("show", flagship, "--path", "nosuch"),
        ["no mediation path `nosuch`", "choose one of: china_mediates"],
    ),
    ("show-path-without-value", f("show", flagship, "--path"), ["'--path' requires an argument"]),
    ("show-missing-file", f("show", lambda p: str(p.tmp / "missing.yaml")), ["missing.yaml: file not found"]),
    ("show-folder-as-file", f("show", lambda p: str(p.existing)), ["earlier: is a directory"]),
    ("show-extra-argument", f("show", flagship, flagship), ["unexpected extra argument", usage]),
    # --- plot ---
    (
        "plot-missing-folder",
        f("plot", lambda p: str(p.tmp / "nowhere")),
        ["nowhere: is not a negsim result folder (no summary.json)"],
    ),
    ("plot-empty-folder", f("plot", lambda p: str(p.existing)), ["earlier: is not a negsim result folder"]),
    ("plot-a-file", f("plot", lambda p: str(p.a_file)), ["notes.txt: is not a negsim result folder"]),
    (
        "plot-path",
        f("plot", lambda p: str(p.result), "--path", "nosuch"),
        ["no mediation path `nosuch`", "choose one of: china_mediates"],
    ),
    ("plot-no-folder", f("plot"), ["Missing argument 'RESULT_DIR'", usage]),
    # --- the command itself ---
    ("unknown-command", f("simulate", flagship), ["No such command 'simulate'", "hint: see `negsim --help`"]),
    ("unknown-global-option", f("--verbose", "run", flagship), ["No such option '--verbose'"]),
]


@pytest.mark.parametrize("make_args, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_option_gets_one_clear_message(
    make_args: Args, expected: list[str], places: Places, capsys: pytest.CaptureFixture[str]
) -> None:
    before = set(places.tmp.iterdir())
    code, stderr = negsim(make_args(places), capsys)
    assert code == 2, stderr
    assert stderr.startswith("error: ") and stderr.count("error: ") == 1, stderr
    assert "Traceback" not in stderr and "Usage:" not in stderr
    for part in expected:
        assert part in stderr, f"{part!r} not in {stderr!r}"
    assert set(places.tmp.iterdir()) == before  # no result folder, no staging folder
    assert sorted(p.name for p in places.existing.iterdir()) == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write into read-only folders")
def test_a_read_only_parent_is_refused(places: Places, capsys: pytest.CaptureFixture[str]) -> None:
    locked = places.tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        code, stderr = negsim(["run", flagship, *CHEAP, "--out", str(locked / "out")], capsys)
    finally:
        locked.chmod(0o755)
    assert code == 2 and stderr.startswith(f"error: {locked / 'out'}: cannot write here: Permission denied")
    assert list(locked.iterdir()) == []


def _read_only_system_folder() -> Path | None:
    """A folder no process may create entries in, root included (sysfs on Linux)."""
    folder = Path("/sys")
    return folder if sys.platform.startswith("linux") and folder.is_dir() else None


@pytest.mark.skipif(_read_only_system_folder() is None, reason="needs Linux's /sys")
def test_a_folder_nobody_may_write_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    """Like a read-only parent, but true for root as well."""
    target = Path("/sys") / "negsim-results"
    code, stderr = negsim(["run", flagship, *CHEAP, "--out", str(target)], capsys)
    assert code == 2 and stderr.startswith(f"error: {target}: cannot write here:"), stderr
    assert "hint: choose a writable --out folder" in stderr and not target.exists()


def test_negsim_alone_shows_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    """No arguments is not a mistake to explain: the overview of commands is the answer."""
    code, stderr = negsim([], capsys)
    assert code == 2 and "Usage: negsim [OPTIONS] COMMAND" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("content", ["{not json", "[]", "{}"])
def test_plot_on_a_damaged_summary_is_one_clear_message(
    tmp_path: Path, content: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "result"
    folder.mkdir()
    (folder / "summary.json").write_text(content, encoding="utf-8")
    code, stderr = negsim(["plot", str(folder)], capsys)
    assert code == 2 and stderr.startswith("error: ") and "summary.json" in stderr
    assert "Traceback" not in stderr


def test_workers_are_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    code, stderr = negsim(["run", str(FLAGSHIP), "--workers", "100000"], capsys)
    assert code == 2 and "--workers" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    "args",
    [
        ["sensitivity", "--method", "sobol", "--samples", "4096", "--runs", "10000"],
        ["sensitivity", "--method", "morris", "--samples", "1000000", "--runs", "10000"],
        ["discover", "--samples", "10000000", "--runs", "2"],
    ],
    ids=["sobol", "morris", "discover"],
)
def test_a_design_larger_than_a_run_may_be_is_refused_before_it_is_built(
    tmp_path: Path, args: list[str]
) -> None:
    """The limit of `run.replications` holds for the replications a design makes per path, so
    every folder an analysis writes can also be rerun (`negsim rerun` checks the same bound)."""
    command, *options = args
    code, _, err = negsim_main(command, str(FLAGSHIP), *options, "--out", str(tmp_path / "out"))
    assert code == 2, err
    assert "replications per path, more than the limit of 10,000,000" in err
    assert "hint: use fewer --samples or --runs" in err
    assert list(tmp_path.iterdir()) == []
