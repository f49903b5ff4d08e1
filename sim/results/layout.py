"""The layout of a result folder: the name of every file negsim writes into one, and what each is.

Every module that writes or reads a result folder takes its names from here, so a file is
named once. What a file is decides how it is treated:

- results (`is_result`): the tables and summary.json; `negsim rerun` compares them with what
  the rerun makes, and the manifest checksums them (as it does every file).
- inputs: scenario.resolved.json, the scenario as it ran; rerun reproduces its digest or
  refuses, so it is never compared as a result.
- the record: manifest.json, who made the folder, when, and the checksum of every other file.
- drawings: everything under plots/, drawn from the results and redrawn by `negsim plot`.

summary.json's schema lives in sim/results/summary_schema.py.

A later negsim may write a file an earlier one did not. manifest.json records the layout a
folder was written with (`LAYOUT`; absent, the first), and `added_since` tells which files a
folder of an older layout cannot have, so a rerun does not take them for differences.
"""

from __future__ import annotations

import urllib.parse

# The record and the input
MANIFEST = "manifest.json"
RESOLVED = "scenario.resolved.json"

# Results of every command
SUMMARY = "summary.json"
REPLICATIONS = "replications"  # streamed table: replications/path=<id>/part-<first replication>.parquet
PARAMETERS = "parameters"  # streamed table, as replications: every sampled parameter of each run
EVENTS = "events"  # streamed table, as replications: each run's timeline (month, kind, issues)
STREAMED = (REPLICATIONS, PARAMETERS, EVENTS)

# Results of `negsim run`
TRAJECTORIES = "trajectories.parquet"  # quantile fans of the first replications' positions

# Results of `negsim sensitivity` and `negsim discover`
DESIGN = "design.parquet"  # every design point: explored values and their place on the unit cube
POINTS = "points.parquet"  # sensitivity: outputs per design point
INDICES = "indices.parquet"  # sensitivity: Sobol' or Morris indices per path and output
PRIM = "prim.parquet"  # discovery: PRIM's peeling trajectory per path
TREES = "trees.parquet"  # discovery: the nodes of each path's CART tree, which its plot is drawn from
TREE_TEXT = "tree-{path}.txt"  # discovery: one path's CART tree as text, to read without negsim

# Results of `negsim backtest`
METRICS = "metrics.csv"  # per model: MAE, RMSE, median error, shares within, difference to the compromise
PREDICTIONS = "predictions.csv"  # per issue and model: predicted and actual outcome
CASES = "cases.csv"  # per issue: its proposal (the bootstrap's cluster) and its scale

# Every table a plot may read, so that one that cannot be read is named (sim/results/stream.py)
TABLES = (REPLICATIONS, PARAMETERS, EVENTS, TRAJECTORIES, DESIGN, POINTS, INDICES, PRIM, TREES)

# Drawings
PLOTS = "plots"  # PNG files, each named by the plot that draws it (sim/plots/draw.py)

# A comparison folder (`negsim compare --out`): results, a drawing and the record
COMPARISON = "comparison.csv"
COMPARISON_PLOT = f"{PLOTS}/comparison.png"

# Layouts: 1, every folder written before layouts were numbered; 2 added trees.parquet;
# 3 added the events table.
LAYOUT = 3
FIRST_LAYOUT = 1
ADDED_IN = {TREES: 2, EVENTS: 3}  # file or streamed table -> the layout that first wrote it


def file_safe(name: str) -> str:
    """A mediation path id as a file or folder name (percent-encoded, as Hive partitions are)."""
    return urllib.parse.quote(name, safe="")


def partition(path_id: str) -> str:
    """The folder of a streamed table that holds one path's rows (a Hive partition)."""
    return f"path={file_safe(path_id)}"


def part(table: str, path_id: str, start: int) -> str:
    """The file of a streamed table that holds one chunk of a path, named by its first
    replication so that the folder reads back in order."""
    return f"{table}/{partition(path_id)}/part-{start:010d}.parquet"


def tree_text(path_id: str) -> str:
    return TREE_TEXT.format(path=file_safe(path_id))


def is_result(name: str) -> bool:
    """Whether the file `name` (relative, with forward slashes) holds results: not the record,
    not the input scenario, not a drawing."""
    return name not in (MANIFEST, RESOLVED) and not name.startswith(f"{PLOTS}/")


def added_since(name: str, layout: int) -> bool:
    """Whether `name` is a file that folders of `layout` do not have: a later negsim added it."""
    return ADDED_IN.get(name.split("/")[0], FIRST_LAYOUT) > layout
