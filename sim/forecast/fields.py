"""Reading the values of a questions or record file, each checked where it was written.

Both files are YAML written by hand, so every problem is reported as the scenario loader
reports one: file, line, column and key path, with a hint. A `Fields` collects the problems
of a whole file, so one reading names them all, then `done` raises them together.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from sim.errors import MAX_PROBLEMS, NegsimError, Problem
from sim.scenario.suggest import did_you_mean
from sim.scenario.yaml_source import KeyPath, YamlDocument, problem_at, read_yaml

IDENTIFIER = re.compile(r"[\w-]{1,100}")
ID_HINT = "an id is letters, digits, `_` and `-`, at most 100 characters"
DATE_HINT = "write an ISO date: YYYY-MM-DD"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_document(path: Path, what: str) -> YamlDocument:
    """A YAML file of negsim's, refused by name before it is read if it is not `.yaml`/`.yml`."""
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise NegsimError.single(str(path), f"is not a {what} file: its name does not end in .yaml or .yml")
    return read_yaml(path)


class Fields:
    """Checked access to one document's values; each failed check adds a located problem and
    returns None, so a reader goes on and reports everything at once."""

    def __init__(self, document: YamlDocument, file: str) -> None:
        self.document, self.file = document, file
        self.problems: list[Problem] = []

    def fail(self, path: KeyPath, message: str, suggestion: str | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem_at(self.document.positions, path, self.file, message, suggestion))

    def done(self) -> None:
        """Raise every problem found, if any."""
        if self.problems:
            raise NegsimError(list(self.problems), truncated=len(self.problems) >= MAX_PROBLEMS)

    def mapping(
        self, path: KeyPath, value: Any, required: Collection[str], optional: Collection[str] = ()
    ) -> dict[str, Any] | None:
        """`value` as a mapping with string keys, each known, none required missing."""
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping of {', '.join(required) or 'keys'}, got {kind(value)}")
            return None
        known = [*required, *optional]
        for key in value:
            if not isinstance(key, str) or key not in known:
                self.fail((*path, str(key)), "unknown key", did_you_mean(str(key), known) or _listing(known))
        for key in required:
            if key not in value:
                self.fail(path, f"required key `{key}` is missing")
        return value

    def items(self, path: KeyPath, value: Any, what: str) -> list[Any]:
        """`value` as a non-empty list (a missing one has been reported by `mapping`)."""
        if not isinstance(value, list) or not value:
            self.fail(path, f"expected a non-empty list of {what}, got {kind(value)}")
            return []
        return value

    def text(self, path: KeyPath, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected text, got {kind(value)}")
            return None
        return value

    def identifier(self, path: KeyPath, value: Any) -> str | None:
        if not isinstance(value, str) or not IDENTIFIER.fullmatch(value):
            self.fail(path, f"expected an id, got {kind(value)}", ID_HINT)
            return None
        return value

    def choice(self, path: KeyPath, value: Any, options: Collection[str]) -> str | None:
        if not isinstance(value, str) or value not in options:
            shown = value if isinstance(value, str) else kind(value)
            self.fail(
                path, f"unknown value `{shown}`", did_you_mean(str(value), list(options)) or _listing(options)
            )
            return None
        return value

    def date(self, path: KeyPath, value: Any) -> dt.date | None:
        """An ISO date, written bare (YAML reads it as a date) or quoted."""
        if isinstance(value, dt.datetime):
            self.fail(path, f"expected a date without a time, got {value.isoformat()}", DATE_HINT)
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError as exc:
                self.fail(path, f"{value} is not a date: {exc}", DATE_HINT)
                return None
        self.fail(path, f"expected an ISO date, got {_short(value)}", DATE_HINT)
        return None

    def whole(self, path: KeyPath, value: Any, low: int, high: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(path, f"expected a whole number from {low} to {high:,}, got {_short(value)}")
            return None
        return value

    def weight(self, path: KeyPath, value: Any) -> float | None:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < 0:
            self.fail(path, f"expected a number of 0 or more, got {_short(value)}")
            return None
        return float(value)

    def ids(self, path: KeyPath, value: Any, empty: bool = False) -> tuple[str, ...] | None:
        """A list of ids (issue ids), non-empty unless `empty` allows it."""
        if not isinstance(value, list) or not (value or empty):
            self.fail(path, f"expected a non-empty list of ids, got {kind(value)}", "write [id, id]")
            return None
        found = [self.identifier((*path, i), item) for i, item in enumerate(value)]
        return tuple(f for f in found if f is not None) if all(found) else None


def kind(value: Any) -> str:
    """What a value is, in a message: `a list`, `a number (3)`, `text ('x')`."""
    if value is None:
        return "nothing"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    return _short(value)


def _short(value: Any) -> str:
    if isinstance(value, str):
        return f"text {value[:60]!r}" + ("…" if len(value) > 60 else "")
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return kind(value) if isinstance(value, Mapping | list) or value is None else type(value).__name__


def _listing(options: Collection[str]) -> str:
    return f"known: {', '.join(options)}"
