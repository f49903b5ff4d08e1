"""One negotiation at a time, or many in memory: the Mesa model of one replication, and the
batch engine's replications of one path as a table, with assumptions changed by key path.

Replication r here draws the same random numbers as replication r of `run` with the same
seed, so a number seen in a notebook can be checked against a full run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import pandas as pd

from sim.api.results import summary_row
from sim.api.scenarios import ScenarioFile, one_path
from sim.results.summary import path_outcomes
from sim.scenario.schema import Scenario
from sim.seminar import replicate as replicated
from sim.seminar.assumptions import Assumptions

if TYPE_CHECKING:  # Mesa is imported when a negotiation is made: it takes a third of a second
    from sim.model.mesa_model import NegotiationModel


def negotiation(
    scenario: Scenario | ScenarioFile,
    path: str | None = None,
    *,
    replication: int = 0,
    seed: int | None = None,
    rounds: int | None = None,
    values: Mapping[str, float] | None = None,
    mechanisms: Mapping[str, bool] | None = None,
) -> NegotiationModel:
    """The Mesa model of one replication of one path (default: the file's first): call
    `.step()` for a round, read `.agents`, `.outcome`, `.terms` and `.datacollector`. The
    seed and the number of rounds default to the file's `run:` section.

    `values` fix numbers by key path (`{"actors.russia.cost_of_war": 0.01}`) and `mechanisms`
    switch mechanisms (`{"parameter_uncertainty": False}`: every number at its stated value).

    Examples:
        >>> import sim
        >>> one = sim.negotiation("2024-12-mediation-paths", "us_china_joint", replication=1)
        >>> while one.running:
        ...     one.step()
        >>> one.outcome in {"agreement", "ceasefire", "breakdown", "stalemate"}
        True
    """
    from sim.model.mesa_model import NegotiationModel

    chosen, assumptions = _assumed(scenario, path, values, mechanisms)
    return NegotiationModel(
        chosen, seed=seed, replication=replication, rounds=rounds, explored=dict(assumptions.values) or None
    )


def replicate(
    scenario: Scenario | ScenarioFile,
    replications: int,
    path: str | None = None,
    *,
    seed: int | None = None,
    rounds: int | None = None,
    values: Mapping[str, float] | None = None,
    mechanisms: Mapping[str, bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Replications 0 … `replications` − 1 of one path, in memory, one row each (outcome,
    end_round, terms, utilities): what `run` writes for the path, without a folder. `values`
    and `mechanisms` as for `negotiation`; `progress(done, total)` is called as chunks finish.

    Examples:
        >>> import sim
        >>> table = sim.replicate("2024-12-mediation-paths", 200, "no_mediation")
        >>> len(table)
        200
        >>> set(table["outcome"]) <= {"agreement", "ceasefire", "breakdown", "stalemate"}
        True
    """
    chosen, assumptions = _assumed(scenario, path, values, mechanisms)
    return replicated.replicate(chosen, replications, seed, rounds, assumptions, progress)


def summarise(scenario: Scenario | ScenarioFile, table: pd.DataFrame, path: str | None = None) -> pd.Series:
    """What `run` reports for a path, from a table of `replicate`: a row with the columns of
    `RunResult.summary` (the agreement share with its 95% Wilson interval, the median month
    of agreement, the share ending in each other way) and the median agreed terms
    (`terms.<issue>`).

    Examples:
        >>> import sim
        >>> table = sim.replicate("2024-12-mediation-paths", 200, "no_mediation")
        >>> row = sim.summarise("2024-12-mediation-paths", table, "no_mediation")
        >>> bool(row["agreement_low"] <= row["agreement"] <= row["agreement_high"])
        True
        >>> ends = ["agreement", "ended_ceasefire", "ended_breakdown", "ended_stalemate"]
        >>> round(row[ends].sum(), 9)  # every run ends one way
        1.0
    """
    chosen = one_path(scenario, path)
    found = path_outcomes(chosen.label, table, list(chosen.issues))
    terms = {f"terms.{issue}": value for issue, value in found.median_terms.items()}
    return pd.Series({**summary_row(found), **terms}, name=chosen.label)


def _assumed(
    scenario: Scenario | ScenarioFile,
    path: str | None,
    values: Mapping[str, float] | None,
    mechanisms: Mapping[str, bool] | None,
) -> tuple[Scenario, Assumptions]:
    """The chosen path with the switches applied, and the assumptions (checked against it)."""
    assumptions = Assumptions(values=dict(values or {}), mechanisms=dict(mechanisms or {}))
    return assumptions.apply(one_path(scenario, path)), assumptions
