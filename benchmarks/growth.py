"""How cost grows: time per replication-round as the number of actors and of issues grows.

Measures the batch engine (`run_batch`, sampling and noise included) on generated scenarios:
a sweep over actors (4 to 50, with 5 issues) and a sweep over issues (3 to 20, with 4 actors).
Each scenario is written as a YAML file and loaded with `load_scenario`, so it passes the
same validation as a hand-written one. Time is divided by the replication-rounds actually
played (a run that ends in month 7 counts 7), so early endings do not flatter the numbers;
the generated parties sit far apart behind hard red lines, so nearly every run goes the
distance. Prints a table per sweep and the fitted order of growth (least-squares slope of
log time per replication-round against log size), and draws both curves as a PNG.

This is a benchmark, not a test: it asserts nothing and takes a few minutes.

    .venv/bin/python benchmarks/growth.py [--quick] [--replications 2000] [--rounds 30] [--out PATH]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as in benchmarks/engine.py

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator  # noqa: E402

from sim.model.engine import run_batch  # noqa: E402
from sim.plots import canvas, style  # noqa: E402
from sim.scenario.loader import load_scenario  # noqa: E402
from sim.scenario.schema import Scenario  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "img" / "cost-growth.png"
WHY = "generated for the benchmark"
SEED = 20250101
REPEATS = 3  # best of three by default: the minimum is the least disturbed by other load

ACTOR_SIZES = (4, 8, 12, 16, 25, 35, 50)
ISSUE_SIZES = (3, 5, 8, 12, 16, 20)
FIXED_ISSUES, FIXED_ACTORS = 5, 4
QUICK_ACTOR_SIZES, QUICK_ISSUE_SIZES = (4, 8, 16), (3, 8, 16)
QUICK_REPLICATIONS = 200


def _est(value: float) -> dict[str, Any]:
    """An estimate with `assumption:` provenance, so it is sampled like a real scenario's."""
    return {"value": round(float(value), 4), "assumption": WHY}


def _roles(n_actors: int) -> list[str]:
    """Two opposed parties, one mediator, one veto guarantor, then a mix of all three roles."""
    extra = ("guarantor", "mediator", "party")
    return ["party", "party", "mediator", "guarantor"][:n_actors] + [
        extra[i % 3] for i in range(max(n_actors - 4, 0))
    ]


def generate(n_actors: int, n_issues: int, replications: int, rounds: int) -> dict[str, Any]:
    """A valid scenario document whose negotiation runs long.

    The two main parties start at opposite ends of every issue, hold incompatible red lines on
    the first issue that soften only slightly, value fighting on above any compromise, and a
    ceasefire loses more to the commitment problem than it offers; patience outlasts the
    horizon. So almost every replication plays every round, and the timing covers the whole
    round: influence, a formulative mediator's proposal, pressure, judging, veto, ceasefire
    and walkout checks.
    """
    if n_actors < 4 or n_issues < 1:
        raise ValueError("need at least 4 actors and 1 issue")
    rng = np.random.default_rng([SEED, n_actors, n_issues])
    issues = [f"i{k:02d}" for k in range(n_issues)]
    roles = _roles(n_actors)
    ids = [f"{role[0]}{n:02d}" for n, role in enumerate(roles)]
    parties = [a for a, r in zip(ids, roles, strict=True) if r == "party"]
    actors: dict[str, Any] = {}
    for n, (actor, role) in enumerate(zip(ids, roles, strict=True)):
        if n == 0:
            position = rng.uniform(0.85, 0.95, n_issues)
        elif n == 1:
            position = rng.uniform(0.05, 0.15, n_issues)
        else:
            position = rng.uniform(0.1, 0.9, n_issues)
        spec: dict[str, Any] = {
            "name": f"Actor {n} ({role})",
            "role": role,
            "position": {i: _est(v) for i, v in zip(issues, position, strict=True)},
            "salience": {i: _est(v) for i, v in zip(issues, rng.uniform(0.4, 1.0, n_issues), strict=True)},
            "clout": _est(rng.uniform(0.3, 0.9)),
            "stubbornness": _est(rng.uniform(0.6, 0.9)),
        }
        if role == "party":
            spec["batna"] = _est(rng.uniform(0.72, 0.78))
            spec["cost_of_war"] = _est(0.002)
        if n == 3:  # the first guarantor holds a veto and presses a party
            spec["veto"] = True
            spec["batna"] = _est(0.3)
        if n < 2:
            spec["red_lines"] = {
                issues[0]: {
                    "direction": "at_least" if n == 0 else "at_most",
                    "threshold": _est(0.85 if n == 0 else 0.15),
                    "softening": _est(0.2),
                }
            }
        others = [a for a in ids if a != actor]
        picks = rng.choice(others, size=min(3, len(others)), replace=False)
        spec["trust"] = {str(a): _est(rng.uniform(0.2, 0.8)) for a in picks}
        spec["affinity"] = {str(a): _est(rng.uniform(0.05, 0.5)) for a in picks}
        if role == "guarantor":
            spec["leverage"] = {str(rng.choice(parties)): _est(0.05)}
        actors[actor] = spec
    mediators = [a for a, r in zip(ids, roles, strict=True) if r == "mediator"]
    return {
        "name": f"growth-{n_actors}a-{n_issues}i",
        "title": f"Generated: {n_actors} actors, {n_issues} issues",
        "issues": {
            i: {"label": f"Issue {k}", "low": "second party's pole", "high": "first party's pole"}
            for k, i in enumerate(issues)
        },
        "status_quo": {i: _est(v) for i, v in zip(issues, rng.uniform(0.4, 0.6, n_issues), strict=True)},
        "actors": actors,
        "dynamics": {
            "influence_rate": _est(0.1),
            "perception_noise": _est(0.05),
            "shock_sd": _est(0.01),
            "commitment_problem": _est(0.15),
            "patience": rounds + 1,
        },
        "mediation": {
            "mediators": mediators[:2],
            "style": "formulative",
            "proposal": "weighted",
            "bias": _est(0.2),
            "pressing": [ids[3]],
        },
        "run": {"replications": replications, "rounds": rounds, "seed": SEED},
    }


