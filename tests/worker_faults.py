"""Jobs for worker processes that fail in ways a real run can: imported by the workers of
tests/test_worker_loss.py (a spawned worker imports the module a job's function lives in)."""

from __future__ import annotations

import os
import signal
import struct
import sys
from pathlib import Path
from typing import Any


def doubled_or_dies_mid_result(job: tuple[int, str]) -> int:
    """2 × the job's number; but the first time job 3 runs (no marker file yet), the worker
    writes the start of a result message into the pool's result pipe and is killed before the
    rest: what SIGKILL or the OOM killer does to a worker caught sending a chunk's result."""
    number, marker = job
    if number == 3 and not Path(marker).exists():
        Path(marker).touch()
        result_queue = _pool_result_queue()
        header = struct.pack("!i", 1000)  # a 1,000-byte message is announced ...
        os.write(result_queue._writer.fileno(), header + b"x" * 10)  # ... and 10 bytes of it sent
        os.kill(os.getpid(), signal.SIGKILL)
    return 2 * number


def _pool_result_queue() -> Any:
    """The result queue of the worker's pool, from the frame of concurrent.futures' worker loop."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "_process_worker":
            return frame.f_locals["result_queue"]
        frame = frame.f_back
    raise RuntimeError("not running in a concurrent.futures worker")
