"""Shared fixtures: the shipped scenarios and a way to write small variants of them."""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sim import cli
from sim.errors import NegsimError
from sim.scenario.loader import LoadedScenario, load_scenario
from tests import processes

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FLAGSHIP = SCENARIOS / "2024-12-mediation-paths.yaml"
SNAPSHOT_2023 = SCENARIOS / "actors" / "2023-04.yaml"
SNAPSHOT_2024 = SCENARIOS / "actors" / "2024-12.yaml"
COUNCIL = ROOT / "tests" / "scenarios" / "council.yaml"  # a small case with one issue
SEEDS = ROOT.parent / "shared" / "seeds"


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile the model's rules (or load them from the cache) once, before any test: a test
    that starts negsim in a process, with its time limit, then finds them ready instead of
    compiling them, possibly in several processes at once, on a fresh machine."""
    from sim.model.warmup import ensure_compiled

    ensure_compiled(lambda notice: print(f"\n{notice}", file=sys.stderr))


@pytest.fixture(scope="session", autouse=True)
def no_process_outlives_the_tests() -> Iterator[None]:
    """Whatever way the session ends (done, failed, Ctrl-C, SIGTERM from `timeout`), every process
    group a test started is killed, so no process of the suite outlives it or holds its pipes."""

    def terminated(signum: int, frame: object) -> None:
        processes.kill_leftovers()
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        left = processes.kill_leftovers()
        if left:
            print(f"\nkilled {len(left)} process group(s) left by tests: {left}", file=sys.stderr)


@pytest.fixture(autouse=True)
def processes_end_with_their_test() -> Iterator[None]:
    """Process groups a test started (not those of longer-lived fixtures, which start first)
    are killed when the test ends, passed or failed."""
    before = processes.started()
    yield
    for pgid in processes.started() - before:
        processes.kill_group(pgid)


@pytest.fixture(scope="session")
def flagship() -> LoadedScenario:
    return load_scenario(FLAGSHIP)


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text to tmp_path/name and return its path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def extend(write_scenario: Callable[[str, str], Path]) -> Callable[..., LoadedScenario]:
    """Load a scenario that extends a shipped file with the given YAML overrides."""

    def load(overrides: str = "", base: Path = FLAGSHIP, name: str = "override.yaml") -> LoadedScenario:
        return load_scenario(write_scenario(f"extends: {base}\n{overrides}", name))

    return load


def negsim_main(*args: str) -> tuple[int, str, str]:
    """`negsim ARGS` through the installed command's entry point, in this process (quick, and
    the same code a shell runs): exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    argv, sys.argv = sys.argv, ["negsim", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def write_result(folder: Path, *args: str) -> Path:
    """`negsim ARGS --out FOLDER` in this process; any error propagates to the test."""
    argv, sys.argv = sys.argv, ["negsim", *args, "--out", str(folder)]
    try:
        cli.cli(sys.argv[1:], standalone_mode=False)
    finally:
        sys.argv = argv
    return folder


SAFETY_NET_SECONDS = 10  # a refusal that took this long would be a bug; the reason is what matters


def refusal(path: Path) -> str:
    """The one message a refused scenario file gets: quickly, naming the file, never a traceback."""
    start = time.perf_counter()
    with pytest.raises(NegsimError) as caught:
        load_scenario(path)
    assert time.perf_counter() - start < SAFETY_NET_SECONDS
    message = str(caught.value)
    assert path.name in message and "Traceback" not in message
    return message


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """A backtest data set: three cases in two proposals, the council with three different
    observed outcomes."""
    folder = tmp_path / "cases"
    for group, case, outcome in (("p1", "a", 35), ("p1", "b", 50), ("p2", "c", 60)):
        (folder / group).mkdir(parents=True, exist_ok=True)
        text = f"extends: {COUNCIL}\nname: council-{case}\nobserved:\n  cut: {{value: {outcome}}}\n"
        (folder / group / f"{case}.yaml").write_text(text, encoding="utf-8")
    return folder
