"""The "did you mean" in error messages."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def did_you_mean(word: str, options: Sequence[str]) -> str | None:
    """Suggest the closest option to a misspelt word, if one is close enough."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


def hint(word: str, options: Sequence[str], listing: str = "known") -> str | None:
    """A "did you mean", or else the list of what would have been accepted."""
    return did_you_mean(word, options) or (f"{listing}: {', '.join(options)}" if options else None)
