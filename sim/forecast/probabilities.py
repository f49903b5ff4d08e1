"""Each question's probability: the share of a path's replications in which its condition
holds at the deadline, or for `path: any` the weighted mixture of every path's share."""

from __future__ import annotations

from dataclasses import dataclass

from sim.forecast.conditions import holds
from sim.forecast.events import EventsTable
from sim.forecast.questions import Posed

DIGITS = 6


@dataclass(frozen=True)
class Forecast:
    posed: Posed
    probability: float
    by_path: dict[str, float]  # each weighted path's own share


def path_share(table: EventsTable, posed: Posed, path: str) -> float:
    """The share of `path`'s replications in which the question holds at its deadline."""
    hits = holds(table.events[path], posed.question.condition, posed.deadline.month)
    return len(hits) / table.replications[path]


def forecast(table: EventsTable, posed: Posed) -> Forecast:
    """The question's probability from the run's events (every path it weighs must have run)."""
    shares = {path: path_share(table, posed, path) for path, w in posed.weights.items() if w > 0}
    probability = sum(posed.weights[path] * share for path, share in shares.items())
    # to DIGITS places: a mixture's float noise (0.22999999999999998) is not part of the forecast
    return Forecast(posed, round(min(1.0, max(0.0, probability)), DIGITS), shares)
