"""`negsim validate FILES`: check scenario files without running them.

Only the scenario layer is imported (pydantic, numpy, YAML): checking a file is meant to be
quick, so nothing of the model, the runner or the result tables is loaded.
"""

from __future__ import annotations

from pathlib import Path

import click

from sim.commands.common import out
from sim.errors import NegsimError
from sim.scenario.loader import load_scenario


@click.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate_command(files: tuple[Path, ...]) -> None:
    """Check scenario FILES; exit 0 when all are valid, 2 when any is not."""
    problems: list[NegsimError] = []
    for file in files:
        try:
            loaded = load_scenario(file)
            out.print(
                f"[green]ok[/green] {file}: {len(loaded.variants)} path(s), "
                f"{len(next(iter(loaded.variants.values())).actors)} actors"
            )
        except NegsimError as exc:
            problems.append(exc)
    if problems:
        raise NegsimError([p for exc in problems for p in exc.problems], any(e.truncated for e in problems))
