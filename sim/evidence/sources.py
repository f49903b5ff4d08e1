"""Reading the article a source names: only a regular UTF-8 text file of bounded size."""

from __future__ import annotations

import stat
from pathlib import Path

MAX_SOURCE_BYTES = 5 * 1024 * 1024  # an article, or a data set, is far smaller


class Unreadable(Exception):
    """Why a source's file cannot be used; the message follows the file's name."""


def source_path(file: str, folder: Path) -> Path:
    """Where `file` (as a `sources.<id>.file` says it) lies: relative to `folder`."""
    return folder / file


def check_file(path: Path) -> None:
    """Raise Unreadable unless `path` is an existing regular file of bounded size."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise Unreadable("does not exist") from None
    except (OSError, RuntimeError) as exc:  # a loop of links, a name too long, no permission
        raise Unreadable(f"cannot be opened: {getattr(exc, 'strerror', None) or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("is not a regular file" + (" (a folder)" if stat.S_ISDIR(info.st_mode) else ""))
    if info.st_size > MAX_SOURCE_BYTES:
        raise Unreadable(f"holds {info.st_size:,} bytes; a source may hold at most {MAX_SOURCE_BYTES:,}")


def read_text(path: Path) -> str:
    """The text of the article at `path`; raise Unreadable when it is not a readable UTF-8 file."""
    check_file(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise Unreadable(f"cannot be read: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unreadable(f"is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x})") from None
