"""The attribution comparison for people: display headers in zh/en, and the workbook ``csana attribution --out`` writes.

The numbers are :func:`csana.scoring.attribution_compare.compare_rules`'s; this module only names and lays them out.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csana.catalogue import CATALOGUE, label
from csana.errors import CsanaError
from csana.facts.credit import RULES
from csana.i18n import pick
from csana.present.formatting import DASH, format_metric, format_value, signed_value
from csana.scoring.attribution_compare import RULE_LABELS, RuleComparison, rule_label

HEADERS = {
    "agent_id": ("工号", "Agent id"), "name": ("姓名", "Name"), "team": ("组别", "Team"), "role": ("岗位", "Role"),
    "rule": ("归属规则", "Rule"), "current": ("当前规则", "Current rule"), "scheme": ("考核方案", "Scheme"),
    "total": ("得分", "Score"), "percent": ("得分率", "Score %"), "rank": ("名次", "Rank"), "grade": ("等级", "Grade"),
    "total_pay": ("应发合计", "Total pay"), "order_id": ("订单号", "Order"), "customer": ("顾客（匿名）", "Customer (pseudonym)"),
    "created_at": ("下单时间", "Created"), "paid_at": ("付款时间", "Paid"), "amount": ("金额", "Amount"),
    "credited_orders": ("归属订单数", "Credited orders"), "created_orders": ("归属订单数", "Credited orders"),
    "silent_orders": ("静默订单数", "Silent orders"),
    "agents_paid_differently": ("薪酬变化人数", "Agents paid differently"),
    "orders_credited_differently": ("归属变化订单数", "Orders credited differently"),
}
FIGURES = ("created_orders", "sales_amount", "conv_final", "total", "rank", "total_pay")
"""The per-agent figures printed for each rule (each with its change against the current rule)."""


def figure_cell(row: dict, column: str, with_change: bool, lang: str) -> str:
    """One figure of an agent under a rule: '¥1,234.50 (+¥12.00)', '#3 (−1)', '—' when missing."""
    unit = {"total": "score", "total_pay": "yuan"}.get(column)
    value, change = row[column], row[f"{column}_change"]
    if column == "rank":
        shown = DASH if value is None else f"#{value}"
        delta = DASH if change is None else "±0" if change == 0 else f"{change:+d}".replace("-", "−")
    else:
        shown = format_metric(column, value, lang) if unit is None else format_value(value, unit, lang)
        delta = signed_value(change, unit or metric_unit(column), lang)
    return f"{shown} ({delta})" if with_change and value is not None else shown


def metric_unit(column: str) -> str:
    return CATALOGUE[column].unit


def header(column: str, lang: str) -> str:
    """The display header of a comparison column (changes: 'Δ 销售额' / 'Δ Sales amount')."""
    if column.endswith("_change"):
        return "Δ " + header(column.removesuffix("_change"), lang)
    if column in HEADERS:
        return pick(HEADERS[column], lang)
    if column in RULE_LABELS:
        return rule_label(column, lang)
    return label(column, lang)


def for_people(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """A comparison table with rule names spelled out and display headers in ``lang``."""
    if "rule" in frame.columns:
        frame = frame.with_columns(pl.col("rule").replace_strict({r: rule_label(r, lang) for r in RULES}))
    return frame.rename({c: header(c, lang) for c in frame.columns})


def write_comparison(comparison: RuleComparison, path: str | Path, lang: str = "zh") -> list[Path]:
    """Write the comparison: one .xlsx (sheets summary, agents, orders), or .csv files (FILE, FILE_orders, FILE_summary)."""
    from csana.writers import write_table, write_workbook

    path = Path(path)
    sheets = {"summary": comparison.summary, "agents": comparison.agents, "orders": comparison.orders}
    shown = {name: for_people(frame, lang) for name, frame in sheets.items()}
    current = ("当前规则" if lang == "zh" else "current rule") + f": {rule_label(comparison.current, lang)}"
    title = (f"{comparison.month} · {current}",)
    if path.suffix.lower() == ".xlsx":
        return [write_workbook(shown, path, title=title)]
    if path.suffix.lower() != ".csv":
        raise CsanaError(f"cannot write '{path.suffix or path.name}' files here", file=str(path), fix="use .xlsx or .csv")
    return [write_table(shown["agents"], path),
            write_table(shown["orders"], path.with_name(f"{path.stem}_orders.csv")),
            write_table(shown["summary"], path.with_name(f"{path.stem}_summary.csv"))]
