"""Timing for the tests that bound how long something takes, robust on a shared, loaded machine.

A wall clock measures the neighbours too: with the suite on two workers (or another job on the
machine), a load may wait for a core as long as it runs. These helpers measure CPU seconds
(user + system of this process, every thread: what the work itself costs) and keep the least of a
few runs taken in turns, so a slow spell hits every size alike and no single unlucky run decides."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def cpu_seconds(work: Callable[[], T]) -> tuple[float, T]:
    """The CPU seconds of one call of ``work``, and what it returned."""
    start = time.process_time()
    result = work()
    return time.process_time() - start, result


def least_cpu_seconds(works: dict[K, Callable[[], T]], rounds: int = 3) -> tuple[dict[K, float], dict[K, T]]:
    """Each work's least CPU seconds over ``rounds`` runs, the works run in turn (A B C A B C …), and
    each work's last result (for the test's own checks)."""
    seconds: dict[K, float] = {}
    results: dict[K, T] = {}
    for _ in range(rounds):
        for key, work in works.items():
            spent, results[key] = cpu_seconds(work)
            seconds[key] = min(spent, seconds.get(key, spent))
    return seconds, results
