"""negsim installed from its wheel, far from the repository: the shipped scenarios are in the
package, `negsim examples` copies them out, and `run`, `validate` and `app` work on them.

The wheel is built from a copy of the working tree (so no stale build/ folder of the clone can
slip into it), installed with the page's extra and the locked versions into a fresh virtual
environment, and every command runs in a scratch folder with its own compile cache: nothing of
the clone is on the path. Once per module, as it takes minutes on a cold pip cache.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.scenario.loader import load_scenario
from sim.scenario.shipped import FLAGSHIP
from tests import processes
from tests.conftest import ROOT, SCENARIOS

# Minutes: a cold pip cache downloads the app's packages; the first run compiles the rules.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(3600)]

BUILD_SECONDS = 600
INSTALL_SECONDS = 1800
RUN_SECONDS = 600  # the first `negsim run` compiles the model's rules (30-60 s) into an empty cache
COMMAND_SECONDS = 120

# Top-level parts of the working tree that are no part of the source: environments, history,
# builds, results and caches.
NOT_SOURCE = {".git", "build", "dist", "results", "site", ".hypothesis", ".pytest_cache", ".ruff_cache"}
# The files a wheel must carry for `negsim run 2024-12-mediation-paths` to find what it extends.
MUST_SHIP = [
    f"sim/scenarios/{FLAGSHIP}",
    "sim/scenarios/actors/_common.yaml",
    "sim/scenarios/actors/2024-12.yaml",
]


@dataclass(frozen=True)
class Installed:
    """A fresh environment with the wheel installed, and a scratch folder to work in."""

    wheel: Path
    bin: Path
    scratch: Path
    env: dict[str, str]

    def negsim(self, *args: str, timeout: float = COMMAND_SECONDS) -> subprocess.CompletedProcess[str]:
        return processes.run(
            [str(self.bin / "negsim"), *args], timeout=timeout, env=self.env, cwd=self.scratch
        )


def _not_source(folder: str, names: list[str]) -> set[str]:
    top = Path(folder).resolve() == ROOT
    return {
        name
        for name in names
        if name == "__pycache__"
        or name.endswith(".egg-info")
        or (top and (name in NOT_SOURCE or name.startswith(".venv")))
    }


def _checked(done: subprocess.CompletedProcess[str], what: str) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, (
        f"{what} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-8000:]}"
    )
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source, wheels, venv, scratch = base / "source", base / "wheels", base / "venv", base / "scratch"
    shutil.copytree(ROOT, source, symlinks=True, ignore=_not_source)  # sim/scenarios stays a link
    clean = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(source)]
    _checked(processes.run(build, timeout=BUILD_SECONDS, env=clean, cwd=base), "pip wheel")
    [wheel] = wheels.glob("negsim-*.whl")
    _checked(processes.run([sys.executable, "-m", "venv", str(venv)], timeout=300, env=clean), "venv")
    install = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", f"{wheel}[app]"]
    install += ["--constraint", str(ROOT / "constraints.txt")]
    _checked(processes.run(install, timeout=INSTALL_SECONDS, env=clean, cwd=base), "pip install")
    scratch.mkdir()
    env = {
        **clean,
        "VIRTUAL_ENV": str(venv),
        "PATH": os.pathsep.join([str(venv / "bin"), clean.get("PATH", "")]),
        "NEGSIM_CACHE_DIR": str(base / "cache"),
        "PYTHONFAULTHANDLER": "1",
    }
    return Installed(wheel, venv / "bin", scratch, env)


@pytest.fixture(scope="module")
def examples(installed: Installed) -> Path:
    """`negsim examples ./mine`, as the installed package's instructions say."""
    done = _checked(installed.negsim("examples", "./mine"), "negsim examples")
    assert f"negsim run mine/{FLAGSHIP}" in " ".join(done.stdout.split())
    return installed.scratch / "mine"


