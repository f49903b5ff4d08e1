"""Every broken scenario gets one clear message and exit status 2, never a traceback.

The shipped scenarios are copied into a fresh folder per case and broken in one way: a wrong
type, a missing or misspelt key, a number out of range, a bad distribution, an `extends:`
cycle or a missing parent, a duplicate key, a number written in a form YAML 1.1 misreads
(`0_5`, `0x1`, `1:30`, `1e3`) or a boolean in its place, a tab, bytes that are not UTF-8, an
empty or truncated file, a folder where a file should be, flipped bytes, a bad `explore:` entry
or variant. `negsim validate` and `negsim run` are then called through `sim.cli.main`, as the
installed command calls it. A mutation that leaves the file valid is allowed to succeed, but
only if `load_scenario` agrees that it is valid.

Generated cases (fixed by `derandomize=True`): 850 through `validate` and 180 through `run`,
1,030 in all, plus 17 run as real processes.
"""

from __future__ import annotations

import contextlib
import copy
import random
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import NegsimError
from sim.scenario.loader import load_scenario
from tests import processes
from tests.conftest import SCENARIOS, negsim_main

T = TypeVar("T")
VALIDATE_CASES = 850
RUN_CASES = 180
RUN_OPTIONS = ["--runs", "2", "--rounds", "2", "--no-plots", "--workers", "1"]

CHAINS = {  # the file given to negsim first, then the files it extends
    "2024-12": ("2024-12-mediation-paths.yaml", "actors/2024-12.yaml", "actors/_common.yaml"),
    "2023-04": ("2023-04-mediation-paths.yaml", "actors/2023-04.yaml", "actors/_common.yaml"),
}
ORIGINAL = {name: (SCENARIOS / name).read_bytes() for chain in CHAINS.values() for name in chain}
DATA = {name: yaml.safe_load(text) for name, text in ORIGINAL.items()}
DIRECTORY = b"<a directory>"  # a write that replaces the file with a folder of the same name

