"""negsim's version, as installed: result folders and forecast ledgers record it, and
`negsim rerun` compares it with the version that wrote a folder."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def installed_version() -> str:
    """The installed distribution's version; a source tree without installation has none."""
    try:
        return version("negsim")
    except PackageNotFoundError:
        return "0.0.0+unknown"


__version__ = installed_version()
