"""The seminar page as an instructor uses it: a real `negsim app` server, driven in headless
Chromium (Debian's package, through Playwright; no browser is downloaded).

Each test opens its own browser context, which is a fresh page session. Screenshots go to the
test's temporary folder.
"""

from __future__ import annotations

import math
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sim.seminar.replicate import replicate, summarise
from sim.seminar.setup import SNAPSHOTS, Setup
from tests import processes
from tests.conftest import ROOT, SEEDS

pytestmark = pytest.mark.slow  # whole runs in processes of their own; `-m 'not slow'` skips them

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNS = 250  # replications per path for the page's comparisons: a few seconds per click

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is missing; scripts/test.sh installs it with apt-get")
    pytest.skip("chromium is not installed (scripts/test.sh installs it)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


STARTUP_SECONDS = 300  # the page once took 155 s to come up on a loaded 2-core machine


def wait_until_serving(process: subprocess.Popen[str], port: int) -> str:
    """The first line `negsim app` printed, once its port accepts connections; fail clearly (with
    everything it printed) if it ends or is not serving within STARTUP_SECONDS."""
    assert process.stdout is not None
    deadline = time.monotonic() + STARTUP_SECONDS
    first_line = ""
    while time.monotonic() < deadline:
        if not first_line and select.select([process.stdout], [], [], 0)[0]:
            first_line = process.stdout.readline()
        with socket.socket() as probe:
            if first_line and probe.connect_ex(("127.0.0.1", port)) == 0:
                return first_line
        if process.poll() is not None:
            break
        time.sleep(0.2)
    processes.kill_group(process.pid)
    pytest.fail(
        f"`negsim app` was not serving on port {port} within {STARTUP_SECONDS} s "
        f"(exit status {process.poll()}); it printed:\n{first_line}{process.communicate(timeout=10)[0]}"
    )


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """`negsim app` as a user starts it; stopped with Ctrl-C at the end (and killed, with anything
    it started, if it does not stop)."""
    port = free_port()
    command = [sys.executable, "-m", "sim.cli", "app", "--port", str(port)]
    with processes.running(command, cwd=ROOT, stderr=subprocess.STDOUT) as process:
        first_line = wait_until_serving(process, port)
        assert f"http://localhost:{port}/" in first_line, first_line
        yield f"http://localhost:{port}/"
        process.send_signal(signal.SIGINT)
        processes.finish(process, timeout=20, what="`negsim app` after Ctrl-C")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Visit:
    """One page session, recording every request that left this machine and every failure."""

    def __init__(self, browser: object, url: str, shots: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1600, "height": 1100})
        self.page = self.context.new_page()
        self.shots = shots
        self.external: list[str] = []
        self.failed: list[str] = []
        self.page.on("request", self._request)
        self.page.on(
            "response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        self.page.goto(url)
        self.page.get_by_text("One negotiation, month by month").wait_for(timeout=60_000)

    def _request(self, request: object) -> None:
        if not re.match(r"^(https?|wss?)://(localhost|127\.0\.0\.1)[:/]|^(data|blob):", request.url):
            self.external.append(request.url)

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def slider(self, label_start: str) -> object:
        """The slider under the text that starts with `label_start`."""
        sliders = self.page.get_by_role("slider")
        labels = [lever_label for lever_label in self.page.locator(".negsim-lever").all_inner_texts()]
        index = next(i for i, text in enumerate(labels) if text.startswith(label_start))
        return sliders.nth(index)

    def choose(self, select_label: str, option: str) -> None:
        """Open a drop-down by its label and click an option."""
        self.page.locator(".v-select", has_text=select_label).click()
        self.page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()

    def run_paths(self) -> dict[str, float]:
        """Click Run and read each path's agreement share (in %) from the results table."""
        done = self.page.get_by_text(re.compile(r"^Comparison \d+:")).all_inner_texts()
        number = int(done[0].split()[1].rstrip(":")) + 1 if done else 1
        self.page.get_by_role("button", name=re.compile(r"^Run .* replications")).click()
        self.page.get_by_text(f"Comparison {number}:").wait_for(timeout=120_000)
        rows = self.page.locator("table.negsim-paths tr").all_inner_texts()[1:]
        shares = {}
        for row in rows:
            label, agreement, *_ = row.split("\t")
            shares[label.strip()] = float(agreement.split("%")[0])
        return shares

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: object, server: str, tmp_path: Path) -> Iterator[Visit]:
    session = Visit(browser, server, tmp_path)
    yield session
    session.shot("last")  # what the page showed at the end, pass or fail
    session.close()


