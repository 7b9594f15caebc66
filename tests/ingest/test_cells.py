"""One cell-parsing module (csana.ingest.cells): a cell reads the same way through either loader."""

from __future__ import annotations

import inspect
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.exports.load import load_export
from csana.ingest import cells
from csana.ingest.raw import load

DATA = Path(__file__).parents[1] / "data" / "io"
GOOD_MESSAGES = "ts,customer_id,agent_id,sender\n2026-10-01 09:00:00,c1,a1,customer\n2026-10-01 09:00:20,c1,a1,agent\n"


def parsed(expr, values: list) -> list:
    return pl.DataFrame({"v": values}, schema={"v": pl.String}).select(expr(pl.col("v"))).to_series().to_list()


def raw_folder(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
    (tmp_path / "orders.csv").write_bytes((DATA / "orders.csv").read_bytes())
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_every_parser_says_what_it_accepts() -> None:
    functions = [f for name, f in inspect.getmembers(cells, inspect.isfunction)
                 if f.__module__ == cells.__name__ and not name.startswith("_")]
    assert len(functions) > 20
    assert [f.__name__ for f in functions if not (f.__doc__ or "").strip()] == []


MONEY = ["¥1,299.00", "￥1,299", "1299元", "RMB 12", "1.2万", "１２３", '="300"', "0"]
EXPECTED = [1299.0, 1299.0, 1299.0, 12.0, 12000.0, 123.0, 300.0, 0.0]


def test_money_reads_the_same_in_raw_orders_and_in_exports(tmp_path: Path) -> None:
    quoted = [v.replace('"', '""') for v in MONEY]
    rows = "".join(f'o{i},c1,2026-10-01 09:05:00,,"{v}",1\n' for i, v in enumerate(quoted))
    raw = load(_orders_folder(tmp_path / "raw", rows))
    assert raw.orders.sort("order_id")["amount"].to_list() == EXPECTED
    export = tmp_path / "赤兔_2024-10-01.csv"
    export.write_text("旺旺,咨询人数,接待人数,询单人数,销售额\n"
                      + "".join(f'店:a{i},1,1,1,"{v}"\n' for i, v in enumerate(quoted)), encoding="utf-8")
    got = load_export(export)["agent_period"].sort("agent_id")["sales_amount"].to_list()
    assert got == EXPECTED
    assert parsed(cells.decimal, MONEY) == EXPECTED


def _orders_folder(folder: Path, rows: str) -> Path:
    folder.mkdir()
    (folder / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
    (folder / "orders.csv").write_text("order_id,customer_id,created_at,paid_at,amount,units\n" + rows, encoding="utf-8")
    return folder


DURATIONS = {"515": 515, "9秒": 9, "2分30秒": 150, "7小时41分52秒": 27712, "8m35s": 515, "8:00:00": 28800, "0:08:35": 515,
             "1899-12-31 00:08:35": 515, "1900-01-01 06:00:00": 108_000, "2.5分钟": 150, "28,800": 28800}
"""Durations every duration column takes, raw or export (an Excel time cell of 30 h reads as day 1 of 1900)."""


def test_durations_read_the_same_in_raw_online_time_and_in_exports(tmp_path: Path) -> None:
    body = "".join(f'a{i},2026-10-01,"{v}"\n' for i, v in enumerate(DURATIONS))
    ds = load(raw_folder(tmp_path, "在线时长.csv", "客服,日期,在线时长\n" + body))
    by_agent = dict(ds["online"].select("agent_id", "online_s").iter_rows())
    assert [by_agent[f"a{i}"] for i in range(len(DURATIONS))] == list(DURATIONS.values())
    assert parsed(lambda e: cells.seconds(e, pl.String), list(DURATIONS)) == list(DURATIONS.values())
    assert parsed(cells.parse_duration_s, list(DURATIONS)) == list(DURATIONS.values())


def test_a_two_part_clock_is_minutes_and_seconds_only_in_response_times(tmp_path: Path) -> None:
    """"08:35" as a first response time is 8 min 35 s; as an online time it could be 8 h 35 min: refused, not 515 s."""
    (tmp_path / "raw").mkdir()
    ds = load(raw_folder(tmp_path / "raw", "在线时长.csv", "客服,日期,在线时长\na1,2026-10-01,08:35\na2,2026-10-01,8:35:00\n"))
    assert ds["online"]["online_s"].to_list() == [30_900.0]
    assert ds.rejected.select("row", "column", "rule", "reason", "value").rows() == [
        (2, "online_s", "ambiguous_clock", "two-part clock time: hours:minutes or minutes:seconds?", "08:35")]
    export = tmp_path / "千牛_2024-10-01.csv"
    export.write_text("客服昵称,接待人数,询单人数,询单最终付款人数,旺旺回复率,首次响应时长,在线时长\n"
                      "店:a,5,4,2,80%,08:35,08:35\n店:b,5,4,2,80%,00:35,8:35:00\n", encoding="utf-8")
    shop = load_export(export)
    assert shop["agent_period"].select("agent_id", "first_response_s", "online_s").rows() == [("b", 35.0, 30_900.0)]
    assert shop.rejected.select("row", "column", "rule", "value").rows() == [(2, "在线时长", "ambiguous_clock", "08:35")]
    assert cells.CLOCK_MMSS >= {"first_response_s", "avg_response_s"} and "online_s" not in cells.CLOCK_MMSS


def test_whole_numbers_are_exact_and_bounded() -> None:
    frame = pl.DataFrame({"u": pl.Series([2**62 + 1, 2**63 + 5], dtype=pl.UInt64)})
    assert frame.select(cells.whole(pl.col("u"), pl.UInt64)).to_series().to_list() == [2**62 + 1, None]
    assert parsed(cells.whole, ["12", "12.0", "1,234", "12人", "3件", "12.5", "1E20", "-3", "x"]) == [
        12, 12, 1234, 12, 3, None, None, -3, None]


def test_missing_marks_and_placeholders() -> None:
    marks = ["-", "--", "暂无数据", "延时统计", "延迟统计"]
    assert parsed(lambda e: cells.is_mark(cells.clean_text(e), marks), ["－", " -- ", "暂无数据", "延迟统计", "0", "x"]) == [
        True, True, True, True, False, False]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**9), st.sampled_from(["{}", "¥{}", "{}元", "RMB {}", "{:,}", "＋{}"]))
