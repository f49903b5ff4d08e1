"""Random numbers that depend only on (seed, scenario, stream, replication, position).

Each named stream (a parameter, or a kind of per-round noise) is a counter-based Philox
sequence; replication r reads its own slice of it. So a replication's draws are the same
whatever batch it runs in, and mediation paths compared on replication r share draws
(common random numbers): differences between paths are not sampling noise.

A batch reads hundreds of streams (every estimate; every actor and round of noise), so the
cost per stream matters more than the cost per number: a stream's key is derived once per
process (`_key` is cached), and a batch re-keys one bit generator for each of its streams
instead of building a new one (which would also seed it from the operating system, for
nothing). Which numbers a stream holds is unchanged by either.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence

import numpy as np

_BLOCK = 4  # Philox4x64 yields four 64-bit words per counter step
_CACHED_KEYS = 1 << 14  # ~450 bytes each, 7 MB full; the flagship reads ~900 streams, shared by its paths


@functools.lru_cache(maxsize=_CACHED_KEYS)
def _key(seed: int, scenario: str, stream: str) -> np.ndarray:
    """The stream's Philox key (read-only: the cache hands the same array to every caller)."""
    spawn_key = (zlib.crc32(scenario.encode()), zlib.crc32(stream.encode()))
    key = np.random.SeedSequence(entropy=seed, spawn_key=spawn_key).generate_state(2, np.uint64)
    key.setflags(write=False)
    return key


def uniforms(seed: int, scenario: str, stream: str, start: int, stop: int, per_rep: int = 1) -> np.ndarray:
    """Uniforms in (0, 1], shape (stop - start, per_rep) (see `_unit_interval`)."""
    return uniform_block(seed, scenario, [stream], start, stop, per_rep)[0]


def normals(seed: int, scenario: str, stream: str, start: int, stop: int, per_rep: int) -> np.ndarray:
    """Standard normals, shape (stop - start, per_rep), by the inverse CDF of `uniforms`."""
    return normal_block(seed, scenario, [stream], start, stop, per_rep)[0]


def uniform_block(
    seed: int, scenario: str, names: Sequence[str], start: int, stop: int, per_rep: int = 1
) -> np.ndarray:
    """`uniforms` of several streams at once, shape (len(names), stop - start, per_rep): row s
    holds exactly the numbers `uniforms` gives for stream `names[s]`."""
    raw = _raw_words(seed, scenario, names, start * per_rep, stop * per_rep)
    return _unit_interval(raw).reshape(len(names), stop - start, per_rep)


def normal_block(
    seed: int, scenario: str, names: Sequence[str], start: int, stop: int, per_rep: int = 1
) -> np.ndarray:
    """`normals` of several streams at once, shape (len(names), stop - start, per_rep)."""
    from scipy.special import ndtri  # here: importing scipy doubles the start-up time

    block = uniform_block(seed, scenario, names, start, stop, per_rep)
    return ndtri(block, out=block)


def _raw_words(seed: int, scenario: str, names: Sequence[str], first: int, last: int) -> np.ndarray:
    """Words [first, last) of each named stream, shape (len(names), last - first).

    One bit generator is given each stream's key in turn, with its counter at zero as a new one
    has, then advanced to the block holding word `first`: the same words a new
    `Philox(key=...)` advanced there would give."""
    bit_generator = np.random.Philox(key=np.zeros(2, np.uint64))
    fresh = bit_generator.state
    skip = first % _BLOCK
    out = np.empty((len(names), last - first), np.uint64)
    for row, name in enumerate(names):
        fresh["state"]["key"] = _key(seed, scenario, name)
        bit_generator.state = fresh
        bit_generator.advance(first // _BLOCK)
        out[row] = bit_generator.random_raw(last - first + skip)[skip:]
    return out


def _unit_interval(raw: np.ndarray) -> np.ndarray:
    """The top 53 bits k of each word as (k + 0.5) * 2**-53: never 0, and 1 only for the top
    value of k (above 2**52, k + 0.5 rounds to even), once in 2**53 words. In place, step by
    step: the same rounding as one expression, without its temporaries."""
    values = (raw >> np.uint64(11)).astype(np.float64)
    values += 0.5
    values *= 2.0**-53
    return values
