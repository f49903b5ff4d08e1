"""The `explore:` section: which parameters an analysis varies, and over what range.

Each entry names a number in the scenario by its key path (`actors.russia.cost_of_war`);
a `variants.<path>.` prefix limits it to one mediation path. Exploring a parameter
replaces the scenario's own estimate for it with values taken from an experimental design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError, model_validator
from pydantic_core import PydanticCustomError

from sim.errors import MAX_PROBLEMS, NegsimError, Problem
from sim.scenario.distribution import Distribution
from sim.scenario.estimates import Number, Strict
from sim.scenario.parameters import UnknownParameter, parameter_at
from sim.scenario.schema import Scenario
from sim.scenario.suggest import did_you_mean, hint
from sim.scenario.walk import iter_estimates
from sim.scenario.yaml_source import KeyPath, Position, format_key_path, problem_at

_NEEDS: dict[str, tuple[str, ...]] = {"uniform": (), "triangular": ("mode",), "normal": ("mean", "sd")}


class Range(Strict):
    """The values an explored parameter takes: uniform on [low, high] unless `dist` says otherwise."""

    low: Number
    high: Number
    dist: Literal["uniform", "triangular", "normal"] = "uniform"
    mode: Number | None = None
    mean: Number | None = None
    sd: Number | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Range:
        if not self.low < self.high:  # an explored parameter must vary
            raise PydanticCustomError("explore_range", "low must be below high")
        missing = [k for k in _NEEDS[self.dist] if getattr(self, k) is None]
        if missing:
            raise PydanticCustomError(
                "explore_range",
                "a {dist} range needs {missing}",
                {"dist": self.dist, "missing": ", ".join(missing)},
            )
        unused = [
            k for k in ("mode", "mean", "sd") if getattr(self, k) is not None and k not in _NEEDS[self.dist]
        ]
        if unused:
            raise PydanticCustomError(
                "explore_range",
                "{unused} is not used by a {dist} range",
                {"unused": ", ".join(f"`{k}`" for k in unused), "dist": self.dist},
            )
        if self.mode is not None and not self.low <= self.mode <= self.high:
            raise PydanticCustomError("explore_range", "mode must lie between low and high")
        if self.mean is not None and not self.low <= self.mean <= self.high:
            raise PydanticCustomError("explore_range", "mean must lie between low and high")
        if self.sd is not None and self.sd <= 0:
            raise PydanticCustomError("explore_range", "sd must be > 0")
        return self

    def distribution(self) -> Distribution:
        """The values as a distribution on [low, high] (a normal one truncated to it)."""
        return Distribution(
            self.dist, self.low, self.high, mean=self.mean or 0.0, sd=self.sd or 0.0, mode=self.mode or 0.0
        )


@dataclass(frozen=True)
class Uncertainty:
    """One explored parameter: where it lives, on which paths, and its range."""

    name: str  # as written in the file, e.g. "variants.china_mediates.mediation.bias"
    target: str  # key path inside a scenario, e.g. "mediation.bias"
    variant: str | None  # the one mediation path it applies to, or None for every path
    range: Range
    label: str

    def applies_to(self, variant: str, scenario: Scenario) -> bool:
        if self.variant is not None:
            return variant == self.variant
        return self.target in estimate_paths(scenario)


@dataclass(frozen=True)
class ParameterSpace:
    """The declared uncertainties of a scenario, in file order."""

    uncertainties: tuple[Uncertainty, ...]

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.uncertainties]

    @property
    def labels(self) -> dict[str, str]:
        return {u.name: u.label for u in self.uncertainties}

    def values(self, unit: np.ndarray) -> np.ndarray:
        """(points, k) unit-cube design -> parameter values, column by column, by each range's
        inverse CDF, so a design's stratification survives."""
        return np.column_stack(
            [u.range.distribution().ppf(unit[:, j]) for j, u in enumerate(self.uncertainties)]
        )

    def overrides(self, variant: str, scenario: Scenario, values: np.ndarray) -> dict[str, np.ndarray]:
        """The values each of this path's parameters takes at each design point."""
        return {
            u.target: values[:, j]
            for j, u in enumerate(self.uncertainties)
            if u.applies_to(variant, scenario)
        }


def estimate_paths(scenario: Scenario) -> set[str]:
    return {format_key_path(path) for path, _ in iter_estimates(scenario)}


