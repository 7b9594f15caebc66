"""The report's attribution appendix (``attribution_compare: true``): the credit rules side by side.

Per rule: credited and silent orders, sales, total pay and how many agents and orders it moves; per
agent and rule: credited orders, sales, conv_final, score, rank and pay with the change against the
shop's rule; then the orders credited differently (customers pseudonymised; the first :data:`ORDERS_SHOWN`, the rest
counted — ``csana attribution --out`` lists them all). The numbers come from
:func:`csana.scoring.attribution_compare.compare_rules`; docs/attribution.md defines the rules.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from IPython.display import HTML

from csana.i18n import Captions
from csana.ingest.dataset import Capability
from csana.present.attribution import FIGURES, figure_cell, header
from csana.present.formatting import format_value
from csana.report.context import ReportContext
from csana.report.format import Column, esc, html_table
from csana.scoring.attribution_compare import rule_label

ORDERS_SHOWN = 30

t = Captions({
    "title": ("附录：订单归属规则对比", "Appendix: attribution rules side by side"),
    "current": ("店铺当前规则：{rule}。变化均相对当前规则（名次变化为负 = 名次上升）。",
                "The shop's rule: {rule}. Changes are against it (a negative rank change is a better rank)."),
    "rule": ("归属规则", "Rule"), "credited": ("归属订单", "Credited orders"), "silent": ("静默订单", "Silent orders"),
    "sales": ("销售额", "Sales"), "pay": ("应发合计", "Total pay"), "agents_moved": ("薪酬变化人数", "Agents paid differently"),
    "orders_moved": ("归属变化订单", "Orders credited differently"), "agent": ("客服", "Agent"),
    "per_agent": ("每位客服、每条规则（括号内：与当前规则之差）",
                  "Per agent and rule (in brackets: the change against the current rule)"),
    "orders": ("归属因规则而异的订单", "Orders credited differently"), "order": ("订单", "Order"),
    "customer": ("顾客（匿名）", "Customer (pseudonym)"), "amount": ("金额", "Amount"), "created": ("下单", "Created"),
    "more": ("另有 {n} 笔未列出（csana attribution --out 写出全部）。",
             "{n} more not listed (csana attribution --out writes them all)."),
    "none": ("各规则的归属完全相同。", "Every rule credits every order alike."),
    "needs_orders": ("平台导出数据没有逐笔订单，无法按其他规则重新归属；请在平台设置中更换规则后重新导出。",
                     "Platform exports hold no single orders, so they cannot be re-credited: change the rule in the "
                     "platform's settings and export again."),
    "docs": ("规则定义见 docs/attribution.md。", "The rules are defined in docs/attribution.md."),
})


def _per_agent(ctx: ReportContext) -> str:
    """One row per agent × rule: credited orders, sales, conv_final, score, rank and pay, with the changes."""
    comparison, lang = ctx.attribution, ctx.lang
    assert comparison is not None
    agents = comparison.agents
    if ctx.team is not None:
        agents = agents.filter(pl.col("team") == ctx.team)
    rows = []
    for _, part in agents.group_by("agent_id", maintain_order=True):
        by_rule = {r["rule"]: r for r in part.iter_rows(named=True)}
        first = part.row(0, named=True)
        for i, rule in enumerate(r for r in comparison.rules if r in by_rule):
            rows.append({**by_rule[rule], "first": i == 0, "name": first.get("name")})

    def person(r: dict[str, Any]) -> str:
        if not r["first"]:
            return ""
        return f'{esc(r.get("name"))} <span class="note">{esc(r["agent_id"])}</span>' if r.get("name") else esc(r["agent_id"])

    def figure(column: str) -> Column:
        return Column(header(column, lang), lambda r: esc(figure_cell(r, column, r["rule"] != comparison.current, lang)),
                      numeric=True)

    columns = [Column(t("agent", lang), person), Column(t("rule", lang), lambda r: esc(rule_label(r["rule"], lang))),
               *[figure(column) for column in FIGURES]]
    return html_table(rows, columns, "data compact")


def attribution_appendix(ctx: ReportContext) -> HTML:
    """The appendix when the configuration asks for it (``attribution_compare``), else nothing."""
    if not ctx.attribution_compare:
        return HTML("")
    lang = ctx.lang
    parts = [f'<h2 class="page-break">{esc(t("title", lang))}</h2>']
    if not ctx.dataset.can(Capability.ORDERS) or ctx.attribution is None:
        return HTML("".join([*parts, f"<p>{esc(t('needs_orders', lang))}</p>"]))
    comparison = ctx.attribution
    parts.append(f"<p>{esc(t('current', lang, rule=rule_label(comparison.current, lang)))} {esc(t('docs', lang))}</p>")
    parts.append(html_table(comparison.summary, [
        Column(t("rule", lang), lambda r: esc(rule_label(r["rule"], lang))),
        Column(t("credited", lang), lambda r: esc(format_value(r.get("credited_orders"), "orders", lang)), numeric=True),
        Column(t("silent", lang), lambda r: esc(format_value(r.get("silent_orders"), "orders", lang)), numeric=True),
        Column(t("sales", lang), lambda r: esc(format_value(r.get("sales_amount"), "yuan", lang)), numeric=True),
        Column(t("pay", lang), lambda r: esc(format_value(r.get("total_pay"), "yuan", lang)), numeric=True),
        Column(t("agents_moved", lang), lambda r: esc(r.get("agents_paid_differently")), numeric=True),
        Column(t("orders_moved", lang), lambda r: esc(r.get("orders_credited_differently")), numeric=True),
    ], "data compact"))
    parts += [f"<h3>{esc(t('per_agent', lang))}</h3>", _per_agent(ctx), f"<h3>{esc(t('orders', lang))}</h3>"]
    orders = comparison.orders
    if orders.height == 0:
        parts.append(f"<p>{esc(t('none', lang))}</p>")
        return HTML("".join(parts))
    parts.append(html_table(orders.head(ORDERS_SHOWN), [
        Column(t("order", lang), lambda r: esc(r["order_id"])),
        Column(t("customer", lang), lambda r: esc(r["customer"])),
        Column(t("created", lang), lambda r: esc(f"{r['created_at']:%m-%d %H:%M}")),
        Column(t("amount", lang), lambda r: esc(format_value(r.get("amount"), "yuan", lang)), numeric=True),
        *[Column(rule_label(rule, lang), (lambda r, rule=rule: esc(r.get(rule)))) for rule in comparison.rules],
    ], "data compact"))
    if orders.height > ORDERS_SHOWN:
        parts.append(f'<p class="note">{esc(t("more", lang, n=orders.height - ORDERS_SHOWN))}</p>')
    return HTML("".join(parts))
