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
        text = f"{where}: {self.key_path}: {self.message}" if self.key_path else f"{where}: {self.message}"
        if self.suggestion:
            text += f"\n    hint: {self.suggestion}"
        return text


@dataclass
class NegsimError(Exception):
    """An error in the user's input (scenario file, option, result folder): exit status 2."""

    problems: list[Problem] = field(default_factory=list)

    @classmethod
    def single(cls, file: str, message: str, key_path: str = "", **where: object) -> NegsimError:
        return cls([Problem(file=file, key_path=key_path, message=message, **where)])  # type: ignore[arg-type]

    def __str__(self) -> str:
        shown = self.problems[:12]
        lines = [p.render() for p in shown]
        if len(self.problems) > len(shown):
            lines.append(f"... and {len(self.problems) - len(shown)} more problems")
        return "\n".join(lines)
