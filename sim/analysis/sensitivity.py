"""Sensitivity indices of a path's outputs to the explored parameters (SALib), with 95% CIs.

Sobol' indices split the variance of an output across the parameters: S1 is what a
parameter explains alone, ST what it explains including all its interactions. Morris
screening gives mu* (mean absolute elementary effect, in output units per full range) and
sigma (how much that effect depends on the other parameters).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.samplers import MORRIS_LEVELS, unit_problem

# A dummy parameter that changes nothing: its index is what replication noise and sampling
# error alone produce, so a real parameter matters only where it clearly beats this floor.
NOISE_FLOOR = "(noise floor)"
NOISE_FLOOR_LABEL = "noise floor: a dummy that changes nothing"
RESAMPLES = 1000  # bootstrap resamples behind each confidence interval
OUTPUTS = ("agreement", "rounds")  # the chance of agreement, and the median rounds to it
COLUMNS = {
    "sobol": ["ST", "ST_conf", "S1", "S1_conf"],
    "morris": ["mu_star", "mu_star_conf", "sigma"],
}
RANK_BY = {"sobol": "ST", "morris": "mu_star"}


def indices(method: str, names: list[str], unit: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """One row per parameter; NaN throughout when the output does not vary at all."""
    problem = unit_problem(names)
    if np.ptp(y) == 0:
        return pd.DataFrame({"parameter": names, **{c: np.nan for c in COLUMNS[method]}})
    from SALib.analyze import morris as morris_analyzer  # here: SALib takes about a second to import
    from SALib.analyze import sobol as sobol_analyzer

    if method == "sobol":
        found = sobol_analyzer.analyze(
            problem, y, calc_second_order=False, num_resamples=RESAMPLES, conf_level=0.95, seed=seed
        )
    else:
        found = morris_analyzer.analyze(
            problem, unit, y, num_resamples=RESAMPLES, conf_level=0.95, num_levels=MORRIS_LEVELS, seed=seed
        )
    return pd.DataFrame({"parameter": names, **{c: np.asarray(found[c], float) for c in COLUMNS[method]}})


def output_label(output: str, round_units: str) -> str:
    """What an output is, in words: "chance of agreement", "median months to agreement"
    (`round_units`: the scenario's round unit, for a number of rounds)."""
    return "chance of agreement" if output == "agreement" else f"median {round_units} to agreement"


def outputs_per_point(points: pd.DataFrame) -> tuple[dict[str, np.ndarray], int]:
    """The outputs analysed, per design point, and how many points had no agreement.

    Median rounds is undefined where no run agreed; those points take the median over all
    points that have one, a neutral value that adds no spurious variance (reported).
    """
    rounds = points["median_rounds"].to_numpy(float)
    missing = int(np.isnan(rounds).sum())
    if missing < len(rounds):
        rounds = np.where(np.isnan(rounds), np.nanmedian(rounds), rounds)
    else:
        rounds = np.zeros_like(rounds)
    return {"agreement": points["share"].to_numpy(float), "rounds": rounds}, missing


def ranked(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """Most influential first."""
    return table.sort_values(RANK_BY[method], ascending=False, na_position="last", kind="stable")
