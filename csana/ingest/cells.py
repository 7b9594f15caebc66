"""Reading cell values: the one set of parsers for raw logs and platform exports alike.

Every parser is a polars expression over one column, so a cell reads the same way whichever
loader (:mod:`csana.ingest.raw` or :mod:`csana.exports.read`) it goes through. A parser
returns null for a cell it cannot read; the loaders turn a null under a non-empty cell into a
row rule (:mod:`csana.ingest.rules`). The signed parsers (:func:`decimal`, :func:`whole`,
:func:`seconds`) leave the sign to a rule (``negative_value``); the export kinds
(:data:`PARSERS`) are the same parsers restricted to values ≥ 0.

Terms:

*dtype*
    the polars type the column has before parsing: text for CSV and workbook cells, any type
    for Parquet and in-memory frames. Parsers take it so numbers and timestamps that are
    already typed are not round-tripped through text.
*missing mark*
    a cell text meaning "no value" (``-``, ``--``, ``暂无数据``, ``延时统计`` …), see
    :func:`is_mark`.
*two-part clock*
    a duration written ``08:35``: minutes:seconds in a response time, but hours:minutes in an
    online time. :data:`CLOCK_MMSS` names the columns where it means mm:ss; elsewhere it is
    refused (rule ``ambiguous_clock``) instead of silently becoming 515 s.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Collection

import polars as pl

from csana.periods import month_end

DATETIME = pl.Datetime("us")
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
"""One plain number as written (after :func:`clean_text`, lower-cased)."""
COUNT_UNITS = r"(人|个|次|件|条|单)$"
"""Unit words after a count (12人, 3件) that do not change its value."""
MISSING_MARKS = ("", "-", "--", "—", "——", "null", "none", "n/a", "na", "nan")
"""Default missing marks of raw logs (params/columns.yaml ``missing_values`` replaces them)."""
CLOCK_MMSS = frozenset({"first_response_s", "avg_response_s", "p50_response_s", "p90_response_s", "avg_reception_s"})
"""Columns (raw or export field ids) where a two-part clock ``08:35`` is minutes:seconds: response and
reception times per customer, which run seconds to minutes. Everywhere else (online_s, hung_up_s,
reception_total_s …, which run to hours) a two-part clock is refused as ambiguous."""
EXCEL_EPOCH = "1899-12-30"
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y%m%d %H%M%S",
    "%Y%m%d %H%M",
    "%Y%m%d%H%M%S",
    "%Y%m%d",
)
"""Accepted timestamp layouts, after a date written with ``/``, ``.`` or 年月日 is rewritten
with ``-`` and a ``T`` before the time becomes a space (so 2026/10/1 9:00,
2026-10-01T09:00:00 and 2026年10月1日 09:00 all parse). Excel serial day numbers
(46296.375) are accepted too; day-first dates (01/10/2026) are not, being ambiguous."""
USUAL_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f", "%Y%m%d %H%M%S", "%Y-%m-%d", "%Y/%m/%d",
)
"""Layouts tried as a column's usual layout, on the text as written (the fast path of :func:`timestamps`)."""


# -- text, ids and missing marks -------------------------------------------------------------------


