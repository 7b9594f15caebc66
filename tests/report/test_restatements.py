"""Published months in the report: publish → late payments arrive → the report lists the exact restatement,
and last month's KPIs come from the latest published version. Also the attribution appendix.

The hand-built shop (tests/support/credit_shop.py) under the test scheme (sales ≥ ¥250 → 10 points else 5;
¥1,000 + 10% of sales): published while o2 (c2, ¥100, credited to a2) was unpaid. o2 is then paid on
Oct 12 — within a2's conv_final window (Oct 10 + 3 days), after the next day. Today's data gives, for a2:
sales ¥300 → ¥400, units 1 → 2, buyers 1 → 2, AOV ¥300 → ¥200, conv_final 50% → 100%, order → payment
50% → 100%, pay ¥1,030 → ¥1,040 (+¥10; score and rank unchanged); for a3, whose chat with c2 on Oct 10
11:00 now follows up a paid order: assisted customers 2 → 3.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from credit_shop import credit_shop

from csana.demo.generator import generate_demo, write_demo
from csana.params import MetricParams
from csana.report import build_context, sections
from csana.scoring.scheme import load_scheme
from csana.store import publish, store_path

SCHEME_YAML = """\
name: 测试
pay: {base: 1000}
commission: {metric: sales_amount, rate: 0.1}
indicators:
  - {metric: sales_amount, weight: 1, tiers: [{min: 250, score: 10}, {max: 250, score: 5}]}
"""


@pytest.fixture
def late(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """The shop published for October, then o2's late payment added to its orders file."""
    monkeypatch.delenv("CSANA_STORE", raising=False)
    folder = tmp_path / "shop"
    write_demo(credit_shop(), folder)
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME_YAML, encoding="utf-8")
    from csana.datasets import open_data

    publish(open_data(folder), "2026-10", [(str(scheme), load_scheme(scheme))], MetricParams(), store_path(folder),
            data=str(folder))
    orders = pl.read_csv(folder / "orders.csv", try_parse_dates=True)
    paid = pl.when(pl.col("order_id") == "o2").then(pl.lit("2026-10-12 10:00:00").str.to_datetime()).otherwise(pl.col("paid_at"))
    orders.with_columns(paid_at=paid).write_csv(folder / "orders.csv")
    return folder, scheme


def test_the_report_lists_the_exact_restatement(late):
    folder, scheme = late
    ctx = build_context(str(folder), month="2026-10", scheme=str(scheme))
    assert ctx.published is not None and ctx.published.path == folder / "csana.duckdb"
    (item,) = ctx.published.restatements
    assert (item.publication.month, item.publication.version) == ("2026-10", 1)
    got = {(r["agent_id"], r["metric"]): (r["old"], r["new"]) for r in item.changes.iter_rows(named=True)}
    assert got == {  # every value here is exact in binary floating point
        ("a2", "sales_amount"): (300.0, 400.0), ("a2", "sales_units"): (1, 2), ("a2", "buyers"): (1, 2),
        ("a2", "aov"): (300.0, 200.0), ("a2", "conv_final"): (0.5, 1.0), ("a2", "order_to_pay"): (0.5, 1.0),
        ("a3", "assist_customers"): (2, 3),
    }
    assert item.pay.select("agent_id", "old_pay", "new_pay", "pay_change").rows() == [("a2", 1030.0, 1040.0, 10.0)]
    totals = {r["metric"]: (r["old"], r["new"]) for r in item.totals.iter_rows(named=True)}
    assert totals["sales_amount"] == (500.0, 600.0) and totals["buyers"] == (2, 3)
    page = sections.restatements(ctx).data
    assert "数据修订" in page and "2026-10 第 1 版" in page
    for text in ("小二", "¥1,030.00", "¥1,040.00", "+¥10.00", "销售额", "¥300.00", "¥400.00", "50.0%", "100.0%", "协助人数"):
        assert text in page, text
    english = sections.restatements(build_context(str(folder), month="2026-10", scheme=str(scheme), lang="en")).data
    assert "Restatements" in english and "version 1" in english and "Pay to settle" in english


def test_an_unchanged_month_says_so_and_no_store_shows_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("CSANA_STORE", raising=False)
    folder = tmp_path / "shop"
    write_demo(credit_shop(), folder)
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME_YAML, encoding="utf-8")
    assert build_context(str(folder), month="2026-10", scheme=str(scheme)).published is None
    from csana.datasets import open_data

    publish(open_data(folder), "2026-10", [(str(scheme), load_scheme(scheme))], MetricParams(), store_path(folder),
            data=str(folder))
    ctx = build_context(str(folder), month="2026-10", scheme=str(scheme))
    assert not ctx.published.restatements[0].changed
    assert "与发布一致" in sections.restatements(ctx).data


