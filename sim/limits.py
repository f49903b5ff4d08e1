"""Bounds on what negsim reads back from a result folder, shared by the commands that read it.

A result folder may come from anyone, so every number and file it records is checked against
these bounds before negsim acts on it (`negsim verify`, `rerun`, `plot`).
"""

from __future__ import annotations

# The limits of `run.replications` and `run.rounds` in a scenario file (sim/scenario/schema.py,
# RunSettings), which `negsim run --runs/--rounds` are checked against too.
MAX_REPLICATIONS = 10_000_000  # per mediation path
MAX_ROUNDS = 10_000  # months: over 800 years

# JSON files of a result folder (manifest.json, summary.json, scenario.resolved.json). negsim
# writes a few KiB to a few MiB (a manifest lists every file: about 140 bytes each, 60,000 files
# for 10^7 replications per path in default chunks), never anything near these.
MAX_JSON_BYTES = 64 * 2**20
MAX_JSON_DEPTH = 100  # nesting of arrays and objects; negsim's deepest files nest about 10
