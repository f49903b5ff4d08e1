"""Actor tables in the style of Bueno de Mesquita's expected utility model.

A CSV file with a header naming (in any case and order) `actor`, `capability`, `position`,
`salience`, and optionally `description` and `issue`; one row per actor (per issue, with an
`issue` column). Capabilities are any non-negative numbers. Saliences are on 0..100 or 0..1:
when the largest is above 1 the file is read as 0..100. Positions are on the issue's own
scale: `--low`, `--high` and `--unit` give it, otherwise it is the smallest range of round
numbers around the positions, and the issue's description says which.

`read_bdm` reads the file into a `SpatialCase`; `spatial.to_scenario` makes the document.
"""

from __future__ import annotations

from pathlib import Path

from sim.importers.document import nice_scale
from sim.importers.source import fail, is_number, number, plain, read_text, rows
from sim.importers.spatial import Cell, SpatialActor, SpatialCase, SpatialIssue, unique_ids

REQUIRED = ("actor", "capability", "position", "salience")
OPTIONAL = ("description", "issue")
HINT = (
    "line 1 names the columns actor, capability, position, salience (optional: description, issue); "
    "then one row per actor and issue"
)


def read_bdm(
    path: Path, *, low: float | None = None, high: float | None = None, unit: str = ""
) -> SpatialCase:
    """The actors and issues of a Bueno de Mesquita-style CSV file, or a NegsimError."""
    path = Path(path)
    if low is not None and high is not None and not low < high:
        fail("--low", f"{plain(low)} is not below --high {plain(high)}", hint="give --low below --high")
    records = [row for row in rows(path, read_text(path), ",") if not row.blank()]
    if not records:
        fail(path, "holds no values", hint=HINT)
    header = records[0]
    names = [cell.lower() for cell in header.cells]
    column: dict[str, int] = {}
    for index, name in enumerate(names):
        if name in column and name in (*REQUIRED, *OPTIONAL):
            fail(
                path,
                f"column `{name}` is named twice",
                line=header.line,
                hint="each column name appears once",
            )
        column.setdefault(name, index)
    missing = [name for name in REQUIRED if name not in column]
    if missing:
        numeric = sum(is_number(cell) for cell in header.cells)
        fail(
            path,
            "line 1 should be the header, but it holds numbers"
            if numeric
            else f"the header (line {header.line}) has no column {', '.join(f'`{m}`' for m in missing)}",
            line=header.line,
            hint="is the header missing? " + HINT if numeric else HINT,
        )
    ignored = [name for name in header.cells if name.lower() not in (*REQUIRED, *OPTIONAL)]
    written = {name: header.cells[index] for name, index in column.items()}  # as the header spells it

    def label(name: str) -> str:
        return written.get(name, name)

    width = len(header.cells)
    rows_read: list[tuple[int, str, str, str, Cell, Cell, Cell]] = []
    for row in records[1:]:
        if row.width < width or len(row.cells) > width:
            fail(
                path,
                f"has {len(row.cells) if len(row.cells) > width else row.width} fields, expected {width} "
                f"as in the header (line {header.line})",
                line=row.line,
                hint="one field per column of the header; a blank cell still needs its comma",
            )
        cells = row.cells + [""] * (width - len(row.cells))

        def cell(name: str, cells: list[str] = cells) -> str:
            return cells[column[name]] if name in column else ""

        actor = cell("actor")
        if not actor:
            fail(path, "no actor: the cell is blank", line=row.line, column=label("actor"))
        issue = cell("issue") if "issue" in column else ""
        if "issue" in column and not issue:
            fail(path, "no issue: the cell is blank", line=row.line, column=label("issue"))
        capability_text = cell("capability")
        if not capability_text:
            fail(path, "no capability: the cell is blank", line=row.line, column=label("capability"))
        capability = Cell(
            number(
                path,
                capability_text,
                line=row.line,
                column=label("capability"),
                low=0,
                what="a capability (a non-negative number)",
            ),
            capability_text,
            row.line,
            label("capability"),
        )
        position = _cell(path, cell("position"), row.line, label("position"), None, "a position")
        salience = _cell(path, cell("salience"), row.line, label("salience"), 0, "a salience")
        rows_read.append((row.line, actor, cell("description"), issue, capability, position, salience))
    if not rows_read:
        fail(path, "has a header but no actor rows", line=header.line, hint=HINT)
    largest_salience = max((s.value for *_, s in rows_read if s.value is not None), default=0.0)
    salience_scale = 100.0 if largest_salience > 1 else 1.0
    for line, *_, salience in rows_read:
        if salience.value is not None and salience.value > salience_scale:
            number(
                path,
                salience.text,
                line=line,
                column=salience.column,
                low=0,
                high=salience_scale,
                what="a salience",
            )
    labels = list(dict.fromkeys(issue for _, _, _, issue, *_ in rows_read))
    issue_ids = unique_ids([label.lower() or "issue" for label in labels], "issue")
    issues = [
        _issue(path, issue_id, label, [r[5] for r in rows_read if r[3] == label], low, high, unit)
        for issue_id, label in zip(issue_ids, labels, strict=True)
    ]
    by_label = dict(zip(labels, issues, strict=True))
    actors: dict[str, SpatialActor] = {}
    for line, name, description, label, capability, position, salience in rows_read:
        issue = by_label[label]
        if position.value is not None and not issue.low <= position.value <= issue.high:
            fail(
                path,
                f"position {position.text} is outside the scale [{plain(issue.low)}, {plain(issue.high)}] "
                "given with --low/--high",
                line=line,
                column=position.column,
                hint="widen --low/--high, or leave them out to take the scale from the positions",
            )
        actor = actors.get(name)
        if actor is None:
            actors[name] = SpatialActor(
                id="",
                name=description or name,
                capability=capability,
                positions={issue.id: position},
                saliences={issue.id: salience},
                line=line,
            )
            continue
        if issue.id in actor.positions:
            fail(
                path,
                f"actor `{name}` is given twice for {_issue_words(label)} (first on line "
                f"{actor.positions[issue.id].line})",
                line=line,
                hint="one row per actor and issue",
            )
        if actor.capability.value != capability.value:
            fail(
                path,
                f"actor `{name}` has capability {capability.text} here and {actor.capability.text} on line "
                f"{actor.capability.line}",
                line=line,
                column=capability.column,
                hint="an actor has one capability, the same on every row",
            )
        actor.positions[issue.id] = position
        actor.saliences[issue.id] = salience
    ids = unique_ids(list(actors), "actor")
    notes = [
        f"Saliences on 0..{salience_scale:g} (the largest is {plain(largest_salience)})"
        + (", divided by 100." if salience_scale == 100 else ", taken as given.")
    ]
    if ignored:
        notes.append(f"Columns not read: {', '.join(ignored)}.")
    return SpatialCase(
        source=path,
        format="bdm",
        title=path.stem,
        description="",
        issues=issues,
        actors=[
            SpatialActor(a.id or actor_id, a.name, a.capability, a.positions, a.saliences, a.line)
            for actor_id, a in zip(ids, actors.values(), strict=True)
        ],
        salience_scale=salience_scale,
        notes=notes,
    )


