"""Baseline models: the standard answers a bargaining model is compared with.

Each is one function of positions x (N, K) or (R, N, K) on each issue's own scale, saliences s
(same shape, >= 0), capabilities c (N,) or (R, N) and the reference point q (K,) or (R, K),
returning the predicted package (K,) or (R, K):

    function(x, s, c, q, *, scale=None)

`scale` = (low, high) per issue where a model needs each issue's width. `BASELINES` names them
so commands can list and select them; negsim's own agent-based model ("abm") is provided by the
commands. docs/model.md, "Baseline models", gives the formulas and sources.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from sim.model.baselines.bdm import bdm_expected_utility, bdm_run
from sim.model.baselines.compromise import compromise, weighted_median
from sim.model.baselines.nash import nash_solution


class Baseline(NamedTuple):
    function: Callable[..., np.ndarray]
    description: str
    citation: str


BASELINES: dict[str, Baseline] = {
    "compromise": Baseline(
        compromise,
        "capability x salience weighted mean of positions, issue by issue",
        "Achen (2006); Thomson et al. (2006)",
    ),
    "weighted_median": Baseline(
        weighted_median,
        "capability x salience weighted median of positions, issue by issue",
        "Black (1948); Bueno de Mesquita (1994)",
    ),
    "nash": Baseline(
        nash_solution,
        "exact asymmetric Nash bargaining solution (capability as weights, reference point as disagreement)",
        "Nash (1950); Kalai (1977)",
    ),
    "bdm": Baseline(
        bdm_expected_utility,
        "Bueno de Mesquita's expected-utility challenge model, weighted median after the rounds",
        "Bueno de Mesquita (1994); Scholz, Calbert & Smith (2011)",
    ),
}

__all__ = [
    "BASELINES",
    "Baseline",
    "bdm_expected_utility",
    "bdm_run",
    "compromise",
    "nash_solution",
    "weighted_median",
]
