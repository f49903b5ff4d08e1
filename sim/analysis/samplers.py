"""Experimental designs on the unit cube, from established samplers; `seed` is passed through.

Designs live on [0, 1]^k; `ParameterSpace.values` maps them to parameter values by each
range's inverse CDF, which keeps a design's stratification and Sobol/Morris structure.
"""

from __future__ import annotations

import numpy as np

# SALib and scipy.stats are imported by the functions that use them: importing them costs about
# a second, which neither `negsim run` nor `import sim` should pay.

MORRIS_LEVELS = 4  # grid levels per parameter; 4 is the common choice (Saltelli et al. 2008)


def unit_problem(names: list[str]) -> dict:
    """A SALib problem over the unit cube."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def latin_hypercube(points: int, dims: int, seed: int) -> np.ndarray:
    """(points, dims): one point in each of `points` equal slices of every axis."""
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=dims, rng=np.random.default_rng(seed)).random(points)


def sobol(base: int, names: list[str], seed: int) -> np.ndarray:
    """Saltelli's scheme on a scrambled Sobol' sequence: base * (k + 2) points, first- and
    total-order indices (no second order, which would need base * (2k + 2))."""
    from SALib.sample import sobol as sobol_sampler

    return sobol_sampler.sample(unit_problem(names), base, calc_second_order=False, seed=seed)


def morris(trajectories: int, names: list[str], seed: int) -> np.ndarray:
    """Morris elementary-effects design: trajectories * (k + 1) points."""
    from SALib.sample import morris as morris_sampler

    return morris_sampler.sample(unit_problem(names), trajectories, num_levels=MORRIS_LEVELS, seed=seed)
