"""`negsim rerun`: repeat the run that made a result folder and confirm it gives the same results.

The run is repeated from the folder itself: scenario.resolved.json holds every mediation path
as it ran (and the explored ranges), manifest.json the command, its options and the seed. If
the resolved copy does not reproduce the recorded digest, the rerun is refused.

A folder may come from anyone, so its files are read as untrusted input: no path the manifest
names is opened (it could name any file on this computer), nothing is read through a link,
and every recorded number is checked with the command line's bounds before any work.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import click
from pydantic import ValidationError

from sim.commands.common import out, out_option
from sim.errors import NegsimError, printable
from sim.limits import MAX_REPLICATIONS, MAX_ROUNDS
from sim.results import writer
from sim.results.compare import compare_results
from sim.results.folder import atomic_folder, check_new_folder
from sim.runner.backends import Backend, choose_backend
from sim.runner.batch import RunSettings
from sim.runner.chunks import DEFAULT_CHUNK
from sim.scenario.explore import parse_explore
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import Scenario
from sim.scenario.show import shown

EXIT_DIFFERENT = 3
COMMANDS = {  # the commands whose folders can be rerun, imported only when needed
    "run": "sim.commands.run:run",
    "sensitivity": "sim.commands.sensitivity:sensitivity_command",
    "discover": "sim.commands.discover:discover_command",
}


class ResultsDiffer(NegsimError):
    """The rerun finished but its results are not the recorded ones: exit status 3."""

    exit_code: ClassVar[int] = EXIT_DIFFERENT


@click.command(name="rerun")
@click.argument("result_dir", type=click.Path(path_type=Path))
@out_option("Keep the rerun as a result folder here (default: a temporary folder, removed afterwards).")
@click.option("--workers", type=click.IntRange(min=1), help="Local worker processes (default: all cores).")
@click.option("--dask", metavar="ADDRESS|local", help="Run on a Dask scheduler, or a LocalCluster.")
@click.option(
    "--chunk-size", type=click.IntRange(min=1), help="Replications per task (default: as recorded)."
)
def rerun_command(
    result_dir: Path, out_dir: Path | None, workers: int | None, dask: str | None, chunk_size: int | None
) -> None:
    """Repeat the run that wrote RESULT_DIR and compare the results: exit 0 when identical,
    3 when they differ, 2 when the folder cannot be rerun."""
    manifest = writer.read_manifest(result_dir)
    kind, options = recorded_invocation(result_dir, manifest)
    settings = recorded_settings(result_dir, manifest)
    loaded, source = scenario_for_rerun(result_dir, manifest)
    check_design(result_dir, kind, loaded, settings, options)
    backend = choose_backend(workers, dask)
    chunk_size = chunk_size or options["chunk_size"] or DEFAULT_CHUNK
    if out_dir is not None:
        check_new_folder(out_dir)  # before any work, as every command does
    out.print(
        f"Rerunning `negsim {kind}` of {shown(str(result_dir))} from {shown(source)}: "
        f"{settings.replications:,} replications per path, seed {_shown(settings.seed, grouping='')}, "
        f"{backend.description}",
        soft_wrap=True,
    )
    with _rerun_folder(out_dir) as target:
        started = dt.datetime.now(dt.UTC)
        with atomic_folder(target) as staging:
            REPEAT[kind](loaded, settings, options, staging, backend, chunk_size)
            writer.write_resolved(staging, loaded)
            if out_dir is not None and options.get("plots", True):
                from sim.plots.draw import draw_all

                draw_all(staging)
            command = ["negsim", *sys.argv[1:]]
            invocation = manifest["invocation"]
            writer.write_manifest(
                staging, loaded, settings, command, started, backend.description, invocation
            )
        differences, compared = compare_results(result_dir, target, manifest["files"])
    if differences:
        for line in differences:  # the report itself, every difference, on standard output
            out.print(printable(line), markup=False, highlight=False, soft_wrap=True)
        kept = f"the rerun is in {out_dir}" if out_dir else "keep the rerun with --out DIR to inspect it"
        raise ResultsDiffer.single(
            str(result_dir),
            f"the rerun gives different results: {len(differences)} difference(s)",
            suggestion=f"{kept}; `negsim verify {result_dir}` tells if the folder was changed after the run",
        )
    out.print(
        f"[green]identical[/green]: all {compared} data files of {shown(str(result_dir))} reproduced",
        soft_wrap=True,
    )
    if out_dir is not None:
        out.print(f"Results: {out_dir}")


@contextlib.contextmanager
def _rerun_folder(out_dir: Path | None) -> Iterator[Path]:
    """`--out`, or a folder in the system's temporary space that is removed afterwards."""
    if out_dir is not None:
        yield out_dir
        return
    with tempfile.TemporaryDirectory(prefix="negsim-rerun-") as scratch:
        yield Path(scratch) / "rerun"


