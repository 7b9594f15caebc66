"""Running the benchmark's children: measured commands, helper jobs, and what the machine is.

Every timed figure comes from a whole fresh process started through
``csana/bench/measure.py`` (wall, user + sys CPU, peak RSS of the child, as
``/usr/bin/time -v`` reports them); helper jobs (:mod:`csana.bench.jobs`) run in
children too so the benchmark's own process stays small.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from csana.errors import CsanaError

MEASURE = Path(__file__).with_name("measure.py")
TIMEOUT_S = 3600.0


def run_measured(command: Sequence[str], log: Path, what: str) -> dict[str, float]:
    """Run ``command`` in a fresh process (its output to ``log``) and return wall_s, cpu_s, user_s, sys_s, peak_rss_mb.

    Raises CsanaError naming ``what`` and the end of its output when it fails.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, str(MEASURE), str(log), "--", *command], capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise CsanaError(f"could not start {what}: {done.stderr.strip()[-500:]}", file=str(log))
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if figures.pop("exit") != 0:
        raise CsanaError(f"{what} failed: {_tail(log)}", file=str(log), fix="run the command in the log by hand to see why")
    return figures


def run_job(args: Sequence[str], where: Path) -> dict[str, Any]:
    """``python -m csana.bench.jobs ARGS`` in a fresh process; its JSON result."""
    done = subprocess.run([sys.executable, "-m", "csana.bench.jobs", *args], capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    if done.returncode != 0:
        raise CsanaError(f"benchmark job '{args[0]}' failed (exit {done.returncode}): {_last_lines(done.stderr)}",
                         file=str(where))
    return json.loads(done.stdout.strip().splitlines()[-1])


def _tail(log: Path) -> str:
    try:
        return _last_lines(log.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return "(no output)"


def _last_lines(text: str, n: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-n:]) or "(no output)"


def warm(folder: Path) -> None:
    """Read every file under ``folder`` once, so the first timed run does not pay for the disk alone."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with path.open("rb") as f:
                while f.read(1 << 24):
                    pass


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (as ``uptime`` shows them)."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "-"


def machine() -> dict[str, str]:
    """The machine's cores, memory and CPU model, and the library versions measured."""
    import importlib.metadata as md

    cpu = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read_lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    versions = {}
    for name in ("polars", "pandas", "duckdb", "pyarrow"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "-"
    return {
        "date": dt.date.today().isoformat(), "cpu": cpu, "nproc": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 ** 2:.1f} GiB", "python": platform.python_version(), **versions,
    }


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []
