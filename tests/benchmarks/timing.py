"""Timing a call the way every benchmark here does: warm it up, then time each run in milliseconds."""
from __future__ import annotations

import time
from collections.abc import Callable


def times(func: Callable[[], object], runs: int, warmups: int = 1) -> list[float]:
    """Milliseconds of each of `runs` calls, after `warmups` untimed ones (page cache, statement cache)."""
    for _ in range(warmups):
        func()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        out.append((time.perf_counter() - started) * 1000)
    return out
