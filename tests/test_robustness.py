"""Issue 10 — robustness and privacy: the bad-input corpus beyond tests/ingest/test_raw.py, every command's
user errors, files csana cannot write, and what reaches a report or export about customers.

Audit of the issue's corpus against the tests (tests/data/io/ holds the files):

=====================================================  =============================================
empty file                                             test_raw: test_empty_file_is_an_error
header only                                            test_raw: test_header_only_orders_is_an_error,
                                                       test_header_only_optional_table_reads_as_empty…
missing required column                                test_raw: test_missing_required_column_names_…
unknown extra columns                                  test_raw: test_unknown_extra_columns_are_dropped…
GBK and UTF-8-with-BOM CSV                             test_raw: test_gbk_csv_…, test_utf8_bom_header_…
Excel with a title row / merged cells above the header test_raw: test_excel_with_title_rows_and_merged_…
duplicate order ids                                    test_raw: test_duplicate_order_ids_keep_the_first…
several timestamp formats, some unparseable            test_raw: test_several_timestamp_formats_and_…
paid_at before created_at                              test_raw: test_paid_before_created_is_set_aside
negative or non-numeric amounts ("¥1,299.00", "—")     test_raw: test_amounts_with_currency_marks_…
unknown sender values                                  test_raw: test_unknown_sender_values_are_set_aside
messages for agents missing from the agents table      test_raw (warning) + here: metrics, scores, report
a month with no data                                   test_raw (engine) + here: CLI, report, last month
an agent with zero inquiries                           test_raw (metrics) + here: scored and rendered
a 1M-row file with a few bad rows in the middle        test_raw: test_million_row_file_with_bad_rows_…
the report's data-quality appendix shows them          here: rows read/used/rejected and every reason
lines ending in CR only; a bare CR inside a cell       here (found by tests/test_fuzz.py)
"inf" / "1e309" amounts; Parquet column types          here
a platform export with absurdly large numbers          here (found by tests/test_fuzz.py)
files as they arrive from real shops (a note in cell    tests/ingest/test_arrivals.py, one section per
XFD1048576, amounts of 1e308, 5,000/20,000 columns,    class; here: metrics, score --out x.xlsx and
GBK file names, timestamps with offsets, text saved    report on each (test_every_command_works_or_…);
as .xls, UTF-16 without BOM, a hidden pivot sheet, a   tests/test_fuzz.py: any file name, encoding and
说明 sheet before the report, note and total rows)      sheet layout
=====================================================  =============================================

Random and hostile inputs (fuzzing) are in tests/test_fuzz.py; shared checks in tests/support/hostile.py.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from hostile import network_loads, report_parts

from csana.catalogue import label
from csana.cli import main
from csana.demo.generator import demo_dataset, generate_demo, write_demo
from csana.diagnosis.rules import load_rules
from csana.errors import CsanaError
from csana.ingest.raw import load
from csana.metrics.engine import agent_metrics, latest_complete_month
from csana.present.formatting import DASH
from csana.privacy import pseudonym, resolve_salt
from csana.report import build_context, sections
from csana.report.format import esc
from csana.report.scorecards import scorecard
from csana.scoring.scheme import load_scheme
from csana.scoring.scorecard import score
from csana.writers import write_table

ROOT = Path(__file__).resolve().parent.parent
IO = ROOT / "tests" / "data" / "io"
HINT = "hint: run with --debug for the full traceback"


def load_files(*names: str):
    return load([IO / n for n in names])


class _Tables(HTMLParser):
    """The cell texts of every <table> in a page, as lists of rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


# -- the corpus through scoring and the report -----------------------------------------------------


def test_appendix_shows_rows_read_used_rejected_and_every_reason() -> None:
    """orders_amounts.csv: 11 rows read, 4 used, 7 set aside for 5 kinds of reason (see test_raw)."""
    ds = load_files("messages.csv", "orders_amounts.csv")
    page = sections.appendix(build_context(ds, month="2026-10")).data
    files, reasons = html_tables(page)[:2]
    assert files[0] == ["文件", "表", "编码", "读取", "使用", "剔除"]
    assert files[1:] == [["messages.csv", "聊天记录", "utf-8", "7", "7", "0"],
                         ["orders_amounts.csv", "订单", "utf-8", "11", "4", "7"]]
    for _, _, _, read, used, rejected in files[1:]:
        assert int(used) + int(rejected) == int(read)
    assert [row[1:5] for row in reasons[1:]] == [  # in the report's language (zh by default)
        ["amount", "缺少值", "3", "5, 6, 12"],  # "—", "-" and an empty cell
        ["amount", "不是数字", "1", "7"],
        ["amount", "负值", "1", "8"],
        ["units", "数量至少为 1", "1", "10"],
        ["units", "不是整数", "1", "11"],
    ]
    assert sum(int(row[3]) for row in reasons[1:]) == 7
    assert all(row[5] for row in reasons[1:])  # every reason comes with its fix
    assert reasons[1][5] == "填写 amount 或删除该行"
    english = html_tables(sections.appendix(build_context(ds, month="2026-10", lang="en")).data)[1]
    assert [row[2] for row in english[1:]] == ["missing value", "not a number", "negative value", "units must be at least 1",
                                               "not a whole number"]
    assert english[1][5] == "fill in the amount cell or delete the row"


