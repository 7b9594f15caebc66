"""Files as they arrive from real shops: one section per class of input (junk far out in a workbook, absurd
amounts, wide files, file names that are not UTF-8, timestamps with offsets, text saved as .xls, UTF-16
without a byte-order mark, hidden pivot sheets, a notes sheet before the report, note and total rows).

The same inputs through the command line (`csana metrics`, `csana score --out x.xlsx`, `csana report`) are in
tests/test_robustness.py; random names, encodings and sheet layouts in tests/test_fuzz.py.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timing import least_cpu_seconds

from csana.errors import CsanaError, printable
from csana.exports.load import load_any, load_export
from csana.ingest import workbook
from csana.ingest.dataset import Capability
from csana.ingest.files import decode, read_workbook
from csana.ingest.raw import load
from csana.writers import write_table

IO = Path(__file__).parents[1] / "data" / "io"
ROOT = Path(__file__).parents[2]
T = dt.datetime
ORDERS = (IO / "orders.csv").read_text(encoding="utf-8")
ORDER_ROWS = [line.split(",") for line in ORDERS.splitlines()]


def raw_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "messages.csv").write_bytes((IO / "messages.csv").read_bytes())
    return folder


def assert_reconciled(ds) -> None:
    files = ds.files
    assert (files["rows_used"] + files["rows_rejected"] == files["rows_read"]).all()
    assert files["rows_rejected"].sum() == ds.rejected.height


def orders_workbook(path: Path, junk: list[tuple[int, int, str]] = (), title_rows: int = 0) -> Path:
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("orders")
        for r in range(title_rows):
            sheet.write(r, 0, f"订单导出 {r}")
        for r, row in enumerate(ORDER_ROWS):
            sheet.write_row(r + title_rows, 0, row)
        for r, c, text in junk:
            sheet.write(r, c, text)
    return path


# -- 1. a note typed into the last cell of a workbook --------------------------------------------


def test_a_note_in_the_last_cell_is_left_out_and_named(tmp_path: Path) -> None:
    """The reader would allocate 1,048,576 × 16,384 cells for this 5 KB file; the stray cell is left out."""
    folder = raw_folder(tmp_path)
    orders_workbook(folder / "orders.xlsx", [(1_048_575, 16_383, "备注：已核对")])
    assert (folder / "orders.xlsx").stat().st_size < 10_000
    ds = load(folder)
    assert_reconciled(ds)
    assert ds.orders["order_id"].to_list() == ["o1", "o2", "o3"]
    assert "orders.xlsx[orders]: 1 cell(s) far outside the table ignored (XFD1048576): the table is A1:F4" in ds.warnings


def test_the_last_cell_junk_in_a_process_with_bounded_memory(tmp_path: Path) -> None:
    """Before the fix the process aborted (memory allocation of 512 GB failed): run it where only 3 GB exist."""
    folder = raw_folder(tmp_path)
    orders_workbook(folder / "orders.xlsx", [(1_048_575, 16_383, "x"), (1_048_575, 0, "y"), (0, 16_383, "z")])
    script = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30)); "
              "from csana.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", script, "check", str(folder), "--lang", "en"], capture_output=True, text=True,
                          cwd=ROOT, check=False, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3 cell(s) far outside the table ignored" in done.stdout


def _peak_kb_during(action) -> int:
    """The rise of this process's peak resident memory during ``action`` (Linux: VmHWM reset by clear_refs)."""
    Path("/proc/self/clear_refs").write_text("5")
    status = Path("/proc/self/status").read_text()
    before = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    action()
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1)) - before


MEASURABLE = sys.platform == "linux" and os.access("/proc/self/clear_refs", os.W_OK)


