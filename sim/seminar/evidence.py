"""The evidence panel: where a number comes from, for any parameter of a path."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.schema import Scenario
from sim.scenario.show import describe_distribution
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path

BASIS_WORDS = {
    "evidence": "Stated in a source",
    "inferred": "Inferred",
    "assumption": "Assumed",
    "none": "Model setting",
}


@dataclass(frozen=True)
class Basis:
    """One parameter's value, spread and the reason for it."""

    path: str
    value: float
    spread: str
    kind: str  # evidence, inferred, assumption or none
    quote: str | None
    source: str | None  # e.g. "South China Morning Post, 2024-12-09"
    reason: str | None

    @property
    def heading(self) -> str:
        return BASIS_WORDS[self.kind]


def parameter_paths(scenario: Scenario) -> list[str]:
    """Every number of the path, actors first, in file order."""
    return [format_key_path(path) for path, _ in iter_estimates(scenario)]


def basis_of(scenario: Scenario, path: str) -> Basis:
    """The value of `path` and what it rests on."""
    for key, estimate in iter_estimates(scenario):
        if format_key_path(key) != path:
            continue
        quote = source = None
        if estimate.evidence is not None:
            quote = estimate.evidence.quote
            known = scenario.sources.get(estimate.evidence.source)
            source = f"{known.outlet}, {known.date}: {known.headline}" if known else estimate.evidence.source
        return Basis(
            path=path,
            value=float(estimate.center()),
            spread=describe_distribution(estimate, key, scenario),
            kind=estimate.provenance,
            quote=quote,
            source=source,
            reason=estimate.inferred or estimate.assumption,
        )
    raise KeyError(path)
