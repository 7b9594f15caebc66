"""``csana bench``: whole-process timings against pandas and DuckDB (needs a source checkout and the test extras)."""

from __future__ import annotations

from pathlib import Path

import click

from csana.cli.base import cli


@cli.command("bench")
@click.option("--sizes", default="1M,10M", show_default=True, metavar="N,N",
              help="message counts of the generated demo shops, e.g. 100k,1M,10M,30M")
@click.option("--repeats", default=3, show_default=True, type=int, help="fresh processes per implementation and input; medians shown")
@click.option("--impl", "impls", default="csana,duckdb,pandas", show_default=True, help="implementations to time")
@click.option("--formats", default="csv,parquet", show_default=True, help="input formats to time")
@click.option("--extras", default="stages,rescore,report", show_default=True,
              help="also time: stages (load/derive/metrics/write inside one csana run), rescore (500 agents), "
                   "report (demo HTML + PDF, end to end); '' for none")
@click.option("--work-dir", type=click.Path(file_okay=False), help="where data and results go (kept; data reused on the next run)")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False), help="also write the table as markdown (and FILE.json)")
def bench_command(sizes: str, repeats: int, impls: str, formats: str, extras: str, work_dir: str | None, seed: int,
                  out: str | None) -> None:
    """Time what users run — `csana metrics DIR --month M --out m.csv` on CSV and on Parquet — against DuckDB and pandas.

    For each size a demo shop of about N messages is generated (as CSV and as Parquet).
    csana, tests/reference/duckdb_metrics.py and tests/reference/pandas_metrics.py
    (the same core metrics: response side, attribution, conv_final, sales) must first
    agree on every agent and every order, or nothing is timed. Then each runs as a
    whole fresh process on each format, REPEATS times in rotating order; csana runs a
    second time right after the first: first with an empty load cache, then cached (the
    validated tables read back; the benchmark's cache is WORK_DIR/cache). The table
    shows median wall seconds, CPU seconds (user + sys) and peak RSS per
    implementation, and csana ÷ DuckDB and csana ÷ pandas from the same run; then the
    scaling over the sizes, the extras, the load average seen, and the targets.

    Needs a source checkout with the test extras (pip install -e '.[test]'): the
    references are test code.
    """
    import tempfile

    from csana.bench.data import parse_size
    from csana.bench.runner import run_benchmark
    from csana.bench.table import markdown

    def split(text: str) -> list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]

    folder = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="csana-bench-"))
    results = run_benchmark([parse_size(s) for s in split(sizes)], folder, split(impls), split(formats), split(extras),
                            repeats, seed, echo=lambda line: click.echo(line, err=True))
    table = markdown(results)
    click.echo(table)
    if out:
        Path(out).write_text(table + "\n", encoding="utf-8")
        Path(out).with_suffix(".json").write_text(results.to_json(), encoding="utf-8")
    click.echo(f"data, per-run outputs and logs: {folder}", err=True)
