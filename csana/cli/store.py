"""Published months: ``csana publish``, ``csana history``, ``csana store list`` and ``csana store migrate``.

The store is a DuckDB file (csana/store/db.py): ``--store PATH``, else $CSANA_STORE, else csana.duckdb
beside the data (for the demo: in the current folder).
"""

from __future__ import annotations

from pathlib import Path

import click

from csana.cli.base import DATA, LANG, MONTH, PARAMS, cli, load_data

STORE = click.option("--store", "store", type=click.Path(dir_okay=False), metavar="PATH",
                     help="the published months' DuckDB file (default: csana.duckdb beside the data, or $CSANA_STORE)")
SHOP = click.option("--shop", metavar="SHOP", help="only this shop_id of a multi-shop dataset")
LIST_COLUMNS = {
    "month": ("月份", "month"), "shop": ("店铺", "shop"), "version": ("版本", "version"),
    "published_at": ("发布时间", "published"), "attribution_rule": ("归属规则", "attribution rule"),
    "schemes": ("考核方案", "schemes"), "agents": ("客服数", "agents"), "total_pay": ("应发合计", "total pay"),
    "note": ("备注", "note"),
}
HISTORY_METRICS = ("received_customers", "sales_amount", "conv_final", "first_response_s")


@cli.command("publish")
@DATA
@MONTH
@click.option("--scheme", "scheme_names", required=True, metavar="NAMES",
              help="scoring schemes, comma-separated names or YAML paths (each agent: the first that applies)")
@PARAMS
@STORE
@SHOP
@click.option("--note", metavar="TEXT", help="why this version is published (e.g. 'PDD final figures at T+3')")
@LANG
def publish_command(data: str, month: str | None, scheme_names: str, params_file: str | None, store: str | None,
                    shop: str | None, note: str | None, lang: str) -> None:
    """Publish a month: store its per-agent metrics, scores and pay, totals, scheme, params and input hashes
    as a new version (earlier versions are kept); reports then take last month from it. Data with several
    shops publishes each shop as its own version (as ``csana report`` makes one report per shop), or --shop."""
    from csana.ingest.dataset import Capability
    from csana.metrics.engine import latest_complete_month
    from csana.params import MetricParams
    from csana.report.context import for_shop, shops
    from csana.report.context import scheme_names as split_names
    from csana.scoring.scheme import load_scheme
    from csana.store import publish, store_path

    schemes = [(name, load_scheme(name)) for name in split_names(scheme_names)]
    dataset = load_data(data)
    params = MetricParams.load(params_file)
    path = store_path(data, store)
    found = shops(dataset)
    for one in [shop] if shop is not None or len(found) < 2 else found:
        part = for_shop(dataset, one) if one is not None else dataset
        chosen = month or latest_complete_month(part, params)
        done = publish(part, chosen, schemes, params, path, data=data, shop=one, note=note)
        print_published(done, path, lang)
        if part.can(Capability.DATA_END):  # delayed metrics not final yet: a later version will restate them
            from csana.cli.data import print_provisional
            from csana.metrics import provisional

            print_provisional(provisional.provisional(part, chosen, params), lang)


def print_published(done, path: Path, lang: str) -> None:
    """What was published, and how it differs from the month's previous version."""
    from csana.present.formatting import format_value, signed_value
    from csana.store import reading
    from csana.store.restate import compare

    zh = lang == "zh"
    schemes = ", ".join(f"{name} ({h})" for name, h, _ in done.schemes)
    pay = format_value(done.total_pay, "yuan", lang)
    where = f"{done.month}" + (f" [{done.shop}]" if done.shop else "")
    click.echo(f"已发布 {where} 第 {done.version} 版 → {path}（{done.agents} 名客服，应发合计 {pay}；方案 {schemes}；"
               f"归属规则 {done.attribution_rule}）" if zh else
               f"published {where} version {done.version} → {path} ({done.agents} agents, total pay {pay}; schemes {schemes}; "
               f"attribution rule {done.attribution_rule})")
    if done.version == 1:
        return
    with reading(path) as store:
        versions = store.publications(done.shop, done.month)
        before = versions.filter(versions["version"] == done.version - 1)["publication_id"][0]
        old, new = store.figures(before), store.figures(done.publication_id)
    moved = compare(old.agents, new.agents, "agent_id", ["total_pay"])
    total = float(moved["change"].fill_null(0).sum()) if moved.height else 0.0
    click.echo(f"与第 {done.version - 1} 版相比：{moved.height} 名客服的应发合计变化，合计 {signed_value(total, 'yuan', lang)}"
               if zh else f"against version {done.version - 1}: {moved.height} agents' pay changed, "
               f"{signed_value(total, 'yuan', lang)} in total")


@cli.command("history")
@click.argument("data", metavar="[DATA]", required=False)
@click.option("--agent", "agent_id", required=True, metavar="ID", help="the agent's agent_id")
@click.option("--metrics", default=",".join(HISTORY_METRICS), show_default=True, metavar="IDS",
              help="catalogue metric ids to show besides score, rank and pay")
