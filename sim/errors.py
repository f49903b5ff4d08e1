"""User-facing errors: each renders as one clear message, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass, field


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
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key_path, message = _clip(self.key_path, 120), _clip(self.message, 400)
        text = f"{where}: {key_path}: {message}" if key_path else f"{where}: {message}"
        if self.suggestion:
            text += f"\n    hint: {_clip(self.suggestion, 400)}"
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
