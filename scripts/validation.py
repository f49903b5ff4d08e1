"""The numbers of docs/validation.md, measured afresh: every model on the DEU development set,
and every model beside KTAB's own reference runs.

    .venv/bin/python scripts/validation.py [--shared ../shared] [--runs 100] [--workers 2]

It runs negsim's own commands (`negsim backtest`, `negsim import ktab`) into a temporary
folder and prints Markdown tables; nothing in the project is written.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.predictions import ABM, abm_prediction, baseline_predictions
from sim.model.arrays import OUTCOME_NAMES
from sim.model.engine import run_batch
from sim.runner.chunks import replication_table
from sim.scenario.loader import load_scenario

MODELS = ("compromise", "weighted_median", "nash", "bdm", ABM)
KTAB_CASES = {  # input file -> KTAB's reference run of it
    "dummyData_3Dim.csv": "ref-dummyData_3Dim_tail.txt",
    "smpExample.xml": "ref-smpExample_tail.txt",
}


def negsim(*args: str) -> None:
    command = Path(sys.executable).with_name("negsim")  # the environment's own negsim
    subprocess.run([str(command), *args], check=True, stdout=subprocess.DEVNULL, timeout=3600)


def deu(shared: Path, scratch: Path, runs: int, workers: int) -> str:
    out = scratch / "deu"
    negsim(
        "backtest",
        str(shared / "validation" / "deu" / "deu3-dev.tsv"),
        "--runs",
        str(runs),
        "--workers",
        str(workers),
        "--no-plots",
        "--out",
        str(out),
    )
    metrics = pd.read_csv(out / "metrics.csv")
    lines = [
        "| model | n | MAE | RMSE | median | within 5 | within 10 | within 20 | MAE − compromise [95% CI] |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in metrics.itertuples():
        lines.append(
            f"| {row.model} | {row.n} | {row.mae:.1f} | {row.rmse:.1f} | {row.median_ae:.1f} "
            f"| {row.within_5:.0%} | {row.within_10:.0%} | {row.within_20:.0%} "
            f"| {row.mae_diff_vs_compromise:+.1f} [{row.ci_low:+.1f}, {row.ci_high:+.1f}] |"
        )
    runs_table = pd.read_parquet(out / "replications", columns=["outcome"])
    agreed = (runs_table["outcome"] == OUTCOME_NAMES[1]).mean()
    lines.append("")
    lines.append(
        f"The agent-based model's runs reached agreement in {agreed:.0%} of {len(runs_table):,} runs."
    )
    return "\n".join(lines)


def ktab_final(reference: Path) -> dict[str, list[float]]:
    """Each actor's last position per dimension in a KTAB reference run."""
    finals: dict[str, list[float]] = {}
    for line in reference.read_text(encoding="utf-8").splitlines():
        found = re.match(r"\s*([^,]+),\s*([^:]+):\s+(.*)", line)
        if found and re.fullmatch(r"[-\d.\s]+", found.group(3)):
            finals.setdefault(found.group(1).strip(), []).append(float(found.group(3).split()[-1]))
    return finals


def ktab(shared: Path, scratch: Path, runs: int) -> str:
    lines = [
        "| case | dimension | KTAB final (capability-weighted mean of actors) | " + " | ".join(MODELS) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in MODELS) + " |",
    ]
    for case, reference in KTAB_CASES.items():
        folder = scratch / Path(case).stem
        negsim(
            "import",
            "ktab",
            str(shared / "validation" / "ktab" / case),
            "--missing",
            "midpoint",
            "--out",
            str(folder),
        )
        file = next(folder.rglob("*.yaml"))
        scenario = next(iter(load_scenario(file).variants.values()))
        predicted = baseline_predictions(scenario, list(MODELS))
        result = run_batch(scenario, seed=0, start=0, stop=runs, rounds=scenario.run.rounds)
        predicted[ABM] = abm_prediction(scenario, replication_table(result, np.arange(runs), scenario))
        finals = ktab_final(shared / "validation" / "ktab" / reference)
        weights = np.array([a.clout.center() for a in scenario.actors.values()])  # KTAB's order: the file's
        final = np.array(list(finals.values()))
        assert len(final) == len(weights), (case, len(final), len(weights))
        for k, issue in enumerate(scenario.issues.values()):
            consensus = float((weights * final[:, k]).sum() / weights.sum())
            cells = " | ".join(f"{predicted[m][k]:.1f}" for m in MODELS)
            lines.append(f"| {case} | {issue.label} | {consensus:.1f} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="negsim-validation-") as scratch:
        print("## DEU III development set\n")
        print(deu(options.shared, Path(scratch), options.runs, options.workers))
        print("\n## KTAB reference runs\n")
        print(ktab(options.shared, Path(scratch), options.runs))


if __name__ == "__main__":
    main()
