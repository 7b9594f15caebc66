"""Commands about the data itself: ``csana metrics``, ``csana check``, ``csana demo``."""

from __future__ import annotations

import shlex

import click

from csana.cli.agency import check_where, metrics_all_shops, where_options
from csana.cli.base import DATA, LANG, MONTH, NO_CACHE, PARAMS, cli, load_data
from csana.i18n import Captions, in_lang

CHECK = Captions({
    "files": ("读取的文件", "files"), "rules": ("检查规则", "rules"), "not_agents": ("不是客服的行", "rows that are not agents"),
    "file": ("文件", "file"), "table": ("表", "table"), "encoding": ("编码", "encoding"), "flavour": ("导出类型", "flavour"),
    "rows_read": ("读取行数", "rows read"), "rows_used": ("使用行数", "rows used"), "rows_rejected": ("剔除行数", "rows rejected"),
    "rule": ("规则", "rule"), "reason": ("原因", "reason"), "checked": ("检查", "checked"), "passed": ("通过", "passed"),
    "set_aside": ("剔除", "set aside"), "fix": ("修正方法", "fix"), "row": ("行", "row"), "label": ("名称", "label"),
    "caught_by": ("识别依据", "caught by"),
    "warning": ("注意: {text}", "warning: {text}"),
    "wrote": ("已写出 {path}（{n} 行）", "wrote {path} ({n} rows)"),
    "total": ("使用 {used:,} 行，剔除 {rejected:,} 行", "{used:,} rows used, {rejected:,} rejected"),
    "kinds": ("（{kinds} 类问题，见上）", " ({kinds} kind(s) of problem, listed above)"),
})
"""What ``csana check`` prints around the data, in its ``--lang``: table titles, column headers, summary lines."""


@cli.command("metrics")
@DATA
@MONTH
@PARAMS
@click.option("--out", type=click.Path(dir_okay=False), help="write FILE.csv, .xlsx or .parquet (canonical ids as columns)")
@click.option("--daily", is_flag=True, help="one row per agent per day instead of per month")
@LANG
@where_options
@NO_CACHE
def metrics_command(data: str, month: str | None, params_file: str | None, out: str | None, daily: bool, lang: str,
                    all_shops: bool, workers: int | None, scheduler: str | None, shops_table: str | None) -> None:
    """Per-agent metrics of a month (definitions: docs/metrics.md), from raw logs or platform exports (--all-shops: every shop, a shop column first)."""
    check_where(all_shops, workers, scheduler, shops_table)
    if all_shops:
        metrics_all_shops(data, month, params_file, out, daily, workers, scheduler, shops_table)
        return
    from csana.ingest.dataset import Capability
    from csana.metrics import engine, provisional
    from csana.params import MetricParams

    dataset = load_data(data)
    params = MetricParams.load(params_file)
    print_set_aside(dataset, data, lang)
    compute = engine.agent_daily_metrics if daily else engine.agent_metrics
    table = compute(dataset, month, params)
    if not dataset.can(Capability.DISTINCT_CUSTOMERS):  # unknown headers, derived counts, customer-days
        for note in dataset.warnings:
            click.echo(f"注意: {in_lang(note, lang)}" if lang == "zh" else f"note: {note}", err=True)
    if out:
        from csana.writers import write_table

        table = provisional.with_provisional(table, dataset, params)
        notes: list[str] = []
        click.echo(f"wrote {write_table(table, out, notes=notes)} ({table.height} rows)")
        for note in notes:
            click.echo(f"note: {note}", err=True)
        return
    print_metrics(table, "date" if daily else "month", lang)
    if dataset.can(Capability.DATA_END):
        month = month or engine.latest_complete_month(dataset, params)
        print_provisional(provisional.provisional(dataset, month, params), lang)


def print_set_aside(dataset, data: str, lang: str) -> None:
    """One line on standard error with the rows set aside and why (``csana check`` lists them)."""
    from csana.ingest.rules import set_aside_line

    line = set_aside_line(dataset.rejected, shlex.quote(str(data)), lang)
    if line:
        click.echo(line, err=True)


