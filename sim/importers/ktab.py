"""KTAB: input files of the KAPSARC Toolkit for Behavioral Analysis's spatial model of politics.

Two layouts (KTAB, MIT licence, copyright KAPSARC 2015):

- CSV. Line 1: scenario name, description, number of actors, number of dimensions. Line 2:
  the header `Actor, Description, Influence` (or Power), then a position and a salience column
  per dimension. Then one line per actor. Positions and saliences are on 0..100; lines may end
  in a comma and spaces.
- XML. `<Scenario>` with `name`, `desc`, `prngSeed`, `ModelParameters` (KTAB's own settings),
  `Dimensions/dName`, and `Actors/Actor`, each with `name`, `description`, `capability`,
  `Position/dCoord` and `Salience/dSal` per dimension. Positions may be written 0..1 or 0..100:
  the file says which (every position at most 1: 0..1), and the issue's scale says so.

`read_ktab` reads either into a `SpatialCase`; `spatial.to_scenario` makes the document.
"""

from __future__ import annotations

from pathlib import Path

from sim.importers.source import Row, fail, is_number, number, read_text, rows
from sim.importers.spatial import Cell, SpatialActor, SpatialCase, SpatialIssue, unique_ids
from sim.importers.xmlsafe import Node, parse_xml

CSV_HINT = (
    "a KTAB CSV file: line 1 `name, description, actors, dimensions`; line 2 the header "
    "`Actor, Description, Influence` then `Position, Salience` per dimension; then one line per actor"
)


