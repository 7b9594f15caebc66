"""Calendar months and days as periods: the one implementation of month arithmetic.

A *period* is what a metric is measured over: a calendar month of shop-local time
(label ``YYYY-MM``) or one day of it. A :class:`Window` is the half-open range of days
``[start, end)`` being measured and how it is cut into periods. Loaders (file names
naming a month), the facts layer, the engine, reports and widgets all take months
from here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

import polars as pl

from csana.errors import CsanaError

Period = Literal["month", "day"]
LAST_YEAR = 9998
"""Months up to December of this year can be measured (delayed metrics look 60 days past them)."""


@dataclass(frozen=True)
class Window:
    """The days [start, end) being measured and how they are grouped into periods."""

    start: dt.date
    end: dt.date
    by: Period
    label: str

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def period(self, day: pl.Expr) -> pl.Expr:
        """The period key of an event on ``day``: the month label or the day itself."""
        return pl.lit(self.label) if self.by == "month" else day

    def contains(self, day: pl.Expr) -> pl.Expr:
        return (day >= self.start) & (day < self.end)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s calendar month."""
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def month_of(day: dt.date) -> str:
    """The ``YYYY-MM`` label of ``day``'s month."""
    return day.strftime("%Y-%m")


def month_window(month: str, by: Period = "month") -> Window:
    """The window of calendar month ``YYYY-MM``."""
    if not isinstance(month, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise CsanaError(f"month {month!r} is not of the form YYYY-MM", fix="e.g. --month 2026-10")
    year, mon = int(month[:4]), int(month[5:])
    if year > LAST_YEAR:
        raise CsanaError(f"month {month} is beyond {LAST_YEAR}-12 (a placeholder date such as 9999-12-31?)",
                         fix="choose a real month; set such rows aside in the data")
    start = dt.date(year, mon, 1)
    return Window(start, month_end(start) + dt.timedelta(days=1), by, month)


def previous_month(month: str) -> str:
    """The calendar month before ``YYYY-MM``."""
    return month_of(month_window(month).start - dt.timedelta(days=1))


def months_between(first: dt.date, last: dt.date) -> list[str]:
    """Every month label from ``first``'s month to ``last``'s, in order."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(month_of(day))
        day = month_end(day) + dt.timedelta(days=1)
    return months


def latest_complete(months: list[str], data_end: dt.date) -> str:
    """The latest of ``months`` that ``data_end`` covers to its last day, else the latest of them."""
    measurable = [m for m in months if int(m[:4]) <= LAST_YEAR]
    if not measurable:
        raise CsanaError("the data holds no measurable month", fix="check the timestamps")
    complete = [m for m in measurable if month_window(m).last_day <= data_end]
    return (complete or measurable)[-1]
