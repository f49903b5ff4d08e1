"""`negsim show`: each parameter beside the evidence it rests on."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from sim.errors import printable
from sim.scenario.estimates import Estimate
from sim.scenario.parameters import parameter_at
from sim.scenario.schema import Scenario
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import format_key_path


def describe_distribution(estimate: Estimate, path: tuple, scenario: Scenario) -> str:
    """How the number is sampled, in a few characters."""
    distribution = estimate.distribution(parameter_at(path).bounds_in(path, scenario))
    if estimate.dist is None and distribution.sd > 0:  # a bare value with its spread
        return f"± {distribution.sd:.3g} (sd)"
    return distribution.describe()


def shown(text: str) -> str:
    """Text from the scenario file as it must appear in a table: control characters as visible
    escapes (`\\x1b`, `\\n`), markup (`[bold]`) as written."""
    return escape(printable(text))


def evidence_tables(scenario: Scenario) -> list[Table]:
    """One table per actor, then one for shared settings."""
    groups: dict[str, list[tuple[tuple, Estimate]]] = {}
    for path, estimate in iter_estimates(scenario):
        group = f"actors.{path[1]}" if path[0] == "actors" else str(path[0])
        groups.setdefault(group, []).append((path, estimate))
    tables = []
    for group, rows in groups.items():
        title = group
        if group.startswith("actors."):
            actor = scenario.actors[group.split(".", 1)[1]]
            title = f"{shown(actor.name)} ({actor.role}{', veto' if actor.veto else ''})"
        table = Table(title=title, title_justify="left", show_lines=False, expand=True)
        table.add_column("parameter", no_wrap=True)
        table.add_column("value", justify="right")
        table.add_column("spread", no_wrap=True)
        table.add_column("basis", no_wrap=True)
        table.add_column("evidence or reason", ratio=1)
        skip = 2 if group.startswith("actors.") else 1
        for path, estimate in rows:
            table.add_row(
                shown(format_key_path(path[skip:])),
                f"{estimate.center():.3g}",
                describe_distribution(estimate, path, scenario),
                estimate.provenance if estimate.provenance != "none" else "[dim]setting[/dim]",
                shown(estimate.reason + _codings(estimate)),
            )
        tables.append(table)
    return tables


def _codings(estimate: Estimate) -> str:
    """Each coder's value when several coded the number; the value shown is their mean."""
    if not estimate.codings:
        return ""
    others = ", ".join(f"{coder} {coding.value:.3g}" for coder, coding in estimate.codings.items())
    return f"; written {estimate.value:.3g}, other coders: {others}"
