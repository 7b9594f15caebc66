"""``csana bench-agency``: a batch of demo shops rendered serially and on a local Dask cluster.

Each mode runs as ``csana report --data DIR --all-shops --force`` does, in a fresh process (so
its wall time is the whole process's, start-up and cluster start included, as ``/usr/bin/time -v``
shows it), after a step that is not timed and is the same for both: splitting the folder into the
shops' snapshots (a one-off per data folder; later runs reuse it). Every task reports the process it ran in and
that process's peak memory, and the peak of the processes the task started (the report's
notebook kernel and Chromium, sampled): that is the memory per worker and per shop. The scheduler's own overhead is
measured apart on a local cluster of the same size: the round trip of an empty task, and
many empty tasks' throughput. From these, :func:`projection` estimates a larger book on
several machines.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from csana.errors import CsanaError

EMPTY_TASKS = 400


def _noop(i: int) -> int:
    return i


def scheduler_overhead(workers: int, tasks: int = EMPTY_TASKS) -> dict[str, float]:
    """Cluster start-up and shut-down, one empty task's round trip (median of 30), empty tasks per second."""
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        started = time.perf_counter() - start
        client.submit(_noop, -1, pure=False).result()
        trips = []
        for i in range(30):
            t = time.perf_counter()
            client.submit(_noop, i, pure=False).result()
            trips.append(time.perf_counter() - t)
        t = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        burst = time.perf_counter() - t
        stop = time.perf_counter()
    return {"start_s": started, "stop_s": time.perf_counter() - stop, "round_trip_ms": statistics.median(trips) * 1000,
            "tasks_per_s": tasks / burst}


def run_mode(data: Path, out: Path, workers: int | None, formats: str) -> dict[str, Any]:
    """One timed batch in this process (called in a fresh process by :func:`run_agency_bench`)."""
    from csana.agency.run import render_book
    from csana.report import load_config

    config = load_config(None, data=str(data), out=str(out), formats=formats)
    start = time.perf_counter()
    result = render_book(data, config, workers=workers, force=True, show_progress=False)
    wall = time.perf_counter() - start
    failed = [f"{o.key}: {o.error}" for o in result.status("failed")]
    if failed:
        raise CsanaError(f"{len(failed)} shops failed in the benchmark: {failed[0]}")
    per_worker: dict[str, dict[str, Any]] = {}
    for o in result.outcomes:
        seen = per_worker.setdefault(o.worker, {"tasks": 0, "task_s": 0.0, "peak_rss_mib": 0.0, "children_peak_mib": 0.0})
        seen["tasks"] += 1
        seen["task_s"] += o.seconds
        seen["peak_rss_mib"] = max(seen["peak_rss_mib"], o.peak_rss_mib)
        seen["children_peak_mib"] = max(seen["children_peak_mib"], o.children_peak_mib)
    return {"wall_in_process_s": wall, "shops": len(result.outcomes), "task_s": [o.seconds for o in result.outcomes],
            "workers": per_worker}


def _children_cpu_s() -> float:
    """CPU seconds (user + system) of every finished descendant of this process so far."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _child(args: list[str]) -> dict[str, Any]:
    """Run ``python -m csana.bench.agency ARGS``; its JSON line, wall time, CPU time (with its workers,
    kernels and Chromium) and the load average before and after."""
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cpu = _children_cpu_s()
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "csana.bench.agency", *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu_s() - cpu
    if done.returncode != 0:
        raise CsanaError(f"benchmark step failed (exit {done.returncode}): {done.stderr.strip()[-800:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return {**found, "wall_s": wall, "cpu_s": cpu, "load_before": load_before,
            "load_after": os.getloadavg()[0] if hasattr(os, "getloadavg") else None}


def run_agency_bench(folder: Path, *, shops: int = 20, workers: int = 2, scale: float = 1.0, formats: str = "html,pdf",
                     echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Generate ``shops`` demo shops (as ``csana demo --shops N``), then time serial vs ``workers`` Dask workers."""
    from csana.demo.generator import generate_demo, write_demo

    data, out = folder / "data", folder / "reports"
    if not (data / "messages.csv").exists():
        echo(f"generating {shops} demo shops (scale {scale}) in {data}")
        write_demo(generate_demo(shops=shops, scale=scale), data, "csv")
    echo("warm-up: split the folder into per-shop snapshots for each mode (not timed)")
    for name in ("serial", "dask"):
        _child(["stage", str(data), str(out / name)])
    results: dict[str, Any] = {"shops": shops, "workers": workers, "scale": scale, "formats": formats, "machine": _machine()}
    for name, count in (("serial", 0), ("dask", workers)):
        echo(f"timing {name} ({count or 1} process{'es' if count > 1 else ''}) …")
        results[name] = _child(["mode", str(data), str(out / name), str(count), formats])
        echo(f"  {results[name]['wall_s']:.1f} s")
    echo("measuring the scheduler's overhead …")
    results["scheduler"] = _child(["overhead", str(workers)])
    results["speedup"] = results["serial"]["wall_s"] / results["dask"]["wall_s"]
    results["projection"] = projection(results)
    return results


