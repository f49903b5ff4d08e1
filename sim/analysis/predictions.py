"""What each model predicts for an issue, from the same scenario: the baselines from the actors'
stated positions, saliences and clouts, and the agent-based model from its runs.

Every prediction is on the issue's own scale. The baselines read the scenario's central
values (no sampling: they are deterministic formulas of the stated numbers). The agent-based
model's prediction is the median over its runs of what each run ended with: the agreed
terms, or the reference point (`status_quo`) when nothing was agreed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.baselines.adapter import predict
from sim.model.params import build_params
from sim.scenario.schema import Scenario

ABM = "abm"  # negsim's own agent-based model, the fifth choice beside the baselines


def central(scenario: Scenario) -> Scenario:
    """The scenario with every number at its central value."""
    off = scenario.mechanisms.model_copy(update={"parameter_uncertainty": False})
    return scenario.model_copy(update={"mechanisms": off})


def baseline_predictions(scenario: Scenario, models: list[str]) -> dict[str, np.ndarray]:
    """Each named baseline's package (K,) for the scenario's central numbers, every actor
    counted (mediators and guarantors too: they are actors of the case as its data code it),
    in the issues' units."""
    p = build_params(central(scenario), seed=0, start=0, stop=1)
    return {name: scenario.in_issue_units(predict(name, p)[0]) for name in models if name != ABM}


def reference_point(scenario: Scenario) -> np.ndarray:
    """(K,) the central status quo: what happens without agreement, in the issues' units."""
    p = build_params(central(scenario), seed=0, start=0, stop=1)
    return scenario.in_issue_units(p.status_quo[0])


def abm_prediction(scenario: Scenario, runs: pd.DataFrame) -> np.ndarray:
    """(K,) the median agreed terms over the runs that reached agreement; the reference point
    when none did (`runs`: the replications table of one path).

    Conditional on agreement, because the cases scored are decisions that were taken (DEU codes
    the outcomes of adopted acts): the model is asked what was agreed, not whether.
    docs/validation.md also reports the unconditional reading (no agreement = the reference
    point), which scores worse.
    """
    agreed = (runs["outcome"] == "agreement").to_numpy()
    if not agreed.any():
        return reference_point(scenario)
    return np.array(
        [float(np.median(runs[f"terms.{issue}"].to_numpy(dtype=float)[agreed])) for issue in scenario.issues]
    )