def test_page_opens_on_the_flagship_and_works_offline(visit: Visit) -> None:
    page = visit.page
    assert page.locator(".v-select", has_text="Snapshot").inner_text().endswith("December 2024")
    assert page.get_by_role("slider").count() == 5
    assert page.get_by_text("Month 0 of 60: talks go on").count() >= 1
    visit.shot("opened")
    assert visit.external == [], f"the page fetched from outside this machine: {visit.external}"
    assert visit.failed == [], f"requests failed: {visit.failed}"


def test_step_and_play_move_the_negotiation_and_reset_restarts_it(visit: Visit) -> None:
    page = visit.page
    figure = page.locator("img").first
    before = figure.get_attribute("src")
    for month in (1, 2, 3):
        page.get_by_role("button", name="Step").click()
        page.get_by_text(re.compile(rf"^(Month {month} of 60|\w+ in month \d+)")).first.wait_for(
            timeout=20_000
        )
    assert figure.get_attribute("src") != before, "the positions figure did not change after three steps"
    visit.shot("after-three-steps")
    page.get_by_role("button", name="▶").click()  # play: months go by on their own
    page.get_by_text(re.compile(r"^(Month (\d\d) of 60|\w+ in month \d+)")).first.wait_for(timeout=60_000)
    if page.get_by_role("button", name="❚❚").count():
        page.get_by_role("button", name="❚❚").click()
    # playing has stopped (paused, or the negotiation ended): a Reset now is not stepped past
    page.get_by_role("button", name="▶").wait_for(timeout=20_000)
    visit.shot("after-play")
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Month 0 of 60: talks go on").first.wait_for(timeout=20_000)


def test_the_page_shows_what_the_engine_computes(visit: Visit) -> None:
    visit.choose("Runs per path", str(RUNS))
    shown = visit.run_paths()
    visit.shot("compared")
    setup = Setup.start(SNAPSHOTS["December 2024"])
    assert len(shown) == len(setup.paths)
    for scenario in setup.paths.values():
        summary = summarise(scenario, replicate(scenario, RUNS, seed=setup.seed))
        assert shown[scenario.label] == round(100 * summary["agreement"]["share"], 1), scenario.label


def test_raising_russias_cost_of_war_does_not_lower_the_shown_agreement(visit: Visit) -> None:
    visit.choose("Runs per path", str(RUNS))
    before = visit.run_paths()
    slider = visit.slider("Russia: cost of war per month")
    slider.focus()
    visit.page.keyboard.press("End")  # the slider's maximum, 0.03 a month
    visit.page.get_by_text("Russia: cost of war per month: 0.03").wait_for(timeout=20_000)
    after = visit.run_paths()
    visit.shot("russia-cost-raised")
    assert visit.page.get_by_text(re.compile("Russia: cost of war per month = 0.03")).count() >= 1
    for label, share in before.items():
        # Same seed, same replications: a paired comparison. Its standard error is at most
        # sqrt(discordant / n), and the discordant share is at most before + after; three of
        # those is the allowance for a run that goes the wrong way by chance.
        tolerance = 300 * math.sqrt((share + after[label]) / 100 / RUNS)
        assert after[label] >= share - tolerance, (label, share, after[label])
    assert any(after[label] > share for label, share in before.items()), "the slider changed nothing"


def test_evidence_button_shows_the_verbatim_quote(visit: Visit) -> None:
    page = visit.page
    row = page.locator(".negsim-lever", has_text="Russia: cost of war per month")
    row.get_by_role("button", name="evidence").click()
    quote = page.locator("blockquote")
    quote.wait_for(timeout=20_000)
    text = quote.inner_text()
    visit.shot("evidence")
    setup = Setup.start(SNAPSHOTS["December 2024"])
    cost = setup.scenario.actors["russia"].cost_of_war
    stated = (cost.evidence or cost.context).quote  # a quote that states it, or the one it starts from
    assert stated in text and "South China Morning Post" in text
    if SEEDS.is_dir():
        articles = " ".join(" ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.glob("*.txt"))
        assert " ".join(stated.split()) in articles


def test_switching_snapshot_and_the_veto(visit: Visit) -> None:
    page = visit.page
    visit.choose("Snapshot", "April 2023")
    page.get_by_text("Ukraine: red line on Territory: 0.9").wait_for(timeout=20_000)
    visit.choose("Runs per path", str(RUNS))
    with_veto = visit.run_paths()
    april = Setup.start(SNAPSHOTS["April 2023"])
    assert set(with_veto) == {scenario.label for scenario in april.paths.values()}
    page.get_by_role("switch", name="Guarantor veto").click(force=True)
    without_veto = visit.run_paths()
    visit.shot("april-2023-no-veto")
    assert page.get_by_text(re.compile("Guarantor veto off")).count() >= 1
    for label, share in with_veto.items():
        tolerance = 300 * math.sqrt((share + without_veto[label]) / 100 / RUNS)  # as above
        assert without_veto[label] >= share - tolerance, (label, share, without_veto[label])
