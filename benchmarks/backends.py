"""Throughput of the three backends on the flagship, measured in one run: serial, local
worker processes, and a Dask LocalCluster, with speed-up ratios against serial.

Throughput is replication-rounds per second (rounds actually played), wall time including
starting the workers. Results go to a sink that discards them, so disk speed does not count.

    python benchmarks/backends.py [--runs 5000] [--workers 2]
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from pathlib import Path

from sim.runner.backends import Backend, Dask, Processes, Serial
from sim.runner.batch import execute
from sim.runner.chunks import DEFAULT_CHUNK, plan_chunks
from sim.scenario.loader import load_scenario

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "2024-12-mediation-paths.yaml"


def measure(backend: Backend, runs: int, chunk_size: int) -> tuple[float, int]:
    loaded = load_scenario(FLAGSHIP)
    seed, rounds = next(iter(loaded.variants.values())).run.seed, 60
    chunks = itertools.chain.from_iterable(
        plan_chunks(name, scenario, runs, rounds, seed, chunk_size)
        for name, scenario in loaded.variants.items()
    )
    started = time.perf_counter()
    played = execute(chunks, backend, lambda result: None)
    return time.perf_counter() - started, played


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000, help="replications per path (6 paths)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=DEFAULT_CHUNK)
    args = parser.parse_args()
    backends: list[Backend] = [Serial(), Processes(args.workers), Dask("local", args.workers)]
    print(f"flagship, {args.runs:,} replications x 6 paths, {os.cpu_count()} cores on this machine")
    print(f"{'backend':<36} {'seconds':>8} {'rep-rounds':>12} {'rep-rounds/s':>13} {'vs serial':>10}")
    serial_rate = None
    for backend in backends:
        seconds, played = measure(backend, args.runs, args.chunk_size)
        rate = played / seconds
        serial_rate = serial_rate or rate
        ratio = rate / serial_rate
        print(f"{backend.description:<36} {seconds:>8.1f} {played:>12,} {rate:>13,.0f} {ratio:>9.2f}x")


if __name__ == "__main__":
    main()