WRONG_VALUES: list[Any] = [
    "high",
    "",
    "x" * 300,
    [],
    [0.5, 0.6],
    {},
    {"value": "high"},
    None,
    True,
    -1,
    1.5,
    10**30,
    float("nan"),
    float("inf"),
    "0.5",
    "1e3",
    "0o17",
    {"nested": {"deeper": [1, {"x": None}]}},
]
OUT_OF_RANGE = [-0.5, -1e-9, 1.0000001, 1.5, 7, -3, 1e9, 10_001, 0, -(10**20)]
BAD_DISTRIBUTIONS: list[dict[str, Any]] = [
    {"dist": "normal", "mean": 0.5},
    {"dist": "normal", "sd": 0.1},
    {"dist": "normal", "mean": 0.5, "sd": -0.1},
    {"dist": "normal", "mean": 2.0, "sd": 0.1},
    {"dist": "normal", "mean": "half", "sd": 0.1},
    {"dist": "uniform", "low": 0.8, "high": 0.2},
    {"dist": "uniform", "low": 0.1},
    {"dist": "uniform", "low": -0.5, "high": 0.5},
    {"dist": "uniform", "low": 0.1, "high": 0.3, "sd": 0.1},
    {"dist": "beta", "a": 0, "b": 1},
    {"dist": "beta", "a": 2},
    {"dist": "beta", "a": -1, "b": 2},
    {"dist": "triangular", "low": 0.2, "mode": 0.9, "high": 0.5},
    {"dist": "triangular", "low": 0.2, "high": 0.5},
    {"dist": "gamma", "shape": 2},
    {"dist": "Normal", "mean": 0.5, "sd": 0.1},
    {"dist": ["normal"], "mean": 0.5, "sd": 0.1},
    {"value": 0.5, "dist": "uniform", "low": 0, "high": 1},
    {"value": 0.5, "spread": -0.1},
    {"value": 0.5, "evidence": {"source": "nosuch-2024", "quote": "q"}},
    {"value": 0.5, "evidence": {"source": "scmp-2024-12"}},
    {"value": 0.5, "evidence": "a quote"},
    {"value": 0.5, "inferred": "x", "assumption": "y"},
    {"value": 0.5, "asumption": "typo"},
    {"inferred": "no value at all"},
    {"value": float("nan")},
    {"dist": "normal", "mean": 0.5, "sd": float("inf")},
]
BAD_EXPLORE: list[tuple[str, Any]] = [
    ("actors.russia.cost_of_wra", [0.002, 0.015]),
    ("actors.nosuch.clout", [0.1, 0.2]),
    ("actors.russia.clout", [0.8, 0.2]),
    ("actors.russia.clout", [0.5, 0.5]),
    ("actors.russia.clout", [-0.5, 0.5]),
    ("actors.russia.clout", [0.1, 1.5]),
    ("actors.russia.clout", ["low", "high"]),
    ("actors.russia.clout", [0.1, 0.2, 0.3]),
    ("actors.russia.clout", 0.5),
    ("actors.russia.clout", None),
    ("actors.russia.clout", {"low": 0.1}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "dist": "triangular"}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "dist": "triangular", "mode": 0.9}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "dist": "normal", "mean": 0.3}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "dist": "normal", "mean": 0.3, "sd": 0}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "dist": "normal", "mean": 0.9, "sd": 0.1}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "dist": "beta"}),
    ("actors.russia.clout", {"low": 0.1, "high": 0.5, "hihg": 0.6}),
    ("actors.russia.clout", {"low": 0.1, "high": float("nan")}),
    ("actors.russia.cost_of_war", [0.0, float("inf")]),
    ("variants.nosuch.mediation.bias", [0, 0.5]),
    ("variants.", [0, 0.5]),
    ("variants.china_mediates", [0, 0.5]),
    ("variants.china_mediates.mediation.bais", [0, 0.5]),
    ("", [0, 0.5]),
    ("dynamics.patience", [1, 20]),
]
BAD_VARIANT_EDITS: list[dict[str, Any]] = [
    {"run": {"replications": 5}},
    {"name": "renamed"},
    {"mediation": {"style": "manipulativ", "mediators": ["china"]}},
    {"mediation": {"style": "formulative", "mediators": ["chna"]}},
    {"mediation": {"style": "formulative", "mediators": []}},
    {"mediation": {"style": "none", "mediators": ["china"]}},
    {"mediation": {"pressing": ["nobody"]}},
    {"mediation": {"absent": ["ukraine", "russia"]}},
    {"mediation": {"mediators": "china", "style": "formulative"}},
    {"mediation": {"proposal": "fair"}},
    {"mediation": {"bias": 1.5}},
    {"mediation": {"ceasefire_first": "maybe"}},
    {"mediation": ["china"]},
    {"mediaton": {"style": "none"}},
    {"actors": {"russia": {"clout": 2}}},
    {"actors": {"russia": {"stubborness": 0.3}}},
    {"actors": {"russia": {"trust": {"russia": 0.5}}}},
    {"actors": {"russia": {"trust": {"ukrain": 0.5}}}},
    {"actors": {"newcomer": {"name": "Newcomer", "role": "party"}}},
    {"actors": {"newcomer": {"name": "Newcomer", "role": "spoiler"}}},
    {"actors": None},
    {"actors": ["russia"]},
    {"status_quo": {"territory": 1.2}},
    {"status_quo": {"territry": 0.2}},
    {"mechanisms": {"costs": "maybe"}},
    {"mechanisms": {"cost": False}},
    {"dynamics": {"patience": 0}},
    {"dynamics": {"patience": 2.5}},
    {"dynamics": {"influence_rate": -0.1}},
    {"mediation": {"style": "formulative", "mediators": ["china", "china"]}},
    {"mediation": {"pressing": ["china", "china"]}},
    {"mechanisms": {"costs": 1}},
]


