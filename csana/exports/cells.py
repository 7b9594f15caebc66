"""Cell values of platform exports as polars expressions: counts, money, rates, durations, dates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

import polars as pl

from csana.periods import month_end

REASONS: dict[str, str] = {
    "count": "not a whole number ≥ 0",
    "money": "not an amount of money ≥ 0 (e.g. ￥1,234.56)",
    "rate": "not a rate ≥ 0 (e.g. 45.2%, 45.20 or 0.452)",
    "number": "not a number ≥ 0",
    "duration": "not a duration (e.g. 515, 8分35秒 or 00:08:35)",
    "date": "not a date (e.g. 2024-10-01, or 2024-10-01~2024-10-31)",
}


NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Cell text as compared: NFKC (full-width digits, ％, ：, （） → half-width), trimmed,
    Excel's text wrappers (="…", leading ') removed; empty → null."""
    t = (
        expr.cast(pl.String).str.normalize("NFKC").str.strip_chars()
        .str.replace(r'^="(.*)"$', "$1").str.replace(r"^'", "").str.strip_chars()
    )
    return pl.when(t != "").then(t)


def _number(text: pl.Expr) -> pl.Expr:
    """A whole cell that is one plain number (after cleaning), else null."""
    t = text.str.to_lowercase()
    return pl.when(t.str.contains(f"^{NUMBER}$")).then(t.cast(pl.Float64, strict=False))


def _non_negative(value: pl.Expr) -> pl.Expr:
    return pl.when(value >= 0).then(value)


