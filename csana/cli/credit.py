"""``csana attribution``: the attribution rules side by side — credit, score and pay — before pay is published."""

from __future__ import annotations

import click

from csana.cli.base import DATA, LANG, MONTH, PARAMS, cli, load_data


@cli.command("attribution")
@DATA
@MONTH
@click.option("--scheme", "scheme_names", required=True, metavar="NAMES",
              help="scoring schemes, comma-separated names or YAML paths (each agent: the first that applies)")
@click.option("--rules", default="last_inquiry,first_inquiry,last_before_payment,split", show_default=True,
              metavar="RULES", help="attribution rules to compare, comma-separated (docs/attribution.md)")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="targets CSV/XLSX: indicator, target [, agent_id, team, month]")
@PARAMS
@click.option("--out", type=click.Path(dir_okay=False), metavar="FILE",
              help="write FILE.xlsx (sheets summary, agents, orders) or FILE.csv (+ FILE_orders.csv, FILE_summary.csv)")
@LANG
def attribution_command(data: str, month: str | None, scheme_names: str, rules: str, targets_file: str | None,
                        params_file: str | None, out: str | None, lang: str) -> None:
    """Compare attribution rules: per agent and rule credited orders, sales, conv_final, score, rank and pay,
    with the change against the shop's current rule (attribution_rule of the params), and the orders whose
    credit moves (customers pseudonymised). Needs chat logs and orders."""
    from csana.diagnosis.rules import load_rules
    from csana.params import MetricParams
    from csana.report.context import scheme_names as split_names
    from csana.present.attribution import write_comparison
    from csana.scoring.attribution_compare import compare_rules
    from csana.scoring.inputs import read_targets
    from csana.scoring.scheme import load_scheme

    schemes = [(name, load_scheme(name)) for name in split_names(scheme_names)]
    targets = read_targets(targets_file) if targets_file else None
    dataset = load_data(data)
    chosen = [r.strip() for r in rules.split(",") if r.strip()]
    comparison = compare_rules(dataset, month, schemes, chosen, MetricParams.load(params_file), targets,
                               salt=load_rules().review.salt, lang=lang)
    if out:
        for path in write_comparison(comparison, out, lang):
            click.echo(f"wrote {path}")
        click.echo(f"{comparison.month}: {len(comparison.rules)} rules, {comparison.agents['agent_id'].n_unique()} agents, "
                   f"{comparison.orders.height} orders credited differently")
        return
    print_comparison(comparison, lang)


def print_comparison(comparison, lang: str) -> None:
    """The summary per rule, then per agent and rule its credited orders, sales, conv_final, score, rank and pay
    (each with its change against the current rule), then the first orders credited differently."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from csana.present.formatting import format_value
    from csana.present.attribution import FIGURES, figure_cell, for_people, header
    from csana.scoring.attribution_compare import rule_label

    console = Console(width=max(190, 30 * len(comparison.rules) + 30), markup=False, emoji=False)
    zh = lang == "zh"
    current = rule_label(comparison.current, lang)
    summary = comparison.summary.drop("current")
    grid = Table(title=f"{comparison.month} · {'当前规则' if zh else 'current rule'}: {current}")
    for column in summary.columns:
        grid.add_column(header(column, lang), justify="left" if column == "rule" else "right")
    units = {"sales_amount": "yuan", "total_pay": "yuan"}
    for row in summary.iter_rows(named=True):
        grid.add_row(rule_label(row["rule"], lang),
                     *[format_value(v, units.get(c, "orders"), lang) for c, v in row.items() if c != "rule"])
    console.print(grid)
    agents = Table(title="每位客服、每条规则（括号内：与当前规则之差；名次变化为负 = 名次上升）" if zh
                   else "Per agent and rule (in brackets: the change against the current rule; a negative rank change is better)")
    agents.add_column("客服" if zh else "agent")
    agents.add_column(header("rule", lang), no_wrap=True)
    for column in FIGURES:
        agents.add_column(header(column, lang), justify="right")
    groups = list(comparison.agents.group_by("agent_id", maintain_order=True))
    for n, ((agent_id,), rows) in enumerate(groups):
        by_rule = {r["rule"]: r for r in rows.iter_rows(named=True)}
        first = rows.row(0, named=True)
        for i, rule in enumerate(r for r in comparison.rules if r in by_rule):
            row = by_rule[rule]
            cells = [figure_cell(row, column, rule != comparison.current, lang) for column in FIGURES]
            agents.add_row(f"{first['name'] or agent_id} ({agent_id})" if i == 0 else "", rule_label(rule, lang), *cells,
                           end_section=i == len(by_rule) - 1 and n < len(groups) - 1)
    console.print(agents)
    orders = comparison.orders
    note = f"{orders.height} 笔订单的归属因规则而异" if zh else f"{orders.height} orders are credited differently by the rules"
    click.echo(note + ("（前 10 笔如下；--out 写出全部）：" if zh else " (first 10 below; --out writes them all):")
                      if orders.height else "")
    if orders.height:
        shown = for_people(orders.head(10).with_columns(pl.col("created_at", "paid_at").dt.strftime("%m-%d %H:%M")), lang)
        grid = Table()
        for column in shown.columns:
            grid.add_column(column)
        for row in shown.iter_rows():
            grid.add_row(*["—" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
        console.print(grid)
