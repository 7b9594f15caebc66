"""Time one command as a whole fresh process: wall seconds, CPU seconds (user + sys), peak memory.

Run by file path, not as ``-m csana.bench.measure``, so that it imports nothing but the
standard library (not csana, not polars)::

    python csana/bench/measure.py LOG -- csana metrics DATA --month 2026-10 --out m.csv

prints one JSON line ``{"wall_s", "user_s", "sys_s", "cpu_s", "peak_rss_mb", "exit"}``
and sends the command's own output to LOG. The numbers are what ``/usr/bin/time -v``
reports (elapsed, user + system time, maximum resident set size), read from
``os.wait4`` of the child.

Why a separate small process: Linux carries the parent's peak resident memory into a
child across fork and exec (``ru_maxrss`` is at least the parent's high-water mark), so
a child started by the benchmark itself (which has polars and the results loaded)
would report the benchmark's peak when that was higher. Started from this ~10 MiB
process, the child's peak is its own.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence


def measure(command: Sequence[str], log: str) -> dict[str, float]:
    """Run ``command`` (output to ``log``) and return its wall, CPU and peak-memory figures."""
    with open(log, "wb") as out:
        actions = [(os.POSIX_SPAWN_DUP2, out.fileno(), 1), (os.POSIX_SPAWN_DUP2, out.fileno(), 2)]
        started = time.perf_counter()
        pid = os.posix_spawnp(command[0], list(command), dict(os.environ), file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        wall = time.perf_counter() - started
    return {
        "wall_s": wall, "user_s": usage.ru_utime, "sys_s": usage.ru_stime, "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mb": usage.ru_maxrss / 1024, "exit": os.waitstatus_to_exitcode(status),
    }


def main(argv: Sequence[str]) -> int:
    """``measure.py LOG -- COMMAND...``: print the figures as one JSON line."""
    if len(argv) < 3 or argv[1] != "--":
        print("usage: measure.py LOG -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    print(json.dumps(measure(argv[2:], argv[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
