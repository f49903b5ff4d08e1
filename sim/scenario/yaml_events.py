"""Turn a YAML event stream into plain data and key positions, in one bounded pass.

PyYAML's composer builds a node tree first (recursively, and every alias expanded by the
constructor afterwards). Here each parser event is handled once, with an explicit stack,
so a file's depth, its number of values and the values its aliases stand for are all
counted before any work they would cost: nesting never touches Python's recursion limit,
and a "billion laughs" is refused after MAX_NODES values, not after a billion.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from sim.errors import NegsimError, Problem

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """Where a key (or list item) was written: file, 1-based line and column."""

    file: str
    line: int
    column: int


def format_key_path(path: KeyPath) -> str:
    """`("actors", "russia", "position", "territory")` -> `actors.russia.position.territory`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
# Scalars a scenario can use; !!binary, !!set, !!omap, Python and custom tags are refused.
SCALAR_TAGS = tuple(
    f"tag:yaml.org,2002:{kind}" for kind in ("str", "int", "float", "bool", "null", "timestamp")
)
_MERGE = "tag:yaml.org,2002:merge"
_ENDS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_TAG_HINT = "use plain YAML values (numbers, strings, lists, mappings)"


DEPTH_HINT = (
    "a scenario nests a handful of levels (actors.russia.red_lines.territory.threshold is 5); "
    "is this the right file?"
)
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# Numbers as a reader expects them: decimal, with an optional point and exponent, or YAML's
# `.inf` and `.nan` (refused later, wherever a number is read, with their own message).
_PLAIN_NUMBER = re.compile(
    r"[-+]?(0|[1-9][0-9]*)|[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_NUMBER_HINT = "write numbers in plain decimal (0.5, 1500, 1.0e+3); quote the value if it is text"


def _number_form(text: str, tag: str) -> tuple[str, str]:
    """Why a number YAML 1.1 would read in another base, with separators or in base 60, is
    refused (`cost_of_war: 0_5` would be 5, `0x1` 1, `017` 15, `1:30` 90): message and hint."""
    digits = text.lstrip("+-")
    if ":" in text:
        form = "a base-60 (sexagesimal) number"
    elif "_" in text:
        form = "a number with `_` separators"
    elif digits[:2].lower() == "0x":
        form = "a hexadecimal number"
    elif digits[:2].lower() == "0b":
        form = "a binary number"
    elif tag.endswith(":int") and digits.startswith("0"):
        form = "an octal number (it starts with 0)"
    else:
        form = "a number in a form negsim does not read"
    read = ""
    if len(text) <= 40:  # what YAML makes of it, when that is short enough to show
        try:
            value = SafeConstructor.yaml_constructors[tag](SafeConstructor(), ScalarNode(tag, text))
            read = f", which YAML 1.1 reads as {value!r}"
        except (ValueError, yaml.YAMLError):
            pass
    return f"`{text[:40]}` is {form}{read}", _NUMBER_HINT


@dataclass
class _Open:
    """A mapping or sequence whose end has not been seen yet."""

    value: dict[str, Any] | list[Any]
    path: KeyPath
    anchor: str | None
    first_value: int  # the value count before this node
    first_log: int  # the position log's length before this node
    key: str | None = None  # mappings: the key whose value comes next
    height: int = 0  # levels of nesting below this node


@dataclass(frozen=True)
class _Anchor:
    """What an alias stands for: the value, its size, and where in the position log its parts are.

    The log is only ever appended to, so a slice of it stays valid; copying the positions per
    anchor instead would cost depth x size when every level of a deep tree is anchored."""

    value: Any  # never changed once built: every alias gets its own deep copy
    values: int
    height: int
    log: slice  # the log entries written inside the anchored node
    cut: int  # the length of the anchored node's key path


@dataclass
class EventBuilder:
    """Plain data and the (line, column) of every key path, from the events of one document."""

    name: str
    max_values: int
    max_depth: int
    positions: dict[KeyPath, Position] = field(default_factory=dict)
    values: int = 0
    _log: list[tuple[KeyPath, Position]] = field(default_factory=list)
    _anchors: dict[str, _Anchor] = field(default_factory=dict)
    _open_anchors: set[str] = field(default_factory=set)
    _stack: list[_Open] = field(default_factory=list)
    _resolver: Resolver = field(default_factory=Resolver)
    _constructor: SafeConstructor = field(default_factory=SafeConstructor)

    def build(self, next_event: Callable[[], Any]) -> tuple[bool, Any]:
        """Consume a whole stream; return (whether it held a document, the document's data)."""
        event = next_event()  # stream start
        event = next_event()
        if isinstance(event, yaml.StreamEndEvent):
            return False, None
        root: list[Any] = []
        event = next_event()  # the document's first node
        while True:
            done = self._handle(event, root)
            if done:
                break
            event = next_event()
        next_event()  # document end
        event = next_event()
        if isinstance(event, yaml.DocumentStartEvent):
            self._fail(
                event,
                (),
                "holds more than one YAML document (a `---` line after the first)",
                "a scenario file is one document; remove the `---` line and what follows, or merge them",
            )
        return True, root[0]

    def open_path(self) -> KeyPath:
        """The key path of the innermost mapping or list still being read."""
        return self._stack[-1].path if self._stack else ()

    def _fail(self, event: Any, path: KeyPath, message: str, suggestion: str | None = None) -> NoReturn:
        mark = event.start_mark
        raise NegsimError(
            [
                Problem(
                    self.name,
                    format_key_path(path),
                    message,
                    line=mark.line + 1,
                    column=mark.column + 1,
                    suggestion=suggestion,
                )
            ]
        )

    def _write(self, path: KeyPath, event: Any, overwrite: bool = False) -> None:
        if overwrite or path not in self.positions:
            where = Position(self.name, event.start_mark.line + 1, event.start_mark.column + 1)
            self.positions[path] = where
            self._log.append((path, where))

    def _handle(self, event: Any, root: list[Any]) -> bool:
        """Process one event; True when the document's root value is complete."""
        kind = type(event)
        top = self._stack[-1] if self._stack else None
        if kind in _ENDS:
            assert top is not None
            self._stack.pop()
            return self._close(
                top.value, top.path, top.anchor, top.first_value, top.first_log, top.height, root
            )
        if top is None:
            path: KeyPath = ()
        elif top.key is not None:
            path = (*top.path, top.key)
        elif type(top.value) is dict:
            self._key(event, top)
            return False
        else:
            path = (*top.path, len(top.value))
        depth = len(self._stack)
        if kind is yaml.AliasEvent:
            return self._alias(event, path, depth, root)
        first_value, first_log = self.values, len(self._log)
        self.values += 1
        if self.values > self.max_values:
            self._fail(event, path, f"document holds more than {self.max_values:,} values")
        if depth > self.max_depth:
            self._fail(event, path, f"nested deeper than {self.max_depth} levels", DEPTH_HINT)
        self._write(path, event)
        anchor = event.anchor
        if anchor is not None:
            self._open_anchors.add(anchor)
        if kind is yaml.ScalarEvent:
            value = self._scalar(event, path)
            return self._close(value, path, anchor, first_value, first_log, 0, root)
        is_map = kind is yaml.MappingStartEvent
        expected = _MAP if is_map else _SEQ
        if event.tag not in (None, "!", expected):
            self._fail(event, path, f"tag {event.tag} is not allowed in scenario files", _TAG_HINT)
        container: dict[str, Any] | list[Any] = {} if is_map else []
        self._stack.append(_Open(container, path, anchor, first_value, first_log))
        return False

    def _key(self, event: Any, top: _Open) -> None:
        assert isinstance(top.value, dict)
        if type(event) is not yaml.ScalarEvent:
            self._fail(event, top.path, "mapping keys must be plain names")
        # a plain key is a name whatever it looks like (`1:`, `yes:`), except `<<`
        plain = event.tag is None and event.value != "<<"
        tag = SCALAR_TAGS[0] if plain else self._tag(event)
        if tag == _MERGE:
            self._fail(
                event,
                top.path,
                "YAML merge keys (<<) are not supported",
                "use `extends:` to build on another scenario file",
            )
        if tag not in SCALAR_TAGS:
            self._fail(event, top.path, f"tag {tag} is not allowed in scenario files", _TAG_HINT)
        key = str(event.value)
        if not key.strip():
            self._fail(event, top.path, "empty key", "every key needs a name")
        child = (*top.path, key)
        if key in top.value:
            first_line = self.positions[child].line
            self._fail(
                event,
                child,
                f"duplicate key (first given on line {first_line})",
                "remove one of the two entries",
            )
        self._write(child, event, overwrite=True)
        top.key = key

    def _tag(self, event: Any) -> str:
        if event.tag is None or event.tag == "!":
            return self._resolver.resolve(ScalarNode, event.value, event.implicit)
        return event.tag

    def _scalar(self, event: Any, path: KeyPath) -> Any:
        tag = self._tag(event)
        if tag not in SCALAR_TAGS:
            self._fail(event, path, f"tag {tag} is not allowed in scenario files", _TAG_HINT)
        if tag in _NUMBER_TAGS and not _PLAIN_NUMBER.fullmatch(event.value):
            self._fail(event, path, *_number_form(event.value, tag))
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        try:
            return self._constructor.yaml_constructors[tag](self._constructor, node)
        except ValueError as exc:  # an integer of thousands of digits, a date like 2024-13-45
            if tag.endswith(":int"):
                message = f"a whole number of {len(event.value):,} characters is too long to read"
            else:
                message = f"{event.value[:40]!r} is not a valid {tag.rsplit(':', 1)[-1]}: {exc}"
            self._fail(event, path, message, "write a number in range, or quote it to make it text")
        except yaml.constructor.ConstructorError as exc:
            self._fail(event, path, f"cannot read {event.value[:40]!r}: {exc.problem}")

    def _alias(self, event: Any, path: KeyPath, depth: int, root: list[Any]) -> bool:
        anchor = self._anchors.get(event.anchor)
        if anchor is None:
            if event.anchor in self._open_anchors:
                self._fail(event, path, f"alias *{event.anchor} refers to a value that contains it")
            self._fail(event, path, f"alias *{event.anchor} names no anchor (&{event.anchor}) above it")
        first_value, first_log = self.values, len(self._log)
        self.values += anchor.values
        if self.values > self.max_values:
            self._fail(
                event,
                path,
                f"document expands to more than {self.max_values:,} values (too many aliases or too large)",
            )
        if depth + anchor.height > self.max_depth:
            self._fail(
                event, path, f"nested deeper than {self.max_depth} levels (through aliases)", DEPTH_HINT
            )
        self._write(path, event)
        for written, where in self._log[anchor.log]:
            full = (*path, *written[anchor.cut :])
            if full not in self.positions:
                self.positions[full] = where
                self._log.append((full, where))
        value = copy.deepcopy(anchor.value)
        return self._close(value, path, None, first_value, first_log, anchor.height, root)

    def _close(
        self,
        value: Any,
        path: KeyPath,
        anchor: str | None,
        first_value: int,
        first_log: int,
        height: int,
        root: list[Any],
    ) -> bool:
        """A value is complete: remember it under its anchor and put it in its parent."""
        if anchor is not None:
            log = slice(first_log, len(self._log))
            self._anchors[anchor] = _Anchor(value, self.values - first_value, height, log, len(path))
            self._open_anchors.discard(anchor)
        if not self._stack:
            root.append(value)
            return True
        parent = self._stack[-1]
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.value, list):
            parent.value.append(value)
        else:
            parent.value[parent.key] = value  # type: ignore[index]
            parent.key = None
        return False
