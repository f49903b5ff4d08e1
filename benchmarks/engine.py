"""Batch engine vs. a per-replication Mesa loop on the flagship scenario, measured in one run.

Throughput is counted in replication-rounds: the rounds each replication actually played
(a run that ends in month 7 counts 7), the same count for both engines. Both run the same
rule functions; the ratio shows what vectorising over replications buys.

    python benchmarks/engine.py [--batch 5000] [--mesa 40]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target says

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from sim.model.engine import run_batch  # noqa: E402
from sim.model.mesa_model import NegotiationModel  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "2024-12-mediation-paths.yaml"


def time_batch(scenario, replications: int) -> tuple[float, int]:
    started = time.perf_counter()
    result = run_batch(scenario, scenario.run.seed, 0, replications, scenario.run.rounds)
    return time.perf_counter() - started, int(result.state.end_round.sum())


def time_mesa(scenario, replications: int) -> tuple[float, int]:
    started = time.perf_counter()
    played = 0
    for r in range(replications):
        model = NegotiationModel(scenario, seed=scenario.run.seed, replication=r)
        while model.running:
            model.step()
        played += model.end_round
    return time.perf_counter() - started, played


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=5000, help="replications per path, batch engine")
    parser.add_argument("--mesa", type=int, default=40, help="replications per path, Mesa loop")
    args = parser.parse_args()
    loaded = load_scenario(FLAGSHIP)
    print(f"{'path':24} {'batch rep-rounds/s':>20} {'mesa rep-rounds/s':>18} {'ratio':>8}")
    totals = {"batch": [0.0, 0], "mesa": [0.0, 0]}
    for name, scenario in loaded.variants.items():
        batch_s, batch_n = time_batch(scenario, args.batch)
        mesa_s, mesa_n = time_mesa(scenario, args.mesa)
        for key, (s, n) in (("batch", (batch_s, batch_n)), ("mesa", (mesa_s, mesa_n))):
            totals[key][0] += s
            totals[key][1] += n
        batch_rate, mesa_rate = batch_n / batch_s, mesa_n / mesa_s
        print(f"{name:24} {batch_rate:>20,.0f} {mesa_rate:>18,.0f} {batch_rate / mesa_rate:>7.0f}x")
    batch_rate = totals["batch"][1] / totals["batch"][0]
    mesa_rate = totals["mesa"][1] / totals["mesa"][0]
    print(f"{'all paths':24} {batch_rate:>20,.0f} {mesa_rate:>18,.0f} {batch_rate / mesa_rate:>7.0f}x")
    print(
        f"(batch: {args.batch:,} replications per path incl. sampling and noise; "
        f"Mesa: {args.mesa} per path; one thread)"
    )


if __name__ == "__main__":
    main()
