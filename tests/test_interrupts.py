"""Interrupts and faults: Ctrl-C at random moments, workers killed mid-run, a full disk.

Whatever happens, a result folder is complete (and verifies) or absent, staging folders are
gone, earlier results are untouched, and the user reads one message, never a traceback.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sim import cli
from sim.errors import NegsimError
from sim.results import checksums, writer
from sim.results.stream import PARAMETERS, REPLICATIONS, read_table
from sim.runner import backends
from sim.runner.backends import Processes
from tests import processes
from tests.conftest import FLAGSHIP, ROOT, SNAPSHOT_2024, write_result

pytestmark = pytest.mark.slow  # whole runs in processes of their own; `-m 'not slow'` skips them

MAX_DELAY = 1.5  # seconds after the run starts writing; every workload below runs far longer
WORKLOADS = {
    "run": ["run", str(FLAGSHIP), "--runs", "100000", "--no-plots"],
    "sensitivity": ["sensitivity", str(FLAGSHIP), "--method", "morris", "--samples", "200", "--runs", "50"],
    "discover": ["discover", str(FLAGSHIP), "--samples", "4000", "--runs", "10", "--no-plots"],
}
INTERRUPTS = [  # (command, workers, interrupts): 20 in all, most where start-up is cheapest
    ("run", "1", 5),
    ("run", "2", 4),
    ("sensitivity", "1", 3),
    ("sensitivity", "2", 3),
    ("discover", "1", 3),
    ("discover", "2", 2),
]


def start(*args: str) -> subprocess.Popen[str]:
    """`negsim ARGS` as a user starts it from a terminal, where Ctrl-C sends SIGINT (in a process
    group of its own, killed whole when the test ends)."""
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}  # so `stderr_of` can show where one hung
    return processes.start([sys.executable, "-m", "sim.cli", *args], env=env)


def stderr_of(process: subprocess.Popen[str], timeout: float) -> str:
    """The stderr of a process that must end within `timeout`; if it hangs, fail with the stack
    of every thread (faulthandler prints them on SIGABRT)."""
    return processes.finish(process, timeout, "negsim after its signal")[1]


def wait_for(condition, process: subprocess.Popen[str], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"negsim ended before {what}: {process.communicate()[1]}"
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.02)


def dead(worker: psutil.Process) -> bool:
    """Gone, or a zombie: killed, though negsim, its parent, may not have reaped it yet (its pool
    does that once it has noticed, which a busy machine can delay)."""
    try:
        return worker.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def staging_folders(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if ".partial-" in p.name]


def parts_written(parent: Path) -> int:
    return sum(len(list(s.glob(f"{REPLICATIONS}/*/*.parquet"))) for s in staging_folders(parent))


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def assert_complete(folder: Path) -> None:
    """A result folder that `negsim verify` accepts: every file as its manifest says."""
    manifest = writer.read_manifest(folder)
    assert checksums.compare_folder(folder, manifest["files"], skip=[writer.MANIFEST]).ok


def run_here(folder: Path, *args: str) -> Path:
    """`negsim ARGS --out FOLDER` in this process: the same code, without starting Python again."""
    return write_result(folder, *args)


@pytest.fixture(scope="module")
def parent(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every interrupted command writes into, holding an earlier result."""
    folder = tmp_path_factory.mktemp("shared-results")
    run_here(
        folder / "earlier",
        "run",
        str(SNAPSHOT_2024),
        "--runs",
        "20",
        "--rounds",
        "6",
        "--no-plots",
        "--workers",
        "1",
    )
    return folder


def snapshot(parent: Path) -> dict[str, dict[str, str]]:
    """Every finished result folder in `parent` and the checksum of each of its files."""
    return {p.name: checksums.checksum_folder(p) for p in parent.iterdir() if ".partial-" not in p.name}


@dataclass
class Interrupted:
    """One negsim process, to be sent SIGINT `delay` seconds after it starts writing."""

    target: Path
    delay: float
    process: subprocess.Popen[str]
    signal_at: float | None = None
    workers: list[psutil.Process] = field(default_factory=list)
    stderr: str | None = None

    def writing(self) -> bool:
        return self.target.exists() or any(self.target.parent.glob(f".{self.target.name}.partial-*"))


