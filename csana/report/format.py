"""Display formatting for reports: metric values by unit, month-on-month deltas, escaped HTML tables.

One formatter per unit of :mod:`csana.metrics`, so a number reads the same in the
summary, the leaderboard, a scorecard and the PDF (tests compare the PDF's text with
``format_metric(agent_metrics(...))``). Missing values and ratios with a zero
denominator show as "—". Every piece of data text (names, ids, team names, reasons)
goes through :func:`esc`: the data is not trusted.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from csana.metrics import CATALOGUE

DASH = "—"
Tone = Literal["good", "bad", "flat"]
_SECONDS = {"zh": "秒", "en": "s"}
_HOURS = {"zh": "小时", "en": "h"}
_POINTS = {"zh": "个百分点", "en": "pp"}


def esc(value: Any) -> str:
    """HTML-escaped text of any value (None → empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


def missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def format_value(value: Any, unit: str, lang: str = "zh") -> str:
    """``value`` in ``unit`` (a :data:`csana.metrics.Unit`): 43.2%, ¥1,234.50, 23.4 秒, 1,234."""
    if missing(value):
        return DASH
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "yuan":
        return f"¥{value:,.2f}"
    if unit == "yuan/hour":
        return f"¥{value:,.2f}/{_HOURS[lang]}"
    if unit == "seconds":
        return f"{value:,.1f} {_SECONDS[lang]}"
    if unit == "hours":
        return f"{value:,.1f} {_HOURS[lang]}"
    if unit == "score":
        return f"{value:,.2f}"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def format_metric(metric_id: str, value: Any, lang: str = "zh") -> str:
    """A metric's value formatted by its catalogue unit (unknown ids: plain number)."""
    found = CATALOGUE.get(metric_id)
    return format_value(value, found.unit if found else "units", lang)


@dataclass(frozen=True)
class Delta:
    """Change of a metric against the previous month: display text and whether it is good news."""

    text: str
    tone: Tone


def delta(metric_id: str, now: Any, before: Any, lang: str = "zh") -> Delta:
    """Month-on-month change: percentage points for ratios, else the difference and its % change.

    The tone follows the metric's direction (lower response time is good news).
    """
    if missing(now) or missing(before):
        return Delta(DASH, "flat")
    m = CATALOGUE[metric_id]
    diff = now - before
    if m.unit == "ratio":
        text = f"{sign(diff)}{abs(diff) * 100:.1f} {_POINTS[lang]}"
    else:
        text = sign(diff) + format_value(abs(diff), m.unit, lang)
        if before:
            change = diff / abs(before)
            text += f" ({sign(change)}{abs(change) * 100:.1f}%)"
    if diff == 0 or m.direction == "neutral":
        tone: Tone = "flat"
    else:
        tone = "good" if (diff > 0) == (m.direction == "higher") else "bad"
    return Delta(text, tone)


def sign(value: float) -> str:
    """'+', '−' (U+2212, the typographic minus) or '±' for zero."""
    return "+" if value > 0 else ("−" if value < 0 else "±")


Cell = Callable[[Mapping[str, Any]], str]
"""Renders one table cell from a row; returns HTML (already escaped)."""


@dataclass(frozen=True)
class Column:
    """A table column: header text, how to render a row's cell, and whether it is numeric."""

    header: str
    cell: Cell
    numeric: bool = False
    wrap: bool = False
    """Long text (notes, names lists) may wrap; other cells stay on one line."""

    @property
    def css(self) -> str:
        return "num" if self.numeric else ("wrap" if self.wrap else "")


def text_column(header: str, key: str, wrap: bool = False) -> Column:
    """A column showing ``row[key]`` as escaped text."""
    return Column(header, lambda row: esc(row.get(key)), wrap=wrap)


def metric_column(metric_id: str, lang: str, key: str | None = None) -> Column:
    """A column of one metric, headed by its catalogue label, formatted by its unit."""
    from csana.metrics import label

    column = key or metric_id
    return Column(label(metric_id, lang), lambda row: esc(format_metric(metric_id, row.get(column), lang)), numeric=True)


def html_table(rows: pl.DataFrame | Sequence[Mapping[str, Any]], columns: Sequence[Column], css: str = "data") -> str:
    """An HTML table; every cell is produced by its column (which escapes data text)."""
    records = rows.to_dicts() if isinstance(rows, pl.DataFrame) else list(rows)
    head = "".join(f'<th class="{c.css}">{esc(c.header)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="{c.css}">{c.cell(r)}</td>' for c in columns) + "</tr>" for r in records)
    return f'<table class="{esc(css)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
