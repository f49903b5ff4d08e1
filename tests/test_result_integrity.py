"""Result folders from anyone: `negsim verify`, `rerun` and `plot` treat every file and every
recorded value of a folder as untrusted input.

Each test here was written against a defect found by adversarial testing and fails without
its fix: verify followed symbolic links out of the folder and would block on a FIFO; a
crafted manifest made rerun quote other files; recorded numbers were trusted (10^12
replications, 1.8 TiB allocations, RecursionError); a damaged Parquet file got the hint
"check free disk space"; and `negsim plot` made `negsim verify` fail, or left half its plots
on Ctrl-C.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
import sys
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import NegsimError
from sim.plots import canvas
from sim.results import writer
from sim.results.stream import read_table
from tests import processes
from tests.conftest import FLAGSHIP, negsim_main, write_result

SMALL = ["--runs", "40", "--rounds", "12", "--workers", "1", "--chunk-size", "20"]
# the flagship's plots: with fragile ceasefires and partial deals, two of what happened on the way
PLOTS = ["agreement.png", "durations.png", "events.png", "survival.png", "terms.png", "trajectories.png"]
SECRET = "hunter2-do-not-show"


@pytest.fixture(scope="module")
def plotted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_result(tmp_path_factory.mktemp("integrity") / "plotted", "run", str(FLAGSHIP), *SMALL)


@pytest.fixture(scope="module")
def unplotted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("integrity") / "unplotted"
    return write_result(folder, "run", str(FLAGSHIP), *SMALL, "--no-plots")


@pytest.fixture
def copy(plotted: Path, tmp_path: Path) -> Path:
    """A copy of the plotted run folder that a test may damage."""
    return Path(shutil.copytree(plotted, tmp_path / "copy"))


@pytest.fixture
def bare(unplotted: Path, tmp_path: Path) -> Path:
    """A copy of a run folder written with --no-plots."""
    return Path(shutil.copytree(unplotted, tmp_path / "bare"))


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the result folder, holding what a link may point at."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture(autouse=True)
def _keep_argv(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", list(sys.argv))


def snapshot(folder: Path) -> dict[str, str]:
    """Every entry below `folder`, hidden ones included, with its kind and a regular file's
    SHA-256; links are recorded, not followed."""
    found = {}
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            path = Path(parent) / name
            mode = path.lstat().st_mode
            key = path.relative_to(folder).as_posix()
            if stat.S_ISREG(mode):
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif stat.S_ISLNK(mode):
                found[key] = f"link to {os.readlink(path)}"
            else:
                found[key] = stat.filemode(mode)
    return found


def clean(code: int, out: str, err: str, status: int = 2) -> None:
    """One message in the house style: the status, a hint, no traceback."""
    assert code == status, (out, err)
    assert err.startswith("error: ") and "hint: " in err, err
    assert "Traceback" not in out + err


def edit_manifest(folder: Path, change) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


# 1. verify never reads through a link, and reports links, folders and special files


def test_verify_reports_a_recorded_file_replaced_by_a_link_to_an_identical_copy(
    copy: Path, outside: Path
) -> None:
    """Before: the link was followed, the copy's checksum matched, and verify said "ok"."""
    shutil.copy(copy / "summary.json", outside / "summary.json")
    (copy / "summary.json").unlink()
    (copy / "summary.json").symlink_to(outside / "summary.json")
    code, out, err = negsim_main("verify", str(copy))
    clean(code, out, err)
    assert out.splitlines() == ["changed: summary.json (a symbolic link, not followed)"]
    assert "1 changed" in err


def test_verify_reports_a_recorded_folder_replaced_by_a_link(copy: Path, outside: Path) -> None:
    """A link on the way to a recorded file is not followed either."""
    shutil.move(copy / "replications", outside / "replications")
    (copy / "replications").symlink_to(outside / "replications")
    code, out, err = negsim_main("verify", str(copy))
    clean(code, out, err)
    lines = out.splitlines()
    assert "added: replications (a symbolic link, not followed)" in lines
    changed = [line for line in lines if line.startswith("changed: replications/")]
    assert len(changed) == 12 and all("behind replications, a symbolic link" in x for x in changed)


