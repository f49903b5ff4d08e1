"""Load a scenario file: follow `extends:`, apply each variant, validate, check references.

The result is one validated `Scenario` per mediation path. Every problem is reported as a
`NegsimError` naming file, line, column and key path, with a "did you mean" where it helps.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import MAX_PROBLEMS, NegsimError, Problem
from sim.scenario.digest import digest_form
from sim.scenario.estimates import Estimate, short_repr
from sim.scenario.explore import ParameterSpace, parse_explore
from sim.scenario.references import check_id, check_references
from sim.scenario.schema import TOP_LEVEL_KEYS, VARIANT_KEYS, Scenario
from sim.scenario.shipped import missing_hint, resolve
from sim.scenario.suggest import did_you_mean, hint
from sim.scenario.walk import allowed_keys
from sim.scenario.yaml_source import (
    MAX_NODES,
    NOT_A_SCENARIO_HINT,
    KeyPath,
    Position,
    YamlDocument,
    format_key_path,
    nearest_key,
    not_a_scenario_file,
    problem_at,
    read_yaml,
)

BASE_VARIANT = "base"
MAX_EXTENDS = 16  # files in one `extends:` chain
MAX_VARIANTS = 200  # mediation paths in one file: each is validated, run and plotted
MAX_RESOLVED_VALUES = 200_000  # paths x values of the base: each path is validated on its own
MISSING_KEY = "required key is missing"
FRAGMENT_HINT = (
    "a file whose name starts with `_` is a fragment that other files extend; "
    "validate a scenario that extends it (`extends:`)"
)


@dataclass
class LoadedScenario:
    """A scenario file resolved into one validated scenario per mediation path."""

    path: Path
    name: str
    variants: dict[str, Scenario]
    explore: ParameterSpace | None = None
    changes: tuple[str, ...] = ()  # key paths this file sets itself, over the files it extends

    def variant(self, name: str | None = None) -> Scenario:
        """Mediation path `name` (the first when None); one clear error naming the choices when
        the file has no such path."""
        if name is None:
            return next(iter(self.variants.values()))
        if name not in self.variants:
            raise NegsimError.single(
                str(self.path),
                f"no mediation path `{name}`",
                suggestion=f"choose one of: {', '.join(self.variants)}",
            )
        return self.variants[name]

    def what_if(self) -> str | None:
        """For a what-if (a file that extends a comparison and shares its draws): which file
        it is and what it changed, e.g. `what-if.yaml changes variants.x.actors.russia.cost_of_war`."""
        streams = next(iter(self.variants.values())).streams_key
        if streams == self.name:
            return None
        more = len(self.changes) - 3
        shown = ", ".join(self.changes[:3]) + (f" and {more} more" if more > 0 else "")
        return f"what-if of {streams}: {self.path.name} changes {shown or 'nothing'}"

    def digest(self) -> str:
        """A hash of the fully resolved scenario: equal digests mean equal inputs."""
        resolved: dict[str, Any] = {k: digest_form(v) for k, v in self.variants.items()}
        if self.explore is not None:
            resolved["explore"] = {
                u.name: u.range.model_dump(mode="json") for u in self.explore.uncertainties
            }
        text = json.dumps(resolved, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, merge and validate a scenario file and every variant in it. A shipped scenario may
    be named bare (`2024-12-mediation-paths`), so an installed negsim runs without a clone."""
    path = _located(path)
    document = _read_with_extends(path, chain=())
    data, positions = document.data, document.positions
    _check_keys(data, TOP_LEVEL_KEYS, (), positions, str(path))
    raw_explore = data.pop("explore", None)
    raw_variants = data.pop("variants", None) or {BASE_VARIANT: {}}
    if not isinstance(raw_variants, dict):
        raise _problem_of(
            positions, ("variants",), str(path), "expected a mapping from path names to variants"
        )
    if len(raw_variants) > MAX_VARIANTS:
        raise _problem_of(
            positions,
            ("variants",),
            str(path),
            f"{len(raw_variants):,} mediation paths; a scenario file may hold at most {MAX_VARIANTS}",
            suggestion="split the comparison into several files",
        )
    resolved = len(raw_variants) * _count_values(data)
    if resolved > MAX_RESOLVED_VALUES:
        raise _problem_of(
            positions,
            ("variants",) if ("variants",) in positions else (),
            str(path),
            f"{len(raw_variants):,} mediation paths of {resolved // len(raw_variants):,} values each are "
            f"{resolved:,} values to check; the limit is {MAX_RESOLVED_VALUES:,}",
            suggestion="split the comparison into several files",
        )
    owned_positions = _positions_by_variant(positions)
    variants: dict[str, Scenario] = {}
    problems: list[Problem] = []
    seen: set[Problem] = set()
    for variant_name, overrides in raw_variants.items():
        if len(problems) >= MAX_PROBLEMS:
            raise NegsimError(problems, truncated=True)
        prefix: KeyPath = ("variants", variant_name)
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            problems.append(_problem_of(positions, prefix, str(path), "expected a mapping").problems[0])
            continue
        wrong = check_id(str(variant_name))
        if wrong:
            problems.append(_problem_of(positions, prefix, str(path), wrong).problems[0])
            continue
        try:
            _check_keys(overrides, VARIANT_KEYS, prefix, positions, str(path))
            merged = deep_merge(data, overrides)
            merged.setdefault("label", variant_name)
            # the base's positions, minus those inside values the variant replaces whole
            variant_positions = _without(positions, _replaced(data, overrides))
            own = owned_positions.get(variant_name, {})
            variant_positions.update(own)
            variants[variant_name] = _validate(merged, variant_positions, str(path), prefix, set(own))
        except NegsimError as exc:
            for problem in exc.problems:  # paths share the base, and so the base's problems
                if problem not in seen:
                    seen.add(problem)
                    problems.append(problem)
            if exc.truncated:
                raise NegsimError(problems, truncated=True) from None
    if problems:
        raise NegsimError(problems)
    name = next(iter(variants.values())).name
    explore = None if raw_explore is None else parse_explore(raw_explore, positions, str(path), variants)
    return LoadedScenario(path, name, variants, explore, _own_settings(positions, str(path)))


