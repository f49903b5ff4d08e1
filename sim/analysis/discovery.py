"""Scenario discovery for one mediation path: which explored values make it converge.

Each replication is a case: its explored parameter values (from the design point it ran at)
and whether it ended in the outcome of interest. PRIM finds a box; CART gives a second view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.discovery.cart import TreeView, fit_tree
from sim.discovery.prim import PrimResult, describe_box, prim
from sim.results.layout import DESIGN
from sim.results.stream import read_table

# A box is reported as a finding only if it beats the base rate clearly: by a quarter at least,
# and with a one-sided binomial p below 0.001. PRIM picks the densest box, so chance gains
# would otherwise be read as findings (the p-value ignores that selection: a floor, not a test).
MIN_LIFT = 1.25
MAX_P = 1e-3


@dataclass(frozen=True)
class PathDiscovery:
    path: str
    parameters: tuple[str, ...]  # the explored parameters used on this path
    cases: int
    base_rate: float
    prim: PrimResult | None  # None when no run (or every run) reached the outcome
    tree: TreeView | None
    p_value: float
    finding: bool  # whether the box clears MIN_LIFT and MAX_P
    sentence: str


def cases(folder: Path, path: str, names: list[str], outcome: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Explored values and outcome of every replication of `path`."""
    runs = read_table(folder, columns=["point", "outcome"], path=path)
    design = pd.read_parquet(folder / DESIGN, columns=["point", *names]).set_index("point")
    X = design.loc[runs["point"].to_numpy(), names].reset_index(drop=True)
    return X, (runs["outcome"] == outcome).to_numpy()


def discover(
    X: pd.DataFrame, y: np.ndarray, path: str, subject: str, labels: dict[str, str], min_coverage: float
) -> PathDiscovery:
    base = float(y.mean())
    if base in (0.0, 1.0):
        never = "never" if base == 0 else "always"
        sentence = f"{subject} {never} happens in the explored space; there is nothing to discover."
        return PathDiscovery(path, tuple(X.columns), len(y), base, None, None, 1.0, False, sentence)
    found = prim(X, y, min_coverage=min_coverage)
    box = found.box
    inside = round(box.mass * len(y))
    hits = round(box.density * inside)
    from scipy import stats  # here: scipy.stats takes half a second to import

    p_value = float(stats.binom.sf(hits - 1, inside, base)) if box.restricted else 1.0
    finding = bool(box.restricted) and box.density >= MIN_LIFT * base and p_value < MAX_P
    if finding:
        sentence = describe_box(box, labels, subject)
    else:
        sentence = (
            f"{subject} in {base:.0%} of all runs; no region of the explored space does markedly "
            f"better (best box: {box.density:.0%} of its runs)."
        )
    tree = fit_tree(X, y, labels)
    return PathDiscovery(path, tuple(X.columns), len(y), base, found, tree, p_value, finding, sentence)
