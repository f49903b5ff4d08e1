"""Walk a scenario's models: every estimate with its key path, and the keys allowed at a path."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from typing import Any, Union

from pydantic import BaseModel

from sim.scenario.estimates import Estimate

KeyPath = tuple[str | int, ...]


def iter_estimates(model: BaseModel, prefix: KeyPath = ()) -> Iterator[tuple[KeyPath, Estimate]]:
    """Yield (key path, estimate) for every number in a validated scenario, in a stable order."""
    for name in type(model).model_fields:
        yield from _iter_value(getattr(model, name), (*prefix, name))


def _iter_value(value: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Estimate]]:
    if isinstance(value, Estimate):
        yield path, value
    elif isinstance(value, BaseModel):
        yield from iter_estimates(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _iter_value(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _iter_value(item, (*path, index))


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional so we see the model or container underneath."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            options = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = options[0]
        else:
            return annotation


def allowed_keys(root: type[BaseModel], path: KeyPath) -> list[str] | None:
    """The keys a mapping at `path` may hold, or None when any key is allowed."""
    annotation: Any = root
    for part in path:
        annotation = _unwrap(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(str(part))
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            return None
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return None
