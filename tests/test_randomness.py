"""Replication r's randomness depends only on (seed, r, scenario): batch size changes nothing."""

from __future__ import annotations

import numpy as np

from sim.model import streams
from sim.model.engine import run_batch


def test_uniform_slices_equal_the_full_stream() -> None:
    full = streams.uniforms(11, "s", "x", 0, 50, per_rep=3)
    for start, stop in [(0, 1), (1, 2), (3, 17), (17, 50), (49, 50)]:
        np.testing.assert_array_equal(
            streams.uniforms(11, "s", "x", start, stop, per_rep=3), full[start:stop]
        )


def test_streams_differ_by_seed_scenario_and_name() -> None:
    base = streams.uniforms(1, "s", "x", 0, 100)
    for other in (
        streams.uniforms(2, "s", "x", 0, 100),
        streams.uniforms(1, "t", "x", 0, 100),
        streams.uniforms(1, "s", "y", 0, 100),
    ):
        assert not np.array_equal(base, other)


def test_uniforms_look_uniform() -> None:
    u = streams.uniforms(3, "s", "x", 0, 100_000)[:, 0]
    assert u.min() > 0 and u.max() < 1
    # mean of 1e5 uniforms has sd 0.29/sqrt(1e5) ~ 0.0009; 0.005 is over five sds
    assert abs(u.mean() - 0.5) < 0.005
    assert abs(u.var() - 1 / 12) < 0.002


def test_batch_size_does_not_change_any_replication(flagship) -> None:
    scenario = flagship.variants["us_china_joint"]
    whole = run_batch(scenario, 4, 0, 30, 40)
    parts = [run_batch(scenario, 4, start, stop, 40) for start, stop in [(0, 1), (1, 8), (8, 30)]]
    for field in ("outcome", "end_round", "terms", "position", "batna"):
        joined = np.concatenate([getattr(p.state, field) for p in parts])
        np.testing.assert_array_equal(getattr(whole.state, field), joined, err_msg=field)


def test_paths_share_their_draws(flagship) -> None:
    """Common random numbers: the same replication samples the same actor parameters on every path."""
    a = run_batch(flagship.variants["china_mediates"], 9, 0, 20, 2).params
    b = run_batch(flagship.variants["no_mediation"], 9, 0, 20, 2).params
    np.testing.assert_array_equal(a.ideal, b.ideal)
    np.testing.assert_array_equal(a.batna, b.batna)