def test_last_month_comes_from_the_latest_published_version(tmp_path):
    """September published before its last three days' payments arrived; the October report compares with
    what was published, and restates September."""
    full = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    cut = pl.datetime(2026, 9, 28)
    early_orders = full.orders.with_columns(
        paid_at=pl.when(pl.col("paid_at") >= cut).then(None).otherwise(pl.col("paid_at")))
    early = type(full)(tables={**full.tables, "orders": early_orders}, source="early")
    schemes = [("presales_traffic", load_scheme("presales_traffic")), ("aftersales_returns", load_scheme("aftersales_returns"))]
    store = tmp_path / "s.duckdb"
    done = publish(early, "2026-09", schemes, MetricParams(), store, data="<memory>")
    assert done.version == 1
    ctx = build_context(full, month="2026-10", scheme="presales_traffic,aftersales_returns", store=str(store))
    published_sales = ctx.published.previous_figures.shop["sales_amount"][0]
    recomputed = build_context(full, month="2026-10", scheme="presales_traffic,aftersales_returns")
    assert ctx.before.totals["sales_amount"] == pytest.approx(published_sales)
    assert recomputed.before.totals["sales_amount"] > published_sales  # the late payments count today
    restated = {item.publication.month: item for item in ctx.published.restatements}
    september = restated["2026-09"]
    assert september.changed and september.pay.height > 0
    assert september.pay["pay_change"].sum() == pytest.approx(
        recomputed_pay(full, schemes) - done.total_pay, abs=0.01)
    page = sections.restatements(ctx).data
    assert "上月对比取自已发布的 2026-09 第 1 版" in page
    from csana.present.formatting import format_metric

    assert format_metric("sales_amount", published_sales) in sections.summary(ctx).data


def recomputed_pay(dataset, schemes) -> float:
    from csana.store.figures import month_figures

    return float(month_figures(dataset, "2026-09", MetricParams(), schemes).agents["total_pay"].sum())


def test_attribution_appendix(late):
    folder, scheme = late
    off = build_context(str(folder), month="2026-10", scheme=str(scheme))
    assert off.attribution is None and sections.attribution_appendix(off).data == ""
    ctx = build_context(str(folder), month="2026-10", scheme=str(scheme), attribution_compare=True)
    page = sections.attribution_appendix(ctx).data
    assert "订单归属规则对比" in page and "付款前最后服务（付款判定）" in page and "a1 + a2（各 1/2）" in page
    assert "c1" not in page  # customers pseudonymised
    assert "1.50 (−0.50)" in page and "¥1,025.00 (−¥15.00)" in page  # a2 under split: ½ o1 + o2, pay against ¥1,040
    split = ctx.attribution.agents.filter(pl.col("rule") == "split").sort("agent_id")
    assert split["total_pay"].to_list() == pytest.approx([1025.0, 1025.0, 1010.0])  # o2 now paid: a2 ½ o1 + o2


def test_attribution_appendix_for_exports_says_why_not():
    export = next((Path(__file__).parents[1] / "data" / "exports").glob("*.csv"))
    ctx = build_context(str(export), month="2024-10", scheme="presales_traffic", attribution_compare=True)
    assert "平台导出数据没有逐笔订单" in sections.attribution_appendix(ctx).data


def test_hostile_names_stay_inert_in_both_sections(tmp_path, monkeypatch):
    from hostile import HOSTILE, assert_inert_html

    monkeypatch.delenv("CSANA_STORE", raising=False)
    shop = credit_shop()
    shop.tables["agents"] = shop.tables["agents"].with_columns(name=pl.Series([HOSTILE[0], HOSTILE[1], HOSTILE[3]]))
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME_YAML, encoding="utf-8")
    store = tmp_path / "s.duckdb"
    publish(shop, "2026-10", [(str(scheme), load_scheme(scheme))], MetricParams(), store, data="<memory>")
    paid = pl.when(pl.col("order_id") == "o2").then(pl.lit("2026-10-12 10:00:00").str.to_datetime()).otherwise(pl.col("paid_at"))
    later = type(shop)(tables={**shop.tables, "orders": shop.orders.with_columns(paid_at=paid)}, source="later")
    ctx = build_context(later, month="2026-10", scheme=str(scheme), store=str(store), attribution_compare=True)
    for page in (sections.restatements(ctx).data, sections.attribution_appendix(ctx).data):
        assert_inert_html(page)
        assert "<script" not in page and "<img" not in page and "<svg" not in page
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page  # a2 is in both sections, escaped


def test_a_change_below_the_shown_precision_is_not_shown_as_zero():
    from csana.report.restatements import _change

    assert _change("units_per_buyer", 0.0039, "zh") == "+<0.01"  # not '+0.00'
    assert _change("refund_rate", -0.0003, "zh") == "−<0.1%"
    assert _change("sales_amount", 0.004, "en") == "+<¥0.01"
    assert _change("aov", 0.38, "zh") == "+¥0.38" and _change("buyers", 1.0, "zh") == "+1"
