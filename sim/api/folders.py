"""How the API performs a job into a result folder, as the command would: the same plan, the
same folder, and a manifest that records the equivalent `negsim` command and its options, so
`negsim rerun` and `negsim verify` treat a folder made from Python like any other."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sim.errors import NegsimError, OptionProblem
from sim.jobs.base import Job, Performed, invocation, perform
from sim.limits import COUNTS
from sim.runner.backends import choose_backend
from sim.runner.chunks import DEFAULT_CHUNK

# Options whose flag is not their name (the command's `--out` is `out_dir`, `--path` is `paths`)
FLAGS = {"out_dir": "out", "paths": "path"}


def performed(
    command: str, job_type: type[Job[Any]], options: Mapping[str, Any], folder_suffix: str = ""
) -> Performed[Any]:
    """Perform `job_type` with `options` (the command's parameters, by their names); an option
    that cannot be followed is refused naming its keyword argument."""
    chunk_size = options["chunk_size"] if options.get("chunk_size") is not None else DEFAULT_CHUNK
    out_dir = Path(options["out_dir"]) if options.get("out_dir") is not None else None
    recorded = {**options, "out_dir": out_dir, "chunk_size": chunk_size}
    with keywords():
        check_counts(recorded)
        return perform(
            job_type,
            options["file"],
            recorded,
            out_dir=out_dir,
            folder_suffix=folder_suffix,
            backend=choose_backend(options.get("workers"), options.get("dask")),
            chunk_size=chunk_size,
            plots=bool(options.get("plots")),
            invocation=invocation(command, recorded),
            command=command_line(command, recorded),
        )


def check_counts(options: Mapping[str, Any]) -> None:
    """What the command line's option types refuse before a command runs, refused for callers
    from Python: a worker count, seed or chunk size that is not a whole number within its
    bounds (sim/limits.py)."""
    for name, (least, most) in COUNTS.items():
        value = options.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise OptionProblem(name, f"must be a whole number, got {value!r}")
        if value < least or (most is not None and value > most):
            bounds = f"at least {least}" if most is None else f"from {least} to {most}"
            raise OptionProblem(name, f"must be {bounds}, got {value}")


def command_line(command: str, options: Mapping[str, Any]) -> list[str]:
    """The `negsim` command line that gives a command these options (None: not given)."""
    words = ["negsim", command, str(options["file"])]
    for name, value in options.items():
        flag = "--" + FLAGS.get(name, name).replace("_", "-")
        if name == "file" or value is None:
            continue
        if isinstance(value, bool):
            words.append(flag if value else f"--no-{flag[2:]}")
        elif isinstance(value, list | tuple):
            for item in value:
                words += [flag, str(item)]
        else:
            words += [flag, str(value)]
    return words


@contextlib.contextmanager
def keywords() -> Iterator[None]:
    """An option that cannot be followed, as one error naming its keyword argument (`runs=`)."""
    try:
        yield
    except OptionProblem as exc:
        key = "out" if exc.option == "out_dir" else exc.option
        raise NegsimError.single(f"{key}=", exc.message, suggestion=exc.suggestion) from None
