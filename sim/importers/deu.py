"""DEU: Decision-making in the European Union, one scenario per controversial issue.

The DEU data sets code, for each controversial issue of a legislative proposal, the position
of the Commission, the European Parliament and each member state on a 0..100 scale, its
salience, the reference point (what happens without a new law) and the outcome. DEU III:
Arregui, J. & Perarnaud, C. (2021), "A new dataset on legislative decision-making in the
European Union: the DEU III dataset", Journal of European Public Policy; data
doi:10.34810/data53, licence CC BY 4.0.

`read_deu` reads a DEU table (tab-separated, one issue per row) into typed records that a
backtest can use directly; `to_scenario` makes one scenario document of an issue;
`deu_scenarios` makes the files of a whole table. The choices (who votes, thresholds, missing
reference points) are explained in docs/importing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from sim.errors import NegsimError
from sim.importers.document import (
    Flow,
    ScenarioFile,
    assumed,
    cited,
    general_bargaining,
    share_note,
    stubbornness,
    write_files,
)
from sim.importers.source import fail, identifier, number, plain, read_text, rows
from sim.scenario.references import check_name

SOURCE = "deu3"  # the source id of DEU III; "deu" when --citation names another DEU-format data set
CAPABILITY_SOURCE = "deu3-capability"
CITATION = (
    "DEU III data set: Arregui, J. & Perarnaud, C. (2021), Journal of European Public Policy; "
    "data doi:10.34810/data53; licence CC BY 4.0"
)
HEADLINE = "A new dataset on legislative decision-making in the European Union: the DEU III dataset"
DATE = "2021"
INSTITUTIONS = ("com", "ep")
REQUIRED = ("prnr", "isnr", "proc", "counvte", "rp", "out")
# Share of the vote weights a qualified majority needs: the Treaty of Nice's 255 of 345 weighted
# votes (EU-27, 2007-2014) is 73.9%; see docs/importing.md for the other periods.
QMV_THRESHOLD = 0.74
MIDPOINT = 50.0
Capability = Literal["row2", "equal"]
ACTOR_NAMES = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria",
    "be": "Belgium",
    "bu": "Bulgaria",
    "cr": "Croatia",
    "cy": "Cyprus",
    "cz": "Czech Republic",
    "dk": "Denmark",
    "ee": "Estonia",
    "fi": "Finland",
    "fr": "France",
    "de": "Germany",
    "el": "Greece",
    "hu": "Hungary",
    "ie": "Ireland",
    "it": "Italy",
    "lv": "Latvia",
    "lt": "Lithuania",
    "lu": "Luxembourg",
    "mt": "Malta",
    "nl": "Netherlands",
    "pl": "Poland",
    "pt": "Portugal",
    "ro": "Romania",
    "si": "Slovenia",
    "sk": "Slovakia",
    "es": "Spain",
    "se": "Sweden",
    "uk": "United Kingdom",
}
ON_SCALE = {"low": 0.0, "high": 100.0}


@dataclass(frozen=True)
class DeuIssue:
    """One controversial issue of a DEU table: one row of the file."""

    proposal: str  # prnr
    issue: str  # isnr
    title: str  # prname, the proposal's short name ("" when the file has no such column)
    procedure: str  # proc as written: COD (co-decision), CNS (consultation), ...
    voting: Literal["QMV", "Unan"]  # counvte read as qualified majority or unanimity
    voting_code: str  # counvte as written ("QMV(10)" is read as QMV)
    positions: dict[str, float]  # actor -> position 0..100; only actors with a position
    saliences: dict[str, float | None]  # actor -> salience 0..100 (None: not coded); same actors
    capabilities: dict[str, float]  # actor -> the capability row's value (every actor it gives)
    rp: float | None  # reference point 0..100; None where not coded
    out: float | None  # the outcome 0..100; None where not coded
    line: int  # the file's line this issue is on (the header being line 1)
    capability_line: int | None  # the capability row's line (2), None when the file has none
    source: Path
    details: dict[str, str] = field(default_factory=dict)  # the other columns, as written

    @property
    def member_states(self) -> list[str]:
        """Actors with a position on this issue other than the Commission and the Parliament."""
        return [actor for actor in self.positions if actor not in INSTITUTIONS]

    @property
    def voters(self) -> list[str]:
        """Who decides in the scenario: the member states with a position; when fewer than two
        have one, the Commission too (the format needs two voters; the Council can amend a
        Commission proposal only by unanimity and the Commission may withdraw it)."""
        states = self.member_states
        if len(states) < 2 and "com" in self.positions:
            return ["com", *states]
        return states


def read_deu(path: Path) -> list[DeuIssue]:
    """Every issue of a DEU table, or a NegsimError naming the first malformed cell.

    Row 1 names the columns. Row 2 may give a capability per actor column, under the actors'
    `p` columns (as in deu3-dev.tsv): it is recognised by its empty `prnr` and `isnr` cells.
    Every further non-blank row is one issue."""
    path = Path(path)
    records = [row for row in rows(path, read_text(path), "\t")]
    if not records or records[0].blank():
        fail(
            path, "has no header row", line=1, hint="row 1 names the columns: prnr, isnr, proc, counvte, ..."
        )
    header_row = records[0]
    header = [cell.lower() for cell in header_row.cells]
    width = header_row.width
    column = _column_index(path, header)
    actors = _actor_columns(path, header)
    issues: list[DeuIssue] = []
    capabilities: dict[str, float] = {}
    capability_line: int | None = None
    seen: dict[str, int] = {}
    for index, row in enumerate(records[1:], start=1):
        if row.blank():
            continue
        if row.width != width:
            fail(
                path,
                f"has {row.width} tab-separated fields, expected {width} as in the header (line 1)",
                line=row.line,
                hint="every row has one field per column, blank where nothing is coded; "
                "check for a missing or extra tab",
            )
        cells = row.cells + [""] * (width - len(row.cells))

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[column[name]]

        if index == 1 and not cell("prnr") and not cell("isnr"):
            capability_line = row.line
            for actor in actors:
                text = cells[column["p" + actor]]
                if text:
                    capabilities[actor] = number(
                        path, text, line=row.line, column="p" + actor, low=0, what="a capability"
                    )
            continue
        issues.append(_issue(path, row.line, cell, column, actors, capabilities, capability_line))
        if issues[-1].issue in seen:
            fail(
                path,
                f"issue `{issues[-1].issue}` is given twice (first on line {seen[issues[-1].issue]})",
                line=row.line,
                column="isnr",
                hint="each row is one issue with its own isnr",
            )
        seen[issues[-1].issue] = row.line
    if not issues:
        fail(path, "has no issue rows", hint="after the header (and the capability row), one row per issue")
    return issues


def _column_index(path: Path, header: list[str]) -> dict[str, int]:
    column: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue  # a blank header cell names no column
        if name in column:
            fail(path, f"column `{name}` is named twice", line=1, hint="each column name appears once")
        column[name] = index
    missing = [name for name in REQUIRED if name not in column]
    if missing:
        fail(
            path,
            f"the header (line 1) has no column {', '.join(f'`{m}`' for m in missing)}",
            line=1,
            hint="row 1 must name the columns of a DEU table: prnr, isnr, proc, counvte, "
            "p<actor> and s<actor> per actor, rp, out (tab-separated)",
        )
    return column


def _actor_columns(path: Path, header: list[str]) -> list[str]:
    """The actors: every `p<actor>` column with an `s<actor>` column beside it."""
    names = set(header)
    actors = [
        name[1:] for name in header if name.startswith("p") and len(name) > 1 and "s" + name[1:] in names
    ]
    for actor in actors:
        if identifier(actor, "") != actor:
            fail(path, f"actor column `p{actor}` does not name an actor id", line=1, column="p" + actor)
    if len(actors) < 2:
        fail(
            path,
            f"the header (line 1) names {len(actors)} actor(s), expected at least two "
            "pairs of columns p<actor> (position) and s<actor> (salience)",
            line=1,
            hint="e.g. pcom and scom for the Commission, pde and sde for Germany",
        )
    return actors


def _issue(
    path: Path,
    line: int,
    cell: Any,
    column: dict[str, int],
    actors: list[str],
    capabilities: dict[str, float],
    capability_line: int | None,
) -> DeuIssue:
    proposal, issue = cell("prnr"), cell("isnr")
    for name, value in (("prnr", proposal), ("isnr", issue)):
        if not value:
            fail(path, f"no {name}: every issue row needs its proposal and issue id", line=line, column=name)
        if identifier(value, "") != value or check_name(value) is not None:
            fail(
                path,
                f"{name} `{value}` is not usable as a file name: use letters, digits, `_` and `-`",
                line=line,
                column=name,
            )
    code = cell("counvte")
    if code.lower().startswith("qmv"):
        voting: Literal["QMV", "Unan"] = "QMV"
    elif code.lower().startswith("unan"):
        voting = "Unan"
    else:
        shown = f"`{code}`" if code else "an empty cell"
        fail(
            path,
            f"expected the Council's voting rule QMV or Unan, got {shown}",
            line=line,
            column="counvte",
            hint="QMV: qualified majority; Unan: unanimity",
        )
    positions: dict[str, float] = {}
    saliences: dict[str, float | None] = {}
    for actor in actors:
        text = cell("p" + actor)
        if not text:
            continue
        positions[actor] = number(
            path, text, line=line, column="p" + actor, low=0, high=100, what="a position"
        )
        salience = cell("s" + actor)
        saliences[actor] = (
            number(path, salience, line=line, column="s" + actor, low=0, high=100, what="a salience")
            if salience
            else None
        )
    if not positions:
        fail(path, "no actor has a position on this issue", line=line, hint="is this row complete?")
    outcome = {
        name: number(path, cell(name), line=line, column=name, low=0, high=100, what="a number")
        if cell(name)
        else None
        for name in ("rp", "out")
    }
    skip = {"prnr", "isnr", "proc", "counvte", "rp", "out", *(p + a for a in actors for p in "ps")}
    details = {name: cell(name) for name in column if name not in skip and cell(name)}
    return DeuIssue(
        proposal=proposal,
        issue=issue,
        title=details.get("prname", ""),
        procedure=cell("proc"),
        voting=voting,
        voting_code=code,
        positions=positions,
        saliences=saliences,
        capabilities=capabilities,
        rp=outcome["rp"],
        out=outcome["out"],
        line=line,
        capability_line=capability_line,
        source=path,
        details=details,
    )


def source_id(citation: str | None) -> str:
    return SOURCE if citation is None else "deu"


def sources(
    issue: DeuIssue, capability: Capability, citation: str | None = None, date: str | None = None
) -> dict[str, Any]:
    """The data set (DEU III unless `citation` names another) and, with row 2, the capability row."""
    data: dict[str, Any] = (
        {"outlet": CITATION, "date": date or DATE, "headline": HEADLINE}
        if citation is None
        else {
            "outlet": citation,
            "date": date or "not stated",
            "headline": f"DEU-format data: {issue.source.name}",
        }
    )
    found: dict[str, Any] = {source_id(citation): {**data, "file": issue.source.name}}
    if capability == "row2":
        found[CAPABILITY_SOURCE] = {
            "outlet": f"capability row (line {issue.capability_line}) of {issue.source.name}, added by a "
            "later user of the data: one possible capability, not part of DEU",
            "date": "not stated",
            "headline": "A capability per actor",
            "file": issue.source.name,
        }
    return found


def _check_capabilities(issue: DeuIssue) -> float:
    """The largest capability of the row; refuse when an actor of the issue has none."""
    if issue.capability_line is None:
        fail(
            issue.source,
            "has no capability row (row 2 with empty prnr and isnr), which --capability row2 reads",
            line=2,
            hint="use --capability equal to give every actor the same capability",
        )
    for actor in issue.positions:
        if actor not in issue.capabilities:
            fail(
                issue.source,
                f"no capability for actor `{actor}`, who has a position on issue {issue.issue} "
                f"(line {issue.line})",
                line=issue.capability_line,
                column="p" + actor,
                hint="give a capability for every actor column, or use --capability equal",
            )
    largest = max(issue.capabilities.values())
    if largest <= 0:
        fail(
            issue.source,
            "every capability is 0",
            line=issue.capability_line,
            hint="give positive capabilities, or use --capability equal",
        )
    return largest


def to_scenario(
    issue: DeuIssue,
    *,
    capability: Capability = "row2",
    threshold: float = QMV_THRESHOLD,
    citation: str | None = None,
    date: str | None = None,
) -> dict[str, Any]:
    """The scenario document (a YAML mapping) of one DEU issue; `citation` and `date` name the
    data set when it is not DEU III."""
    largest = _check_capabilities(issue) if capability == "row2" else 1.0
    source = source_id(citation)
    voters = issue.voters
    if len(voters) < 2:
        fail(
            issue.source,
            f"issue {issue.issue} has {len(voters)} member state(s) with a position; "
            "a negotiation needs at least two voters",
            line=issue.line,
            hint="such an issue cannot be simulated as a vote; leave it out",
        )
    line = issue.line
    actors: dict[str, Any] = {}
    for actor, position in issue.positions.items():
        entry: dict[str, Any] = {
            "name": ACTOR_NAMES.get(actor, actor.upper()),
            "role": "stakeholder",
            "position": {issue.issue: cited(position, source, line, "p" + actor, "as coded, on 0..100")},
            "salience": {issue.issue: _salience(issue, actor, source)},
        }
        if capability == "row2":
            value = issue.capabilities[actor]
            entry["clout"] = cited(
                value / largest,
                CAPABILITY_SOURCE,
                issue.capability_line or 2,
                "p" + actor,
                f"capability {plain(value)} divided by {plain(largest)}, the largest of the row",
            )
        else:
            entry["clout"] = assumed(1.0, "--capability equal: every actor the same capability")
        entry["stubbornness"] = stubbornness()
        if issue.voting == "QMV" and capability == "row2" and actor in voters:
            entry["votes"] = cited(
                issue.capabilities[actor],
                CAPABILITY_SOURCE,
                issue.capability_line or 2,
                "p" + actor,
                "the capability as a vote weight, approximating the Council's weighted votes",
                fixed=True,
            )
        actors[actor] = entry
    decision: dict[str, Any] = (
        {"rule": "qualified_majority", "threshold": threshold}
        if issue.voting == "QMV"
        else {"rule": "unanimity"}
    )
    decision["voters"] = voters
    if issue.rp is not None:
        status_quo = cited(issue.rp, source, line, "rp", "the reference point, as coded")
    else:
        status_quo = assumed(
            MIDPOINT, "rp not coded for this issue: the middle of the scale assumed; flag it in backtests"
        )
    document: dict[str, Any] = {
        "name": issue.issue,
        "title": _title(issue),
        "description": _description(issue, capability, threshold),
        "sources": sources(issue, capability, citation, date),
        "issues": {
            issue.issue: {
                "label": f"{issue.title or issue.proposal}: issue {issue.issue}",
                "low": "0 on this issue's DEU scale",
                "high": "100 on this issue's DEU scale",
                "description": f"DEU proposal {issue.proposal}, issue {issue.issue}, as coded",
                "scale": Flow(low=0, high=100, unit="points"),
            }
        },
        "status_quo": {issue.issue: status_quo},
        "decision": Flow(decision),
        "actors": actors,
    }
    if issue.out is not None:
        document["observed"] = {
            issue.issue: Flow(
                value=plain(issue.out),
                data=Flow(source=source, row=line, column="out", note="the outcome, as coded"),
            )
        }
    document.update(general_bargaining())
    return document


def _salience(issue: DeuIssue, actor: str, source: str) -> Flow:
    salience = issue.saliences.get(actor)
    if salience is None:
        return assumed(0.5, f"salience not coded (s{actor} blank on line {issue.line}): mid-scale assumed")
    return cited(salience / 100, source, issue.line, "s" + actor, share_note(f"{plain(salience)}", 100))


def _title(issue: DeuIssue) -> str:
    name = f"{issue.title} ({issue.proposal})" if issue.title else issue.proposal
    return f"{name}, issue {issue.issue}: {issue.procedure or 'procedure not given'}, {issue.voting_code}"


def _description(issue: DeuIssue, capability: Capability, threshold: float) -> str:
    voters = issue.voters
    weights = (
        "the capability row's values as vote weights (an approximation of the Council's weighted votes)"
        if capability == "row2"
        else "one vote each (--capability equal)"
    )
    rule = (
        f"Council rule {issue.voting_code}: the member states with a position decide by qualified majority, "
        f"at least {threshold:g} of {weights}; 0.74 is about the Treaty of Nice's 255 of 345 weighted votes."
        if issue.voting == "QMV"
        else f"Council rule {issue.voting_code}: the member states with a position decide by unanimity."
    )
    lines = [
        f"DEU issue {issue.issue} of proposal {issue.proposal}, line {issue.line} of {issue.source.name}.",
        rule,
        "The Commission and the European Parliament are stakeholders: they influence the others in "
        "proportion to their clout but do not vote (the Parliament's co-decision veto is not modelled).",
        "Actors without a position on this issue are left out.",
    ]
    if "com" in voters:
        lines.append(
            "Fewer than two member states state a position, so the Commission votes too: the Council "
            "can amend its proposal only by unanimity and it may withdraw the proposal."
        )
    lines.append(
        "Reference point: rp as coded."
        if issue.rp is not None
        else "Reference point: not coded (rp blank); 50 is assumed. Flag this issue in backtests."
    )
    lines.append(
        "Clout: the capability row divided by its largest value (not part of DEU)."
        if capability == "row2"
        else "Clout: equal for every actor (--capability equal)."
    )
    lines.append("Stubbornness: an assumption (0.5) for every actor.")
    return "\n".join(lines)


def issue_notes(issue: DeuIssue) -> list[str]:
    notes = []
    if issue.rp is None:
        notes.append("rp not coded: status quo 50 assumed")
    if issue.out is None:
        notes.append("out not coded: no observed outcome")
    blank = [actor for actor, salience in issue.saliences.items() if salience is None]
    if blank:
        notes.append(f"salience not coded for {', '.join(blank)}: 0.5 assumed")
    if "com" in issue.voters:
        notes.append("fewer than two member states with a position: the Commission votes too")
    return notes


def deu_scenarios(
    issues: Sequence[DeuIssue],
    *,
    capability: Capability = "row2",
    threshold: float = QMV_THRESHOLD,
    citation: str | None = None,
    date: str | None = None,
) -> list[ScenarioFile]:
    """One scenario file per issue, `<proposal>/<issue>.yaml`, in the order of the table."""
    files = []
    for issue in issues:
        document = to_scenario(
            issue, capability=capability, threshold=threshold, citation=citation, date=date
        )
        comment = (
            f"Imported with `negsim import deu` from {issue.source.name}, line {issue.line}.\n"
            f"Data: {citation or CITATION}."
        )
        path = PurePosixPath(issue.proposal) / f"{issue.issue}.yaml"
        files.append(ScenarioFile(path, document, comment, line=issue.line, notes=issue_notes(issue)))
    return files


def report(
    issues: Sequence[DeuIssue], files: Sequence[ScenarioFile], options: dict[str, Any]
) -> dict[str, Any]:
    """What the import made, for people and for backtests: counts and one entry per issue."""
    without_rp = [issue.issue for issue in issues if issue.rp is None]
    return {
        "format": "deu",
        "source": issues[0].source.name if issues else "",
        "citation": options.get("citation") or CITATION,
        "options": options,
        "counts": {
            "issues": len(issues),
            "proposals": len({issue.proposal for issue in issues}),
            "files": len(files),
            "without_rp": len(without_rp),
            "with_observed_outcome": sum(issue.out is not None for issue in issues),
            "salience_not_coded": sum(sum(s is None for s in issue.saliences.values()) for issue in issues),
        },
        "without_rp": without_rp,
        "scenarios": [
            {
                "file": str(file.path),
                "line": issue.line,
                "proposal": issue.proposal,
                "issue": issue.issue,
                "procedure": issue.procedure,
                "voting": issue.voting_code,
                "rp_coded": issue.rp is not None,
                "observed": issue.out is not None,
                "actors": len(issue.positions),
                "voters": len(issue.voters),
                "notes": file.notes,
            }
            for issue, file in zip(issues, files, strict=True)
        ],
    }


def write_scenarios(
    issues: Sequence[DeuIssue],
    out: Path,
    *,
    source: Path | None = None,
    capability: Capability = "row2",
    threshold: float = QMV_THRESHOLD,
    citation: str | None = None,
    date: str | None = None,
) -> list[Path]:
    """Write one scenario file per issue, `out/<proposal>/<issue>.yaml`, and `import-report.json`,
    all at once; return the scenario files' paths. `out` must be new or an empty folder."""
    if not issues:
        raise NegsimError.single(str(source or out), "no DEU issues to write")
    files = deu_scenarios(issues, capability=capability, threshold=threshold, citation=citation, date=date)
    options = {"capability": capability, "qmv_threshold": threshold, "citation": citation, "date": date}
    return write_files(files, Path(out), report(issues, files, options), source or issues[0].source)
