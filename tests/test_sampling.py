"""Sampling at array speed draws the same numbers.

The inverse CDFs in closed form agree with `scipy.stats` to within rounding, far tails
included; the streams, read many at once from a re-keyed generator, give exactly the words a
new generator per stream gives; so the per-round noise of a batch is bit for bit what it was.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from scipy import special, stats

from sim.model import streams
from sim.model.noise import draw_noise
from sim.scenario import distribution
from sim.scenario.distribution import Distribution, ppf_stacked, truncated_normal_ppf

INF = np.inf
RNG = np.random.default_rng(20241209)
# random uniforms, and the extremes a stream can give: (k + 0.5) * 2**-53 for k = 0, and the
# largest below 1; plus the median and points within 1e-12 of either end
U = np.concatenate([RNG.random(4000), [2.0**-54, 1e-12, 0.5, 1 - 1e-12, 1 - 2.0**-53]])

# Tolerance. Every term the closed form adds is a tail area accurate to a few ulps, and ndtri
# and ndtr are accurate to ~1e-16 relative; near the median, though, Φ(x) ≈ 0.5 is held only
# to 2**-54 absolute, which moves x by up to 2**-54 / φ(0) ≈ 1.4e-16 in either computation.
# So |new − scipy| ≤ 1e-12 |x| + 1e-15 (in sds) leaves a factor ~100 over the worst case seen
# (4e-16 relative, 3e-16 absolute), yet fails any real mistake (a wrong side, a lost digit).
RTOL, ATOL = 1e-12, 1e-15

INTERVALS = [  # standardised bounds (a, b)
    (-INF, INF),
    (-8.0, 8.0),
    (-8.0, -7.9),
    (7.9, 8.0),
    (-INF, -8.0),
    (8.0, INF),
    (-INF, 0.0),
    (0.0, INF),
    (-8.0, INF),
    (-INF, 8.0),
    (-2.0, 8.0),
    (-8.0, 2.0),
    (-0.5, 0.7),
    (0.1, 0.2),
    (1e-3, 2e-3),
    (-1e-10, 1e-10),
    (3.0, 3.0 + 1e-7),
    (-3.0 - 1e-7, -3.0),
    (5.0, 40.0),
    (-40.0, -5.0),
    (-20.0, -19.0),
    (19.0, 20.0),
    (-38.0, -37.5),  # tail areas near the subnormals: done in logarithms
    (37.5, 40.0),
    (-50.0, -45.0),
    *(
        (a, a + width)
        for a, width in zip(RNG.uniform(-8, 8, 40), np.exp(RNG.uniform(-14, 3, 40)), strict=True)
    ),
]


def scipy_truncnorm(u: np.ndarray, a: float, b: float) -> np.ndarray:
    """scipy's truncated normal where its formula is accurate. For a < 0 scipy sums areas
    below x, Φ(a) + u·mass, which near 1 keeps only ~1e-16 / (1 − Φ(x)) of x's digits (at x = 8
    none); there the reflection −ppf(1 − u; −b, −a) sums the small areas above x instead."""
    direct = stats.truncnorm.ppf(u, a, b)
    if a >= 0:
        return direct
    return np.where(direct <= 0, direct, -stats.truncnorm.ppf(1 - u, -b, -a))


@pytest.mark.parametrize("a, b", INTERVALS)
def test_truncated_normal_matches_scipy(a: float, b: float) -> None:
    draws = truncated_normal_ppf(U, a, b, 0.0, 1.0)
    np.testing.assert_allclose(draws, scipy_truncnorm(U, a, b), rtol=RTOL, atol=ATOL)
    assert draws.min() >= a and draws.max() <= b


@pytest.mark.parametrize(
    "low, high, mean, sd",
    [
        (0.0, 1.0, 0.5, 0.05),
        (0.0, 1.0, 0.98, 0.2),  # a value near a bound
        (0.0, 1.0, 0.5, 1e-9),  # sd tiny against the interval
        (0.0, 1.0, 1e-12, 1e-9),  # ... and at a bound
        (0.0, 1.0, 0.3, 40.0),  # sd huge against it: all but uniform
        (0.0, INF, 0.006, 0.0003),  # a rate: bounded on one side
        (0.0, INF, 0.006, 0.01),
        (0.3, 0.5, 0.45, 0.2),
        (-5.0, 3.0, 2.9, 0.01),
        (100.0, 100.001, 100.0005, 1.0),  # narrow, far from 0
    ],
)
def test_truncated_normal_in_the_scenarios_units(low: float, high: float, mean: float, sd: float) -> None:
    """In a parameter's own units the draw is mean + sd·z: scipy's loc/scale form; the absolute
    tolerance scales with them (x = mean + sd·z cancels digits of both near a bound)."""
    draws = Distribution("normal", low, high, mean=mean, sd=sd).ppf(U)
    expected = mean + sd * scipy_truncnorm(U, (low - mean) / sd, (high - mean) / sd)
    np.testing.assert_allclose(draws, expected, rtol=RTOL, atol=ATOL * (abs(mean) + sd))
    assert draws.min() >= low and draws.max() <= high


def test_fixed_and_zero_width_normals() -> None:
    assert np.all(Distribution("normal", 0.0, 1.0, mean=0.4, sd=0.0).ppf(U) == 0.4)
    assert np.all(Distribution("normal", 0.7, 0.7, mean=0.7, sd=0.1).ppf(U) == 0.7)  # the one value there is
    assert np.all(Distribution("triangular", 0.2, 0.2, mode=0.2).ppf(U) == 0.2)
    assert np.all(Distribution("uniform", 0.2, 0.2).ppf(U) == 0.2)


@pytest.mark.parametrize(
    "low, mode, high",
    [
        (0.0, 0.3, 0.6),
        (0.0, 0.0, 1.0),
        (0.0, 1.0, 1.0),
        (0.2, 0.2 + 1e-9, 0.6),
        (-3.0, 5.0, 7.0),
        (1e3, 1e3 + 1, 1e3 + 2),
    ],
)
def test_triangular_matches_scipy(low: float, mode: float, high: float) -> None:
    """Within a few ulps of the interval's ends: scipy measures the falling side from `low`,
    this from `high`, so either may round the last digit of max(|low|, |high|)."""
    width = high - low
    draws = Distribution("triangular", low, high, mode=mode).ppf(U)
    expected = stats.triang.ppf(U, (mode - low) / width, loc=low, scale=width)
    np.testing.assert_allclose(draws, expected, rtol=RTOL, atol=ATOL * max(abs(low), abs(high)))
    assert draws.min() >= low and draws.max() <= high


@pytest.mark.parametrize(
    "a, b", [(2.0, 6.0), (0.5, 0.5), (0.1, 3.0), (30.0, 0.2), (1.0, 1.0), (200.0, 300.0)]
)
def test_beta_matches_scipy(a: float, b: float) -> None:
    """betaincinv is the Boost inverse scipy.stats.beta.ppf calls: equal but for rounding."""
    draws = Distribution("beta", 0.2, 0.7, a=a, b=b).ppf(U)
    expected = 0.2 + 0.5 * stats.beta.ppf(U, a, b)
    np.testing.assert_allclose(draws, expected, rtol=RTOL, atol=ATOL)
    assert draws.min() >= 0.2 and draws.max() <= 0.7


def test_uniform_is_low_plus_u_times_width() -> None:
    np.testing.assert_array_equal(Distribution("uniform", 0.2, 0.6).ppf(U), 0.2 + U * (0.6 - 0.2))


def test_stacked_draws_equal_one_distribution_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bit for bit, whatever the mix of shapes and however the rows are cut into calls."""
    monkeypatch.setattr(distribution, "_VALUES_PER_CALL", 3 * U.size)  # blocks of three rows
    distributions = [
        Distribution("normal", 0.0, 1.0, mean=0.5, sd=0.1),
        Distribution("beta", 0.0, 1.0, a=2.0, b=6.0),
        Distribution("normal", 0.0, INF, mean=0.006, sd=0.001),
        Distribution("normal", 0.0, 1.0, mean=0.3, sd=0.0),
        Distribution("triangular", 0.0, 0.6, mode=0.3),
        Distribution("uniform", 0.2, 0.6),
        Distribution("normal", 0.0, 1.0, mean=-0.4, sd=0.01),  # 40 sds out: logarithms
        Distribution("normal", 0.4, 0.4, mean=0.4, sd=0.2),
        Distribution("triangular", 0.0, 1.0, mode=1.0),
    ]
    uniforms = RNG.random((len(distributions), U.size))
    stacked = ppf_stacked(distributions, uniforms)
    for row, d in enumerate(distributions):
        np.testing.assert_array_equal(stacked[row], d.ppf(uniforms[row]), err_msg=str(d))