def projection(results: dict[str, Any], shops: int = 300, machines: int = 10) -> dict[str, Any]:
    """A book of ``shops`` on ``machines`` machines like this one, each with as many workers as here.

    Wall ≈ cluster start + ⌈shops / all workers⌉ × time per task + the scheduler's time per task, with
    the time per task as measured here (on this machine's load), and as the CPU seconds a shop took in
    the Dask run (cluster start included), which is what a task takes on a worker with an idle core of
    its own. Memory per machine ≈ workers × (worker process + largest child)."""
    dask = results["dask"]
    workers = results["workers"]
    total = workers * machines
    per_task = statistics.mean(dask["task_s"])
    per_worker = -(-shops // total)
    scheduler = results["scheduler"]
    overhead = scheduler["start_s"] + shops / scheduler["tasks_per_s"]
    cpu_per_task = dask["cpu_s"] / dask["shops"]
    peak = max(w["peak_rss_mib"] for w in dask["workers"].values())
    child = max(w["children_peak_mib"] for w in dask["workers"].values())
    return {"shops": shops, "machines": machines, "workers": total, "tasks_per_worker": per_worker,
            "task_s": per_task, "wall_s": overhead + per_worker * per_task, "cpu_task_s": cpu_per_task,
            "idle_wall_s": overhead + per_worker * cpu_per_task, "worker_mib": peak, "child_mib": child,
            "machine_mib": workers * (peak + child)}


def _machine() -> dict[str, str]:
    from csana.bench.runner import machine

    return {**machine(), "python": platform.python_version()}


def markdown(results: dict[str, Any]) -> str:
    """The benchmark as a markdown table with the projection under it."""
    lines = ["| mode | processes | shops | wall s | CPU s | cores busy | mean task s | tasks per worker | "
             "peak RSS per worker (own / its kernel + Chromium) | load avg before → after |",
             "|---|--:|--:|--:|--:|--:|--:|---|---|---|"]
    for name in ("serial", "dask"):
        run = results[name]
        workers = run["workers"].values()
        tasks = " / ".join(str(w["tasks"]) for w in workers)
        memory = " · ".join(f"{w['peak_rss_mib']:.0f} / {w['children_peak_mib']:.0f} MiB" for w in workers)
        processes = results["workers"] if name == "dask" else 1
        lines.append(f"| {name} | {processes} | {run['shops']} | {run['wall_s']:.1f} | {run['cpu_s']:.0f} | "
                     f"{run['cpu_s'] / run['wall_s']:.2f} | {statistics.mean(run['task_s']):.1f} | "
                     f"{tasks} | {memory} | {run['load_before']:.1f} → {run['load_after']:.1f} |")
    s, p = results["scheduler"], results["projection"]
    lines += ["", f"- speed-up of {results['workers']} Dask workers over serial: {results['speedup']:.2f}×",
              f"- local cluster of {results['workers']} workers: start {s['start_s']:.1f} s, stop {s['stop_s']:.1f} s, "
              f"empty-task round trip {s['round_trip_ms']:.1f} ms, {s['tasks_per_s']:.0f} empty tasks/s",
              f"- projection, {p['shops']} shops on {p['machines']} such machines ({p['workers']} workers): "
              f"{p['tasks_per_worker']} tasks per worker × {p['task_s']:.1f} s (as measured here) ≈ {p['wall_s'] / 60:.1f} min, "
              f"× {p['cpu_task_s']:.1f} CPU s (a core of its own per worker) ≈ {p['idle_wall_s'] / 60:.1f} min; "
              f"memory per machine ≈ {p['machine_mib'] / 1024:.1f} GiB ({p['worker_mib']:.0f} MiB per worker process "
              f"+ {p['child_mib']:.0f} MiB for a shop's kernel and Chromium)"]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    """``python -m csana.bench.agency mode DATA OUT WORKERS FORMATS`` | ``stage DATA OUT`` | ``overhead WORKERS``:
    one JSON line."""
    if argv[0] == "mode":
        data, out, workers, formats = Path(argv[1]), Path(argv[2]), int(argv[3]), argv[4]
        found = run_mode(data, out, workers or None, formats)
    elif argv[0] == "stage":
        from csana.agency.stage import open_book

        found = {"shops": len(open_book(argv[1], argv[2]).shops)}
    else:
        found = scheduler_overhead(int(argv[1]))
    print(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1:])