def _issue_words(label: str) -> str:
    return f"issue `{label}`" if label else "the issue"


def _cell(path: Path, text: str, line: int, column: str, low: float | None, what: str) -> Cell:
    if not text:
        return Cell(None, text, line, column)
    return Cell(number(path, text, line=line, column=column, low=low, what=what), text, line, column)


def _issue(
    path: Path,
    issue_id: str,
    label: str,
    positions: list[Cell],
    low: float | None,
    high: float | None,
    unit: str,
) -> SpatialIssue:
    values = [cell.value for cell in positions if cell.value is not None]
    if not values and (low is None or high is None):
        fail(
            path,
            f"no actor has a position on {_issue_words(label)}",
            line=positions[0].line,
            hint="give positions, or the scale with --low and --high",
        )
    found_low, found_high = nice_scale(values) if values else (low, high)
    scale_low = low if low is not None else found_low
    scale_high = high if high is not None else found_high
    if not scale_low < scale_high:  # one bound given, the other taken from the positions
        fail(
            "--low" if low is not None else "--high",
            f"the scale [{plain(scale_low)}, {plain(scale_high)}] of {_issue_words(label)} is empty",
            hint="give both --low and --high",
        )
    if low is not None and high is not None:
        how = f"scale {plain(low)}..{plain(high)} given with --low and --high"
    else:
        how = (
            f"scale {plain(scale_low)}..{plain(scale_high)}: the smallest range of round numbers around "
            f"the positions ({plain(min(values))} to {plain(max(values))})"
            + ("; --low given" if low is not None else "; --high given" if high is not None else "")
            + "; give --low and --high to set it"
        )
    return SpatialIssue(issue_id, label or "Issue", float(scale_low), float(scale_high), unit, how)