def read_ktab(path: Path) -> SpatialCase:
    """A KTAB CSV or XML file (by its name's ending), or a NegsimError naming the first problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_ktab_csv(path)
    if suffix == ".xml":
        return read_ktab_xml(path)
    return fail(path, "is not a KTAB file: its name does not end in .csv or .xml", hint=CSV_HINT)


def read_ktab_csv(path: Path) -> SpatialCase:
    records = [row for row in rows(path, read_text(path), ",") if not row.blank()]
    if len(records) < 2:
        fail(path, "has fewer than two lines, expected a scenario line and a header", hint=CSV_HINT)
    first, header = records[0], records[1]
    if len(first.cells) < 4:
        fail(
            path,
            f"line 1 has {len(first.cells)} field(s), expected 4: name, description, number of actors, "
            "number of dimensions",
            line=first.line,
            hint=CSV_HINT,
        )
    # a description with unquoted commas spreads over several fields: the counts are the last two
    n_actors = _count(path, first, -2, "the number of actors")
    n_dims = _count(path, first, -1, "the number of dimensions")
    title = first.cells[0]
    description = ", ".join(cell for cell in first.cells[1:-2] if cell)
    width = 3 + 2 * n_dims
    if any(is_number(cell) for cell in header.cells[2:]):
        fail(
            path,
            "line 2 should be the header (Actor, Description, Influence, then Position and Salience per "
            "dimension), but it holds numbers",
            line=header.line,
            hint="is the header missing? insert it as line 2",
        )
    if len(header.cells) != width:
        fail(
            path,
            f"the header has {len(header.cells)} columns, expected {width}: Actor, Description, Influence "
            f"and a position and a salience for each of the {n_dims} dimension(s) line 1 announces",
            line=header.line,
            hint=CSV_HINT,
        )
    names = header.cells
    labels = [_dimension_label(names[3 + 2 * k]) for k in range(n_dims)]
    issue_ids = unique_ids([label.lower() for label in labels], "dim")
    issues = [
        SpatialIssue(
            issue_id,
            label,
            0.0,
            100.0,
            scale_note=f"KTAB dimension `{label}` (column {names[3 + 2 * k]}); KTAB CSV files are on 0..100",
        )
        for k, (issue_id, label) in enumerate(zip(issue_ids, labels, strict=True))
    ]
    data = records[2:]
    if len(data) != n_actors:
        fail(
            path,
            f"line 1 announces {n_actors} actors, but {len(data)} actor line(s) follow the header",
            line=first.line,
            hint="correct the count on line 1, or add or remove actor lines",
        )
    codes = [row.cells[0] if row.cells else "" for row in data]
    ids = unique_ids(codes, "actor")
    actors = []
    for row, actor_id in zip(data, ids, strict=True):
        if len(row.cells) != width:
            fail(
                path,
                f"has {len(row.cells)} fields, expected {width} (as the header on line {header.line})",
                line=row.line,
                hint="one field per column of the header; a blank cell still needs its comma",
            )
        actors.append(
            SpatialActor(
                id=actor_id,
                name=row.cells[1] or row.cells[0] or actor_id,
                capability=_capability(path, row.cells[2], row.line, names[2]),
                positions={
                    issue.id: _cell(path, row.cells[3 + 2 * k], row.line, names[3 + 2 * k], 100, "a position")
                    for k, issue in enumerate(issues)
                },
                saliences={
                    issue.id: _cell(path, row.cells[4 + 2 * k], row.line, names[4 + 2 * k], 100, "a salience")
                    for k, issue in enumerate(issues)
                },
                line=row.line,
            )
        )
    _no_repeats(path, actors, codes)
    return SpatialCase(
        source=path,
        format="ktab",
        title=title or path.stem,
        description=description,
        issues=issues,
        actors=actors,
        salience_scale=100.0,
        notes=["Positions and saliences on KTAB's 0..100 scale; saliences divided by 100."],
    )


def _count(path: Path, row: Row, index: int, what: str) -> int:
    text = row.cells[index]
    value = number(path, text, line=row.line, column="line 1", low=1, what=f"{what} (a whole number)")
    if value != int(value):
        fail(path, f"expected {what} as a whole number, got {text}", line=row.line, hint=CSV_HINT)
    return int(value)


def _dimension_label(column: str) -> str:
    """`Policy Position` -> `Policy`; `Pstn1` stays `Pstn1`."""
    words = column.split()
    if len(words) > 1 and words[-1].lower() in ("position", "pos", "pstn"):
        return " ".join(words[:-1])
    return column


def _capability(path: Path, text: str, line: int, column: str) -> Cell:
    if not text:
        fail(
            path,
            "no capability: the cell is blank",
            line=line,
            column=column,
            hint="give the actor's capability",
        )
    value = number(path, text, line=line, column=column, low=0, what="a capability (a non-negative number)")
    return Cell(value, text, line, column)


def _cell(path: Path, text: str, line: int, column: str, high: float, what: str) -> Cell:
    if not text:
        return Cell(None, text, line, column)
    return Cell(number(path, text, line=line, column=column, low=0, high=high, what=what), text, line, column)


def _no_repeats(path: Path, actors: list[SpatialActor], codes: list[str]) -> None:
    first: dict[str, int] = {}
    for actor, code in zip(actors, codes, strict=True):
        if code and code in first:
            fail(
                path,
                f"actor `{code}` is given twice (first on line {first[code]})",
                line=actor.line,
                hint="each actor appears on one line",
            )
        first.setdefault(code, actor.line)


def read_ktab_xml(path: Path) -> SpatialCase:
    root = parse_xml(path)
    if root.tag != "Scenario":
        fail(path, f"expected a KTAB <Scenario> element, got <{root.tag}>", line=root.line)
    title = _text(root, "name") or path.stem
    description = _text(root, "desc")
    dimensions = _required(path, root, "Dimensions")
    labels = [node.text or f"dimension {k}" for k, node in enumerate(dimensions.all("dName"), 1)]
    if not labels:
        fail(path, "<Dimensions> names no dimension (<dName>)", line=dimensions.line)
    actors_node = _required(path, root, "Actors")
    actor_nodes = actors_node.all("Actor")
    if len(actor_nodes) < 2:
        fail(path, f"<Actors> holds {len(actor_nodes)} <Actor>, expected at least two", line=actors_node.line)
    names = [_text(node, "name") for node in actor_nodes]
    for node, name in zip(actor_nodes, names, strict=True):
        if not name:
            fail(path, "an <Actor> has no <name>", line=node.line, hint="give every actor a name")
    ids = unique_ids(names, "actor")
    issue_ids = unique_ids([label.lower() for label in labels], "dim")
    raw: list[tuple[Node, str, Cell, list[Cell], list[Cell]]] = []
    for node, name, actor_id in zip(actor_nodes, names, ids, strict=True):
        capability_node = _required(path, node, "capability")
        capability = _capability(
            path, capability_node.text, capability_node.line, f"Actor {name}: capability"
        )
        positions = _coordinates(path, node, name, "Position", "dCoord", len(labels))
        saliences = _coordinates(path, node, name, "Salience", "dSal", len(labels))
        raw.append((node, actor_id, capability, positions, saliences))
    position_scale = _scale([cell for *_, positions, _ in raw for cell in positions])
    salience_scale = _scale([cell for *_, saliences in raw for cell in saliences])
    for *_, positions, saliences in raw:
        for cells, scale, what in (
            (positions, position_scale, "a position"),
            (saliences, salience_scale, "a salience"),
        ):
            for cell in cells:
                if cell.value is not None and not 0 <= cell.value <= scale:
                    number(path, cell.text, line=cell.line, column=cell.column, low=0, high=scale, what=what)
    largest = max((c.value for *_, positions, _ in raw for c in positions if c.value is not None), default=0)
    scale_words = (
        f"every position is at most 1 (the largest is {largest:g}), so they are read as 0..1"
        if position_scale == 1
        else f"the largest position is {largest:g}, so they are read as 0..100"
    )
    issues = [
        SpatialIssue(
            issue_id, label, 0.0, position_scale, scale_note=f"KTAB dimension `{label}`; {scale_words}"
        )
        for issue_id, label in zip(issue_ids, labels, strict=True)
    ]
    actors = [
        SpatialActor(
            id=actor_id,
            name=name,
            capability=capability,
            positions={issue.id: cell for issue, cell in zip(issues, positions, strict=True)},
            saliences={issue.id: cell for issue, cell in zip(issues, saliences, strict=True)},
            line=node.line,
        )
        for (node, actor_id, capability, positions, saliences), name in zip(raw, names, strict=True)
    ]
    _no_repeats(path, actors, names)
    return SpatialCase(
        source=path,
        format="ktab",
        title=title,
        description=description,
        issues=issues,
        actors=actors,
        salience_scale=salience_scale,
        notes=_settings(root, scale_words, salience_scale),
    )


def _text(node: Node, tag: str) -> str:
    child = node.first(tag)
    return child.text if child is not None else ""


def _required(path: Path, node: Node, tag: str) -> Node:
    child = node.first(tag)
    if child is None:
        fail(path, f"<{node.tag}> has no <{tag}>", line=node.line, hint=f"a KTAB scenario gives <{tag}> here")
    return child


def _coordinates(path: Path, actor: Node, name: str, tag: str, item: str, count: int) -> list[Cell]:
    holder = _required(path, actor, tag)
    items = holder.all(item)
    if len(items) != count:
        fail(
            path,
            f"actor `{name}`'s <{tag}> has {len(items)} <{item}>, expected {count}, one per dimension",
            line=holder.line,
            hint="give one value per <dName> of <Dimensions>, in the same order",
        )
    cells = []
    for k, node in enumerate(items, 1):
        column = f"Actor {name}: {tag}/{item} {k}"
        if not node.text:
            cells.append(Cell(None, "", node.line, column))
        else:
            value = number(path, node.text, line=node.line, column=column, low=0, what=f"a {tag.lower()}")
            cells.append(Cell(value, node.text, node.line, column))
    return cells


def _scale(cells: list[Cell]) -> float:
    """1 when every value given is at most 1 (written 0..1), else 100."""
    values = [cell.value for cell in cells if cell.value is not None]
    return 1.0 if values and max(values) <= 1 else 100.0


def _settings(root: Node, scale_words: str, salience_scale: float) -> list[str]:
    """KTAB's own settings in the file, recorded in the description (negsim does not use them)."""
    notes = [f"Positions: {scale_words}. Saliences are read as 0..{salience_scale:g}."]
    parameters = root.first("ModelParameters")
    settings = (
        [f"{child.tag}={child.text}" for child in parameters.children] if parameters is not None else []
    )
    seed = _text(root, "prngSeed")
    if seed:
        settings.append(f"prngSeed={seed}")
    if settings:
        notes.append(f"KTAB's model settings in the file (KTAB's, not negsim's): {', '.join(settings)}.")
    adjustment = root.first("IdealAdjustment")
    if adjustment is not None:
        pairs = [
            f"{_text(pair, 'adjustingIdeal')} towards {_text(pair, 'referencePos')} {_text(pair, 'adjust')}"
            for pair in adjustment.all("iaPair")
        ]
        if pairs:
            notes.append(
                f"KTAB's ideal-point adjustments in the file (not used by negsim): {'; '.join(pairs)}."
            )
    return notes
