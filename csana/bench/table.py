"""The benchmark's results as markdown: machine and load, the main table, scaling, stages, extras, targets."""

from __future__ import annotations

from csana.bench.runner import IMPLS, Results, Row

TARGETS = {"csv": 1.0, "parquet": 0.6, "peak_rss_mb": 1.5e9 / 2**20, "cached_s": 2.0, "rescore_ms": 30.0,
           "report_s": 15.0}
"""The project's targets on 2 cores, at 10M messages: CSV in, end to end, no slower than DuckDB on the same files
(csana ÷ DuckDB wall ≤ 1.0) within 1.5 GB peak RSS; Parquet in ≤ 0.6× DuckDB; a cached second run ≤ 2 s;
re-score 500 agents < 30 ms; demo report HTML + PDF < 15 s."""
TARGET_SIZE = "10M"
NAMES = {"csana": "csana", "duckdb": "DuckDB", "pandas": "pandas"}
FORMAT_NAMES = {"csv": "CSV", "parquet": "Parquet"}
METHOD = (
    "Each figure is the median of {repeats} fresh processes (implementations in rotating order): wall = start to "
    "exit, CPU = user + sys, peak RSS = the process's maximum resident memory. csana: `csana metrics DATA --month "
    "2026-10 --out m.csv` (loads and validates every table of DATA, computes every catalogue metric); DuckDB and "
    "pandas: `tests/reference/{{duckdb,pandas}}_metrics.py DATA --month 2026-10 --out m.csv` (messages and orders "
    "only; core metrics: response side, attribution, conv_final, sales). csana, first run: with an empty load cache; "
    "cached run: the same command again right after it, reading the validated tables back from the load cache."
)


def markdown(results: Results) -> str:
    """The whole report, one markdown document."""
    m = results.machine
    loads = "; ".join(f"{x['when']} {x['loadavg']}" for x in results.load)
    lines = [
        (f"Measured {m['date']} on {m['cpu']}, {m['nproc']} cores, {m['memory']} RAM; Python {m['python']}, "
         f"polars {m['polars']}, pandas {m['pandas']}, DuckDB {m['duckdb']}, pyarrow {m['pyarrow']}. "
         f"Load average (1/5/15 min): {loads}."),
        "",
        METHOD.format(repeats=results.settings["repeats"]),
        "",
        *main_table(results), "", *scaling_table(results), *stage_table(results), *extra_lines(results),
        *[f"- {c}" for c in results.checks.values()], "", *verdict_lines(results),
    ]
    return "\n".join(lines)


def _mib(mb: float) -> str:
    return f"{mb / 1024:.2f} GiB" if mb >= 1024 else f"{mb:.0f} MiB"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _ordered(results: Results) -> list[Row]:
    sizes = list(results.sizes)
    fmts = list(results.settings["formats"])
    rank = {impl: i for i, impl in enumerate(IMPLS)}
    runs = ("first", "cached")
    return sorted(results.rows, key=lambda r: (sizes.index(r.size), fmts.index(r.fmt), rank[r.impl], runs.index(r.run)))


def _label(row: Row) -> str:
    return NAMES[row.impl] + (", cached run" if row.run == "cached" else "")


def main_table(results: Results) -> list[str]:
    """One row per size × input × implementation, with csana's ratios to each reference."""
    lines = ["| size | messages | input | implementation | wall s | CPU s | peak RSS | csana ÷ this, wall | csana ÷ this, CPU |",
             "|---|--:|---|---|--:|--:|--:|--:|--:|"]
    for r in _ordered(results):
        other = r.impl != "csana"
        wall = results.ratio(r.size, r.fmt, r.impl) if other else None
        cpu = results.ratio(r.size, r.fmt, r.impl, "cpu_s") if other else None
        lines.append(f"| {r.size} | {r.messages:,} | {FORMAT_NAMES[r.fmt]} | {_label(r)} | {r.wall_s:.2f} | {r.cpu_s:.2f} | "
                     f"{_mib(r.peak_rss_mb)} | {_ratio(wall)} | {_ratio(cpu)} |")
    return lines


