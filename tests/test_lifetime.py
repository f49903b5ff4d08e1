"""No process outlives negsim, however negsim ends, and nothing it was writing stays for ever.

Workers, multiprocessing's helper and the seminar page's server end with the negsim process
that started them, SIGKILL included; a staging folder left by a killed run is removed by the
next run into the same parent (never one whose run is still going); SIGTERM while negsim is
still loading is answered like Ctrl-C; a Dask address is checked before any work and a server
that never answers is given up on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from multiprocessing.context import SpawnProcess
from pathlib import Path

import psutil
import pytest

from sim.interrupts import Terminated
from sim.results import folder
from sim.runner import backends
from tests import processes
from tests.conftest import FLAGSHIP, SNAPSHOT_2024, negsim_main, write_result

ENTRY = [sys.executable, "-c", "from sim.entry import main; main()"]  # the `negsim` command's code
LONG_RUN = ["run", str(FLAGSHIP), "--runs", "100000", "--no-plots"]
GONE_WITHIN = 5  # seconds: the kernel's parent-death signal acts at once; this is slack for load


def family(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def wait_until(condition, process, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"negsim ended before {what}: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


def spawned_workers(pid: int) -> list[psutil.Process]:
    found = []
    for child in family(pid):
        try:
            if "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.mark.slow
def test_workers_end_when_negsim_is_killed_outright_and_the_next_run_tidies(tmp_path: Path) -> None:
    """SIGKILL gives negsim no chance to stop anything: its workers must notice by themselves.
    The staging folder it leaves is removed by the next run into the same folder."""
    with processes.running([*ENTRY, *LONG_RUN, "--workers", "2", "--out", str(tmp_path / "killed")]) as run:
        wait_until(lambda: len(spawned_workers(run.pid)) == 2, run, "two workers were running")
        wait_until(lambda: bool(_staging(tmp_path)), run, "it started writing")
        left = family(run.pid)
        run.kill()
        run.wait(timeout=10)
        _, alive = psutil.wait_procs(left, timeout=GONE_WITHIN)
        assert alive == [], f"outlived a SIGKILLed negsim: {[p.cmdline() for p in alive]}"
    assert [p.name for p in _staging(tmp_path)] != []  # SIGKILL leaves it; nobody could remove it
    assert folder.abandoned(tmp_path) == _staging(tmp_path)
    write_result(
        tmp_path / "next", "run", str(SNAPSHOT_2024), "--runs", "5", "--rounds", "3", "--workers", "1"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next"]


def _staging(parent: Path) -> list[Path]:
    return sorted(p for p in parent.iterdir() if ".partial-" in p.name)


def test_only_staging_folders_whose_owner_is_gone_are_removed(tmp_path: Path) -> None:
    """Owned by this (live) process: kept. Same process id, other start time (the id was reused
    after the owner died): removed. A process id nobody has: removed. An older name that does not
    say who owns it: kept, since nobody can tell."""
    me, my_start = os.getpid(), folder._start_time(os.getpid())
    unused_pid = _an_unused_pid()
    live = tmp_path / f".a.partial-{me}-{my_start}-x1"
    reused = tmp_path / f".b.partial-{me}-{my_start + 1}-x2"
    dead = tmp_path / f".c.partial-{unused_pid}-7-x3"
    dead_probe = tmp_path / f".negsim.probe-{unused_pid}-7-x4"
    unknown = tmp_path / ".d.partial-x5abc"
    for staging in (live, reused, dead, dead_probe, unknown):
        (staging / "replications").mkdir(parents=True)
    write_result(
        tmp_path / "new", "run", str(SNAPSHOT_2024), "--runs", "5", "--rounds", "3", "--workers", "1"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["new", live.name, unknown.name])


def _an_unused_pid() -> int:
    pid = 4_000_000
    while psutil.pid_exists(pid):
        pid -= 1
    return pid


def test_a_symlink_named_like_a_staging_folder_is_never_followed(tmp_path: Path) -> None:
    precious = tmp_path / "elsewhere"
    precious.mkdir()
    (precious / "keep.txt").write_text("keep")
    results = tmp_path / "results"
    results.mkdir()
    (results / f".x.partial-{_an_unused_pid()}-7-link").symlink_to(precious)
    folder.remove_abandoned(results)
    assert (precious / "keep.txt").read_text() == "keep"


@pytest.mark.slow
@pytest.mark.parametrize("backend", [["--workers", "2"], ["--dask", "local", "--workers", "2"]])
def test_after_ctrl_c_no_process_of_negsim_is_left_when_it_exits(tmp_path: Path, backend: list[str]) -> None:
    """The moment negsim has exited, its process group is empty: no worker, no Dask nanny, no
    resource tracker lingering (once it briefly outlived negsim and became a zombie)."""
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}  # a hang shows its stacks
    with processes.running([*ENTRY, *LONG_RUN, *backend, "--out", str(tmp_path / "run")], env=env) as run:
        wait_until(lambda: bool(_staging(tmp_path)), run, "writing")
        wait_until(lambda: len(family(run.pid)) >= 2, run, "workers were running")
        time.sleep(1)
        run.send_signal(signal.SIGINT)
        _, stderr = processes.finish(run, timeout=60)
        assert run.returncode == 130, stderr
        assert not processes.group_alive(run.pid), _group(run.pid)


def _group(pgid: int) -> list[str]:
    """What is left in process group `pgid`, for the failure message."""
    found = []
    for process in psutil.process_iter(["pid", "status", "cmdline"]):
        try:
            if os.getpgid(process.pid) == pgid:
                found.append(f"{process.info['pid']} {process.info['status']} {process.info['cmdline']}")
        except (ProcessLookupError, psutil.Error):
            continue
    return found


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.05, 0.2, 0.4, 0.7])
def test_sigterm_while_negsim_is_still_loading_is_answered_like_ctrl_c(tmp_path: Path, delay: float) -> None:
    """`kill` or `timeout` during the first second (libraries still importing): one line, 143."""
    target = tmp_path / "out"
    with processes.running([*ENTRY, *LONG_RUN, "--workers", "1", "--out", str(target)]) as run:
        time.sleep(delay)
        run.send_signal(signal.SIGTERM)
        _, stderr = processes.finish(run, timeout=60)
    assert run.returncode == 143, stderr
    assert stderr.strip() == "terminated: nothing half-written was left behind"
    assert list(tmp_path.iterdir()) == []


def test_a_process_whose_parent_is_already_gone_ends_at_once() -> None:
    """The watch is set up after the process started; if its parent died in between, the kernel
    will never tell it, so it checks and ends by itself."""
    code = "from sim.runner import lifeline; lifeline.die_with(1); print('still here')"
    done = processes.run([sys.executable, "-c", code], timeout=60)
    assert done.returncode == 1 and done.stdout == ""


@pytest.mark.slow
def test_the_page_server_ends_when_negsim_app_is_killed() -> None:
    pytest.importorskip("solara")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with processes.running([*ENTRY, "app", "--port", str(port)]) as app:
        wait_until(lambda: bool(family(app.pid)), app, "the page server started")
        server = family(app.pid)
        app.kill()
        app.wait(timeout=10)
        _, alive = psutil.wait_procs(server, timeout=GONE_WITHIN)
        assert alive == [], f"the page server outlived negsim app: {[p.cmdline() for p in alive]}"


@pytest.mark.parametrize(
    "address", ["not a url::://", "http://127.0.0.1:1/", "127.0.0.1:99999", "tcp://host", "tcp://a b:1"]
)
def test_a_malformed_dask_address_is_refused_before_any_work(tmp_path: Path, address: str) -> None:
    code, _, err = negsim_main(
        "run", str(SNAPSHOT_2024), "--runs", "5", "--dask", address, "--out", str(tmp_path / "r")
    )
    assert code == 2, err
    assert err.startswith("error: --dask: `") and "is not a Dask scheduler address" in err
    assert "hint: give `local`, or HOST:PORT" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_server_that_accepts_but_never_answers_is_given_up_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dask's client would wait for its handshake for ever (seen: over 150 s)."""
    monkeypatch.setattr(backends, "CONNECT_SECONDS", 1)
    silent = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(silent.accept()[0]), daemon=True).start()
    port = silent.getsockname()[1]
    start = time.monotonic()
    try:
        code, _, err = negsim_main(
            "run",
            str(SNAPSHOT_2024),
            "--runs",
            "5",
            "--dask",
            f"tcp://127.0.0.1:{port}",
            "--out",
            str(tmp_path / "r"),
        )
    finally:
        silent.close()
    assert code == 2, err
    assert "accepted the connection but did not answer as a Dask scheduler within 1 s" in err
    assert time.monotonic() - start < 30  # a safety net; without the check it never returns
    assert accepted, "negsim never connected"
    assert list(tmp_path.iterdir()) == []


