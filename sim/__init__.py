"""negsim: a negotiation scenario simulator with evidence-backed actors and mediation paths."""


def __getattr__(name: str) -> str:
    """`sim.__version__`, looked up only when asked for: the command's entry point imports this
    package first and must be quick (see sim/entry.py)."""
    if name != "__version__":
        raise AttributeError(name)
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("negsim")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0+unknown"
