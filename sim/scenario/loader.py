"""Load a scenario file: follow `extends:`, apply each variant, validate, check references.

The result is one validated `Scenario` per mediation path. Every problem is reported as a
`NegsimError` naming file, line, column and key path, with a "did you mean" where it helps.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import NegsimError, Problem
from sim.scenario.explore import ParameterSpace, parse_explore
from sim.scenario.references import check_references
from sim.scenario.schema import TOP_LEVEL_KEYS, VARIANT_KEYS, Scenario
from sim.scenario.suggest import did_you_mean, hint
from sim.scenario.walk import allowed_keys
from sim.scenario.yaml_source import (
    KeyPath,
    Position,
    YamlDocument,
    format_key_path,
    nearest_key,
    problem_at,
    read_yaml,
)

BASE_VARIANT = "base"


@dataclass
class LoadedScenario:
    """A scenario file resolved into one validated scenario per mediation path."""

    path: Path
    name: str
    variants: dict[str, Scenario]
    explore: ParameterSpace | None = None

    def digest(self) -> str:
        """A hash of the fully resolved scenario: equal digests mean equal inputs."""
        resolved: dict[str, Any] = {k: v.model_dump(mode="json") for k, v in self.variants.items()}
        if self.explore is not None:
            resolved["explore"] = {
                u.name: u.range.model_dump(mode="json") for u in self.explore.uncertainties
            }
        text = json.dumps(resolved, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, merge and validate a scenario file and every variant in it."""
    path = Path(path)
    document = _read_with_extends(path, chain=())
    data, positions = document.data, document.positions
    _check_keys(data, TOP_LEVEL_KEYS, (), positions, str(path))
    raw_explore = data.pop("explore", None)
    raw_variants = data.pop("variants", None) or {BASE_VARIANT: {}}
    if not isinstance(raw_variants, dict):
        raise _problem_of(
            positions, ("variants",), str(path), "expected a mapping from path names to variants"
        )
    base_positions = positions
    variants: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for variant_name, overrides in raw_variants.items():
        prefix: KeyPath = ("variants", variant_name)
        if overrides is None:
            overrides = {}
        if not isinstance(overrides, dict):
            problems.append(_problem_of(positions, prefix, str(path), "expected a mapping").problems[0])
            continue
        try:
            _check_keys(overrides, VARIANT_KEYS, prefix, positions, str(path))
            merged = deep_merge(data, overrides)
            merged.setdefault("label", variant_name)
            variant_positions = dict(base_positions)
            owned = set()
            for key_path, where in positions.items():
                if key_path[:2] == prefix:
                    variant_positions[key_path[2:]] = where
                    owned.add(key_path[2:])
            variants[variant_name] = _validate(merged, variant_positions, str(path), prefix, owned)
        except NegsimError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
    if problems:
        raise NegsimError(problems)
    name = next(iter(variants.values())).name
    explore = None if raw_explore is None else parse_explore(raw_explore, positions, str(path), variants)
    return LoadedScenario(path=path, name=name, variants=variants, explore=explore)


def _read_with_extends(path: Path, chain: tuple[Path, ...]) -> YamlDocument:
    resolved = path.resolve()
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in (*chain, resolved))
        raise NegsimError.single(
            str(path),
            f"`extends:` forms a cycle: {cycle}",
            suggestion="remove one of the `extends:` links",
        )
    document = read_yaml(path)
    parent = document.data.pop("extends", None)
    if parent is None:
        return document
    if not isinstance(parent, str):
        raise _problem_of(
            document.positions,
            ("extends",),
            str(path),
            "expected the path of another scenario file (relative to this one)",
        )
    parent_path = path.parent / parent
    if not parent_path.exists():
        raise _problem_of(
            document.positions,
            ("extends",),
            str(path),
            f"extended file {parent_path} does not exist",
            suggestion="paths in `extends:` are relative to the file that names them",
        )
    base = _read_with_extends(parent_path, (*chain, resolved))
    positions = dict(base.positions)
    positions.update(document.positions)
    return YamlDocument(deep_merge(base.data, document.data), positions)


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


def _check_keys(
    data: dict[str, Any],
    allowed: tuple[str, ...],
    prefix: KeyPath,
    positions: dict[KeyPath, Position],
    file: str,
) -> None:
    problems = [
        _problem_of(
            positions,
            (*prefix, key),
            file,
            "unknown key",
            suggestion=hint(key, allowed, "allowed keys"),
        ).problems[0]
        for key in data
        if key not in allowed
    ]
    if problems:
        raise NegsimError(problems)


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
    except ValidationError as exc:
        findings = [_from_pydantic(err, merged) for err in exc.errors()]
    if not findings:
        return scenario
    problems = []
    for path, message, suggestion in findings:
        display = (*variant_prefix, *path) if nearest_key(positions, path) in owned else path
        problem = _problem_of(positions, path, file, message, suggestion=suggestion).problems[0]
        problems.append(replace(problem, key_path=format_key_path(display)))
    raise NegsimError(problems)


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
        message = "required key is missing"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        message = f"expected one of {expected}, got {err['input']!r}"
        options = [o.strip(" '") for o in expected.replace(" or ", ",").split(",") if o.strip(" '")]
        suggestion = did_you_mean(str(err["input"]), options)
    elif kind.endswith("_type") or kind.endswith("_parsing"):
        message = f"{err['msg'][0].lower()}{err['msg'][1:]}, got {err['input']!r}"
    else:
        message = err["msg"][0].lower() + err["msg"][1:]
    return path, message, suggestion


def _problem_of(
    positions: dict[KeyPath, Position],
    path: KeyPath,
    file: str,
    message: str,
    suggestion: str | None = None,
) -> NegsimError:
    return NegsimError([problem_at(positions, path, file, message, suggestion)])
