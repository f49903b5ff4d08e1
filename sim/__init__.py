"""negsim: a negotiation scenario simulator with evidence-backed actors and mediation paths.

`import sim` gives the Python API (sim/api): `sim.run`, `sim.load`, `sim.model`, ... Its
names are looked up only when first used: the command's entry point imports this package
first and must stay quick (see sim/entry.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what type checkers and editors see; at run time, __getattr__ below
    from sim.api import *  # noqa: F403


def __getattr__(name: str) -> Any:
    """`sim.__version__`, and every name of the API (`sim.run`), imported when first asked for."""
    if name == "__version__":
        from sim.version import __version__

        return __version__
    import sim.api

    if name in sim.api.__all__:
        return getattr(sim.api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    import sim.api

    return sorted([*globals(), "__version__", *sim.api.__all__])
