"""Plots shared out to forked helpers: the same files as drawn in one process, whatever a
helper does (fails, dies, hangs), errors raised here, and no helper left behind."""

import os
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from sim.plots import draw, forked
from tests.test_plots import write_result

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="helpers are forked on Linux only"
)


@pytest.fixture
def one_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """One helper whatever the machine's cores (a CI box may have one)."""
    monkeypatch.setattr(forked, "helper_count", lambda jobs: min(1, jobs - 1))


def _writer(folder: Path, index: int, parent: int, in_helper: str = "") -> forked.Job:
    """A job that writes who ran it into a file; `in_helper` says what it does in a helper
    instead: "die", "fail" or "hang"."""

    def job() -> None:
        here = os.getpid() == parent
        if not here and in_helper == "die":
            os._exit(3)
        if not here and in_helper == "fail":
            raise RuntimeError("a helper's error")
        if not here and in_helper == "hang":
            time.sleep(3600)
        time.sleep(0.05)  # so that the helper gets a share
        (folder / f"{index}.txt").write_text("here" if here else "helper")

    return job


_EXISTING: set[int] = set()


@pytest.fixture(autouse=True)
def _children_before() -> None:
    """The children this process had before the test (a process pool's resource tracker left
    by an earlier test, say): only new ones count as left behind."""
    _EXISTING.clear()
    _EXISTING.update(child.pid for child in psutil.Process().children(recursive=True))


def _no_children() -> bool:
    """No child process started during the test is still there."""
    return not [child for child in psutil.Process().children(recursive=True) if child.pid not in _EXISTING]


def test_helpers_draw_the_same_files_as_one_process(tmp_path: Path, one_helper: None) -> None:
    folder = write_result(tmp_path / "result")
    shared = draw.draw_all(folder, into=tmp_path / "shared")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forked, "helper_count", lambda jobs: 0)
        alone = draw.draw_all(folder, into=tmp_path / "alone")
    assert [p.name for p in shared] == [p.name for p in alone]
    for a, b in zip(shared, alone, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    assert _no_children()


def test_every_job_runs_once_and_the_helper_takes_a_share(tmp_path: Path, one_helper: None) -> None:
    jobs = [_writer(tmp_path, i, os.getpid()) for i in range(8)]
    forked.run_all(jobs)
    by = [(tmp_path / f"{i}.txt").read_text() for i in range(8)]
    assert "helper" in by and "here" in by
    assert _no_children()


@pytest.mark.parametrize("failure", ["die", "fail"])
def test_what_a_helper_does_not_finish_is_done_here(tmp_path: Path, one_helper: None, failure: str) -> None:
    jobs = [_writer(tmp_path, i, os.getpid(), failure) for i in range(6)]
    forked.run_all(jobs)
    assert all((tmp_path / f"{i}.txt").read_text() == "here" for i in range(6))
    assert _no_children()


def test_a_hung_helper_is_killed_after_the_grace_period(
    tmp_path: Path, one_helper: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(forked, "GRACE_SECONDS", 0.5)
    jobs = [_writer(tmp_path, i, os.getpid(), "hang") for i in range(4)]
    started = time.monotonic()
    forked.run_all(jobs)
    assert time.monotonic() - started < 30
    assert all((tmp_path / f"{i}.txt").read_text() == "here" for i in range(4))
    assert _no_children()


def test_an_error_here_is_raised_and_no_helper_is_left(tmp_path: Path, one_helper: None) -> None:
    parent = os.getpid()

    def failing() -> None:
        if os.getpid() == parent:
            raise ValueError("drawn here, it fails")
        time.sleep(3600)  # a helper given it would never finish: it must be stopped

    with pytest.raises(ValueError, match="drawn here"):
        forked.run_all([failing, failing, failing])
    assert _no_children()


def test_no_helper_without_a_spare_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    assert forked.helper_count(6) == 0
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    assert forked.helper_count(6) == 1
    assert forked.helper_count(1) == 0


def test_no_helper_while_another_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread may hold an import's lock at the fork, which a helper would wait for for ever."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert forked.helper_count(6) == 0
    finally:
        stop.set()
        thread.join()
    assert forked.helper_count(6) == 3
