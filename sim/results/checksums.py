"""SHA-256 checksums of a result folder's files: written into manifest.json, checked by `negsim verify`.

Files are hashed in blocks, so a folder of gigabytes of Parquet never has to fit in memory.
Paths are relative to the folder, with forward slashes, so a manifest reads the same on every OS.

A result folder may come from anyone, so nothing below it is ever followed or opened blindly:
symbolic links are reported, never followed (a link to a file elsewhere would otherwise
"verify"), folders are entered without following links, and only regular files are opened
(a FIFO would block the reader forever, a device could do anything).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # opening a FIFO never waits for a writer
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# Walk folder by folder with file descriptors, so no link can be swapped in along the way.
_BY_FD = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd and os.scandir in os.supports_fd


class NotAFile(OSError):
    """A name in a result folder that is not a regular file negsim may open; `kind` says what it is."""

    def __init__(self, name: str, kind: str) -> None:
        super().__init__(errno.EINVAL, kind, name)
        self.kind = kind


def kind_of(mode: int) -> str | None:
    """What a file of this mode is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link, not followed"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO, not opened"
    if stat.S_ISSOCK(mode):
        return "a socket, not opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not opened"
    return "not a regular file, not opened"


def is_safe_entry(name: str) -> bool:
    """A manifest entry must name a file inside the folder: relative, no `..`, no empty parts."""
    path = PurePosixPath(name)
    return (
        bool(name)
        and "\\" not in name
        and "\0" not in name
        and not path.is_absolute()
        and all(part not in ("", ".", "..") for part in path.parts)
        and name == path.as_posix()
    )


def open_inside(folder: Path, name: str) -> int:
    """A read-only descriptor of the regular file `name` (relative, POSIX) inside `folder`.

    No symbolic link below `folder` is followed, in the last part or on the way; anything but a
    regular file raises NotAFile (saying what it is) without being opened, a missing file
    FileNotFoundError. `folder` itself is the caller's choice and may be a link.
    """
    if not is_safe_entry(name):
        raise NotAFile(name, "not a name inside the folder")
    *parents, last = PurePosixPath(name).parts
    if not _BY_FD:
        return _open_by_path(folder, parents, last, name)
    directory = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    try:
        for i, part in enumerate(parents):
            mode = os.stat(part, dir_fd=directory, follow_symlinks=False).st_mode
            if not stat.S_ISDIR(mode):
                if stat.S_ISLNK(mode):
                    where = "/".join(parents[: i + 1])
                    raise NotAFile(name, f"behind {where}, a symbolic link, not followed")
                raise FileNotFoundError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), name)
            inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=directory)
            os.close(directory)
            directory = inner
        kind = kind_of(os.stat(last, dir_fd=directory, follow_symlinks=False).st_mode)
        if kind:
            raise NotAFile(name, kind)
        fd = os.open(last, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY, dir_fd=directory)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not isinstance(exc, NotAFile):  # swapped for a link just now
            raise NotAFile(name, "a symbolic link, not followed") from None
        raise
    finally:
        os.close(directory)
    return _regular(fd, name)


def _open_by_path(folder: Path, parents: list[str], last: str, name: str) -> int:
    """open_inside where the system cannot open relative to a folder's descriptor."""
    path = folder
    for i, part in enumerate(parents):
        path = path / part
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            raise NotAFile(name, f"behind {'/'.join(parents[: i + 1])}, a symbolic link, not followed")
        if not stat.S_ISDIR(mode):
            raise FileNotFoundError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), name)
    kind = kind_of(os.lstat(path / last).st_mode)
    if kind:
        raise NotAFile(name, kind)
    return _regular(os.open(path / last, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY), name)


def _regular(fd: int, name: str) -> int:
    """`fd` if it is a regular file (checked on the open file, so no swap in between counts)."""
    kind = kind_of(os.fstat(fd).st_mode)
    if kind:
        os.close(fd)
        raise NotAFile(name, kind)
    return fd