@STORE
@SHOP
@click.option("--out", type=click.Path(dir_okay=False), help="write FILE.csv, .xlsx or .parquet (every version)")
@LANG
def history_command(data: str | None, agent_id: str, metrics: str, store: str | None, shop: str | None, out: str | None,
                    lang: str) -> None:
    """An agent's published months as a trend: every version with its score, rank, pay and metrics."""
    from csana.errors import CsanaError
    from csana.catalogue import metric
    from csana.store import reading, store_path

    ids = [m.strip() for m in metrics.split(",") if m.strip()]
    for metric_id in ids:
        metric(metric_id)
    path = store_path(data, store)
    with reading(path) as reader:
        table = reader.agent_history(agent_id, ids, shop)
    if table.height == 0:
        raise CsanaError(f"agent '{agent_id}' is in no published month", file=str(path),
                         fix="check the agent_id (csana store list shows what was published)")
    if out:
        from csana.writers import write_table

        click.echo(f"wrote {write_table(table, out)} ({table.height} versions)")
        return
    print_history(table, agent_id, ids, lang)


def sparkline(values: list[float | None]) -> str:
    """▁▂▃▄▅▆▇█ for a series (· where a value is missing)."""
    bars = "▁▂▃▄▅▆▇█"
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low, high = min(known), max(known)
    return "".join("·" if v is None else bars[0 if high == low else round((v - low) / (high - low) * 7)] for v in values)


def print_history(table, agent_id: str, ids: list[str], lang: str) -> None:
    """Every version as a row (the month's latest marked ★), then, over two months or more, each number's trend
    over the months' latest versions."""
    from rich.console import Console
    from rich.table import Table

    from csana.catalogue import label
    from csana.present.formatting import format_metric, format_value

    zh = lang == "zh"
    name = table["name"].drop_nulls().tail(1).to_list()
    who = f"{name[0]} ({agent_id})" if name and name[0] != agent_id else agent_id  # exports name agents by their id
    grid = Table(title=who + (" · 已发布月份" if zh else " · published months"))
    heads = ["月份" if zh else "month", "版本" if zh else "version", "发布时间" if zh else "published", "等级" if zh else "grade",
             "得分" if zh else "score", "名次" if zh else "rank", "应发合计" if zh else "pay", *[label(i, lang) for i in ids]]
    for i, head in enumerate(heads):
        grid.add_column(head, justify="left" if i < 4 else "right")
    several_shops = table["shop"].n_unique() > 1
    for row in table.iter_rows(named=True):
        month = row["month"] + (f" [{row['shop']}]" if row["shop"] and several_shops else "")
        grid.add_row(month, f"{row['version']}{' ★' if row['latest'] else ''}",
                     f"{row['published_at']:%Y-%m-%d %H:%M}", row["grade"] or "—",
                     format_value(row["total"], "score", lang), "—" if row["rank"] is None else str(int(row["rank"])),
                     format_value(row["total_pay"], "yuan", lang), *[format_metric(i, row[i], lang) for i in ids])
    console = Console(width=max(120, 14 * len(heads)), markup=False, emoji=False)
    console.print(grid)
    latest = table.filter(table["latest"])
    if latest.height < 2:
        return
    for column, shown in (("total_pay", "应发合计" if zh else "pay"), *[(i, label(i, lang)) for i in ids]):
        series = latest[column].to_list()
        if any(v is not None for v in series):
            ends = f"{format_metric(column, series[0], lang) if column in ids else format_value(series[0], 'yuan', lang)}"
            last = f"{format_metric(column, series[-1], lang) if column in ids else format_value(series[-1], 'yuan', lang)}"
            click.echo(f"{shown}: {sparkline(series)}  {ends} → {last}")


@cli.group("store")
def store_group() -> None:
    """The published months' store: list what was published, migrate a store from an older csana."""


@store_group.command("list")
@click.argument("data", metavar="[DATA]", required=False)
@STORE
@LANG
def store_list_command(data: str | None, store: str | None, lang: str) -> None:
    """Every published version: month, shop, version, time, rule, schemes, agents, total pay, note."""
    from rich.console import Console
    from rich.table import Table

    from csana.i18n import pick
    from csana.present.formatting import format_value
    from csana.store import reading, store_path

    path = store_path(data, store)
    with reading(path) as reader:
        table = reader.publications()
    grid = Table(title=str(path))
    for column in LIST_COLUMNS:
        grid.add_column(pick(LIST_COLUMNS[column], lang), justify="right" if column in ("version", "agents", "total_pay") else "left")
    for row in table.iter_rows(named=True):
        grid.add_row(row["month"], row["shop"] or "—", str(row["version"]), f"{row['published_at']:%Y-%m-%d %H:%M}",
                     row["attribution_rule"], row["schemes"], str(row["agents"]), format_value(row["total_pay"], "yuan", lang),
                     row["note"] or "")
    Console(width=160, markup=False, emoji=False).print(grid)


@store_group.command("migrate")
@click.argument("path", metavar="PATH", type=click.Path(dir_okay=False, exists=True))
def store_migrate_command(path: str) -> None:
    """Upgrade a store written by an older csana to this csana's schema (in one transaction)."""
    from csana.store.db import SCHEMA_VERSION, connect, migrate

    with connect(Path(path), read_only=False) as con:
        found, now = migrate(con, Path(path))
    click.echo(f"{path}: schema version {found} → {now}" if found != now
               else f"{path}: already at schema version {SCHEMA_VERSION}")
