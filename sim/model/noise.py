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
    depends only on seed, scenario, replication, actor and round.

    A stream whose numbers could not change a result is not drawn (zeros stand in):
    battlefield shocks move only the parties' BATNAs (7.2); a misperceived BATNA matters only
    in the verdicts of those who vote on packages (7.12, 7.18; a ceasefire and a walk-out are
    the parties'); and neither kind matters with its switch off."""
    mechanisms = scenario.mechanisms
    parties = [actor for actor, spec in scenario.actors.items() if spec.role == "party"]
    judges = set(scenario.voters) | set(parties)  # whose perceived BATNA a rule compares

    def normals(kind: str, wanted: bool, actors: list[str]) -> np.ndarray:
        return _per_actor_and_round(scenario, seed, start, stop, rounds, kind, actors if wanted else [])

    def uniforms(stream: str, wanted: bool) -> np.ndarray:
        if not wanted:
            return np.empty((stop - start, 0))
        return streams.uniforms(seed, scenario.streams_key, stream, start, stop, rounds)

    partial = [uniforms(f"noise:partial:{issue}", mechanisms.partial_deals) for issue in scenario.issues]
    return Noise(
        shocks=normals("shock", mechanisms.shocks, parties),
        perception=normals(
            "perception", mechanisms.perception_noise, [a for a in scenario.actors if a in judges]
        ),
        breakdown=uniforms("noise:breakdown", mechanisms.fragile_ceasefire),
        partial=np.stack(partial, axis=2),
    )


def _per_actor_and_round(
    scenario: Scenario, seed: int, start: int, stop: int, rounds: int, kind: str, drawn: list[str]
) -> np.ndarray:
    """Standard normals (R, T, N) of one kind, stream `noise:{kind}:{actor}:{t}` filling [:, t, n]
    for the actors `drawn`, zeros for the others.

    All their streams are drawn as one block (stream by stream, then turned into normals in one
    call) and laid out as (R, T, N) in C order, as the rules have always read them."""
    actors = list(scenario.actors)
    out = np.zeros((stop - start, rounds, len(actors)))
    if not drawn:
        return out
    names = [f"noise:{kind}:{actor}:{t}" for actor in drawn for t in range(rounds)]
    block = streams.normal_block(seed, scenario.streams_key, names, start, stop)
    by_actor_round = block.reshape(len(drawn), rounds, stop - start).transpose(2, 1, 0)
    out[:, :, [actors.index(actor) for actor in drawn]] = by_actor_round
    return out
