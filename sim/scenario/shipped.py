"""The scenarios that ship inside the package, so an installed negsim runs without a clone.

The top-level `scenarios/` folder is where they are edited; `sim/scenarios` links to it and the
wheel carries the files themselves (pyproject.toml, package-data). Commands accept a shipped
scenario by its bare name without `.yaml` (`negsim run 2024-12-mediation-paths`), and `negsim examples DIR`
copies them out to be edited.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from importlib.resources import files
from pathlib import Path

from sim.errors import NegsimError
from sim.scenario.suggest import did_you_mean

FLAGSHIP = "2024-12-mediation-paths.yaml"
SUFFIX = ".yaml"
# The shipped files, as pyproject.toml's package-data lists them (tests/test_shipped.py checks
# that the two agree): the runnable scenarios, and the folders their `extends:` paths reach.
PATTERNS = ("*.yaml", "actors/*.yaml", "forecasts/*.yaml")


def shipped_folder() -> Path:
    """The folder of shipped scenarios inside the installed package (in a clone or an editable
    install, the top-level `scenarios/` folder, through the link)."""
    folder = files("sim") / "scenarios"
    if not isinstance(folder, Path):  # a zipped install has no files to read or copy
        raise NegsimError.single(
            str(folder), "the shipped scenarios are not files on disk", suggestion="install negsim with pip"
        )
    return folder


def shipped_names() -> list[str]:
    """The runnable shipped scenario files, the flagship first."""
    names = sorted(path.name for path in shipped_folder().glob(f"*{SUFFIX}") if path.is_file())
    return sorted(names, key=lambda name: name != FLAGSHIP)


def shipped_files() -> list[Path]:
    """Every shipped file, relative to the shipped folder: the scenarios, then what they extend."""
    folder = shipped_folder()
    found = [path for pattern in PATTERNS for path in sorted(folder.glob(pattern)) if path.is_file()]
    relative = [path.relative_to(folder) for path in found]
    return sorted(relative, key=lambda path: (len(path.parts), path.name != FLAGSHIP, path.as_posix()))


def is_bare(file: str | Path) -> bool:
    """Whether `file` is a bare name, with no folder in it (`x.yaml`, not `./x.yaml`)."""
    text = os.fspath(file)
    return bool(text) and os.sep not in text and not (os.altsep and os.altsep in text)


def shipped_name(file: str | Path) -> str | None:
    """The shipped scenario file a bare name without a suffix means (`2024-12-mediation-paths`),
    or None. A name with `.yaml` is a file the user means to be there: a shell or click may have
    dropped its `./`, so it is never taken for a shipped one."""
    if not is_bare(file) or os.fspath(file).endswith(SUFFIX):
        return None
    candidate = os.fspath(file) + SUFFIX
    return candidate if candidate in shipped_names() else None


def resolve(file: str | Path) -> Path:
    """`file` itself when it exists or is not a shipped scenario's bare name; else the shipped
    file it names. A file of that name in the current folder always wins."""
    path = Path(file)
    if os.path.lexists(path):
        return path
    name = shipped_name(file)
    return path if name is None else shipped_folder() / name


def missing_hint(file: str | Path) -> str | None:
    """What to say when a bare name is no file: the nearest shipped name, every shipped name,
    and how to copy them out."""
    if not is_bare(file):
        return None
    names = [name.removesuffix(SUFFIX) for name in shipped_names()]
    near = did_you_mean(os.fspath(file).removesuffix(SUFFIX), names)
    listing = (
        f"shipped scenarios, named without .yaml: {', '.join(names)}; "
        "`negsim examples DIR` copies them to edit"
    )
    return f"{near} {listing}" if near else listing


def copy_examples(destination: Path) -> list[Path]:
    """Copy every shipped file into `destination` (made if needed), keeping `actors/` and
    `forecasts/` beside the scenarios that extend them; return the files written.

    Nothing is written if any of them exists already; the copies are made in a hidden sibling
    folder and moved into place at the end, and any failure or interrupt removes what was moved,
    so `destination` holds either every file or none of them."""
    shipped = shipped_files()
    _refuse_conflicts(destination, shipped)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.examples-", dir=destination.parent))
    except OSError as exc:
        raise _unwritable(destination, exc) from None
    try:
        source = shipped_folder()
        for relative in shipped:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, staging / relative)  # contents only: copies are editable
        if os.path.lexists(destination):
            _move_files(staging, destination, shipped)
        else:  # a new folder appears in one step
            staging.chmod(0o755)  # mkdtemp makes it private; examples are meant to be shared
            staging.rename(destination)
    except OSError as exc:
        raise _unwritable(destination, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [destination / relative for relative in shipped]


def _refuse_conflicts(destination: Path, shipped: list[Path]) -> None:
    """One error naming every file in the way, before anything is written."""
    if os.path.lexists(destination) and not destination.is_dir():
        raise NegsimError.single(str(destination), "is not a folder", suggestion="name a new or empty folder")
    folders = sorted({relative.parent for relative in shipped if relative.parent != Path(".")})
    in_the_way = [
        *(folder for folder in folders if _is_file(destination / folder)),
        *(relative for relative in shipped if os.path.lexists(destination / relative)),
    ]
    if in_the_way:
        more = len(in_the_way) - 5
        named = ", ".join(path.as_posix() for path in in_the_way[:5]) + (
            f" and {more} more" if more > 0 else ""
        )
        raise NegsimError.single(
            str(destination),
            f"already holds {named}; nothing was copied",
            suggestion="choose another folder: negsim never overwrites a file",
        )


def _is_file(path: Path) -> bool:
    """Something other than a folder is at `path`."""
    return os.path.lexists(path) and not path.is_dir()


def _move_files(staging: Path, destination: Path, shipped: list[Path]) -> None:
    """Move each copy into an existing folder; a failure or interrupt takes back every file and
    folder already moved."""
    moved: list[Path] = []
    try:
        for relative in shipped:
            target = destination / relative
            if not target.parent.is_dir():
                target.parent.mkdir()
                moved.append(target.parent)
            if os.path.lexists(target):  # appeared since the check
                raise NegsimError.single(str(target), "appeared while copying; nothing was copied")
            (staging / relative).rename(target)
            moved.append(target)
    except BaseException:
        for path in reversed(moved):
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()
        raise


def _unwritable(destination: Path, exc: OSError) -> NegsimError:
    return NegsimError.single(
        str(destination),
        f"cannot be written: {exc.strerror or exc}",
        suggestion="choose a writable folder",
    )
