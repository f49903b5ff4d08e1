"""A worker that dies while sending a result: the pool's own machinery cannot see it (its
manager thread waits for the rest of the message for ever), so negsim must, and the run
completes with every result."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.runner.backends import Processes
from tests.worker_faults import doubled_or_dies_mid_result


@pytest.mark.slow  # starts two pools of worker processes
@pytest.mark.timeout(120)  # the hang this guards against would otherwise last for ever
def test_a_worker_killed_while_sending_a_result_loses_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = str(tmp_path / "died-once")
    jobs = [(number, marker) for number in range(8)]
    results = sorted(Processes(2).map_unordered(doubled_or_dies_mid_result, jobs))
    assert Path(marker).exists(), "the worker never got to die: the test tested nothing"
    assert results == [2 * number for number in range(8)]
    assert "a worker process died" in capsys.readouterr().err
