"""Charts: hand-computed bins and percentile rules, catalogue labels, sort order, offline SVG with Chinese text."""

from __future__ import annotations

import datetime as dt
import json
import re

import altair as alt
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.catalogue import label
from csana.present import charts


@pytest.fixture(autouse=True)
def _restore_renderer():
    """use_svg switches altair's global renderer: put the previous one back for other tests."""
    active, options = alt.renderers.active, dict(alt.renderers.options)
    yield
    _ = alt.renderers.enable(active, **options)


def spec(chart: alt.TopLevelMixin) -> str:
    """The chart's Vega-Lite JSON (data inlined) as one string, for searching."""
    return json.dumps(chart.to_dict(), ensure_ascii=False)


def datasets(chart: alt.TopLevelMixin) -> list[list[dict]]:
    return list(chart.to_dict()["datasets"].values())


RESPONSES = pl.DataFrame({"response_s": [10.0, 20.0, 30.0, 40.0, None]})


def test_histogram_bins_and_overflow_by_hand():
    # cap 60 s in 6 bins → 10 s wide; 70 and 200 are above the cap and land in the last bin [50, 60).
    hist = charts.response_histogram(pl.Series([5.0, 12.0, 18.0, 70.0, 200.0, None]), cap_s=60, bins=6)
    assert hist.select("start", "count", "overflow").rows() == [(0.0, 1, False), (10.0, 2, False), (50.0, 2, True)]
    assert hist["end"].to_list() == [10.0, 20.0, 60.0]


def test_histogram_default_cap_is_at_least_a_minute():
    # p99 of [1..10] is below 60, so the cap is 60 s and 30 bins → 2 s wide.
    hist = charts.response_histogram(pl.Series([float(v) for v in range(1, 11)]))
    assert hist["end"].max() <= 60
    assert (hist["end"] - hist["start"]).unique().to_list() == [2.0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=10_000, allow_nan=False), min_size=1, max_size=60))
def test_histogram_keeps_every_answered_burst(values):
    hist = charts.response_histogram(pl.Series(values, dtype=pl.Float64))
    assert hist["count"].sum() == len(values)
    assert (hist["start"] < hist["end"]).all()


def test_percentile_rules_use_linear_interpolation():
    # [10, 20, 30, 40]: P50 = 25; P90 = 30 + 0.7 × 10 = 37 (numpy linear); the null burst is unanswered.
    text = spec(charts.response_time_distribution(RESPONSES, "zh", slow_s=60))
    assert "P50 25 秒" in text and "P90 37 秒" in text
    assert "慢响应阈值 60 秒" in text
    assert "响应时间分布" in text


def test_response_chart_in_english_has_no_chinese():
    text = spec(charts.response_time_distribution(RESPONSES, "en"))
    assert "Response-time distribution" in text and "P90 37 s" in text
    assert not re.search(r"[\u4e00-\u9fff]", text)


FUNNEL = pl.DataFrame({
    "stage": ["consult", "received", "inquiry", "ordered", "paid"],
    "zh": ["咨询", "接待", "询单", "下单", "付款"], "en": ["consulted", "received", "inquired", "ordered", "paid"],
    "customers": [1000, 950, 600, 300, 240], "loss": [None, 50, 350, 300, 60],
    "rate": [None, 0.95, 600 / 950, 0.5, 0.8],
})


def test_funnel_captions_show_count_and_rate():
    charts.use_svg("zh")
    svg = charts.funnel(FUNNEL, "zh")._repr_mimebundle_()["image/svg+xml"]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    # 600 / 950 = 63.157…% → 63.2%; the first stage has no rate (its caption follows the axis title 人数).
    captions = texts[texts.index("付款") + 1:texts.index("付款") + 6]
    assert captions == ["1,000", "950  (95.0%)", "600  (63.2%)", "300  (50.0%)", "240  (80.0%)"]
    assert [r["name"] for r in datasets(charts.funnel(FUNNEL, "zh"))[0]] == ["咨询", "接待", "询单", "下单", "付款"]


AGENTS = pl.DataFrame({
    "agent_id": ["a1", "a2", "a3", "a4"], "name": ["甲", None, "<b>丙</b>", "丁"],
    "first_response_s": [30.0, 10.0, None, 20.0], "conv_final": [0.4, 0.5, 0.45, None],
})