def test_verify_reports_added_links_folders_and_fifos_without_opening_them(copy: Path, outside: Path) -> None:
    """Run as a process with a time limit: before, a FIFO was opened and verify blocked."""
    (outside / "notes.txt").write_text("elsewhere\n")
    (outside / "inner").mkdir()
    (outside / "inner" / "deep.txt").write_text("not to be listed\n")
    (copy / "link-to-file").symlink_to(outside / "notes.txt")
    (copy / "link-to-folder").symlink_to(outside)
    (copy / "extra" / "more").mkdir(parents=True)
    (copy / "extra" / "more" / "a.txt").write_text("a\n")
    (copy / "empty").mkdir()
    os.mkfifo(copy / "pipe")
    os.mkfifo(copy / "plots" / "pipe")
    done = processes.negsim("verify", str(copy), timeout=60)
    clean(done.returncode, done.stdout, done.stderr)
    assert done.stdout.splitlines() == [
        "added: empty (a folder)",
        "added: extra (a folder)",
        "added: link-to-file (a symbolic link, not followed)",
        "added: link-to-folder (a symbolic link, not followed)",
        "added: pipe (a FIFO, not opened)",
        "added: plots/pipe (a FIFO, not opened)",
    ]
    assert "6 added" in done.stderr


def test_verify_shows_control_characters_in_names_as_escapes(copy: Path) -> None:
    """A file named to clear the screen is listed with the escape visible, not obeyed."""
    (copy / "notes\x1b[2J\rok.txt").write_text("x\n")
    code, out, err = negsim_main("verify", str(copy))
    clean(code, out, err)
    assert out.splitlines() == ["added: notes\\x1b[2J\\rok.txt"] and "\x1b" not in out


def test_verify_reports_a_fifo_where_a_file_was_recorded(copy: Path) -> None:
    (copy / "plots" / "terms.png").unlink()
    os.mkfifo(copy / "plots" / "terms.png")
    done = processes.negsim("verify", str(copy), timeout=60)
    clean(done.returncode, done.stdout, done.stderr)
    assert done.stdout.splitlines() == ["changed: plots/terms.png (a FIFO, not opened)"]


@pytest.mark.parametrize("name", ["manifest.json", "summary.json"])
def test_a_linked_manifest_or_summary_is_never_followed(copy: Path, outside: Path, name: str) -> None:
    """Not even to an identical copy: what lies outside the folder is not the folder."""
    shutil.move(copy / name, outside / name)
    (copy / name).symlink_to(outside / name)
    commands = [["verify"], ["rerun", "--workers", "1"], ["plot"]]
    for command in commands if name == "manifest.json" else [["plot"]]:
        code, out, err = negsim_main(command[0], str(copy), *command[1:])
        clean(code, out, err)
        assert f"{name}: is a symbolic link, not followed" in err, (command, err)
    if name == "summary.json":
        code, out, _ = negsim_main("verify", str(copy))
        assert code == 2 and out.splitlines() == [f"changed: {name} (a symbolic link, not followed)"]


# 2. no message quotes a file that is not a scenario file of the folder


def _secret_scenario(outside: Path) -> Path:
    secret = outside / "shadow"
    secret.write_text(f"{SECRET}_user: {SECRET}\nroot_{SECRET}: 19000\n")
    return secret