def print_metrics(table, period: str, lang: str) -> None:
    """A readable table: one row per metric, one column per agent (and day, when daily).

    The terminal tables here show user data (agent names, file names): rich's markup and emoji
    codes are off, so a name like "[/]" or ":cat:" prints as written instead of failing or changing."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table

    from csana.catalogue import PUBLIC_IDS, metric
    from csana.present.formatting import format_value

    for (when,), part in table.group_by(period, maintain_order=True):
        grid = Table(title=f"{when}", show_lines=False)
        grid.add_column("指标" if lang == "zh" else "metric")
        names = [(n or a) for a, n in zip(part["agent_id"], part["name"])]
        for name in names:
            grid.add_column(str(name), justify="right")
        rows = [[metric(i).label(lang), *[format_value(v, metric(i).unit, lang) for v in part[i]]] for i in PUBLIC_IDS]
        for cells in rows:
            grid.add_row(*cells)
        # wide enough for every label and value on one line (a terminal narrower than that scrolls, it does not wrap)
        widths = [max(cell_len(str(c)) for c in column) for column in zip(["", *names], *rows)]
        Console(width=max(100, sum(widths) + 3 * len(widths) + 1), markup=False, emoji=False).print(grid)


def print_provisional(flags, lang: str) -> None:
    """One line per delayed metric that is not final yet."""
    from csana.catalogue import label

    for row in flags.filter(flags["provisional"]).iter_rows(named=True):
        name = label(row["metric"], lang)
        if lang == "zh":
            click.echo(f"注意: {name} 为暂定值(数据截至 {row['data_end']}), {row['final_on']} 后确定")
        else:
            click.echo(f"note: {name} is provisional (data ends {row['data_end']}); final on {row['final_on']}")


@cli.command("demo")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="folder to write the tables into")
@click.option("--seed", type=int, default=2026, show_default=True, help="random seed (same seed, same files)")
@click.option("--agents", type=int, default=12, show_default=True, help="agents per shop (about a quarter after-sales)")
@click.option("--months", type=int, default=2, show_default=True, help="complete months, ending with --end-month")
@click.option("--scale", type=float, default=1.0, show_default=True, help="customer volume multiplier (1 ≈ 2,000 messages per agent-month)")
@click.option("--shops", type=int, default=1, show_default=True, help="shops (shop_id s01, s02, …), each with its own agents")
@click.option("--end-month", default="2026-10", show_default=True, metavar="YYYY-MM", help="last complete month (data runs 4 days past it)")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True, help="file format")
def demo_command(out_dir: str, seed: int, agents: int, months: int, scale: float, shops: int, end_month: str, fmt: str) -> None:
    """Write a realistic demo shop (chat logs, orders, agents, reminders, reviews, …) to OUT, one file per table."""
    from csana.demo.generator import generate_demo, write_demo

    dataset = generate_demo(seed, agents, months, scale, shops=shops, end_month=end_month)
    for path in write_demo(dataset, out_dir, fmt):
        click.echo(f"{path}  {dataset.tables[path.stem].height:,} rows")


@cli.command("check")
@DATA
@click.option("--columns", "columns_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="column-name mapping YAML for raw logs (default params/columns.yaml)")
@click.option("--rejected", "rejected_out", type=click.Path(dir_okay=False), metavar="FILE.csv",
              help="write every rejected row (file, row, column, rule, reason, value) to this CSV")
@LANG
@NO_CACHE
def check_command(data: str, columns_file: str | None, rejected_out: str | None, lang: str) -> None:
    """Load raw logs or platform exports and report rows read/used/rejected per file, then one row per
    row rule: rows checked, passed and set aside, and the fix."""
    from rich.console import Console

    from csana.exports.load import load_any
    from csana.ingest.columns import LoadParams
    from csana.ingest.raw import rejection_summary
    from csana.ingest.rules import report

    dataset = load_any(data, LoadParams.load(columns_file))
    console = Console(width=140, markup=False, emoji=False)
    console.print(terminal_table(CHECK("files", lang), _files_read_as(dataset), lang))
    kept = {"benchmark_row": dataset["benchmarks"].height} if dataset.has("benchmarks") else {}
    console.print(terminal_table(CHECK("rules", lang), report(dataset.tallies, dataset.rejected, lang, kept), lang))
    print_not_agents(console, dataset, lang)
    for line in dataset.warnings:
        click.echo(CHECK("warning", lang, text=in_lang(line, lang)))
    if rejected_out:
        from csana.writers import write_table

        write_table(dataset.rejected, rejected_out)  # values are raw user data: formulas neutralised
        click.echo(CHECK("wrote", lang, path=rejected_out, n=dataset.rejected.height))
    kinds = rejection_summary(dataset).height
    click.echo(CHECK("total", lang, used=dataset.files["rows_used"].sum(), rejected=dataset.rejected.height)
               + (CHECK("kinds", lang, kinds=kinds) if kinds else ""))


def _files_read_as(dataset):
    """The files table, with the export flavour each file's rows were read by (a folder may mix flavours)."""
    import polars as pl

    if not dataset.has("agent_period") or "flavour" not in dataset["agent_period"].columns:
        return dataset.files
    read_as = dataset["agent_period"].group_by("file").agg(pl.col("flavour").unique().sort().str.join(", "))
    return dataset.files.join(read_as, on="file", how="left")


def terminal_table(title: str, frame, lang: str = "en"):
    """A rich table of a frame: headers in ``lang`` (:data:`CHECK`), numbers right-aligned with thousands
    separators, missing values as —."""
    from rich.table import Table

    grid = Table(title=title)
    for name, dtype in frame.schema.items():
        header = CHECK(name, lang) if name in CHECK else name.replace("_", " ")
        grid.add_column(header, justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        grid.add_row(*["—" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    return grid


def print_not_agents(console, dataset, lang: str) -> None:
    """The rows of an export that are not agents: totals, notes and rows without an agent (set aside) and
    peer benchmarks (kept apart), each with its label, reason and — for a total — the test that caught it
    (by its label, its shape or its values: :data:`csana.ingest.rows.CAUGHT`)."""
    import polars as pl

    from csana.ingest.rules import caught_in, reason

    kinds = ["summary_row", "note_row", "no_agent"]
    caught = caught_in(lang)
    aside = dataset.rejected.filter(pl.col("rule").is_in(kinds)).select(
        "file", "row", pl.col("value").alias("label"),
        pl.col("rule").replace_strict({k: reason(k, lang) for k in kinds}, return_dtype=pl.String).alias("reason"),
        caught.alias("caught_by"))
    bench = dataset["benchmarks"].select("file", "row", "label", pl.lit(reason("benchmark_row", lang)).alias("reason"),
                                         pl.lit(None, pl.String).alias(aside.columns[-1])) \
        if dataset.has("benchmarks") else aside.clear()
    rows = pl.concat([aside, bench.cast(aside.schema)]).sort("file", "row")
    if rows.height:
        console.print(terminal_table(CHECK("not_agents", lang), rows, lang))