def parse_number(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """A plain ratio such as 答问比 ("1.35", "1,234"; "135%" → 1.35)."""
    t = clean_text(expr).str.replace_all(",", "")
    pct = t.str.ends_with("%")
    value = _number(t.str.strip_chars_end("%"))
    return _non_negative(pl.when(pct).then(value / 100).otherwise(value * scale))


def parse_count(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """A whole number ≥ 0 ("1,234", "12.0", "12人"); anything else → null."""
    t = clean_text(expr).str.replace_all(",", "").str.replace(r"(人|个|次|件|条|单)$", "")
    value = _number(t) * scale
    whole = (value >= 0) & (value == value.round(0)) & (value < 2.0**63)  # "1E20" does not fit: not a count
    return pl.when(whole).then(value.round(0)).cast(pl.Int64)


def parse_money(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """An amount in yuan: "￥1,234.56", "¥1234.56", "1234.56元", "1.2万" (× 10,000)."""
    t = clean_text(expr).str.to_lowercase().str.replace_all(r"[,¥$\s]|rmb|cny|元", "")
    wan = t.str.ends_with("万")
    value = _number(t.str.strip_chars_end("万"))
    return _non_negative(pl.when(wan).then(value * 10_000).otherwise(value * scale))


def parse_rate(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """A rate as a fraction: "45.2%" → 0.452; plain numbers are percent when any plain number of the
    column is above 1 ("45.20" → 0.452), else fractions (0.452). Evaluate over a whole column."""
    t = clean_text(expr).str.replace_all(",", "")
    pct = t.str.ends_with("%")
    value = _number(t.str.strip_chars_end("%"))
    in_percent = pct | (value.filter(~pct.fill_null(False)).max() > 1).fill_null(False)
    return _non_negative(pl.when(in_percent).then(value / 100).otherwise(value))


_HMS_CLOCK = r"^(?:(?P<h>\d+):)?(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)$"


_HMS_WORDS = (r"^(?:(?P<h>\d+(?:\.\d+)?)(?:小时|时|h))?(?:(?P<m>\d+(?:\.\d+)?)(?:分钟|分|min|m))?"
              r"(?:(?P<s>\d+(?:\.\d+)?)(?:秒钟|秒|s))?$")


def _hms(parts: pl.Expr) -> pl.Expr:
    return sum(
        (parts.struct.field(k).cast(pl.Float64).fill_null(0) * f for k, f in (("h", 3600), ("m", 60), ("s", 1))),
        start=pl.lit(0.0),
    )


def parse_duration_s(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """Seconds from 515, "8分35秒", "1小时2分", "8m35s", "00:08:35" or "08:35" (mm:ss), and Excel
    time cells (read as "1899-12-31 00:08:35"). Plain numbers are multiplied by ``scale``."""
    t = clean_text(expr).str.to_lowercase().str.replace_all(r"\s+", "").str.replace(r"^1899-12-3[01]t?", "")
    clock = t.str.extract_groups(_HMS_CLOCK)
    words = t.str.extract_groups(_HMS_WORDS)
    has_words = pl.any_horizontal([words.struct.field(k).is_not_null() for k in ("h", "m", "s")])
    return _non_negative(
        pl.when(clock.struct.field("m").is_not_null()).then(_hms(clock))
        .when(has_words).then(_hms(words))
        .otherwise(_number(t) * scale)
    )


def _date_pattern(i: int) -> str:
    return (rf"(?P<y{i}>\d{{4}})\s*[-/.年]?\s*(?P<m{i}>\d{{1,2}})\s*[-/.月]?\s*(?P<d{i}>\d{{1,2}})\s*日?"
            rf"(?:[ t]\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?)?")


_RANGE_SEP = r"\s*(?:~|至|到|—|–|-|_|to)+\s*"


_PERIOD = rf"^{_date_pattern(1)}(?:{_RANGE_SEP}{_date_pattern(2)})?$"


def _ymd(parts: pl.Expr, i: int) -> pl.Expr:
    f = parts.struct.field
    text = pl.concat_str([f(f"y{i}"), pl.lit("-"), f(f"m{i}").str.zfill(2), pl.lit("-"), f(f"d{i}").str.zfill(2)])
    return text.str.to_date("%Y-%m-%d", strict=False)


def parse_period(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(start, end) dates of a cell: a day (2024-10-01, 2024/10/1, 20241001, 2024年10月1日, with or
    without a time) or a range ("2024-10-01~2024-10-31", "… 至 …"); null when not a valid date."""
    t = clean_text(expr).str.to_lowercase().str.replace_all(r"\s+", " ")
    parts = t.str.extract_groups(_PERIOD)
    start, end = _ymd(parts, 1), _ymd(parts, 2)
    end = pl.when(parts.struct.field("y2").is_null()).then(start).otherwise(end)
    ok = start.is_not_null() & end.is_not_null() & (end >= start)
    return pl.when(ok).then(start), pl.when(ok).then(end)


PARSERS: dict[str, Callable[[pl.Expr, float], pl.Expr]] = {
    "count": parse_count, "money": parse_money, "rate": parse_rate, "number": parse_number, "duration": parse_duration_s,
}


_NAME_DATE = r"(?<!\d)(\d{4})\s*[-/._年]?\s*(\d{1,2})\s*[-/._月]?\s*(\d{1,2})\s*日?(?!\d)"


_NAME_RANGE = re.compile(_NAME_DATE + r"\s*(?:~|至|到|—|–|-|_|to)+\s*" + _NAME_DATE)


_NAME_DAY = re.compile(_NAME_DATE)


_NAME_MONTH = re.compile(r"(?<!\d)(\d{4})\s*[-/._年]\s*(\d{1,2})\s*月?(?!\d)")


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def period_in_text(text: str) -> tuple[dt.date, dt.date] | None:
    """The date range a file name or title names: a range, else one day, else one month."""
    t = unicodedata.normalize("NFKC", text)
    for match in _NAME_RANGE.finditer(t):
        start, end = _date(*match.groups()[:3]), _date(*match.groups()[3:])
        if start and end and start <= end:
            return start, end
    for match in _NAME_DAY.finditer(t):
        if day := _date(*match.groups()):
            return day, day
    for match in _NAME_MONTH.finditer(t):
        if first := _date(match[1], match[2], "1"):
            return first, month_end(first)
    return None
