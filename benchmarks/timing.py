"""The timing of the benchmarks: wall-clock times of repeated runs, and their median."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(action: Callable[[], T]) -> tuple[float, T]:
    """The wall-clock time of one run of ``action()`` in seconds (``time.perf_counter``), and its result."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def timings(action: Callable[[], object], repeat: int) -> list[float]:
    """``repeat`` wall-clock timings of ``action()`` in seconds (``time.perf_counter``)."""
    return [timed(action)[0] for _ in range(repeat)]


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median of ``repeat`` wall-clock timings of ``action()``."""
    return statistics.median(timings(action, repeat))


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank): ``percentile(times, 0.95)`` is their p95."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]
