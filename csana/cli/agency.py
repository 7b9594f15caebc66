"""The agency options of ``csana report`` and ``csana metrics`` (``--all-shops`` and where to run), and
``csana bench-agency`` (serial vs a local Dask cluster on a batch of demo shops)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from csana.cli.base import cli
from csana.errors import CsanaError

ALL_SHOPS = click.option("--all-shops", is_flag=True,
                         help="every shop of DATA (shop_id column, or one sub-folder per shop), plus the agency overview")
WORKERS = click.option("--workers", type=click.IntRange(min=1), metavar="N",
                       help="with --all-shops: run the shops on a local Dask cluster of N processes")
SCHEDULER = click.option("--scheduler", metavar="tcp://HOST:8786",
                         help="with --all-shops: run the shops on a running Dask cluster (dask scheduler / dask worker)")
SHOPS_TABLE = click.option("--shops-table", type=click.Path(dir_okay=False), metavar="FILE",
                           help="CSV/XLSX of shop_id, name, platform, manager labelling the shops")


def where_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--all-shops, --workers, --scheduler and --shops-table, for a command that takes DATA."""
    for option in (SHOPS_TABLE, SCHEDULER, WORKERS, ALL_SHOPS):
        command = option(command)
    return command


def check_where(all_shops: bool, workers: int | None, scheduler: str | None, shops_table: str | None, **others: Any) -> None:
    """The agency options only make sense with --all-shops: refuse them alone rather than ignore them."""
    used = [name for name, value in (("--workers", workers), ("--scheduler", scheduler), ("--shops-table", shops_table),
                                     *others.items()) if value]
    if used and not all_shops:
        raise CsanaError(f"{', '.join(used)} need --all-shops", fix="add --all-shops to report every shop of the data")


def report_all_shops(config_file: str | None, options: dict[str, Any], *, workers: int | None, scheduler: str | None,
                     force: bool, shops_table: str | None, rank_by: str, min_base: int) -> None:
    """``csana report --all-shops``: every shop's report and the overview; exit 1 when a shop failed."""
    from csana.agency.run import render_book, summary_lines
    from csana.report import load_config

    if options.get("shop") or options.get("team"):
        raise CsanaError("--all-shops reports whole shops", fix="drop --shop/--team, or drop --all-shops")
    config = load_config(config_file, **options)
    result = render_book(config.data, config, workers=workers, scheduler=scheduler, force=force, shops_table=shops_table,
                         rank_by=rank_by, min_base=min_base)
    for line in summary_lines(result):
        click.echo(line, err=line.startswith("  "))
    if not result.ok:
        raise SystemExit(1)


def metrics_all_shops(data: str, month: str | None, params_file: str | None, out: str | None, daily: bool,
                      workers: int | None, scheduler: str | None, shops_table: str | None) -> None:
    """``csana metrics --all-shops``: one table of every shop's agents, with the shop's columns first."""
    from csana.agency.metrics import book_metrics
    from csana.writers import write_table

    if not out:
        raise CsanaError("--all-shops needs --out", fix="write the table to a file, e.g. --out all.parquet (or .xlsx, .csv)")
    table, failed = book_metrics(data, month, params_file, daily=daily, shops_table=shops_table, workers=workers,
                                 scheduler=scheduler)
    shops = table["shop"].n_unique() if table.height else 0
    click.echo(f"wrote {write_table(table, out)} ({table.height} rows, {shops} shops)")
    for key, error in failed.items():
        click.echo(f"  failed {key}: {error}", err=True)
    if failed:
        raise SystemExit(1)


@cli.command("bench-agency")
@click.option("--shops", type=int, default=20, show_default=True, help="demo shops (csana demo --shops N)")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True, help="local Dask workers")
@click.option("--scale", type=float, default=1.0, show_default=True, help="demo customer volume per shop")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="report formats")
@click.option("--work-dir", type=click.Path(file_okay=False), help="where data and reports go (kept)")
@click.option("--out", type=click.Path(dir_okay=False), help="also write the results as markdown (and FILE.json)")
def bench_agency_command(shops: int, workers: int, scale: float, formats: str, work_dir: str | None, out: str | None) -> None:
    """Time a batch of demo shops: serial vs a local Dask cluster, peak memory per worker, scheduler overhead."""
    import json
    import tempfile

    from csana.bench.agency import markdown, run_agency_bench

    folder = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="csana-bench-agency-"))
    results = run_agency_bench(folder, shops=shops, workers=workers, scale=scale, formats=formats,
                               echo=lambda line: click.echo(line, err=True))
    table = markdown(results)
    click.echo(table)
    if out:
        Path(out).write_text(table + "\n", encoding="utf-8")
        Path(out).with_suffix(".json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
