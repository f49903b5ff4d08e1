"""A small, safe XML reader that keeps the line of every element.

It uses expat, the parser under the standard library's xml.etree.ElementTree, and refuses any
document type declaration: entities can only be declared inside one, so neither entity
expansion ("billion laughs") nor external entities (reading local files or URLs) can happen,
the same protections defusedxml gives. ElementTree itself keeps no line numbers, which every
imported number needs for its provenance; so the tree is built here, one `Node` per element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.parsers import expat

from sim.importers.source import fail, read_bytes

MAX_ELEMENTS = 100_000
MAX_DEPTH = 64


@dataclass
class Node:
    tag: str
    line: int
    attributes: dict[str, str]
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text directly inside this element, stripped."""
        return "".join(self.parts).strip()

    def all(self, tag: str) -> list[Node]:
        return [child for child in self.children if child.tag == tag]

    def first(self, tag: str) -> Node | None:
        return next((child for child in self.children if child.tag == tag), None)


class _Refused(Exception):
    def __init__(self, message: str, line: int, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


DTD_HINT = "a KTAB scenario file needs no document type or entities: remove the <!DOCTYPE ...> declaration"


def parse_xml(path: Path) -> Node:
    """The root element of the XML file at `path`, or a NegsimError naming file and line."""
    raw = read_bytes(path)
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Node] = []
    roots: list[Node] = []
    count = 0

    def refuse(what: str) -> Any:
        def handler(*_: Any) -> None:
            raise _Refused(f"holds {what}, which negsim does not read", parser.CurrentLineNumber, DTD_HINT)

        return handler

    def start(tag: str, attributes: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise _Refused(f"has more than {MAX_ELEMENTS:,} elements", parser.CurrentLineNumber)
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"nests elements deeper than {MAX_DEPTH} levels", parser.CurrentLineNumber)
        node = Node(tag, parser.CurrentLineNumber, dict(attributes))
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def text(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    parser.StartDoctypeDeclHandler = refuse("a document type declaration (<!DOCTYPE ...>)")
    parser.EntityDeclHandler = refuse("an entity declaration (<!ENTITY ...>)")
    parser.UnparsedEntityDeclHandler = refuse("an entity declaration (<!ENTITY ...>)")
    parser.ExternalEntityRefHandler = refuse("a reference to an external entity")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(raw, True)
    except _Refused as exc:
        fail(path, exc.message, line=exc.line, hint=exc.hint)
    except LookupError as exc:  # an encoding expat and Python do not know
        fail(path, f"declares an encoding that cannot be read: {exc}", line=1, hint="save the file as UTF-8")
    except expat.ExpatError as exc:
        fail(
            path,
            f"is not well-formed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})",
            line=exc.lineno,
            hint="check the tags around this line",
        )
    if not roots:
        fail(path, "has no XML element")
    return roots[0]
