"""The `negsim` command's first code: Ctrl-C while the libraries are still loading.

Importing numpy, pandas and pydantic takes about a second. A Ctrl-C then would interrupt an
import half-way, where a library may swallow it or print Python's own traceback. So Ctrl-C is
only noted during the imports, and honoured once they are done, before anything is written.
"""

import signal
import sys

from sim.interrupts import EXIT_INTERRUPTED, INTERRUPTED


def main() -> None:
    pressed: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: pressed.append(signum))
    from sim.cli import main as run_command

    signal.signal(signal.SIGINT, signal.default_int_handler)
    if pressed:
        sys.stderr.write(f"{INTERRUPTED}\n")
        sys.exit(EXIT_INTERRUPTED)
    run_command()
