"""Result folders written atomically: all files appear at once, or none do.

Files are written into a hidden sibling folder, then renamed into place in one step. An
interrupted or failed run removes the partial folder; an existing folder is never replaced.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.errors import NegsimError


def check_new_folder(target: Path) -> None:
    """Refuse early, before any work, if the result folder cannot be created."""
    if target.exists():
        raise NegsimError.single(
            str(target),
            "already exists; negsim never overwrites results",
            suggestion="choose another --out folder or remove this one",
        )
    parent = _first_existing(target.parent)
    if not parent.is_dir():
        raise NegsimError.single(str(target), f"{parent} is not a folder")
    probe = None
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = tempfile.mkdtemp(prefix=".negsim-probe-", dir=parent)
    except OSError as exc:
        raise NegsimError.single(
            str(target),
            f"cannot write here: {exc.strerror}",
            suggestion="choose a writable --out folder",
        ) from None
    finally:
        if probe:
            shutil.rmtree(probe, ignore_errors=True)


def _first_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@contextlib.contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a staging folder; on success rename it to `target`, on any failure delete it."""
    check_new_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a result folder is meant to be shared
    try:
        yield staging
        if target.exists():
            raise NegsimError.single(str(target), "appeared while the run was writing; not replaced")
        try:
            staging.rename(target)
        except OSError as exc:
            raise NegsimError.single(str(target), f"could not be created: {exc.strerror}") from None
    except OSError as exc:  # disk full, folder made read-only: say so once, leave nothing behind
        shutil.rmtree(staging, ignore_errors=True)
        left = f"; the unfinished {staging} could not be removed" if staging.exists() else ""
        raise NegsimError.single(
            str(target),
            f"could not be written: {exc.strerror or exc}{left}",
            suggestion="free some disk space or choose a writable --out folder, then run again",
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
