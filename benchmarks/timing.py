"""The one timing rule of the benchmarks: the median wall-clock time of repeated runs."""

from __future__ import annotations

import statistics
import time


def median_seconds(action, repeat: int) -> float:
    """Median of ``repeat`` wall-clock timings of ``action()`` (``time.perf_counter``)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)