def text(expr: pl.Expr, dtype: pl.DataType = pl.String) -> pl.Expr:
    """The value as stripped text; integral floats lose their ".0" (ids read as numbers: 1001.0 → "1001")."""
    if dtype.is_float():
        return pl.when(expr == expr.round()).then(expr.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(expr.cast(pl.String))
    return expr.cast(pl.String).str.strip_chars()


def identifier(expr: pl.Expr, dtype: pl.DataType = pl.String) -> pl.Expr:
    """An id as text: stripped, and "1001.0" (an id Excel or a reader turned into a float) → "1001"."""
    return text(expr, dtype).str.replace(r"^(\d+)\.0+$", "${1}")


def mangled_id(expr: pl.Expr) -> pl.Expr:
    """Whether a text id is one Excel mangled into scientific notation (1.23E+11): the digits are lost."""
    return expr.str.contains(r"^\s*\d(\.\d+)?[eE]\+\d+\s*$")


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Cell text as compared: NFKC (full-width digits, ％, ：, （） → half-width), trimmed,
    Excel's text wrappers (="…", leading ') removed; empty → null."""
    t = (
        expr.cast(pl.String).str.normalize("NFKC").str.strip_chars()
        .str.replace(r'^="(.*)"$', "$1").str.replace(r"^'", "").str.strip_chars()
    )
    return pl.when(t != "").then(t)


def fold_marks(marks: Collection[str]) -> list[str]:
    """Missing marks as :func:`is_mark` compares them: NFKC, trimmed, lower case."""
    return [unicodedata.normalize("NFKC", m).strip().lower() for m in marks]


def is_mark(cell_text: pl.Expr, marks: Collection[str]) -> pl.Expr:
    """Whether cleaned cell text (see :func:`clean_text`) is one of ``marks`` (folded by :func:`fold_marks`):
    ``-``, ``--``, ``暂无数据``, ``延时统计`` (the platform has not finished counting) …"""
    return cell_text.str.to_lowercase().is_in(fold_marks(marks))


def is_missing(expr: pl.Expr, dtype: pl.DataType, marks: Collection[str], free_text: bool = False) -> pl.Expr:
    """Whether a raw-log cell holds no value: null, blank, NaN, or (outside ``free_text`` columns,
    where "-" or "无" is content) one of the missing ``marks``."""
    if dtype == pl.String:
        stripped = expr.str.strip_chars()
        if free_text:
            return expr.is_null() | (stripped == "")
        return expr.is_null() | stripped.str.to_lowercase().is_in([m.strip().lower() for m in marks])
    if dtype.is_float():
        return expr.is_null() | expr.is_nan()
    return expr.is_null()


# -- numbers ---------------------------------------------------------------------------------------


def _plain(t: pl.Expr) -> pl.Expr:
    """A whole cell that is one plain number (lower-cased clean text), else null."""
    return pl.when(t.str.contains(f"^{NUMBER}$")).then(t.cast(pl.Float64, strict=False))


def _finite(value: pl.Expr) -> pl.Expr:
    return pl.when(value.is_finite()).then(value)  # "inf", "1e309": not a number anyone paid


def decimal(expr: pl.Expr, dtype: pl.DataType = pl.String, scale: float = 1.0) -> pl.Expr:
    """A signed finite number: typed numbers as they are; text such as ``1299``, ``-12.5``, ``1,299.00``,
    ``¥1,299``, ``￥1,299``, ``1299元``, ``RMB 12``, ``1.2万`` (× 10,000), full-width digits, ``="300"``.
    ``scale`` multiplies plain numbers (a header in 万元: 10,000), not those naming their unit (1.2万)."""
    if dtype.is_numeric():
        return _finite(expr.cast(pl.Float64) * scale)
    t = clean_text(expr).str.to_lowercase().str.replace_all(r"[,¥$\s]|rmb|cny|元", "")
    wan = t.str.ends_with("万")
    value = _plain(t.str.strip_chars_end("万"))
    return _finite(pl.when(wan).then(value * 10_000).otherwise(value * scale))


def whole(expr: pl.Expr, dtype: pl.DataType = pl.String, scale: float = 1.0) -> pl.Expr:
    """A signed whole number (Int64): ``12``, ``12.0``, ``1,234``, ``12人``, ``3件``; 12.5 and numbers
    beyond Int64 (1E20) are not whole numbers."""
    if dtype.is_integer() and scale == 1:
        return expr.cast(pl.Int64, strict=False)  # exact, no float round trip; beyond Int64 (UInt64) → null
    if dtype.is_numeric():
        value = _finite(expr.cast(pl.Float64) * scale)
    else:
        value = _finite(_plain(clean_text(expr).str.to_lowercase().str.replace_all(",", "").str.replace(COUNT_UNITS, "")) * scale)
    ok = (value == value.round(0)) & (value.abs() < 2.0**63)
    return pl.when(ok).then(value.round(0)).cast(pl.Int64, strict=False)


def ratio(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """A plain ratio such as 答问比: ``1.35``, ``1,234``; ``135%`` → 1.35 (percent ignores ``scale``)."""
    t = clean_text(expr).str.replace_all(",", "")
    pct = t.str.ends_with("%")
    value = _plain(t.str.strip_chars_end("%").str.to_lowercase())
    return _finite(pl.when(pct).then(value / 100).otherwise(value * scale))


def rate(expr: pl.Expr) -> pl.Expr:
    """A rate as a fraction: ``99.71%`` → 0.9971; plain numbers are percent when any plain number of the
    column is above 1 (``99.71`` → 0.9971), else fractions (``0.9971``). Evaluate over a whole column."""
    t = clean_text(expr).str.replace_all(",", "")
    pct = t.str.ends_with("%")
    value = _plain(t.str.strip_chars_end("%").str.to_lowercase())
    in_percent = pct | (value.filter(~pct.fill_null(False)).max() > 1).fill_null(False)
    return _finite(pl.when(in_percent).then(value / 100).otherwise(value))


def non_negative(value: pl.Expr) -> pl.Expr:
    """The value where it is ≥ 0, else null (export counts, amounts and rates are never negative)."""
    return pl.when(value >= 0).then(value)


# -- durations -------------------------------------------------------------------------------------

_CLOCK3 = r"^(?P<h>\d+):(?P<m>[0-5]?\d):(?P<s>[0-5]?\d(?:\.\d+)?)$"
_CLOCK2 = r"^(?P<m>\d+):(?P<s>[0-5]\d(?:\.\d+)?)$"
_WORDS = (r"^(?:(?P<h>\d+(?:\.\d+)?)(?:小时|时|h))?(?:(?P<m>\d+(?:\.\d+)?)(?:分钟|分|min|m))?"
          r"(?:(?P<s>\d+(?:\.\d+)?)(?:秒钟|秒|s))?$")
_EXCEL_TIME = r"^(?:1899-12-3[01]|1900-01-(?P<d>\d{2}))t?"
"""How a workbook reader writes an Excel time cell as text: 00:08:35 → "1899-12-31 00:08:35"; a
[h]:mm:ss cell of 30 hours → "1900-01-01 06:00:00" (day 1 of the 1900 date system)."""


def _hms(parts: pl.Expr, keys: tuple[str, ...]) -> pl.Expr:
    factor = {"d": 86_400, "h": 3600, "m": 60, "s": 1}
    return sum((parts.struct.field(k).cast(pl.Float64).fill_null(0) * factor[k] for k in keys), start=pl.lit(0.0))


def _duration_text(expr: pl.Expr) -> pl.Expr:
    return clean_text(expr).str.to_lowercase().str.replace_all(r"\s+", "")


def two_part_clock(expr: pl.Expr) -> pl.Expr:
    """Whether a text cell is a two-part clock such as ``08:35`` (mm:ss or hh:mm? see :data:`CLOCK_MMSS`)."""
    return _duration_text(expr).str.contains(_CLOCK2)


def seconds(expr: pl.Expr, dtype: pl.DataType = pl.String, scale: float = 1.0, mm_ss: bool = False) -> pl.Expr:
    """A signed duration in seconds: plain seconds (``515``, × ``scale`` for a header in minutes or hours),
    ``H:MM:SS`` (``0:08:35``), words (``9秒``, ``2分30秒``, ``7小时41分52秒``, ``1小时2分``, ``8m35s``,
    ``2.5分钟``) and Excel time cells (``1899-12-31 00:08:35``, ``1900-01-01 06:00:00`` = 30 h).
    A two-part clock ``08:35`` is minutes:seconds when ``mm_ss`` (response times), else null."""
    if dtype.is_numeric():
        return _finite(expr.cast(pl.Float64) * scale)
    t = _duration_text(expr)
    excel = t.str.extract_groups(_EXCEL_TIME + r"(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2}(?:\.\d+)?)$")
    clock = t.str.extract_groups(_CLOCK3)
    short = t.str.extract_groups(_CLOCK2)
    words = t.str.extract_groups(_WORDS)
    has_words = pl.any_horizontal([words.struct.field(k).is_not_null() for k in ("h", "m", "s")])
    value = (
        pl.when(excel.struct.field("h").is_not_null()).then(_hms(excel, ("d", "h", "m", "s")))
        .when(clock.struct.field("m").is_not_null()).then(_hms(clock, ("h", "m", "s")))
        .when(short.struct.field("m").is_not_null()).then(_hms(short, ("m", "s")) if mm_ss else pl.lit(None, pl.Float64))
        .when(has_words).then(_hms(words, ("h", "m", "s")))
        .otherwise(_plain(t.str.replace_all(",", "")) * scale)
    )
    return _finite(value)


# -- timestamps and dates --------------------------------------------------------------------------


def excel_serial(days: pl.Expr) -> pl.Expr:
    """Excel's day number (1900 date system) → datetime, rounded to the millisecond; only 1954 … 2119."""
    valid = (days > 20_000) & (days < 80_000)  # anything else is not a date
    ms = (days * 86_400_000).round().cast(pl.Int64)
    stamp = pl.lit(EXCEL_EPOCH).str.to_datetime("%Y-%m-%d", time_unit="us") + pl.duration(milliseconds=ms)
    return pl.when(valid).then(stamp)


