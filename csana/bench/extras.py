"""Timed jobs besides ``csana metrics``: re-scoring 500 agents, and the demo report end to end.

Re-scoring runs inside the benchmark's process (a manager changing a weight in the
notebook re-scores in the kernel that already holds the metrics); the report runs as
``csana report`` in a fresh process, as a user starts it.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csana.bench.data import DEMO_END
from csana.bench.process import run_measured

RESCORE_AGENTS = 500
RESCORE_REPEATS = 30


def time_rescore(work_dir: Path, seed: int) -> dict[str, Any]:
    """Re-score 500 agents after one weight change: median and worst of RESCORE_REPEATS runs (ms).

    The 500-agent metric table is the engine's output for a generated 500-agent shop;
    the scheme is the ready-made presales_traffic template; each run changes one
    indicator's weight (``Scheme.with_weight``) and calls :func:`csana.scoring.scorecard.score`.
    """
    from csana.demo.generator import generate_demo
    from csana.metrics.engine import agent_metrics
    from csana.scoring.scheme import load_scheme
    from csana.scoring.scorecard import score

    dataset = generate_demo(seed=seed, agents=RESCORE_AGENTS, months=1, scale=0.5, end_month=DEMO_END)
    metrics = agent_metrics(dataset, DEMO_END)
    scheme = load_scheme("presales_traffic")
    indicator = scheme.indicators[0]
    score(metrics, scheme)
    times = []
    for i in range(RESCORE_REPEATS):
        started = time.perf_counter()
        changed = scheme.with_weight(indicator.id, indicator.weight + 1 + i % 5)
        score(metrics, changed)
        times.append((time.perf_counter() - started) * 1000)
    return {"agents": metrics.height, "indicators": len(scheme.indicators), "median_ms": statistics.median(times),
            "max_ms": max(times), "repeats": RESCORE_REPEATS}


def time_report(work_dir: Path, seed: int) -> dict[str, Any]:
    """``csana report --out DIR`` on the bundled demo, end to end in a fresh process (notebook → HTML → PDF)."""
    from csana.bench.references import csana_script

    out = work_dir / "report"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    figures = run_measured([*csana_script(), "report", "--out", str(out)], work_dir / "report.log", "csana report")
    files = sorted(p.suffix.lstrip(".") for p in out.rglob("*") if p.suffix in (".html", ".pdf"))
    return {**figures, "seconds": figures["wall_s"], "files": files}


EXTRAS: dict[str, Callable[[Path, int], dict[str, Any]]] = {"rescore": time_rescore, "report": time_report}
"""Jobs timed once per benchmark run; 'stages' (per size and format) runs inside run_benchmark."""
