"""Row rules: the one table of reasons a row is set aside, and the per-rule validation report.

Both loaders (raw logs, :mod:`csana.ingest.raw`; platform exports, :mod:`csana.exports.load`)
set rows aside through these rules. A set-aside row lands in ``Dataset.rejected`` with its
``rule`` (a stable id below), the ``reason`` in English (a rule's reason, sometimes with
detail such as the row kept for a duplicate) and the raw value; :func:`fix` gives the fix,
:func:`reason_in` the reason in Chinese for a Chinese report.

Terms:

*row rule*
    a condition every data row must meet, or a kind of row that is not data (a total, a note).
    Not to be confused with a diagnostic *check* of an agent's metrics (:mod:`csana.diagnosis`).
*checked / passed / set aside*
    per rule: the rows the rule was tested on, those that met it, and those set aside under it.
    A row breaking several rules fails each of them but is set aside once, under the first
    (columns in canonical order, then row rules, then duplicates, then cross-table rules), so
    ``checked − passed ≥ set aside`` and the set-aside counts add up to the rejected rows.
*kept apart*
    benchmark rows of exports (同行同层优秀): not agents, so not counted with them, but used as
    peers (the ``benchmarks`` table) rather than rejected.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csana.ingest.rows import CAUGHT


@dataclass(frozen=True)
class RowRule:
    """One row rule: its stable id, the reason a row breaking it is set aside, and the fix (zh and en).
    ``{column}`` in a fix is the column concerned."""

    id: str
    en: str
    zh: str
    fix_en: str
    fix_zh: str


RULES: dict[str, RowRule] = {r.id: r for r in [
    # cells of raw logs
    RowRule("missing_value", "missing value", "缺少值",
         "fill in the {column} cell or delete the row", "填写 {column} 或删除该行"),
    RowRule("mangled_id", "id mangled into scientific notation by Excel", "编号被 Excel 改成了科学计数法",
         "format the id column as text in Excel before saving, or export again", "在 Excel 中把编号列设为文本后再保存，或重新导出"),
    RowRule("unknown_sender", "unknown sender value", "无法识别的发送方",
         "use customer/agent/auto (or 买家/客服/机器人), or add the spelling under senders in params/columns.yaml",
         "写 customer/agent/auto（或 买家/客服/机器人），或在 params/columns.yaml 的 senders 中加入该写法"),
    RowRule("bad_timestamp", "unparseable timestamp", "无法识别的时间",
         "write times like 2026-10-01 09:00:00 (shop-local time)", "时间写成 2026-10-01 09:00:00（店铺当地时间）"),
    RowRule("bad_date", "unparseable date", "无法识别的日期", "write dates like 2026-10-01", "日期写成 2026-10-01"),
    RowRule("bad_number", "not a number", "不是数字",
         "write plain numbers like 1299.00 (¥, commas and 元 are fine)", "写成普通数字，如 1299.00（可带 ¥、逗号和元）"),
    RowRule("bad_whole_number", "not a whole number", "不是整数", "write whole numbers like 2", "写成整数，如 2"),
    RowRule("bad_boolean", "not true/false (是/否)", "不是 是/否", "write 是/否 or true/false", "写 是/否 或 true/false"),
    RowRule("bad_month", "not a month like 2026-10", "不是月份（如 2026-10）", "write months like 2026-10", "月份写成 2026-10"),
    RowRule("bad_duration", "not a duration (e.g. 515, 8分35秒 or 00:08:35)", "不是时长（如 515、8分35秒 或 00:08:35）",
         "write seconds like 28800, or durations like 8:00:00 or 8小时", "写秒数如 28800，或时长如 8:00:00、8小时"),
    RowRule("ambiguous_clock", "two-part clock time: hours:minutes or minutes:seconds?", "两段式时间：是 时:分 还是 分:秒？",
         "write H:MM:SS (8:35:00 or 0:08:35) or plain seconds", "写成 时:分:秒（8:35:00 或 0:08:35）或秒数"),
    RowRule("bad_text", "not text", "不是文本", "store one plain value per cell", "每个单元格只放一个值"),
    # values of raw logs
    RowRule("negative_value", "negative value", "负值",
         "amounts and durations cannot be negative; correct the value or delete the row", "金额和时长不能为负；改正或删除该行"),
    RowRule("too_large", "value larger than max_number", "数值超过 max_number",
         "check the value (a misplaced decimal point, an id in the wrong column?); if it is real, raise max_number "
         "in params/columns.yaml", "检查该值（小数点错位？编号填进了金额列？）；如确实如此，调高 params/columns.yaml 的 max_number"),
    RowRule("units_below_one", "units must be at least 1", "数量至少为 1",
         "an order has at least 1 unit; correct the value or delete the row", "订单至少 1 件；改正或删除该行"),
    RowRule("score_out_of_range", "service_score outside 1–5", "服务评分不在 1–5", "scores run from 1 to 5", "评分为 1 到 5"),
    RowRule("paid_before_created", "paid_at before created_at", "付款时间早于下单时间",
         "check the two times (swapped columns?) and correct them", "检查两个时间（列是否对调？）并改正"),
    # rows of several rows or tables
    RowRule("duplicate_key", "duplicate", "重复",
         "remove the repeated rows (the first one is kept)", "删除重复的行（保留第一行）"),
    RowRule("orphan_order", "order_id not in orders", "订单号不在订单表中",
         "include the orders these rows refer to in the orders file, or delete the rows", "在订单文件中补上这些订单，或删除这些行"),
    # rows of platform exports
    RowRule("summary_row", "summary row (a total or average, not an agent)", "汇总行（合计或平均，不是客服）",
         "nothing to fix: totals are never counted as agents (csana recomputes them from the agent rows)",
         "无需处理：汇总行不计为客服（合计由各客服行重新计算）"),
    RowRule("note_row", "note row (text without numbers, not an agent)", "备注行（只有文字没有数字，不是客服）",
         "nothing to fix: notes below or above the table are not data", "无需处理：表格上下的备注不是数据"),
    RowRule("benchmark_row", "peer benchmark row (kept apart as a benchmark, not an agent)", "同行对标行（单独保存为对标，不是客服）",
         "nothing to fix: benchmarks are shown as peers, never as agents", "无需处理：对标行作为同行参考显示"),
    RowRule("no_agent", "no agent name in the row", "该行没有客服名", "fill in the agent (客服) cell or delete the row",
         "填写客服名或删除该行"),
    RowRule("bad_cell", "a cell that does not read as its column's kind", "单元格无法按该列的类型读取",
         "write the cell as the column's other rows are written (the reason names the form expected)",
         "按该列其他行的写法填写（原因中写明了应有的格式）"),
    RowRule("no_date", "no date: the cell is empty and the file name gives no date range", "没有日期：单元格为空且文件名中没有日期范围",
         "fill in the date, or name the file with its range, e.g. 赤兔_2024-10-01_2024-10-31.xlsx",
         "填写日期，或在文件名中写明日期范围，如 赤兔_2024-10-01_2024-10-31.xlsx"),
    RowRule("duplicate_row", "duplicate: same agent and period as an earlier row", "重复：客服和周期与前面的行相同",
         "load each report once (the first copy is kept)", "每份报表只加载一次（保留第一份）"),
]}
"""Every row rule, by id. Ids are stable: scripts and the rejected-rows file may rely on them."""

CELL_REASONS: dict[str, tuple[str, str]] = {
    "count": ("not a whole number ≥ 0", "不是 ≥ 0 的整数"),
    "money": ("not an amount of money ≥ 0 (e.g. ￥1,234.56)", "不是 ≥ 0 的金额（如 ￥1,234.56）"),
    "rate": ("not a rate ≥ 0 (e.g. 45.2%, 45.20 or 0.452)", "不是 ≥ 0 的比率（如 45.2%、45.20 或 0.452）"),
    "number": ("not a number ≥ 0", "不是 ≥ 0 的数字"),
    "duration": (RULES["bad_duration"].en, RULES["bad_duration"].zh),
    "date": ("not a date (e.g. 2024-10-01, or 2024-10-01~2024-10-31)", "不是日期（如 2024-10-01 或 2024-10-01~2024-10-31）"),
}
"""The reason (en, zh) a cell of each export kind is set aside for (rules ``bad_cell``, ``bad_duration``, ``bad_date``)."""
CELL_RULES = {"duration": "bad_duration", "date": "bad_date"}
"""The rule of a bad cell of an export kind (else ``bad_cell``)."""

TALLY_SCHEMA: dict[str, pl.DataType] = {"file": pl.String, "table": pl.String, "rule": pl.String,
                                         "checked": pl.Int64, "failed": pl.Int64}
"""Per file, table and rule: rows tested and rows failing (a loader's raw count, before the report)."""
REPORT_SCHEMA: dict[str, pl.DataType] = {"rule": pl.String, "reason": pl.String, "checked": pl.Int64,
                                          "passed": pl.Int64, "set_aside": pl.Int64, "fix": pl.String}


def fix(rule: str | None, column: str | None = None, lang: str = "en") -> str:
    """The fix for rows set aside under ``rule`` (about ``column``)."""
    found = RULES.get(rule or "")
    if found is None:
        return "correct the value or delete the row" if lang == "en" else "改正该值或删除该行"
    return (found.fix_en if lang == "en" else found.fix_zh).format(column=column or "")


def reason(rule: str, lang: str = "en") -> str:
    """The reason text of ``rule`` in ``lang`` (zh or en)."""
    found = RULES[rule]
    return found.en if lang == "en" else found.zh


SCOPES = {"the file": "本文件"}
"""What a total by value was compared with when not the rows of its date (en → zh; :mod:`csana.ingest.rows`)."""


def reason_in(lang: str, rule: pl.Expr | None = None, reason: pl.Expr | None = None) -> pl.Expr:
    """The reason of set-aside rows in ``lang``, from their ``rule`` and English ``reason`` columns.

    The loaders write one English reason per row (scripts read it); a Chinese report shows the
    rule's Chinese text with the same detail: the row a duplicate repeats, how a total was caught,
    the form a cell should have."""
    rule = pl.col("rule") if rule is None else rule
    reason = pl.col("reason") if reason is None else reason
    if lang != "zh":
        return reason
    kept = reason.str.extract_groups(r"^duplicate (\S+) \(kept row (\d+) of (.+)\)$")
    duplicate_key = pl.when(reason.str.starts_with("duplicate ")).then(pl.coalesce(
        pl.format("重复的 {}（保留 {} 第 {} 行）", kept.struct[0], kept.struct[2], kept.struct[1]),
        pl.format("重复的 {}", reason.str.extract(r"^duplicate (\S+)$"))))
    first = reason.str.extract_groups(r"^duplicate: same agent and period as (.+) row (\d+)$")
    duplicate_row = pl.format("重复：客服和周期与 {} 第 {} 行相同", first.struct[0], first.struct[1])
    cell = reason.replace_strict({en: zh for en, zh in CELL_REASONS.values()}, default=None, return_dtype=pl.String)
    by_rule = rule.replace_strict({r.id: r.zh for r in RULES.values()}, default=None, return_dtype=pl.String)
    return (pl.when(rule == "summary_row").then(pl.coalesce(pl.format("{}，{}", by_rule, caught_in("zh", reason)), by_rule))
            .when(rule == "duplicate_key").then(pl.coalesce(duplicate_key, by_rule))
            .when(rule == "duplicate_row").then(pl.coalesce(duplicate_row, by_rule))
            .otherwise(pl.coalesce(cell, by_rule, reason)))


def caught_in(lang: str, reason: pl.Expr | None = None) -> pl.Expr:
    """How a summary row was caught (:data:`csana.ingest.rows.CAUGHT`), in ``lang``, from its English reason
    ("…, by its values: the sum of the other agent rows (3 rows of 2024-10-01)"); null for other rows."""
    text = (pl.col("reason") if reason is None else reason).str.extract(r", (by its .*)$")
    if lang != "zh":
        return text
    counted = text.str.extract_groups(r"\((\d+) rows of (.+)\)$")
    scope = counted.struct[1].replace(SCOPES)
    detail = pl.format("（{} 的 {} 行）", scope, counted.struct[0]).fill_null("")
    how = pl.coalesce([pl.when(text.str.starts_with(en)).then(pl.lit(zh)) for en, zh in CAUGHT.values()])
    return pl.when(text.is_not_null()).then(pl.coalesce(how, text) + detail)


def tally(file: str, table: str, checked: int, failed: dict[str, int]) -> pl.DataFrame:
    """Tally rows of one file and table: ``checked`` rows tested by each rule of ``failed`` (rule → rows failing)."""
    unknown = set(failed) - set(RULES)
    assert not unknown, f"unknown rule id(s): {unknown}"
    return pl.DataFrame([{"file": file, "table": table, "rule": r, "checked": checked, "failed": n} for r, n in failed.items()],
                        schema=TALLY_SCHEMA)


def failures(frame: pl.DataFrame, tests: dict[str, list[pl.Expr]]) -> dict[str, int]:
    """Rows of ``frame`` failing each rule, from the rule's failure expressions (a row failing two tests
    of one rule, e.g. two missing cells, counts once)."""
    if not tests or frame.height == 0:
        return dict.fromkeys(tests, 0)
    counts = frame.select([pl.any_horizontal([t.fill_null(False) for t in exprs]).sum().alias(rule)
                           for rule, exprs in tests.items()])
    return {rule: int(counts[rule][0]) for rule in tests}


def report(tallies: pl.DataFrame, rejected: pl.DataFrame, lang: str = "en", kept_apart: dict[str, int] | None = None) -> pl.DataFrame:
    """The validation report: one row per rule tested (in the order of :data:`RULES`): rows checked,
    passed and set aside, and the fix. ``kept_apart`` (rule → rows) counts rows set aside from the
    agents but kept elsewhere (benchmark rows), which are not in ``rejected``."""
    if tallies.height == 0:
        return pl.DataFrame(schema=REPORT_SCHEMA)
    tested = tallies.group_by("rule").agg(pl.col("checked", "failed").sum())
    aside = rejected.group_by("rule").agg(pl.len().cast(pl.Int64).alias("set_aside"))
    extra = pl.DataFrame({"rule": list(kept_apart or {}), "kept": list((kept_apart or {}).values())},
                         schema={"rule": pl.String, "kept": pl.Int64})
    order = {r: i for i, r in enumerate(RULES)}
    columns = {r: "/".join(c[:3]) for r, c in rejected.group_by("rule").agg(pl.col("column").unique(maintain_order=True)).iter_rows()}
    out = (tested.join(aside, on="rule", how="left").join(extra, on="rule", how="left")
           .with_columns((pl.col("set_aside").fill_null(0) + pl.col("kept").fill_null(0)).alias("set_aside"))
           .with_columns((pl.col("checked") - pl.col("failed")).alias("passed"))
           .sort(pl.col("rule").replace_strict(order, default=len(order))))
    return out.select(
        "rule", pl.col("rule").replace_strict({r: reason(r, lang) for r in RULES}, return_dtype=pl.String).alias("reason"),
        "checked", "passed", "set_aside",
        pl.col("rule").replace_strict({r: fix(r, columns.get(r, "empty" if lang == "en" else "空白"), lang) for r in RULES},
                                      return_dtype=pl.String).alias("fix"),
    ).cast(REPORT_SCHEMA)  # type: ignore[arg-type]


SHORT: dict[str, tuple[str, str]] = {
    "missing_value": ("missing {column}", "缺少 {column}"),
    "mangled_id": ("mangled {column}", "{column} 被改成科学计数法"),
    "unknown_sender": ("unknown sender", "无法识别的发送方"),
    "bad_timestamp": ("unreadable {column}", "{column} 无法识别"),
    "bad_date": ("unreadable {column}", "{column} 无法识别"),
    "bad_number": ("{column} not a number", "{column} 不是数字"),
    "bad_whole_number": ("{column} not a whole number", "{column} 不是整数"),
    "bad_boolean": ("{column} not true/false", "{column} 不是 是/否"),
    "bad_month": ("{column} not a month", "{column} 不是月份"),
    "bad_duration": ("{column} not a duration", "{column} 不是时长"),
    "ambiguous_clock": ("ambiguous {column}", "{column} 时间有歧义"),
    "bad_text": ("{column} not text", "{column} 不是文本"),
    "negative_value": ("negative {column}", "{column} 为负"),
    "too_large": ("{column} too large", "{column} 过大"),
    "units_below_one": ("units below 1", "数量小于 1"),
    "score_out_of_range": ("score outside 1–5", "评分不在 1–5"),
    "paid_before_created": ("paid before created", "付款早于下单"),
    "duplicate_key": ("duplicate {column}", "重复的 {column}"),
    "orphan_order": ("order not in orders", "订单不在订单表中"),
    "summary_row": ("summary row", "汇总行"),
    "note_row": ("note row", "备注行"),
    "benchmark_row": ("benchmark row", "对标行"),
    "no_agent": ("no agent", "没有客服名"),
    "bad_cell": ("unreadable {column}", "{column} 无法读取"),
    "no_date": ("no date", "没有日期"),
    "duplicate_row": ("duplicate agent and period", "重复的客服和周期"),
}
"""A few words per rule (``{column}``: the column concerned), for the one-line account of rows set aside."""
assert set(SHORT) == set(RULES), "every row rule needs its short label"


def set_aside_line(rejected: pl.DataFrame, data: str, lang: str = "en") -> str | None:
    """One line saying how many rows were set aside and why, most common first, e.g.
    ``3 rows set aside (duplicate order_id 1, paid before created 1, negative amount 1) — csana check DIR lists them``;
    None when no row was set aside. Rows of one label (a rule about one column) are counted together."""
    if rejected.height == 0:
        return None
    order = {r: i for i, r in enumerate(RULES)}
    kinds = (rejected.group_by("rule", "column").len()
             .with_columns(pl.col("rule").replace_strict(order, default=len(order)).alias("__order"))
             .sort(["len", "__order", "column"], descending=[True, False, False], nulls_last=True))
    counts: dict[str, int] = {}
    for rule, column, n, _ in kinds.iter_rows():
        short = SHORT.get(rule, (rule, rule))[0 if lang == "en" else 1]
        text = short.format(column=column or "")
        counts[text] = counts.get(text, 0) + n
    parts = ", ".join(f"{text} {n:,}" for text, n in counts.items())
    n = rejected.height
    if lang == "zh":
        return f"{n:,} 行被搁置（{parts}）— csana check {data} 列出这些行"
    return f"{n:,} row{'s' if n != 1 else ''} set aside ({parts}) — csana check {data} lists them"
