"""Whether a quote is verbatim in an article, forgiving only typography and marked elisions.

Curly quotes and apostrophes count as straight ones and any run of white space as one space.
An elision (`...`, `…`, or an editor's `[word]`) splits a quote into fragments that must appear
in the article in that order. Nothing else is forgiven: a changed letter is a different quote.
"""

from __future__ import annotations

import difflib
import re

CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
ELISION = re.compile(r"\[[^\[\]]*\]|\.\.\.|…")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"')\]])\s+")
SHORT = 80  # characters of a quote or passage shown in a message
CLOSE_ENOUGH = 0.6  # how similar a passage must be to be shown as the nearest one
MAX_SEARCHED = 50_000  # characters of an article searched for the nearest passage (about 1 s)


def normalise(text: str) -> str:
    """Straighten curly quotes and collapse whitespace; nothing else is forgiven."""
    return re.sub(r"\s+", " ", text.translate(CURLY)).strip()


def fragments(quote: str) -> list[str]:
    """The parts of `quote` between elisions, normalised; empty parts are dropped."""
    parts = (normalise(part) for part in ELISION.split(normalise(quote)))
    return [part for part in parts if part]


def quote_found(quote: str, article: str) -> bool:
    """Whether `quote` is in `article` verbatim: whole, or its fragments in order."""
    text, whole = normalise(article), normalise(quote)
    if whole and whole in text:
        return True
    parts = fragments(quote)
    if not parts:
        return False
    start = 0
    for part in parts:
        found = text.find(part, start)
        if found < 0:
            return False
        start = found + len(part)
    return True


def shorten(text: str, limit: int = SHORT) -> str:
    """`text` normalised and cut to `limit` characters with an ellipsis."""
    text = normalise(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def closest_passage(quote: str, article: str) -> str | None:
    """The article's passage most like `quote`, shortened, when it is close enough to be the one
    meant; otherwise None (a message never shows an unrelated part of a file)."""
    target = normalise(quote)
    if len(article) > MAX_SEARCHED:
        return None
    words = len(target.split())
    best, best_ratio = None, CLOSE_ENOUGH
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(target)  # indexed once; each passage is compared with it
    for sentence in SENTENCE_END.split(normalise(article)):
        tokens = sentence.split()
        # windows about as long as the quote, so a short quote is compared with part of a sentence
        for size in sorted({max(1, words - 1), words, words + 1}):
            for begin in range(max(1, len(tokens) - size + 1)):
                passage = " ".join(tokens[begin : begin + size])
                matcher.set_seq1(passage)
                if (
                    matcher.real_quick_ratio() > best_ratio
                    and matcher.quick_ratio() > best_ratio
                    and matcher.ratio() > best_ratio
                ):
                    best, best_ratio = passage, matcher.ratio()
    return None if best is None else shorten(best.strip(" \"'"))
