"""How numbers read on screen and paper: metric values by unit, month-on-month deltas, missing values.

One formatter per unit of :mod:`csana.catalogue`, so a number reads the same in the CLI's
tables, the diagnosis printout, the report's summary, leaderboard and scorecards and the
PDF (tests compare the PDF's text with ``format_metric(agent_metrics(...))``): 43.2%,
¥1,234.50, 23.4 秒, 1,680. Missing values, NaN, infinities and ratios with a zero
denominator show as :data:`DASH`. Widgets' narrow cells use :func:`short_value`
(45.7%, 12.3s, 1,234.5).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from csana.catalogue import CATALOGUE
from csana.i18n import pick

DASH = "—"
Tone = Literal["good", "bad", "flat"]
_MONEY = ("yuan", "yuan/hour")
_SUFFIX = {"seconds": (" 秒", " s"), "hours": (" 小时", " h"), "yuan/hour": ("/小时", "/h"), "people/hour": (" 人/小时", "/h")}
_POINTS = ("个百分点", "pp")


def missing(value: Any) -> bool:
    """None, NaN or ±infinity: a value that cannot be shown as a number."""
    return value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value)))


def format_value(value: Any, unit: str | None, lang: str = "zh") -> str:
    """``value`` in ``unit`` (a :data:`csana.catalogue.Unit`): 43.2%, ¥1,234.50, ¥88.00/小时, 23.4 秒, 1,234, 1.46.

    Money and scores keep two decimals, durations one; counts are whole numbers unless
    the value has a fraction (units per buyer).
    """
    if missing(value):
        return DASH
    if unit == "ratio":
        return f"{value:.1%}"
    if unit in ("seconds", "hours"):
        number = f"{value:,.1f}"
    elif unit in (*_MONEY, "score") or (isinstance(value, float) and not value.is_integer()):
        number = f"{value:,.2f}"
    else:
        number = f"{int(value):,}"
    suffix = pick(_SUFFIX[unit], lang) if unit in _SUFFIX else ""
    return ("¥" if unit in _MONEY else "") + number + suffix


def format_metric(metric_id: str, value: Any, lang: str = "zh") -> str:
    """A metric's value formatted by its catalogue unit (unknown ids: plain number)."""
    found = CATALOGUE.get(metric_id)
    return format_value(value, found.unit if found else "units", lang)


def signed_value(value: Any, unit: str | None, lang: str = "zh") -> str:
    """A difference with its sign in front of the unit: +58.9 秒, −¥1,200.00, −3.4%, ±0 (see :func:`sign`)."""
    if missing(value):
        return DASH
    return sign(value) + format_value(abs(value), unit, lang)


def points(value: Any, lang: str = "zh") -> str:
    """A difference of two rates in percentage points: −6.3 个百分点 / −6.3 pp (never '%', which reads as relative)."""
    if missing(value):
        return DASH
    return f"{sign(value)}{abs(value) * 100:.1f} {pick(_POINTS, lang)}"


def difference_text(value: Any, unit: str | None, lang: str = "zh") -> str:
    """A signed difference in its unit: percentage points for rates, else :func:`signed_value`."""
    return points(value, lang) if unit == "ratio" else signed_value(value, unit, lang)


def plain_number(value: float) -> str:
    """At most two decimals, trailing zeros dropped: 1,234.5, 3, 0.25."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def short_value(value: Any, unit: str | None) -> str:
    """A value for a narrow widget cell: ratios as percent, seconds with 's', anything else a plain number."""
    if missing(value):
        return DASH
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "seconds":
        return f"{value:,.1f}s"
    return plain_number(value)


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
        text = points(diff, lang)
    else:
        text = signed_value(diff, m.unit, lang)
        if before:
            change = diff / abs(before)
            text += f" ({sign(change)}{abs(change):.1%})"
    if diff == 0 or m.direction == "neutral":
        tone: Tone = "flat"
    else:
        tone = "good" if (diff > 0) == (m.direction == "higher") else "bad"
    return Delta(text, tone)


def sign(value: float) -> str:
    """'+', '−' (U+2212, the typographic minus) or '±' for zero."""
    return "+" if value > 0 else ("−" if value < 0 else "±")
