"""The benchmark run: the user's path, timed as whole processes, next to DuckDB and pandas.

For each size (about N messages, :mod:`csana.bench.data`), on one generated demo shop
written both as CSV and as Parquet:

1. **Parity.** ``csana metrics DATA --month 2026-10 --out m.csv`` and the two reference
   scripts (tests/reference/, :mod:`csana.bench.references`) run on the Parquet folder;
   csana's attribution comes from a helper job. All three must agree on every agent's
   core metrics and every order's credited agent (:mod:`csana.bench.parity`), or the run
   fails before any time is shown.
2. **Timing.** Each implementation runs on each input format as a fresh process, through
   :mod:`csana.bench.measure` (wall, CPU = user + sys, peak RSS of the child). csana runs
   twice in a row on the same input: the *second run* shows what a repeated load of the
   same files costs (the first fills the load cache, WORK_DIR/cache, emptied before each
   first run; the second reads validated tables, derived facts and measure rows back). The order of the implementations rotates across the ``repeats`` and the
   order of the formats alternates; the table shows medians. Every timed run's
   output is checked against the parity run's.
3. **Stages** (extra ``stages``): one more csana run per format timing its steps inside
   the process — load, derive, metrics, write — to show what limits the whole.

Then the extras run once (:mod:`csana.bench.extras`): re-scoring 500 agents, and
``csana report`` on the demo. Results: :class:`Results` (JSON), and a markdown table
(:mod:`csana.bench.table`).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from csana.bench import references as refs
from csana.bench.data import FORMATS, size_label
from csana.bench.extras import EXTRAS
from csana.bench.parity import disagreements, read_metrics, summary
from csana.bench.process import load_average, machine, run_job, run_measured, warm
from csana.errors import CsanaError
from csana.ingest import cache
from csana.params import MetricParams

IMPLS = ("csana", "duckdb", "pandas")
ALL_EXTRAS = ("stages", *EXTRAS)
RUNS = {"csana": ("first", "cached")}
"""csana runs twice in a row per input (first with an empty load cache, then cached); the references once."""
REPEATS = 3


@dataclass
class Run:
    """One timed process: an implementation on one size and input format."""

    size: str
    impl: str
    fmt: str
    run: str
    repeat: int
    wall_s: float
    cpu_s: float
    user_s: float
    sys_s: float
    peak_rss_mb: float


@dataclass
class Row:
    """The medians of one implementation's runs on one size and format."""

    size: str
    impl: str
    fmt: str
    run: str
    messages: int
    orders: int
    agents: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    repeats: int


@dataclass
class Results:
    """Everything one benchmark run measured, with the machine it ran on and its load."""

    machine: dict[str, str]
    settings: dict[str, Any]
    sizes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)
    load: list[dict[str, str]] = field(default_factory=list)

    def row(self, size: str, impl: str, fmt: str, run: str = "first") -> Row | None:
        return next((r for r in self.rows if (r.size, r.impl, r.fmt, r.run) == (size, impl, fmt, run)), None)

    def ratio(self, size: str, fmt: str, impl: str, measure: str = "wall_s") -> float | None:
        """csana's (first run) median ``measure`` ÷ ``impl``'s, same size and format (0.5 = csana 2× faster)."""
        mine, theirs = self.row(size, "csana", fmt), self.row(size, impl, fmt)
        if mine is None or theirs is None or getattr(theirs, measure) <= 0:
            return None
        return getattr(mine, measure) / getattr(theirs, measure)

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, ensure_ascii=False, indent=2)


def run_benchmark(
    sizes: Sequence[int], work_dir: Path, impls: Sequence[str] = IMPLS, formats: Sequence[str] = FORMATS,
    extras: Sequence[str] = ALL_EXTRAS, repeats: int = REPEATS, seed: int = 2026,
    echo: Callable[[str], None] = lambda _: None,
) -> Results:
    """Generate each size, check parity, time every implementation on every format, then the extras
    (with the benchmark's own load cache, ``work_dir``/cache).

    Raises CsanaError when the references are missing (no source checkout or no test
    extras) or when any two implementations disagree on any agent or order.
    """
    _check_choices(impls, formats, extras, repeats)
    work_dir.mkdir(parents=True, exist_ok=True)
    with cache_in(work_dir / "cache"):
        return _run(sizes, work_dir, impls, formats, extras, repeats, seed, echo)


