"""SHA-256 checksums of a result folder's files: written into manifest.json, checked by `negsim verify`.

Files are hashed in blocks, so a folder of gigabytes of Parquet never has to fit in memory.
Paths are relative to the folder, with forward slashes, so a manifest reads the same on every OS.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


def sha256_file(path: Path) -> str:
    """The file's SHA-256 as hex, read block by block."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def folder_files(folder: Path, skip: Iterable[str] = ()) -> list[str]:
    """Every file below `folder` as a relative POSIX path, sorted, without those in `skip`."""
    skipped = set(skip)
    names = (path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file())
    return sorted(name for name in names if name not in skipped)


def checksum_folder(folder: Path, skip: Iterable[str] = ()) -> dict[str, str]:
    """{relative path: SHA-256} of every file below `folder` except those in `skip`."""
    return {name: sha256_file(folder / name) for name in folder_files(folder, skip)}


def is_safe_entry(name: str) -> bool:
    """A manifest entry must name a file inside the folder: relative, no `..`, no empty parts."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and all(part not in ("", ".", "..") for part in path.parts)


@dataclass
class Comparison:
    """How a folder's files differ from the checksums recorded for them."""

    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # file -> why it could not be read
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.unreadable)


def compare_folder(folder: Path, recorded: dict[str, str], skip: Iterable[str] = ()) -> Comparison:
    """Hash every recorded file that exists, and list the files nobody recorded."""
    result = Comparison()
    for name in sorted(recorded):
        path = folder / name
        if not path.is_file():
            result.missing.append(name)
            continue
        try:
            digest = sha256_file(path)
        except OSError as exc:
            result.unreadable[name] = exc.strerror or str(exc)
            continue
        result.checked += 1
        if digest != recorded[name]:
            result.changed.append(name)
    result.added = [name for name in folder_files(folder, skip) if name not in recorded]
    return result
