"""Peak memory of a streamed run: `negsim run` on the flagship with 10^6 replications in all.

The run writes every chunk to Parquet as it finishes and keeps only counts and the first
2,000 trajectories per path, so memory should stay flat however many replications run.
This samples the resident set size (RSS) of the command and all its worker processes
every 0.2 s and prints the peak of their sum, and of the largest single process.

    python benchmarks/memory.py [--replications 1000000] [--workers 2]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "2024-12-mediation-paths.yaml"
PATHS = 6  # mediation paths in the flagship
GIB = 1024**3


def tree_rss(root: psutil.Process) -> tuple[int, int]:
    """Sum and maximum RSS over a process and its descendants (those still alive)."""
    sizes = []
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            sizes.append(process.memory_info().rss)
    return sum(sizes), max(sizes, default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1_000_000, help="in all, over the six paths")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    per_path = math.ceil(args.replications / PATHS)
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run"
        command = [sys.executable, "-m", "sim.cli", "run", str(FLAGSHIP), "--runs", str(per_path)]
        command += ["--no-plots", "--workers", str(args.workers), "--out", str(out)]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        root = psutil.Process(process.pid)
        peak_sum = peak_one = 0
        while process.poll() is None:
            total, largest = tree_rss(root)
            peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
            time.sleep(0.2)
        elapsed = time.perf_counter() - started
        if process.returncode != 0:
            sys.exit(f"negsim run failed:\n{process.stderr.read()}")
        on_disk = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(
        f"{per_path * PATHS:,} replications ({per_path:,} per path x {PATHS} paths), {args.workers} workers"
    )
    print(f"wall time {elapsed:,.0f} s; result folder {on_disk / GIB:.2f} GiB on disk")
    print(f"peak RSS, all processes together: {peak_sum / GIB:.2f} GiB (target < 2 GiB)")
    print(f"peak RSS, largest single process: {peak_one / GIB:.2f} GiB")


if __name__ == "__main__":
    main()