def _run(sizes: Sequence[int], work_dir: Path, impls: Sequence[str], formats: Sequence[str], extras: Sequence[str],
         repeats: int, seed: int, echo: Callable[[str], None]) -> Results:
    ref_dir = refs.reference_dir()
    params = MetricParams.load()
    ref_params = refs.write_reference_params(params, work_dir / "reference_params.json")
    results = Results(machine=machine(), settings={
        "repeats": repeats, "impls": list(impls), "formats": list(formats), "extras": list(extras), "seed": seed,
        "command": "csana metrics DATA --month MONTH --out m.csv",
    })
    for n in sizes:
        label = size_label(n)
        folder = work_dir / label
        echo(f"[{label}] generating the demo shop …")
        meta = run_job(["generate", str(n), str(folder), str(seed)], folder)
        results.sizes[label] = meta
        results.load.append({"when": f"before {label}", "loadavg": load_average()})
        echo(f"[{label}] {meta['messages']:,} messages, {meta['orders']:,} orders, {meta['agents']} agents; parity …")
        warm(folder)
        results.checks[label] = check_parity(folder, meta["month"], ref_dir, ref_params)
        runs = time_size(label, folder, meta["month"], impls, formats, repeats, ref_dir, ref_params, echo)
        check_runs(folder, runs)
        results.runs += runs
        results.rows += medians(runs, meta)
        if "stages" in extras:
            for fmt in formats:
                echo(f"[{label}] stages of csana metrics on {fmt} …")
                results.stages[f"{label} {fmt}"] = time_stages(folder, fmt, meta["month"])
        results.load.append({"when": f"after {label}", "loadavg": load_average()})
    for extra in extras:
        if extra in EXTRAS:
            echo(f"{extra} …")
            results.extras[extra] = EXTRAS[extra](work_dir, seed)
    results.load.append({"when": "end", "loadavg": load_average()})
    return results


@contextmanager
def cache_in(folder: Path) -> Iterator[None]:
    """While inside, the csana processes started from here keep their load cache in ``folder`` (on,
    whatever the caller's setting), so that emptying it never touches the user's own cache."""
    saved = {name: os.environ.get(name) for name in ("CSANA_CACHE_DIR", "CSANA_CACHE")}
    os.environ.update({"CSANA_CACHE_DIR": str(folder), "CSANA_CACHE": "on"})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _check_choices(impls: Sequence[str], formats: Sequence[str], extras: Sequence[str], repeats: int) -> None:
    unknown = [i for i in impls if i not in IMPLS]
    unknown += [f for f in formats if f not in FORMATS] + [e for e in extras if e not in ALL_EXTRAS]
    if unknown or not impls or not formats:
        raise CsanaError(f"unknown or missing benchmark part(s): {', '.join(unknown) or 'none chosen'}",
                         fix=f"implementations: {', '.join(IMPLS)}; formats: {', '.join(FORMATS)}; "
                             f"extras: {', '.join(ALL_EXTRAS)}")
    if repeats < 1:
        raise CsanaError(f"--repeats {repeats}: at least one run is needed", fix="e.g. --repeats 3")


def check_parity(folder: Path, month: str, ref_dir: Path, ref_params: Path) -> str:
    """csana (the CLI's output and its attribution) and both references agree on the Parquet input, or CsanaError."""
    out = folder / "parity"
    data = folder / "parquet"
    run_measured(refs.csana_command(data, month, out / "csana.csv"), out / "csana.log", "csana metrics")
    run_job(["attribution", str(data), "-", str(out / "csana_attribution.parquet")], data)
    for ref in refs.REFERENCES:
        command = refs.reference_command(ref, ref_dir, data, month, ref_params, out / f"{ref}.csv",
                                         out / f"{ref}_attribution.parquet")
        run_measured(command, out / f"{ref}.log", f"the {ref} reference")
    results = {impl: (read_metrics(out / f"{impl}.csv"), pl.read_parquet(out / f"{impl}_attribution.parquet"))
               for impl in ("csana", *refs.REFERENCES)}
    problems = disagreements(results)
    if problems:
        raise CsanaError(f"the implementations disagree:\n{summary(problems)}", file=str(out))
    agents, orders = results["csana"][0].height, results["csana"][1].height
    return f"csana, {', '.join(refs.REFERENCES)} agree on {agents} agents and {orders:,} orders"