def test_a_sigterm_while_a_worker_is_being_started_leaves_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIGTERM that lands inside the pool's start of a worker, after the process exists but
    before the pool has recorded it, must not leave that worker running (once it did, and the
    orphan deadlocked holding the caller's pipes)."""
    real_start = SpawnProcess.start

    def start_then_sigterm(self: SpawnProcess) -> None:
        real_start(self)
        os.kill(os.getpid(), signal.SIGTERM)

    def raise_terminated(signum: int, frame: object) -> None:
        raise Terminated

    monkeypatch.setattr(SpawnProcess, "start", start_then_sigterm)
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        with pytest.raises(Terminated):
            list(backends.Processes(2).map_unordered(abs, range(8)))
    finally:
        signal.signal(signal.SIGTERM, previous)
    _, alive = psutil.wait_procs(spawned_workers(os.getpid()), timeout=GONE_WITHIN)
    assert alive == [] and multiprocessing.active_children() == []


def test_what_a_killed_plot_redraw_left_is_removed_by_the_next_one(tmp_path: Path) -> None:
    """`negsim plot` killed outright during its renames leaves a hidden redraw or old plots folder,
    or a staged manifest; the next `negsim plot` of the folder removes them (and `verify` then
    agrees again), never those of a redraw still going."""
    result = write_result(
        tmp_path / "r", "run", str(SNAPSHOT_2024), "--runs", "5", "--rounds", "3", "--workers", "1"
    )
    dead = _an_unused_pid()
    left = [result / f".plots.redraw-{dead}-7-a1", result / f".plots.old-{dead}-7-b2"]
    for leftover in left:
        (leftover / "x.png").parent.mkdir()
        (leftover / "x.png").write_bytes(b"png")
    staged = result / f".manifest.json.staged-{dead}-7-c3.tmp"
    staged.write_text("{}")
    live = result / f".plots.redraw-{os.getpid()}-{folder._start_time(os.getpid())}-d4"
    live.mkdir()
    code, _, err = negsim_main("verify", str(result))
    assert code == 2, err  # the leftovers are there, and verify says so
    code, _, err = negsim_main("plot", str(result))
    assert code == 0, err
    assert [p for p in result.iterdir() if p.name.startswith(".")] == [live]  # a live redraw's is kept
    live.rmdir()
    assert negsim_main("verify", str(result))[0] == 0
