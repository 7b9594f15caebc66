"""The benchmark's helper jobs, each run in a fresh process: ``python -m csana.bench.jobs JOB ARGS...``.

- ``generate N FOLDER SEED``: write the demo shop of about N messages (:func:`csana.bench.data.generate`),
  in a child so the benchmark's own process stays small;
- ``attribution DATA PARAMS OUT``: every order's credited agent as csana computes it (for the parity check;
  the ``csana metrics`` command does not write it);
- ``stages DATA MONTH PARAMS OUT``: the ``csana metrics DATA --month MONTH --out OUT`` command's steps,
  timed one by one inside the run: load (open and validate every table of DATA), derive (receptions,
  bursts, inquiries, attribution, assists), metrics (the catalogue for the month, provisional flags)
  and write (the CSV).

PARAMS is a MetricParams JSON file, or ``-`` for params/metrics.yaml. Each job prints its
result as one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from csana.params import MetricParams


def _params(arg: str) -> MetricParams:
    return MetricParams.load() if arg == "-" else MetricParams.model_validate_json(Path(arg).read_text(encoding="utf-8"))


def attribution(data: str, params: str, out: str) -> dict[str, Any]:
    """Write order_id → credited_agent of DATA (as ``csana metrics`` loads it) to OUT (Parquet)."""
    from csana.datasets import open_data
    from csana.facts.derived import derive

    credit = derive(open_data(data), _params(params)).attribution.select("order_id", "credited_agent")
    credit.write_parquet(out)
    return {"orders": credit.height}


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stages(data: str, month: str, params: str, out: str) -> dict[str, Any]:
    """Wall and CPU seconds of each step of ``csana metrics DATA --month MONTH --out OUT``."""
    from csana.datasets import open_data
    from csana.facts.derived import derive
    from csana.metrics import engine
    from csana.metrics.provisional import with_provisional
    from csana.writers import write_table

    metric_params = _params(params)
    timings: dict[str, dict[str, float]] = {}
    state: dict[str, Any] = {}

    def step(name: str, work: Callable[[], Any]) -> None:
        wall, cpu = time.perf_counter(), _cpu_s()
        state[name] = work()
        timings[name] = {"wall_s": time.perf_counter() - wall, "cpu_s": _cpu_s() - cpu}

    step("load", lambda: open_data(data))
    dataset = state["load"]
    step("derive", lambda: derive(dataset, metric_params))
    step("metrics", lambda: with_provisional(engine.agent_metrics(dataset, month, metric_params), dataset, metric_params))
    step("write", lambda: write_table(state["metrics"], out))
    return {"stages": timings, "messages": dataset.messages.height, "agents": state["metrics"].height}


def generate(n: str, folder: str, seed: str) -> dict[str, Any]:
    from csana.bench.data import generate as make

    return make(int(n), Path(folder), int(seed))


JOBS: dict[str, Callable[..., dict[str, Any]]] = {"generate": generate, "attribution": attribution, "stages": stages}


def main(argv: Sequence[str]) -> None:
    job, *args = argv
    print(json.dumps(JOBS[job](*args)))


if __name__ == "__main__":
    main(sys.argv[1:])
