"""Bounds on sizes, declared once: the scenario schema, the command-line options and the
commands that read a result folder back (`negsim verify`, `rerun`, `plot`) all check these.

A result folder may come from anyone, so every number and file it records is checked against
them before negsim acts on it.
"""

from __future__ import annotations

# `run.replications` and `run.rounds` in a scenario file, `--runs` and `--rounds` of every command,
# and the replications a sensitivity or discovery design makes per path.
MAX_REPLICATIONS = 10_000_000  # per mediation path
MAX_ROUNDS = 10_000  # months: over 800 years

# JSON files of a result folder (manifest.json, summary.json, scenario.resolved.json). negsim
# writes a few KiB to a few MiB (a manifest lists every file: about 140 bytes each, 60,000 files
# for 10^7 replications per path in default chunks), never anything near these.
MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 100  # nesting of arrays and objects; negsim's deepest files nest about 10

# Whole-number options every command that runs replications takes: the least and most each may
# be. The command line's option types (click.IntRange) and the Python API check these.
MAX_WORKERS = 256  # more local processes than this would exhaust memory long before helping
COUNTS = {"workers": (1, MAX_WORKERS), "seed": (0, None), "chunk_size": (1, None)}
