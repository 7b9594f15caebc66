"""Loading raw logs: every rule of the canonical tables (docs/inputs.md) against a small bad file.

The corpus lives in tests/data/io/ (see make_binary.py there for the GBK, BOM and XLSX
files). Each test loads a good companion file plus one bad file and checks the exact
outcome: the error text, or which rows were set aside and why. Every successful load
is also checked for the bookkeeping invariant rows_used + rows_rejected = rows_read.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path
from unittest.mock import patch

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import csana.ingest.raw as csana_io
from csana.errors import CsanaError
from csana.ingest import inputs
from csana.ingest.columns import LoadParams
from csana.ingest.dataset import (
    FILES_SCHEMA,
    RAW_CAPABILITIES,
    REJECTED_SCHEMA,
    Dataset,
)
from csana.ingest.raw import conform_frame, from_frames, load, rejection_summary
from csana.ingest.schema import TABLES
from csana.metrics.engine import agent_metrics

DATA = Path(__file__).parents[1] / "data" / "io"
T = dt.datetime


def load_files(*names: str, params: LoadParams | None = None) -> Dataset:
    ds = load([DATA / n for n in names], params)
    assert_reconciled(ds)
    return ds


def assert_reconciled(ds: Dataset) -> None:
    """used + rejected = read per file; rejected rows and table heights agree with the counts."""
    files = ds.files
    assert files.schema == pl.Schema(FILES_SCHEMA)
    assert ds.rejected.schema == pl.Schema(REJECTED_SCHEMA)
    assert (files["rows_used"] + files["rows_rejected"] == files["rows_read"]).all()
    per_file = dict(ds.rejected.group_by("file").len().iter_rows())
    assert {f: n for f, n in zip(files["file"], files["rows_rejected"], strict=True) if n} == per_file
    used = files.group_by("table").agg(pl.col("rows_used").sum())
    assert {t: ds.tables[t].height for t in used["table"]} == dict(used.iter_rows())


def rejected(ds: Dataset) -> list[tuple[int, str, str, str | None]]:
    return [(r["row"], r["column"], r["reason"], r["value"]) for r in ds.rejected.iter_rows(named=True)]


def counts(ds: Dataset, file: str) -> tuple[int, int, int]:
    row = ds.files.filter(pl.col("file") == file).row(0, named=True)
    return row["rows_read"], row["rows_used"], row["rows_rejected"]


def error(*names: str) -> str:
    with pytest.raises(CsanaError) as info:
        load([DATA / n for n in names])
    return str(info.value)


# -- the good baseline ---------------------------------------------------------------------


def test_baseline_loads_into_canonical_types() -> None:
    ds = load_files("messages.csv", "orders.csv")
    assert ds.capabilities == RAW_CAPABILITIES
    for name in ("messages", "orders"):
        for column, dtype in TABLES[name].required.items():
            assert ds.tables[name].schema[column] == dtype
    assert ds.messages["sender"].to_list() == ["customer", "agent", "customer", "agent", "customer", "auto", "agent"]
    assert ds.orders.row(1) == ("o2", "c2", T(2026, 10, 2, 10, 10), None, 99.5, 2)
    assert counts(ds, "messages.csv") == (7, 7, 0)
    assert ds.rejected.height == 0 and ds.warnings == []


# -- the bad and messy corpus -------------------------------------------------------


def test_empty_file_is_an_error() -> None:
    assert error("messages.csv", "orders_empty.csv") == (
        "orders_empty.csv: the file is empty — fix: export the data again; an empty file cannot be used"
    )


def test_header_only_orders_is_an_error() -> None:
    assert error("messages.csv", "orders_header_only.csv") == (
        "orders_header_only.csv: the orders table (订单) has no data rows"
        " — fix: export the 订单 again with the rows of the period to analyse"
    )


def test_header_only_optional_table_reads_as_empty_with_a_warning() -> None:
    """No disputes/reviews this month is data, not an error: the table is given and empty."""
    ds = load_files("messages.csv", "orders.csv", "reviews_header_only.csv")
    assert ds.has("reviews") and ds["reviews"].height == 0
    assert counts(ds, "reviews_header_only.csv") == (0, 0, 0)
    assert ds.warnings == ["reviews_header_only.csv: header but no data rows; read as an empty reviews table"]


def test_missing_required_column_names_file_column_and_fix() -> None:
    message = error("messages_missing_sender.csv", "orders.csv")
    assert message.startswith(
        "messages_missing_sender.csv, column 'sender': missing required column(s) sender for table messages;"
        " found: 时间, 买家, 客服, 内容 — fix: rename the header to one of: sender = sender, 发送方"
    )


def test_unknown_extra_columns_are_dropped_and_listed() -> None:
    ds = load_files("messages_extra_columns.csv", "orders.csv")
    assert ds.messages.columns == ["ts", "customer_id", "agent_id", "sender", "text"]
    assert ds.warnings == ["messages_extra_columns.csv: unknown columns ignored: 备注, 来源"]


def test_gbk_csv_as_chinese_excel_writes_it() -> None:
    ds = load_files("messages_gbk.csv", "orders_bom.csv")
    assert dict(zip(ds.files["file"], ds.files["encoding"], strict=True)) == {
        "messages_gbk.csv": "gb18030", "orders_bom.csv": "utf-8-sig"}
    assert ds.messages.row(2) == (T(2026, 10, 1, 9, 0, 25), "张三", "客服小王", "auto", "【自动回复】感谢您的咨询")
    assert ds.messages["sender"].to_list() == ["customer", "agent", "auto", "customer", "agent"]


def test_utf8_bom_header_still_matches() -> None:
    """Without stripping the BOM the first header would read '\\ufeff订单号' and not match order_id."""
    ds = load_files("messages_gbk.csv", "orders_bom.csv")
    assert ds.orders["order_id"].to_list() == ["o1", "o2"]
    assert ds.orders["customer_id"].to_list() == ["张三", "李四"]


def test_utf16_tab_separated_text(tmp_path: Path) -> None:
    """Excel's 'Unicode text' export: UTF-16 with BOM, tab-separated."""
    (tmp_path / "orders.csv").write_text(
        "订单号\t买家\t下单时间\t付款时间\t实付金额\t数量\no1\tc1\t2026-10-01 09:05:00\t\t10\t1\n", encoding="utf-16")
    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    ds = load(tmp_path)
    assert ds.orders.row(0) == ("o1", "c1", T(2026, 10, 1, 9, 5), None, 10.0, 1)
    assert ds.files.filter(pl.col("table") == "orders")["encoding"].item() == "utf-16"