def run_order(impls: Sequence[str], formats: Sequence[str], repeat: int) -> list[tuple[str, str, str]]:
    """(impl, format, run) in the order of one repeat: implementations rotated by ``repeat``, formats alternating."""
    shift = repeat % len(impls)
    turn = [*impls[shift:], *impls[:shift]]
    fmts = list(formats) if repeat % 2 == 0 else list(reversed(formats))
    return [(impl, fmt, run) for impl in turn for fmt in fmts for run in RUNS.get(impl, ("first",))]


def time_size(label: str, folder: Path, month: str, impls: Sequence[str], formats: Sequence[str], repeats: int,
              ref_dir: Path, ref_params: Path, echo: Callable[[str], None]) -> list[Run]:
    """Every timed run of one size."""
    runs = []
    for repeat in range(repeats):
        echo(f"[{label}] timing, repeat {repeat + 1} of {repeats} …")
        for impl, fmt, run in run_order(impls, formats, repeat):
            out = folder / "runs" / f"{impl}_{fmt}_{run}_{repeat}.csv"
            data = folder / fmt
            command = (refs.csana_command(data, month, out) if impl == "csana"
                       else refs.reference_command(impl, ref_dir, data, month, ref_params, out))
            if run == "first":
                cache.clear()
            figures = run_measured(command, out.with_suffix(".log"), f"{impl} on {label} {fmt}")
            runs.append(Run(label, impl, fmt, run, repeat, figures["wall_s"], figures["cpu_s"], figures["user_s"],
                            figures["sys_s"], figures["peak_rss_mb"]))
    return runs


def check_runs(folder: Path, runs: Sequence[Run]) -> None:
    """Every timed run wrote the same per-agent numbers as csana's parity run, or CsanaError."""
    expected = read_metrics(folder / "parity" / "csana.csv")
    problems = []
    for r in runs:
        out = folder / "runs" / f"{r.impl}_{r.fmt}_{r.run}_{r.repeat}.csv"
        found = disagreements({"csana": (expected, None), f"{r.impl} on {r.fmt}": (read_metrics(out), None)})
        problems += found
    if problems:
        raise CsanaError(f"a timed run disagrees with the parity run:\n{summary(problems)}", file=str(folder / "runs"))


def medians(runs: Sequence[Run], meta: dict[str, Any]) -> list[Row]:
    """One row per (impl, format, run): the medians over the repeats."""
    keys = list(dict.fromkeys((r.size, r.impl, r.fmt, r.run) for r in runs))
    rows = []
    for key in keys:
        mine = [r for r in runs if (r.size, r.impl, r.fmt, r.run) == key]
        rows.append(Row(*key, meta["messages"], meta["orders"], meta["agents"],
                        statistics.median(r.wall_s for r in mine), statistics.median(r.cpu_s for r in mine),
                        statistics.median(r.peak_rss_mb for r in mine), len(mine)))
    return rows


def time_stages(folder: Path, fmt: str, month: str) -> dict[str, Any]:
    """csana metrics' steps timed inside one run on ``fmt``, plus that run's whole-process figures."""
    out = folder / "stages" / f"{fmt}.csv"
    log = out.with_suffix(".log")
    cache.clear()  # the stages of a first run
    command = [sys.executable, "-m", "csana.bench.jobs", "stages", str(folder / fmt), month, "-", str(out)]
    figures = run_measured(command, log, f"the stages job on {fmt}")
    inside = json.loads(log.read_text(encoding="utf-8").strip().splitlines()[-1])
    return {**figures, **inside}
