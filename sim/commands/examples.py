"""`negsim examples DIR`: the shipped scenarios, copied out of the package to be edited.

An installed negsim keeps its scenarios inside the package, where edits would be lost on the
next install; a copy in a folder of one's own is the place to change them.
"""

from __future__ import annotations

from pathlib import Path

import click

from sim.commands.common import out
from sim.scenario.shipped import FLAGSHIP, copy_examples
from sim.scenario.show import shown


@click.command(name="examples")
@click.argument("folder", metavar="DIR", type=click.Path(path_type=Path))
def examples_command(folder: Path) -> None:
    """Copy the shipped scenarios into DIR, to edit and run.

    DIR is made if needed; nothing is copied if any of the files is there already.
    """
    written = copy_examples(folder)
    out.print(f"Copied {len(written)} files into {shown(str(folder))}:")
    for path in written:
        out.print(f"  {shown(str(path))}")
    out.print(f"Next: negsim run {shown(str(folder / FLAGSHIP))}")