def test_appendix_in_english_for_a_clean_load() -> None:
    ds = load_files("messages.csv", "orders.csv")
    page = sections.appendix(build_context(ds, month="2026-10", lang="en")).data
    assert html_tables(page)[0][1] == ["messages.csv", "Messages", "utf-8", "7", "7", "0"]
    assert "No row was rejected." in page


def test_agent_with_zero_inquiries_is_scored_and_rendered_with_a_dash() -> None:
    """a2 has 1 received customer and 0 inquiries (test_raw): conversion is null, shown as —, scored as missing."""
    ds = load_files("messages_zero_inquiries.csv", "orders.csv")
    ctx = build_context(ds, month="2026-10")
    a2 = ctx.ranked_agents().filter(pl.col("agent_id") == "a2").row(0, named=True)
    assert (a2["inquiry_customers"], a2["conv_final"]) == (0, None)
    card = scorecard(ctx, a2)
    assert f"<tr><td>{esc(label('conv_final'))}</td><td class=\"num\">{DASH}</td>" in card
    scored = score(agent_metrics(ds, "2026-10"), load_scheme("example_289")).filter(pl.col("agent_id") == "a2")
    assert scored.height == 1
    conv = [i.id for i in load_scheme("example_289").indicators if i.metric == "conv_final"]
    assert conv and scored[f"{conv[0]}.value"].item() is None


def test_agents_missing_from_the_agents_table_keep_their_id_everywhere() -> None:
    """a2 chats but is not in agents_incomplete.csv: a metrics row without name or team, shown by its id."""
    ds = load_files("messages.csv", "orders.csv", "agents_incomplete.csv")
    metrics = agent_metrics(ds, "2026-10")
    assert metrics.select("agent_id", "name", "team").rows() == [("a1", "小王", "售前一组"), ("a2", None, None)]
    ctx = build_context(ds, month="2026-10", scheme="example_289")
    board = sections.leaderboard(ctx).data
    assert ">a2<" in board and ">小王 <span" in board
    appendix = sections.appendix(ctx).data
    assert "聊天记录中有 1 名客服不在客服表中：a2；分析时没有姓名和团队——请把他们加入客服表" in appendix  # the report's language
    assert "1 agent(s) in messages are missing from the agents table: a2" in ds.warnings[-1]


@pytest.fixture()
def gap_months(tmp_path: Path) -> Path:
    """Data in September and November 2026, none in October."""
    for name in ("messages_sep_nov.csv", "orders_sep_nov.csv"):
        shutil.copy(IO / name, tmp_path / name)
    return tmp_path


def test_month_with_no_data_is_one_line_on_every_command(gap_months: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["metrics"], ["diagnose"], ["score", "--scheme", "example_289"]):
        assert main([*command, str(gap_months), "--month", "2026-10"]) == 2
        err = capsys.readouterr().err.splitlines()
        assert err[0].startswith("csana: error: ") and "no receptions or orders in 2026-10" in err[0]
        assert "the data covers 2026-09-10 … 2026-11-05" in err[0] and err[1:] == [HINT]


def test_month_with_no_data_in_the_report(gap_months: Path) -> None:
    ds = load(gap_months)
    with pytest.raises(CsanaError, match="no receptions or orders in 2026-10"):
        build_context(ds, month="2026-10")
    november = build_context(ds, month="2026-11")
    assert november.before is None  # October is empty: nothing to compare with
    assert "没有上月数据，无法对比。" in sections.summary(november).data


def test_default_month_is_a_month_with_data(gap_months: Path) -> None:
    ds = load(gap_months)
    month = latest_complete_month(ds)
    assert agent_metrics(ds).height > 0
    assert month in ("2026-09", "2026-11")