def load_generated(folder: Path, n_actors: int, n_issues: int, replications: int, rounds: int) -> Scenario:
    """Write the generated scenario as YAML and load it, so it goes through full validation."""
    path = folder / f"growth-{n_actors}a-{n_issues}i.yaml"
    document = generate(n_actors, n_issues, replications, rounds)
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return next(iter(load_scenario(path).variants.values()))


@dataclass
class Point:
    """One size of a sweep: replication-rounds played and the best wall time."""

    size: int
    played: int
    possible: int
    seconds: float

    @property
    def micros(self) -> float:
        return 1e6 * self.seconds / self.played


def time_one(scenario: Scenario, replications: int, rounds: int, repeats: int) -> Point:
    """Best of `repeats` runs of the whole batch, sampling and noise included, as a real run pays them."""
    best, played = float("inf"), 0
    for _ in range(repeats):
        started = time.perf_counter()
        result = run_batch(scenario, SEED, 0, replications, rounds)
        best = min(best, time.perf_counter() - started)
        played = int(result.state.end_round.sum())
    return Point(size=0, played=played, possible=replications * rounds, seconds=best)


def sweep(
    folder: Path,
    label: str,
    sizes: tuple[int, ...],
    shape_of: Callable[[int], tuple[int, int]],
    replications: int,
    rounds: int,
    repeats: int,
) -> list[Point]:
    """Time every size and print its row as soon as it is known (a sweep takes minutes)."""
    print(f"\n{label:>7} {'rep-rounds played':>20} {'share':>7} {'seconds':>9} {'µs/rep-round':>13}")
    points = []
    for size in sizes:
        scenario = load_generated(folder, *shape_of(size), replications, rounds)
        point = time_one(scenario, replications, rounds, repeats)
        point.size = size
        points.append(point)
        print(
            f"{size:>7} {point.played:>20,} {point.played / point.possible:>7.1%} "
            f"{point.seconds:>9.3f} {point.micros:>13.2f}",
            flush=True,
        )
    return points


def exponent(points: list[Point]) -> float:
    """Least-squares slope of log(time per rep-round) against log(size)."""
    x = np.log([p.size for p in points])
    y = np.log([p.micros for p in points])
    return float(np.polyfit(x, y, 1)[0])


