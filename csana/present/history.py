"""The chart of an agent's published months: one number per month, every version shown.

The line joins each month's latest version; earlier versions are hollow points under it, so a
restated month shows where its figure was first published. Input: the frame of
:meth:`csana.store.read.StoreReader.agent_history`.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from csana.i18n import Captions
from csana.catalogue import CATALOGUE, label
from csana.present.charts import ACCENT, MUTED, axis_format

text = Captions({
    "title": ("已发布月份", "Published months"),
    "month": ("月份", "Month"),
    "version": ("版本", "Version"),
    "published": ("发布时间", "Published"),
    "latest": ("最新版本", "Latest version"),
    "earlier": ("较早版本", "Earlier version"),
    "total_pay": ("应发合计", "Total pay"),
    "total": ("得分", "Score"),
    "rank": ("名次", "Rank"),
})

SCORE_IDS = ("total_pay", "total", "rank")


def value_label(column: str, lang: str) -> str:
    """A history column's name: score columns from :data:`text`, metrics from the catalogue."""
    return text(column, lang) if column in SCORE_IDS else label(column, lang)


def value_format(column: str) -> str:
    """The d3 format of a history column's axis and tooltip."""
    if column == "total_pay":
        return ",.2f"
    if column in ("total", "rank"):
        return ",.0f" if column == "rank" else ",.1f"
    return axis_format(column) if column in CATALOGUE else ",.2f"


def published_trend(history: pl.DataFrame, column: str, lang: str = "zh") -> alt.LayerChart:
    """``column`` over the published months: the latest versions joined by a line, earlier versions hollow."""
    name = value_label(column, lang)
    frame = history.select(
        "month", "version", pl.col("published_at").dt.strftime("%Y-%m-%d %H:%M").alias("published"), "latest",
        pl.col(column).cast(pl.Float64).alias("value"),
        pl.when(pl.col("latest")).then(pl.lit(text("latest", lang))).otherwise(pl.lit(text("earlier", lang))).alias("kind"),
    )
    fmt = value_format(column)
    base = alt.Chart(frame).encode(
        x=alt.X("month:O", title=text("month", lang)),
        y=alt.Y("value:Q", title=name, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=False, reverse=column == "rank")),
        tooltip=[alt.Tooltip("month:O", title=text("month", lang)), alt.Tooltip("version:Q", title=text("version", lang)),
                 alt.Tooltip("published:N", title=text("published", lang)), alt.Tooltip("value:Q", title=name, format=fmt)],
    )
    line = base.transform_filter("datum.latest").mark_line(color=ACCENT, point=alt.OverlayMarkDef(color=ACCENT, size=60))
    earlier = base.transform_filter("!datum.latest").mark_point(color=MUTED, filled=False, size=60)
    return (earlier + line).properties(title=f"{text('title', lang)} · {name}", width=520, height=220)
