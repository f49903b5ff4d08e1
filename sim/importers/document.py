"""The scenario files importers write, and how they are written: all at once or not at all.

Every number an importer writes says where it comes from: `{value: 20, data: {source: ktab,
row: 3, column: Policy Position, note: ...}}` for a cell of the data file (`row` is the file's
line, the first line being 1), or `{value: 0.5, assumption: why}` for a number the data do not
give. The files are written into a hidden staging folder, each is loaded and validated as
`negsim validate` would, and only then is the folder renamed into place; on any problem
nothing is left behind.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from sim.errors import NegsimError
from sim.importers.source import plain
from sim.results.folder import atomic_folder
from sim.scenario.loader import load_scenario

REPORT = "import-report.json"
STUBBORNNESS = 0.5
STUBBORNNESS_WHY = "not in the data: an actor half anchored to its stated position"
ROUNDS = 24


class Flow(dict[str, Any]):
    """A mapping written on one line: `{value: 20, data: {source: deu3, row: 3, column: pcom}}`."""


def cited(
    value: float, source: str, row: int, column: str, note: str | None = None, *, fixed: bool = False
) -> Flow:
    """A number read from a cell of a listed data source (`fixed`: drawn with no spread)."""
    data = Flow(source=source, row=row, column=column)
    if note:
        data["note"] = note
    estimate = Flow(value=plain(value))
    if fixed:
        estimate["spread"] = 0
    estimate["data"] = data
    return estimate


def assumed(value: float, why: str) -> Flow:
    return Flow(value=plain(value), assumption=why)


def stubbornness() -> Flow:
    return assumed(STUBBORNNESS, STUBBORNNESS_WHY)


def share_note(raw: str, scale: float) -> str:
    """How a salience cell became a share: '80 of 100, divided by 100', or '0.8, as given'."""
    return f"{raw} of {scale:g}, divided by {scale:g}" if scale != 1 else f"{raw}, a share (0..1) as given"


def general_bargaining() -> dict[str, Any]:
    """The settings every imported case shares: a neutral chair proposes the clout x salience
    weighted compromise, everyone listens to everyone in proportion to clout, and nothing of a
    war (costs, shocks, ceasefires, walkouts, red lines) applies."""
    return {
        "dynamics": Flow(default_affinity=1.0),
        "mechanisms": Flow(costs=False, shocks=False, ceasefire=False, walkout=False, red_lines=False),
        "mediation": Flow(chair=True, proposal="weighted"),
        "run": Flow(rounds=ROUNDS, round_unit="round"),
    }


def nice_scale(values: Sequence[float]) -> tuple[float, float]:
    """The smallest range of round numbers around `values`: 4.2..9.6 -> 4..10, 12..87 -> 10..90."""
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        step = 10.0 ** math.floor(math.log10(abs(low))) if low else 1.0
        return low - step, high + step
    step = 10.0 ** math.floor(math.log10(span))
    return plain(math.floor(low / step) * step), plain(math.ceil(high / step) * step)


@dataclass
class ScenarioFile:
    """One scenario file to write: where in the output folder, its document, where it comes from."""

    path: PurePosixPath
    document: dict[str, Any]
    comment: str
    line: int | None = None  # the data file's line it was made from (for messages)
    notes: list[str] = field(default_factory=list)  # what the report says about it


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # lists indented under their key


def _text(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    """Text of several lines as a `|` block (PyYAML falls back to quotes where a block cannot hold it)."""
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(
    Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
)
_Dumper.add_representer(str, _text)


def to_yaml(file: ScenarioFile) -> str:
    header = "".join(f"# {line}".rstrip() + "\n" for line in file.comment.splitlines())
    body = yaml.dump(
        file.document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
        default_flow_style=False,
    )
    return header + body


def write_files(files: Sequence[ScenarioFile], out: Path, report: dict[str, Any], source: Path) -> list[Path]:
    """Write `files` and the report into the folder `out`, all at once, each file validated;
    return the scenario files' paths.

    `out` must be new, or an empty folder (which is replaced). The files appear together when
    every one of them has been written and loads as `negsim validate` loads it; otherwise none
    does, and the error names the line of `source` the failing file was made from."""
    if os.path.lexists(out):
        if out.is_dir() and not out.is_symlink() and not any(out.iterdir()):
            out.rmdir()  # an empty folder holds nothing to overwrite
        else:
            raise NegsimError.single(
                str(out),
                "already exists; negsim never overwrites an import",
                suggestion="choose another --out folder, or remove this one to import again",
            )
    seen: set[PurePosixPath] = set()
    for file in files:
        if file.path in seen:  # the importers make names unique; this is the last line of defence
            raise NegsimError.single(str(source), f"two scenarios would be written to {file.path}")
        seen.add(file.path)
    with atomic_folder(out) as staging:
        for file in files:
            target = staging.joinpath(*file.path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(to_yaml(file), encoding="utf-8")
        for file in files:
            try:
                load_scenario(staging.joinpath(*file.path.parts))
            except NegsimError as exc:
                first = exc.problems[0]
                raise NegsimError.single(
                    str(source),
                    f"the scenario {file.path} made from "
                    f"{'this line' if file.line else 'this file'} does not validate "
                    f"({first.key_path}: {first.message})",
                    line=file.line,
                    suggestion="the scenario format cannot express this case as imported; "
                    "check the line, or import the other cases without it",
                ) from None
        (staging / REPORT).write_text(
            json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return [out.joinpath(*file.path.parts) for file in files]
