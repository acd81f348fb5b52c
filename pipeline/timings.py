"""Seconds spent per pipeline stage, summed over a run (read by the benchmark).

`with stage("parse"): ...` adds the wall-clock time of the block to a
process-wide counter; `snapshot()` and `reset()` are for `bench/`. The cost is
two perf_counter calls per block, so the timers stay on in production, where
nobody reads them. With several threads processing mails at once the sums
count each thread's time, so they may add up to more than the wall time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_totals: dict[str, float] = {}
_lock = threading.Lock()


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Add the time spent in the block to the stage `name`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        with _lock:
            _totals[name] = _totals.get(name, 0.0) + elapsed


def add(name: str, seconds: float) -> None:
    """Add seconds measured elsewhere (in a worker process) to the stage `name`."""
    with _lock:
        _totals[name] = _totals.get(name, 0.0) + seconds


def snapshot() -> dict[str, float]:
    """Seconds per stage since the last reset()."""
    with _lock:
        return dict(_totals)


def reset() -> None:
    with _lock:
        _totals.clear()