def test_other_encodings_fall_back_to_a_guess(tmp_path: Path) -> None:
    """Neither UTF-8 nor GB18030 (é = 0xE9 before a space is no GB18030 pair): charset-normalizer's guess is used.

    (Latin-1 text without such a pair decodes as valid GB18030 and would read as Chinese
    characters: GB18030 is tried first because Chinese Excel writes it.)
    """
    (tmp_path / "orders.csv").write_bytes(
        "order_id,customer_id,created_at,paid_at,amount,units\no1,André Gonçalves,2026-10-01 09:05:00,,10,1\n".encode("latin-1"))
    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    ds = load(tmp_path)
    assert ds.orders["customer_id"].to_list() == ["André Gonçalves"]
    assert ds.files.filter(pl.col("table") == "orders")["encoding"].item() not in {"utf-8", "utf-8-sig", "gb18030"}


def test_excel_with_title_rows_and_merged_cells_above_the_header() -> None:
    """Header on sheet row 4 (merged title in A1:F1, a note in A2, blank row 3): data rows are 5–7."""
    ds = load_files("messages.csv", "orders_title_rows.xlsx")
    assert ds.orders.rows() == [
        ("1234567890123", "c1", T(2026, 10, 1, 9, 5), T(2026, 10, 1, 9, 6), 199.0, 1),  # numeric id: no ".0"
        ("o2", "c2", T(2026, 10, 2, 10, 10), None, 1299.0, 2),  # serial 46297.4236… and "¥1,299.00"
    ]
    assert rejected(ds) == [(7, "amount", "negative value", "-5")]
    assert counts(ds, "orders_title_rows.xlsx") == (3, 2, 1)


def test_duplicate_order_ids_keep_the_first_row() -> None:
    ds = load_files("messages.csv", "orders_duplicate_ids.csv")
    kept = "duplicate order_id (kept row 2 of orders_duplicate_ids.csv)"
    assert rejected(ds) == [(4, "order_id", kept, "o1"), (6, "order_id", kept, "o1")]
    assert ds.orders["order_id"].to_list() == ["o1", "o2", "o3"]
    assert ds.orders.filter(pl.col("order_id") == "o1")["customer_id"].item() == "c1"
    assert counts(ds, "orders_duplicate_ids.csv") == (5, 3, 2)


def test_duplicate_order_ids_across_files() -> None:
    ds = load_files("messages.csv", "orders.csv", "orders_2026-10_part2.csv")
    assert rejected(ds) == [(2, "order_id", "duplicate order_id (kept row 4 of orders.csv)", "o3")]
    assert ds.orders["order_id"].to_list() == ["o1", "o2", "o3", "o4"]
    assert counts(ds, "orders_2026-10_part2.csv") == (2, 1, 1)


def test_several_timestamp_formats_and_unparseable_ones() -> None:
    ds = load_files("messages_timestamps.csv", "orders.csv")
    assert ds.messages["ts"].to_list() == [
        T(2026, 10, 1, 9, 0, 0),  # 2026-10-01 09:00:00
        T(2026, 10, 1, 9, 0, 20),  # 2026/10/1 9:00:20
        T(2026, 10, 1, 9, 1, 0),  # 2026-10-01T09:01:00
        T(2026, 10, 1, 9, 1, 30),  # 20261001 090130
        T(2026, 10, 1, 9, 2, 0),  # 2026-10-01 09:02 (no seconds)
        T(2026, 10, 1, 9, 2, 30),  # 2026年10月1日 09:02:30
        T(2026, 10, 1, 9, 3, 0, 250_000),  # 2026-10-01 09:03:00.250
        T(2026, 10, 1, 9, 4, 0),  # 2026.10.01 09:04:00
    ]
    assert rejected(ds) == [
        (10, "ts", "unparseable timestamp", "yesterday"),
        (11, "ts", "unparseable timestamp", "2026-13-01 09:00:00"),
        (12, "ts", "unparseable timestamp", "01/10/2026 09:00"),  # day-first is ambiguous: not accepted
        (13, "ts", "missing value", None),
    ]
    assert counts(ds, "messages_timestamps.csv") == (12, 8, 4)


