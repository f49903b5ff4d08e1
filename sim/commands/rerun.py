"""`negsim rerun`: repeat the run that made a result folder and confirm it gives the same results.

The run is repeated from the folder itself: scenario.resolved.json holds every mediation path
as it ran (and the explored ranges), manifest.json the command, its options and the seed. The
original scenario file is used only when the resolved copy cannot reproduce the recorded
digest, and then only if the file's own digest still matches.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import click
from pydantic import ValidationError
from rich.markup import escape

from sim.commands.common import out
from sim.errors import NegsimError
from sim.results import writer
from sim.results.compare import compare_results
from sim.results.folder import atomic_folder, check_new_folder
from sim.runner.backends import Backend, choose_backend
from sim.runner.batch import RunSettings
from sim.runner.chunks import DEFAULT_CHUNK
from sim.scenario.explore import parse_explore
from sim.scenario.loader import LoadedScenario, load_scenario
from sim.scenario.schema import Scenario

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
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Keep the rerun as a result folder here (default: a temporary folder, removed afterwards).",
)
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
    backend = choose_backend(workers, dask)
    chunk_size = chunk_size or options["chunk_size"] or DEFAULT_CHUNK
    if out_dir is not None:
        check_new_folder(out_dir)  # before any work, as every command does
    out.print(
        f"Rerunning `negsim {kind}` of {escape(str(result_dir))} from {escape(source)}: "
        f"{settings.replications:,} replications per path, seed {settings.seed}, {backend.description}",
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
            out.print(line, markup=False, highlight=False, soft_wrap=True)
        kept = f"the rerun is in {out_dir}" if out_dir else "keep the rerun with --out DIR to inspect it"
        raise ResultsDiffer.single(
            str(result_dir),
            f"the rerun gives different results: {len(differences)} difference(s)",
            suggestion=f"{kept}; `negsim verify {result_dir}` tells if the folder was changed after the run",
        )
    out.print(
        f"[green]identical[/green]: all {compared} data files of {escape(str(result_dir))} reproduced",
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
        shown = " ".join(map(str, manifest.get("command", []))) or "the command in manifest.json"
        raise NegsimError.single(
            str(folder / writer.MANIFEST),
            "does not record the command's options, so the run cannot be repeated automatically",
            key_path="invocation",
            suggestion=f"it was written by an older negsim; repeat it by hand: {shown}",
        )
    kind = invocation.get("command")
    if kind not in COMMANDS:
        raise NegsimError.single(
            str(folder / writer.MANIFEST),
            f"records the command `{kind}`, which negsim rerun cannot repeat",
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
        try:
            options[name] = value if value is None else param.type_cast_value(ctx, value)
        except click.BadParameter as exc:
            raise NegsimError.single(
                str(folder / writer.MANIFEST),
                exc.message,
                key_path=f"invocation.options.{name}",
                suggestion="the manifest is damaged; restore the folder from its original copy",
            ) from None
    return options


def recorded_settings(folder: Path, manifest: dict[str, Any]) -> RunSettings:
    values = {key: manifest.get(key) for key in ("replications", "rounds", "seed")}
    bad = [k for k, v in values.items() if not isinstance(v, int) or isinstance(v, bool) or v < 0]
    if bad:
        raise NegsimError.single(
            str(folder / writer.MANIFEST),
            "expected a whole number",
            key_path=bad[0],
            suggestion="the manifest is damaged; restore the folder from its original copy",
        )
    return RunSettings(**values)


def scenario_for_rerun(folder: Path, manifest: dict[str, Any]) -> tuple[LoadedScenario, str]:
    """The scenario exactly as it ran, and where it came from; refuses anything else."""
    digest = manifest.get("scenario_digest")
    original = Path(str(manifest.get("scenario_file", "")))
    resolved = _from_resolved(folder, original)
    if resolved is not None and resolved.digest() == digest:
        return resolved, writer.RESOLVED
    why = f"its {writer.RESOLVED} does not reproduce the scenario digest in {writer.MANIFEST}"
    if not original.is_file():
        raise NegsimError.single(
            str(folder),
            f"cannot be rerun: {why}, and the original scenario file {original} does not exist",
            suggestion="restore the folder from its original copy",
        )
    loaded = load_scenario(original)
    if loaded.digest() != digest:
        raise NegsimError.single(
            str(original),
            f"has changed since {folder} was made (its digest differs from the manifest's), and {why}",
            suggestion="restore the scenario file as it was, or run it afresh with `negsim run`",
        )
    return loaded, str(original)


def _from_resolved(folder: Path, original: Path) -> LoadedScenario | None:
    """Rebuild the scenario from scenario.resolved.json; None when the file is absent or damaged."""
    try:
        data = json.loads((folder / writer.RESOLVED).read_text(encoding="utf-8"))
        variants = {name: Scenario.model_validate(raw) for name, raw in data["paths"].items()}
        explore = data.get("explore")
        space = None if explore is None else parse_explore(explore, {}, writer.RESOLVED, variants)
        name = next(iter(variants.values())).name
    except (
        OSError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        StopIteration,
        ValidationError,
        NegsimError,
    ):
        return None
    return LoadedScenario(path=original, name=name, variants=variants, explore=space)


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


def _check_replications(experiment: Any, settings: RunSettings) -> None:
    """The recorded options must make the design the manifest says ran."""
    if experiment.replications != settings.replications:
        raise NegsimError.single(
            writer.MANIFEST,
            f"records {settings.replications} replications, but its options make {experiment.replications}",
            suggestion="the manifest is damaged; restore the folder from its original copy",
        )


REPEAT = {"run": _repeat_run, "sensitivity": _repeat_sensitivity, "discover": _repeat_discover}