def _digest(fd: int) -> str:
    with os.fdopen(fd, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_file(path: Path, folder: Path | None = None) -> str:
    """The file's SHA-256 as hex, read block by block.

    With `folder`, `path` lies inside it and no link below `folder` is followed (see
    open_inside); without, only `path` itself must not be a link. Either way only a regular
    file is read (NotAFile otherwise)."""
    path = Path(path)
    if folder is not None:
        return _digest(open_inside(folder, path.relative_to(folder).as_posix()))
    return _digest(open_inside(path.parent, path.name))


@dataclass
class Listing:
    """What a walk below a folder found: regular files, and everything else with what it is."""

    files: list[str] = field(default_factory=list)
    others: dict[str, str] = field(default_factory=dict)  # name -> what it is (link, FIFO, folder)
    unreadable: dict[str, str] = field(default_factory=dict)  # folder -> why it could not be listed


def walk(folder: Path, enter: set[str] | None = None) -> Listing:
    """Every entry below `folder`, never following a link. Folders are entered when `enter` is
    None or names them; any other folder is listed in `others` as one entry, not walked."""
    found = Listing()
    top = os.open(folder, os.O_RDONLY | _DIRECTORY | _CLOEXEC) if _BY_FD else None
    try:
        _walk(folder, top, "", enter, found)
    finally:
        if top is not None:
            os.close(top)
    found.files.sort()
    return found


def _walk(folder: Path, fd: int | None, prefix: str, enter: set[str] | None, found: Listing) -> None:
    try:
        with _entries(folder, fd, prefix) as entries:
            listed = sorted((e.name, e.stat(follow_symlinks=False).st_mode) for e in entries)
    except OSError as exc:
        found.unreadable[prefix.rstrip("/") or "."] = exc.strerror or str(exc)
        return
    for entry, mode in listed:
        name = prefix + entry
        if stat.S_ISREG(mode):
            found.files.append(name)
        elif stat.S_ISDIR(mode) and (enter is None or name in enter):
            _walk_into(folder, fd, entry, name, enter, found)
        else:
            found.others[name] = kind_of(mode) or "a folder"


def _walk_into(
    folder: Path, fd: int | None, entry: str, name: str, enter: set[str] | None, found: Listing
) -> None:
    if fd is None:
        _walk(folder, None, name + "/", enter, found)
        return
    try:
        inner = os.open(entry, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):  # replaced by a link or file just now
            found.others[name] = "a symbolic link, not followed"
        else:
            found.unreadable[name] = exc.strerror or str(exc)
        return
    try:
        _walk(folder, inner, name + "/", enter, found)
    finally:
        os.close(inner)


@contextlib.contextmanager
def _entries(folder: Path, fd: int | None, prefix: str) -> Iterator[Iterator[os.DirEntry]]:
    if fd is None:
        with os.scandir(folder / prefix if prefix else folder) as entries:
            yield entries
        return
    with os.scandir(fd) as entries:  # scandir reads a duplicate of `fd`; ours stays open
        yield entries


def folder_files(folder: Path, skip: Iterable[str] = ()) -> list[str]:
    """Every regular file below `folder` as a relative POSIX path, sorted, without those in
    `skip`; links are not followed, and anything that is not a regular file is left out."""
    skipped = set(skip)
    return [name for name in walk(folder).files if name not in skipped]


def checksum_folder(folder: Path, skip: Iterable[str] = ()) -> dict[str, str]:
    """{relative path: SHA-256} of every file below `folder` except those in `skip`."""
    return {name: sha256_file(folder / name, folder) for name in folder_files(folder, skip)}


@dataclass
class Comparison:
    """How a folder's files differ from the checksums recorded for them."""

    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    unreadable: dict[str, str] = field(default_factory=dict)  # file -> why it could not be read
    notes: dict[str, str] = field(default_factory=dict)  # changed or added -> what it is now
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added or self.unreadable)


def compare_folder(folder: Path, recorded: dict[str, str], skip: Iterable[str] = ()) -> Comparison:
    """Hash every recorded file that is there, and list everything nobody recorded.

    A link, FIFO or folder where a file was recorded is "changed" (and not opened); an added
    link, FIFO, device or folder is "added" as one entry (a folder nobody recorded a file in is
    not walked)."""
    result = Comparison()
    for name in sorted(recorded):
        try:
            digest = sha256_file(folder / name, folder)
        except NotAFile as exc:
            result.changed.append(name)
            result.notes[name] = exc.kind
            continue
        except FileNotFoundError:
            result.missing.append(name)
            continue
        except OSError as exc:
            result.unreadable[name] = exc.strerror or str(exc)
            continue
        result.checked += 1
        if digest != recorded[name]:
            result.changed.append(name)
    parents = {str(PurePosixPath(name).parent) for name in recorded} - {"."}
    enter = {"/".join(p.split("/")[: i + 1]) for p in parents for i in range(p.count("/") + 1)}
    found = walk(folder, enter)
    skipped = set(skip)
    result.added = [name for name in found.files if name not in recorded and name not in skipped]
    for name, kind in found.others.items():
        if name not in recorded and name not in skipped:
            result.added.append(name)
            result.notes[name] = kind
    result.added.sort()
    for name, why in found.unreadable.items():
        result.unreadable[f"{name}/"] = why
    return result