def test_paid_before_created_is_set_aside() -> None:
    ds = load_files("messages.csv", "orders_paid_before_created.csv")
    assert rejected(ds) == [(3, "paid_at", "paid_at before created_at", "2026-10-02 10:09:59")]
    assert ds.orders["order_id"].to_list() == ["o1", "o3"]  # o3 paid the same second it was created: fine


def test_amounts_with_currency_marks_negative_and_non_numeric() -> None:
    ds = load_files("messages.csv", "orders_amounts.csv")
    assert dict(zip(ds.orders["order_id"], ds.orders["amount"], strict=True)) == {
        "o1": 1299.0, "o2": 1299.0, "o3": 1299.0, "o8": 0.0}  # ¥1,299.00 / ￥1,299 / 1299元 / 0
    assert rejected(ds) == [
        (5, "amount", "missing value", "—"),
        (6, "amount", "missing value", "-"),
        (7, "amount", "not a number", "abc"),
        (8, "amount", "negative value", "-12.50"),
        (10, "units", "units must be at least 1", "0"),
        (11, "units", "not a whole number", "1.5"),
        (12, "amount", "missing value", None),
    ]
    assert counts(ds, "orders_amounts.csv") == (11, 4, 7)


def test_unknown_sender_values_are_set_aside() -> None:
    ds = load_files("messages_unknown_senders.csv", "orders.csv")
    # customer / " Customer " / 店小蜜 / 人工 / 卖家 are known spellings
    assert ds.messages["sender"].to_list() == ["customer", "customer", "auto", "agent", "agent"]
    assert rejected(ds) == [
        (7, "sender", "unknown sender value", "商品卡片"),
        (8, "sender", "unknown sender value", "xx"),
        (9, "sender", "missing value", None),
    ]
    assert ds.warnings[0] == (
        "messages_unknown_senders.csv, column 'sender', rows 7, 8: 2 row(s) set aside: unknown sender value"
        " — fix: use customer/agent/auto (or 买家/客服/机器人), or add the spelling under senders in params/columns.yaml"
    )


def test_agents_missing_from_the_agents_table_are_kept_and_listed() -> None:
    ds = load_files("messages.csv", "orders.csv", "agents_incomplete.csv")
    assert ds.messages.height == 7
    assert ds["agents"].rows() == [("a1", "小王", "售前一组")]
    assert ds.warnings == [
        "1 agent(s) in messages are missing from the agents table: a2;"
        " they are analysed without name or team — add them to the agents file"
    ]


def test_a_month_with_no_data() -> None:
    """September and November only: loading works; asking for October is a clear error."""
    ds = load_files("messages_sep_nov.csv", "orders_sep_nov.csv")
    with pytest.raises(CsanaError, match=r"no receptions or orders in 2026-10; the data covers 2026-09-10 … 2026-11-05"):
        agent_metrics(ds, "2026-10")


def test_an_agent_with_zero_inquiries() -> None:
    """a2's only chat (10-03) follows c1's order of 10-01 by 2 days < postsale_days=7: post-sale, not an inquiry.

    So a2 has 1 received customer, 0 inquiry customers, and conversion 0/0 = null (never 0 or NaN).
    """
    ds = load_files("messages_zero_inquiries.csv", "orders.csv")
    row = agent_metrics(ds, "2026-10").filter(pl.col("agent_id") == "a2").row(0, named=True)
    assert (row["received_customers"], row["inquiry_customers"]) == (1, 0)
    assert row["conv_next_day"] is None and row["conv_final"] is None


