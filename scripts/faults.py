"""Signals at random moments of `negsim run --workers 2`, and what each left behind.

    .venv/bin/python scripts/faults.py [--sigterm 50] [--sigkill 20] [--seed 1] [--max-delay 8]

Each trial starts the flagship run as a user would (the `negsim` command's entry point, 2
workers, writing into one shared folder), sends SIGTERM or SIGKILL to the negsim process alone
after a random delay (start-up, loading and writing all fall in range), and checks:
- it ends within 60 s; after SIGTERM with status 143 and the one-line message;
- 5 s later no process it started is alive;
- its result folder is absent or complete (every checksum of its manifest matches);
- after SIGTERM it left no staging folder; after SIGKILL the next run into the same folder
  that gets as far as writing removes the one it left (checked after the last trial).
Needs psutil (installed with negsim's test extra). Prints one line per trial and a summary;
exits 1 if any check failed.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.results import checksums, writer  # noqa: E402

FLAGSHIP = ROOT / "scenarios" / "2024-12-mediation-paths.yaml"
ENTRY = [sys.executable, "-c", "from sim.entry import main; main()"]
RUN = ["run", str(FLAGSHIP), "--runs", "100000", "--no-plots", "--workers", "2"]
MESSAGE = "terminated: nothing half-written was left behind"


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    living = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                living.append(process)
        except psutil.NoSuchProcess:
            continue
    return living


def complete(folder: Path) -> bool:
    manifest = json.loads((folder / writer.MANIFEST).read_text())
    return checksums.compare_folder(folder, manifest["files"], skip=[writer.MANIFEST]).ok


def staging(parent: Path) -> list[Path]:
    return [p for p in parent.iterdir() if ".partial-" in p.name]


def trial(parent: Path, number: int, signum: signal.Signals, delay: float) -> list[str]:
    """Run one trial; return the problems found (none when all is well)."""
    target = parent / f"trial-{number:03d}"
    process = subprocess.Popen(
        [*ENTRY, *RUN, "--out", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    seen: dict[int, psutil.Process] = {}
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline and process.poll() is None:
        for child in descendants(process.pid):  # everything it starts, however briefly
            seen.setdefault(child.pid, child)
        time.sleep(0.05)
    for child in descendants(process.pid):
        seen.setdefault(child.pid, child)
    process.send_signal(signum)
    problems = []
    try:
        _, stderr = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        problems.append("still running 60 s after the signal")
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
    time.sleep(5)
    left = alive(list(seen.values()))
    if left:
        problems.append(f"{len(left)} process(es) alive 5 s later: {[p.pid for p in left]}")
    if target.exists() and not complete(target):
        problems.append("half-written result folder")
    expected = 143 if signum == signal.SIGTERM else -signal.SIGKILL
    if process.returncode not in (expected, 0) or (process.returncode == 143 and stderr.strip() != MESSAGE):
        problems.append(f"status {process.returncode}, said {stderr.strip()[-300:]!r}")
    if signum == signal.SIGTERM:
        own = [p.name for p in staging(parent) if p.name.startswith(f".{target.name}.")]
        if own:  # (one a SIGKILLed trial left stays until a later run gets as far as writing)
            problems.append(f"staging folder left: {own}")
    print(
        f"{number:3d} {signum.name:7s} after {delay:5.2f} s: status {process.returncode:4d}, "
        f"{len(seen)} child process(es) seen, {'ok' if not problems else '; '.join(problems)}",
        flush=True,
    )
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sigterm", type=int, default=50)
    parser.add_argument("--sigkill", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-delay", type=float, default=8.0, help="seconds after start")
    options = parser.parse_args()
    rng = random.Random(options.seed)
    plan = [signal.SIGTERM] * options.sigterm + [signal.SIGKILL] * options.sigkill
    rng.shuffle(plan)
    failures: collections.Counter[str] = collections.Counter()
    with tempfile.TemporaryDirectory(prefix="negsim-faults-") as scratch:
        parent = Path(scratch)
        for number, signum in enumerate(plan):
            problems = trial(parent, number, signum, rng.uniform(0.0, options.max_delay))
            failures[signum.name] += bool(problems)
        next_run = subprocess.run(
            [*ENTRY, "run", str(FLAGSHIP), "--runs", "5", "--rounds", "3", "--no-plots", "--workers", "1",
             "--out", str(parent / "after")],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        left = staging(parent)
        print(f"\nafter the next run (status {next_run.returncode}): {len(left)} staging folder(s) left")
        print(f"load average at the end: {os.getloadavg()}")
        for name in ("SIGTERM", "SIGKILL"):
            print(f"{name}: {plan.count(getattr(signal, name))} trials, {failures[name]} with a problem")
    sys.exit(1 if sum(failures.values()) or left or next_run.returncode else 0)


if __name__ == "__main__":
    main()