_NOT_CHANGES = {"name", "title", "description", "extends"}  # labels and links, not settings


def _own_settings(positions: dict[KeyPath, Position], file: str) -> tuple[str, ...]:
    """The settings `file` itself makes over the files it extends: the innermost key paths of
    its own values, a number with its basis counted once (`…cost_of_war`, not its `value`)."""
    own = set()
    for key, where in positions.items():
        if where.file != file or not key or key[0] in _NOT_CHANGES:
            continue
        cut = next((i for i, part in enumerate(key) if part in Estimate.model_fields), len(key))
        own.add(key[:cut])
    ordered = sorted(own, key=lambda key: tuple(map(str, key)))
    inner = [key for i, key in enumerate(ordered) if not _within(ordered[i + 1 : i + 2], key)]
    return tuple(format_key_path(key) for key in inner)


def _within(following: list[KeyPath], prefix: KeyPath) -> bool:
    """Whether the key after `prefix` in sorted order (if any) lies inside it."""
    return bool(following) and following[0][: len(prefix)] == prefix


def _count_values(data: Any) -> int:
    """Values in plain data, counted as the YAML reader counts them (every value, at any depth)."""
    count, todo = 0, [data]
    while todo:
        item = todo.pop()
        count += 1
        if isinstance(item, dict):
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return count


def _positions_by_variant(positions: dict[KeyPath, Position]) -> dict[str, dict[KeyPath, Position]]:
    """Each variant's own positions, re-rooted as if the variant were the base (one pass)."""
    grouped: dict[str, dict[KeyPath, Position]] = {}
    for key_path, where in positions.items():
        if len(key_path) > 2 and key_path[0] == "variants":
            grouped.setdefault(str(key_path[1]), {})[key_path[2:]] = where
    return grouped