@pytest.mark.parametrize(
    ("command", "workers", "count"), INTERRUPTS, ids=[f"{c}-{w}w" for c, w, _ in INTERRUPTS]
)
def test_ctrl_c_at_random_moments_leaves_nothing_half_written(
    parent: Path, command: str, workers: str, count: int
) -> None:
    """Several commands write into one shared folder at once; each gets Ctrl-C at its own
    random moment after it has started writing."""
    rng = random.Random(f"{command}-{workers}")  # seeded: the same moments on every test run
    before = snapshot(parent)
    runs = []
    for attempt in range(count):
        target = parent / f"{command}-{workers}w-{attempt}"
        process = start(*WORKLOADS[command], "--workers", workers, "--out", str(target))
        runs.append(Interrupted(target, rng.uniform(0, MAX_DELAY), process))
    deadline = time.monotonic() + 180
    while any(run.stderr is None for run in runs):
        assert time.monotonic() < deadline, "a run never started writing"
        for run in (r for r in runs if r.stderr is None):
            if run.signal_at is None and run.writing():
                run.signal_at = time.monotonic() + run.delay
            elif run.signal_at is None and run.process.poll() is not None:
                pytest.fail(f"negsim ended before it started writing: {run.process.communicate()[1]}")
            elif run.signal_at is not None and time.monotonic() >= run.signal_at:
                run.workers = descendants(run.process.pid)
                run.process.send_signal(signal.SIGINT)
                run.stderr = stderr_of(run.process, timeout=120)
        time.sleep(0.02)
    for run in runs:
        assert run.stderr is not None and "Traceback" not in run.stderr
        if run.process.returncode == 130:
            assert "interrupted: nothing half-written was left behind" in run.stderr
            assert not run.target.exists()
        else:  # finished before the signal arrived
            assert run.process.returncode == 0, run.stderr
            assert_complete(run.target)
        _, alive = psutil.wait_procs(run.workers, timeout=20)
        assert alive == [], f"worker processes outlived negsim: {alive}"
    assert staging_folders(parent) == []
    after = snapshot(parent)
    assert {name: after[name] for name in before} == before  # earlier results byte for byte
    assert set(after) - set(before) <= {run.target.name for run in runs}


