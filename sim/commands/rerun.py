"""`negsim rerun`: repeat the run that made a result folder and confirm it gives the same results.

The run is repeated from the folder itself: scenario.resolved.json holds every mediation path
as it ran (and the explored ranges), manifest.json the command, its options and the seed. If
the resolved copy does not reproduce the recorded digest, the rerun is refused.

A folder may come from anyone, so its files are read as untrusted input: no path the manifest
names is opened (it could name any file on this computer), nothing is read through a link,
and every recorded number is checked with the command line's bounds before any work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import click
from pydantic import ValidationError

from sim.commands.common import out, out_option
from sim.commands.folder_command import FolderCommand
from sim.errors import NegsimError, OptionProblem, printable
from sim.jobs.base import Job, write_folder
from sim.limits import COUNTS, MAX_REPLICATIONS, MAX_ROUNDS
from sim.results import writer
from sim.results.compare import compare_results
from sim.results.folder import check_new_folder, kept_or_scratch
from sim.results.layout import FIRST_LAYOUT, MANIFEST, RESOLVED
from sim.runner.backends import choose_backend
from sim.runner.batch import RunSettings
from sim.runner.chunks import DEFAULT_CHUNK
from sim.scenario.explore import parse_explore
from sim.scenario.loader import LoadedScenario
from sim.scenario.references import check_name
from sim.scenario.schema import Scenario
from sim.scenario.show import shown
from sim.version import __version__

EXIT_DIFFERENT = 3


class ResultsDiffer(NegsimError):
    """The rerun finished but its results are not the recorded ones: exit status 3."""

    exit_code: ClassVar[int] = EXIT_DIFFERENT


@click.command(name="rerun")
@click.argument("result_dir", type=click.Path(path_type=Path))
@out_option("Keep the rerun as a result folder here (default: a temporary folder, removed afterwards).")
@click.option(
    "--workers", type=click.IntRange(*COUNTS["workers"]), help="Local worker processes (default: all cores)."
)
@click.option("--dask", metavar="ADDRESS|local", help="Run on a Dask scheduler, or a LocalCluster.")
@click.option(
    "--chunk-size",
    type=click.IntRange(*COUNTS["chunk_size"]),
    help="Replications per task (default: as recorded).",
)
def rerun_command(
    result_dir: Path, out_dir: Path | None, workers: int | None, dask: str | None, chunk_size: int | None
) -> None:
    """Repeat the run that wrote RESULT_DIR and compare the results: exit 0 when identical,
    3 when they differ, 2 when the folder cannot be rerun."""
    manifest = writer.read_manifest(result_dir)
    command, options = recorded_invocation(result_dir, manifest)
    recorded = recorded_settings(result_dir, manifest)
    layout = _whole_number(result_dir, "layout", manifest.get("layout", FIRST_LAYOUT), FIRST_LAYOUT, None)
    loaded, source = scenario_for_rerun(result_dir, manifest)
    job = planned(result_dir, command, loaded, options, recorded)
    backend = choose_backend(workers, dask)
    chunk_size = chunk_size or options["chunk_size"] or DEFAULT_CHUNK
    if out_dir is not None:
        check_new_folder(out_dir)  # before any work, as every command does
    out.print(
        f"Rerunning `negsim {command.name}` of {shown(str(result_dir))} from {shown(source)}: "
        f"{recorded.replications:,} replications per path, seed {_shown(recorded.seed, grouping='')}, "
        f"{backend.description}",
        soft_wrap=True,
    )
    with kept_or_scratch(out_dir, "rerun") as target:
        plots = out_dir is not None and options["plots"]
        write_folder(target, job, backend, chunk_size, plots, invocation=manifest["invocation"])
        found = compare_results(result_dir, target, manifest["files"], layout)
    for name in found.not_compared:
        out.print(
            f"not compared: {printable(name)} (not written by the negsim that made this folder)",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    versions = other_version(manifest)
    if found.differences:
        for line in found.differences:  # the report itself, every difference, on standard output
            out.print(printable(line), markup=False, highlight=False, soft_wrap=True)
        raise differ(result_dir, out_dir, len(found.differences), versions)
    though = f", though {versions}" if versions else ""
    out.print(
        f"[green]identical[/green]: all {found.compared} data files of {shown(str(result_dir))} "
        f"reproduced{shown(though)}",
        soft_wrap=True,
    )
    if out_dir is not None:
        out.print(f"Results: {out_dir}")


def differ(result_dir: Path, out_dir: Path | None, count: int, versions: str | None) -> ResultsDiffer:
    """The error for a rerun whose results are not the recorded ones. When another version of
    negsim wrote the folder, that is the first suspect (its rules or numbers may have changed
    since), so the message says so before anyone looks for a damaged folder."""
    message = f"the rerun gives different results: {count} difference(s)"
    if versions:
        message += f"; {versions}, so they may come from the change of version (see CHANGELOG.md)"
    kept = f"the rerun is in {out_dir}" if out_dir else "keep the rerun with --out DIR to inspect it"
    return ResultsDiffer.single(
        str(result_dir),
        message,
        suggestion=f"{kept}; `negsim verify {result_dir}` tells if the folder was changed after the run",
    )


MAX_VERSION_CHARS = 64  # a version recorded in a manifest longer than this is not shown


def other_version(manifest: dict[str, Any]) -> str | None:
    """When the manifest records a version X of negsim other than this one, Y: "the folder was
    written by negsim X and this is negsim Y"; None when they are the same or X is not recorded.

    The recorded version is untrusted text: it is shown only if it is a short string, with any
    control character made visible."""
    recorded = manifest.get("negsim_version")
    if not isinstance(recorded, str) or not recorded or len(recorded) > MAX_VERSION_CHARS:
        return None
    if recorded == __version__:
        return None
    return f"the folder was written by negsim {printable(recorded)} and this is negsim {__version__}"


def recorded_invocation(folder: Path, manifest: dict[str, Any]) -> tuple[FolderCommand, dict[str, Any]]:
    """The command that wrote the folder, and its recorded options checked by its own types."""
    invocation = manifest.get("invocation")
    if not isinstance(invocation, dict) or not isinstance(invocation.get("options"), dict):
        command = manifest.get("command")
        words = command if isinstance(command, list) and all(isinstance(w, str) for w in command) else []
        shown = " ".join(words)[:300] or "the command in manifest.json"
        raise NegsimError.single(
            str(folder / MANIFEST),
            "does not record the command's options, so the run cannot be repeated automatically",
            key_path="invocation",
            suggestion=f"it was written by an older negsim; repeat it by hand: {shown}",
        )
    name = invocation.get("command")
    command = folder_command(name) if isinstance(name, str) else None
    if command is None:
        raise NegsimError.single(
            str(folder / MANIFEST),
            f"records the command `{str(name)[:60]}`, which negsim rerun cannot repeat",
            key_path="invocation.command",
            suggestion=f"rerun handles folders of: {', '.join(folder_commands())}",
        )
    return command, checked_options(folder, command, invocation["options"])


def folder_command(name: str) -> FolderCommand | None:
    """The command line's command `name` if it writes result folders (a FolderCommand: that is
    how a command registers with rerun); commands are looked up as the command line does, so
    one is imported only when a folder of it is rerun."""
    ctx = click.get_current_context()
    group = ctx.find_root().command
    if not isinstance(group, click.Group):
        return None
    command = group.get_command(ctx, name)
    return command if isinstance(command, FolderCommand) else None


def folder_commands() -> list[str]:
    """The names of every command whose folders rerun can repeat."""
    ctx = click.get_current_context()
    group = ctx.find_root().command
    names = group.list_commands(ctx) if isinstance(group, click.Group) else []
    return [name for name in names if folder_command(name) is not None]


def checked_options(folder: Path, command: click.Command, recorded: dict[str, Any]) -> dict[str, Any]:
    """The recorded options put through the command's own option types again, so a damaged
    manifest is refused with a message instead of failing halfway through the rerun."""
    ctx = click.Context(command)
    options: dict[str, Any] = {}
    for param in command.params:
        name = param.name or ""
        if name not in recorded:
            raise NegsimError.single(
                str(folder / MANIFEST),
                "required key is missing",
                key_path=f"invocation.options.{name}",
                suggestion="the manifest is damaged; restore the folder from its original copy",
            )
        value = recorded[name]
        counted = isinstance(param.type, click.IntRange)
        high = (param.type.max if counted else None) or OPTION_LIMITS.get(name)
        if high is not None and value is not None:  # counts: checked first, with a plain message
            low = (param.type.min if counted else None) or 0
            _whole_number(folder, f"invocation.options.{name}", value, low, high)
        try:
            options[name] = value if value is None else param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise _refuse(folder, f"invocation.options.{name}", exc.message) from None
    return options


# Bounds on recorded options that their click types leave open: no option may ask for more
# replications or rounds than a run may have (sim/limits.py).
OPTION_LIMITS = {"runs": MAX_REPLICATIONS, "samples": MAX_REPLICATIONS, "rounds": MAX_ROUNDS}


DAMAGED = "the manifest is damaged; restore the folder from its original copy"


def _refuse(folder: Path, key_path: str, message: str) -> NegsimError:
    return NegsimError.single(str(folder / MANIFEST), message, key_path=key_path, suggestion=DAMAGED)


def _whole_number(folder: Path, key_path: str, value: Any, low: int, high: int | None) -> int:
    """A recorded count, within the bounds the command line puts on it."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _refuse(folder, key_path, "expected a whole number")
    if value < low or (high is not None and value > high):
        bounds = f"from {low:,} to {high:,}" if high is not None else f"at least {low:,}"
        raise _refuse(folder, key_path, f"expected a whole number {bounds}, got {_shown(value)}")
    return value


