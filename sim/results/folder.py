"""Result folders written atomically: all files appear at once, or none do.

Files are written into a hidden sibling folder, then renamed into place in one step. An
interrupted or failed run removes the partial folder; an existing folder is never replaced.
A staging folder's name records its owner (process id and start time), so when a run was
killed outright (SIGKILL, power cut) the next run into the same parent removes what it left,
and never the staging folder of a run that is still going; `negsim plot` names its work in
progress the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.errors import NegsimError
from sim.interrupts import signals_held


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
        probe = tempfile.mkdtemp(prefix=owned_prefix("negsim", "probe"), dir=parent)
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
    remove_abandoned(target.parent)
    staging: Path | None = None
    try:
        # A Ctrl-C between making the staging folder and knowing its name would leave it behind:
        # it is held back until the name is known, then raised here, inside the clean-up.
        with signals_held(signal.SIGINT, signal.SIGTERM):
            staging = Path(tempfile.mkdtemp(prefix=owned_prefix(target.name, "partial"), dir=target.parent))
            staging.chmod(0o755)  # mkdtemp makes it private; a result folder is meant to be shared
        yield staging
        if target.exists():
            raise NegsimError.single(str(target), "appeared while the run was writing; not replaced")
        try:
            staging.rename(target)
        except OSError as exc:
            raise NegsimError.single(str(target), f"could not be created: {exc.strerror}") from None
    except OSError as exc:  # disk full, folder made read-only: say so once, leave nothing behind
        if staging is None:
            raise
        _remove(staging)
        left = f"; the unfinished {staging} could not be removed" if staging.exists() else ""
        raise NegsimError.single(
            str(target),
            f"could not be written: {exc.strerror or exc}{left}",
            suggestion="free some disk space or choose a writable --out folder, then run again",
        ) from None
    except BaseException:
        if staging is not None:
            _remove(staging)
        raise


def _remove(staging: Path) -> None:
    """Remove a staging folder whole: a second Ctrl-C (or one sent again after an import) waits
    until it is gone, instead of stopping the removal half-way."""
    with signals_held(signal.SIGINT, signal.SIGTERM):
        shutil.rmtree(staging, ignore_errors=True)


# Hidden names of work in progress: `.NAME.KIND-PID-START-random`, KIND one of those below,
# START the owner's start time in clock ticks since boot (0 where the system does not say),
# which tells a process from a later one that was given the same id.
KINDS = ("partial", "probe", "redraw", "old", "staged")
_OWNED = re.compile(rf"^\..+\.(?:{'|'.join(KINDS)})-(?P<pid>\d+)-(?P<start>\d+)-[^/]*$")


def owned_prefix(name: str, kind: str) -> str:
    """The start of a hidden name for work in progress on `name`, owned by this process: what
    is left under such a name once its owner is gone is removed by `remove_abandoned`."""
    assert kind in KINDS
    return f".{name}.{kind}-{_owner_tag()}-"


def _owner_tag() -> str:
    return f"{os.getpid()}-{_start_time(os.getpid())}"


def _start_time(pid: int) -> int:
    """When process `pid` started (Linux: /proc/PID/stat field 22); 0 if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def _owner_alive(pid: int, start: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    return start == 0 or _start_time(pid) in (0, start)


def abandoned(parent: Path) -> list[Path]:
    """Work in progress in `parent` (staging folders, plot redraws, staged files) whose negsim
    process is gone: it was killed before it could tidy up."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return []
    found = []
    for entry in entries:
        owner = _OWNED.match(entry.name)
        if not owner or entry.is_symlink():
            continue
        if not _owner_alive(int(owner["pid"]), int(owner["start"])):
            found.append(entry)
    return found


def remove_abandoned(parent: Path) -> None:
    """Remove what `abandoned` finds; never follows a link, never touches a live run's work."""
    for entry in abandoned(parent):
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


def default_folder(name: str, kind: str = "") -> Path:
    """results/<scenario>/<timestamp>[-<kind>], never an existing folder, never outside results/."""
    from sim.scenario.estimates import short_repr
    from sim.scenario.references import NAME_HINT, check_name

    results = Path("results")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{kind}" if kind else "")
    folder = results / name / stamp
    # validation refuses such names (references.check_name); this is the second line of defence
    if check_name(name) is not None or folder.parent.parent != results or ".." in folder.parts:
        raise NegsimError.single(
            "name",
            f"the scenario's name {short_repr(name)} would put results outside {results}/",
            suggestion=f"give the result folder with --out DIR (out= in Python); {NAME_HINT}",
        )
    suffix = 2
    while folder.exists():
        folder = results / name / f"{stamp}-{suffix}"
        suffix += 1
    return folder


@contextlib.contextmanager
def kept_or_scratch(out_dir: Path | None, kind: str) -> Iterator[Path]:
    """`out_dir` when one is given (the folder is kept), else `<temporary>/<kind>` in the
    system's temporary space, removed however the work ends."""
    if out_dir is not None:
        yield out_dir
        return
    with tempfile.TemporaryDirectory(prefix=f"negsim-{kind}-") as scratch:
        yield Path(scratch) / kind
