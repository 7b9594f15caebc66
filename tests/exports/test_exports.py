"""Platform exports (docs/exports.md): messy cells, header errors, exact monthly aggregation, round trip.

Golden numbers are computed by hand in the comments. The fixture
tests/data/exports/赤兔_客服绩效_2024-10-01_2024-10-03.csv is a GBK CSV with two title
rows, mixed full/half-width brackets, "店铺:小美" agents, every duration/money/rate style,
延时统计 placeholders, bad cells, 汇总/均值 rows and 同行同层 benchmark rows.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

import csana
from csana.catalogue import COMPONENT_IDS, PUBLIC_IDS
from csana.errors import CsanaError
from csana.exports import mapping
from csana.exports.complete import complete, with_all_columns
from csana.exports.load import is_export, load_any, load_export
from csana.exports.mapping import SOURCES_DIR, load_flavour, normalize_header
from csana.exports.write import write_export
from csana.facts.export import weighted
from csana.ingest.cells import (
    clean_text,
    parse_count,
    parse_duration_s,
    parse_money,
    parse_number,
    parse_rate,
    period_in_text,
)
from csana.ingest.cells import period as parse_period
from csana.ingest.dataset import Capability
from csana.metrics.engine import agent_daily_metrics, evaluate
from csana.metrics.engine import agent_metrics as aggregate_export
from csana.metrics.shop import benchmark_metrics, group_metrics
from csana.params import MetricParams

DATA = Path(__file__).parents[1] / "data" / "exports"
CHITU_CSV = DATA / "赤兔_客服绩效_2024-10-01_2024-10-03.csv"
D = dt.date


def parsed(parser, values: list, **kw) -> list:
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String})
    return frame.select(parser(pl.col("v"), **kw)).to_series().to_list()


def row(frame: pl.DataFrame, agent: str) -> dict:
    return frame.filter(pl.col("agent_id") == agent).row(0, named=True)


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# -- cell values ------------------------------------------------------------------------------------


def test_clean_text_folds_full_width_and_excel_wrappers():
    assert parsed(clean_text, ["  １２３ ", '="00123"', "'0012", "　", "（秒）：", None]) == ["123", "00123", "0012", None, "(秒):", None]


def test_parse_count():
    values = ["12", "1,234", "12.0", "12人", " 7 ", "１２", "12.5", "-3", "abc", None, ""]
    assert parsed(parse_count, values) == [12, 1234, 12, 12, 7, 12, None, None, None, None, None]


def test_parse_money():
    values = ["￥1,234.56", "¥1234.56", "1234.56元", "1.2万", "RMB 88", "0", '="300"', "-5", "abc"]
    assert parsed(parse_money, values) == [1234.56, 1234.56, 1234.56, 12000.0, 88.0, 0.0, 300.0, None, None]


def test_parse_money_scale_applies_to_plain_numbers_only():
    # a header in 万元: plain 1.5 → 15,000; "1.5万" names its unit → 15,000 too.
    assert parsed(parse_money, ["1.5", "1.5万"], scale=10_000) == [15000.0, 15000.0]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["45.2%", "45.20", "100"], [0.452, 0.452, 1.0]),  # a plain number above 1 → the column is in percent
        (["0.452", "0.5", "1"], [0.452, 0.5, 1.0]),  # all plain numbers ≤ 1 → fractions
        (["45.2%", "0.452"], [0.452, 0.452]),  # "%" always percent; plain ≤ 1 stays a fraction
        (["４５．２％", "-", "abc", "-5%"], [0.452, None, None, None]),
    ],
)
def test_parse_rate(values, expected):
    got = parsed(parse_rate, values)
    assert [None if g is None else round(g, 12) for g in got] == expected


def test_parse_number_for_plain_ratios():
    assert parsed(parse_number, ["1.35", "135%", "1,234", "x"]) == [1.35, 1.35, 1234.0, None]


def test_parse_duration_s():
    values = ["515", "8分35秒", "8分", "35秒", "1小时2分3秒", "1时", "00:08:35", "08:35", "1:02:03",
              "8m35s", "1899-12-31 00:08:35", "2.5分钟", "12.5", "abc", "-5", None]
    # 8×60+35 = 515; 1×3600+2×60+3 = 3723; 2.5×60 = 150
    assert parsed(parse_duration_s, values) == [515, 515, 480, 35, 3723, 3600, 515, 515, 3723,
                                                 515, 515, 150, 12.5, None, None, None]


def test_parse_duration_scale_applies_to_plain_numbers_only():
    assert parsed(parse_duration_s, ["5", "5分", "00:05:00"], scale=60) == [300, 300, 300]


def test_parse_period():
    values = ["2024-10-01", "2024/10/1", "20241001", "2024年10月1日", "2024-10-01 00:00:00", "2024-10-01~2024-10-31",
              "2024-10-01 至 2024-10-31", "20241001-20241031", "2024-02-30", "2024-10-31~2024-10-01", "汇总"]
    frame = pl.DataFrame({"v": values})
    start, end = parse_period(pl.col("v"))
    got = frame.select(start.alias("s"), end.alias("e")).rows()
    one, oct_ = (D(2024, 10, 1), D(2024, 10, 1)), (D(2024, 10, 1), D(2024, 10, 31))
    assert got == [one, one, one, one, one, oct_, oct_, oct_, (None, None), (None, None), (None, None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("赤兔_客服绩效_2024-10-01_2024-10-31", (D(2024, 10, 1), D(2024, 10, 31))),
        ("客服绩效20241001-20241031", (D(2024, 10, 1), D(2024, 10, 31))),
        ("统计时间：2024-10-01 至 2024-10-03", (D(2024, 10, 1), D(2024, 10, 3))),
        ("千牛客服绩效_2024年10月", (D(2024, 10, 1), D(2024, 10, 31))),
        ("日报_2024-10-05", (D(2024, 10, 5), D(2024, 10, 5))),
        ("客服绩效报表", None),
        ("订单34567890123", None),
    ],
)
def test_period_in_text(text, expected):
    assert period_in_text(text) == expected


def test_normalize_header_folds_brackets_arrows_and_unit_suffixes():
    assert normalize_header("首次响应（秒)") == normalize_header("首次响应(秒）") == normalize_header("首次响应")
    assert normalize_header("询单→最终付款成功率") == normalize_header("询单－＞最终付款成功率") == "询单->最终付款成功率"
    assert normalize_header(" 咨询人数(人) ") == "咨询人数"
    assert normalize_header("平均接待时长(分钟)") == "平均接待时长(分钟)"


# -- the messy 赤兔 CSV fixture --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chitu() -> csana.Dataset:
    return load_export(CHITU_CSV)


def test_messy_csv_rows_are_accounted_for(chitu):
    # 11 non-blank rows below the header: 5 agent rows used, 2 benchmark rows used,
    # 2 bad rows (接待人数 "十", 销售量 "2.5") and 2 summary rows (汇总, 均值) rejected.
    files = chitu.files.row(0, named=True)
    assert (files["encoding"], files["rows_read"], files["rows_used"], files["rows_rejected"]) == ("gb18030", 11, 7, 4)
    rejected = chitu.rejected.select("row", "column", "reason", "value").rows()
    assert rejected == [
        (9, "接待人数", "not a whole number ≥ 0", "十"),
        (10, "销售量", "not a whole number ≥ 0", "2.5"),
        (11, "agent", "summary row (a total or average, not an agent), by its label", "汇总"),
        (12, "agent", "summary row (a total or average, not an agent), by its label", "均值"),
    ]


def test_messy_csv_agents_dates_and_values(chitu):
    period = chitu["agent_period"]
    assert sorted(set(period["agent_id"])) == ["小王", "小美"]  # "旗舰店:小美", "旗舰店：小王"
    assert set(period["shop_id"]) == {"旗舰店"}
    assert sorted(set(period["date"])) == [D(2024, 10, 1), D(2024, 10, 2), D(2024, 10, 3)]
    first = period.filter((pl.col("agent_id") == "小美") & (pl.col("date") == D(2024, 10, 1))).row(0, named=True)
    assert first["sales_amount"] == 1234.56  # "￥1,234.56"
    assert first["conv_final"] == 0.5  # "50.00%"
    assert first["first_response_s"] == 515  # "8分35秒"
    assert first["avg_response_s"] == 40  # "00:00:40"
    assert first["avg_reception_s"] == 515  # "00:08:35"
    second = period.filter((pl.col("agent_id") == "小王") & (pl.col("date") == D(2024, 10, 2))).row(0, named=True)
    assert second["sales_amount"] == 12000  # "1.2万"
    assert second["conv_final"] == pytest.approx(0.4286)  # "42.86" in a column of percents
    assert second["avg_response_s"] == 70  # "1分10秒"
    assert second["refund_amount"] is None  # "-"


def test_messy_csv_monthly_aggregate_is_exact(chitu):
    m = aggregate_export(chitu)  # month=None → the only month, 2024-10
    assert m.columns == ["agent_id", "name", "team", "role", "month", *PUBLIC_IDS, *COMPONENT_IDS]
    mei = row(m, "小美")  # rows of Oct 1, 2, 3
    assert mei["month"] == "2024-10"
    assert (mei["consult_customers"], mei["received_customers"], mei["inquiry_customers"]) == (25, 22, 18)  # 12+8+5, 10+8+4, 8+6+4
    assert mei["filtered_customers"] == 3  # derived per day as 咨询 − 接待: 2+0+1
    assert mei["sales_amount"] == pytest.approx(3734.56)  # 1234.56 + 2000 + 500
    assert (mei["sales_units"], mei["buyers"]) == (9, 8)
    assert mei["aov"] == pytest.approx(466.82)  # 3734.56 / 8
    assert mei["units_per_buyer"] == 1.125  # 9 / 8
    # Oct 3's 询单->最终付款人数 is 延时统计: the ratio uses the days that give both parts: (4+3)/(8+6)
    assert mei["conv_final_customers"] == 7
    assert mei["conv_final"] == 0.5
    assert mei["qa_ratio"] == 1.25  # (120+80+30) / (100+64+20) = 230/184
    # 回复人数 = 接待 − 未回复 per day: 9, 8, 3 → 20; reply rate 20/22
    assert mei["replied_customers"] == 20
    assert mei["reply_rate"] == pytest.approx(20 / 22)
    assert mei["unreplied_customers"] == 2
    assert mei["slow_customers"] == 3
    # no 首次响应次数: days weighted by 回复人数: (515×9 + 30×8 + 10×3) / 20 = 4905/20
    assert mei["first_response_s"] == 245.25
    assert mei["avg_response_s"] == 38.25  # (40×9 + 45×8 + 15×3) / 20 = 765/20
    assert mei["avg_reception_s"] == 501.75  # 平均接待时长 × 回复人数: (515×9 + 600×8 + 200×3) / 20 = 10035/20
    assert mei["refund_amount"] == 100
    assert mei["refund_rate"] == pytest.approx(100 / 3734.56)
    assert mei["p50_response_s"] is None and mei["conv_next_day"] is None
    wang = row(m, "小王")  # Oct 1 and 2 (Oct 3 was rejected)
    assert wang["conv_final"] == pytest.approx(4 / 11)  # (1+3) / (4+7)
    assert wang["sales_amount"] == 12300  # 300 + 1.2万
    assert wang["first_response_s"] == pytest.approx(580 / 13)  # (20×5 + 60×8) / (5+8)
    assert wang["avg_reception_s"] == pytest.approx(7260 / 13)  # (300×5 + 720×8) / 13
    assert wang["refund_amount"] is None  # 延时统计 and "-": not given at all


def test_messy_csv_warnings(chitu):
    text = "\n".join(chitu.warnings)
    assert "unknown header(s) not used: 绩效分" in text and "chitu.yaml" in text
    assert "4 cell(s) hold no number ('延时统计' ×3, '-' ×1)" in text
    assert "customer-days" in text
    assert "First response time (first_response_s) is given without First responses on 5 row(s): days are weighted by " \
           "Replied customers" in text
    assert "Replied customers (replied_customers) derived as Received customers − Unreplied customers on 5 row(s)" in text
    # each note in Chinese too, with the metrics named as the platforms name them
    zh = "\n".join(w.zh for w in chitu.warnings)
    assert "首次响应时间 有 5 行没有给出 首次响应次数：各天改按 回复人数 加权（接近，但不精确）" in zh
    assert "回复人数 由 接待人数 − 未回复人数 推算，共 5 行：导出文件没有给出" in zh
    assert "4 个单元格没有数字（'延时统计' ×3, '-' ×1）：按空值读取（'延时统计'：平台尚未统计完" in zh
    words = re.sub(r"[\w\-./]+\.(?:csv|yaml)|fields\.<id>\.headers|\bignore\b", " ", zh)  # file names and keys to write
    assert "人天" in zh and not re.search(r"[A-Za-z]{2,}", words), words


def test_benchmark_rows_are_kept_apart(chitu):
    bench = chitu["benchmarks"]
    assert bench["label"].to_list() == ["同行同层优秀", "同行同层平均"]
    # no date cell: they cover the range in the title, 2024-10-01 … 2024-10-03
    assert set(zip(bench["period_start"], bench["period_end"])) == {(D(2024, 10, 1), D(2024, 10, 3))}
    combined = benchmark_metrics(chitu, "2024-10")
    best = combined.filter(pl.col("label") == "同行同层优秀").row(0, named=True)
    assert best["conv_final"] == pytest.approx(8 / 15)
    assert best["first_response_s"] == 15


def test_daily_export(chitu):
    daily = agent_daily_metrics(chitu, "2024-10")
    assert daily.height == 5 and "date" in daily.columns
    mei = daily.filter((pl.col("agent_id") == "小美") & (pl.col("date") == D(2024, 10, 1))).row(0, named=True)
    assert (mei["consult_customers"], mei["reply_rate"], mei["first_response_s"]) == (12, 0.9, 515)


def test_engine_dispatches_on_export_datasets(chitu):
    assert csana.agent_metrics(chitu, "2024-10").equals(aggregate_export(chitu, "2024-10"))


def test_month_without_rows_names_the_months_covered(chitu):
    with pytest.raises(CsanaError, match="no export rows within 2024-11.*2024-10"):
        aggregate_export(chitu, "2024-11")


# -- XLSX: numbers at full precision, Excel time/date/percent cells, merged dates ---------------------


def qianniu_month_xlsx(path: Path) -> Path:
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet()
        pct, clock = book.add_format({"num_format": "0.00%"}), book.add_format({"num_format": "hh:mm:ss"})
        sheet.write(1, 0, "千牛·客服绩效")  # row 1 is blank, the title is row 2
        header = ["客服昵称", "咨询人数", "接待人数", "询单人数", "询单转化率", "询单最终付款金额", "首次响应时长（秒)",
                  "平均响应时长", "旺旺回复率", "慢接待人数", "平均服务时长", "客服分组", "排名"]
        sheet.write_row(3, 0, header)
        sheet.write_row(4, 0, ["旗舰店：小美", 120, 100, 80])
        sheet.write(4, 4, 0.375, pct)
        sheet.write(4, 5, 12345.675)
        sheet.write_datetime(4, 6, dt.timedelta(seconds=25), clock)
        sheet.write_row(4, 7, ["35秒"])
        sheet.write(4, 8, 0.95, pct)
        sheet.write(4, 9, 7)
        sheet.write_datetime(4, 10, dt.timedelta(minutes=8, seconds=35), clock)
        sheet.write_row(4, 11, ["售前组", 1])
        sheet.write_row(5, 0, ["旗舰店：阿杰", 50, 40, 30, "30%", "￥3,000", 20, "1分", "100%", 2, 300, "售前组", 2])
        sheet.write_row(6, 0, ["全店汇总值", 170, 140, 110, "35.45%", 15345.675, 23, 40, "96.43%", 9, 400])
        sheet.write_row(7, 0, ["同行同层优秀", 200, 180, 150, "52%", 30000, 12, 20, "99%", 1, 280])
    return path


def test_xlsx_monthly_qianniu_export(tmp_path):
    ds = load_export(qianniu_month_xlsx(tmp_path / "千牛客服绩效_2024年10月.xlsx"))
    assert not ds.can(Capability.EVENTS) and ds.has("agent_period")
    period = ds["agent_period"]
    assert set(zip(period["period_start"], period["period_end"])) == {(D(2024, 10, 1), D(2024, 10, 31))}
    assert period["date"].is_null().all()  # a period row, not a day
    assert ds.rejected.select("row", "reason").rows() == [(7, "summary row (a total or average, not an agent), by its label")]
    m = aggregate_export(ds, "2024-10")
    mei = row(m, "小美")
    assert mei["sales_amount"] == 12345.675  # a numeric cell, read at full precision
    assert mei["team"] == "售前组"
    # 询单转化率 0.375 (a percent-formatted cell) × 询单人数 80 = 30 paid customers
    assert (mei["conv_final_customers"], mei["conv_final"]) == (30, 0.375)
    # 旺旺回复率 95% × 接待人数 100 = 95 replied; 未回复 = 100 − 95
    assert (mei["replied_customers"], mei["unreplied_customers"]) == (95, 5)
    assert mei["first_response_s"] == 25  # an Excel time cell 00:00:25
    assert mei["avg_response_s"] == 35
    assert mei["avg_reception_s"] == 515  # 00:08:35
    assert mei["reception_total_s"] == 515 * 95
    jie = row(m, "阿杰")
    assert (jie["conv_final_customers"], jie["sales_amount"], jie["avg_response_s"]) == (9, 3000, 60)  # round(0.3 × 30)
    text = "\n".join(ds.warnings)
    assert "Inquiry → final paid customers (conv_final_customers) derived as Inquiry → final payment rate × Inquiry customers " \
           "(less assisted) on 2 row(s)" in text
    assert "询单→最终付款人数 由 询单→最终付款成功率 × 询单人数(除协助) 推算，共 2 行" in "\n".join(w.zh for w in ds.warnings)
    assert "customer-days" not in text  # one row per agent and month: the tool counted distinct customers
    assert "unknown header" not in text  # 排名 is listed under ignore
    assert ds["benchmarks"]["label"].to_list() == ["同行同层优秀"]


def test_xlsx_daily_with_date_cells_and_merged_dates(tmp_path):
    path = tmp_path / "chitu.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet()
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, ["日期", "旺旺", "咨询人数", "接待人数", "询单人数"])
        sheet.write_datetime(1, 0, dt.datetime(2024, 10, 1), day)
        sheet.write_row(1, 1, ["店:a", 3, 3, 2])
        sheet.write_row(2, 1, ["店:b", 4, 4, 1])  # the date cell is merged with the one above: blank
        sheet.write_datetime(3, 0, dt.datetime(2024, 10, 2), day)
        sheet.write_row(3, 1, ["店:a", 5, 4, 4])
    ds = load_export(path)
    assert ds["agent_period"].select("agent_id", "date").sort("date", "agent_id").rows() == [
        ("a", D(2024, 10, 1)), ("b", D(2024, 10, 1)), ("a", D(2024, 10, 2))]
    assert row(aggregate_export(ds, "2024-10"), "a")["consult_customers"] == 8  # 3 + 5 customer-days


# -- header errors and mapping files --------------------------------------------------------------------


def test_missing_required_column_names_it_and_the_mapping_file(tmp_path):
    path = write_csv(tmp_path / "r_2024-10-01.csv", "日期,旺旺,咨询人数,询单人数\n2024-10-01,a,3,2\n")
    with pytest.raises(CsanaError) as err:
        load_export(path, source="chitu")
    text = str(err.value)
    assert "missing required column(s)" in text and "received_customers (接待人数 / 直接接待人数)" in text
    assert str(SOURCES_DIR / "chitu.yaml") in text and "r_2024-10-01.csv" in text


def test_no_header_row(tmp_path):
    path = write_csv(tmp_path / "x.csv", "a,b,c\n1,2,3\n")
    with pytest.raises(CsanaError, match="no header row found in the first 30 rows"):
        load_export(path)


def test_no_dates_anywhere(tmp_path):
    path = write_csv(tmp_path / "report.csv", "旺旺,咨询人数,接待人数,询单人数\na,3,3,2\n")
    with pytest.raises(CsanaError, match="cannot tell which days the rows cover"):
        load_export(path)


def test_unknown_source():
    with pytest.raises(CsanaError, match="unknown export flavour 'nosuch'.*chitu, doudian, jd, jd_workload, pdd, qianniu, qianniu_service, sycm"):
        load_export(CHITU_CSV, source="nosuch")


def test_mapping_problems_are_reported_together(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nzh: 坏\nrequired: [agent, sales_units]\n"
        "fields:\n"
        "  agent: {kind: agent, headers: [客服]}\n"
        "  foo: {kind: count, headers: [某某]}\n"
        "  consult_customers: {kind: rate, headers: [咨询人数]}\n"
        "  received_customers: {kind: count, headers: [咨询人数（人）]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CsanaError) as err:
        load_flavour(bad)
    text = str(err.value)
    assert "4 problem(s)" in text and str(bad) in text
    assert "unknown field 'fields.foo'" in text
    assert "'fields.consult_customers.kind' must be count" in text
    assert "header '咨询人数（人）' is listed under both fields.consult_customers and fields.received_customers" in text
    assert "'required' names 'sales_units'" in text


def test_mapping_unknown_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nzh: 坏\nfieldz: {}\nfields: {agent: {kind: agent, headers: [客服]}}\n", encoding="utf-8")
    with pytest.raises(CsanaError, match="unknown key 'fieldz'"):
        load_flavour(bad)


def test_shipped_mappings_are_valid():
    names = [m.name for m in mapping.flavours()]
    assert names == ["chitu", "doudian", "jd", "jd_workload", "pdd", "qianniu", "qianniu_service", "sycm"]


def test_flavour_is_detected_from_headers(tmp_path):
    path = write_csv(tmp_path / "q_2024-10-01.csv",
                     "客服昵称,接待人数,询单人数,询单最终付款人数,旺旺回复率,慢接待人数\na,5,4,2,80%,1\n")
    ds = load_export(path)
    assert row(aggregate_export(ds), "a")["replied_customers"] == 4  # 80% × 5
    assert not any("equally" in w for w in ds.warnings)


def test_custom_mapping_file_as_source(tmp_path):
    mapping = tmp_path / "mine.yaml"
    mapping.write_text("name: mine\nzh: 自定义\nrequired: [agent]\nfields:\n  agent: {kind: agent, headers: [员工]}\n"
                       "  date: {kind: date, headers: [天]}\n  received_customers: {kind: count, headers: [服务人数]}\n"
                       "  sales_amount: {kind: money, headers: [{header: 业绩(万元), scale: 10000}]}\n", encoding="utf-8")
    path = write_csv(tmp_path / "mine.csv", "天,员工,服务人数,业绩(万元)\n2024-10-01,a,5,1.5\n")
    m = aggregate_export(load_export(path, source=mapping))
    assert (row(m, "a")["received_customers"], row(m, "a")["sales_amount"]) == (5, 15000)


# -- several files -------------------------------------------------------------------------------------


def test_same_file_twice_rejects_duplicates(tmp_path):
    shutil.copy(CHITU_CSV, tmp_path / "a.csv")
    shutil.copy(CHITU_CSV, tmp_path / "b.csv")
    ds = load_export(tmp_path)
    # each file: 11 rows read; b.csv's 5 agent and 2 benchmark rows duplicate a.csv's
    assert ds.files.select("file", "rows_read", "rows_used", "rows_rejected").rows() == [("a.csv", 11, 7, 4), ("b.csv", 11, 0, 11)]
    dup = ds.rejected.filter(pl.col("reason").str.starts_with("duplicate"))
    assert dup.height == 7 and set(dup["file"]) == {"b.csv"}
    assert aggregate_export(ds).equals(aggregate_export(load_export(CHITU_CSV)))


def test_overlapping_periods_are_an_error(tmp_path):
    write_csv(tmp_path / "day_2024-10-05.csv", "旺旺,咨询人数,接待人数,询单人数\na,3,3,2\n")
    write_csv(tmp_path / "month_2024-10.csv", "旺旺,咨询人数,接待人数,询单人数\na,30,30,20\n")
    with pytest.raises(CsanaError, match="rows of agent a cover overlapping days"):
        load_export(tmp_path)


def test_same_name_in_two_shops_keeps_the_shop(tmp_path):
    path = write_csv(tmp_path / "x_2024-10-01.csv", "旺旺,咨询人数,接待人数,询单人数\n店A:小美,3,3,2\n店B:小美,4,4,1\n店B:阿杰,1,1,1\n")
    assert sorted(load_export(path)["agent_period"]["agent_id"]) == ["店A:小美", "店B:小美", "阿杰"]


def test_rows_spanning_other_months_are_left_out(tmp_path):
    path = write_csv(tmp_path / "x.csv", "日期,旺旺,咨询人数,接待人数,询单人数\n2024-09-25~2024-10-24,a,30,30,20\n2024-10-25,b,3,3,2\n")
    ds = load_export(path)
    m = aggregate_export(ds, "2024-10")
    assert m["agent_id"].to_list() == ["b"]
    assert any("cover days outside 2024-10" in w for w in ds.warnings)


def test_rates_without_bases_cannot_be_combined_over_days(tmp_path):
    # 下单->付款率 per day without 下单数: a single row passes through, several days do not combine.
    path = write_csv(tmp_path / "x.csv", "日期,旺旺,咨询人数,接待人数,询单人数,退款率\n"
                                         "2024-10-01,a,3,3,2,10%\n2024-10-02,a,3,3,2,20%\n2024-10-02,b,1,1,1,5%\n")
    ds = load_export(path)
    m = aggregate_export(ds, "2024-10")
    assert row(m, "a")["refund_rate"] is None and row(m, "b")["refund_rate"] == 0.05
    assert any("Refund rate (refund_rate) is given per row but left empty for 2024-10" in w for w in ds.warnings)
    assert any("退款率 按行给出，但 2024-10 的合计留空" in w.zh for w in ds.warnings)


# -- telling exports from raw logs ----------------------------------------------------------------------


def test_is_export_and_load_any(tmp_path, chitu):
    assert is_export(CHITU_CSV)
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "messages.csv", "ts,customer_id,agent_id,sender\n2024-10-01 09:00:00,c1,a1,customer\n")
    assert not is_export(raw)
    assert load_any(CHITU_CSV)["agent_period"].height == chitu["agent_period"].height
    shutil.copy(CHITU_CSV, raw / "chitu.csv")
    with pytest.raises(CsanaError, match="mixes platform exports"):
        load_any(raw)


# -- round trip: demo raw data → daily 赤兔 export → back, equal to the raw path ---------------------------------

MONTH = "2026-10"
EXACT = ["sales_amount", "sales_units", "agent_msgs", "customer_msgs", "qa_ratio", "first_response_count",
         "first_response_total_s", "first_response_s", "response_count", "response_total_s", "avg_response_s",
         "reception_total_s", "refund_amount", "reminded_orders", "recovered_orders", "recovery_rate"]
"""Additive over days, so the monthly raw metric equals the sum (or ratio of sums) of daily rows."""
PEOPLE = ["consult_customers", "received_customers", "filtered_customers", "inquiry_customers", "ordered_customers",
          "conv_next_day_customers", "conv_final_customers", "buyers", "replied_customers", "unreplied_customers",
          "slow_customers", "assist_customers"]
"""Distinct per month in the raw path; an export only has daily counts, so compare customer-days."""


@pytest.fixture(scope="module")
def demo():
    ds = csana.generate_demo(agents=4, months=1, scale=0.3)
    return csana.agent_daily_metrics(ds, MONTH), csana.agent_metrics(ds, MONTH)


def assert_same(left: pl.DataFrame, right: pl.DataFrame, columns: list[str]) -> None:
    for column in columns:
        for got, want in zip(left[column].to_list(), right[column].to_list(), strict=True):
            assert got == (None if want is None else pytest.approx(want, rel=1e-12, abs=1e-9)), column


@pytest.mark.parametrize(("name", "encoding"), [("demo_赤兔_2026-10.xlsx", None), ("demo_赤兔_2026-10.csv", "gb18030")])
def test_round_trip_equals_raw_path(tmp_path, demo, name, encoding):
    daily, monthly = demo
    path = write_export(daily, tmp_path / name, flavour="chitu")
    ds = load_export(path)
    assert ds.files["encoding"].to_list() == [encoding]
    assert ds.rejected["reason"].to_list() == ["summary row (a total or average, not an agent), by its label"]  # the 汇总 row
    got = aggregate_export(ds, MONTH).sort("agent_id")
    assert got["agent_id"].to_list() == monthly["agent_id"].sort().to_list()
    assert_same(got, monthly.sort("agent_id"), EXACT)
    summed = daily.group_by("agent_id").agg(pl.col(PEOPLE + ["reception_total_s", "sales_amount"]).sum()).sort("agent_id")
    assert_same(got, summed, PEOPLE)
    ratios = summed.select(
        (pl.col("replied_customers") / pl.col("received_customers")).alias("reply_rate"),
        (pl.col("reception_total_s") / pl.col("replied_customers")).alias("avg_reception_s"),
        # exports do not separate assisted customers: the conversion base is 询单人数
        pl.when(pl.col("inquiry_customers") > 0).then(pl.col("conv_final_customers") / pl.col("inquiry_customers")).alias("conv_final"),
        pl.when(pl.col("buyers") > 0).then(pl.col("sales_amount") / pl.col("buyers")).alias("aov"),
    )
    assert_same(got, ratios, ["reply_rate", "avg_reception_s", "conv_final", "aov"])
    assert got["team"].to_list() == monthly.sort("agent_id")["team"].to_list()
    assert any("customer-days" in w for w in ds.warnings)


def test_round_trip_without_weights_uses_the_best_base(tmp_path, demo):
    daily, _ = demo
    ds = load_export(write_export(daily, tmp_path / "demo_2026-10.csv", weights=False))
    got = aggregate_export(ds, MONTH).sort("agent_id")
    answered = pl.col("first_response_s").is_not_null()
    expected = daily.group_by("agent_id").agg(
        ((pl.col("first_response_s") * pl.col("replied_customers")).filter(answered).sum()
         / pl.col("replied_customers").filter(answered).sum()).alias("first_response_s")
    ).sort("agent_id")
    assert_same(got, expected, ["first_response_s"])
    assert any("days are weighted by Replied customers instead" in w for w in ds.warnings)


# -- properties ------------------------------------------------------------------------------------------------

days = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.integers(0, 40), st.integers(0, 40), st.integers(0, 600)),
    min_size=1, max_size=12,
)


@settings(max_examples=40, deadline=None)
@given(days)
def test_monthly_ratios_are_ratios_of_sums(rows):
    """Whatever the daily numbers and their order: conv = Σpaid / Σinquiry, times weighted by 回复人数."""
    frame = pl.DataFrame(
        [(agent, D(2024, 10, 1 + i), inquiry, min(paid, inquiry), inquiry, secs) for i, (agent, inquiry, paid, secs) in enumerate(rows)],
        schema=["agent_id", "date", "inquiry_customers", "conv_final_customers", "replied_customers", "first_response_s"],
        orient="row",
    ).with_columns(pl.col("agent_id").alias("name"), pl.lit(None, pl.String).alias("team"))
    frame = with_all_columns(frame.with_columns(pl.col("first_response_s").cast(pl.Float64)))
    completed, _ = complete(frame)
    combined = evaluate(weighted(completed).lazy(), ["agent_id"]).sort("agent_id")
    shuffled = evaluate(weighted(completed.reverse()).lazy(), ["agent_id"]).sort("agent_id")
    assert combined.select(PUBLIC_IDS).equals(shuffled.select(PUBLIC_IDS))
    for got in combined.iter_rows(named=True):
        mine = [r for r in rows if r[0] == got["agent_id"]]
        inquiry = sum(r[1] for r in mine)
        paid = sum(min(r[2], r[1]) for r in mine)
        assert got["conv_final"] == (pytest.approx(paid / inquiry) if inquiry else None)
        weight = sum(r[1] for r in mine)
        assert got["first_response_s"] == (pytest.approx(sum(r[1] * r[3] for r in mine) / weight) if weight else None)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 86_399))
def test_duration_spellings_agree(seconds):
    h, m, s = seconds // 3600, seconds % 3600 // 60, seconds % 60
    spellings = [str(seconds), f"{h:02d}:{m:02d}:{s:02d}", f"{h}小时{m}分{s}秒", f"{seconds // 60}分{s}秒"]
    assert parsed(parse_duration_s, spellings) == [seconds] * 4


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**11))
def test_money_spellings_agree(cents):
    yuan = cents / 100
    assert parsed(parse_money, [f"￥{yuan:,.2f}", f"{yuan:.2f}元", f"¥{yuan:.2f}"]) == pytest.approx([yuan] * 3)


def test_metrics_cli_reads_an_export_folder_and_says_people_are_customer_days(tmp_path, capsys):
    from csana.cli import main

    out = tmp_path / "m.csv"
    assert main(["metrics", str(DATA), "--out", str(out)]) == 0
    assert "按月把多行相加，是“人天”而不是去重的人数" in capsys.readouterr().err  # in the CLI's language, zh by default
    assert main(["metrics", str(DATA), "--out", str(out), "--lang", "en"]) == 0
    assert "customer-days" in capsys.readouterr().err
    assert pl.read_csv(out)["agent_id"].sort().to_list() == ["小王", "小美"]


def test_shop_and_team_totals_recompute_ratios_from_all_parts(chitu):
    shop = group_metrics(chitu, "2024-10", MetricParams.load(), "shop").row(0, named=True)
    assert (shop["shop"], shop["consult_customers"]) == ("*", 41)  # 25 + 16 customer-days
    assert shop["conv_final"] == pytest.approx(11 / 25)  # (7 + 4) / (14 + 11): rows with both parts
    assert shop["first_response_s"] == pytest.approx((4905 + 580) / 33)  # weighted by 回复人数 20 + 13
    teams = group_metrics(chitu, "2024-10", MetricParams.load(), "team")
    assert teams["team"].to_list() == ["—"]  # the export has no team column


def test_tab_separated_text_saved_as_xls(tmp_path):
    # some platforms save tab-separated GBK text with an .xls name
    path = write_csv(tmp_path / "千牛_2024-10-01.xls", "客服昵称\t接待人数\t询单人数\t询单最终付款人数\n店:a\t5\t4\t2\n", "gbk")
    m = aggregate_export(load_export(path))
    assert (row(m, "a")["received_customers"], row(m, "a")["conv_final"]) == (5, 0.5)


def test_agent_column_is_always_required(tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: m\nzh: 某\nrequired: []\nfields:\n  agent: {kind: agent, headers: [员工]}\n"
                       "  received_customers: {kind: count, headers: [服务人数]}\n  inquiry_customers: {kind: count, headers: [询单人数]}\n",
                       encoding="utf-8")
    path = write_csv(tmp_path / "x_2024-10-01.csv", "服务人数,询单人数\n5,4\n")
    with pytest.raises(CsanaError, match=r"missing required column\(s\).*agent \(员工\)"):
        load_export(path, source=mapping)


def test_qianniu_flavour_round_trip_is_detected_and_sums(tmp_path, demo):
    daily, _ = demo
    ds = load_export(write_export(daily, tmp_path / "千牛_2026-10.xlsx", flavour="qianniu"))
    assert not any("equally" in w for w in ds.warnings)
    assert "询单最终付款金额" in pl.read_excel(tmp_path / "千牛_2026-10.xlsx", read_options={"header_row": 2}).columns
    got = aggregate_export(ds, MONTH).sort("agent_id")
    summed = daily.group_by("agent_id").agg(pl.col("received_customers", "sales_amount").sum()).sort("agent_id")
    assert_same(got, summed, ["received_customers", "sales_amount"])