def test_signed_and_export_parsers_agree_on_values_at_or_above_zero(value: int, spelling: str) -> None:
    text = spelling.format(value) if "{:," not in spelling else f"{value:,}"
    text = text.replace("＋", "+")
    assert parsed(cells.decimal, [text]) == parsed(cells.parse_money, [text]) == [float(value)]
    assert parsed(cells.whole, [f"{value:,}"]) == parsed(cells.parse_count, [f"{value:,}"]) == [value]


@pytest.mark.parametrize(("value", "expected"), [("1899-12-30 00:00:09", 9), ("00:99:99", None), ("-5", -5.0), ("inf", None)])
def test_odd_durations(value: str, expected: float | None) -> None:
    assert parsed(lambda e: cells.seconds(e, pl.String), [value]) == [expected]


def test_delayed_statistics_placeholders_read_as_empty_in_exports(tmp_path: Path) -> None:
    path = tmp_path / "千牛_2024-10-01.csv"
    path.write_text("客服昵称,接待人数,询单人数,询单最终付款人数,销售额\n店:a,5,4,延迟统计,暂无数据\n", encoding="utf-8")
    ds = load_export(path)
    assert ds["agent_period"].select("conv_final_customers", "sales_amount").rows() == [(None, None)]
    assert any("('延迟统计': the platform has not finished counting" in w for w in ds.warnings)
