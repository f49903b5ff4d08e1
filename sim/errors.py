"""User-facing errors: each renders as one clear message, never a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Characters a terminal would act on instead of showing: C0 and C1 controls (escape sequences,
# carriage return, new lines, tab), DEL, Unicode's line and paragraph separators, and the
# bidirectional marks and overrides that reorder what is displayed around them.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """`text` with every character a terminal would act on shown as a visible escape (`\\x1b`,
    `\\r`, `\\n`, `\\u202e`): a label of `\\x1b[2J` cannot clear the screen, nor `\\r\\n` fake
    a line of output. Every place that prints text from the user's files goes through this."""
    return UNPRINTABLE.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    key_path: str
    message: str
    line: int | None = None
    column: int | None = None
    suggestion: str | None = None

    def render(self) -> str:
        where = printable(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key_path, message = printable(_clip(self.key_path, 120)), printable(_clip(self.message, 400))
        text = f"{where}: {key_path}: {message}" if key_path else f"{where}: {message}"
        if self.suggestion:
            text += f"\n    hint: {printable(_clip(self.suggestion, 400))}"
        return text


def _clip(text: str, limit: int) -> str:
    """Shorten a part of a message built from the user's input (a key of 100,000 characters)."""
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2 - 1]}…{text[-(limit // 2) :]}"


# Problems worked out in detail (located, with a hint); a file with more is not worth reading on.
MAX_PROBLEMS = 100


@dataclass
class NegsimError(Exception):
    """An error in the user's input (scenario file, option, result folder): exit status 2."""

    problems: list[Problem] = field(default_factory=list)
    truncated: bool = False  # more problems were found than were worked out

    @classmethod
    def single(cls, file: str, message: str, key_path: str = "", **where: object) -> NegsimError:
        return cls([Problem(file=file, key_path=key_path, message=message, **where)])  # type: ignore[arg-type]

    def __str__(self) -> str:
        shown = self.problems[:12]
        lines = [p.render() for p in shown]
        more = len(self.problems) - len(shown)
        if self.truncated:
            lines.append(f"... and at least {more} more problems")
        elif more:
            lines.append(f"... and {more} more problems")
        return "\n".join(lines)


class OptionProblem(Exception):
    """An option that cannot be followed, named by its parameter (`samples`, `paths`): the
    command line says so of its flag (`--samples`), the Python API of its keyword (`samples=`),
    `negsim rerun` of the manifest's key."""

    def __init__(self, option: str, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.option, self.message, self.suggestion = option, message, suggestion