KILL_RUN = ["run", str(FLAGSHIP), "--runs", "300", "--rounds", "24", "--chunk-size", "50", "--no-plots"]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference: the same run, serially (in this process), with no worker lost."""
    return run_here(tmp_path_factory.mktemp("uninterrupted") / "run", *KILL_RUN, "--workers", "1")


def is_worker(process: psutil.Process) -> bool:
    """A process that runs chunks: a spawned child running no child processes of its own
    (Dask's nannies are spawned too, but each runs its worker as a child)."""
    try:
        return "spawn_main" in " ".join(process.cmdline()) and not process.children()
    except psutil.NoSuchProcess:
        return False


@pytest.mark.parametrize(
    "backend",
    [["--workers", "2"], ["--dask", "local", "--workers", "2"]],
    ids=["processes", "dask-local"],
)
def test_a_worker_killed_mid_run_loses_nothing(
    uninterrupted: Path, tmp_path: Path, backend: list[str]
) -> None:
    """SIGKILL one worker once chunks are coming back: the run still completes, its tables
    are those of the uninterrupted run, and the folder verifies."""
    target = tmp_path / "run"
    process = start(*KILL_RUN, *backend, "--out", str(target))
    wait_for(lambda: parts_written(tmp_path) >= 2, process, "two chunks were written")
    workers = [p for p in descendants(process.pid) if is_worker(p)]
    assert len(workers) == 2, [p.cmdline() for p in descendants(process.pid)]
    assert parts_written(tmp_path) < 6 * 300 // 50, "the run ended before a worker could be killed"
    workers[0].kill()
    wait_for(lambda: dead(workers[0]), process, "the killed worker was dead", timeout=30)
    stderr = stderr_of(process, timeout=300)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    if backend[0] == "--workers":
        assert "a worker process died; running its" in stderr  # the lost chunks were redone
    for table in (REPLICATIONS, PARAMETERS):
        pd.testing.assert_frame_equal(
            read_table(target, table), read_table(uninterrupted, table), check_exact=True
        )
    summary = [json.loads((f / "summary.json").read_text())["paths"] for f in (target, uninterrupted)]
    assert summary[0] == summary[1]
    assert_complete(target)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def square_but_die_once(job: tuple[int, str]) -> int:
    """Runs in a worker: the job numbered 3 kills its worker the first time it is tried."""
    number, marker = job
    if number == 3 and not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return number * number


def always_die(job: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return job


def test_chunks_of_a_dead_worker_are_run_again_exactly_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = str(tmp_path / "died")
    results = list(Processes(1).map_unordered(square_but_die_once, [(n, marker) for n in range(12)]))
    assert sorted(results) == [n * n for n in range(12)]  # none lost, none twice
    assert os.path.exists(marker)
    assert "a worker process died" in capsys.readouterr().err


def test_workers_that_keep_dying_stop_the_run_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Processes, "RESTARTS", 1)
    with pytest.raises(NegsimError) as error:
        list(Processes(1).map_unordered(always_die, range(3)))
    assert "worker processes died 2 times during this run" in str(error.value)
    assert "hint: if the machine ran out of memory" in str(error.value)


def test_a_chunk_that_keeps_killing_dask_workers_is_a_clear_error() -> None:
    """Dask gives a task up after it has killed `allowed-failures` workers; say so plainly."""
    import distributed

    class Doomed:
        def result(self) -> None:
            raise distributed.KilledWorker("run_chunk-1", None, allowed_failures=3)  # type: ignore[arg-type]

    with pytest.raises(NegsimError) as error:
        backends._dask_result(distributed, Doomed())
    assert "Dask workers died again and again running the same chunk" in str(error.value)


def fail_after(calls: int, real):
    """`real`, except that call number `calls` and every later one find the disk full."""
    count = {"n": 0}

    def fake(*args, **kwargs):
        count["n"] += 1
        if count["n"] >= calls:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    return fake


@pytest.mark.parametrize(
    ("where", "workers"),
    [("replication table", "1"), ("replication table", "2"), ("summary", "1"), ("manifest", "1")],
    ids=["replication-table", "replication-table-2-workers", "summary", "manifest"],
)
def test_a_full_disk_is_one_clear_error_and_leaves_nothing(
    where: str,
    workers: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if where == "replication table":
        monkeypatch.setattr(pd.DataFrame, "to_parquet", fail_after(4, pd.DataFrame.to_parquet))
    else:
        nth = 1 if where == "summary" else 3  # summary, resolved scenario, manifest
        monkeypatch.setattr(writer, "write_json", fail_after(nth, writer.write_json))
    target = tmp_path / "out"
    args = ["run", str(FLAGSHIP), "--runs", "10", "--rounds", "6", "--chunk-size", "5", "--workers", workers]
    monkeypatch.setattr(sys, "argv", ["negsim", *args, "--no-plots", "--out", str(target)])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {target}: could not be written: No space left on device")
    assert "hint: free some disk space or choose a writable --out folder" in err
    assert "Traceback" not in err
    assert not [p for p in descendants(os.getpid()) if is_worker(p)]  # the workers were stopped
    assert list(tmp_path.iterdir()) == []


NEGSIM = Path(sys.executable).with_name("negsim")  # the installed command, with its light entry point


@pytest.mark.parametrize("delay", [0.1, 0.3, 0.6, 0.9])
def test_ctrl_c_while_negsim_is_still_loading_prints_no_traceback(tmp_path: Path, delay: float) -> None:
    """The first second goes to importing numpy, pandas and pydantic; a Ctrl-C there too ends in
    one line and exit 130. (The interpreter's own first ~50 ms are beyond any program's reach.)"""
    if not NEGSIM.exists():
        pytest.skip("negsim is not installed as a command in this environment")
    target = tmp_path / "out"
    process = processes.start([str(NEGSIM), *WORKLOADS["run"], "--workers", "1", "--out", str(target)])
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    stderr = stderr_of(process, timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip() == "interrupted: nothing half-written was left behind"
    assert list(tmp_path.iterdir()) == []


def test_sigterm_stops_a_run_like_ctrl_c(tmp_path: Path) -> None:
    """`kill` or `timeout` send SIGTERM: the staging folder goes too, and the status says so."""
    target = tmp_path / "out"
    process = start(*WORKLOADS["run"], "--workers", "2", "--out", str(target))
    wait_for(lambda: parts_written(tmp_path) > 0, process, "the first chunk was written")
    process.send_signal(signal.SIGTERM)
    stderr = stderr_of(process, timeout=60)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "terminated" in stderr
    assert list(tmp_path.iterdir()) == []


def negsim_doing(folder: Path, work: list[str]) -> subprocess.CompletedProcess[str]:
    """`python -m` a module that runs negsim's entry point with the command's work replaced by
    the lines `work` (modules in `folder` importable), as the tests start negsim."""
    body = "".join(f"    {line}\n" for line in work)
    source = f"import time, sim.cli\ndef work(**kwargs):\n{body}sim.cli.cli = work\nsim.cli.main()\n"
    (folder / "negsim_doing.py").write_text(source)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)])}
    return processes.run([sys.executable, "-m", "negsim_doing"], env=env, timeout=60)


LIBRARY_INTERRUPTS = {  # how a Ctrl-C or SIGTERM has reached negsim's entry point in practice
    # a Ctrl-C while scipy.stats (imported as the first chunk is drawn) initialises a C extension
    "wrapped-by-an-import": ("raise ImportError('initialization failed') from KeyboardInterrupt()", 130),
    # Under `python -m`, CPython 3.12 kills itself with SIGINT after `sys.exit` when a Ctrl-C once
    # left code run by `exec` of a string, even though it was caught: ~1 interrupt in 20 of `run`.
    "through-a-string-exec": ("exec('raise KeyboardInterrupt')", 130),
    "sigterm-wrapped": ("raise RuntimeError('worker gone') from sim.cli.Terminated()", 143),
}