def test_rerun_never_opens_the_scenario_file_a_manifest_names(copy: Path, outside: Path) -> None:
    """Before: when scenario.resolved.json did not reproduce the digest, rerun loaded the file the
    manifest named, and its "unknown key" errors listed that file's lines."""
    secret = _secret_scenario(outside)
    edit_manifest(copy, lambda m: m.update(scenario_file=str(secret)))
    resolved = json.loads((copy / "scenario.resolved.json").read_text())
    resolved["digest"] = "0" * 64
    first = next(iter(resolved["paths"].values()))
    first["title"] = "changed after the run"
    (copy / "scenario.resolved.json").write_text(json.dumps(resolved))
    code, out, err = negsim_main("rerun", str(copy), "--workers", "1")
    clean(code, out, err)
    assert SECRET not in out + err and "Rerunning" not in out
    assert "scenario.resolved.json: does not reproduce the scenario digest recorded in manifest.json" in err


def test_rerun_never_opens_a_fifo_in_the_folder(copy: Path) -> None:
    """A process with a time limit: before, rerun opened scenario.resolved.json, a FIFO here,
    and waited forever for a writer."""
    (copy / "scenario.resolved.json").unlink()
    os.mkfifo(copy / "scenario.resolved.json")
    done = processes.negsim("rerun", str(copy), "--workers", "1", timeout=60)
    clean(done.returncode, done.stdout, done.stderr)
    assert "scenario.resolved.json: is a FIFO, not opened" in done.stderr


def test_rerun_does_not_quote_a_linked_resolved_scenario(copy: Path, outside: Path) -> None:
    secret = _secret_scenario(outside)
    (copy / "scenario.resolved.json").unlink()
    (copy / "scenario.resolved.json").symlink_to(secret)
    code, out, err = negsim_main("rerun", str(copy), "--workers", "1")
    clean(code, out, err)
    assert SECRET not in out + err
    assert "scenario.resolved.json: is a symbolic link, not followed" in err


def test_rerun_does_not_compare_a_linked_data_file(copy: Path, outside: Path) -> None:
    """A recorded table replaced by a link to another table is not read: its rows stay unquoted."""
    part = "replications/path=no_mediation/part-0000000000.parquet"
    table = pd.read_parquet(copy / part)
    table["outcome"] = SECRET
    table.to_parquet(outside / "other.parquet", index=False)
    (copy / part).unlink()
    (copy / part).symlink_to(outside / "other.parquet")
    code, out, err = negsim_main("rerun", str(copy), "--workers", "1")
    assert code == 3 and SECRET not in out + err and "Traceback" not in err
    assert "replications/path=no_mediation/: 20 rows only in the rerun (replication 0…19)" in out


# 3. recorded values within the command line's bounds; JSON files limited in size and depth


@pytest.mark.slow  # a copy of a run folder and a rerun per value, about 9 s in all
@pytest.mark.parametrize(
    "change, expected",
    [
        (
            lambda m: m.update(replications=10**12),
            "replications: expected a whole number from 1 to 10,000,000",
        ),
        (lambda m: m.update(rounds=0), "rounds: expected a whole number from 1 to 10,000, got 0"),
        (
            lambda m: m.update(rounds=10**9),
            "rounds: expected a whole number from 1 to 10,000, got 1,000,000,000",
        ),
        (lambda m: m.update(seed=True), "seed: expected a whole number"),
        (
            lambda m: m["invocation"]["options"].update(runs=10**12),
            "invocation.options.runs: expected a whole",
        ),
        (lambda m: m["invocation"]["options"].update(runs=41), "invocation.options.runs: is 41, but 40 ran"),
        (lambda m: m["invocation"]["options"].update(rounds=0), "invocation.options.rounds"),
        (lambda m: m.update(scenario_file=["a"]), "scenario_file: expected the scenario file's name"),
    ],
    ids=["replications", "zero-rounds", "many-rounds", "bool-seed", "runs", "runs-differ", "rounds", "file"],
)
def test_rerun_checks_every_recorded_value_before_running(copy: Path, change, expected: str) -> None:
    """Run as a process with a time limit: before, 10^12 replications started running, and 0 or
    10^9 rounds ended in tracebacks (UnboundLocalError, a 1.82 TiB allocation)."""
    edit_manifest(copy, change)
    done = processes.negsim("rerun", str(copy), "--workers", "1", timeout=120)
    clean(done.returncode, done.stdout, done.stderr)
    assert expected in done.stderr and "Rerunning" not in done.stdout


