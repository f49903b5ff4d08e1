"""What a scenario's digest covers: the whole resolved scenario, except keys added to the format
after result folders were first written, while they hold their defaults.

`negsim rerun` refuses a folder whose scenario no longer reproduces its recorded digest, so a
new key with a default must leave the digest of every file that does not use it unchanged.
Each such key is listed here, once; parameters declared later say so in their declaration
(`added_later` in parameters.py).
"""

from __future__ import annotations

from typing import Any

from sim.scenario import parameters
from sim.scenario.estimates import Estimate
from sim.scenario.parameters import ANY, Parameter
from sim.scenario.schema import Scenario

# (key path, the value it has when a file does not give it)
ADDED_LATER: tuple[tuple[tuple[str, ...], Any], ...] = (
    (("run", "streams"), None),
    (("run", "round_unit"), None),
    (("decision",), None),
    (("observed",), {}),
    (("issues", ANY, "scale"), None),
    (("mediation", "chair"), False),
    (("issues", ANY, "anchors"), None),
    (("coders",), {}),
    (("require_basis",), False),
    (("issues", ANY, "separable"), False),
    (("run", "start_date"), None),
    (("history",), None),
)
ESTIMATE_KEYS_ADDED_LATER = ("data", "codings", "context")  # keys of every number, None when unused
QUOTE_KEYS_ADDED_LATER = ("anchor",)  # keys of every quote (`evidence:`), None when unused


def digest_form(scenario: Scenario) -> dict[str, Any]:
    """The scenario as its digest sees it."""
    dumped = scenario.model_dump(mode="json")
    for path, default in ADDED_LATER:
        for section in _sections(dumped, path[:-1]):
            if path[-1] in section and section[path[-1]] == default:
                del section[path[-1]]
    _drop_unused_estimate_keys(dumped)
    return without_later_parameters(dumped)


def without_later_parameters(dumped: dict[str, Any]) -> dict[str, Any]:
    """A dumped scenario without the parameters `added_later` that sit at their defaults."""
    for parameter in parameters.PARAMETERS:
        if parameter.added_later:
            place = max(i for i, part in enumerate(parameter.path) if part != ANY)
            for section in _sections(dumped, parameter.path[:place]):
                key = parameter.path[place]
                if key in section and section[key] in _unset_forms(parameter):
                    del section[key]
    return dumped


def _unset_forms(parameter: Parameter) -> list[Any]:
    """How a parameter left at its default looks when dumped: absent, empty or the bare default."""
    if not parameter.numeric:
        return [parameter.default]
    bare = {key: None for key in Estimate.model_fields} | {"value": float(parameter.default or 0.0)}
    trimmed = {key: value for key, value in bare.items() if key not in ESTIMATE_KEYS_ADDED_LATER}
    return [None, {}, bare, trimmed]


def _sections(data: Any, path: tuple[str, ...]) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    if not path:
        return [data]
    keys = list(data) if path[0] == ANY else [path[0]]
    return [found for key in keys if key in data for found in _sections(data[key], path[1:])]


def _drop_unused_estimate_keys(data: Any) -> None:
    """Every dumped number (a mapping with `value` and `dist`) and quote (`source` and `quote`)
    loses its unused later keys."""
    if isinstance(data, dict):
        later = ()
        if "value" in data and "dist" in data:
            later = ESTIMATE_KEYS_ADDED_LATER
        elif "source" in data and "quote" in data:
            later = QUOTE_KEYS_ADDED_LATER
        for key in later:
            if key in data and data[key] is None:
                del data[key]
        for item in data.values():
            _drop_unused_estimate_keys(item)
    elif isinstance(data, list):
        for item in data:
            _drop_unused_estimate_keys(item)
