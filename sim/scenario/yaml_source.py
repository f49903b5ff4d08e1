"""Safe YAML reading that remembers where every key came from.

Scenario errors must name file, line and column, so we compose YAML nodes ourselves
(PyYAML's safe composer: no Python tags, no code) and keep a map from key path to
position. Duplicate keys, merge keys and oversized or over-aliased documents are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sim.errors import NegsimError, Problem

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 64

KeyPath = tuple[str | int, ...]
_PLAIN_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


@dataclass(frozen=True)
class Position:
    file: str
    line: int
    column: int


@dataclass
class YamlDocument:
    """Plain data plus the position of every key path in it."""

    data: Any
    positions: dict[KeyPath, Position]


def format_key_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


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
    if path.is_dir():
        raise NegsimError.single(name, "is a directory, expected a YAML scenario file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NegsimError.single(name, "file not found") from None
    except OSError as exc:
        raise NegsimError.single(name, f"cannot be read: {exc.strerror}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise NegsimError.single(
            name, f"is {len(raw):,} bytes; scenario files are limited to {MAX_FILE_BYTES:,} bytes"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NegsimError.single(
            name,
            f"is not valid UTF-8 (byte {exc.start})",
            line=line,
            suggestion="save the file as UTF-8",
        ) from None
    if not text.strip():
        raise NegsimError.single(name, "is empty, expected a YAML mapping")
    return _compose(text, name)


def _compose(text: str, name: str) -> YamlDocument:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or "invalid YAML").strip()
        is_tab = "\\t" in message or "\t" in message
        suggestion = "use spaces, not tabs, for indentation" if is_tab else None
        raise NegsimError(
            [
                Problem(
                    name,
                    "",
                    f"invalid YAML: {message}",
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    suggestion=suggestion,
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise NegsimError.single(name, f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    builder = _Builder(name, loader)
    data = builder.build(node, (), 0)
    if not isinstance(data, dict):
        raise NegsimError.single(name, "expected a YAML mapping at the top level", line=1, column=1)
    return YamlDocument(data, builder.positions)


class _Builder:
    """Turns composed nodes into dicts, lists and scalars, recording positions."""

    def __init__(self, name: str, loader: yaml.SafeLoader) -> None:
        self.name = name
        self.loader = loader
        self.positions: dict[KeyPath, Position] = {}
        self.count = 0

    def _fail(self, node: yaml.Node, path: KeyPath, message: str, suggestion: str | None = None) -> None:
        raise NegsimError(
            [
                Problem(
                    self.name,
                    format_key_path(path),
                    message,
                    line=node.start_mark.line + 1,
                    column=node.start_mark.column + 1,
                    suggestion=suggestion,
                )
            ]
        )

    def _mark(self, node: yaml.Node, path: KeyPath) -> None:
        self.positions.setdefault(
            path, Position(self.name, node.start_mark.line + 1, node.start_mark.column + 1)
        )

    def build(self, node: yaml.Node, path: KeyPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            self._fail(
                node,
                path,
                f"document expands to more than {MAX_NODES:,} values (too many aliases or too large)",
            )
        if depth > MAX_DEPTH:
            self._fail(node, path, f"nested deeper than {MAX_DEPTH} levels")
        self._mark(node, path)
        if not isinstance(node, yaml.ScalarNode) and node.tag not in _PLAIN_COLLECTION_TAGS:
            self._fail(
                node,
                path,
                f"tag {node.tag} is not allowed in scenario files",
                "use plain YAML values (numbers, strings, lists, mappings)",
            )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            self._fail(
                node,
                path,
                f"tag {node.tag} is not allowed in scenario files",
                "use plain YAML values (numbers, strings, lists, mappings)",
            )
        return None  # unreachable: _fail raises

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._fail(
                    key_node,
                    path,
                    "YAML merge keys (<<) are not supported",
                    "use `extends:` to build on another scenario file",
                )
            if not isinstance(key_node, yaml.ScalarNode):
                self._fail(key_node, path, "mapping keys must be plain names")
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                first = self.positions[child]
                self._fail(
                    key_node,
                    child,
                    f"duplicate key (first given on line {first.line})",
                    "remove one of the two entries",
                )
            self.positions[child] = Position(
                self.name, key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
            result[key] = self.build(value_node, child, depth + 1)
        return result
