"""`negsim import`: published negotiation cases as scenario files.

`negsim import ktab FILE.csv|FILE.xml`, `negsim import bdm FILE.csv` and `negsim import deu
FILE.tsv` each read a data file, make scenario files whose every number cites the cell it came
from (or says it is an assumption), and write them into a new folder (`--out`, default
`scenarios/imported/<name>/`) with an `import-report.json`. A malformed file is refused with one
message naming its line, and nothing is written. See docs/importing.md.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import click
from rich.markup import escape

from sim.commands.common import out, out_option
from sim.errors import NegsimError, printable
from sim.importers import bdm, deu, ktab, spatial
from sim.importers.document import REPORT, ScenarioFile, write_files
from sim.importers.source import safe_name
from sim.scenario.references import NAME_HINT, check_name

IMPORTED = Path("scenarios") / "imported"


@click.group(name="import")
def import_command() -> None:
    """Make scenario files from a published case: KTAB, Bueno de Mesquita-style or DEU data."""


def _name_option(text: str) -> Any:
    return click.option("--name", help=text)


SCENARIO_NAME = "The scenario's name (and default folder scenarios/imported/NAME); default: the file's."


def _source_options(command: Any) -> Any:
    command = click.option("--date", help="When the data were published (recorded under sources:).")(command)
    return click.option(
        "--citation",
        help="The data set and its citation (recorded under sources:); default: DEU III for deu.",
    )(command)


def _spatial_options(command: Any) -> Any:
    command = click.option(
        "--missing",
        type=click.Choice(["refuse", "midpoint"]),
        default="refuse",
        show_default=True,
        help="A blank position or salience: refuse the file, or assume the middle of the scale "
        "(marked as an assumption).",
    )(command)
    command = click.option(
        "--per-issue",
        is_flag=True,
        help="One scenario per issue, each with the actors that have a row for it.",
    )(command)
    return click.option(
        "--status-quo",
        type=float,
        help="The status quo on every issue, on the issues' scale (default: the middle, as an assumption).",
    )(command)


def _scenario_name(name: str | None, file: Path) -> str:
    made = name if name is not None else safe_name(file.stem)
    wrong = check_name(made)
    if wrong:
        raise NegsimError.single("--name", wrong, suggestion=NAME_HINT)
    return made


def _spatial_files(
    case: spatial.SpatialCase, name: str, options: dict[str, Any]
) -> tuple[list[ScenarioFile], dict[str, Any]]:
    spatial.check_status_quo(case, options["status_quo"])
    cases = spatial.split_by_issue(case) if options["per_issue"] else [case]
    files = []
    for part in cases:
        part_name = f"{name}-{part.issues[0].id}" if options["per_issue"] else name
        if check_name(part_name):
            part_name = f"{name}-{len(files) + 1}"
        document = spatial.to_scenario(
            part,
            name=part_name,
            status_quo=options["status_quo"],
            missing=options["missing"],
            citation=options["citation"],
            date=options["date"],
        )
        comment = f"Imported with `negsim import {case.format}` from {case.source.name}."
        notes = [f"issue {issue.id}: {issue.scale_note}" for issue in part.issues if issue.scale_note]
        files.append(ScenarioFile(PurePosixPath(f"{part_name}.yaml"), document, comment, notes=notes))
    report = {
        "format": case.format,
        "source": case.source.name,
        "options": options,
        "counts": {
            "actors": len(case.actors),
            "issues": len(case.issues),
            "files": len(files),
        },
        "scenarios": [{"file": str(file.path), "notes": file.notes} for file in files],
    }
    return files, report


def _finish(files: list[ScenarioFile], report: dict[str, Any], out_dir: Path, source: Path) -> None:
    write_files(files, out_dir, report, source)
    shown = escape(printable(str(out_dir)))
    out.print(f"[green]ok[/green] {escape(printable(source.name))}: {len(files)} scenario file(s) in {shown}")
    out.print(f"    each file loads as `negsim validate` loads it; report: {shown}/{REPORT}")


@import_command.command(name="ktab")
@click.argument("file", type=click.Path(path_type=Path))
@out_option("The new folder to write the scenario into (default: scenarios/imported/NAME).")
@_name_option(SCENARIO_NAME)
@_spatial_options
@_source_options
def ktab_command(file: Path, out_dir: Path | None, name: str | None, **options: Any) -> None:
    """Import a KTAB input file (CSV or XML) as a scenario."""
    name = _scenario_name(name, file)
    case = ktab.read_ktab(file)
    files, report = _spatial_files(case, name, options)
    _finish(files, report, out_dir or IMPORTED / name, file)


@import_command.command(name="bdm")
@click.argument("file", type=click.Path(path_type=Path))
@out_option("The new folder to write the scenario into (default: scenarios/imported/NAME).")
@_name_option(SCENARIO_NAME)
@click.option("--low", type=float, help="The low end of the positions' scale (default: from the positions).")
@click.option(
    "--high", type=float, help="The high end of the positions' scale (default: from the positions)."
)
@click.option("--unit", default="", help="The positions' unit, e.g. years or percent.")
@_spatial_options
@_source_options
def bdm_command(
    file: Path,
    out_dir: Path | None,
    name: str | None,
    low: float | None,
    high: float | None,
    unit: str,
    **options: Any,
) -> None:
    """Import an actor, capability, position, salience table (Bueno de Mesquita style) as a scenario."""
    name = _scenario_name(name, file)
    case = bdm.read_bdm(file, low=low, high=high, unit=unit)
    files, report = _spatial_files(case, name, {**options, "low": low, "high": high, "unit": unit})
    _finish(files, report, out_dir or IMPORTED / name, file)


@import_command.command(name="deu")
@click.argument("file", type=click.Path(path_type=Path))
@out_option("The new folder to write the scenarios into (default: scenarios/imported/NAME).")
@_name_option(
    "The default folder's name, scenarios/imported/NAME (default: the file's); "
    "each scenario is named after its issue."
)
@click.option(
    "--capability",
    type=click.Choice(["row2", "equal"]),
    default="row2",
    show_default=True,
    help="Clout and Council vote weights: the capability row (row 2) of the file, or equal for every actor.",
)
@click.option(
    "--qmv-threshold",
    type=click.FloatRange(min=0.5, max=1.0, min_open=True),
    default=deu.QMV_THRESHOLD,
    show_default=True,
    help="Share of the vote weights a qualified majority needs.",
)
@_source_options
def deu_command(
    file: Path,
    out_dir: Path | None,
    name: str | None,
    capability: deu.Capability,
    qmv_threshold: float,
    citation: str | None,
    date: str | None,
) -> None:
    """Import a DEU table (tab-separated, one issue per row): one scenario per issue,
    in a folder per proposal."""
    name = _scenario_name(name, file)
    issues = deu.read_deu(file)
    files = deu.deu_scenarios(
        issues, capability=capability, threshold=qmv_threshold, citation=citation, date=date
    )
    options = {"capability": capability, "qmv_threshold": qmv_threshold, "citation": citation, "date": date}
    report = deu.report(issues, files, options)
    target = out_dir or IMPORTED / name
    _finish(files, report, target, file)
    counts = report["counts"]
    out.print(
        f"    {counts['issues']} issues of {counts['proposals']} proposals -> {counts['files']} files; "
        f"{counts['without_rp']} without rp (status quo 50 assumed), "
        f"{counts['with_observed_outcome']} with an observed outcome (out)"
    )
