"""What a result folder holds, and how it is written and read back."""

from __future__ import annotations

import datetime as dt
import json
import platform
import re
from pathlib import Path
from typing import Any

import click

from sim import __version__
from sim.errors import NegsimError
from sim.results.checksums import checksum_folder, is_safe_entry
from sim.runner.batch import RunSettings
from sim.scenario.loader import LoadedScenario

SUMMARY = "summary.json"
MANIFEST = "manifest.json"
RESOLVED = "scenario.resolved.json"
SHA256 = re.compile(r"[0-9a-f]{64}")


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
    """Every variant exactly as it ran, every distribution spelt out, the explored ranges and
    the digest: enough for `negsim rerun` to repeat the run without the original files."""
    resolved: dict[str, Any] = {
        "digest": loaded.digest(),
        "paths": {name: v.model_dump(mode="json", exclude_none=True) for name, v in loaded.variants.items()},
    }
    if loaded.explore is not None:
        resolved["explore"] = {
            u.name: u.range.model_dump(mode="json", exclude_none=True) for u in loaded.explore.uncertainties
        }
    write_json(folder / RESOLVED, resolved)


def current_invocation() -> dict[str, Any] | None:
    """The running subcommand and every option click parsed for it, defaults included, so
    `negsim rerun` can repeat it; None outside the command line."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or ctx.command.name is None:
        return None
    return {"command": ctx.command.name, "options": {k: _plain(v) for k, v in ctx.params.items()}}


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def write_manifest(
    folder: Path,
    loaded: LoadedScenario,
    settings: RunSettings,
    command: list[str],
    started: dt.datetime,
    backend: str,
    invocation: dict[str, Any] | None = None,
) -> None:
    """Who made this folder, how (`invocation`: by default the running command and its
    options), and a checksum of each file in it."""
    files = checksum_folder(folder, skip=[MANIFEST])
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
            "invocation": invocation if invocation is not None else current_invocation(),
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": files,
        },
    )


def read_summary(folder: Path) -> dict[str, Any]:
    """summary.json, or one clear message when it is damaged."""
    path = folder / SUMMARY
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NegsimError.single(
            str(path), f"is not valid JSON ({exc})", suggestion=f"`negsim verify {folder}` tells what changed"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
        raise NegsimError.single(
            str(path), "is not a negsim summary (no `paths`)", suggestion=f"`negsim verify {folder}`"
        )
    return data


def read_manifest(folder: Path) -> dict[str, Any]:
    """manifest.json of a result folder, checked well enough to verify or rerun the folder."""
    if not folder.is_dir():
        raise NegsimError.single(
            str(folder), "is not a folder", suggestion="give a result folder that negsim wrote"
        )
    path = folder / MANIFEST
    if not path.is_file():
        raise NegsimError.single(
            str(folder),
            f"has no {MANIFEST}, so there is nothing to check it against",
            suggestion="give a folder that `negsim run`, `sensitivity` or `discover` wrote",
        )
    damaged = "the manifest is damaged; restore the folder from its original copy"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise NegsimError.single(
            str(path), f"is not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno, suggestion=damaged
        ) from None
    except UnicodeDecodeError:
        raise NegsimError.single(str(path), "is not UTF-8 text", suggestion=damaged) from None
    except OSError as exc:
        raise NegsimError.single(str(path), f"cannot be read: {exc.strerror}") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and SHA256.fullmatch(v) for k, v in files.items()
    ):
        raise NegsimError.single(
            str(path),
            "has no valid checksums",
            key_path="files",
            suggestion=f"expected a mapping from file names to SHA-256 hex digests; {damaged}",
        )
    outside = [name for name in files if not is_safe_entry(name)]
    if outside:
        raise NegsimError.single(
            str(path),
            f"lists `{outside[0]}`, which is not a file inside the folder",
            key_path="files",
            suggestion=damaged,
        )
    return manifest
