"""Charts for reports and notebooks: functions that take polars frames and return altair charts.

Every function takes the frame the engine already computed (per-agent metrics, daily
metrics, the shop funnel, answered bursts) and a language, and returns an *unconfigured*
altair chart, so callers can still layer or concatenate it. Names of metrics come from
:mod:`csana.catalogue`; charts never compute a metric, except the response-time
quantiles drawn on the distribution, which use the same linear interpolation as the
engine's p50/p90 (numpy's default).

Importing this module registers and enables the ``csana`` altair theme: a CJK font
("Noto Sans CJK SC" first, so Chinese never falls back to the Japanese glyph variant)
and quiet colours. :func:`use_svg` switches notebooks to inline SVG output, which
needs no JavaScript or CDN and prints well (the monthly report uses it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import polars as pl

from csana.catalogue import CATALOGUE, label, metric
from csana.diagnosis.drilldown import bucket_text
from csana.i18n import Captions

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, WenQuanYi Zen Hei, Microsoft YaHei, PingFang SC, sans-serif"
"""CSS font list: the first installed family wins (vl-convert measures text with it too)."""

GOOD, BAD, NEUTRAL, ACCENT, MUTED = "#2e7d32", "#c62828", "#546e7a", "#1565c0", "#90a4ae"

text = Captions({
    "response_title": ("响应时间分布", "Response-time distribution"),
    "response_axis": ("响应时间（秒）", "Response time (s)"),
    "bursts": ("响应次数", "Answered bursts"),
    "slow": ("慢响应阈值", "Slow threshold"),
    "funnel_title": ("转化漏斗", "Conversion funnel"),
    "stage": ("环节", "Stage"),
    "customers": ("人数", "Customers"),
    "rate": ("转化率", "Rate"),
    "trend_title": ("每日趋势", "Daily trend"),
    "date": ("日期", "Date"),
    "value": ("数值", "Value"),
    "served_title": ("客服接待与静默下单对比", "Served vs silent orders"),
    "served": ("客服接待", "Served by CS"),
    "silent": ("静默下单", "Silent"),
    "orders": ("订单数", "Orders"),
    "agents": ("客服人数", "Agents"),
    "median": ("团队中位数", "Team median"),
    "agent": ("客服", "Agent"),
    "seconds": ("秒", "s"),
    "receptions": ("询单接待数", "Inquiry receptions"),
    "converted": ("成交接待数", "Converted receptions"),
    "by_response": ("按首次响应时间的询单转化率", "Conversion by first-response time"),
    "by_hour": ("按开始时段的询单转化率", "Conversion by hour of day"),
    "bucket": ("首次响应时间", "First response"),
    "hour": ("时段（点）", "Hour"),
})
"""Chart captions: ``text(key, lang)``."""


@alt.theme.register("csana", enable=True)
def _theme() -> alt.theme.ThemeConfig:
    return alt.theme.ThemeConfig(
        config={
            "font": FONT,
            "view": {"stroke": None, "continuousWidth": 520, "continuousHeight": 260},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#eceff1", "domainColor": "#b0bec5"},
            "title": {"fontSize": 14, "anchor": "start", "fontWeight": "bold"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12},
            "range": {"category": [ACCENT, "#ef6c00", GOOD, "#6a1b9a", BAD, "#00838f", "#5d4037", NEUTRAL]},
            "bar": {"color": ACCENT},
            "line": {"color": ACCENT},
        }
    )


def use_svg(lang: str = "zh") -> None:
    """Render charts as inline SVG through vl-convert: offline, vector, Chinese number/date formats."""
    locale = "zh-CN" if lang == "zh" else "en-US"
    _ = alt.renderers.enable("svg")
    alt.renderers.set_embed_options(formatLocale=locale, timeFormatLocale=locale)
    _ = alt.data_transformers.disable_max_rows()


def axis_format(metric_id: str) -> str:
    """d3 number format for a metric's unit (percent for ratios, thousands for money and counts)."""
    unit = metric(metric_id).unit
    if unit == "ratio":
        return ".0%"
    if unit in ("yuan", "yuan/hour", "people", "orders", "messages"):
        return ",.0f"
    return ",.1f" if unit in ("seconds", "hours") else ",.2~f"


