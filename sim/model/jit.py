"""The compiler for the rules: numba, with an on-disk cache that cannot go stale.

numba caches a compiled function beside the file that defines it and checks only that
file's time stamp; a rule inlined from another file, or the Nash solver it calls, could be
edited without the cache noticing, and a run would use old machine code. So every compiled
function of the model is cached in a folder named after a digest of all the model's source
files (`sim/model/**.py`): after any change there, the code is compiled afresh. The folder
is under the user's cache directory (`$NEGSIM_CACHE_DIR`, else `$XDG_CACHE_HOME/negsim`,
else `~/.cache/negsim`), so it works when the package itself is read-only.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba

MODEL = Path(__file__).resolve().parent


def source_digest() -> str:
    """A digest of every source file of the model (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(MODEL.rglob("*.py")):
        digest.update(path.relative_to(MODEL).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_folder() -> Path:
    """Where this version of the model's compiled code is kept."""
    base = os.environ.get("NEGSIM_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return (root if os.environ.get("NEGSIM_CACHE_DIR") else root / "negsim") / f"numba-{DIGEST}"


DIGEST = source_digest()


def compiled(**options: Any) -> Callable[[Callable], Callable]:
    """`numba.njit(cache=True, **options)`, cached in `cache_folder()`.

    numba picks a function's cache folder when it is decorated, from `numba.config.CACHE_DIR`;
    it is set only for that moment, so other numba code in the process is not affected."""

    def decorate(function: Callable) -> Callable:
        previous = numba.config.CACHE_DIR
        numba.config.CACHE_DIR = str(cache_folder())
        try:
            return numba.njit(cache=True, **options)(function)
        finally:
            numba.config.CACHE_DIR = previous

    return decorate
