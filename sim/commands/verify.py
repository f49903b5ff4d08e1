"""`negsim verify`: is a result folder exactly as the run wrote it?

Every file is hashed again (in blocks, so folders of any size fit in memory) and compared
with the SHA-256 that manifest.json recorded. Every file changed, missing or added is listed
on standard output; the error that follows counts them. Nothing is read through a symbolic
link and only regular files are opened: a link, FIFO, device or folder where a file was
recorded is "changed", and one nobody recorded is "added", each saying what it is.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from sim.commands.common import out
from sim.errors import NegsimError, printable
from sim.results import writer
from sim.results.checksums import Comparison, compare_folder
from sim.results.layout import MANIFEST


@click.command(name="verify")
@click.argument("result_dir", metavar="RESULT_DIR|LEDGER.jsonl", type=click.Path(path_type=Path))
def verify_command(result_dir: Path) -> None:
    """Check every file of RESULT_DIR against the checksums in its manifest.json (exit 0 when
    all match, 2 when any file was changed, is missing or was added); or check the hash chain
    of a forecast ledger (docs/forecasting.md)."""
    if result_dir.suffix == ".jsonl" and not result_dir.is_dir():
        from sim.forecast.ledger import verify

        chain = verify(result_dir)
        out.print(f"[green]ok[/green] {escape(str(result_dir))}: {len(chain.entries)} entries, chain intact")
        return
    manifest = writer.read_manifest(result_dir)
    found = compare_folder(result_dir, manifest["files"], skip=[MANIFEST])
    if not found.ok:
        for line in listing(found):  # the report itself, every file, on standard output
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        raise NegsimError.single(
            str(result_dir),
            f"does not match its {MANIFEST}: {counts(found)}",
            suggestion="the folder is not as the run wrote it: restore it from the original copy, "
            f"or recompute it with `negsim rerun {result_dir} --out NEW_FOLDER`",
        )
    out.print(f"[green]ok[/green] {escape(str(result_dir))}: {found.checked} files match {MANIFEST}")


def _groups(found: Comparison) -> dict[str, list[str]]:
    def noted(names: list[str]) -> list[str]:
        return [f"{name} ({found.notes[name]})" if name in found.notes else name for name in names]

    return {
        "changed": noted(found.changed),
        "missing": found.missing,
        "added": noted(found.added),
        "unreadable": [f"{name} ({why})" for name, why in found.unreadable.items()],
    }


def counts(found: Comparison) -> str:
    return ", ".join(f"{len(names)} {kind}" for kind, names in _groups(found).items() if names)


def listing(found: Comparison) -> list[str]:
    """One line per differing file, grouped: changed, missing, added, unreadable. A name with a
    control character (anyone may name a file so) shows it as a visible escape."""
    return [f"{kind}: {printable(name)}" for kind, names in _groups(found).items() for name in names]
