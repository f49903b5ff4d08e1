"""Random numbers that depend only on (seed, scenario, stream, replication, position).

Each named stream (a parameter, or a kind of per-round noise) is a counter-based Philox
sequence; replication r reads its own slice of it. So a replication's draws are the same
whatever batch it runs in, and mediation paths compared on replication r share draws
(common random numbers): differences between paths are not sampling noise.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy.special import ndtri

_BLOCK = 4  # Philox4x64 yields four 64-bit words per counter step


def _key(seed: int, scenario: str, stream: str) -> np.ndarray:
    spawn_key = (zlib.crc32(scenario.encode()), zlib.crc32(stream.encode()))
    return np.random.SeedSequence(entropy=seed, spawn_key=spawn_key).generate_state(2, np.uint64)


def uniforms(seed: int, scenario: str, stream: str, start: int, stop: int, per_rep: int = 1) -> np.ndarray:
    """Uniforms in the open interval (0, 1), shape (stop - start, per_rep)."""
    first, last = start * per_rep, stop * per_rep
    bit_generator = np.random.Philox(key=_key(seed, scenario, stream))
    bit_generator.advance(first // _BLOCK)
    skip = first % _BLOCK
    raw = bit_generator.random_raw(last - first + skip)[skip:]
    values = ((raw >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    return values.reshape(stop - start, per_rep)


def normals(seed: int, scenario: str, stream: str, start: int, stop: int, per_rep: int) -> np.ndarray:
    """Standard normals, shape (stop - start, per_rep), by the inverse CDF of `uniforms`."""
    return ndtri(uniforms(seed, scenario, stream, start, stop, per_rep))