def test_placeholder_timestamps_far_away_do_not_crash_the_default_month(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """"9999-12-31 23:59:59" (a "never" placeholder) and 1900-01-01 (an Excel serial of 1) are valid timestamps:
    `csana metrics DATA` must pick a month or explain, not raise."""
    (tmp_path / "messages.csv").write_text(
        "ts,customer_id,agent_id,sender,text\n1900-01-01 09:00:00,c9,a1,customer,old\n"
        "2026-10-01 09:00:00,c1,a1,customer,hi\n2026-10-01 09:00:20,c1,a1,agent,ok\n"
        "9999-12-31 23:59:59,c1,a1,customer,never\n", encoding="utf-8")
    shutil.copy(IO / "orders.csv", tmp_path / "orders.csv")
    assert main(["metrics", str(tmp_path)]) in (0, 2)
    assert "Traceback" not in capsys.readouterr().err


def test_report_command_for_a_month_with_no_data(gap_months: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["report", "--data", str(gap_months), "--month", "2026-10", "--format", "html",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0].startswith("csana: error: ") and "no receptions or orders in 2026-10" in err[0]
    assert err[1:] == [HINT]


# -- messy line endings (found by the fuzz tests) ----------------------------------------------------


def test_csv_with_old_mac_line_endings(tmp_path: Path) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone: read as lines, not as one header."""
    (tmp_path / "messages.csv").write_bytes(
        b"ts,customer_id,agent_id,sender,text\r2026-10-01 09:00:00,c1,a1,customer,hi\r2026-10-01 09:00:20,c1,a1,agent,ok\r")
    shutil.copy(IO / "orders.csv", tmp_path / "orders.csv")
    ds = load(tmp_path)
    assert ds.messages.select("sender", "text").rows() == [("customer", "hi"), ("agent", "ok")]
    assert ds.files.filter(pl.col("file") == "messages.csv")["rows_read"].item() == 2


def test_bare_carriage_return_and_line_breaks_inside_quoted_cells(tmp_path: Path) -> None:
    """Before the fix the header search split the file into lines and csv choked on the lone CR."""
    (tmp_path / "messages.csv").write_text(
        'ts,customer_id,agent_id,sender,text\n'
        '2026-10-01 09:00:00,c1,a1,customer,"line one\nline two"\n'
        '2026-10-01 09:00:20,c1,a1,agent,"\r=1+1"\n', encoding="utf-8", newline="")
    shutil.copy(IO / "orders.csv", tmp_path / "orders.csv")
    ds = load(tmp_path)
    assert ds.messages["text"].to_list() == ["line one\nline two", "=1+1"]  # cells are stripped of outer whitespace
    assert ds.files["rows_rejected"].sum() == 0


def test_infinite_amounts_are_not_numbers(tmp_path: Path) -> None:
    """"inf" and an overflowing "1e309" parse as floats; an order worth infinity made sales_amount inf (shown as —)."""
    shutil.copy(IO / "messages.csv", tmp_path / "messages.csv")
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units\n"
        "o1,c1,2026-10-01 09:05:00,2026-10-01 09:06:00,inf,1\n"
        "o2,c1,2026-10-01 09:05:00,,1e309,1\n"
        "o3,c1,2026-10-01 09:05:00,,Infinity,1\n"
        "o4,c1,2026-10-01 09:05:00,2026-10-01 09:07:00,10,1\n", encoding="utf-8")
    ds = load(tmp_path)
    assert ds.rejected.select("row", "column", "reason").rows() == [
        (2, "amount", "not a number"), (3, "amount", "not a number"), (4, "amount", "not a number")]
    assert agent_metrics(ds, "2026-10")["sales_amount"].sum() == 10.0


def test_parquet_durations_are_seconds_where_seconds_belong(tmp_path: Path) -> None:
    """A pandas timedelta column in Parquet: online time in seconds; a duration as an amount is an error
    (it used to escape as a polars InvalidOperationError)."""
    import datetime as dt

    shutil.copy(IO / "messages.csv", tmp_path / "messages.csv")
    shutil.copy(IO / "orders.csv", tmp_path / "orders.csv")
    pl.DataFrame({"agent_id": ["a1"], "date": [dt.date(2026, 10, 1)], "online_s": [dt.timedelta(hours=8)]}).write_parquet(
        tmp_path / "online.parquet")
    assert load(tmp_path)["online"]["online_s"].to_list() == [28_800.0]
    orders = pl.read_csv(IO / "orders.csv", try_parse_dates=True).with_columns(amount=pl.duration(seconds=pl.col("amount")))
    (tmp_path / "orders.csv").unlink()
    orders.write_parquet(tmp_path / "orders.parquet")
    with pytest.raises(CsanaError, match="orders.parquet, column 'amount': column holds durations"):
        load(tmp_path)


@pytest.mark.parametrize(("column", "value"), [(2, "1E20"), (6, "1E21")])
def test_platform_export_with_absurdly_large_numbers(column: int, value: str, tmp_path: Path) -> None:
    """Found by the export fuzz test: a count of 1E20 (咨询人数) and a rate of 1E21 % (询单->最终付款成功率)
    overflowed a polars cast to whole numbers. The count is now a bad cell (its row set aside); the rate loads."""
    import csv
    import io

    from csana.exports.load import load_any

    export = ROOT / "tests" / "data" / "exports" / "赤兔_客服绩效_2024-10-01_2024-10-03.csv"
    rows = list(csv.reader(io.StringIO(export.read_bytes().decode("gb18030"))))
    rows[3][column] = value
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    (tmp_path / export.name).write_bytes(text.getvalue().encode("gb18030"))
    ds = load_any(tmp_path / export.name)
    files = ds.files.row(0, named=True)
    assert files["rows_used"] + files["rows_rejected"] == files["rows_read"]
    bad = ds.rejected.filter(pl.col("row") == 4).select("column", "reason", "value").rows()
    assert bad == ([("咨询人数", "not a whole number ≥ 0", "1E20")] if column == 2 else [])
    assert agent_metrics(ds).height == 2


def _odd_orders() -> dict[str, dict[str, pl.Series]]:
    import datetime as dt
    import decimal

    two = [dt.datetime(2026, 10, 1, 9), dt.datetime(2026, 10, 2, 9)]
    return {
        "binary ids": {"order_id": pl.Series([b"o1", b"o2"])},
        "decimal amounts": {"amount": pl.Series([decimal.Decimal("10.5"), decimal.Decimal("3")])},
        "struct ids": {"order_id": pl.Series([{"a": 1}, {"a": 2}])},
        "list amounts": {"amount": pl.Series([[1.0], [2.0]])},
        "duration amounts": {"amount": pl.Series([dt.timedelta(1), dt.timedelta(2)])},
        "times of day": {"created_at": pl.Series([dt.time(9), dt.time(10)])},
        "dates": {"created_at": pl.Series([dt.date(2026, 10, 1), dt.date(2026, 10, 2)])},
        "time-zone aware": {"created_at": pl.Series(two).dt.replace_time_zone("Asia/Shanghai")},
        "nanoseconds": {"created_at": pl.Series(two).cast(pl.Datetime("ns"))},
        "null type": {"paid_at": pl.Series([None, None], dtype=pl.Null)},
        "integer ids": {"order_id": pl.Series([1, 2]), "customer_id": pl.Series([1, 2])},
        "enum ids": {"order_id": pl.Series(["o1", "o2"], dtype=pl.Enum(["o1", "o2"]))},
        "boolean units": {"units": pl.Series([True, False])},
        "huge unsigned units": {"units": pl.Series([2**63 + 5, 1], dtype=pl.UInt64)},
        "inf and nan": {"amount": pl.Series([float("inf"), float("nan")])},
    }


@pytest.mark.parametrize("variant", list(_odd_orders()))
def test_parquet_column_types_load_or_explain(variant: str, tmp_path: Path) -> None:
    """Any column type a Parquet file can hold: the orders load (rows reconciled) or a CsanaError says why."""
    import datetime as dt

    base = {"order_id": ["o1", "o2"], "customer_id": ["c1", "c2"],
            "created_at": [dt.datetime(2026, 10, 1, 9), dt.datetime(2026, 10, 2, 9)],
            "paid_at": [None, dt.datetime(2026, 10, 2, 10)], "amount": [10.0, 20.0], "units": [1, 2]}
    shutil.copy(IO / "messages.csv", tmp_path / "messages.csv")
    pl.DataFrame({**base, **_odd_orders()[variant]}).write_parquet(tmp_path / "orders.parquet")
    try:
        ds = load(tmp_path)
    except CsanaError as exc:
        assert "orders.parquet" in str(exc)
        return
    files = ds.files
    assert (files["rows_used"] + files["rows_rejected"] == files["rows_read"]).all()
    assert ds.orders.schema["created_at"] == pl.Datetime("us") and ds.orders.schema["order_id"] == pl.String


# -- every command: one line and a hint on a user error, the traceback with --debug -----------------


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of broken inputs: config files, targets, data folders."""
    d = tmp_path_factory.mktemp("bad")
    (d / "broken.yaml").write_text("a: [1, 2\n", encoding="utf-8")
    (d / "broken.json").write_text('{"slow_response_s": ', encoding="utf-8")
    (d / "binary.yaml").write_bytes(b"\x80\x80\xff\xff\x00")
    (d / "list.yaml").write_text("- 1\n- 2\n", encoding="utf-8")
    (d / "unknown_key.yaml").write_text("colour: red\n", encoding="utf-8")
    (d / "scheme_bad.yaml").write_text("name: x\nindicators: 5\n", encoding="utf-8")
    (d / "targets_ragged.csv").write_text("indicator,target\nconv_final,0.5,9,9\n", encoding="utf-8")
    (d / "targets.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (d / "targets.doc").write_text("indicator,target\n", encoding="utf-8")
    (d / "targets_binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    (d / "a_file.txt").write_text("a file where a folder is expected\n", encoding="utf-8")
    for folder, files in {
        "good": {"messages.csv": IO / "messages.csv", "orders.csv": IO / "orders.csv"},
        "unrecognised": {"notes.csv": IO / "notes.csv"},
        "empty_orders": {"messages.csv": IO / "messages.csv", "orders.csv": IO / "orders_empty.csv"},
        "ragged": {"messages.csv": IO / "messages_ragged.csv", "orders.csv": IO / "orders.csv"},
    }.items():
        (d / folder).mkdir()
        for name, source in files.items():
            shutil.copy(source, d / folder / name)
    (d / "corrupt_xlsx").mkdir()
    shutil.copy(IO / "messages.csv", d / "corrupt_xlsx" / "messages.csv")
    (d / "corrupt_xlsx" / "orders.xlsx").write_bytes(b"PK\x03\x04garbage")
    (d / "undecodable").mkdir()
    (d / "undecodable" / "orders.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    return d


SCORE = ["score", "demo", "--month", "2026-10", "--scheme"]
USER_ERRORS = [
    (["metrics", "{d}/nope"], "no such file or folder"),
    (["metrics", "{d}/good", "--params", "{d}/nope.yaml"], "nope.yaml: file not found"),
    (["metrics", "{d}/good", "--params", "{d}/broken.yaml"], "not valid YAML: expected ',' or ']', but got '<stream end>' (line 2, column 1)"),
    (["metrics", "{d}/good", "--params", "{d}/broken.json"], "not valid JSON: Expecting value"),
    (["metrics", "{d}/good", "--params", "{d}/binary.yaml"], "binary.yaml: not a text file, so not YAML"),
    (["metrics", "{d}/good", "--params", "{d}/list.yaml"], "expected a mapping of keys to values"),
    (["metrics", "{d}/good", "--params", "{d}/unknown_key.yaml"], "unknown key 'colour' (allowed: answer_threshold_s, answer_window, assess_window, attribution_days"),
    (["metrics", "{d}/good", "--month", "2026-10", "--out", "{d}/a_file.txt/m.csv"], "m.csv: cannot write the file"),
    (["metrics", "{d}/undecodable"], "orders.csv: cannot tell the text encoding"),
    (["metrics", "{d}/ragged"], "messages.csv, row 3: row has more cells than the header's 5"),
    ([*SCORE, "no_such_scheme"], "no_such_scheme: scheme file not found — fix: check the path, or name a ready-made"),
    ([*SCORE, "{d}"], "is a folder, not a file"),
    ([*SCORE, "{d}/broken.yaml"], "not valid YAML"),
    ([*SCORE, "{d}/scheme_bad.yaml"], "indicators"),
    ([*SCORE, "presales_traffic", "--targets", "{d}/targets_ragged.csv"], "targets_ragged.csv: not a readable targets table"),
    ([*SCORE, "presales_traffic", "--targets", "{d}/targets.xlsx"], "targets.xlsx: not a readable targets table"),
    ([*SCORE, "presales_traffic", "--targets", "{d}/targets_binary.csv"], "targets_binary.csv: not a readable targets table"),
    ([*SCORE, "presales_traffic", "--targets", "{d}/targets.doc"], "cannot read '.doc' targets"),
    ([*SCORE, "presales_traffic", "--out", "{d}/a_file.txt/pay.xlsx"], "pay.xlsx: cannot write the file"),
    (["diagnose", "{d}/good", "--rules", "{d}/broken.yaml"], "not valid YAML"),
    (["diagnose", "{d}/good", "--rules", "{d}/unknown_key.yaml"], "unknown key 'colour' (allowed: actions"),
    (["diagnose", "{d}/good", "--month", "1999-01"], "no receptions or orders in 1999-01"),
    (["diagnose", "{d}/good", "--month", "October"], "month 'October' is not of the form YYYY-MM"),
    (["check", "{d}/nope"], "no such file or folder"),
    (["check", "{d}/unrecognised"], "required table(s) missing: messages, orders"),
    (["check", "{d}/empty_orders"], "orders.csv: the file is empty"),
    (["check", "{d}/corrupt_xlsx"], "orders.xlsx: not a readable Excel file"),
    (["check", "{d}/good", "--columns", "{d}/binary.yaml"], "not a text file"),
    (["check", "{d}/good", "--rejected", "{d}/a_file.txt/rejected.csv"], "rejected.csv: cannot write the file"),
    (["demo", "--out", "{d}/demo", "--agents", "1"], "agents=1: need 2…9999"),
    (["demo", "--out", "{d}/demo", "--end-month", "2026-13"], "end month '2026-13' is not YYYY-MM"),
    (["demo", "--out", "{d}/a_file.txt/demo", "--months", "1", "--scale", "0.05"], "cannot write the file"),
    (["report", "--config", "{d}/nope.yaml"], "nope.yaml: file not found"),
    (["report", "--config", "{d}/unknown_key.yaml"], "unknown key 'colour' (allowed: attribution_compare, data"),
    (["report", "--format", "docx"], "formats[0]: Input should be 'html' or 'pdf'"),
    (["report", "--month", "2026-13"], "month must look like 2026-10"),
    (["report", "--data", "{d}/good", "--shop", "s99"], "shop 's99' is not in the data"),
    (["dashboard", "{d}/nope", "--no-open"], "no such file or folder"),
    (["dashboard", "demo", "--month", "2026-13", "--no-open"], "month '2026-13' is not of the form YYYY-MM"),
]


@pytest.mark.parametrize(("argv", "reason"), USER_ERRORS, ids=[" ".join(a[:3]) + f" [{i}]" for i, (a, _) in enumerate(USER_ERRORS)])
def test_user_error_is_one_line_and_a_hint(argv: list[str], reason: str, bad: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    args = [a.replace("{d}", str(bad)) for a in argv]
    assert main(args) == 2
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 2, captured.err
    assert err[0].startswith("csana: error: ") and reason in err[0], err[0]
    assert err[1] == HINT
    assert "Traceback" not in captured.out + captured.err


FIRST_OF_EACH_COMMAND = list({argv[0]: argv for argv, _ in reversed(USER_ERRORS)}.values())


@pytest.mark.parametrize("argv", FIRST_OF_EACH_COMMAND, ids=[a[0] for a in FIRST_OF_EACH_COMMAND])
def test_debug_shows_the_traceback(argv: list[str], bad: Path) -> None:
    with pytest.raises(CsanaError):
        main(["--debug", *[a.replace("{d}", str(bad)) for a in argv]])


@pytest.mark.parametrize(("argv", "reason"), [
    (["metrics", "demo", "--lang", "fr"], "Invalid value for '--lang'"),
    (["metrics", "demo", "--colour"], "No such option '--colour'"),
    (["scores", "demo"], "No such command 'scores'"),
    (["score", "demo"], "Missing option '--scheme'"),
])
def test_usage_mistakes_name_the_option_and_point_to_help(argv: list[str], reason: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert reason in err and "--help" in err and "Traceback" not in err


def test_unknown_export_flavour_names_the_known_ones(tmp_path: Path) -> None:
    from csana.exports.load import load_export
    from csana.exports.write import write_export
    from csana.metrics.engine import agent_daily_metrics

    daily = agent_daily_metrics(demo_dataset(), "2026-10")
    with pytest.raises(CsanaError, match="unknown export flavour 'taobao'.*chitu, doudian, jd, jd_workload, pdd, qianniu, qianniu_service, sycm"):
        write_export(daily, tmp_path / "x.csv", flavour="taobao")
    with pytest.raises(CsanaError, match="unknown export format 'docx'"):
        write_export(daily, tmp_path / "x.docx")
    written = write_export(daily, tmp_path / "赤兔.csv")
    with pytest.raises(CsanaError, match="unknown export flavour 'taobao'"):
        load_export(written, source="taobao")


@pytest.mark.parametrize("value", ["5", "true", "1.5"])
def test_scheme_with_a_scalar_for_manual_indicators_is_a_clear_error(value: str, tmp_path: Path) -> None:
    """Found by the config fuzz test: Scheme.parse iterated the value and raised TypeError."""
    path = tmp_path / "scheme.yaml"
    path.write_text((ROOT / "params" / "schemes" / "presales_traffic.yaml").read_text(encoding="utf-8")
                    + f"\nmanual_indicators: {value}\n", encoding="utf-8")
    with pytest.raises(CsanaError, match="manual_indicators: Input should be a valid tuple"):
        load_scheme(path)


def test_gbk_config_file_from_chinese_notepad(tmp_path: Path) -> None:
    """Older Chinese Windows Notepad saves "ANSI" = GBK: read it instead of failing on UTF-8."""
    path = tmp_path / "metrics.yaml"
    path.write_bytes("slow_response_s: 90\nfilter:\n  keywords: [加微信]\n".encode("gbk"))
    from csana.params import MetricParams

    params = MetricParams.load(path)
    assert params.slow_response_s == 90 and params.filter.keywords == ("加微信",)


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "parquet"])
def test_unwritable_outputs_are_user_errors(suffix: str, tmp_path: Path) -> None:
    frame = pl.DataFrame({"agent_id": ["a1"]})
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    (tmp_path / f"folder.{suffix}").mkdir()
    with pytest.raises(CsanaError, match=r"cannot write the file \(File exists: .*taken\)"):
        write_table(frame, tmp_path / "taken" / f"m.{suffix}")
    with pytest.raises(CsanaError, match=rf"folder\.{suffix}: cannot write the file"):
        write_table(frame, tmp_path / f"folder.{suffix}")


# -- privacy --------------------------------------------------------------------------------------


def _refuse_remote(original):
    def connect(self: socket.socket, address: object, *args: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        local = self.family == getattr(socket, "AF_UNIX", None) or (
            isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127.")))
        if not local:
            raise ConnectionRefusedError(f"network access blocked by the test: {address!r}")
        return original(self, address, *args)

    return connect


def block_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python-level sockets may reach only loopback (and Unix sockets); name lookups of other hosts fail."""
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, _refuse_remote(getattr(socket.socket, name)))
    lookup = socket.getaddrinfo

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host not in (None, "localhost", "127.0.0.1", "::1"):
            raise socket.gaierror(f"name lookup blocked by the test: {host!r}")
        return lookup(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_network_block_refuses_remote_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    block_network(monkeypatch)
    with pytest.raises(OSError, match="blocked by the test"):
        socket.create_connection(("203.0.113.7", 80), timeout=1)
    with socket.socket() as raw, pytest.raises(OSError, match="network access blocked by the test"):
        raw.connect(("203.0.113.7", 80))
    with pytest.raises(OSError, match="blocked by the test"):
        socket.create_connection(("example.com", 443), timeout=1)


def network_namespace() -> list[str] | None:
    """A command prefix running a program in a new network namespace that has loopback only (the report's
    kernel talks to papermill over it): Linux with user namespaces, unshare and ip; else None."""
    if sys.platform != "linux" or not (shutil.which("unshare") and shutil.which("ip")):
        return None
    prefix = ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    probe = subprocess.run([*prefix, "true"], capture_output=True, check=False, timeout=30)
    return prefix if probe.returncode == 0 else None


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """`csana report --format html` of the demo shop, with no network: in a fresh network namespace when the
    system allows it (so no native library or subprocess can reach the network either), else with Python's
    sockets blocked in this process."""
    out = tmp_path_factory.mktemp("offline_report")
    isolate = network_namespace()
    if isolate:
        script = "import sys; from csana.cli import main; sys.exit(main(sys.argv[1:]))"
        done = subprocess.run([*isolate, sys.executable, "-c", script, "report", "--format", "html", "--out", str(out)],
                              capture_output=True, text=True, cwd=ROOT, env={**os.environ}, check=False, timeout=300)
        assert done.returncode == 0, done.stderr
    else:
        with pytest.MonkeyPatch.context() as patch:
            block_network(patch)
            assert main(["report", "--format", "html", "--out", str(out)]) == 0
    month = latest_complete_month(demo_dataset())
    folder = out / month
    return {"html": (folder / "monthly_report.html").read_text(encoding="utf-8"),
            "ipynb": (folder / "monthly_report.ipynb").read_text(encoding="utf-8"), "isolated": bool(isolate)}


def demo_customer_ids() -> set[str]:
    ds = demo_dataset()
    return set(ds.messages["customer_id"]) | set(ds.orders["customer_id"]) | set(ds["lost_reasons"]["customer_id"])


def demo_personal_data() -> set[str]:
    """Phone numbers and street addresses the demo's customers type into the chat."""
    pattern = r"1[3-9]\d{9}|\p{Han}{2}(?:路|大道)\d+号"  # the street and number of each address
    return set(demo_dataset().messages["text"].str.extract_all(pattern).explode().drop_nulls())


def test_demo_report_holds_no_customer_id_and_no_phone_number(demo_report: dict[str, object]) -> None:
    """(Masking inside excerpts that do hold such text is shown on a hostile shop in tests/test_fuzz.py.)"""
    ids, personal = demo_customer_ids(), demo_personal_data()
    assert len(ids) > 1000 and {"13812345678", "建国路12号"} <= personal
    for kind in ("html", "ipynb"):
        page = str(demo_report[kind])
        assert not [i for i in ids if i in page], kind
        assert not [p for p in personal if p in page], kind


def test_demo_report_shows_pseudonyms_instead(demo_report: dict[str, object]) -> None:
    """The review sample and the filter list (the demo's test accounts) show salted pseudonyms."""
    page = str(demo_report["html"])
    salt = resolve_salt(load_rules().review.salt)
    for test_account in ("test_001", "test_002"):
        assert pseudonym(test_account, salt) in page
    assert "review-head" in page and page.count(' · C-') >= 3


def test_demo_report_loads_nothing_from_the_network(demo_report: dict[str, object]) -> None:
    assert network_loads(str(demo_report["html"])) == []
    assert "<script" not in str(demo_report["html"]).lower()


def test_pipeline_and_report_sections_run_with_the_network_blocked(monkeypatch: pytest.MonkeyPatch,
                                                                   tmp_path: Path) -> None:
    """Load from files, compute every metric, score, diagnose and render every section and chart in-process."""
    block_network(monkeypatch)
    shop = generate_demo(seed=11, agents=5, months=2, scale=0.2)
    write_demo(shop, tmp_path / "data")
    assert main(["metrics", str(tmp_path / "data"), "--month", "2026-10", "--out", str(tmp_path / "m.xlsx")]) == 0
    ctx = build_context(load(tmp_path / "data"), month="2026-10")
    html, svgs = report_parts(ctx)
    assert svgs and not network_loads("".join(html + svgs))


def test_salt_keys_the_pseudonyms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same salt, same pseudonyms (a customer can be followed across reports); another salt, other pseudonyms."""
    shop = generate_demo(seed=7, agents=6, months=2, scale=0.3)

    def review_heads(salt: str) -> str:
        monkeypatch.setenv("CSANA_SALT", salt)
        ctx = build_context(shop, month="2026-10", scorecards=False)
        return sections.review(ctx).data

    first, again, other = review_heads("shop-secret-1"), review_heads("shop-secret-1"), review_heads("shop-secret-2")
    assert first == again and "C-" in first
    assert first != other
    raw = set(shop.messages["customer_id"])
    assert not [c for c in raw if c in first or c in other]


def test_switch_leaves_excerpts_out_of_the_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """review.excerpts: false in params/diagnostics.yaml: the report's review sample shows facts, no message text."""
    import csana.diagnosis.rules as rules_module

    shop = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    with_text = sections.review(build_context(shop, month="2026-10", scorecards=False)).data
    assert '<pre class="excerpt">' in with_text
    rules = tmp_path / "diagnostics.yaml"
    rules.write_text(rules_module.DEFAULT_FILE.read_text(encoding="utf-8").replace("excerpts: true", "excerpts: false"),
                     encoding="utf-8")
    monkeypatch.setattr(rules_module, "DEFAULT_FILE", rules)
    ctx = build_context(shop, month="2026-10", scorecards=False)
    assert ctx.review is not None and ctx.review.height > 0 and ctx.review["excerpt"].null_count() == ctx.review.height
    without = sections.review(ctx).data
    assert "review-head" in without and '<pre class="excerpt">' not in without


def test_exports_hold_no_customer_ids(tmp_path: Path) -> None:
    """`csana metrics --out` and `csana score --out` are per agent: no customer id in any cell."""
    ids = demo_customer_ids()
    for argv, name in ((["metrics", "demo", "--month", "2026-10"], "m.csv"),
                       (["score", "demo", "--month", "2026-10", "--scheme", "presales_traffic"], "p.csv")):
        assert main([*argv, "--out", str(tmp_path / name)]) == 0
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        assert not [i for i in ids if i in text], name


# -- files as they arrive from real shops, through every command (classes: tests/ingest/test_arrivals.py) ---------


def _orders_rows() -> list[list[str]]:
    return [line.split(",") for line in (IO / "orders.csv").read_text(encoding="utf-8").splitlines()]


def _arrival(kind: str, folder: Path) -> Path:
    """A data folder holding one kind of file as shops send them (with the chat log they come with)."""
    import os

    import xlsxwriter

    folder.mkdir(parents=True)
    shutil.copy(IO / "messages.csv", folder / "messages.csv")
    orders = (IO / "orders.csv").read_text(encoding="utf-8")
    if kind == "junk in the last cell":
        with xlsxwriter.Workbook(str(folder / "orders.xlsx")) as book:
            sheet = book.add_worksheet()
            for r, row in enumerate(_orders_rows()):
                sheet.write_row(r, 0, row)
            sheet.write(1_048_575, 16_383, "备注")
    elif kind == "amounts of 1e308":
        huge = orders.replace(",199.00,", ",1e308,").replace(",99.50,", ",1e308,")
        assert huge.count("1e308") == 2
        (folder / "orders.csv").write_text(huge, encoding="utf-8")
    elif kind == "5,000 unknown columns":
        rows = _orders_rows()
        (folder / "orders.csv").write_text("\n".join(",".join(r + [f"x{i}" if n == 0 else "v" for i in range(5000)])
                                                     for n, r in enumerate(rows)) + "\n", encoding="utf-8")
    elif kind == "20,000 columns":
        rows = _orders_rows()
        (folder / "orders.csv").write_text("\n".join(",".join(r + ["x"] * 20_000) for r in rows) + "\n", encoding="utf-8")
    elif kind == "GBK file names":
        (folder / os.fsdecode("10月订单.csv".encode("gbk"))).write_text(orders, encoding="utf-8")
        (folder / "messages.csv").rename(folder / os.fsdecode("聊天记录.csv".encode("gbk")))
    elif kind == "timestamps with offsets":
        shifted = orders.replace("2026-10-01 09:05:00", "2026-10-01T01:05:00Z").replace("2026-10-02 10:10:00", "1790820600")
        assert shifted != orders
        (folder / "orders.csv").write_text(shifted, encoding="utf-8")
    elif kind == "tab-separated .xls":
        (folder / "orders.xls").write_bytes(orders.replace(",", "\t").encode("gbk"))
    elif kind == "UTF-16LE without BOM":
        (folder / "orders.csv").write_bytes(orders.encode("utf-16-le"))
    elif kind == "hidden pivot sheet":
        (folder / "orders.csv").write_text(orders, encoding="utf-8")
        with xlsxwriter.Workbook(str(folder / "客服名单.xlsx")) as book:
            book.add_worksheet("名单").write_column(0, 0, ["客服", "a1", "a2"])
            pivot = book.add_worksheet("透视")
            for r, row in enumerate([["客服", "合计"], ["a1", 3], ["总计", 3]]):
                pivot.write_row(r, 0, row)
            pivot.hide()
    else:  # platform exports: a notes sheet before the report, note and total rows at the bottom
        (folder / "messages.csv").unlink()
        with xlsxwriter.Workbook(str(folder / "千牛客服绩效_2026-10-01_2026-10-31.xlsx")) as book:
            book.add_worksheet("说明").write(0, 0, "本报表由千牛导出")
            sheet = book.add_worksheet("客服绩效")
            for r, row in enumerate([["客服昵称", "接待人数", "询单人数", "询单最终付款人数", "旺旺回复率"],
                                     ["店:a", 10, 8, 4, "90%"], ["店:b", 6, 5, 2, "80%"], ["全店合计", 16, 13, 6, "85%"],
                                     ["TOTAL:", 16, 13, 6, "85%"], ["数据来源：千牛 导出时间：2026-11-01"], ["注：数据有延迟"]]):
                sheet.write_row(r, 0, row)
    return folder


ARRIVALS = ["junk in the last cell", "amounts of 1e308", "5,000 unknown columns", "20,000 columns", "GBK file names",
            "timestamps with offsets", "tab-separated .xls", "UTF-16LE without BOM", "hidden pivot sheet",
            "export with notes sheet, note and total rows"]


@pytest.mark.parametrize("kind", ARRIVALS)
def test_every_command_works_or_refuses_in_one_line_on_files_as_they_arrive(kind: str, tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture[str]) -> None:
    data = _arrival(kind, tmp_path / "data")
    commands = [["metrics", str(data), "--month", "2026-10"],
                ["score", str(data), "--month", "2026-10", "--scheme", "presales_traffic", "--out", str(tmp_path / "pay.xlsx")],
                ["report", "--data", str(data), "--month", "2026-10", "--format", "html", "--out", str(tmp_path / "out")]]
    codes = []
    for argv in commands:
        code = main(argv)
        captured = capsys.readouterr()
        assert "Traceback" not in captured.out + captured.err, (argv[0], captured.err[-2000:])
        if code == 2:
            err = captured.err.splitlines()
            assert len(err) == 2 and err[0].startswith("csana: error: ") and err[1] == HINT, captured.err
        else:
            assert code == 0, (argv[0], captured.err[-2000:])
        codes.append(code)
    if kind == "20,000 columns":
        assert codes == [2, 2, 2]
    else:
        assert codes == [0, 0, 0], kind
        assert (tmp_path / "pay.xlsx").stat().st_size > 0
        assert list((tmp_path / "out").rglob("*.html"))
