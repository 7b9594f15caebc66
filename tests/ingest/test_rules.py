"""One table of row rules (csana.ingest.rules): both loaders set rows aside through it, `csana check` reports it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest

from csana.cli import main
from csana.exports.load import load_export
from csana.ingest.dataset import Dataset
from csana.ingest.raw import load
from csana.ingest.account import rejection_summary
from csana.ingest.rules import CELL_REASONS, RULES, fix, reason_in, report

IO = Path(__file__).parents[1] / "data" / "io"
EXPORT = Path(__file__).parents[1] / "data" / "exports" / "赤兔_客服绩效_2024-10-01_2024-10-03.csv"


def test_every_rule_has_a_stable_id_reasons_and_fixes_in_both_languages() -> None:
    for rule_id, rule in RULES.items():
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", rule_id) and rule.id == rule_id
        assert rule.en and rule.zh and rule.fix_en and rule.fix_zh, rule_id
        assert any("\u4e00" <= ch <= "\u9fff" for ch in rule.zh + rule.fix_zh), rule_id
    assert fix("missing_value", "amount") == "fill in the amount cell or delete the row"
    assert fix("missing_value", "amount", "zh") == "填写 amount 或删除该行"


def assert_report_reconciles(ds: Dataset) -> pl.DataFrame:
    kept = {"benchmark_row": ds["benchmarks"].height} if ds.has("benchmarks") else {}
    table = report(ds.tallies, ds.rejected, "en", kept)
    assert set(ds.rejected["rule"]) <= set(table["rule"]) <= set(RULES)
    assert (table["checked"] >= table["passed"]).all()
    assert ((table["checked"] - table["passed"]) >= table["set_aside"]).all()
    assert table["set_aside"].sum() == ds.rejected.height + sum(kept.values())
    return table


def test_raw_rows_carry_their_rule_and_the_report_counts_them() -> None:
    ds = load([IO / "messages.csv", IO / "orders_amounts.csv"])
    assert ds.rejected.select("row", "rule").rows() == [
        (5, "missing_value"), (6, "missing_value"), (7, "bad_number"), (8, "negative_value"),
        (10, "units_below_one"), (11, "bad_whole_number"), (12, "missing_value")]
    table = assert_report_reconciles(ds)
    counted = {r: (c, p, s) for r, c, p, s in table.select("rule", "checked", "passed", "set_aside").iter_rows()}
    assert counted["missing_value"] == (18, 15, 3)  # 7 messages + 11 orders; three amounts missing
    assert counted["bad_number"] == (11, 10, 1) and counted["units_below_one"] == (11, 10, 1)
    assert counted["paid_before_created"] == (11, 11, 0) and counted["duplicate_key"] == (4, 4, 0)


def test_a_row_breaking_two_rules_fails_both_but_is_set_aside_once(tmp_path: Path) -> None:
    (tmp_path / "messages.csv").write_bytes((IO / "messages.csv").read_bytes())
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units\no1,c1,2026-10-01 09:05:00,,-5,0\no2,c1,2026-10-01 09:05:00,,5,1\n",
        encoding="utf-8")
    ds = load(tmp_path)
    assert ds.rejected.select("row", "rule").rows() == [(2, "negative_value")]
    table = assert_report_reconciles(ds).filter(pl.col("rule").is_in(["negative_value", "units_below_one"]))
    assert table.select("rule", "checked", "passed", "set_aside").rows() == [
        ("negative_value", 2, 1, 1), ("units_below_one", 2, 1, 0)]


def test_export_rows_carry_their_rule_and_benchmarks_are_kept_apart() -> None:
    ds = load_export(EXPORT)
    assert ds.rejected.select("row", "rule").rows() == [(9, "bad_cell"), (10, "bad_cell"), (11, "summary_row"), (12, "summary_row")]
    table = assert_report_reconciles(ds)
    counted = {r: (c, p, s) for r, c, p, s in table.select("rule", "checked", "passed", "set_aside").iter_rows()}
    assert counted["summary_row"] == (11, 9, 2) and counted["benchmark_row"] == (11, 9, 2)
    assert counted["bad_cell"] == (7, 5, 2)  # agent rows only


def test_duplicate_export_rows_are_one_rule(tmp_path: Path) -> None:
    shutil.copy(EXPORT, tmp_path / "a.csv")
    shutil.copy(EXPORT, tmp_path / "b.csv")
    ds = load_export(tmp_path)
    assert ds.rejected.filter(pl.col("reason").str.starts_with("duplicate"))["rule"].unique().to_list() == ["duplicate_row"]
    assert_report_reconciles(ds)


def test_check_reports_one_row_per_rule_for_raw_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("messages.csv", "orders_amounts.csv"):
        shutil.copy(IO / name, tmp_path / name)
    assert main(["check", str(tmp_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"│ missing_value\s+│ missing value\s+│\s+18 │\s+15 │\s+3 │ fill in the amount", out)
    assert re.search(r"│ units_below_one\s+│ units must be at least 1\s+│\s+11 │\s+10 │\s+1 │", out)
    assert out.rstrip().endswith("11 rows used, 7 rejected (5 kind(s) of problem, listed above)")


def test_check_works_on_platform_exports_and_lists_the_rows_that_are_not_agents(tmp_path: Path,
                                                                              capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(EXPORT, tmp_path / EXPORT.name)
    out_file = tmp_path / "rejected.csv"
    assert main(["check", str(tmp_path), "--rejected", str(out_file)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"│ summary_row\s+│ 汇总行（合计或平均，不是客服）\s+│\s+11 │\s+9 │\s+2 │", out)
    assert re.search(r"│ benchmark_row\s+│ 同行对标行（单独保存为对标，不是客服）\s+│\s+11 │\s+9 │\s+2 │", out)
    for row, label in ((11, "汇总"), (12, "均值"), (14, "同行同层优秀"), (15, "同行同层平均")):
        assert re.search(rf"│\s+{row} │ {label}\s+│", out), label
    assert "使用 7 行，剔除 4 行（" in out  # the CLI's default language, headers included
    assert re.search(r"┃ 规则\s+┃ 原因\s+┃ 检查 ┃ 通过 ┃ 剔除 ┃ 修正方法", out) and "┃ 识别依据" in out and "rows used" not in out
    assert pl.read_csv(out_file).select("row", "rule").rows() == [(9, "bad_cell"), (10, "bad_cell"), (11, "summary_row"),
                                                                 (12, "summary_row")]


REASONS = [  # (rule, the loader's English reason, the Chinese a report shows)
    ("summary_row", "summary row (a total or average, not an agent), by its label", "汇总行（合计或平均，不是客服），按名称"),
    ("summary_row", "summary row (a total or average, not an agent), by its values: the sum of the other agent rows "
     "(3 rows of 2024-10-01)", "汇总行（合计或平均，不是客服），按数值：等于其他客服行之和（2024-10-01 的 3 行）"),
    ("summary_row", "summary row (a total or average, not an agent), by its values: the mean of the other agent rows "
     "(4 rows of the file)", "汇总行（合计或平均，不是客服），按数值：等于其他客服行的平均值（本文件 的 4 行）"),
    ("summary_row", "summary row (a total or average, not an agent), by its shape: no agent name, but numbers",
     "汇总行（合计或平均，不是客服），按形状：没有客服名却有数字"),
    ("duplicate_key", "duplicate order_id (kept row 3 of orders.csv)", "重复的 order_id（保留 orders.csv 第 3 行）"),
    ("duplicate_key", "duplicate order_id", "重复的 order_id"),
    ("duplicate_row", "duplicate: same agent and period as 赤兔.xlsx row 7", "重复：客服和周期与 赤兔.xlsx 第 7 行相同"),
    ("bad_cell", "not a rate ≥ 0 (e.g. 45.2%, 45.20 or 0.452)", "不是 ≥ 0 的比率（如 45.2%、45.20 或 0.452）"),
    ("bad_timestamp", "unparseable timestamp", "无法识别的时间"),
    ("orphan_order", "order_id not in orders", "订单号不在订单表中"),
]


def test_every_reason_reads_in_chinese_with_its_detail() -> None:
    frame = pl.DataFrame({"rule": [r for r, _, _ in REASONS], "reason": [en for _, en, _ in REASONS]})
    assert frame.select(reason_in("zh"))["rule"].to_list() == [zh for _, _, zh in REASONS]
    assert frame.select(reason_in("en"))["reason"].to_list() == [en for _, en, _ in REASONS]  # English as written


def test_every_rule_reason_and_cell_reason_has_its_chinese() -> None:
    cases = [(r.id, r.en) for r in RULES.values()] + [("bad_cell", en) for en, _ in CELL_REASONS.values()]
    frame = pl.DataFrame({"rule": [r for r, _ in cases], "reason": [en for _, en in cases]})
    chinese = frame.select(reason_in("zh").alias("zh"))["zh"]
    assert chinese.null_count() == 0 and chinese.str.contains(r"[\u4e00-\u9fff]").all()


def test_the_summary_of_set_aside_rows_speaks_the_report_language() -> None:
    ds = load_export(EXPORT)
    zh = rejection_summary(ds, "zh")
    assert zh.columns == rejection_summary(ds).columns
    assert "汇总行（合计或平均，不是客服），按名称" in set(zh["reason"])
    assert not any(re.search(r"[A-Za-z]{2,}", r) for r in zh["reason"])
    assert all(re.search(r"[\u4e00-\u9fff]", f) for f in zh["fix"])