def scaling_table(results: Results) -> list[str]:
    """Wall seconds per size for each implementation and input, and how they grew against the messages."""
    sizes = list(results.sizes)
    if len(sizes) < 2:
        return []
    first, last = results.sizes[sizes[0]]["messages"], results.sizes[sizes[-1]]["messages"]
    lines = [f"Scaling (wall s; {sizes[0]} → {sizes[-1]} is {last / first:.1f}× the messages):", "",
             f"| input | implementation | {' | '.join(sizes)} | × wall | × CPU |", f"|---|---|{'--:|' * (len(sizes) + 2)}"]
    seen = list(dict.fromkeys((r.fmt, r.impl, r.run) for r in _ordered(results)))
    for fmt, impl, run in seen:
        rows = [results.row(s, impl, fmt, run) for s in sizes]
        cells = ["—" if r is None else f"{r.wall_s:.2f}" for r in rows]
        small, big = rows[0], rows[-1]
        grow = (f"{big.wall_s / small.wall_s:.1f} | {big.cpu_s / small.cpu_s:.1f}" if small and big and small.wall_s > 0
                else "— | —")
        lines.append(f"| {FORMAT_NAMES[fmt]} | {_label(small or big)} | {' | '.join(cells)} | {grow} |")
    return [*lines, ""]


def stage_table(results: Results) -> list[str]:
    """Where one csana metrics run spends its time: start-up and imports, load, derive, metrics, write."""
    if not results.stages:
        return []
    steps = ("load", "derive", "metrics", "write")
    lines = ["Inside one `csana metrics` run (wall s, CPU s in brackets; start-up = interpreter, imports and exit):", "",
             "| size | input | start-up | load | derive | metrics | write | whole process | peak RSS |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for key, x in results.stages.items():
        size, fmt = key.split()
        inside = x["stages"]
        startup = x["wall_s"] - sum(inside[s]["wall_s"] for s in steps)
        cells = " | ".join(f"{inside[s]['wall_s']:.2f} ({inside[s]['cpu_s']:.2f})" for s in steps)
        lines.append(f"| {size} | {FORMAT_NAMES[fmt]} | {startup:.2f} | {cells} | {x['wall_s']:.2f} ({x['cpu_s']:.2f}) | "
                     f"{_mib(x['peak_rss_mb'])} |")
    return [*lines, ""]


def extra_lines(results: Results) -> list[str]:
    lines = []
    if "rescore" in results.extras:
        x = results.extras["rescore"]
        lines.append(f"- re-scoring {x['agents']} agents × {x['indicators']} indicators after one weight change: "
                     f"median {x['median_ms']:.1f} ms, worst {x['max_ms']:.1f} ms of {x['repeats']}")
    if "report" in results.extras:
        x = results.extras["report"]
        lines.append(f"- `csana report` on the bundled demo, end to end ({' + '.join(x['files'])}): "
                     f"{x['wall_s']:.1f} s wall, {x['cpu_s']:.1f} s CPU, peak {_mib(x['peak_rss_mb'])}")
    return lines


def verdict_lines(results: Results) -> list[str]:
    """The targets, met or missed: the target size (10M) end to end, and every ratio."""
    checks: list[tuple[str, bool]] = []
    for fmt in results.settings["formats"]:
        name = FORMAT_NAMES[fmt]
        ratio, cpu = results.ratio(TARGET_SIZE, fmt, "duckdb"), results.ratio(TARGET_SIZE, fmt, "duckdb", "cpu_s")
        if ratio is not None and cpu is not None:
            checks.append((f"{TARGET_SIZE} from {name}, ≤ {TARGETS[fmt]:.1f}× DuckDB's wall (csana ÷ DuckDB wall = {ratio:.2f}; "
                           f"CPU = {cpu:.2f})", ratio <= TARGETS[fmt]))
        big, cached = results.row(TARGET_SIZE, "csana", fmt), results.row(TARGET_SIZE, "csana", fmt, "cached")
        if big and fmt == "csv":
            checks.append((f"{TARGET_SIZE} from {name}, peak RSS ≤ 1.5 GB ({big.peak_rss_mb * 2**20 / 1e9:.2f} GB)",
                           big.peak_rss_mb <= TARGETS["peak_rss_mb"]))
        if cached:
            checks.append((f"{TARGET_SIZE} from {name}, cached second run ≤ {TARGETS['cached_s']:.0f} s "
                           f"({cached.wall_s:.1f} s wall, {cached.cpu_s:.1f} s CPU)", cached.wall_s <= TARGETS["cached_s"]))
    if "rescore" in results.extras:
        ms = results.extras["rescore"]["median_ms"]
        checks.append((f"re-score < {TARGETS['rescore_ms']:.0f} ms ({ms:.1f} ms)", ms < TARGETS["rescore_ms"]))
    if "report" in results.extras:
        s = results.extras["report"]["wall_s"]
        checks.append((f"demo report HTML + PDF < {TARGETS['report_s']:.0f} s ({s:.1f} s)", s < TARGETS["report_s"]))
    return [f"- {'met' if ok else 'MISSED'}: {text}" for text, ok in checks]