def _quantile(values: pl.Series, q: float) -> float | None:
    found = values.quantile(q, interpolation="linear")
    return None if found is None or (isinstance(found, float) and math.isnan(found)) else float(found)


def _nice_step(span: float, bins: int) -> float:
    raw = span / bins
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600):
        if step >= raw:
            return float(step)
    return float(math.ceil(raw / 600) * 600)


def response_histogram(response_s: pl.Series, cap_s: float | None = None, bins: int = 30) -> pl.DataFrame:
    """Counts of response times in equal bins; times above ``cap_s`` fall into the last bin.

    The cap (default: the 99th percentile rounded up, at least 60 s) keeps one 2-hour
    outlier from squeezing every normal response into the first bar.
    """
    values = response_s.drop_nulls().cast(pl.Float64)
    if cap_s is None:
        p99 = _quantile(values, 0.99) or 0.0
        cap_s = max(60.0, math.ceil(p99 / 10) * 10)
    step = _nice_step(cap_s, bins)
    cap_s = math.ceil(cap_s / step) * step
    return (
        values.to_frame("response_s")
        .with_columns(start=(pl.col("response_s").clip(upper_bound=cap_s - step) // step) * step)
        .group_by("start")
        .agg(count=pl.len())
        .sort("start")
        .with_columns(end=pl.col("start") + step, overflow=pl.col("start") + step >= cap_s)
    )


def response_time_distribution(
    responses: pl.DataFrame,
    lang: str = "zh",
    *,
    quantiles: Sequence[float] = (0.5, 0.9),
    slow_s: float | None = None,
    cap_s: float | None = None,
) -> alt.LayerChart:
    """Histogram of answered response times with rules at the percentiles (P50, P90) and the slow threshold.

    ``responses`` holds one row per answered burst with ``response_s`` (the engine's
    ``derive().responses``); unanswered bursts (null) are left out, as in the metrics.
    """
    values = responses.get_column("response_s").drop_nulls().cast(pl.Float64)
    hist = response_histogram(values, cap_s)
    unit = text("seconds", lang)
    bars = alt.Chart(hist).mark_rect(color=ACCENT, opacity=0.85, stroke="white", strokeWidth=0.5).encode(
        x=alt.X("start:Q", title=text("response_axis", lang)),
        x2="end:Q",
        y=alt.Y("count:Q", title=text("bursts", lang)),
        y2=alt.datum(0),
        tooltip=[alt.Tooltip("start:Q", title="≥"), alt.Tooltip("end:Q", title="<"), "count:Q"],
    )
    marks = [
        {"value": v, "label": f"P{round(q * 100)} {v:,.0f} {unit}", "color": NEUTRAL}
        for q in quantiles if (v := _quantile(values, q)) is not None
    ]
    if slow_s is not None:
        marks.append({"value": float(slow_s), "label": f"{text('slow', lang)} {slow_s:,.0f} {unit}", "color": BAD})
    title = text("response_title", lang)
    if not marks:
        return alt.layer(bars).properties(title=title, height=200)
    rules_data = pl.DataFrame(marks).with_columns(
        shown=pl.col("value").clip(upper_bound=hist.get_column("end").max() if hist.height else None),
        pixel=10 + 14 * pl.int_range(pl.len()),
    )
    rules = alt.Chart(rules_data).mark_rule(strokeDash=[4, 3], strokeWidth=1.5).encode(
        x="shown:Q", color=alt.Color("color:N", scale=None)
    )
    labels = alt.Chart(rules_data).mark_text(align="left", dx=4, fontSize=11).encode(
        x="shown:Q",
        y=alt.Y("pixel:Q", scale=None, axis=None),
        text="label:N",
        color=alt.Color("color:N", scale=None),
    )
    return alt.layer(bars, rules, labels).properties(title=title, height=200)


def funnel(stages: pl.DataFrame, lang: str = "zh") -> alt.LayerChart:
    """The conversion funnel as horizontal bars, each labelled with its count and its rate.

    ``stages`` is ``ShopMetrics.funnel``: one row per stage in order (``stage``, ``zh``,
    ``en``, ``customers``, ``rate`` = customers / the previous stage's customers).
    """
    data = stages.select("stage", "customers", "rate", name=pl.col("zh" if lang == "zh" else "en"))
    order = data.get_column("name").to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("customers:Q", title=text("customers", lang)),
    )
    bars = base.mark_bar(color=ACCENT, opacity=0.85)
    captions = base.mark_text(align="left", dx=4, fontSize=11, color="#263238").encode(text="caption:N").transform_calculate(
        caption="format(datum.customers, ',d') + (isValid(datum.rate) ? '  (' + format(datum.rate, '.1%') + ')' : '')"
    )
    return alt.layer(bars, captions).properties(title=text("funnel_title", lang), height=alt.Step(24))


def daily_trend(
    daily: pl.DataFrame,
    metric_ids: str | Sequence[str],
    lang: str = "zh",
    *,
    color: str | None = None,
) -> alt.Chart | alt.VConcatChart:
    """Daily lines of one or more metrics (one panel per metric, each with its own axis and format).

    ``daily`` has a ``date`` column and the metric columns (e.g. the team's daily totals,
    or :func:`csana.agent_daily_metrics` with ``color="name"`` for one line per agent).
    """
    ids = [metric_ids] if isinstance(metric_ids, str) else list(metric_ids)
    if len(ids) == 1:
        return _trend_panel(daily, ids[0], lang, color, axis_title=True).properties(title=label(ids[0], lang))
    panels = [
        _trend_panel(daily, m, lang, color, last=i == len(ids) - 1).properties(title=label(m, lang), height=70, width=520)
        for i, m in enumerate(ids)
    ]
    return alt.vconcat(*panels, spacing=6).resolve_scale(x="shared").properties(title=text("trend_title", lang))


def _trend_panel(daily: pl.DataFrame, metric_id: str, lang: str, color: str | None, *, last: bool = True,
                 axis_title: bool = False) -> alt.Chart:
    """One metric's daily line, its axis formatted by the metric's unit; dates labelled on the last panel only."""
    keep = ["date", *([color] if color else []), metric_id]
    enc = {"color": alt.Color(f"{color}:N", title=text("agent", lang))} if color else {}
    x_axis = alt.Axis(format="%m-%d") if last else alt.Axis(labels=False, ticks=False)
    return alt.Chart(daily.select(keep)).mark_line(point=True).encode(
        x=alt.X("date:T", title=text("date", lang) if axis_title else None, axis=x_axis),
        y=alt.Y(f"{metric_id}:Q", title=label(metric_id, lang) if axis_title else None,
                axis=alt.Axis(format=axis_format(metric_id))),
        **enc,
    )


def served_vs_silent(service_value: pl.DataFrame, lang: str = "zh") -> alt.HConcatChart:
    """Orders and average order value of CS-served orders next to silent orders (静默下单).

    ``service_value`` is ``ShopMetrics.service_value``: ``kind`` (served / silent),
    ``orders``, ``aov``. The gap in AOV is the value customer service adds.
    """
    data = service_value.with_columns(name=pl.col("kind").replace_strict({"served": text("served", lang), "silent": text("silent", lang)}))
    order = [text("served", lang), text("silent", lang)]
    colour = alt.Color("name:N", scale=alt.Scale(domain=order, range=[ACCENT, MUTED]), legend=None)

    def panel(column: str, title: str, fmt: str) -> alt.LayerChart:
        base = alt.Chart(data).encode(x=alt.X("name:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
                                      y=alt.Y(f"{column}:Q", title=title, axis=alt.Axis(format=fmt)))
        return alt.layer(
            base.mark_bar(width=48).encode(color=colour),
            base.mark_text(dy=-6, fontSize=11).encode(text=alt.Text(f"{column}:Q", format=fmt)),
        ).properties(width=220, height=160, title=title)

    return alt.hconcat(
        panel("orders", text("orders", lang), ",.0f"),
        panel("aov", label("aov", lang), ",.2f"),
    ).properties(title=text("served_title", lang))


def metric_distribution(metrics: pl.DataFrame, metric_id: str, lang: str = "zh", *, bins: int = 12) -> alt.LayerChart:
    """How agents spread on one metric: a histogram with the team median as a rule."""
    data = metrics.select(pl.col(metric_id).cast(pl.Float64)).drop_nulls()
    median = _quantile(data.get_column(metric_id), 0.5)
    title = label(metric_id, lang)
    bars = alt.Chart(data).mark_bar(color=ACCENT, opacity=0.85).encode(
        x=alt.X(f"{metric_id}:Q", bin=alt.Bin(maxbins=bins), title=title, axis=alt.Axis(format=axis_format(metric_id))),
        y=alt.Y("count():Q", title=text("agents", lang)),
    )
    layers = [bars]
    if median is not None:
        layers.append(_median_rule(median, "x", lang))
    return alt.layer(*layers).properties(title=title)


def ranking(
    metrics: pl.DataFrame,
    metric_id: str,
    lang: str = "zh",
    *,
    name: str = "name",
    highlight: str | None = None,
) -> alt.LayerChart:
    """Agents ranked on one metric, best first (direction from the catalogue), with the team median.

    ``highlight`` is an agent_id whose bar is drawn in the accent colour.
    """
    m = CATALOGUE[metric_id]
    data = (
        metrics.select("agent_id", pl.coalesce(pl.col(name), pl.col("agent_id")).alias("who"), pl.col(metric_id).cast(pl.Float64))
        .drop_nulls(metric_id)
        .sort(metric_id, descending=m.direction != "lower")
        .with_columns(mark=pl.col("agent_id") == highlight if highlight else pl.lit(True))
    )
    median = _quantile(data.get_column(metric_id), 0.5)
    title = label(metric_id, lang)
    bars = alt.Chart(data).mark_bar().encode(
        y=alt.Y("who:N", sort=None, title=None),
        x=alt.X(f"{metric_id}:Q", title=title, axis=alt.Axis(format=axis_format(metric_id))),
        color=alt.condition(alt.datum.mark, alt.value(ACCENT), alt.value(MUTED)),
        tooltip=["agent_id:N", "who:N", alt.Tooltip(f"{metric_id}:Q", format=axis_format(metric_id))],
    )
    layers = [bars]
    if median is not None:
        layers.append(_median_rule(median, "x", lang))
    return alt.layer(*layers).properties(title=title, height=alt.Step(18))


def _median_rule(value: float, channel: str, lang: str) -> alt.LayerChart:
    frame = pl.DataFrame({"value": [value], "label": [text("median", lang)]})
    rule = alt.Chart(frame).mark_rule(color=BAD, strokeDash=[4, 3], strokeWidth=1.5).encode(**{channel: "value:Q"})
    note = alt.Chart(frame).mark_text(align="left", dx=4, dy=-4, color=BAD, fontSize=11).encode(
        **{channel: "value:Q"}, y=alt.value(0), text="label:N"
    )
    return alt.layer(rule, note)


def conversion_rates(rates: pl.DataFrame, by: str, lang: str = "zh") -> alt.LayerChart:
    """Conversion rate per category (``by`` = "bucket" or "hour") with its interval as an error bar.

    ``rates`` is one agent's (or the shop's) rows of ``Drilldown.by_response`` or
    ``by_hour``: the category, ``receptions``, ``converted``, ``rate``, ``ci_low``, ``ci_high``.
    """
    if by == "bucket":  # labels in the chart's language, the unanswered bucket in words
        shown = {b: bucket_text(b, lang) for b in rates.get_column("bucket").unique().to_list()}
        rates = rates.sort("bucket_order").with_columns(pl.col("bucket").replace_strict(shown, return_dtype=pl.String))
    order = rates.get_column("bucket").to_list() if by == "bucket" else None
    x = alt.X(f"{by}:{'N' if by == 'bucket' else 'O'}", sort=order, title=text(by, lang), axis=alt.Axis(labelAngle=0))
    base = alt.Chart(rates).encode(x=x)
    bars = base.mark_bar(color=ACCENT, opacity=0.85).encode(
        y=alt.Y("rate:Q", title=text("rate", lang), axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip(f"{by}:N", title=text(by, lang)), alt.Tooltip("receptions:Q", title=text("receptions", lang)),
                 alt.Tooltip("converted:Q", title=text("converted", lang)), alt.Tooltip("rate:Q", format=".1%"),
                 alt.Tooltip("ci_low:Q", format=".1%"), alt.Tooltip("ci_high:Q", format=".1%")],
    )
    whiskers = base.mark_rule(color=NEUTRAL).encode(y="ci_low:Q", y2="ci_high:Q")
    return alt.layer(bars, whiskers).properties(title=text("by_response" if by == "bucket" else "by_hour", lang))