def test_million_row_file_with_bad_rows_in_the_middle(tmp_path: Path) -> None:
    n = 1_000_000
    start_ts = T(2026, 10, 1)
    frame = pl.select(
        时间=pl.datetime_range(start_ts, start_ts + dt.timedelta(seconds=2 * (n - 1)), "2s").dt.strftime("%Y-%m-%d %H:%M:%S"),
        买家=pl.format("c{}", pl.int_range(n) % 5000),
        客服=pl.format("a{}", pl.int_range(n) % 20),
        发送方=pl.Series(["买家", "客服", "机器人", "客服"] * (n // 4)),
        内容=pl.lit("你好，这个有货吗"),
    )
    bad = {"时间": (400_000, "2026-10-32 09:00:00"), "发送方": (500_000, "访客?"), "买家": (600_000, "")}
    frame = frame.with_columns([frame[c].scatter(i, v) for c, (i, v) in bad.items()])
    frame.write_csv(tmp_path / "messages.csv")
    (tmp_path / "orders.csv").write_bytes((DATA / "orders.csv").read_bytes())
    start = time.perf_counter()
    ds = load(tmp_path)
    seconds = time.perf_counter() - start
    assert_reconciled(ds)
    assert counts(ds, "messages.csv") == (n, n - 3, 3)
    # frame index i is spreadsheet row i + 2 (header = row 1)
    assert rejected(ds) == [
        (400_002, "ts", "unparseable timestamp", "2026-10-32 09:00:00"),
        (500_002, "sender", "unknown sender value", "访客?"),
        (600_002, "customer_id", "missing value", None),
    ]
    assert ds.messages["ts"][-1] == start_ts + dt.timedelta(seconds=2 * (n - 1))
    assert seconds < 30, f"1M rows took {seconds:.1f}s (about 2 s expected)"


# -- more rules -------------------------------------------------------------------------------


def test_ragged_row_is_an_error_naming_the_row() -> None:
    assert error("messages_ragged.csv", "orders.csv") == (
        "messages_ragged.csv, row 3: row has more cells than the header's 5"
        " — fix: quote text that contains the separator, or save the file again from Excel as CSV"
    )


def test_a_bare_carriage_return_in_an_unreadable_csv_is_still_one_clear_error(tmp_path: Path) -> None:
    """Found by the hostile-cells fuzz test: a file read with ';' as separator whose rows polars finds ragged, and
    one of whose cells holds a bare carriage return, made the explanation itself raise csv's "new-line character
    seen in unquoted field"."""
    for name in ("messages.csv", "orders.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "messages_extra.csv").write_bytes(
        "ts,customer_id,agent_id,sender,text,备注\n"
        "<b>x</b>,<b>x</b>,<b>x</b>,&amp;&lt;&#x3c;,&amp;&lt;&#x3c;,&amp;&lt;&#x3c;\n"
        '<b>x</b>,<b>x</b>,"\r=1+1",&amp;&lt;&#x3c;,&amp;&lt;&#x3c;,&amp;&lt;&#x3c;\n'.encode())
    with pytest.raises(CsanaError) as info:
        load(tmp_path)
    assert str(info.value).startswith("messages_extra.csv") and "\n" not in info.value.message


def test_a_file_with_no_usable_rows_is_an_error() -> None:
    assert error("messages.csv", "orders_all_bad.csv") == (
        "orders_all_bad.csv, column 'created_at', rows 2, 3: no usable rows: all 3 rows were set aside;"
        " most often: unparseable timestamp (2 rows, e.g. '10月1日': a month and day without a year)"
        " — fix: write times like 2026-10-01 09:00:00 (shop-local time)"
    )


def test_reviews_of_unknown_orders_and_out_of_range_scores() -> None:
    ds = load_files("messages.csv", "orders.csv", "reviews_orphans.csv")
    assert rejected(ds) == [
        (3, "order_id", "order_id not in orders", "o9"),
        (4, "service_score", "service_score outside 1–5", "6"),
        (6, "low_quality", "not true/false (是/否)", "maybe"),
    ]
    assert ds["reviews"].rows() == [("o1", T(2026, 10, 5, 10), 5.0, False), ("o3", T(2026, 10, 6, 10), 1.0, True)]


def test_a_file_fitting_two_tables_is_an_error() -> None:
    assert error("messages.csv", "orders.csv", "sheet1.csv") == (
        "sheet1.csv: cannot tell which table this is: its columns fit reminders and disputes"
        " — fix: put the table name in the file name, e.g. reminders.csv or disputes.csv"
    )


def test_an_unrecognised_file_is_ignored_with_a_warning() -> None:
    ds = load_files("messages.csv", "orders.csv", "notes.csv")
    assert set(ds.tables) == {"messages", "orders"}
    assert ds.warnings == ["notes.csv: not recognised as any table (columns: 备注, 说明); ignored"]


def test_a_missing_required_table_is_an_error() -> None:
    assert error("messages.csv") == (
        "required table(s) missing: orders; found: messages.csv → messages — fix: add orders (订单): a file named"
        " like orders.csv or 订单.xlsx with columns order_id, customer_id, created_at, paid_at, amount, units"
    )


def test_no_units_column_counts_one_unit_and_prefers_the_first_listed_alias() -> None:
    """买家会员名 is listed before 买家昵称 for orders.customer_id in params/columns.yaml."""
    ds = load_files("messages.csv", "orders_no_units.csv")
    assert ds.orders.select("customer_id", "units").rows() == [("c1", 1), ("c2", 1)]
    assert ds.warnings == [
        "orders_no_units.csv: column 买家昵称 also names customer_id; used 买家会员名",
        "orders_no_units.csv: no units column (数量); every order counts 1 unit(s)",
    ]


def test_no_units_column_is_an_error_when_no_default(tmp_path: Path) -> None:
    params = LoadParams.load().model_copy(update={"default_units": None})
    with pytest.raises(CsanaError, match=r"orders_no_units.csv, column 'units': missing required column\(s\) units"):
        load([DATA / "messages.csv", DATA / "orders_no_units.csv"], params)


def test_parquet_with_integer_ids_and_typed_times(tmp_path: Path) -> None:
    pl.DataFrame({
        "order_id": [10001, 10002], "customer_id": [7, 8],
        "created_at": [T(2026, 10, 1, 9), T(2026, 10, 2, 9)], "paid_at": [T(2026, 10, 1, 9, 1), None],
        "amount": [5.5, 6.0], "units": [1, 3],
    }).write_parquet(tmp_path / "orders.parquet")
    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    ds = load(tmp_path)
    assert_reconciled(ds)
    assert ds.orders.rows() == [("10001", "7", T(2026, 10, 1, 9), T(2026, 10, 1, 9, 1), 5.5, 1),
                                ("10002", "8", T(2026, 10, 2, 9), None, 6.0, 3)]
    assert ds.files.filter(pl.col("table") == "orders")["encoding"].item() is None


def test_workbook_with_one_sheet_per_table(tmp_path: Path) -> None:
    book = xlsxwriter.Workbook(tmp_path / "10月数据.xlsx")
    chats = book.add_worksheet("聊天记录")
    for r, row in enumerate([["时间", "买家", "客服", "发送方"], ["2026-10-01 09:00:00", "c1", "a1", "买家"],
                             ["2026-10-01 09:00:10", "c1", "a1", "客服"]]):
        chats.write_row(r, 0, row)
    orders = book.add_worksheet("订单")
    for r, row in enumerate([["订单号", "买家", "下单时间", "付款时间", "实付金额", "数量"],
                             ["o1", "c1", "2026-10-01 09:05:00", "", 10, 1], ["o1", "c1", "2026-10-01 09:05:00", "", 10, 1]]):
        orders.write_row(r, 0, row)
    book.add_worksheet("说明").write("A1", "本工作簿为10月数据")
    book.close()
    ds = load(tmp_path)
    assert_reconciled(ds)
    assert ds.files["file"].to_list() == ["10月数据.xlsx[聊天记录]", "10月数据.xlsx[订单]"]
    assert rejected(ds) == [(3, "order_id", "duplicate order_id (kept row 2 of 10月数据.xlsx[订单])", "o1")]
    assert ds.warnings[0] == "10月数据.xlsx[说明]: not recognised as any table (columns: 本工作簿为10月数据); ignored"


def test_folder_with_monthly_files_subfolders_and_junk(tmp_path: Path) -> None:
    """Monthly chat files are stacked; lock files, hidden files and other formats are skipped."""
    (tmp_path / "2026-09").mkdir()
    (tmp_path / "2026-09" / "messages_2026-09.csv").write_text(
        "ts,customer_id,agent_id,sender\n2026-09-30 23:59:00,c1,a1,customer\n", encoding="utf-8")
    (tmp_path / "10月客服聊天记录.csv").write_text(
        "时间,买家,客服,发送方\n2026-10-01 00:00:10,c1,a1,客服\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_bytes((DATA / "orders.csv").read_bytes())
    (tmp_path / "~$orders.xlsx").write_bytes(b"lock")
    (tmp_path / ".hidden.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "readme.txt").write_text("notes", encoding="utf-8")
    ds = load(tmp_path)
    assert_reconciled(ds)
    assert ds.messages.select("ts", "sender").rows() == [(T(2026, 10, 1, 0, 0, 10), "agent"), (T(2026, 9, 30, 23, 59), "customer")]
    assert sorted(ds.files["file"].to_list()) == ["10月客服聊天记录.csv", str(Path("2026-09/messages_2026-09.csv")), "orders.csv"]
    assert ds.source == str(tmp_path)


def test_path_errors(tmp_path: Path) -> None:
    with pytest.raises(CsanaError, match="no such file or folder"):
        load(tmp_path / "nope")
    with pytest.raises(CsanaError, match="no CSV, XLSX or Parquet files found"):
        load(tmp_path)
    (tmp_path / "orders.xlsx").write_bytes(b"not a zip")
    with pytest.raises(CsanaError, match=r"orders.xlsx: not a readable Excel file"):
        load(tmp_path)


def test_blank_lines_are_not_rows_but_keep_row_numbers(tmp_path: Path) -> None:
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units\n"
        "o1,c1,2026-10-01 09:00:00,,1,1\n\n,,,,,\no2,c2,2026-10-01 09:00:00,,-1,1\n\n", encoding="utf-8")
    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    ds = load(tmp_path)
    assert_reconciled(ds)
    assert counts(ds, "orders.csv") == (2, 1, 1)
    assert rejected(ds) == [(5, "amount", "negative value", "-1")]


def test_title_row_above_a_csv_header(tmp_path: Path) -> None:
    (tmp_path / "订单.csv").write_text(
        "10月订单导出\n\n订单号,买家,下单时间,付款时间,实付金额,数量\no1,c1,2026-10-01 09:00:00,,1,x\n", encoding="utf-8")
    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    with pytest.raises(CsanaError) as info:
        load(tmp_path)
    assert str(info.value).startswith("订单.csv, column 'units', row 4: no usable rows: all 1 rows were set aside;"
                                      " most often: not a whole number (1 rows, e.g. 'x')")


def test_optional_tables_parse_months_durations_and_dates(tmp_path: Path) -> None:
    for name in ("messages.csv", "orders.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    (tmp_path / "人工评分.csv").write_text(
        "客服,月份,指标,得分\na1,2026/10,质检,95\na1,2026年9月,质检,90\na2,202610,质检,88\na2,2026-13,质检,70\n", encoding="utf-8")
    (tmp_path / "在线时长.csv").write_text(
        "客服,日期,在线时长,挂起时长\na1,2026-10-01,8:00:00,600\na2,2026/10/2,28800,-5\n", encoding="utf-8")
    (tmp_path / "客服名单.csv").write_text("客服,姓名,岗位,入职时间\na1,小王,presales,2025-03-01\na2,小李,aftersales,昨天\n",
                                           encoding="utf-8")
    ds = load(tmp_path)
    assert_reconciled(ds)
    assert ds["manual_scores"].select("month", "value").rows() == [("2026-10", 95.0), ("2026-09", 90.0), ("2026-10", 88.0)]
    assert ds["online"].rows() == [("a1", dt.date(2026, 10, 1), 28800.0, 600.0)]  # 8:00:00 = 28800 s
    assert ds["agents"].rows() == [("a1", "小王", "presales", dt.date(2025, 3, 1))]
    assert rejected(ds) == [  # sorted by file name: 人工评分, 在线时长, 客服名单
        (5, "month", "not a month like 2026-10", "2026-13"),
        (3, "hung_up_s", "negative value", "-5"),
        (3, "hired_at", "unparseable date", "昨天"),
    ]


def test_rejection_summary_groups_by_file_column_and_reason() -> None:
    ds = load_files("messages.csv", "orders_duplicate_ids.csv")
    summary = rejection_summary(ds)
    assert summary.rows() == [(
        "orders_duplicate_ids.csv", "orders", "order_id", "duplicate order_id", 2, [4, 6], "o1",
        "remove the repeated rows (the first one is kept)",
    )]


# -- parameters ------------------------------------------------------------------------------


def test_columns_yaml_reports_every_problem_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "columns.yaml"
    bad.write_text(
        "tables:\n"
        "  chats: {files: [聊天]}\n"
        "  orders:\n"
        "    columns: {amount: [金额], price: [单价], paid_at: [金额]}\n"
        "senders:\n"
        "  buyer: [买家]\n"
        "  agent: [客服]\n"
        "  auto: [客服]\n"
        "colour: red\n", encoding="utf-8")
    with pytest.raises(CsanaError) as info:
        LoadParams.load(bad)
    message = str(info.value)
    for part in ("unknown table 'chats'", "unknown column 'price'", "header '金额' given for both paid_at and amount",
                 "unknown sender 'buyer'", "sender value '客服' given for both agent and auto", "unknown key 'colour'"):
        assert part in message, part
    assert message.startswith(str(bad))


def test_custom_sender_spelling_through_params(tmp_path: Path) -> None:
    base = LoadParams.load()
    senders = {**base.senders, "auto": (*base.senders["auto"], "商品卡片")}
    params = LoadParams.model_validate({**base.model_dump(), "senders": senders})
    ds = load_files("messages_unknown_senders.csv", "orders.csv", params=params)
    assert [r[0] for r in rejected(ds)] == [8, 9]


def test_shipped_columns_yaml_is_valid_and_covers_the_issue_headers() -> None:
    params = LoadParams.load()
    messages, orders = params.column_map("messages"), params.column_map("orders")
    for header, column in [("时间", "ts"), ("买家", "customer_id"), ("客服", "agent_id"), ("发送方", "sender"), ("内容", "text")]:
        assert messages[header][0] == column
    for header, column in [("订单号", "order_id"), ("下单时间", "created_at"), ("付款时间", "paid_at"),
                           ("实付金额", "amount"), ("数量", "units"), ("Order ID", "order_id")]:
        assert orders[header.lower().replace(" ", "")][0] == column


# -- in-memory frames (raw.from_frames) ----------------------------------------------------


def test_conform_frame_renames_casts_and_drops_extras() -> None:
    frame = pl.DataFrame({"订单号": [1001.0, 1002.0], "买家": [7, 8], "下单时间": ["2026-10-01 09:00", "2026/10/2 9:00"],
                          "付款时间": [None, None], "实付金额": ["¥10", "20"], "备注": ["x", "y"]})
    out = conform_frame("orders", frame)
    assert out.columns == ["order_id", "customer_id", "created_at", "paid_at", "amount", "units"]
    assert out.rows() == [("1001", "7", T(2026, 10, 1, 9), None, 10.0, 1), ("1002", "8", T(2026, 10, 2, 9), None, 20.0, 1)]


def test_conform_frame_raises_on_bad_rows_with_0_based_rows() -> None:
    with pytest.raises(CsanaError) as info:
        from_frames(messages={"ts": ["2026-10-01 09:00:00", "bad", "worse"], "customer_id": ["c1"] * 3,
                                      "agent_id": ["a1"] * 3, "sender": ["customer"] * 3})
    assert str(info.value) == (
        "<memory>, column 'ts', rows 1, 2: 2 bad row(s) in table 'messages' (rows counted from 0);"
        " first: unparseable timestamp (value 'bad') — fix: write times like 2026-10-01 09:00:00 (shop-local time)"
    )


def test_conform_frame_errors() -> None:
    with pytest.raises(CsanaError, match="unknown table 'chats'"):
        conform_frame("chats", pl.DataFrame({"a": [1]}))
    with pytest.raises(CsanaError, match=r"missing required column\(s\) sender for table messages"):
        conform_frame("messages", pl.DataFrame({"ts": [T(2026, 10, 1)], "customer_id": ["c"], "agent_id": ["a"]}))
    with pytest.raises(CsanaError, match=r"duplicate agent_id \(kept row 0 of <memory>\)"):
        conform_frame("agents", pl.DataFrame({"agent_id": ["a1", "a1"]}))


def test_conform_frame_odd_column_types() -> None:
    """Categoricals are text; booleans where numbers belong and times of day where timestamps belong are bad values."""
    base = {"order_id": pl.Series(["o1"], dtype=pl.Categorical), "customer_id": ["c1"], "created_at": [T(2026, 10, 1)],
            "paid_at": [None], "amount": [1.0], "units": [1]}
    assert conform_frame("orders", pl.DataFrame(base))["order_id"].to_list() == ["o1"]
    with pytest.raises(CsanaError, match=r"column 'amount', row 0: 1 bad row\(s\).*not a number \(value 'true'\)"):
        conform_frame("orders", pl.DataFrame({**base, "amount": [True]}))
    with pytest.raises(CsanaError, match=r"column 'created_at', row 0: .*unparseable timestamp \(value '09:00:00'\)"):
        conform_frame("orders", pl.DataFrame({**base, "created_at": [dt.time(9)]}))
    with pytest.raises(CsanaError, match=r"column 'order_id': column holds List\(Int64\) values instead of single values"):
        conform_frame("orders", pl.DataFrame({**base, "order_id": [[1]]}))


def test_from_frames_accepts_typed_and_empty_frames() -> None:
    ds = from_frames(
        messages=pl.DataFrame({"ts": [T(2026, 10, 1, 9)], "customer_id": ["c1"], "agent_id": ["a1"], "sender": ["auto"]}),
        orders={"order_id": [], "customer_id": [], "created_at": [], "paid_at": [], "amount": [], "units": []},
    )
    assert ds.orders.height == 0
    assert ds.orders.schema == pl.Schema(TABLES["orders"].required)
    assert ds.messages.schema["ts"] == pl.Datetime("us")


# -- property: every row is accounted for --------------------------------------------------------

GOOD_TIMES = ["2026-10-01 09:00:00", "2026/10/2 9:30", "20261003 101500"]
CELLS = {
    "order_id": [("o1", True), ("o2", True), ("o3", True), ("", False), ("1.2E+12", False)],
    "created_at": [(t, True) for t in GOOD_TIMES] + [("soon", False), ("-", False)],
    "paid_at": [("", True), ("2026-10-05 00:00:00", True), ("2026-09-01 00:00:00", False), ("later", False)],
    "amount": [("¥1,299.00", True), ("0", True), ("12.5元", True), ("-3", False), ("—", False), ("n/a", False)],
    "units": [("1", True), ("3", True), ("0", False), ("2.5", False)],
}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: st.sampled_from(v) for c, v in CELLS.items()}), min_size=1, max_size=25))
def test_used_plus_rejected_equals_read_and_the_right_rows_are_rejected(rows: list[dict]) -> None:
    """An independent oracle: a row is bad if any cell is bad; of the good rows, repeats of an id are bad."""
    header = "order_id,customer_id,created_at,paid_at,amount,units\n"
    body = "".join(f"{r['order_id'][0]},c1,{r['created_at'][0]},{r['paid_at'][0]},\"{r['amount'][0]}\",{r['units'][0]}\n"
                   for r in rows)
    seen: set[str] = set()
    expected_good = []
    for i, r in enumerate(rows):
        if all(ok for _, ok in r.values()) and r["order_id"][0] not in seen:
            seen.add(r["order_id"][0])
            expected_good.append(i + 2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "orders.csv").write_text(header + body, encoding="utf-8")
        (folder / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
        if not expected_good:
            with pytest.raises(CsanaError, match="no usable rows"):
                load(folder)
            return
        ds = load(folder)
    assert_reconciled(ds)
    assert counts(ds, "orders.csv") == (len(rows), len(expected_good), len(rows) - len(expected_good))
    bad_rows = set(ds.rejected["row"].to_list())
    assert bad_rows == set(range(2, len(rows) + 2)) - set(expected_good)


# -- csana check -------------------------------------------------------------------------------


def test_check_command_lists_counts_reasons_and_writes_rejected_rows(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from csana.cli import cli

    for name in ("messages.csv", "orders_amounts.csv"):
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    out = tmp_path / "rejected.csv"
    result = CliRunner().invoke(cli, ["check", str(tmp_path), "--rejected", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "orders_amounts.csv, column 'units', row 10: 1 row(s) set aside: units must be at least 1" in result.output
    zh = CliRunner().invoke(cli, ["check", str(tmp_path)]).output  # the CLI's default language
    assert "注意: orders_amounts.csv，列 'units'，第 10 行：1 行被搁置：数量至少为 1——处理：订单至少 1 件；改正或删除该行" in zh
    assert result.output.rstrip().endswith("11 rows used, 7 rejected (5 kind(s) of problem, listed above)")
    assert pl.read_csv(out)["row"].to_list() == [5, 6, 7, 8, 10, 11, 12]


def test_check_command_error_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from csana.cli import main

    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    assert main(["check", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("csana: error: required table(s) missing: orders;")


def test_sender_cell_holding_the_senders_own_id(tmp_path: Path) -> None:
    """Some chat exports put the sender's nickname in 发送人: the row's customer → customer, its agent → agent."""
    (tmp_path / "聊天记录.csv").write_text(
        "时间,买家,客服,发送人,内容\n"
        "2026-10-01 09:00:00,tb_小明,店铺:小王,tb_小明,在吗\n"
        "2026-10-01 09:00:20,tb_小明,店铺:小王,店铺:小王,在的\n"
        "2026-10-01 09:00:30,tb_小明,店铺:小王,店小蜜,自动回复\n"
        "2026-10-01 09:00:40,tb_小明,店铺:小王,店铺:小李,?\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_bytes((DATA / "orders.csv").read_bytes())
    ds = load(tmp_path)
    assert_reconciled(ds)
    assert ds.messages["sender"].to_list() == ["customer", "agent", "auto"]
    assert rejected(ds) == [(5, "sender", "unknown sender value", "店铺:小李")]


def test_from_frames_keeps_the_notes_about_ignored_columns():
    ds = from_frames(
        messages={"ts": [dt.datetime(2026, 10, 1)], "customer_id": ["c"], "agent_id": ["a"], "sender": ["customer"], "junk": [1]},
        orders={"order_id": ["o"], "customer_id": ["c"], "created_at": [dt.datetime(2026, 10, 1)], "paid_at": [None],
                "amount": [1.0], "units": [1]},
    )
    assert ds.warnings == ["<memory>: unknown columns ignored: junk"]


# -- fast paths give what the plain definitions give ----------------------------------------------

CELL_VALUES = ["c1", " c1 ", "a1", "", " ", "-", "N/A", "none", "nan", "12", "12.0", " 7 ", "0", "1", "-3", "2.5",
               "1.2E+11", "¥1,299", "是", "否", "true", "2026-10", "2026年10月", "2026-10-01 09:00:00", "2026/10/2 9:30",
               "46296.375", "8:00:00", "客服", "买家", "customer", "AGENT", "机器人", "x", None]


@st.composite
def text_table(draw: st.DrawFn) -> tuple[str, pl.DataFrame]:
    """A canonical table of text cells; each column draws its rows from a few values of its own, so values
    repeat (the per-value path) and a column is sometimes entirely clean (no join at all)."""
    name = draw(st.sampled_from(sorted(TABLES)))
    n = draw(st.integers(1, 12))
    columns = {}
    for column in TABLES[name].columns:
        vocabulary = draw(st.lists(st.sampled_from(CELL_VALUES), min_size=1, max_size=3))
        columns[column] = draw(st.lists(st.sampled_from(vocabulary), min_size=n, max_size=n))
    frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
    return name, frame.with_row_index(csana_io.ROW).with_columns(pl.col(csana_io.ROW).cast(pl.Int64), pl.lit("f").alias(csana_io.FILE))


@settings(max_examples=150, deadline=None)
@given(text_table())
def test_parsing_each_distinct_value_once_equals_parsing_every_cell(table: tuple[str, pl.DataFrame]) -> None:
    """Text columns whose values repeat are parsed once per distinct value (csana.ingest.raw._by_value); the rows
    kept, their values and the rows set aside with reasons are exactly those of parsing cell by cell."""
    name, frame = table
    results = []
    for repeats in (True, False):
        with patch.object(csana_io, "_repeats", lambda _values, on=repeats: on):
            results.append(csana_io._check_rows(TABLES[name], frame, LoadParams.load()))
    (good_by_value, bad_by_value), (good_by_cell, bad_by_cell) = results
    assert_frame_equal(good_by_value, good_by_cell)
    assert_frame_equal(bad_by_value, bad_by_cell)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", " ", "\t", "x", None]), st.sampled_from([None, 1]),
                          st.sampled_from([None, dt.datetime(2026, 10, 1)])), max_size=12),
       st.permutations(["text", "number", "time"]))
def test_blank_rows_are_those_blank_in_every_column(rows: list[tuple], order: list[str]) -> None:
    frame = pl.DataFrame(rows, schema={"text": pl.String, "number": pl.Int64, "time": pl.Datetime("us")},
                         orient="row").select(order)
    blank = pl.all_horizontal(pl.col("text").is_null() | (pl.col("text").str.strip_chars() == ""),
                              pl.col("number").is_null(), pl.col("time").is_null())
    expected = frame.with_row_index("i").filter(blank)["i"].to_list()
    assert inputs._blank_rows(frame).to_list() == expected


def test_headers_that_look_like_polars_column_patterns_are_plain_names(tmp_path: Path) -> None:
    """A header '*' or '^a.*$' names a column, not every column (was a polars SchemaError)."""
    (tmp_path / "messages.csv").write_bytes((DATA / "messages.csv").read_bytes())
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units,*,^a.*$\no1,c1,2026-10-01 09:05:00,,10,1,,\n", encoding="utf-8")
    ds = load(tmp_path)
    assert ds.orders["order_id"].to_list() == ["o1"]
    assert ds.warnings == ["orders.csv: unknown columns ignored: *, ^a.*$"]
