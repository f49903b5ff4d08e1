"""The `negsim` command's first code: Ctrl-C or SIGTERM while the libraries are still loading.

Importing numpy, pandas and pydantic takes about a second (several under load). A Ctrl-C or a
SIGTERM then would interrupt an import half-way, where a library may swallow it or print
Python's own traceback, or (SIGTERM's default) end negsim without a word. So both are only
noted during the imports, and honoured once they are done, before anything is written.
"""

import signal
import sys

from sim.interrupts import EXIT_INTERRUPTED, EXIT_TERMINATED, INTERRUPTED, TERMINATED

_SAID = {signal.SIGINT: (INTERRUPTED, EXIT_INTERRUPTED), signal.SIGTERM: (TERMINATED, EXIT_TERMINATED)}


def main() -> None:
    pressed: list[int] = []
    for signum in _SAID:
        signal.signal(signum, lambda signum, frame: pressed.append(signum))
    from sim.cli import main_process
    from sim.interrupts import raise_signals_outside_imports

    raise_signals_outside_imports()  # from here on both are raised as exceptions, outside imports
    if pressed:
        message, status = _SAID[signal.Signals(pressed[0])]
        sys.stderr.write(f"{message}\n")
        sys.exit(status)
    main_process()
