"""What a result folder holds, and how it is written and read back."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import click
import numpy as np

from sim.errors import NegsimError
from sim.limits import MAX_JSON_BYTES, MAX_JSON_DEPTH
from sim.results.checksums import NotAFile, checksum_folder, is_safe_entry, open_inside
from sim.results.folder import owned_prefix
from sim.results.layout import LAYOUT, MANIFEST, RESOLVED, SUMMARY
from sim.results.summary_schema import Summary, dump, parse
from sim.runner.batch import RunSettings
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import Issue
from sim.version import __version__

SHA256 = re.compile(r"[0-9a-f]{64}")


def scenario_header(loaded: LoadedScenario, settings: RunSettings) -> dict[str, Any]:
    """The header of every summary (sim/results/summary_schema.Header, but its `kind`): what was
    run, with the names plots and tables need."""
    first = next(iter(loaded.variants.values()))
    what_if = loaded.what_if()  # a what-if says so, and what it changed, in every title
    title = first.title or loaded.name
    return {
        "scenario": loaded.name,
        "title": f"{title} — {what_if}" if what_if else title,
        "file": str(loaded.path),
        "rounds": settings.rounds,
        "replications": settings.replications,
        "seed": settings.seed,
        "round_unit": first.round_unit,
        "issues": {k: _issue(v) for k, v in first.issues.items()},
        # every path's actors (a path may add one), in the order they first appear
        "actors": {k: v.name for s in loaded.variants.values() for k, v in s.actors.items()},
        "streams": first.run.streams,  # what keys the random draws; runs with equal keys pair up
        "what_if": what_if or None,
    }


def write_summary(folder: Path, summary: Summary) -> None:
    write_json(folder / SUMMARY, dump(summary))


def _issue(issue: Issue) -> dict[str, Any]:
    """An issue as summaries describe it; its scale only when it has one of its own."""
    described: dict[str, Any] = {"label": issue.label, "low": issue.low, "high": issue.high}
    if issue.scale is not None:
        described["scale"] = [issue.scale.low, issue.scale.high]
        if issue.scale.unit:
            described["unit"] = issue.scale.unit
    return described


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")


def write_resolved(folder: Path, loaded: LoadedScenario) -> None:
    """Every variant exactly as it ran, every distribution spelt out, the explored ranges and
    the digest: enough for `negsim rerun` to repeat the run without the original files."""
    resolved: dict[str, Any] = {
        "digest": loaded.digest(),
        "paths": {name: v.model_dump(mode="json", exclude_none=True) for name, v in loaded.variants.items()},
    }
    if loaded.name != next(iter(loaded.variants.values())).name:  # a data set's cases: its own name
        resolved["name"] = loaded.name
    if loaded.changes:  # what the file set over those it extends: a what-if's titles name them
        resolved["changes"] = list(loaded.changes)
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
    made_from = {
        "scenario_file": str(loaded.path),
        "scenario_digest": loaded.digest(),
        "seed": settings.seed,
        "replications": settings.replications,
        "rounds": settings.rounds,
        "backend": backend,
    }
    write_folder_manifest(folder, made_from, command, started, invocation)


def write_folder_manifest(
    folder: Path,
    made_from: dict[str, Any],
    command: list[str],
    started: dt.datetime,
    invocation: dict[str, Any] | None = None,
) -> None:
    """manifest.json of any folder negsim writes: version, command, what it was made from
    (`made_from`, the command's own keys), times, and the checksum of every other file."""
    files = checksum_folder(folder, skip=[MANIFEST])
    write_json(
        folder / MANIFEST,
        {
            "negsim_version": __version__,
            "python": platform.python_version(),
            "layout": LAYOUT,  # which files the folder has (sim/results/layout.py)
            "command": command,
            **made_from,
            "invocation": invocation if invocation is not None else current_invocation(),
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": files,
        },
    )


def read_json(folder: Path, name: str, hint: str) -> Any:
    """The JSON file `name` of a result folder, read as untrusted input.

    Never through a link and only a regular file (open_inside); refused unread beyond
    MAX_JSON_BYTES, and before parsing when arrays and objects nest deeper than MAX_JSON_DEPTH
    (the parser would recurse that deep). Any problem is one NegsimError with `hint`. A message
    never quotes the file: it may not be what the folder says it is.
    """
    path = folder / name
    try:
        fd = open_inside(folder, name)
    except NotAFile as exc:
        raise NegsimError.single(
            str(path), f"is {exc.kind}; negsim reads only regular files inside the folder", suggestion=hint
        ) from None
    except FileNotFoundError:
        raise NegsimError.single(str(path), "is missing", suggestion=hint) from None
    except OSError as exc:
        raise NegsimError.single(
            str(path), f"cannot be read: {exc.strerror or exc}", suggestion=hint
        ) from None
    with os.fdopen(fd, "rb") as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            data = b"" if size > MAX_JSON_BYTES else handle.read(MAX_JSON_BYTES + 1)
        except OSError as exc:
            raise NegsimError.single(
                str(path), f"cannot be read: {exc.strerror or exc}", suggestion=hint
            ) from None
    if size > MAX_JSON_BYTES or len(data) > MAX_JSON_BYTES:
        raise NegsimError.single(
            str(path),
            f"is larger than {MAX_JSON_BYTES // 2**20} MiB, far more than negsim writes; not read",
            suggestion=hint,
        )
    if json_depth(data) > MAX_JSON_DEPTH:
        raise NegsimError.single(
            str(path),
            f"nests arrays or objects more than {MAX_JSON_DEPTH} deep, far more than negsim writes; not read",
            suggestion=hint,
        )
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise NegsimError.single(str(path), "is not UTF-8 text", suggestion=hint) from None
    except json.JSONDecodeError as exc:
        raise NegsimError.single(
            str(path), f"is not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno, suggestion=hint
        ) from None
    except (ValueError, RecursionError) as exc:  # a number of more than 4,300 digits
        raise NegsimError.single(str(path), f"is not valid JSON: {str(exc)[:120]}", suggestion=hint) from None


# A JSON string (its closing quote optional, so an unterminated one cannot make the search
# start again at every later quote: linear time), and every byte that is not a bracket.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in JSON text, outside strings: a linear scan that
    never recurses, run before json.loads does."""
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    codes = np.frombuffer(brackets, dtype=np.uint8)
    deepest = depth = 0
    for start in range(0, len(codes), 2**20):  # in blocks: memory stays small for any file
        block = codes[start : start + 2**20]
        steps = np.where((block == ord("[")) | (block == ord("{")), 1, -1).astype(np.int32)
        running = np.cumsum(steps, dtype=np.int64) + depth
        deepest, depth = max(deepest, int(running.max())), int(running[-1])
    return deepest


def read_summary(folder: Path) -> Summary:
    """summary.json as its typed model, or one clear message when it is missing, damaged or not
    a summary."""
    hint = f"`negsim verify {folder}` tells what changed"
    return parse(read_json(folder, SUMMARY, hint), str(folder / SUMMARY), hint)


def read_manifest(folder: Path) -> dict[str, Any]:
    """manifest.json of a result folder, checked well enough to verify or rerun the folder."""
    if not folder.is_dir():
        raise NegsimError.single(
            str(folder), "is not a folder", suggestion="give a result folder that negsim wrote"
        )
    path = folder / MANIFEST
    if not os.path.lexists(path):
        raise NegsimError.single(
            str(folder),
            f"has no {MANIFEST}, so there is nothing to check it against",
            suggestion="give a folder that `negsim run`, `sensitivity` or `discover` wrote",
        )
    damaged = "the manifest is damaged or was replaced; restore the folder from its original copy"
    manifest = read_json(folder, MANIFEST, damaged)
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


def with_redrawn_plots(
    manifest: dict[str, Any], drawn: dict[str, str], options: dict[str, Any], command: list[str]
) -> dict[str, Any]:
    """The manifest after `negsim plot`: the checksums of the plot files it drew (`drawn`:
    {name: SHA-256}), everything else as it was, and a note of the redraw (when, with which
    options). Checksums of other files are never touched, so `negsim verify` still finds any
    other change."""
    updated = dict(manifest)
    updated["files"] = dict(sorted({**manifest["files"], **drawn}.items()))
    previous = manifest.get("plots_redrawn")
    updated["plots_redrawn"] = [
        *(previous if isinstance(previous, list) else []),
        {
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "negsim_version": __version__,
            "command": command,
            "options": options,
            "files": sorted(drawn),
        },
    ]
    return updated


def staged_json(path: Path, data: dict[str, Any]) -> Path:
    """`data` written completely (and flushed to disk) into a hidden file beside `path`, to be
    put in its place in one step with os.replace; the file keeps `path`'s permissions."""
    fd, name = tempfile.mkstemp(prefix=owned_prefix(path.name, "staged"), suffix=".tmp", dir=path.parent)
    staged = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(staged, stat.S_IMODE(os.stat(path, follow_symlinks=False).st_mode))
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged
