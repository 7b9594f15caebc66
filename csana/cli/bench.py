"""``csana bench``: whole-process timings against pandas and DuckDB (needs a source checkout and the test extras)."""

from __future__ import annotations

from pathlib import Path

import click

from csana.cli.base import cli


@cli.command("bench")
@click.option("--sizes", default="1M,10M", show_default=True, metavar="N,N", help="message counts, e.g. 100k,1M,10M")
@click.option("--impl", "impls", default="csana,pandas,duckdb", show_default=True, help="implementations to time")
@click.option("--extras", default="rescore,load,report", show_default=True,
              help="also time: rescore (500 agents), load (CSV and Parquet), report (demo, end to end); '' for none")
@click.option("--work-dir", type=click.Path(file_okay=False), help="where data and results go (kept; reused on the next run)")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False), help="also write the table as markdown (and FILE.json)")
def bench_command(sizes: str, impls: str, extras: str, work_dir: str | None, seed: int, out: str | None) -> None:
    """Benchmark csana's engine against pandas and DuckDB on generated demo data (needs the test extras)."""
    import tempfile

    from csana.bench.runner import markdown as to_markdown
    from csana.bench.runner import parse_size, run_benchmark

    def split(text: str) -> list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]

    folder = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="csana-bench-"))
    results = run_benchmark([parse_size(s) for s in split(sizes)], folder, split(impls), split(extras), seed,
                            echo=lambda line: click.echo(line, err=True))
    table = to_markdown(results)
    click.echo(table)
    if out:
        Path(out).write_text(table + "\n", encoding="utf-8")
        Path(out).with_suffix(".json").write_text(results.to_json(), encoding="utf-8")
    click.echo(f"data and per-implementation results: {folder}", err=True)