EPOCH_SECONDS = (946_684_800, 4_102_444_800)
"""Epoch seconds accepted as timestamps: 2000-01-01 … 2100-01-01 (milliseconds: the same × 1000)."""
_OFFSET = r"^(?P<local>.*\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<offset>[zZ]|[+-]\d{2}(?::?\d{2})?)$"
"""A timestamp with a UTC offset: 2026-10-05T10:00:00+08:00, 2026-10-05 02:00:00Z, … +0800, … +08."""


def _shop_local(utc: pl.Expr, timezone: str) -> pl.Expr:
    """A naive UTC datetime as the shop's wall clock in ``timezone``."""
    return utc.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.replace_time_zone(None).cast(DATETIME)


def _epoch(number: pl.Expr, timezone: str) -> pl.Expr:
    """Epoch seconds or milliseconds (told by size, see :data:`EPOCH_SECONDS`) as shop-local time; else null."""
    low, high = EPOCH_SECONDS
    ms = (pl.when(number.is_between(low, high, closed="left")).then(number * 1000)
          .when(number.is_between(low * 1000, high * 1000, closed="left")).then(number))
    return _shop_local(pl.from_epoch(ms.round().cast(pl.Int64), time_unit="ms"), timezone)


def timestamp(expr: pl.Expr, dtype: pl.DataType, timezone: str = "Asia/Shanghai") -> pl.Expr:
    """A datetime (µs, the shop's wall clock in ``timezone``) from: any layout of :data:`DATETIME_FORMATS`
    (taken as shop-local), the same with a UTC offset (``2026-10-05T10:00:00+08:00``, ``…Z``, ``… +0800``:
    converted), an Excel serial day (46296.375), epoch seconds or milliseconds of 2000–2100
    (``1791165600``, ``1791165600000``: converted), a typed date, or a typed datetime (one with a time
    zone is converted)."""
    if isinstance(dtype, pl.Datetime):
        local = expr.dt.convert_time_zone(timezone).dt.replace_time_zone(None) if dtype.time_zone else expr
        return local.cast(DATETIME)
    if dtype == pl.Date:
        return expr.cast(DATETIME)
    if dtype.is_numeric():
        number = expr.cast(pl.Float64)
        return pl.coalesce(excel_serial(number), _epoch(number, timezone))
    t = (expr.str.strip_chars()
         .str.replace(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T\s]+|$)", "${1}-${2}-${3} ")
         .str.strip_chars())
    parts = t.str.extract_groups(_OFFSET)
    offset = parts.struct.field("offset").str.to_lowercase().str.extract_groups(r"^(?P<sign>[+-])(?P<h>\d{2}):?(?P<m>\d{2})?$")
    minutes = (pl.when(parts.struct.field("offset").str.to_lowercase() == "z").then(0)
               .otherwise((offset.struct.field("h").cast(pl.Int64) * 60 + offset.struct.field("m").cast(pl.Int64).fill_null(0))
                          * pl.when(offset.struct.field("sign") == "-").then(-1).otherwise(1)))
    local = pl.coalesce(parts.struct.field("local"), t)
    wall = pl.coalesce([local.str.strptime(DATETIME, f, strict=False) for f in DATETIME_FORMATS])
    with_offset = _shop_local(wall - pl.duration(minutes=minutes), timezone)
    number = t.cast(pl.Float64, strict=False)
    serial = pl.when(t.str.contains(r"^\d{5}(\.\d+)?$")).then(excel_serial(number))
    epoch = pl.when(t.str.contains(r"^(\d{10}(\.\d+)?|\d{13})$")).then(_epoch(number, timezone))
    return pl.coalesce(pl.when(minutes.is_not_null()).then(with_offset).otherwise(wall), serial, epoch)