@pytest.mark.parametrize(
    "option, value, expected",
    [
        ("samples", 2**18, "manifest.json: replications: records "),
        ("samples", 3, "invocation.options.samples: Sobol' designs need a power of 2, got 3"),
        ("runs", 10**9, "invocation.options.runs: expected a whole number from 1 to 10,000,000"),
        ("paths", ["nowhere"], "no mediation path `nowhere`"),
    ],
    ids=["huge-design", "not-a-power-of-2", "runs", "unknown-path"],
)
def test_rerun_checks_an_analysis_design_before_building_it(
    tmp_path: Path, option: str, value: object, expected: str
) -> None:
    """Before: a recorded `samples` of 2^40 made SALib build the design (unbounded memory)."""
    folder = write_result(
        tmp_path / "sensitivity",
        "sensitivity",
        str(FLAGSHIP),
        *["--method", "sobol", "--samples", "2", "--runs", "1", "--path", "china_mediates"],
        *["--rounds", "6", "--no-plots", "--workers", "1"],
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    columns = manifest["replications"] // 2 - 2  # Sobol: samples x (columns + 2) points
    assert manifest["replications"] == 2 * (columns + 2)
    edit_manifest(folder, lambda m: m["invocation"]["options"].update({option: value}))
    done = processes.negsim("rerun", str(folder), "--workers", "1", timeout=120)
    clean(done.returncode, done.stdout, done.stderr)
    assert expected in done.stderr and "Rerunning" not in done.stdout


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    "name, text, expected",
    [
        ("manifest.json", DEEP, "manifest.json: nests arrays or objects more than 100 deep"),
        ("manifest.json", '{"files": {}, "x": ' + DEEP + "}", "nests arrays or objects more than 100 deep"),
        ("manifest.json", '{"files": {}, "seed": ' + "9" * 5000 + "}", "manifest.json: is not valid JSON"),
        ("manifest.json", b'{"files": {"\xff": 1}}', "manifest.json: is not UTF-8 text"),
        ("scenario.resolved.json", DEEP, "scenario.resolved.json: nests arrays or objects more than 100"),
        ("summary.json", DEEP, "summary.json: nests arrays or objects more than 100 deep"),
    ],
    ids=["manifest", "manifest-inside", "manifest-long-number", "manifest-bytes", "resolved", "summary"],
)
def test_deeply_nested_json_is_refused_before_parsing(
    copy: Path, name: str, text: str | bytes, expected: str
) -> None:
    """Before: RecursionError (or ValueError for a 5,000-digit number) as a traceback."""
    path = copy / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    commands = {"summary.json": ["plot"], "scenario.resolved.json": ["rerun"]}
    for command in commands.get(name, ["verify", "rerun"]):
        code, out, err = negsim_main(command, str(copy))
        clean(code, out, err)
        assert expected in err, (command, err)


def test_json_strings_do_not_count_as_nesting() -> None:
    nested = {"a": [{"b": "[[[[{{{{ \\" + '" ]]]]'}] * 3}
    assert writer.json_depth(json.dumps(nested).encode()) == 3
    assert writer.json_depth(b'"unterminated [[[') == 0
    assert writer.json_depth(b"[" * 5 + b"]" * 5) == 5


def test_a_huge_manifest_is_refused_before_it_is_read(copy: Path) -> None:
    """Before: a 1 GiB manifest took 2.2 GB of memory. Now nothing beyond the limit is read."""
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["padding"] = "x" * (writer.MAX_JSON_BYTES + 1)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    del manifest
    tracemalloc.start()
    try:
        code, out, err = negsim_main("verify", str(copy))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    clean(code, out, err)
    assert "manifest.json: is larger than 64 MiB" in err
    assert peak < 16 * 2**20


