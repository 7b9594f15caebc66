"""The demo's calendar and clock: the days covered, hourly and weekday profiles, timestamps.

Times are seconds since the calendar's first midnight (shop-local, naive); a day
index ``d`` covers seconds ``d * DAY`` to ``(d + 1) * DAY - 1``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from csana.errors import CsanaError

DAY = 86_400
"""Seconds per day."""

HOUR_WEIGHTS = np.array([1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.5, 3, 5, 7, 7, 5, 5, 6, 6, 6, 5, 5, 6, 8, 9, 7, 4])
"""Relative chat volume per hour of the day (0:00 first): evenings are busiest, nights quiet."""
DAYTIME_WEIGHTS = np.where(np.arange(24) >= 9, HOUR_WEIGHTS, 0.0) * (np.arange(24) <= 21)
"""The same, only from 9:00 to 21:59 (follow-ups, after-sales, spam, silent orders)."""
WEEKDAY_FACTOR = np.array([1.05, 1.0, 1.0, 0.95, 1.0, 1.1, 1.15])
"""Volume multiplier per weekday (Monday first): weekends are busier."""
LAST_MONTH_TRAFFIC = 0.75
"""Volume multiplier of the last complete month (and the days after it) when there are earlier months:
the shop's traffic falls by a quarter, a finding for operations (few consultations is no agent's weakness)."""


@dataclass
class Calendar:
    """The days covered: whole months up to ``end_month`` plus ``tail_days`` of the next."""

    start: dt.date
    days: int
    month_ends: list[int]
    """Index of the first day after each complete month."""

    def date(self, index: np.ndarray) -> np.ndarray:
        """The dates of day indices (numpy datetime64[D])."""
        return np.datetime64(self.start, "D") + index.astype("timedelta64[D]")

    def weekdays(self) -> np.ndarray:
        """Weekday of each day (0 = Monday)."""
        return (np.arange(self.days) + self.start.weekday()) % 7

    def traffic(self) -> np.ndarray:
        """Customer volume of each day relative to a plain weekday: the weekday profile, and the last
        month's fall (:data:`LAST_MONTH_TRAFFIC`) when earlier months exist."""
        factor = WEEKDAY_FACTOR[self.weekdays()]
        if len(self.month_ends) > 1:
            factor = np.where(np.arange(self.days) >= self.month_ends[-2], factor * LAST_MONTH_TRAFFIC, factor)
        return factor


def make_calendar(end_month: str, months: int, tail_days: int) -> Calendar:
    """``months`` whole months ending with ``end_month`` (YYYY-MM), plus ``tail_days`` of the next."""
    try:
        end = dt.datetime.strptime(end_month, "%Y-%m").date()
    except ValueError:
        raise CsanaError(f"end month {end_month!r} is not YYYY-MM", fix="e.g. 2026-10") from None
    firsts = []
    year, month = end.year, end.month
    for _ in range(months):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    start = firsts[-1]
    after = end + dt.timedelta(days=calendar.monthrange(end.year, end.month)[1])
    ends = [(f - start).days for f in reversed(firsts[:-1])] + [(after - start).days]
    return Calendar(start=start, days=ends[-1] + tail_days, month_ends=ends)


def hours(rng: np.random.Generator, size: int, weights: np.ndarray) -> np.ndarray:
    """Seconds into the day, drawn from an hourly profile."""
    hour = rng.choice(24, size=size, p=weights / weights.sum())
    return hour * 3600 + rng.integers(0, 3600, size)


def month_masks(cal: Calendar) -> list[tuple[str, np.ndarray]]:
    """Each complete month's label and its days as a boolean mask."""
    days = np.arange(cal.days)
    bounds = [0, *cal.month_ends]
    labels = [str(cal.date(np.array([b]))[0])[:7] for b in bounds[:-1]]
    return [(label, (days >= lo) & (days < hi)) for label, lo, hi in zip(labels, bounds[:-1], bounds[1:])]


def datetimes(cal: Calendar, seconds: np.ndarray) -> pl.Series:
    """Seconds since the calendar's first midnight → naive datetimes; negative seconds → null."""
    origin = (cal.start - dt.date(1970, 1, 1)).days * DAY
    stamps = pl.Series((seconds.astype(np.int64) + origin) * 1_000_000).cast(pl.Datetime("us"))
    return pl.DataFrame({"ts": stamps, "ok": seconds >= 0}).select(pl.when("ok").then("ts")).to_series()
