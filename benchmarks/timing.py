"""The timing of the benchmarks: wall-clock times of repeated runs, and their median."""

from __future__ import annotations

import statistics
import time


def timings(action, repeat: int) -> list[float]:
    """``repeat`` wall-clock timings of ``action()`` in seconds (``time.perf_counter``)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return times


def median_seconds(action, repeat: int) -> float:
    """Median of ``repeat`` wall-clock timings of ``action()``."""
    return statistics.median(timings(action, repeat))
