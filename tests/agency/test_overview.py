"""The agency overview from shops' summaries (no rendering): pooled totals, rankings, months, escaping, language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from agency_book import column_book

from csana.agency.book import Book, Shop, ShopInfo
from csana.agency.overview import (
    HEADLINE,
    build_overview,
    check_rank_metric,
    overview_month,
    pool,
)
from csana.agency.page import quality_text, render_page
from csana.agency.summary import shop_summary
from csana.agency.task import ShopOutcome
from csana.errors import CsanaError
from csana.datasets import open_data
from csana.present.formatting import format_metric
from csana.report import build_context
from csana.report.context import for_shop

HOSTILE = '<script>alert("x")</script>&amp;'
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def summaries(tmp_path_factory) -> dict[str, dict]:
    data = open_data(column_book(tmp_path_factory.mktemp("column"), shops=3))
    found = {}
    for key in ("s01", "s02", "s03"):
        ctx = build_context(for_shop(data, key), month="2026-10", shop=key, scorecards=False)
        found[key] = shop_summary(ctx, key=key, shared=True)
    return found


def book_of(keys: list[str], names: dict[str, str] | None = None) -> Book:
    names = names or {}
    return Book(Path("/data"), "column", tuple(Shop(k, f"/data/{k}", k, k, ShopInfo(name=names.get(k))) for k in keys))


def outcomes(summaries: dict[str, dict], failed: str | None = None) -> list[ShopOutcome]:
    found = [ShopOutcome(k, "done", s["month"], summary={**s, "report": {"html": f"monthly_report-{k}.html"}})
             for k, s in summaries.items()]
    return found + ([ShopOutcome(failed, "failed", None, "data.csv: row 3: not a time")] if failed else [])


def test_agency_totals_pool_counts_and_recompute_ratios(summaries):
    totals = [s["totals"] for s in summaries.values()]
    pooled = pool(totals)
    assert pooled["received_customers"] == sum(t["received_customers"] for t in totals)
    assert pooled["sales_amount"] == pytest.approx(sum(t["sales_amount"] for t in totals))
    assert pooled["conv_final"] == pytest.approx(
        sum(t["conv_final_customers"] for t in totals) / sum(t["conv_base_customers"] for t in totals))
    assert pooled["first_response_s"] == pytest.approx(
        sum(t["first_response_total_s"] for t in totals) / sum(t["first_response_count"] for t in totals))
    assert pooled["p90_response_s"] is None  # quantiles do not pool


def test_shops_rank_by_the_metric_direction_and_failed_shops_come_last(summaries):
    view = build_overview(book_of(["s01", "s02", "s03", "zz"]), outcomes(summaries, failed="zz"), "2026-10", "first_response_s")
    ranked = view.shops.filter(view.shops["rank"].is_not_null())
    assert ranked["first_response_s"].to_list() == sorted(ranked["first_response_s"].to_list())  # lower is better
    assert view.shops["key"][-1] == "zz" and view.shops["status"][-1] == "failed" and view.shops["rank"][-1] is None
    assert view.counts() == {"done": 3, "skipped": 0, "failed": 1}
    up = build_overview(book_of(["s01", "s02", "s03"]), outcomes(summaries), "2026-10", "sales_amount")
    assert up.shops["sales_amount"].to_list() == sorted(up.shops["sales_amount"].to_list(), reverse=True)


def test_overview_figures_are_the_shop_reports_figures(summaries):
    view = build_overview(book_of(list(summaries)), outcomes(summaries), "2026-10")
    for row in view.shops.iter_rows(named=True):
        totals = summaries[row["key"]]["totals"]
        for metric in HEADLINE:
            assert row[metric] == totals[metric]
        agents = summaries[row["key"]]["agents"]
        assert row["pay_total"] == pytest.approx(sum(a["total_pay"] for a in agents if a.get("total_pay") is not None))


def test_agents_rank_across_shops_above_the_minimum_base(summaries):
    view = build_overview(book_of(list(summaries)), outcomes(summaries), "2026-10", "conv_final", min_base=10)
    agents = view.agents
    assert set(agents["shop_key"]) == set(summaries)
    ranked = agents.filter(agents["rank"].is_not_null())
    assert ranked.height and (ranked["base"] >= 10).all() and (agents.filter(agents["rank"].is_null())["base"] < 10).all()
    assert ranked["value"].to_list() == sorted(ranked["value"].to_list(), reverse=True)
    assert ranked["rank"][0] == 1


def test_a_shop_of_another_month_is_listed_but_not_ranked(summaries):
    late = {**summaries, "s03": {**summaries["s03"], "month": "2026-09"}}
    found = outcomes(late)
    assert overview_month(found, None) == "2026-10" and overview_month(found, "2026-08") == "2026-08"
    view = build_overview(book_of(list(late)), found, "2026-10")
    row = view.shops.filter(view.shops["key"] == "s03").row(0, named=True)
    assert row["rank"] is None and not row["eligible"]
    page = render_page(view, Path("/data"), "zh", "x.xlsx")
    assert 'href="../2026-09/monthly_report-s03.html"' in page and "2026-09 的报告" in page


def test_page_escapes_data_and_keeps_to_one_language(summaries):
    book = book_of(list(summaries), names={"s01": HOSTILE})
    view = build_overview(book, outcomes(summaries), "2026-10")
    for lang in ("zh", "en"):
        page = render_page(view, Path("/data"), lang, "agency_overview-agents.xlsx")
        assert "<script" not in page.lower() and "&lt;script&gt;" in page
        assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
        assert f'<html lang="{lang}">' in page
    english = render_page(view, Path("/data"), "en", "agency_overview-agents.xlsx")
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", english, flags=re.DOTALL))
    data = {a.get(k) for s in summaries.values() for a in s["agents"] for k in ("name", "team")} - {None}
    for value in sorted(data, key=len, reverse=True):  # names and teams are data, in whatever language they are
        text = text.replace(value, "")
    assert not CJK.search(text), f"Chinese text on the English page: {CJK.findall(text)[:10]}"
    chinese = render_page(view, Path("/data"), "zh", "agency_overview-agents.xlsx")
    for row in view.shops.filter(view.shops["status"] == "done").iter_rows(named=True):
        assert format_metric("sales_amount", row["sales_amount"], "zh") in chinese


def test_failed_shop_is_listed_with_its_error(summaries):
    view = build_overview(book_of([*summaries, "坏店"]), outcomes(summaries, failed="坏店"), "2026-10")
    page = render_page(view, Path("/data"), "zh", "x.xlsx")
    assert "未能生成报告的店铺" in page and "data.csv: row 3: not a time" in page
    row = view.shops.filter(view.shops["key"] == "坏店").row(0, named=True)
    assert quality_text(row, "zh") == ("失败", "bad")


def test_quality_text_names_rejected_rows_notes_and_provisional_metrics():
    row = {"status": "done", "rows_read": 1000, "rows_rejected": 12, "warnings": 2, "provisional": ["conv_final"]}
    text, tone = quality_text(row, "en")
    assert tone == "warn" and "12 rows rejected (1.2%)" in text and "2 notes" in text and "provisional" in text
    assert quality_text({"status": "done", "rows_read": 10, "rows_rejected": 0, "warnings": 0, "provisional": []}, "zh") == ("正常", "ok")


def test_rank_metric_must_have_a_direction():
    check_rank_metric("first_response_s")
    with pytest.raises(CsanaError, match="cannot rank on 'nope'"):
        check_rank_metric("nope")
