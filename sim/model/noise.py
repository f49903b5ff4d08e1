"""Per-round randomness: battlefield shocks, misperception and breakdown draws.

Drawn once for a whole chunk of replications before the rounds are played, so the rules
themselves never touch a random number generator.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.model import streams
from sim.scenario.schema import Scenario


@dataclass
class Noise:
    """Per-round draws: standard normals (R, T, N) for battlefield shocks and misperception;
    uniforms for breakdowns, (R, T) of a ceasefire and (R, T, K) of partial deals, drawn only
    when those mechanisms are on (empty otherwise, so earlier runs draw nothing new)."""

    shocks: np.ndarray
    perception: np.ndarray
    breakdown: np.ndarray
    partial: np.ndarray

    def take(self, rows: np.ndarray) -> Noise:
        return Noise(*(getattr(self, f.name)[rows] for f in fields(self)))


def draw_noise(scenario: Scenario, seed: int, start: int, stop: int, rounds: int) -> Noise:
    """Noise for replications [start, stop): one stream per (kind, actor, round), so a draw
    depends only on seed, scenario, replication, actor and round."""

    def block(kind: str) -> np.ndarray:
        out = np.empty((stop - start, rounds, len(scenario.actors)))
        for n, actor in enumerate(scenario.actors):
            for t in range(rounds):
                stream = f"noise:{kind}:{actor}:{t}"
                out[:, t, n] = streams.normals(seed, scenario.streams_key, stream, start, stop, 1)[:, 0]
        return out

    def uniforms(stream: str, wanted: bool) -> np.ndarray:
        if not wanted:
            return np.empty((stop - start, 0))
        return streams.uniforms(seed, scenario.streams_key, stream, start, stop, rounds)

    mechanisms = scenario.mechanisms
    partial = np.stack(
        [uniforms(f"noise:partial:{issue}", mechanisms.partial_deals) for issue in scenario.issues], axis=2
    )
    return Noise(
        shocks=block("shock"),
        perception=block("perception"),
        breakdown=uniforms("noise:breakdown", mechanisms.fragile_ceasefire),
        partial=partial,
    )