# 4. a damaged table is named as damaged, never taken for a full disk


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:500])


def _scramble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[100:140] = bytes(40)  # zeros over the first column chunk's page header
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "name, damage",
    [
        ("replications/path=no_mediation/part-0000000000.parquet", _truncate),
        ("replications/path=no_mediation/part-0000000020.parquet", _scramble),
        ("trajectories.parquet", _truncate),
    ],
    ids=["truncated-part", "scrambled-part", "truncated-trajectories"],
)
def test_a_damaged_table_is_named_with_a_hint_to_verify(copy: Path, name: str, damage) -> None:
    """Before: a traceback (ArrowInvalid) or "check free disk space and permissions"."""
    damage(copy / name)
    before = snapshot(copy)
    code, out, err = negsim_main("plot", str(copy))
    clean(code, out, err)
    assert err.startswith(f"error: {copy / name}: is damaged: not a readable Parquet file")
    assert f"`negsim verify {copy}`" in err and "negsim rerun" in err and "disk space" not in err
    assert snapshot(copy) == before


def test_read_table_names_the_damaged_file(copy: Path) -> None:
    name = "parameters/path=china_mediates/part-0000000020.parquet"
    _scramble(copy / name)
    with pytest.raises(NegsimError) as raised:
        read_table(copy, "parameters")
    problem = raised.value.problems[0]
    assert problem.file == str(copy / name) and problem.message.startswith("is damaged")
    assert problem.suggestion and "negsim verify" in problem.suggestion


def test_a_missing_table_is_named(copy: Path) -> None:
    (copy / "trajectories.parquet").unlink()
    code, out, err = negsim_main("plot", str(copy))
    clean(code, out, err)
    assert err.startswith(f"error: {copy / 'trajectories.parquet'}: is missing")


# 5. plots and verify agree; a redraw is all or nothing


def test_plot_on_a_folder_without_plots_keeps_it_verifiable(bare: Path) -> None:
    """Before: the new plots/ was "added" and verify failed."""
    before = json.loads((bare / "manifest.json").read_text())
    code, out, err = negsim_main("plot", str(bare))
    assert code == 0, err
    assert sorted(out.splitlines()) == [str(bare / "plots" / name) for name in PLOTS]
    code, out, err = negsim_main("verify", str(bare))
    assert code == 0 and f"{len(before['files']) + len(PLOTS)} files match manifest.json" in out, out + err
    after = json.loads((bare / "manifest.json").read_text())
    assert {k: v for k, v in after["files"].items() if not k.startswith("plots/")} == before["files"]
    assert {k: v for k, v in after.items() if k not in ("files", "plots_redrawn")} == {
        k: v for k, v in before.items() if k != "files"
    }
    (redrawn,) = after["plots_redrawn"]
    assert sorted(redrawn["files"]) == [f"plots/{name}" for name in PLOTS]
    assert redrawn["options"] == {"path": None} and redrawn["command"] == ["negsim", "plot", str(bare)]
    assert redrawn["at"]
    assert not [p for p in bare.iterdir() if p.name.startswith(".")]


def test_plot_with_another_path_keeps_the_folder_verifiable(copy: Path) -> None:
    """Before: `--path` overwrote plots/trajectories.png and verify said "changed"."""
    old = (copy / "plots" / "trajectories.png").read_bytes()
    code, _, err = negsim_main("plot", str(copy), "--path", "no_mediation")
    assert code == 0, err
    assert (copy / "plots" / "trajectories.png").read_bytes() != old
    assert negsim_main("verify", str(copy))[0] == 0
    manifest = json.loads((copy / "manifest.json").read_text())
    assert manifest["plots_redrawn"][-1]["options"] == {"path": "no_mediation"}
    assert stat.S_IMODE((copy / "manifest.json").stat().st_mode) == 0o644