@pytest.mark.parametrize(("metric_id", "order"), [
    ("first_response_s", ["a2", "a4", "a1"]),  # lower is better: fastest first; a3 has no value
    ("conv_final", ["a2", "a3", "a1"]),  # higher is better
])
def test_ranking_puts_the_best_first(metric_id, order):
    rows = datasets(charts.ranking(AGENTS, metric_id, "zh", highlight="a1"))[0]
    assert [r["agent_id"] for r in rows] == order
    assert [r["mark"] for r in rows] == [a == "a1" for a in order]
    assert {r["who"] for r in rows} >= {"a2"}  # a nameless agent is shown by id


def test_distribution_draws_the_team_median():
    # conv_final of a1..a3 = 0.4, 0.5, 0.45 → median 0.45
    medians = [d for d in datasets(charts.metric_distribution(AGENTS, "conv_final", "en")) if "label" in d[0]]
    assert medians[0][0]["value"] == pytest.approx(0.45)
    assert medians[0][0]["label"] == "Team median"


DAILY = pl.DataFrame({
    "date": [dt.date(2026, 10, 1), dt.date(2026, 10, 2)],
    "sales_amount": [1000.0, 1500.0], "conv_final": [0.4, 0.5], "avg_response_s": [30.0, 25.0],
})


def test_daily_trend_one_panel_per_metric_with_catalogue_names():
    chart = charts.daily_trend(DAILY, ["sales_amount", "conv_final", "avg_response_s"], "en")
    panels = chart.to_dict()["vconcat"]
    assert [p["title"] for p in panels] == [label(m, "en") for m in ("sales_amount", "conv_final", "avg_response_s")]
    assert [p["encoding"]["y"]["axis"]["format"] for p in panels] == [",.0f", ".0%", ",.1f"]
    assert [p["encoding"]["x"]["axis"].get("labels", True) for p in panels] == [False, False, True]
    single = charts.daily_trend(DAILY, "conv_final", "zh")
    assert single.to_dict()["encoding"]["y"]["axis"]["format"] == ".0%"
    assert label("conv_final", "zh") in spec(single)


def test_served_vs_silent_labels():
    value = pl.DataFrame({"kind": ["served", "silent"], "orders": [300, 120], "aov": [321.4, 203.4]})
    text = spec(charts.served_vs_silent(value, "zh"))
    assert "客服接待" in text and "静默下单" in text and label("aov", "zh") in text


def test_theme_sets_a_cjk_font():
    config = charts.funnel(FUNNEL, "zh").to_dict()["config"]
    assert config["font"].startswith("Noto Sans CJK SC")


@pytest.mark.parametrize("make", [
    lambda: charts.response_time_distribution(RESPONSES, "zh", slow_s=60),
    lambda: charts.funnel(FUNNEL, "zh"),
    lambda: charts.daily_trend(DAILY, ["sales_amount", "conv_final"], "zh"),
    lambda: charts.ranking(AGENTS, "conv_final", "zh"),
])
def test_svg_renders_offline_with_chinese_text(make):
    charts.use_svg("zh")
    svg = make()._repr_mimebundle_()["image/svg+xml"]
    assert svg.startswith("<svg")
    assert re.search(r"[\u4e00-\u9fff]", svg)  # text stays text: the viewer's CJK font shows it
    assert not re.search(r"""(href|src)=["']https?:""", svg)


@pytest.mark.parametrize(("lang", "labels"), [("zh", ["≤20秒", "20–30秒", "未回复"]), ("en", ["≤20s", "20–30s", "no reply"])])
def test_conversion_by_first_response_names_every_bucket_in_words(lang, labels):
    # the unanswered bucket is stored as "—" in the drill-down; a chart must never show a bare dash for it
    rates = pl.DataFrame({"bucket": ["—", "≤20s", "20–30s"], "bucket_order": [2, 0, 1], "receptions": [5, 10, 8],
                          "converted": [1, 6, 3], "rate": [0.2, 0.6, 0.375], "ci_low": [0.04, 0.31, 0.14],
                          "ci_high": [0.62, 0.83, 0.69]})
    chart = charts.conversion_rates(rates, "bucket", lang)
    assert [row["bucket"] for row in datasets(chart)[0]] == labels
    assert chart.to_dict()["layer"][0]["encoding"]["x"]["sort"] == labels