def test_the_wheel_carries_the_shipped_scenarios(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    assert set(MUST_SHIP) <= names, sorted(n for n in names if "scenarios" in n)
    shipped = {n.removeprefix("sim/scenarios/") for n in names if n.startswith("sim/scenarios/")}
    expected = {p.relative_to(SCENARIOS).as_posix() for p in SCENARIOS.rglob("*.yaml")}
    assert shipped == {name for name in expected if not name.startswith("imported/")}


def test_the_installed_package_is_not_the_clone(installed: Installed) -> None:
    probe = "import sim.scenario.shipped as s; print(s.shipped_folder())"
    done = _checked(
        processes.run(
            [str(installed.bin / "python"), "-c", probe], timeout=60, env=installed.env, cwd=installed.scratch
        ),
        "python -c",
    )
    folder = Path(done.stdout.strip())
    assert folder.is_dir() and not folder.is_symlink() and ROOT not in folder.resolve().parents


def test_examples_copies_every_shipped_file(installed: Installed, examples: Path) -> None:
    copied = sorted(p.relative_to(examples).as_posix() for p in examples.rglob("*") if p.is_file())
    assert (
        FLAGSHIP in copied and "actors/_common.yaml" in copied and "forecasts/record-2024-12.yaml" in copied
    )
    again = installed.negsim("examples", "./mine")
    assert again.returncode == 2 and "already holds" in again.stderr and "Traceback" not in again.stderr


def test_validate_the_copies(installed: Installed, examples: Path) -> None:
    files = sorted(str(p.relative_to(installed.scratch)) for p in examples.glob("*.yaml"))
    done = _checked(installed.negsim("validate", *files), "negsim validate")
    assert done.stdout.count("ok ") == len(files) >= 3


def test_validate_a_shipped_name(installed: Installed) -> None:
    done = _checked(installed.negsim("validate", "2024-12-mediation-paths"), "negsim validate")
    assert "ok 2024-12-mediation-paths: 6 path(s)" in done.stdout


def test_run_the_copied_flagship(installed: Installed, examples: Path) -> None:
    done = installed.negsim("run", f"mine/{FLAGSHIP}", "--runs", "100", timeout=RUN_SECONDS)
    _checked(done, "negsim run")
    [summary] = (installed.scratch / "results" / "2024-12-mediation-paths").glob("*/summary.json")
    assert summary.stat().st_size > 0
    text = " ".join(done.stdout.split())
    for scenario in load_scenario(SCENARIOS / FLAGSHIP).variants.values():
        assert scenario.label.split(" (")[0] in text, scenario.label
    assert "100 replications per path" in text


def test_the_page_opens_on_the_flagship_with_no_file(installed: Installed, tmp_path: Path) -> None:
    from tests import test_app_browser as browsing  # skips this test when chromium is missing

    port = browsing.free_port()
    command = [str(installed.bin / "negsim"), "app", "--port", str(port)]
    with processes.running(
        command, env=installed.env, cwd=installed.scratch, stderr=subprocess.STDOUT
    ) as server:
        first_line = browsing.wait_until_serving(server, port)
        assert f"http://localhost:{port}/" in first_line, first_line
        flagship = load_scenario(SCENARIOS / FLAGSHIP)
        with browsing.playwright_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=browsing.CHROMIUM, args=browsing.CHROMIUM_FLAGS
            )
            visit = browsing.Visit(browser, f"http://localhost:{port}/", tmp_path)
            try:
                page = visit.page
                assert page.locator(".v-select", has_text="Snapshot").inner_text().endswith("December 2024")
                first_path = next(iter(flagship.variants.values())).label
                assert page.locator(".v-select", has_text="Mediation path").inner_text().endswith(first_path)
                visit.shot("installed")
            finally:
                visit.close()
                browser.close()
        server.send_signal(signal.SIGINT)
        processes.finish(server, timeout=20, what="`negsim app` after Ctrl-C")