_FOUND = (
    (r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", "a day-first or month-first date, which is ambiguous", "日在前还是月在前的日期，无法确定"),
    (r"^\d{1,2}\s*月\s*\d{1,2}|^\d{1,2}[-/]\d{1,2}(\s|$)", "a month and day without a year", "只有月和日，没有年份"),
    (r"^\d{1,2}:\d{2}(:\d{2})?$", "a time of day without a date", "只有时刻，没有日期"),
    (r"(?i)\b(am|pm)\b|上午|下午", "a 12-hour clock (AM/PM)", "12 小时制（上午/下午）"),
    (r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}", "a date that is not in the calendar", "日历上不存在的日期"),
    (r"^[+-]?\d+(\.\d+)?$", "a number that is neither an Excel date (20000–80000) nor epoch time of 2000–2100",
     "一个数字，既不是 Excel 日期（20000–80000），也不是 2000–2100 年的时间戳"),
)


def timestamp_found(value: str | None, lang: str = "en") -> str | None:
    """What an unreadable timestamp looks like, for messages: "a day-first … date", "a month and day
    without a year" … (in ``lang``); None when it looks like nothing in particular."""
    if value is None:
        return None
    return next((zh if lang == "zh" else en for pattern, en, zh in _FOUND if re.search(pattern, value.strip())), None)


def usual_layout(values: pl.Series, sample: int = 1000) -> str | None:
    """The layout (of :data:`USUAL_FORMATS`) that parses most of the first ``sample`` text values."""
    if values.dtype != pl.String:
        return None
    head = values.drop_nulls().head(sample).str.strip_chars()
    if head.len() == 0:
        return None
    hits = {f: head.str.strptime(DATETIME, f, strict=False).is_not_null().sum() for f in USUAL_FORMATS}
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] else None