def parse_explore(
    raw: Any, positions: dict[KeyPath, Position], file: str, variants: dict[str, Scenario]
) -> ParameterSpace:
    """Check every entry of `explore:` against the resolved mediation paths."""
    if not isinstance(raw, dict) or not raw:
        message = "expected a mapping from parameter paths to ranges"
        raise NegsimError([problem_at(positions, ("explore",), file, message)])
    problems: list[Problem] = []
    found: list[Uncertainty] = []
    numbers = {name: estimate_paths(scenario) for name, scenario in variants.items()}
    for name, spec in raw.items():
        if len(problems) >= MAX_PROBLEMS:
            raise NegsimError(problems, truncated=True)
        try:
            found.append(_parse_entry(str(name), spec, variants, numbers, positions, file))
        except NegsimError as exc:
            problems.extend(exc.problems)
    if problems:
        raise NegsimError(problems)
    return ParameterSpace(tuple(found))


def _parse_entry(
    name: str,
    spec: Any,
    variants: dict[str, Scenario],
    numbers: dict[str, set[str]],
    positions: dict[KeyPath, Position],
    file: str,
) -> Uncertainty:
    key: KeyPath = ("explore", name)

    def fail(message: str, suggestion: str | None = None, where: KeyPath = key) -> NegsimError:
        return NegsimError([problem_at(positions, where, file, message, suggestion)])

    parts = name.split(".")
    variant = None
    if parts[0] == "variants":
        if len(parts) < 3:
            raise fail(
                "`variants.` must be followed by a path name and a parameter",
                "e.g. variants.<path>.mediation.bias",
            )
        variant = parts[1]
        if variant not in variants:
            raise fail(f"no mediation path `{variant}`", hint(variant, list(variants), "paths"))
        parts = parts[2:]
    target = ".".join(parts)
    scope = [variant] if variant else list(variants)
    try:
        parameter = parameter_at(target)
    except UnknownParameter:
        known = sorted(set().union(*(numbers[v] for v in scope)))
        raise fail(
            f"`{target}` is not a model parameter",
            did_you_mean(target, known) or "the parameters are listed in docs/scenario-format.md",
        ) from None
    if not parameter.numeric:
        raise fail(
            f"`{target}` is a {parameter.kind}, which an analysis cannot vary continuously",
            "explore numbers drawn per replication (unit-interval values and rates)",
        )
    if not any(target in numbers[v] for v in scope):
        known = sorted(set().union(*(numbers[v] for v in scope)))
        example = "name a number the scenario sets, e.g. " + ", ".join(known[:3])
        raise fail(f"`{target}` is not a number in this scenario", did_you_mean(target, known) or example)
    is_pair = isinstance(spec, list) and len(spec) == 2
    if is_pair:
        spec = {"low": spec[0], "high": spec[1]}
    if not isinstance(spec, dict):
        raise fail("expected a range: [low, high] or {low: .., high: ..}")
    try:
        value_range = Range.model_validate(spec)
    except ValidationError as exc:
        raise _range_problem(exc, key, positions, file, is_pair) from None
    bounds = parameter.bounds_in(tuple(parts), variants[scope[0]])
    if value_range.low < bounds.low or value_range.high > bounds.high:
        raise fail(f"the range must lie in {bounds.describe()}, the parameter's valid values")
    label = value_range.label or default_label(parts, variants[scope[0]], variant)
    return Uncertainty(name=name, target=target, variant=variant, range=value_range, label=label)


def _range_problem(
    exc: ValidationError, key: KeyPath, positions: dict[KeyPath, Position], file: str, is_pair: bool
) -> NegsimError:
    """The most telling of pydantic's errors for a range, in the house wording."""
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")  # typos first
    first = errors[0]
    where: KeyPath = (*key, *map(str, first["loc"]))
    if is_pair and first["loc"]:  # `[low, high]`: point at the list item, not at a key it lacks
        where = (*key, ("low", "high").index(str(first["loc"][0])))
    allowed = list(Range.model_fields)
    if first["type"] == "extra_forbidden":
        word = str(first["loc"][-1])
        return NegsimError(
            [problem_at(positions, where, file, "unknown key", hint(word, allowed, "allowed keys"))]
        )
    if first["type"] == "missing":
        return NegsimError(
            [problem_at(positions, where, file, "required key is missing", "a range needs low and high")]
        )
    message = first["msg"][0].lower() + first["msg"][1:]
    return NegsimError([problem_at(positions, where, file, message, first.get("ctx", {}).get("hint"))])


def default_label(parts: list[str], scenario: Scenario, variant: str | None) -> str:
    """`actors.russia.red_lines.territory.threshold` -> "Russia: territory red line threshold"."""
    words = list(parts)
    if words[0] == "actors" and len(words) > 2 and words[1] in scenario.actors:
        owner = scenario.actors[words[1]].name
        rest = [w for w in words[2:] if w != "red_lines"]
        if "red_lines" in words:
            rest.insert(1, "red line")
        text = f"{owner}: {' '.join(w.replace('_', ' ') for w in rest)}"
    else:
        text = " ".join(w.replace("_", " ") for w in words)
    return f"{text} ({variant})" if variant else text
