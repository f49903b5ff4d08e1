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

from sim.errors import NegsimError, Problem
from sim.scenario.yaml_events import EventBuilder, KeyPath, Position, format_key_path

__all__ = ["KeyPath", "Position", "YamlDocument", "format_key_path", "nearest_key", "problem_at", "read_yaml"]

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 100_000  # values in a scenario and the files it extends, aliases expanded
MAX_DEPTH = 64

# The characters YAML 1.1 allows in a stream (PyYAML's reader refuses the same set).
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MAX_SIMPLE_KEY = 1024  # YAML's limit on a key written without `? `
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a new line

try:  # libyaml's parser: ~10x faster than PyYAML's pure-Python one, and iterative (no recursion)
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _PureParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _PureParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _PureParser.__init__(self)


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


def _read_bounded(path: Path, name: str) -> bytes:
    """The file's bytes, refused before reading if it is not a regular file or too large."""
    try:
        if path.is_dir():
            raise NegsimError.single(name, "is a directory, expected a YAML scenario file")
        if path.exists() and not path.is_file():
            raise NegsimError.single(name, "is not a regular file, expected a YAML scenario file")
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
    parser = _Parser(text)
    builder = EventBuilder(name, MAX_NODES, MAX_DEPTH)
    try:
        found, data = builder.build(parser.get_event)
    except yaml.MarkedYAMLError as exc:
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