def _shown(value: int, grouping: str = ",") -> str:
    """A recorded number as a message shows it: a number of 4,000 digits by its length."""
    text = f"{value:,}" if grouping else str(value)
    return text if len(text) <= 40 else f"a number of {len(str(abs(value))):,} digits"


def recorded_settings(folder: Path, manifest: dict[str, Any]) -> RunSettings:
    """Replications, rounds and seed as recorded, each within the bounds of the options that set
    them (sim/limits.py), so a manifest cannot start a run no command line could."""
    return RunSettings(
        replications=_whole_number(folder, "replications", manifest.get("replications"), 1, MAX_REPLICATIONS),
        rounds=_whole_number(folder, "rounds", manifest.get("rounds"), 1, MAX_ROUNDS),
        seed=_whole_number(folder, "seed", manifest.get("seed"), 0, None),
    )


def scenario_for_rerun(folder: Path, manifest: dict[str, Any]) -> tuple[LoadedScenario, str]:
    """The scenario exactly as it ran, from the folder's own scenario.resolved.json; refuses
    anything else.

    The manifest's `scenario_file` is only a name recorded in the results (and written into
    the rerun's): it is never opened, since a manifest may name any file on this computer.
    """
    digest = manifest.get("scenario_digest")
    recorded_file = manifest.get("scenario_file")
    if not isinstance(recorded_file, str):
        raise _refuse(folder, "scenario_file", "expected the scenario file's name")
    if not isinstance(digest, str) or not writer.SHA256.fullmatch(digest):
        raise _refuse(folder, "scenario_digest", "expected a SHA-256 hex digest")
    hint = (
        "the folder was changed after the run (`negsim verify` tells how): restore it from its "
        "original copy, or run the scenario afresh with `negsim run`"
    )
    resolved = _from_resolved(folder, Path(recorded_file), hint)
    if resolved.digest() != digest:
        raise NegsimError.single(
            str(folder / RESOLVED),
            f"does not reproduce the scenario digest recorded in {MANIFEST}, so it is not "
            "the scenario that ran",
            suggestion=hint,
        )
    return resolved, RESOLVED


