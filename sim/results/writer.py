"""What a result folder holds, and how it is written and read back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
from pathlib import Path
from typing import Any

from sim import __version__
from sim.runner.batch import RunSettings
from sim.scenario.loader import LoadedScenario

SUMMARY = "summary.json"
MANIFEST = "manifest.json"
RESOLVED = "scenario.resolved.json"


def describe_scenario(loaded: LoadedScenario, settings: RunSettings, kind: str) -> dict[str, Any]:
    """The header of summary.json: what was run, with the names plots and tables need.

    `kind` (run, sensitivity, discovery) tells `negsim plot` which plots the folder has.
    """
    first = next(iter(loaded.variants.values()))
    return {
        "kind": kind,
        "scenario": loaded.name,
        "title": first.title or loaded.name,
        "file": str(loaded.path),
        "rounds": settings.rounds,
        "replications": settings.replications,
        "seed": settings.seed,
        "round_unit": "month",
        "issues": {k: {"label": v.label, "low": v.low, "high": v.high} for k, v in first.issues.items()},
        "actors": {k: v.name for k, v in first.actors.items()},
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_resolved(folder: Path, loaded: LoadedScenario) -> None:
    """Every variant exactly as it ran, every distribution spelt out, plus the digest."""
    write_json(
        folder / RESOLVED,
        {
            "digest": loaded.digest(),
            "paths": {
                name: v.model_dump(mode="json", exclude_none=True) for name, v in loaded.variants.items()
            },
        },
    )


def write_manifest(
    folder: Path,
    loaded: LoadedScenario,
    settings: RunSettings,
    command: list[str],
    started: dt.datetime,
    backend: str,
) -> None:
    """Who made this folder, how, and a checksum of each file in it."""
    files = {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    write_json(
        folder / MANIFEST,
        {
            "negsim_version": __version__,
            "python": platform.python_version(),
            "command": command,
            "scenario_file": str(loaded.path),
            "scenario_digest": loaded.digest(),
            "seed": settings.seed,
            "replications": settings.replications,
            "rounds": settings.rounds,
            "backend": backend,
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": files,
        },
    )


def read_summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
