"""`negsim app [FILE]`: the seminar page, served on this machine."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import click

from sim.commands.common import err, out
from sim.errors import NegsimError
from sim.runner import lifeline
from sim.scenario.loader import load_scenario
from sim.seminar.setup import FILE_ENV

# Solara fetches nothing from the internet with these: its browser assets come from the
# locally installed solara-assets package, and usage statistics are not sent.
OFFLINE = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false", "SOLARA_ASSETS_PROXY": "true"}


@click.command()
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="0: any free port."
)
def app_command(file: Path | None, host: str, port: int) -> None:
    """Start the seminar page: step through one negotiation, compare paths, read the evidence."""
    _check_installed()
    env = {**os.environ, **OFFLINE}
    if file is not None:
        loaded = load_scenario(file)  # a bad file gets its one clear message here, not in the browser
        env[FILE_ENV] = str(loaded.path.resolve())  # a shipped scenario's bare name, found
    from sim.model.warmup import ensure_compiled

    ensure_compiled(err.print)  # before the page opens: its first step must not wait for it
    address = f"http://{'localhost' if host in ('127.0.0.1', 'localhost') else host}:{port}/"
    out.print(f"negsim seminar page: {address}  (Ctrl-C stops it)")
    command = [sys.executable, "-m", "solara", "run", "sim.seminar.page", "--host", host, "--port", str(port)]
    command += ["--production", "--no-open", "--log-level", "warning"]
    try:  # the page server ends with negsim, even when negsim is killed outright
        completed = subprocess.run(command, env=env, check=False, preexec_fn=_server_dies_with(os.getpid()))
    except KeyboardInterrupt:
        return
    if completed.returncode not in (0, -2, 130):
        raise NegsimError.single("negsim app", f"the page server stopped with status {completed.returncode}")


def _server_dies_with(parent: int) -> Callable[[], None]:
    """Runs in the page server's process before Solara starts (the kernel's parent-death signal
    survives the exec)."""
    return functools.partial(lifeline.die_with, parent)


def _check_installed() -> None:
    try:
        import solara  # noqa: F401
        from mesa.visualization import solara_viz  # noqa: F401
    except ImportError:
        raise NegsimError.single(
            "negsim app",
            "needs the page's packages (Solara, Mesa's visualisation), which are not installed",
            suggestion="pip install 'negsim[app]'",
        ) from None
