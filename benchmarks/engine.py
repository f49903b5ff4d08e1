"""The compiled batch engine against the Mesa model on the flagship scenario, in one run.

Throughput is counted in replication-rounds: the rounds each replication actually played (a
run that ends in month 7 counts 7), the same count for every figure. Three figures, each the
median of several repeats after a warm-up (compiling or loading the rules is not timed):

- batch: `run_batch` as a command runs it, sampling the parameters and drawing the noise
  included;
- rules: the rounds alone (`play_all` on a path already sampled), the Nash path included;
- mesa: the Mesa model's `step` (one replication at a time, the seminar's engine); its
  set-up (sampling one replication, building the agents) is reported apart.

CPU time is printed beside wall time, and the machine's load average before and after: on a
busy machine wall time is not the engine's. One thread (BLAS limited to one).

    python benchmarks/engine.py [--batch 2000] [--mesa 20] [--repeats 3] [--json]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the targets say

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

from sim.model.engine import Run, play_all, run_batch  # noqa: E402
from sim.model.mesa_model import NegotiationModel  # noqa: E402
from sim.model.noise import draw_noise  # noqa: E402
from sim.model.params import build_params  # noqa: E402
from sim.model.warmup import ensure_compiled  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

FLAGSHIP = Path(__file__).resolve().parent.parent / "scenarios" / "2024-12-mediation-paths.yaml"


@dataclass
class Timing:
    """Medians over repeats of one measurement: wall and CPU seconds, work done."""

    wall: float
    cpu: float
    rounds: int

    @property
    def rate(self) -> float:
        return self.rounds / self.wall


def measure(job: Callable[[], tuple[float, float, int]], repeats: int) -> Timing:
    """Run `job` (returns wall s, CPU s, replication-rounds) once to warm up, then `repeats`
    times; the medians."""
    job()
    runs = [job() for _ in range(repeats)]
    return Timing(*(statistics.median(run[i] for run in runs) for i in range(2)), runs[0][2])


def timed(work: Callable[[], int]) -> tuple[float, float, int]:
    """Wall and CPU seconds of `work`, and the count it returns (replication-rounds played)."""
    wall, cpu = time.perf_counter(), time.process_time()
    count = work()
    return time.perf_counter() - wall, time.process_time() - cpu, count


def batch_job(scenario: Scenario, replications: int) -> Callable[[], tuple[float, float, int]]:
    def play() -> int:
        result = run_batch(scenario, scenario.run.seed, 0, replications, scenario.run.rounds)
        return int(result.state.end_round.sum())

    return lambda: timed(play)


def rules_job(scenario: Scenario, replications: int) -> Callable[[], tuple[float, float, int]]:
    seed, rounds = scenario.run.seed, scenario.run.rounds
    params = build_params(scenario, seed, 0, replications)
    noise = draw_noise(scenario, seed, 0, replications, rounds)

    def job() -> tuple[float, float, int]:
        run = Run.prepare(params, noise)  # a fresh state: playing changes it
        return timed(lambda: int(play_all(run, rounds).state.end_round.sum()))

    return job


def mesa_jobs(scenario: Scenario, replications: int) -> tuple[Callable, Callable]:
    """Two jobs over the same replications: set-up only, and stepping only."""

    def set_up() -> int:
        for r in range(replications):
            NegotiationModel(scenario, replication=r)
        return replications

    def steps() -> tuple[float, float, int]:
        models = [NegotiationModel(scenario, replication=r) for r in range(replications)]

        def step_all() -> int:
            for model in models:
                while model.running:
                    model.step()
            return sum(model.end_round for model in models)

        return timed(step_all)

    return lambda: timed(set_up), steps


def total(timings: list[Timing]) -> Timing:
    return Timing(sum(t.wall for t in timings), sum(t.cpu for t in timings), sum(t.rounds for t in timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=2000, help="replications per path, batch and rules")
    parser.add_argument("--mesa", type=int, default=20, help="replications per path, Mesa model")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median), after one warm-up")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args()
    load_before = os.getloadavg()
    ensure_compiled()
    loaded = load_scenario(FLAGSHIP)
    rows: dict[str, dict[str, Timing]] = {}
    for name, scenario in loaded.variants.items():
        setup, steps = mesa_jobs(scenario, args.mesa)
        rows[name] = {
            "batch": measure(batch_job(scenario, args.batch), args.repeats),
            "rules": measure(rules_job(scenario, args.batch), args.repeats),
            "mesa_setup": measure(setup, args.repeats),
            "mesa": measure(steps, args.repeats),
        }
    load_after = os.getloadavg()
    all_paths = {kind: total([row[kind] for row in rows.values()]) for kind in next(iter(rows.values()))}
    summary = {
        "batch_rep_rounds_per_s": round(all_paths["batch"].rate),
        "rules_rep_rounds_per_s": round(all_paths["rules"].rate),
        "mesa_rep_rounds_per_s": round(all_paths["mesa"].rate),
        "ratio": round(all_paths["batch"].rate / all_paths["mesa"].rate, 1),
        "mesa_step_us": round(1e6 * all_paths["mesa"].wall / all_paths["mesa"].rounds, 1),
        "mesa_setup_ms": round(1e3 * all_paths["mesa_setup"].wall / all_paths["mesa_setup"].rounds, 2),
        "cpu_over_wall": {kind: round(t.cpu / t.wall, 2) for kind, t in all_paths.items()},
        "per_path": {
            name: {f"{kind}_rep_rounds_per_s": round(row[kind].rate) for kind in ("batch", "rules", "mesa")}
            for name, row in rows.items()
        },
        "load": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
        "cores": os.cpu_count(),
        "replications": {"batch": args.batch, "mesa": args.mesa},
        "repeats": args.repeats,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print_tables(rows, all_paths, summary)


def print_tables(rows: dict[str, dict[str, Timing]], all_paths: dict[str, Timing], summary: dict) -> None:
    header = (
        f"{'path':24} {'batch rep-rounds/s':>19} {'rules alone':>12} {'mesa step':>10} {'batch/mesa':>11}"
    )
    print(header)
    for name, row in [*rows.items(), ("all paths", all_paths)]:
        ratio = row["batch"].rate / row["mesa"].rate
        step_us = 1e6 * row["mesa"].wall / row["mesa"].rounds
        rates = f"{row['batch'].rate:>19,.0f} {row['rules'].rate:>12,.0f}"
        print(f"{name:24} {rates} {step_us:>8.1f}µs {ratio:>10.0f}x")
    print(
        f"Mesa set-up {summary['mesa_setup_ms']} ms per replication (sampling one row, building agents), "
        f"apart from its steps."
    )
    cpu = ", ".join(f"{kind} {share:.2f}" for kind, share in summary["cpu_over_wall"].items())
    print(f"CPU time / wall time: {cpu} (below 1: the process waited for the CPU)")
    print(
        f"Load average (1, 5, 15 min) before {summary['load']['before']}, after {summary['load']['after']}, "
        f"on {summary['cores']} cores; medians of {summary['repeats']} repeats after a warm-up; "
        f"{summary['replications']['batch']:,} replications per path (batch, rules), "
        f"{summary['replications']['mesa']} (Mesa)."
    )


if __name__ == "__main__":
    main()