class Picker:
    """The choices a mutation makes: from Hypothesis (shrinkable) or from a seeded generator."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any] | None = None, seed: int = 0):
        self.draw = draw
        self.rng = random.Random(seed)

    def choice(self, options: Sequence[T]) -> T:
        if self.draw is not None:
            return options[self.draw(st.integers(0, len(options) - 1))]
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high)) if self.draw is not None else self.rng.randint(low, high)


@dataclass(frozen=True)
class Case:
    """One broken input: what to write over the shipped files, and what the message must show."""

    kind: str
    entry: str  # the file given to negsim
    target: str  # the file broken
    writes: tuple[tuple[str, bytes | None], ...]  # new contents; None deletes the file
    has_line: bool = True  # the problem has a place in a file: the message shows file:line:col
    names_target: bool = False  # the problem is in the broken file itself, which must be named


# --- mutations ------------------------------------------------------------------------------


def _dump(data: Any) -> bytes:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096).encode()


def _walk(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _parent(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _is_estimate(value: Any) -> bool:
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    return numeric or (isinstance(value, dict) and ("value" in value or "dist" in value))


def _typo(word: str, pick: Picker) -> str:
    i = pick.integer(0, max(len(word) - 2, 0))
    how = pick.choice(["swap", "drop", "double", "upper", "suffix"])
    if how == "swap" and len(word) > 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == "drop" and len(word) > 1:
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[: i + 1] + word[i] + word[i + 1 :]
    if how == "upper":
        return word.upper() if word != word.upper() else word + "x"
    return word + "_"


def data_case(kind: str, pick: Picker, entry: str, target: str) -> Case:
    """A mutation of the parsed file, written back as YAML."""
    data = copy.deepcopy(DATA[target])
    nodes = [(p, v) for p, v in _walk(data) if p]
    keys = [p for p, _ in nodes if isinstance(p[-1], str)]
    if kind == "wrong_type":
        path, _ = pick.choice(nodes)
        _parent(data, path)[path[-1]] = copy.deepcopy(pick.choice(WRONG_VALUES))
    elif kind in ("out_of_range", "bad_distribution"):
        estimates = [p for p, v in nodes if _is_estimate(v) and p[0] != "run"] or keys
        path = pick.choice(estimates)
        if kind == "out_of_range":
            new: Any = pick.choice(OUT_OF_RANGE)
            old = _parent(data, path)[path[-1]]
            if isinstance(old, dict) and "value" in old:
                new = {**old, "value": new}
        else:
            new = copy.deepcopy(pick.choice(BAD_DISTRIBUTIONS))
        _parent(data, path)[path[-1]] = new
    elif kind == "missing_key":
        path = pick.choice(keys)
        del _parent(data, path)[path[-1]]
    elif kind == "misspelt_key":
        path = pick.choice(keys)
        parent = _parent(data, path)
        typo = _typo(path[-1], pick)
        if typo not in parent:
            parent[typo] = parent.pop(path[-1])
    elif kind == "unknown_key":
        mappings = [p for p, v in _walk(data) if isinstance(v, dict)]
        holder = data
        for part in pick.choice(mappings):
            holder = holder[part]
        holder.setdefault(
            pick.choice(["colour", "stubborness", "mediaton", "Actors", "x"]), pick.choice([1, "x", {}])
        )
    elif kind == "bad_explore":
        target = entry
        data = copy.deepcopy(DATA[entry])
        name, spec = pick.choice(BAD_EXPLORE)
        data.setdefault("explore", {})[name] = copy.deepcopy(spec)
    elif kind == "bad_variant":
        target = entry
        data = copy.deepcopy(DATA[entry])
        variants = data.setdefault("variants", {})
        name = pick.choice([*variants, "new_path"])
        edit = copy.deepcopy(pick.choice(BAD_VARIANT_EDITS))
        variants[name] = {**(variants.get(name) or {}), **edit}
    return Case(kind, entry, target, ((target, _dump(data)),))


def extends_case(kind: str, pick: Picker, entry: str, target: str) -> Case:
    """A cycle in `extends:`, or a parent that is missing."""
    chain = next(c for c in CHAINS.values() if c[0] == entry)
    if kind == "cycle":
        back = {
            chain[0]: chain[0],
            chain[1]: pick.choice([f"../{chain[0]}", chain[1].split("/")[-1]]),
            chain[2]: pick.choice([f"../{chain[0]}", chain[1].split("/")[-1], chain[2].split("/")[-1]]),
        }[target]
        data = {"extends": back, **{k: v for k, v in DATA[target].items() if k != "extends"}}
        return Case(kind, entry, target, ((target, _dump(data)),))
    child = pick.choice(chain[:2])
    if pick.choice([True, False]):  # the parent named by `child` is deleted
        parent = chain[chain.index(child) + 1]
        return Case(kind, entry, parent, ((parent, None),))
    data = dict(DATA[child])
    data["extends"] = pick.choice(
        ["nowhere.yaml", "actors/2024-21.yaml", "../scenarios/x.yaml", "actors", ""]
    )
    return Case(kind, entry, child, ((child, _dump(data)),))


_KEY_LINE = re.compile(rb"^ *[A-Za-z_][\w-]*:( |$)")
_NUMBER = re.compile(rb"(?<=[:,{\[] )-?[0-9]+(\.[0-9]+)?(?=[,}\] ]|$)")
# numbers YAML 1.1 reads in surprising ways (or as text), and booleans where a number belongs
ODD_NUMBERS = [b"0_5", b"0x1", b"017", b"1:30", b"0b1", b"1_000.5", b"1e3", b"true", b"yes", b"'0.5'"]


def text_case(kind: str, pick: Picker, entry: str, target: str) -> Case:
    """A mutation of the file's bytes."""
    text = ORIGINAL[target]
    lines = text.split(b"\n")
    names_target, has_line = True, True
    if kind == "duplicate_key":
        candidates = [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]
        i = pick.choice(candidates)
        lines.insert(i + 1, lines[i])
        new = b"\n".join(lines)
    elif kind == "number_form":
        candidates = [i for i, line in enumerate(lines) if _NUMBER.search(line.split(b"#")[0])]
        i = pick.choice(candidates)
        lines[i] = _NUMBER.sub(pick.choice(ODD_NUMBERS), lines[i], count=1)
        new = b"\n".join(lines)
    elif kind == "tab":
        candidates = [i for i, line in enumerate(lines) if line.startswith(b"  ")]
        i = pick.choice(candidates)
        lines[i] = pick.choice([b"\t", b" \t", b"\t  "]) + lines[i].lstrip(b" ")
        new = b"\n".join(lines)
    elif kind == "non_utf8":
        at = pick.integer(0, len(text))
        new = (
            text[:at]
            + pick.choice([b"\xff", b"\xfe\xff", b"\xe9", b"\xc3\x28", b"\x80", b"\xed\xa0\x80"])
            + text[at:]
        )
    elif kind == "empty":
        new = pick.choice([b"", b"   \n", b"\n\n\t\n", b"# only a comment\n", b"---\n# nothing\n"])
        has_line = new.startswith(b"---")  # an empty document: a null where a mapping belongs
    elif kind == "top_level":
        new = pick.choice([b"- a\n- b\n", b"just text\n", b"~\n", b"42\n", b"[1, 2]\n", b"'quoted'\n"])
    elif kind == "truncate":
        new = text[: pick.integer(0, len(text) - 1)]
        names_target = False  # a parent cut short changes what its children may refer to
        has_line = any(line.split(b"#")[0].strip() for line in new.split(b"\n"))
    elif kind == "byte_flip":
        data = bytearray(text)
        for _ in range(pick.integer(1, 4)):
            data[pick.integer(0, len(data) - 1)] = pick.integer(0, 255)
        new = bytes(data)
        names_target = False
    elif kind == "directory":
        return Case(kind, entry, target, ((target, DIRECTORY),), has_line=target != entry, names_target=True)
    elif kind == "missing_file":
        return Case(kind, entry, target, ((target, None),), has_line=target != entry, names_target=True)
    else:  # pragma: no cover
        raise ValueError(kind)
    return Case(kind, entry, target, ((target, new),), has_line=has_line, names_target=names_target)


