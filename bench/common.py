"""Small helpers the benchmark scripts share (no Django, no project imports)."""

from __future__ import annotations

import math
import sys
import time


def log(message: str) -> None:
    """Progress on stderr (stdout carries the Markdown report)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile of ``values`` (linear interpolation), NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)