def test_a_list_of_quantiles_is_accepted() -> None:
    quantiles = Distribution("normal", 0.0, 1.0, mean=0.5, sd=0.1).ppf([0.1587, 0.5, 0.8413])
    np.testing.assert_allclose(quantiles, [0.4, 0.5, 0.6], atol=1e-4)


def one_new_generator_per_stream(
    seed: int, scenario: str, stream: str, start: int, stop: int, per_rep: int
) -> np.ndarray:
    """The definition of a stream's uniforms: a new Philox keyed by (seed, scenario, stream),
    advanced to replication `start`'s first word."""
    spawn_key = (zlib.crc32(scenario.encode()), zlib.crc32(stream.encode()))
    key = np.random.SeedSequence(entropy=seed, spawn_key=spawn_key).generate_state(2, np.uint64)
    generator = np.random.Philox(key=key)
    first, last = start * per_rep, stop * per_rep
    generator.advance(first // 4)
    raw = generator.random_raw(last - first + first % 4)[first % 4 :]
    return (((raw >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53).reshape(stop - start, per_rep)


@pytest.mark.parametrize(
    "start, stop, per_rep", [(0, 1, 1), (3, 11, 1), (5, 6, 7), (2, 9, 60), (1999, 2003, 3)]
)
def test_streams_read_at_once_equal_a_new_generator_each(start: int, stop: int, per_rep: int) -> None:
    names = [f"noise:shock:russia:{t}" for t in range(5)] + ["param:mediation.bias"]
    block = streams.uniform_block(7, "s", names, start, stop, per_rep)
    for row, name in enumerate(names):
        expected = one_new_generator_per_stream(7, "s", name, start, stop, per_rep)
        np.testing.assert_array_equal(block[row], expected)
        np.testing.assert_array_equal(streams.uniforms(7, "s", name, start, stop, per_rep), expected)
        np.testing.assert_array_equal(
            streams.normals(7, "s", name, start, stop, per_rep), special.ndtri(expected)
        )


def test_keys_are_derived_once_and_cannot_be_changed() -> None:
    key = streams._key(5, "s", "x")
    hits = streams._key.cache_info().hits
    assert streams._key(5, "s", "x") is key and streams._key.cache_info().hits == hits + 1
    with pytest.raises(ValueError):
        key[0] = 0


def test_noise_is_what_one_generator_per_stream_draws(flagship) -> None:
    """The per-round noise, bit for bit as drawn stream by stream: actor n, round t of a kind
    reads stream noise:<kind>:<actor>:<t>, replication r its r-th word. Shocks are drawn for
    the parties only, misperception for the parties and voters (no rule reads the others'),
    zeros standing in for the others."""
    scenario = flagship.variants["us_china_joint"]
    seed, start, stop, rounds = 11, 3, 14, 5
    noise = draw_noise(scenario, seed, start, stop, rounds)
    key = scenario.streams_key
    parties = {actor for actor, spec in scenario.actors.items() if spec.role == "party"}
    judges = parties | set(scenario.voters)
    assert parties and len(judges) < len(scenario.actors)
    for kind, drawn in (("shock", noise.shocks), ("perception", noise.perception)):
        assert drawn.shape == (stop - start, rounds, len(scenario.actors)) and drawn.flags.c_contiguous
        for n, actor in enumerate(scenario.actors):
            for t in range(rounds):
                if actor not in (parties if kind == "shock" else judges):
                    assert not drawn[:, t, n].any()
                    continue
                u = one_new_generator_per_stream(seed, key, f"noise:{kind}:{actor}:{t}", start, stop, 1)
                np.testing.assert_array_equal(drawn[:, t, n], special.ndtri(u[:, 0]))
    if scenario.mechanisms.fragile_ceasefire:
        expected = one_new_generator_per_stream(seed, key, "noise:breakdown", start, stop, rounds)
        np.testing.assert_array_equal(noise.breakdown, expected)
    if scenario.mechanisms.partial_deals:
        for k, issue in enumerate(scenario.issues):
            expected = one_new_generator_per_stream(seed, key, f"noise:partial:{issue}", start, stop, rounds)
            np.testing.assert_array_equal(noise.partial[:, :, k], expected)