DATA_KINDS = ("wrong_type", "out_of_range", "bad_distribution", "missing_key", "misspelt_key", "unknown_key")
ENTRY_KINDS = ("bad_explore", "bad_variant")
EXTENDS_KINDS = ("cycle", "missing_extends")
TEXT_KINDS = (
    "duplicate_key",
    "number_form",
    "tab",
    "non_utf8",
    "empty",
    "top_level",
    "truncate",
    "byte_flip",
    "directory",
    "missing_file",
)
KINDS = DATA_KINDS + ENTRY_KINDS + EXTENDS_KINDS + TEXT_KINDS


def make_case(pick: Picker, kind: str | None = None) -> Case:
    entry, *parents = CHAINS[pick.choice(list(CHAINS))]
    kind = kind or pick.choice(KINDS)
    target = pick.choice([entry, *parents])
    if kind in DATA_KINDS + ENTRY_KINDS:
        return data_case(kind, pick, entry, target)
    if kind in EXTENDS_KINDS:
        return extends_case(kind, pick, entry, target)
    return text_case(kind, pick, entry, target)


@st.composite
def cases(draw: Callable[[st.SearchStrategy[Any]], Any]) -> Case:
    return make_case(Picker(draw))


# --- running and checking ------------------------------------------------------------------


@contextlib.contextmanager
def workspace(case: Case) -> Iterator[Path]:
    """A fresh copy of the shipped scenarios with the case's writes applied."""
    folder = Path(tempfile.mkdtemp(prefix="negsim-fuzz-"))
    try:
        shutil.copytree(SCENARIOS, folder / "scenarios")
        for name, content in case.writes:
            path = folder / "scenarios" / name
            path.unlink()
            if content == DIRECTORY:
                path.mkdir()
            elif content is not None:
                path.write_bytes(content)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def negsim_in_process(*args: str) -> tuple[int, str]:
    """Call the installed command's entry point; return its exit status and stderr."""
    code, _, stderr = negsim_main(*args)
    return code, stderr