@pytest.mark.parametrize("work", LIBRARY_INTERRUPTS)
def test_an_interrupt_that_reached_negsim_through_a_library_still_exits_cleanly(
    tmp_path: Path, work: str
) -> None:
    """Forced versions of rare moments the random Ctrl-C test above met: the command's work is
    replaced by a line that raises as the library did; negsim must still say so once, with the
    interrupt's own exit status and no traceback, under `python -m` as the tests start it."""
    line, status = LIBRARY_INTERRUPTS[work]
    completed = negsim_doing(tmp_path, [line])
    assert completed.returncode == status, completed.stderr
    said = "interrupted" if status == 130 else "terminated"
    assert completed.stderr.strip() == f"{said}: nothing half-written was left behind"


def test_a_ctrl_c_during_an_import_waits_for_the_import_to_finish(tmp_path: Path) -> None:
    """A library's import may swallow or mangle a KeyboardInterrupt, so one that comes while a
    module is being imported is raised as soon as the import is done, not inside it."""
    imported, after = tmp_path / "imported", tmp_path / "after"
    (tmp_path / "slow_library.py").write_text(
        "import os, signal, time\n"
        "os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C half-way through this import\n"
        "time.sleep(0.5)  # the rest of the library's initialisation\n"
        f"open({str(imported)!r}, 'w').close()\n"
    )
    completed = negsim_doing(
        tmp_path, ["import slow_library", "time.sleep(30)", f"open({str(after)!r}, 'w').close()"]
    )
    assert completed.returncode == 130, completed.stderr
    assert completed.stderr.strip() == "interrupted: nothing half-written was left behind"
    assert imported.exists(), "the Ctrl-C was raised inside the import"
    assert not after.exists(), "the Ctrl-C was lost"


def test_the_import_machinery_is_recognised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sim.interrupts import importing

    (tmp_path / "probe_importing.py").write_text(
        "import sys\nfrom sim.interrupts import importing\nINSIDE = importing(sys._getframe())\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert importlib.import_module("probe_importing").INSIDE
    assert not importing(sys._getframe())


def test_a_signal_inside_a_callback_from_llvmlite_is_sent_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the compiled rules runs Python inside llvmlite's C callbacks, which print and drop
    an exception: a Ctrl-C there must not be raised, but sent again a moment later."""
    from sim import interrupts

    namespace: dict[str, object] = {}
    filename = os.path.join(os.sep, "venv", "site-packages", "llvmlite", "binding", "executionengine.py")
    exec(compile("import sys\nFRAME = sys._getframe()\n", filename, "exec"), namespace)
    sent: list[tuple[int, int]] = []

    class Timer:  # what the handler schedules, run at once
        def __init__(self, delay: float, function: object, args: tuple[int, int]) -> None:
            self.args = args

        def start(self) -> None:
            sent.append(self.args)

    monkeypatch.setattr(interrupts.threading, "Timer", Timer)
    assert interrupts.in_c_callback(namespace["FRAME"])  # type: ignore[arg-type]
    assert not interrupts.in_c_callback(sys._getframe())
    interrupts._on_signal(signal.SIGINT, namespace["FRAME"])  # type: ignore[arg-type]
    assert sent == [(os.getpid(), signal.SIGINT)]
    with pytest.raises(KeyboardInterrupt):
        interrupts._on_signal(signal.SIGINT, sys._getframe())


STOP_WHILE_A_RESULT_IS_HALF_SENT = """
import multiprocessing, os, struct, sys, time
from concurrent.futures import ProcessPoolExecutor
from sim.runner import backends

executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
executor.submit(time.sleep, 60)
time.sleep(3)  # the worker is up and busy
# what a worker stopped mid-send leaves: a header promising 1,000 bytes, then only 10 of them
os.write(executor._result_queue._writer.fileno(), struct.pack("!i", 1000) + b"x" * 10)
time.sleep(0.5)  # the pool's manager thread now waits for the other 990 bytes
backends._stop(executor)
print("stopped", flush=True)
"""


def test_stopping_workers_while_one_is_sending_a_result_does_not_hang() -> None:
    """Ctrl-C may stop a worker half-way through sending a chunk's result. The pool must still
    shut down (it once waited for the missing bytes for ever, until a second Ctrl-C)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # it stops in about 4 s; a hang is what the test is for
    completed = processes.run([sys.executable, "-c", STOP_WHILE_A_RESULT_IS_HALF_SENT], env=env, timeout=90)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "stopped"