def _located(file: str | Path) -> Path:
    """The file `file` names: itself, or the shipped scenario of that bare name. A bare name
    that is neither is refused with the shipped names, which the user may have meant."""
    path = resolve(file)
    suggestion = None if os.path.lexists(path) else missing_hint(file)
    if suggestion is not None:
        raise NegsimError.single(str(path), "file not found", suggestion=suggestion)
    return path


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> YamlDocument:
    """Read `path` and the files it extends; `chain` holds the files that led here, resolved."""
    if not chain:  # the file named by the user (an `extends:` path is never a shipped name)
        path = _located(path)
    document = read_yaml(path)
    resolved = path.resolve()  # it could be read, so it is no loop of links
    parent = document.data.pop("extends", None)
    if parent is None:
        _key_streams_where_paths_begin(document.data, document.data, {})
        return document

    def fail(message: str, suggestion: str | None = None) -> NegsimError:
        return _problem_of(document.positions, ("extends",), str(path), message, suggestion=suggestion)

    if not isinstance(parent, str) or not parent.strip():
        raise fail("expected the path of another scenario file (relative to this one)")
    if len(chain) + 1 >= MAX_EXTENDS:
        raise fail(
            f"`extends:` chains more than {MAX_EXTENDS} files",
            suggestion="a scenario usually extends one snapshot, which extends one common file",
        )
    parent_path = path.parent / parent
    try:
        if parent_path.is_dir():
            raise fail(f"extended path {parent_path} is a folder, not a scenario file")
        if parent_path.is_symlink() and not parent_path.exists():
            raise fail(f"extended file {parent_path} is a link that leads nowhere (broken or a loop)")
        if not parent_path.exists():
            raise fail(
                f"extended file {parent_path} does not exist",
                suggestion="paths in `extends:` are relative to the file that names them",
            )
        wrong = not_a_scenario_file(parent_path)
        if wrong:
            raise fail(f"extended file {parent_path} {wrong}", suggestion=NOT_A_SCENARIO_HINT)
        parent_resolved = parent_path.resolve()
    except (OSError, RuntimeError) as exc:  # a name too long for the file system, a loop of links
        raise fail(f"extended file {short_repr(parent)} cannot be opened: {exc.strerror or exc}") from None
    if parent_resolved in (*chain, resolved):
        cycle = " -> ".join(str(p) for p in (*chain, resolved, parent_resolved))
        raise fail(f"`extends:` forms a cycle: {cycle}", suggestion="remove one of the `extends:` links")
    base = _read_with_extends(parent_path, (*chain, resolved))
    values = base.values + document.values
    if values > MAX_NODES:
        raise fail(f"with the files it extends, this file holds more than {MAX_NODES:,} values")
    positions = _without(base.positions, _replaced(base.data, document.data))
    positions.update(document.positions)
    merged = deep_merge(base.data, document.data)
    _key_streams_where_paths_begin(merged, document.data, base.data)
    return YamlDocument(merged, positions, values)


def _key_streams_where_paths_begin(merged: dict[str, Any], own: dict[str, Any], base: dict[str, Any]) -> None:
    """The file that first defines mediation paths (`variants:`) along an `extends:` chain keys
    the random streams by its name, unless `run.streams` says otherwise. Files that extend it
    inherit that key, so a what-if that changes one number runs on the same draws as its base
    and differences between the two are the change's, not sampling noise."""
    if "variants" not in own or "variants" in base or not isinstance(merged.get("name"), str):
        return
    run = merged.get("run", {})
    if isinstance(run, dict) and "streams" not in run:
        merged["run"] = {**run, "streams": merged["name"]}


