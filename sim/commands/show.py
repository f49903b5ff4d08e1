"""`negsim show FILE`: each actor's parameters beside their evidence.

Like `validate`, it needs only the scenario layer, so it starts without the model, the runner
or the result tables.
"""

from __future__ import annotations

from pathlib import Path

import click

from sim.commands.common import out
from sim.scenario.loader import load_scenario
from sim.scenario.show import evidence_tables, shown


@click.command(name="show")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--path", "path_name", help="Show this mediation path's parameters (default: the first).")
def show_command(file: Path, path_name: str | None) -> None:
    """Print each actor's parameters beside their evidence."""
    loaded = load_scenario(file)
    scenario = loaded.variant(path_name)
    out.print(f"[bold]{shown(scenario.title or loaded.name)}[/bold] — path: {shown(scenario.label)}")
    for table in evidence_tables(scenario):
        out.print(table)
    out.print("Sources:")
    for key, source in scenario.sources.items():
        out.print(shown(f"  {key}: {source.outlet}, {source.date}: {source.headline}"))
