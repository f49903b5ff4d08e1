"""`negsim evidence FILE...`: every quote checked verbatim against its source, and a table of
how each actor's numbers are founded (evidence, data, inferred, assumption or a bare number).

Exit 0 when every quote is found; 2 with one message per problem otherwise (docs/evidence.md).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from sim.commands.common import out
from sim.errors import NegsimError, Problem, printable
from sim.evidence.agreement import Agreement
from sim.evidence.check import KINDS, EvidenceProblems, FileReport, check_file_evidence
from sim.scenario.yaml_source import format_key_path

LABELS = {kind: kind for kind in KINDS} | {"bare": "bare number"}


@click.command(name="evidence")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--sources",
    "sources_dir",
    type=click.Path(path_type=Path),
    help="Folder of the source articles (default: each scenario file's folder).",
)
@click.option(
    "--format",
    "form",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="A coverage table per file, or the same counts and every problem as JSON.",
)
def evidence_command(files: tuple[Path, ...], sources_dir: Path | None, form: str) -> None:
    """Check every quote in scenario FILES against its source; print how numbers are founded."""
    if sources_dir is not None and not sources_dir.is_dir():
        raise NegsimError.single(
            str(sources_dir),
            "is not a folder" if sources_dir.exists() else "does not exist",
            suggestion="--sources names the folder that holds the articles' text files",
        )
    reports: list[FileReport] = []
    problems: list[Problem] = []
    for file in files:
        report, found = check_file_evidence(file, sources_dir)
        problems += found
        if report.numbers or not found:
            reports.append(report)
    if form == "json":
        out.print(
            json.dumps(as_json(reports, problems), indent=2), markup=False, highlight=False, soft_wrap=True
        )
    else:
        for report in reports:
            out.print(coverage_table(report))
            unanchored, agreement = report.unanchored(), report.agreement()
            if unanchored:
                out.print(
                    f"{len(unanchored)} evidence numbers do not name the anchor their quote "
                    "supports (`anchor:` in the evidence; docs/codebook.md)"
                )
            if agreement:
                out.print(agreement_table(agreement, len(report.disputed())))
    if problems:
        raise EvidenceProblems(problems)


def coverage_table(report: FileReport) -> Table:
    """One row per actor (then per other section) and an overall row: counts and shares by basis."""
    title = (
        f"{escape(printable(report.file))}: {len(report.numbers)} numbers, "
        f"{report.found} of {report.quotes} quotes found"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("actor / section")
    for kind in KINDS:
        table.add_column(LABELS[kind], justify="right")
    table.add_column("numbers", justify="right")
    actors = report.actors()
    for group, counts in report.groups().items():
        name = escape(printable(group))
        table.add_row(name if group in actors else f"[dim]{name}[/dim]", *_cells(counts))
    table.add_section()
    table.add_row("[bold]all[/bold]", *_cells(report.overall()))
    return table


def agreement_table(agreement: list[Agreement], disputed: int) -> Table:
    """Krippendorff's alpha per kind of parameter, and the number the coders differ most on;
    the title counts the numbers `disputed` widely."""
    title = f"Agreement between coders (Krippendorff's alpha, interval; {disputed} numbers disputed widely)"
    table = Table(title=title, title_justify="left")
    for name, justify in (("parameter", "left"), ("numbers", "right"), ("alpha", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    table.add_column("widest disagreement")
    for found in agreement:
        widest = ""
        if found.widest is not None:
            label, coded = found.widest
            values = ", ".join(f"{escape(printable(coder))} {value:.3g}" for coder, value in coded)
            widest = f"{escape(printable(label))}: {values}"
        alpha = "n/a" if found.alpha != found.alpha else f"{found.alpha:.2f}"  # NaN: too few units
        table.add_row(escape(found.parameter), str(found.units), alpha, widest)
    return table


def _cells(counts: dict[str, int]) -> list[str]:
    total = sum(counts.values())
    cells = [f"{counts.get(k, 0)} ({counts.get(k, 0) / total:.0%})" if counts.get(k) else "0" for k in KINDS]
    return [*cells, str(total)]


def as_json(reports: list[FileReport], problems: list[Problem]) -> dict[str, Any]:
    """The counts of every file, and the problems, for scripts."""
    return {
        "files": [
            {
                "file": report.file,
                "numbers": len(report.numbers),
                "quotes": {"checked": report.quotes, "found": report.found},
                "groups": [
                    {"name": group, "actor": group in report.actors(), **_counts(counts)}
                    for group, counts in report.groups().items()
                ],
                "overall": _counts(report.overall()),
                "unanchored": [format_key_path(n.key_path) for n in report.unanchored()],
                "agreement": [
                    {
                        "parameter": a.parameter,
                        "numbers": a.units,
                        "alpha": None if a.alpha != a.alpha else a.alpha,
                    }
                    for a in report.agreement()
                ],
                "disputed": [
                    {"key_path": format_key_path(n.key_path), "codings": dict(n.coded)}
                    for n in report.disputed()
                ],
            }
            for report in reports
        ],
        "problems": [dataclasses.asdict(problem) for problem in problems],
    }


def _counts(counts: dict[str, int]) -> dict[str, Any]:
    return {"counts": {kind: counts.get(kind, 0) for kind in KINDS}, "total": sum(counts.values())}