@pytest.mark.skipif(not MEASURABLE, reason="peak memory is measured through /proc/self/clear_refs")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(
    st.tuples(st.just(1_048_575), st.integers(0, 7), st.text(min_size=1, max_size=20)),  # the last row
    st.tuples(st.integers(0, 3), st.just(16_383), st.text(min_size=1, max_size=20)),  # the last column
), min_size=1, max_size=6, unique_by=lambda j: (j[0], j[1])))
def test_junk_in_the_last_row_or_column_does_not_change_memory_use(tmp_path: Path, junk: list) -> None:
    """Unbounded, junk in the last row of 8 columns costs ≈ 250 MB; bounded, a few MB at most."""
    clean = orders_workbook(tmp_path / "clean.xlsx")
    dirty = orders_workbook(tmp_path / "dirty.xlsx", junk)
    read_workbook(clean, "warm-up", 20)
    base = _peak_kb_during(lambda: read_workbook(clean, "clean.xlsx", 20))
    (_, grid), = read_workbook(dirty, "dirty.xlsx", 20)
    peak = _peak_kb_during(lambda: read_workbook(dirty, "dirty.xlsx", 20))
    assert peak - base < 16_000, f"junk cells raised peak memory by {peak - base} kB"
    assert grid.head[: len(ORDER_ROWS)] == [[c or None for c in row] for row in ORDER_ROWS]
    assert len(grid.notes) == 1 and f"{len(junk)} cell(s) far outside the table ignored" in grid.notes[0]


def test_a_sheet_beyond_the_cap_is_refused_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 20)
    folder = raw_folder(tmp_path)
    orders_workbook(folder / "orders.xlsx")
    with pytest.raises(CsanaError) as info:
        load(folder)
    assert str(info.value) == (
        "orders.xlsx[orders]: the sheet holds 4 rows × 6 columns (24 cells), more than csana reads from one sheet (20)"
        " — fix: save the sheet as CSV (csana reads CSV of any length), or split it into several sheets")