def test_verify_still_sees_a_plot_changed_by_anything_else(copy: Path) -> None:
    assert negsim_main("plot", str(copy))[0] == 0
    with (copy / "plots" / "survival.png").open("ab") as handle:
        handle.write(b"\0")
    code, out, _ = negsim_main("verify", str(copy))
    assert code == 2 and out.splitlines() == ["changed: plots/survival.png"]


def test_plot_keeps_other_plot_files_and_their_checksums(copy: Path) -> None:
    """A file in plots/ that the redraw does not make is carried over untouched; if it was not
    recorded, verify still reports it."""
    (copy / "plots" / "notes.txt").write_text("mine\n")
    assert negsim_main("plot", str(copy))[0] == 0
    assert (copy / "plots" / "notes.txt").read_text() == "mine\n"
    code, out, _ = negsim_main("verify", str(copy))
    assert code == 2 and out.splitlines() == ["added: plots/notes.txt"]


@pytest.mark.parametrize("fixture", ["copy", "bare"])
def test_ctrl_c_during_plot_leaves_the_folder_exactly_as_it_was(
    fixture: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: "nothing half-written was left behind" was printed over 1 of 4 new images."""
    folder = request.getfixturevalue(fixture)
    if fixture == "copy":  # so that a redrawn image differs from the one there
        with (folder / "plots" / "agreement.png").open("ab") as handle:
            handle.write(b"\0")
    before = snapshot(folder)
    real, saved = canvas.save_png, []

    def interrupted_after_the_first(fig, path: Path) -> Path:
        if saved:
            raise KeyboardInterrupt
        saved.append(path)
        return real(fig, path)

    monkeypatch.setattr(canvas, "save_png", interrupted_after_the_first)
    code, _, err = negsim_main("plot", str(folder))
    assert code == 130 and "interrupted: nothing half-written was left behind" in err
    assert saved  # the first image was written (into staging) before the interrupt
    assert snapshot(folder) == before


def test_a_failure_while_swapping_in_leaves_the_folder_as_it_was(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last step, putting the new manifest in place, fails (a full disk): plots/ goes back."""
    before = snapshot(copy)
    real = os.replace

    def full(src, dst, *args, **kwargs):
        if Path(dst).name == "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full)
    code, _, err = negsim_main("plot", str(copy))
    assert code == 2 and "Traceback" not in err
    assert snapshot(copy) == before


def test_plot_refuses_a_linked_plots_folder(copy: Path, outside: Path) -> None:
    """plots/ linked out of the folder: nothing is moved or written through the link."""
    shutil.move(copy / "plots", outside / "plots")
    (copy / "plots").symlink_to(outside / "plots")
    before, elsewhere = snapshot(copy), snapshot(outside)
    code, out, err = negsim_main("plot", str(copy))
    clean(code, out, err)
    assert f"{copy / 'plots'}: is not a folder" in err
    assert snapshot(copy) == before and snapshot(outside) == elsewhere


@pytest.mark.parametrize("what", ["file", "folder"])
def test_tables_are_never_read_through_a_link(copy: Path, outside: Path, what: str) -> None:
    """The Parquet reader would follow a link out of the folder: plot and every reader refuse it
    by name (verify reports it as changed or added)."""
    part = next((copy / "replications").glob("path=*/*.parquet"))
    if what == "file":
        moved = outside / part.name
        shutil.move(part, moved)
        part.symlink_to(moved)
        link = part
    else:
        moved = outside / part.parent.name
        shutil.move(part.parent, moved)
        part.parent.symlink_to(moved, target_is_directory=True)
        link = part.parent
    code, out, err = negsim_main("plot", str(copy))
    clean(code, out, err)
    assert err.startswith(f"error: {link}: is a symbolic link, not followed: negsim reads no table")
    with pytest.raises(NegsimError, match="negsim reads no table through a link"):
        read_table(copy, "replications")