def _is_leaf(value: Any) -> bool:
    """Estimates are replaced whole: a new value must not inherit the old value's evidence."""
    return not isinstance(value, dict) or "value" in value or "dist" in value


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Merge `override` into a copy of `base`: mappings recursively, anything else replaced."""
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not (_is_leaf(old) or _is_leaf(value)):
            merged[key] = deep_merge(old, value)
        else:
            merged[key] = value
    return merged


def _replaced(base: dict[str, Any], override: dict[str, Any], prefix: KeyPath = ()) -> Iterator[KeyPath]:
    """The key paths whose value `deep_merge(base, override)` takes whole from `override`."""
    for key, value in override.items():
        old = base.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not (_is_leaf(old) or _is_leaf(value)):
            yield from _replaced(old, value, (*prefix, key))
        elif key in base:
            yield (*prefix, key)


def _without(positions: dict[KeyPath, Position], replaced: Iterable[KeyPath]) -> dict[KeyPath, Position]:
    """`positions` minus those strictly inside a replaced value: that text no longer applies, and an
    error in the new value must not point at the old one."""
    cut = set(replaced)
    if not cut:
        return dict(positions)
    return {p: w for p, w in positions.items() if not any(p[:n] in cut for n in range(1, len(p)))}


def _check_keys(
    data: dict[str, Any],
    allowed: tuple[str, ...],
    prefix: KeyPath,
    positions: dict[KeyPath, Position],
    file: str,
) -> None:
    unknown = [key for key in data if key not in allowed]
    problems = [
        _problem_of(
            positions,
            (*prefix, key),
            file,
            "unknown key",
            suggestion=hint(key, allowed, "allowed keys"),
        ).problems[0]
        for key in unknown[:MAX_PROBLEMS]
    ]
    if problems:
        raise NegsimError(problems, truncated=len(unknown) > MAX_PROBLEMS)


def _validate(
    merged: dict[str, Any],
    positions: dict[KeyPath, Position],
    file: str,
    variant_prefix: KeyPath,
    owned: set[KeyPath],
) -> Scenario:
    """Validate one merged variant. A problem in a key the variant itself set is named with
    the variant's prefix (`variants.<name>.…`), so the key path matches the line shown."""
    try:
        scenario = Scenario.model_validate(merged)
        findings = check_references(scenario)
        found = len(findings)
    except ValidationError as exc:
        errors = exc.errors()
        found = len(errors)
        findings = [_from_pydantic(err, merged) for err in errors[:MAX_PROBLEMS]]
    if not findings:
        return scenario
    problems = []
    for path, message, suggestion in findings[:MAX_PROBLEMS]:
        if len(path) == 1 and message == MISSING_KEY and Path(file).name.startswith("_"):
            suggestion = FRAGMENT_HINT
        display = (*variant_prefix, *path) if nearest_key(positions, path) in owned else path
        problem = _problem_of(positions, path, file, message, suggestion=suggestion).problems[0]
        problems.append(replace(problem, key_path=format_key_path(display)))
    raise NegsimError(problems, truncated=found > MAX_PROBLEMS)


def _clean_loc(loc: tuple[Any, ...], data: Any) -> KeyPath:
    """Keep only the parts of a pydantic location that are real keys in the data."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(part, str) and not part.startswith(("function-", "union[")) and "[" not in part:
            path.append(part)  # a missing key: name it, it has no position of its own
            node = None
    return tuple(path)


def _from_pydantic(err: dict[str, Any], data: dict[str, Any]) -> tuple[KeyPath, str, str | None]:
    path = _clean_loc(err["loc"], data)
    kind = err["type"]
    suggestion = None
    if kind == "extra_forbidden":
        message = "unknown key"
        allowed = allowed_keys(Scenario, path[:-1]) or []
        suggestion = hint(str(path[-1]), allowed, "allowed keys")
    elif kind == "missing":
        message = MISSING_KEY
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        message = f"expected one of {expected}, got {short_repr(err['input'])}"
        options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",") if o.strip(" '")]
        suggestion = did_you_mean(str(err["input"]), options)
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {short_repr(err['input'])}"
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
        suggestion = err.get("ctx", {}).get("hint")  # our own errors may carry a hint
    return path, message, suggestion


def _problem_of(
    positions: dict[KeyPath, Position],
    path: KeyPath,
    file: str,
    message: str,
    suggestion: str | None = None,
) -> NegsimError:
    return NegsimError([problem_at(positions, path, file, message, suggestion)])
