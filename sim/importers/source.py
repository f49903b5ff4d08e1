"""Reading a published data file as untrusted input: bounded, UTF-8, one message per problem.

Every importer reads its file through `read_text` and its cells through `number`, so a missing
file, a binary file, a cell that is not a number or is out of range is refused the same way:
`error: FILE:LINE: COLUMN: what was wrong` with a hint, exit status 2, nothing written.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from sim.errors import NegsimError
from sim.scenario.estimates import short_repr

MAX_INPUT_BYTES = 20 * 1024 * 1024  # the DEU III file is 0.3 MB; a data file this large is not one
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_NOT_ID = re.compile(r"[^\w-]+")


def fail(
    file: Path | str, message: str, *, line: int | None = None, column: str = "", hint: str = ""
) -> NoReturn:
    """Refuse the input: one located message (and a hint), exit status 2."""
    raise NegsimError.single(str(file), message, key_path=column, line=line, suggestion=hint or None)


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused before reading if it is missing, not a regular file or too large."""
    try:
        if path.is_dir():
            fail(path, "is a folder, expected a data file")
        if path.exists() and not path.is_file():
            fail(path, "is not a regular file, expected a data file")
        with path.open("rb") as stream:
            raw = stream.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        fail(path, "file not found")
    except NotADirectoryError:
        fail(path, "file not found (part of the path is a file, not a folder)")
    except OSError as exc:
        fail(path, f"cannot be read: {exc.strerror or exc}")
    if len(raw) > MAX_INPUT_BYTES:
        fail(
            path,
            f"is larger than {MAX_INPUT_BYTES:,} bytes, the limit for imported data files",
            hint="published case files are a few hundred lines; is this the right file?",
        )
    return raw


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (a byte order mark is dropped), no NUL or other binary bytes."""
    raw = read_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        fail(
            path,
            f"is not valid UTF-8 (byte {exc.start} is 0x{raw[exc.start]:02x})",
            line=line,
            hint="save the file as UTF-8 (plain text)",
        )
    if not text.strip():
        fail(path, "is empty", hint="give the data file itself")
    for number, content in enumerate(io.StringIO(text, newline=""), 1):
        bad = next((c for c in content if ord(c) < 0x20 and c not in "\t\r\n"), None)
        if bad is not None:
            fail(
                path,
                f"holds the control character U+{ord(bad):04X}, as no text data file does",
                line=number,
                hint="is this a spreadsheet or binary file? export it as CSV or TSV text",
            )
    return text


@dataclass(frozen=True)
class Row:
    """One record of a delimited file: its cells (trailing blank cells dropped), how many fields
    it had as written, and the line it starts on."""

    line: int
    cells: list[str]
    width: int

    def blank(self) -> bool:
        return not self.cells


def rows(file: Path, text: str, delimiter: str) -> Iterator[Row]:
    """Each record of a CSV or TSV text with the line it starts on (1 = the first line).

    Cells are stripped of surrounding spaces, and blank cells at the end of a record are dropped:
    KTAB's files end every line with a comma (and sometimes a space)."""
    # lines end at \n, \r\n or \r only, as editors and the csv module count them (not at the
    # other breaks str.splitlines knows, such as U+0085 or U+2028 inside a name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            cells = [cell.strip() for cell in record]
            width = len(cells)
            while cells and not cells[-1]:
                cells.pop()
            yield Row(start, cells, width)
            start = reader.line_num + 1
    except csv.Error as exc:
        fail(
            file, f"cannot be read as delimited text: {exc}", line=start, hint="check the quotes on this line"
        )


def number(
    file: Path,
    text: str,
    *,
    line: int,
    column: str,
    low: float | None = None,
    high: float | None = None,
    what: str = "a number",
) -> float:
    """The cell as a finite number within [low, high], or a refusal naming file, line and column."""
    if not _DECIMAL.fullmatch(text):
        shown = "an empty cell" if not text else short_repr(text)
        fail(file, f"expected {what}, got {shown}", line=line, column=column, hint=_range_hint(low, high))
    value = float(text)
    if not math.isfinite(value):
        fail(file, f"expected {what}, got {short_repr(text)}", line=line, column=column)
    if (low is not None and value < low) or (high is not None and value > high):
        fail(
            file,
            f"expected {what} {_range_words(low, high)}, got {text}",
            line=line,
            column=column,
            hint=_range_hint(low, high),
        )
    return value


def _range_words(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"from {low:g} to {high:g}"
    if low is not None:
        return f"of at least {low:g}"
    return f"of at most {high:g}"


def _range_hint(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return "write a plain decimal number, e.g. 42 or 0.5"
    return f"write a plain decimal number {_range_words(low, high)}"


def is_number(text: str) -> bool:
    """Whether a cell reads as a number (a header row has none where data rows do)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def plain(value: float) -> int | float:
    """A number as YAML should show it: 100, not 100.0; 0.4953, not 0.49529999999999996."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) and abs(rounded) < 1e15 else rounded


def identifier(text: str, fallback: str) -> str:
    """A scenario id made from `text`: letters, digits, `_` and `-`; `fallback` when nothing is left."""
    made = _NOT_ID.sub("_", text.strip()).lstrip("_-").rstrip("_")  # an id starts with a letter or digit
    return made or fallback


def safe_name(text: str) -> str:
    """A scenario name (also a folder name) made from a file's stem."""
    made = re.sub(r"[^\w.-]+", "-", text).strip("-.")
    made = re.sub(r"\.{2,}", ".", made)
    return (made or "imported")[:100].rstrip(".")