def timestamps(values: pl.Series, timezone: str = "Asia/Shanghai") -> pl.Series:
    """A text column of timestamps parsed in two passes: the column's usual layout over every row, then
    :func:`timestamp` over the rows it missed (few, usually), so a million-row log stays fast.

    Both passes read the text stripped of white space; the first reads it as written, which gives the
    same timestamp wherever it gives one, and strips only the cells it missed."""
    usual = usual_layout(values)
    fast = values.str.strptime(DATETIME, usual, strict=False) if usual else pl.repeat(None, values.len(), dtype=DATETIME, eager=True)
    missed = (fast.is_null() & values.is_not_null()).arg_true()
    if missed.len():
        raw = values.gather(missed).str.strip_chars()
        again = raw.str.strptime(DATETIME, usual, strict=False) if usual else pl.repeat(None, raw.len(), dtype=DATETIME, eager=True)
        slow = (again.is_null() & raw.is_not_null()).arg_true()
        if slow.len():
            again = again.scatter(slow, raw.gather(slow).to_frame("t").select(timestamp(pl.col("t"), pl.String, timezone)).to_series())
        fast = fast.scatter(missed, again)
    return fast.alias(values.name)


_DAY = r"(?P<y{i}>\d{{4}})\s*[-/.年]?\s*(?P<m{i}>\d{{1,2}})\s*[-/.月]?\s*(?P<d{i}>\d{{1,2}})\s*日?(?:[ t]\d{{1,2}}:\d{{2}}(?::\d{{2}}(?:\.\d+)?)?)?"
_RANGE_SEP = r"\s*(?:~|至|到|—|–|-|_|to)+\s*"
_PERIOD = rf"^{_DAY.format(i=1)}(?:{_RANGE_SEP}{_DAY.format(i=2)})?$"


def _ymd(parts: pl.Expr, i: int) -> pl.Expr:
    f = parts.struct.field
    t = pl.concat_str([f(f"y{i}"), pl.lit("-"), f(f"m{i}").str.zfill(2), pl.lit("-"), f(f"d{i}").str.zfill(2)])
    return t.str.to_date("%Y-%m-%d", strict=False)