_LOCATED = re.compile(r"^error: (?P<file>.+?\.yaml):(?P<line>\d+):(?P<column>\d+): ")


def check(case: Case, command: str, folder: Path, code: int, stderr: str) -> None:
    """The promises every bad input is owed."""
    entry, out = folder / "scenarios" / case.entry, folder / "results" / "out"
    assert "Traceback" not in stderr, stderr
    assert code in (0, 2), f"exit status {code} for {case.kind}: {stderr}"
    if code == 0:
        load_scenario(entry)  # still valid: the loader must agree, not just the command
        assert "error" not in stderr
        if command == "run":
            assert (out / "summary.json").is_file()
        return
    if command == "run":
        with pytest.raises(NegsimError):  # refused for its input, not for something else
            load_scenario(entry)
        assert not out.exists()
        assert not (folder / "results").exists() or not list((folder / "results").iterdir())
    assert stderr.startswith("error: "), stderr
    assert stderr.count("error: ") == 1, stderr
    first = stderr.split("\n", 1)[0]
    chain = next(c for c in CHAINS.values() if c[0] == case.entry)
    named = [Path(case.target).name] if case.names_target else [Path(n).name for n in chain]
    assert any(name in first for name in named), f"{case.kind}: {first!r} names none of {named}"
    if case.has_line:
        located = _LOCATED.match(stderr)
        assert located, f"{case.kind}: no file:line:col in {first!r}"
        assert Path(located["file"]).name in [Path(n).name for n in chain]


def fuzz(examples: int) -> settings:
    """Deterministic: the same cases on every run and machine, none stored between runs."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.mark.slow  # hundreds of generated files: about 10 s
@fuzz(VALIDATE_CASES)
@given(case=cases())
def test_validate_refuses_every_broken_file_clearly(case: Case) -> None:
    with workspace(case) as folder:
        code, stderr = negsim_in_process("validate", str(folder / "scenarios" / case.entry))
        check(case, "validate", folder, code, stderr)


@pytest.mark.slow  # about 8 s
@fuzz(RUN_CASES)
@given(case=cases())
def test_run_refuses_before_writing_anything(case: Case) -> None:
    with workspace(case) as folder:
        out = folder / "results" / "out"
        code, stderr = negsim_in_process(
            "run", str(folder / "scenarios" / case.entry), *RUN_OPTIONS, "--out", str(out)
        )
        check(case, "run", folder, code, stderr)


SUBPROCESS_KINDS = (
    "wrong_type",
    "misspelt_key",
    "bad_distribution",
    "cycle",
    "missing_extends",
    "duplicate_key",
    "tab",
    "non_utf8",
    "empty",
    "truncate",
    "byte_flip",
    "directory",
    "missing_file",
    "bad_explore",
    "bad_variant",
    "out_of_range",
    "number_form",
)


@pytest.mark.slow  # a process per kind, about 20 s in all; the in-process cases above stay quick
@pytest.mark.parametrize("kind", SUBPROCESS_KINDS)
def test_a_real_process_exits_2_with_one_message(kind: str) -> None:
    """The same promises seen from outside: the real exit status and the real stderr."""
    seed = 100 * SUBPROCESS_KINDS.index(kind)
    case = make_case(Picker(seed=seed), kind)
    while is_valid(case):  # a mutation that happens to leave the files valid proves nothing here
        seed += 1
        case = make_case(Picker(seed=seed), kind)
    command = "run" if SUBPROCESS_KINDS.index(kind) % 2 else "validate"
    with workspace(case) as folder:
        args = [str(folder / "scenarios" / case.entry)]
        if command == "run":
            args += [*RUN_OPTIONS, "--out", str(folder / "results" / "out")]
        done = processes.negsim(command, *args, timeout=120, cwd=folder)
        assert done.returncode == 2, done.stderr
        check(case, command, folder, done.returncode, done.stderr)


def is_valid(case: Case) -> bool:
    with workspace(case) as folder:
        try:
            load_scenario(folder / "scenarios" / case.entry)
        except NegsimError:
            return False
    return True