def upper_half(points: list[Point]) -> list[Point]:
    """The larger half of a sweep (with the middle size), where fixed overheads matter least."""
    return points[len(points) // 2 :]


def describe(points: list[Point], symbol: str, noun: str) -> list[str]:
    sentences = []
    for part, where in ((points, ""), (upper_half(points), " (upper half)")):
        if len(part) < 2:
            continue
        sentences.append(
            f"time per replication-round grows about as {symbol}^{exponent(part):.2f} "
            f"over {part[0].size}–{part[-1].size} {noun}{where}."
        )
    return sentences


def _panel(ax: Axes, points: list[Point], symbol: str, xlabel: str, colour: str) -> None:
    sizes = np.array([p.size for p in points], dtype=float)
    micros = np.array([p.micros for p in points])
    ax.loglog(sizes, micros, "o-", color=colour, linewidth=2, markersize=6, label="measured")
    fits = [(points, "-", f"fit {sizes[0]:.0f}–{sizes[-1]:.0f}")]
    if len(points) >= 4:
        fits.append((upper_half(points), ":", "fit, upper half"))
    for part, dash, name in fits:
        x = np.log([p.size for p in part])
        slope, intercept = np.polyfit(x, np.log([p.micros for p in part]), 1)
        grid = np.linspace(x[0], x[-1], 50)
        ax.loglog(
            np.exp(grid),
            np.exp(intercept + slope * grid),
            dash,
            color="#555555",
            linewidth=1.2,
            label=f"{name}: ∝ {symbol}^{slope:.2f}",  # plain text: the plot style reads no TeX
        )
    ax.set_xticks(sizes, [f"{s:.0f}" for s in sizes])
    ax.xaxis.set_minor_locator(NullLocator())
    # 1-2-5 ticks with plain numbers: a log axis spanning one decade otherwise shows a single label.
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(xlabel)
    ax.set_ylabel("µs per replication-round")
    ax.grid(True, which="major")
    ax.legend(loc="upper left", frameon=False)


@style.themed
def plot(
    actors: list[Point], issues: list[Point], out: Path, replications: int, rounds: int, repeats: int
) -> Path:
    """Both sweeps side by side on log-log axes, where a power law is a straight line."""
    fig, axes = canvas.new_figure((1, 2), size=(11, 4.8))
    _panel(axes[0, 0], actors, "N", f"actors N (with {FIXED_ISSUES} issues)", style.PALETTE[0])
    axes[0, 0].set_title("Cost vs number of actors")
    _panel(axes[0, 1], issues, "K", f"issues K (with {FIXED_ACTORS} actors)", style.PALETTE[1])
    axes[0, 1].set_title("Cost vs number of issues")
    fig.suptitle(
        f"How cost grows: run_batch time per replication-round "
        f"({replications:,} replications × {rounds} rounds, best of {repeats}, one thread)"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    return canvas.save_png(fig, out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer sizes, 200 replications")
    parser.add_argument("--replications", type=int, default=None, help="replications per size (2000)")
    parser.add_argument("--rounds", type=int, default=30, help="rounds per replication")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed runs per size; the best counts")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"PNG to write (default {DEFAULT_OUT.relative_to(ROOT)}; with --quick, a temporary file)",
    )
    args = parser.parse_args()
    for name in ("replications", "rounds", "repeats"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    replications = args.replications or (QUICK_REPLICATIONS if args.quick else 2000)
    actor_sizes = QUICK_ACTOR_SIZES if args.quick else ACTOR_SIZES
    issue_sizes = QUICK_ISSUE_SIZES if args.quick else ISSUE_SIZES
    # A smoke run must not overwrite the figure the docs show.
    out = args.out or (Path(tempfile.gettempdir()) / "cost-growth-quick.png" if args.quick else DEFAULT_OUT)

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="negsim-growth-") as tmp:
        folder = Path(tmp)
        actors = sweep(
            folder,
            "actors",
            actor_sizes,
            lambda n: (n, FIXED_ISSUES),
            replications,
            args.rounds,
            args.repeats,
        )
        issues = sweep(
            folder,
            "issues",
            issue_sizes,
            lambda k: (FIXED_ACTORS, k),
            replications,
            args.rounds,
            args.repeats,
        )
    print()
    for sentence in describe(actors, "N", "actors") + describe(issues, "K", "issues"):
        print(sentence[0].upper() + sentence[1:])
    print(
        f"({replications:,} replications × {args.rounds} rounds per size, best of {args.repeats}, "
        f"sampling and noise included, one thread; {FIXED_ISSUES} issues in the actor sweep, "
        f"{FIXED_ACTORS} actors in the issue sweep)"
    )
    path = plot(actors, issues, out, replications, args.rounds, args.repeats)
    print(f"wrote {path} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
