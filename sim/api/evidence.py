"""How a scenario's numbers are founded, and how the model samples them: one row per number
with its quote or reason, the draws of every number, and a number's stated value."""

from __future__ import annotations

import pandas as pd

from sim.api.scenarios import ScenarioFile, one_path
from sim.model.params import sample_estimates
from sim.scenario.estimates import Estimate
from sim.scenario.schema import Scenario
from sim.scenario.show import describe_distribution
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path


def estimates(scenario: Scenario | ScenarioFile, path: str | None = None) -> pd.DataFrame:
    """One row per number of one mediation path (default: the file's first), indexed by key
    path (`actors.ukraine.position.territory`): the actor, the parameter, the value (the
    coders' mean), how it is sampled, its basis (evidence, inferred, assumption, data), the
    quote and anchor that state it or the reason it was inferred, the source, and the other
    coders' values.

    Examples:
        >>> import sim
        >>> table = sim.estimates("2024-12-mediation-paths")
        >>> table.loc["actors.ukraine.trust.china", "basis"]
        'evidence'
        >>> sorted(table["basis"].unique())  # doctest: +ELLIPSIS
        ['assumption', 'evidence', 'inferred'...]
    """
    chosen = one_path(scenario, path)
    rows = []
    for key, estimate in iter_estimates(chosen):
        quoted = estimate.evidence or estimate.context
        known = chosen.sources.get(quoted.source) if quoted is not None else None
        others = ", ".join(f"{coder}: {coding.value:g}" for coder, coding in (estimate.codings or {}).items())
        rows.append(
            {
                "key": format_key_path(key),
                "actor": key[1] if key[0] == "actors" and len(key) > 2 else None,
                "parameter": format_key_path(key[2:]) if key[0] == "actors" else format_key_path(key),
                "value": float(estimate.center()),
                "sampled": describe_distribution(estimate, key, chosen),
                "basis": estimate.provenance,
                "why": why(estimate),
                "source": f"{known.outlet}, {known.date}" if known is not None else "",
                "coders": f"{estimate.value:g}; {others}" if others else "",
            }
        )
    return pd.DataFrame(rows).set_index("key")


def why(estimate: Estimate) -> str:
    """The quote and the anchor it states; or the reason, with the quote it starts from."""
    if estimate.evidence is not None:
        return f'"{estimate.evidence.quote}" → {estimate.evidence.anchor}'
    reason = estimate.inferred or estimate.assumption or ""
    return f'{reason} (context: "{estimate.context.quote}")' if estimate.context else reason


def draws(
    scenario: Scenario | ScenarioFile, replications: int, seed: int | None = None, path: str | None = None
) -> pd.DataFrame:
    """The value of every number in each of the first `replications` replications, as the
    model draws them (one column per key path): replication r of a run with the same seed
    uses row r.

    Examples:
        >>> import sim
        >>> sample = sim.draws("2024-12-mediation-paths", 1000)
        >>> sample.shape[0]
        1000
        >>> bool(sample["actors.ukraine.clout"].between(0, 1).all())
        True
    """
    chosen = one_path(scenario, path)
    seed = chosen.run.seed if seed is None else seed
    return pd.DataFrame(sample_estimates(chosen, seed, 0, replications))


def stated(scenario: Scenario | ScenarioFile, key: str, path: str | None = None) -> float | None:
    """The scenario's own value (the coders' mean) of the number at `key`; None if it sets none.

    Examples:
        >>> import sim
        >>> sim.stated("2024-12-mediation-paths", "actors.ukraine.position.territory")  # coders: 0.85, 1
        0.925
    """
    chosen = one_path(scenario, path)
    for found, estimate in iter_estimates(chosen):
        if format_key_path(found) == key:
            return float(estimate.center())
    return None