def test_a_remark_far_to_the_right_is_a_stray_cell_and_cells_beside_the_table_are_kept(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    orders_workbook(folder / "orders.xlsx", [(2, 600, "核对人：小王"), (1, 8, "beside")])
    ds = load(folder)
    assert ds.orders.height == 3
    assert "orders.xlsx[orders]: 1 cell(s) far outside the table ignored (WC3): the table is A1:I4" in ds.warnings
    assert "orders.xlsx: unknown columns ignored: column9" in ds.warnings


# -- 2. absurd amounts -----------------------------------------------------------------------------


def test_amounts_beyond_max_number_are_set_aside(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units\n"
        "o1,c1,2026-10-01 09:05:00,2026-10-01 09:06:00,1e308,1\no2,c1,2026-10-01 09:05:00,,1000000001,1\n"
        "o3,c1,2026-10-01 09:05:00,2026-10-01 09:07:00,10,1\no4,c1,2026-10-01 09:05:00,,1000000000,1\n", encoding="utf-8")
    ds = load(folder)
    assert_reconciled(ds)
    assert ds.rejected.select("row", "column", "rule", "reason").rows() == [
        (2, "amount", "too_large", "value larger than max_number"), (3, "amount", "too_large", "value larger than max_number")]
    assert ds.orders["amount"].to_list() == [10.0, 1e9]


def test_export_numbers_beyond_max_number_are_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "赤兔_2024-10-01.csv"
    path.write_text("旺旺,咨询人数,接待人数,询单人数,销售额\n店:a,1,1,1,1e308\n店:b,1,1,1,100\n", encoding="utf-8")
    ds = load_export(path)
    assert ds.rejected.select("row", "column", "rule").rows() == [(2, "销售额", "too_large")]
    assert ds["agent_period"]["agent_id"].to_list() == ["b"]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_writers_write_non_finite_numbers_as_empty_cells_with_a_note(tmp_path: Path, suffix: str) -> None:
    notes: list[str] = []
    path = write_table(pl.DataFrame({"agent_id": ["a", "b", "c"], "sales_amount": [float("inf"), float("nan"), 1.5]}),
                       tmp_path / f"m.{suffix}", notes=notes)
    assert notes == ["2 value(s) were not finite numbers (inf or NaN) and are left empty: sales_amount (2)"]
    skip = {"header_row": 2} if suffix == "xlsx" else {}
    back = pl.read_excel(path, read_options=skip) if suffix == "xlsx" else pl.read_csv(path)
    assert back["sales_amount"].to_list() == [None, None, 1.5]


# -- 3. wide files ---------------------------------------------------------------------------------


def wide_orders(folder: Path, columns: int) -> Path:
    header = ORDER_ROWS[0] + [f"x{i}" for i in range(columns)]
    body = [row + ["v"] * columns for row in ORDER_ROWS[1:]]
    (folder / "orders.csv").write_text("\n".join(",".join(r) for r in [header, *body]) + "\n", encoding="utf-8")
    return folder


def test_loading_is_linear_in_columns(tmp_path: Path) -> None:
    """5,000 unknown columns took 24 s (the blank-row check rebuilt the schema once per column): now well under 1 s
    more than 500 columns, and 16,000 columns about three times 5,000 (CPU seconds, least of three runs in turn)."""
    folders = {n: wide_orders(raw_folder(tmp_path / str(n)), n) for n in (500, 5_000, 16_000)}
    seconds, loaded = least_cpu_seconds({n: (lambda f=folder: load(f)) for n, folder in folders.items()})
    assert all(ds.orders.height == 3 for ds in loaded.values())
    assert seconds[5_000] < 5 and seconds[16_000] < 5 * max(seconds[5_000], 0.3), seconds
    warning = next(w for w in loaded[16_000].warnings if "unknown columns" in w)
    assert warning.endswith("x29 (+15,970 more)") and len(warning) < 300


def test_exports_are_linear_in_columns_too(tmp_path: Path) -> None:
    paths = {}
    for n in (500, 16_000):
        paths[n] = path = tmp_path / f"千牛_{n}_2024-10-01.csv"
        header = ["客服昵称", "接待人数", "询单人数", "询单最终付款人数"] + [f"x{i}" for i in range(n)]
        path.write_text(",".join(header) + "\n店:a,5,4,2," + ",".join(["1"] * n) + "\n", encoding="utf-8")
    seconds, loaded = least_cpu_seconds({n: (lambda p=path: load_export(p)) for n, path in paths.items()})
    assert all(ds["agent_period"]["agent_id"].to_list() == ["a"] for ds in loaded.values())
    assert seconds[16_000] < 10 * max(seconds[500], 0.3), seconds
    ds = loaded[16_000]
    assert any(w.endswith("x29 (+15,970 more) — to use or silence them, add them to " + str(ROOT / "params" / "sources" / "qianniu.yaml")
                          + " (under fields.<id>.headers, or ignore)") for w in ds.warnings), ds.warnings[:2]


def test_a_file_with_absurdly_many_columns_says_so_at_once(tmp_path: Path) -> None:
    folder = wide_orders(raw_folder(tmp_path), 20_000)
    start = time.perf_counter()
    with pytest.raises(CsanaError, match=r"orders.csv: the first line has 20,006 cells, more than a table csana reads has "
                                         r"\(16,384, Excel's limit\)"):
        load(folder)
    assert time.perf_counter() - start < 2


# -- 4. file names that are not UTF-8 ---------------------------------------------------------------


def test_gbk_file_names_are_shown_in_chinese(tmp_path: Path) -> None:
    """A Windows zip unpacked on Linux keeps GBK bytes in its names; Python hands them over as surrogate escapes."""
    folder = raw_folder(tmp_path)
    name = os.fsdecode("10月订单.csv".encode("gbk"))
    (folder / name).write_bytes(ORDERS.encode("utf-8"))
    ds = load(folder)
    assert_reconciled(ds)
    assert sorted(ds.files["file"].to_list()) == ["10月订单.csv", "messages.csv"]


def test_undecodable_names_are_escaped_never_a_traceback(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / os.fsdecode(b"orders_\xff\xfe\x80.csv")).write_bytes(ORDERS.encode("utf-8"))
    ds = load(folder)
    assert "orders_\\xff\\xfe\\x80.csv" in ds.files["file"].to_list()
    assert printable(os.fsdecode(b"dir/\xc4\xe3\xba\xc3.csv")) == "dir/你好.csv"


# -- 5. timestamps with an offset or in epoch time ----------------------------------------------------


def test_timestamps_with_offsets_and_epoch_seconds_become_shop_local(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units\n"
        "o1,c1,2026-10-05T10:00:00+08:00,2026-10-05 02:01:00Z,10,1\n"
        "o2,c1,2026-10-04T22:00:00-04:00,,10,1\n"
        "o3,c1,1791165600,1791165660000,10,1\n"
        "o4,c1,2026-10-05 10:00:00 +0800,,10,1\n", encoding="utf-8")
    ds = load(folder)
    assert ds.rejected.height == 0
    ten = T(2026, 10, 5, 10)
    assert ds.orders.select("created_at", "paid_at").rows() == [
        (ten, T(2026, 10, 5, 10, 1)), (ten, None), (ten, T(2026, 10, 5, 10, 1)), (ten, None)]


def test_the_shop_time_zone_is_a_parameter(tmp_path: Path) -> None:
    from csana.ingest.columns import LoadParams

    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text("order_id,customer_id,created_at,paid_at,amount,units\n"
                                       "o1,c1,2026-10-05T10:00:00+08:00,,10,1\n", encoding="utf-8")
    tokyo = LoadParams.load().model_copy(update={"timezone": "Asia/Tokyo"})
    assert load(folder, tokyo).orders["created_at"].to_list() == [T(2026, 10, 5, 11)]
    bad = tmp_path / "columns.yaml"
    bad.write_text("timezone: Mars/Olympus\n", encoding="utf-8")
    with pytest.raises(CsanaError, match=r"unknown time zone 'Mars/Olympus'"):
        LoadParams.load(bad)


def test_unreadable_timestamps_name_the_format_found(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text("order_id,customer_id,created_at,paid_at,amount,units\n"
                                       "o1,c1,2026-10-05 10:00:00,,10,1\no2,c1,05/10/2026 10:00,,10,1\n", encoding="utf-8")
    ds = load(folder)
    assert ("orders.csv, column 'created_at', row 3: 1 row(s) set aside: unparseable timestamp (e.g. '05/10/2026 10:00': "
            "a day-first or month-first date, which is ambiguous)") in ds.warnings[0]


# -- 6. "Excel" files that are text --------------------------------------------------------------------


def test_tab_separated_text_saved_as_xls_is_read_by_content_in_raw_logs_too(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.xls").write_bytes(ORDERS.replace(",", "\t").encode("gbk"))
    ds = load(folder)
    assert ds.orders["order_id"].to_list() == ["o1", "o2", "o3"]
    assert ds.files.filter(pl.col("file") == "orders.xls")["encoding"].item() == "utf-8"


def test_a_workbook_saved_as_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    orders_workbook(folder / "orders.csv")
    assert load(folder).orders.height == 3


# -- 7. UTF-16 and UTF-32 without a byte-order mark ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_without_a_byte_order_mark(tmp_path: Path, encoding: str) -> None:
    folder = raw_folder(tmp_path)
    (folder / "订单.csv").write_bytes(ORDERS.replace("c1", "张三").encode(encoding))
    ds = load(folder)
    assert ds.orders["customer_id"].to_list()[0] == "张三"
    assert ds.files.filter(pl.col("file") == "订单.csv")["encoding"].item() == encoding


def test_error_messages_hold_no_control_characters(tmp_path: Path) -> None:
    """Before: UTF-16 read as GB18030 gave headers full of NULs, printed in the error."""
    with pytest.raises(CsanaError) as info:
        decode(b"\xff\xfe\x00\xd8", "f\x00.csv")
    assert not re.search(r"[\x00-\x1f\x7f]", str(info.value))
    error = CsanaError("bad header 'a\x00b'\n", file="x\x07.csv", column="c\tol", fix="retry\r\n")
    assert str(error) == "x\\x07.csv, column 'c\\x09ol': bad header 'a\\x00b' — fix: retry"
    assert printable("line one\nline two") == "line one | line two"


# -- 9. hidden sheets and tables told by their columns ----------------------------------------------------


def agents_with_a_hidden_pivot(path: Path, pivot_name: str = "透视") -> Path:
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("名单")
        for r, row in enumerate([["客服", "姓名", "组"], ["a1", "小王", "售前"], ["a2", "小李", "售前"]]):
            sheet.write_row(r, 0, row)
        pivot = book.add_worksheet(pivot_name)
        for r, row in enumerate([["客服", "合计"], ["a1", 3], ["a2", 2], ["总计", 5]]):
            pivot.write_row(r, 0, row)
        pivot.hide()
    return path


def test_a_hidden_pivot_sheet_is_not_the_agents_table(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    agents_with_a_hidden_pivot(folder / "客服名单.xlsx")
    ds = load(folder)
    assert ds["agents"]["agent_id"].to_list() == ["a1", "a2"]
    assert "客服名单.xlsx[透视]: hidden sheet ignored (unhide it, or name it after its table, to use it)" in ds.warnings


def test_a_visible_pivot_is_recognised_by_its_columns_as_no_table(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (folder / "sheet_x.csv").write_text("客服,合计\na1,3\n总计,3\n", encoding="utf-8")
    ds = load(folder)
    assert not ds.has("agents")
    assert "sheet_x.csv: not recognised as any table (columns: 客服, 合计); ignored" in ds.warnings


def test_total_rows_in_per_agent_tables_are_summary_rows(tmp_path: Path) -> None:
    folder = raw_folder(tmp_path)
    (folder / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (folder / "客服名单.csv").write_text("客服,姓名\na1,小王\n总计,\n合计:,\n", encoding="utf-8")
    ds = load(folder)
    assert ds["agents"]["agent_id"].to_list() == ["a1"]
    assert ds.rejected.select("row", "rule", "value").rows() == [(3, "summary_row", "总计"), (4, "summary_row", "合计:")]


# -- 10. a notes sheet before the report ------------------------------------------------------------------


def export_with_notes_sheet(path: Path) -> Path:
    with xlsxwriter.Workbook(str(path)) as book:
        notes = book.add_worksheet("说明")
        notes.write(0, 0, "本报表由千牛导出")
        notes.write(1, 0, "询单转化率 = 询单最终付款人数 / 询单人数")
        report = book.add_worksheet("客服绩效")
        for r, row in enumerate([["客服昵称", "接待人数", "询单人数", "询单最终付款人数", "旺旺回复率"],
                                 ["店:a", 10, 8, 4, "90%"], ["店:b", 6, 5, 2, "80%"], ["合计", 16, 13, 6, "85%"]]):
            report.write_row(r, 0, row)
    return path


def test_an_export_whose_report_follows_a_notes_sheet(tmp_path: Path) -> None:
    path = export_with_notes_sheet(tmp_path / "千牛客服绩效_2024-10-01_2024-10-31.xlsx")
    ds = load_any(tmp_path)
    assert ds.has("agent_period") and not ds.can(Capability.EVENTS)
    assert ds["agent_period"]["agent_id"].to_list() == ["a", "b"]
    assert ds.files["file"].to_list() == [f"{path.name}[客服绩效]"]
    assert f"{path.name}[说明]: no header row of a per-agent report; sheet not read" in ds.warnings


# -- 11. note rows and total rows in exports ----------------------------------------------------------------

SUMMARIES = ["合计", "总计", "全店合计", "子账号合计", "小计", "Total", "TOTAL:", "Average", "合计（10月）", "汇总值", "平均值",
             "合 计", "ＴＯＴＡＬ", "团队均值", "客服汇总"]


def test_note_rows_and_every_summary_spelling_are_never_agents(tmp_path: Path) -> None:
    lines = ["日期,客服昵称,接待人数,询单人数,询单最终付款人数", "2024-10-01,店:a,10,8,4", "2024-10-01,店:b,6,5,2"]
    lines += [f"2024-10-01,{label},16,13,6" for label in SUMMARIES]
    lines += ["2024-10-01,,16,13,6", "数据来源：千牛 导出时间：2024-11-01 10:00,,,,", ",注：数据有延迟,,,"]
    path = tmp_path / "千牛_2024-10-01.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = load_export(path)
    assert ds["agent_period"]["agent_id"].to_list() == ["a", "b"]
    kinds = ds.rejected.select("row", "rule").rows()
    n = len(SUMMARIES)
    assert kinds == [(4 + i, "summary_row") for i in range(n + 1)] + [(5 + n, "note_row"), (6 + n, "note_row")]
    notes = ds.rejected.filter(pl.col("rule") == "note_row")["value"].to_list()
    assert notes == ["数据来源:千牛 导出时间:2024-11-01 10:00", "注:数据有延迟"]
    assert_reconciled(ds)


def test_an_agent_named_like_a_word_in_a_total_is_still_an_agent(tmp_path: Path) -> None:
    path = tmp_path / "千牛_2024-10-01.csv"
    path.write_text("客服昵称,接待人数,询单人数,询单最终付款人数\n店:总计划,1,1,1\n店:小计算,2,2,1\n店:王合计师,3,3,1\n"
                    "店:c,-,-,-\n", encoding="utf-8")
    assert load_export(path)["agent_period"]["agent_id"].to_list() == ["c", "小计算", "总计划", "王合计师"]