def period(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """(start, end) dates of a cell: a day (2024-10-01, 2024/10/1, 20241001, 2024年10月1日, with or
    without a time) or a range ("2024-10-01~2024-10-31", "… 至 …"); null when not a valid date."""
    t = clean_text(expr).str.to_lowercase().str.replace_all(r"\s+", " ")
    parts = t.str.extract_groups(_PERIOD)
    start, end = _ymd(parts, 1), _ymd(parts, 2)
    end = pl.when(parts.struct.field("y2").is_null()).then(start).otherwise(end)
    ok = start.is_not_null() & end.is_not_null() & (end >= start)
    return pl.when(ok).then(start), pl.when(ok).then(end)


_NAME_DATE = r"(?<!\d)(\d{4})\s*[-/._年]?\s*(\d{1,2})\s*[-/._月]?\s*(\d{1,2})\s*日?(?!\d)"
_NAME_RANGE = re.compile(_NAME_DATE + r"\s*(?:~|至|到|—|–|-|_|to)+\s*" + _NAME_DATE)
_NAME_DAY = re.compile(_NAME_DATE)
_NAME_MONTH = re.compile(r"(?<!\d)(\d{4})\s*[-/._年]\s*(\d{1,2})\s*月?(?!\d)")


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def period_in_text(words: str) -> tuple[dt.date, dt.date] | None:
    """The date range a file name or title names: a range, else one day, else one month."""
    t = unicodedata.normalize("NFKC", words)
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


# -- booleans, months, senders ---------------------------------------------------------------------

TRUTH = {"true": True, "1": True, "yes": True, "y": True, "t": True, "是": True, "√": True,
         "false": False, "0": False, "no": False, "n": False, "f": False, "否": False, "×": False}


def boolean(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """True/false from booleans, 1/0, and text: 是/否, true/false, yes/no, y/n, √/×."""
    if dtype == pl.Boolean:
        return expr
    if dtype.is_numeric():
        return pl.when(expr == 1).then(True).when(expr == 0).then(False)
    return expr.str.strip_chars().str.to_lowercase().replace_strict(TRUTH, default=None, return_dtype=pl.Boolean)


def month(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """"YYYY-MM" from 2026-10, 2026/10, 202610, 2026年10月, 2026-10-01 or a date."""
    if dtype.is_temporal():
        return expr.dt.strftime("%Y-%m")
    parts = text(expr, dtype).str.extract_groups(r"^(\d{4})[-/.年]?(\d{1,2})(?:$|[-/.月日\s])")
    year, number = parts.struct.field("1"), parts.struct.field("2").cast(pl.Int64, strict=False)
    return pl.when(number.is_between(1, 12)).then(pl.format("{}-{}", year, number.cast(pl.String).str.zfill(2)))


def sender(expr: pl.Expr, dtype: pl.DataType, spellings: dict[str, str]) -> pl.Expr:
    """customer/agent/auto from lower-cased spellings (params/columns.yaml ``senders``); else null."""
    return text(expr, dtype).str.to_lowercase().replace_strict(spellings, default=None)


# -- export kinds: the parsers above, values ≥ 0 ---------------------------------------------------


def parse_number(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """Export kind ``number``: a plain ratio ≥ 0 (see :func:`ratio`)."""
    return non_negative(ratio(expr, scale))


def parse_count(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """Export kind ``count``: a whole number ≥ 0 (see :func:`whole`)."""
    return non_negative(whole(expr, pl.String, scale))


def parse_money(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """Export kind ``money``: an amount in yuan ≥ 0 (see :func:`decimal`)."""
    return non_negative(decimal(expr, pl.String, scale))


def parse_rate(expr: pl.Expr, scale: float = 1.0) -> pl.Expr:
    """Export kind ``rate``: a fraction ≥ 0 (see :func:`rate`; ``scale`` does not apply to rates)."""
    return non_negative(rate(expr))


def parse_duration_s(expr: pl.Expr, scale: float = 1.0, mm_ss: bool = True) -> pl.Expr:
    """Export kind ``duration``: seconds ≥ 0 (see :func:`seconds`); the export reader passes ``mm_ss``
    per field (:data:`CLOCK_MMSS`)."""
    return non_negative(seconds(expr, pl.String, scale, mm_ss))


PARSERS: dict[str, Callable[..., pl.Expr]] = {
    "count": parse_count, "money": parse_money, "rate": parse_rate, "number": parse_number, "duration": parse_duration_s,
}
"""The parser of each numeric export kind (see params/sources/chitu.yaml)."""