def _from_resolved(folder: Path, original: Path, hint: str) -> LoadedScenario:
    """Rebuild the scenario from scenario.resolved.json (read as untrusted: size, depth, no links)."""
    data = writer.read_json(folder, RESOLVED, hint)
    try:
        variants = {name: Scenario.model_validate(raw) for name, raw in data["paths"].items()}
        explore = data.get("explore")
        space = None if explore is None else parse_explore(explore, {}, RESOLVED, variants)
        name = str(data.get("name") or next(iter(variants.values())).name)
        if check_name(name) is not None:
            raise ValueError(name)
        changes = tuple(str(change) for change in data.get("changes", ()))
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        StopIteration,
        RecursionError,
        ValidationError,
        NegsimError,
    ):
        raise NegsimError.single(
            str(folder / RESOLVED), "does not hold the scenario as negsim writes it", suggestion=hint
        ) from None
    return LoadedScenario(path=original, name=name, variants=variants, explore=space, changes=changes)


def planned(
    folder: Path,
    command: FolderCommand,
    loaded: LoadedScenario,
    options: dict[str, Any],
    recorded: RunSettings,
) -> Job[Any]:
    """The command's plan for the recorded options, before anything is built or run; refused
    unless it makes exactly what the folder says ran (a design is not built to find out: a
    damaged manifest could ask for one of any size)."""
    for option, setting in command.job.DIRECT.items():
        value, ran = options.get(option), getattr(recorded, setting)
        if value is not None and value != ran:
            message = f"is {_shown(value)}, but {_shown(ran)} ran"
            raise _refuse(folder, f"invocation.options.{option}", message)
    try:
        job = command.job.plan(loaded, options)
    except OptionProblem as exc:
        raise _refuse(folder, f"invocation.options.{exc.option}", exc.message) from None
    for setting in ("replications", "rounds", "seed"):
        made, ran = getattr(job.settings, setting), getattr(recorded, setting)
        if made != ran:
            raise _refuse(folder, setting, f"records {_shown(ran)}, but its options make {_shown(made)}")
    return job
