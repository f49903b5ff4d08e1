"""Safe YAML reading that remembers where every key came from.

Scenario errors must name file, line and column, so we build the data ourselves from the
parser's events (`yaml_events.py`: no Python tags, no code) and keep a map from key path
to position. Students and strangers write these files, so every limit is enforced before
the work it bounds: the size before the file is read, the characters before it is parsed,
and depth, values and alias expansion while it is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from sim.errors import NegsimError, Problem
from sim.scenario.yaml_events import DEPTH_HINT, EventBuilder, KeyPath, Position, format_key_path

__all__ = [
    "NOT_A_SCENARIO_HINT",
    "SCENARIO_SUFFIXES",
    "KeyPath",
    "Position",
    "YamlDocument",
    "format_key_path",
    "nearest_key",
    "not_a_scenario_file",
    "problem_at",
    "read_yaml",
]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # values in a scenario and the files it extends, aliases expanded
MAX_DEPTH = 64

# The characters YAML 1.1 allows in a stream (PyYAML's reader refuses the same set).
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_SIMPLE_KEY = 1024  # YAML's limit on a key written without `? `
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a new line

# The names a scenario file may have. Only such files are ever parsed, so no error message can
# show a line of a file that is not a scenario (`extends: ../../../../etc/shadow`).
SCENARIO_SUFFIXES = (".yaml", ".yml")


class PureParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python parser: iterative, and with no nesting limit of its own."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:  # libyaml's parser: ~10x faster than PyYAML's pure-Python one, and iterative (no recursion)
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = PureParser  # type: ignore[misc,assignment]

# How a parser says it gave up on nesting ("while increasing flow level: exceeded maximum nesting
# depth" in the libyaml that PyYAML 6.0.4 bundles, which stops at 1,000 levels).
_PARSER_DEPTH = re.compile(r"nest|depth", re.IGNORECASE)
_DEPTH_MESSAGE = f"nested deeper than {MAX_DEPTH} levels"  # how EventBuilder words it


@dataclass
class YamlDocument:
    """Plain data plus the position of every key path in it."""

    data: Any
    positions: dict[KeyPath, Position]
    values: int = 0  # counted as for MAX_NODES: every value, aliases expanded


def nearest_key(positions: dict[KeyPath, Position], path: KeyPath) -> KeyPath | None:
    """The longest prefix of `path` that has a position in the file."""
    for cut in range(len(path), -1, -1):
        if path[:cut] in positions:
            return path[:cut]
    return None


def problem_at(
    positions: dict[KeyPath, Position],
    path: KeyPath,
    file: str,
    message: str,
    suggestion: str | None = None,
) -> Problem:
    """A problem located at `path`, or at the nearest enclosing key the file has."""
    key = nearest_key(positions, path)
    where = None if key is None else positions[key]
    return Problem(
        file=where.file if where else file,
        key_path=format_key_path(path),
        message=message,
        line=where.line if where else None,
        column=where.column if where else None,
        suggestion=suggestion,
    )


def read_yaml(path: Path, display_name: str | None = None) -> YamlDocument:
    """Read one YAML file into plain data with key positions; raise NegsimError on any problem."""
    name = display_name or str(path)
    raw = _read_bounded(path, name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw[: exc.start].decode("utf-8", errors="replace"))
        raise NegsimError.single(
            name,
            f"is not valid UTF-8 (byte {exc.start} is {raw[exc.start]:#04x})",
            line=line,
            column=column,
            suggestion="save the file as UTF-8",
        ) from None
    if not text.strip():
        raise NegsimError.single(name, "is empty, expected a YAML mapping")
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, column = _line_column(text[: bad.start()])
        raise NegsimError.single(
            name,
            f"contains the control character U+{ord(bad.group()):04X}, which YAML does not allow",
            line=line,
            column=column,
            suggestion="remove it (a stray byte from copying, or a binary file?)",
        )
    return _compose(text, name)


NOT_A_SCENARIO_HINT = "scenario files are named *.yaml or *.yml; negsim reads no other file"


def not_a_scenario_file(path: Path) -> str | None:
    """Why `path` may not be read as a scenario file, or None if its name is a scenario's.

    The name, and the name of the file a link leads to, must end in `.yaml` or `.yml`: then a
    mistyped or hostile path (`extends: ../../../../etc/shadow`, or a `.yaml` link to it) is
    refused before a byte of it is read, and no message can show a line of it."""
    if path.suffix.lower() not in SCENARIO_SUFFIXES:
        return "is not a scenario file: its name does not end in .yaml or .yml"
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links: refused when it is opened
        return None
    if target.suffix.lower() not in SCENARIO_SUFFIXES:
        return "is not a scenario file: it is a link to a file whose name does not end in .yaml or .yml"
    return None


def _read_bounded(path: Path, name: str) -> bytes:
    """The file's bytes, refused before reading if it is not a regular scenario file or too large."""
    try:
        if path.is_dir():
            raise NegsimError.single(name, "is a directory, expected a YAML scenario file")
        if path.exists() and not path.is_file():
            raise NegsimError.single(name, "is not a regular file, expected a YAML scenario file")
        wrong = not_a_scenario_file(path)
        if wrong:
            raise NegsimError.single(name, wrong, suggestion=NOT_A_SCENARIO_HINT)
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)  # never more than the limit, whatever the file's size
    except FileNotFoundError:
        raise NegsimError.single(name, "file not found") from None
    except NotADirectoryError:
        raise NegsimError.single(name, "file not found (part of the path is a file, not a folder)") from None
    except OSError as exc:
        raise NegsimError.single(name, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise NegsimError.single(
            name,
            f"is larger than {MAX_FILE_BYTES:,} bytes, the limit for scenario files",
            suggestion="a scenario file holds a few hundred lines; is this the right file?",
        )
    return raw


def _line_column(before: str) -> tuple[int, int]:
    """1-based line and column of the character that follows `before`, counted as YAML does."""
    breaks = list(_LINE_BREAK.finditer(before))
    start = breaks[-1].end() if breaks else 0
    return len(breaks) + 1, len(before) - start + 1


def _compose(text: str, name: str) -> YamlDocument:
    """Build the document from libyaml's events; if libyaml gives up on nesting, find our own.

    libyaml has a nesting limit of its own (1,000 levels in the copy PyYAML 6.0.4 bundles) and,
    inside `[` and `{`, looks up to 1,024 characters ahead for a `:` before it passes anything
    on: a line of 1,000 `[` reaches its limit before our builder has seen level 3. Whatever the
    parser's limit, ours (MAX_DEPTH, at its exact place) is what the user must see. Up to where
    libyaml gave up, the document is what it would be without a limit (nothing after that place
    can change what comes before it at our depth), so that part is parsed again on its own, at C
    speed; should that not reach our limit (a parser whose limit is below ours), PyYAML's
    pure-Python parser, which has no limit and looks no further ahead, reads the whole file.
    Either way the file is read at most three times, each in linear time.
    """
    try:
        return _build(_Parser, text, name)
    except _ParserDepthLimit as gave_up:
        if _Parser is PureParser:  # pragma: no cover - PyYAML built without libyaml
            raise NegsimError([gave_up.problem]) from None
        cut = gave_up.index
    if cut is not None and 0 < cut < len(text):
        try:
            _build(_Parser, text[:cut], name)
        except NegsimError as exc:
            if exc.problems and exc.problems[0].message.startswith(_DEPTH_MESSAGE):
                raise
        except _ParserDepthLimit:
            pass
    try:
        return _build(PureParser, text, name)
    except _ParserDepthLimit as gave_up:  # a pure-Python parser with a limit below its look-ahead
        raise NegsimError([gave_up.problem]) from None


class _ParserDepthLimit(Exception):
    """The parser refused to nest further before our builder reached our own limit."""

    def __init__(self, problem: Problem, index: int | None) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.index = index  # where the parser gave up, in characters from the start


def _build(parser_class: type, text: str, name: str) -> YamlDocument:
    parser = parser_class(text)
    builder = EventBuilder(name, MAX_NODES, MAX_DEPTH)
    try:
        found, data = builder.build(parser.get_event)
    except yaml.MarkedYAMLError as exc:
        if _PARSER_DEPTH.search(f"{exc.context} {exc.problem}"):
            mark = exc.problem_mark or exc.context_mark
            raise _ParserDepthLimit(
                Problem(
                    name,
                    format_key_path(builder.open_path()),
                    _DEPTH_MESSAGE,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    suggestion=DEPTH_HINT,
                ),
                mark.index if mark else None,
            ) from None
        raise NegsimError([_syntax_problem(exc, text, name)]) from None
    except yaml.YAMLError as exc:  # a reader error the check above did not foresee
        raise NegsimError.single(name, f"invalid YAML: {exc}") from None
    finally:
        parser.dispose()
    if not found:
        raise NegsimError.single(name, "holds only comments, expected a YAML mapping")
    if not isinstance(data, dict):
        raise NegsimError.single(name, "expected a YAML mapping at the top level", line=1, column=1)
    return YamlDocument(data, builder.positions, builder.values)


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str, name: str) -> Problem:
    """A parser's complaint as one problem at its position, with a hint for the usual causes."""
    mark = exc.problem_mark or exc.context_mark
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    if context and exc.context_mark is not None and mark is not None and exc.context_mark.line != mark.line:
        context += f" (line {exc.context_mark.line + 1})"
    message = f"{context}: {problem}" if context and problem else (problem or context or "invalid YAML")
    lines = _LINE_BREAK.split(text) if mark else []
    line_text = lines[mark.line] if mark and mark.line < len(lines) else ""
    indent = line_text[: len(line_text) - len(line_text.lstrip(" \t"))]
    at_mark = line_text[mark.column : mark.column + 1] if mark else ""
    suggestion = None
    if "\t" in indent or at_mark == "\t" or "\t" in message or " tab " in message:
        suggestion = "use spaces, not tabs, for indentation"
    elif mark and mark.column >= _MAX_SIMPLE_KEY and ":" in line_text[_MAX_SIMPLE_KEY:]:
        suggestion = f"a key may be at most {_MAX_SIMPLE_KEY} characters long"
    return Problem(
        name,
        "",
        f"invalid YAML: {message}",
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        suggestion=suggestion,
    )