def recorded_invocation(folder: Path, manifest: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    invocation = manifest.get("invocation")
    if not isinstance(invocation, dict) or not isinstance(invocation.get("options"), dict):
        command = manifest.get("command")
        words = command if isinstance(command, list) and all(isinstance(w, str) for w in command) else []
        shown = " ".join(words)[:300] or "the command in manifest.json"
        raise NegsimError.single(
            str(folder / writer.MANIFEST),
            "does not record the command's options, so the run cannot be repeated automatically",
            key_path="invocation",
            suggestion=f"it was written by an older negsim; repeat it by hand: {shown}",
        )
    kind = invocation.get("command")
    if not isinstance(kind, str) or kind not in COMMANDS:
        raise NegsimError.single(
            str(folder / writer.MANIFEST),
            f"records the command `{str(kind)[:60]}`, which negsim rerun cannot repeat",
            key_path="invocation.command",
            suggestion=f"rerun handles folders of: {', '.join(COMMANDS)}",
        )
    return kind, checked_options(folder, kind, invocation["options"])


def checked_options(folder: Path, kind: str, recorded: dict[str, Any]) -> dict[str, Any]:
    """The recorded options put through the command's own option types again, so a damaged
    manifest is refused with a message instead of failing halfway through the rerun."""
    module, attribute = COMMANDS[kind].split(":")
    command: click.Command = getattr(importlib.import_module(module), attribute)
    ctx = click.Context(command)
    options: dict[str, Any] = {}
    for param in command.params:
        name = param.name or ""
        if name not in recorded:
            raise NegsimError.single(
                str(folder / writer.MANIFEST),
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
    return NegsimError.single(str(folder / writer.MANIFEST), message, key_path=key_path, suggestion=DAMAGED)


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
            str(folder / writer.RESOLVED),
            f"does not reproduce the scenario digest recorded in {writer.MANIFEST}, so it is not "
            "the scenario that ran",
            suggestion=hint,
        )
    return resolved, writer.RESOLVED


def _from_resolved(folder: Path, original: Path, hint: str) -> LoadedScenario:
    """Rebuild the scenario from scenario.resolved.json (read as untrusted: size, depth, no links)."""
    data = writer.read_json(folder, writer.RESOLVED, hint)
    try:
        variants = {name: Scenario.model_validate(raw) for name, raw in data["paths"].items()}
        explore = data.get("explore")
        space = None if explore is None else parse_explore(explore, {}, writer.RESOLVED, variants)
        name = next(iter(variants.values())).name
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
            str(folder / writer.RESOLVED), "does not hold the scenario as negsim writes it", suggestion=hint
        ) from None
    return LoadedScenario(path=original, name=name, variants=variants, explore=space, changes=changes)


def _repeat_run(
    loaded: LoadedScenario,
    settings: RunSettings,
    options: dict[str, Any],
    staging: Path,
    backend: Backend,
    chunk_size: int,
) -> None:
    from sim.commands.run import run_all

    summary = run_all(loaded, settings, staging, backend, chunk_size)
    writer.write_json(staging / writer.SUMMARY, summary)


def _repeat_sensitivity(
    loaded: LoadedScenario,
    settings: RunSettings,
    options: dict[str, Any],
    staging: Path,
    backend: Backend,
    chunk_size: int,
) -> None:
    from sim.commands.sensitivity import design, explored_space, write_analysis

    chosen = list(options.get("paths") or loaded.variants)
    experiment = design(
        explored_space(loaded), options["method"], options["samples"], options["runs"], settings.seed
    )
    _check_replications(experiment, settings)
    write_analysis(loaded, experiment, chosen, settings, staging, backend, chunk_size)


def _repeat_discover(
    loaded: LoadedScenario,
    settings: RunSettings,
    options: dict[str, Any],
    staging: Path,
    backend: Backend,
    chunk_size: int,
) -> None:
    from sim.commands.discover import Target, discovery_design, write_discovery
    from sim.commands.sensitivity import explored_space

    chosen = list(options.get("paths") or loaded.variants)
    experiment = discovery_design(explored_space(loaded), options["samples"], options["runs"], settings.seed)
    _check_replications(experiment, settings)
    target = Target(options["outcome"], options["min_coverage"])
    write_discovery(loaded, experiment, chosen, target, settings, staging, backend, chunk_size)


def check_design(
    folder: Path, kind: str, loaded: LoadedScenario, settings: RunSettings, options: dict[str, Any]
) -> None:
    """Before anything is drawn or run: the recorded paths exist, and the recorded options make
    exactly the recorded number of replications (a design is not built to find out: a damaged
    manifest could ask for one of any size)."""
    for name in options.get("paths") or ():
        if name not in loaded.variants:
            raise _refuse(
                folder, "invocation.options.paths", f"no mediation path `{str(name)[:80]}` in the scenario"
            )
    if kind == "run":
        for option, recorded in (("runs", settings.replications), ("rounds", settings.rounds)):
            if options.get(option) not in (None, recorded):
                raise _refuse(
                    folder, f"invocation.options.{option}", f"is {options[option]:,}, but {recorded:,} ran"
                )
        return
    from sim.commands.sensitivity import explored_space

    columns = len(explored_space(loaded).names) + 1  # and the noise-floor dummy of a sensitivity design
    samples, runs = options["samples"], options["runs"]
    if kind == "discover":
        points = samples
    elif options["method"] == "sobol":
        samples = samples or 256
        if samples & (samples - 1):
            raise _refuse(
                folder, "invocation.options.samples", f"Sobol' designs need a power of 2, got {samples:,}"
            )
        points = samples * (columns + 2)
    else:
        points = (samples or 20) * (columns + 1)
    if points * runs != settings.replications:
        raise _refuse(
            folder,
            "replications",
            f"records {settings.replications:,} replications, but its options make {points * runs:,}",
        )


def _check_replications(experiment: Any, settings: RunSettings) -> None:
    """The recorded options must make the design the manifest says ran."""
    if experiment.replications != settings.replications:
        raise NegsimError.single(
            writer.MANIFEST,
            f"records {settings.replications} replications, but its options make {experiment.replications}",
            suggestion="the manifest is damaged; restore the folder from its original copy",
        )


REPEAT = {"run": _repeat_run, "sensitivity": _repeat_sensitivity, "discover": _repeat_discover}
