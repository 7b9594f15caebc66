"""Platform exports (spec 1 §1b): per-agent performance tables of 赤兔, 千牛 … → the metric table.

Most shops only have the per-agent reports their CS tools export, not chat logs.
This module reads them into a :class:`~csana.ingest.dataset.Dataset` of kind ``"export"``
and aggregates them into the same per-agent table as the raw path, so scoring,
diagnostics, notebooks and reports work on either.

Terms:

*flavour* (source)
    one export format, described by a mapping file ``params/sources/<name>.yaml``
    (:class:`SourceMapping`): which header spellings mean which canonical field,
    how each is parsed, which rows are totals or peer benchmarks.
*row period*
    the days one export row covers: one day in daily reports, or a range
    (``period_start`` … ``period_end``, both included).
*customer-days*
    a people count summed over daily rows: a customer served on three days
    counts three times. Daily exports cannot give distinct customers per month.

Flow: read each file's cells as text → find the header row below any title rows →
pick the flavour (from the headers, unless given) → parse every cell with polars
expressions (:func:`parse_count`, :func:`parse_money`, :func:`parse_rate`,
:func:`parse_duration_s` …) → set aside totals, benchmarks and bad rows →
complete each row exactly (counts from rate × base, 回复人数 from 接待 − 未回复) →
:func:`aggregate_export` sums the parts per agent and month and recomputes every
ratio from them, never averaging ratios or daily means.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import Field, PrivateAttr

from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.errors import CsanaError
from csana.ingest.dataset import FILES_SCHEMA, REJECTED_SCHEMA, Dataset
from csana.ingest.files import (
    EXCEL_SUFFIXES,
    TEXT_SUFFIXES,
    Cells,
    Grid,
    data_files,
    header_row,
    read_text,
    read_workbook,
)
from csana.metrics.catalogue import CATALOGUE, METRICS, PUBLIC_IDS, Metric
from csana.periods import month_end, month_window

SOURCES_DIR = PARAMS_DIR / "sources"
HEADER_SEARCH_ROWS = 30
TABLE = "agent_period"

Kind = Literal["agent", "date", "text", "count", "money", "rate", "number", "duration"]
IDENTITY_KINDS: dict[str, Kind] = {"agent": "agent", "date": "date", "team": "text"}
KINDS_BY_UNIT: dict[str, tuple[str, ...]] = {
    "people": ("count",), "orders": ("count",), "messages": ("count",), "units": ("count",),
    "yuan": ("money",), "ratio": ("rate", "number"), "seconds": ("duration",),
    "hours": ("number",), "score": ("number",), "yuan/hour": ("money", "number"),
}
COUNT_UNITS = ("people", "orders", "messages", "units")
NUMERIC_KINDS = ("count", "money", "rate", "number", "duration")
COMPONENT_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if not m.public)
OUTPUT_IDS: tuple[str, ...] = (*PUBLIC_IDS, *COMPONENT_IDS)
PEOPLE_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if m.unit == "people")
WEIGHT_FIELDS = ("first_response_count", "response_count", "reception_total_s")
"""Weights of the time averages that platform exports usually lack (csana's own export writes them)."""
TIME_WEIGHT_BASES = ("replied_customers", "received_customers")
"""When an export gives a time average without what it averages over, days are weighted by the first
of these it has: a day with more customers served holds more responses."""
REASONS: dict[str, str] = {
    "count": "not a whole number ≥ 0",
    "money": "not an amount of money ≥ 0 (e.g. ￥1,234.56)",
    "rate": "not a rate ≥ 0 (e.g. 45.2%, 45.20 or 0.452)",
    "number": "not a number ≥ 0",
    "duration": "not a duration (e.g. 515, 8分35秒 or 00:08:35)",
    "date": "not a date (e.g. 2024-10-01, or 2024-10-01~2024-10-31)",
}


# -- mapping files ------------------------------------------------------------------------------


class HeaderVariant(Frozen):
    """One accepted header spelling; ``scale`` multiplies plain numbers (minutes → seconds: 60)."""

    header: str = Field(min_length=1)
    scale: float = Field(1.0, gt=0)


class FieldSpec(Frozen):
    """How one canonical field appears in an export: its parse kind and header spellings."""

    kind: Kind
    headers: tuple[str | HeaderVariant, ...] = Field(min_length=1)

    def variants(self) -> tuple[HeaderVariant, ...]:
        return tuple(h if isinstance(h, HeaderVariant) else HeaderVariant(header=h) for h in self.headers)


class SourceMapping(Frozen):
    """One export flavour (params/sources/<name>.yaml); see the comments in chitu.yaml."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    zh: str
    description: str = ""
    required: tuple[str, ...] = ("agent",)
    signature: tuple[str, ...] = ()
    fields: dict[str, FieldSpec]
    ignore: tuple[str, ...] = ()
    summary_rows: tuple[str, ...] = ()
    benchmark_rows: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    _file: str = PrivateAttr("<memory>")

    @property
    def file(self) -> str:
        """The mapping file this flavour was read from (named in errors: the file to edit)."""
        return self._file

    def lookup(self) -> dict[str, tuple[str, float]]:
        """Normalised header → (field id, scale)."""
        return {normalize_header(v.header): (fid, v.scale) for fid, spec in self.fields.items() for v in spec.variants()}

    def header_of(self, field_id: str) -> str:
        """The field's main header spelling (its first unscaled variant)."""
        variants = self.fields[field_id].variants()
        return next((v.header for v in variants if v.scale == 1), variants[0].header)


def mapping_problems(mapping: SourceMapping) -> list[str]:
    """Meaning checks of a mapping (after its shape was validated), all problems at once."""
    problems = []
    for fid, spec in mapping.fields.items():
        if fid in IDENTITY_KINDS:
            if spec.kind != IDENTITY_KINDS[fid]:
                problems.append(f"'fields.{fid}.kind' must be {IDENTITY_KINDS[fid]} (got {spec.kind})")
        elif fid not in CATALOGUE:
            problems.append(f"unknown field 'fields.{fid}' (allowed: agent, date, team, or a metric id: {', '.join(CATALOGUE)})")
        elif spec.kind not in KINDS_BY_UNIT[CATALOGUE[fid].unit]:
            allowed = " or ".join(KINDS_BY_UNIT[CATALOGUE[fid].unit])
            problems.append(f"'fields.{fid}.kind' must be {allowed} for a metric in {CATALOGUE[fid].unit} (got {spec.kind})")
    owners: dict[str, str] = {}
    for fid, spec in mapping.fields.items():
        for variant in spec.variants():
            key = normalize_header(variant.header)
            if owners.setdefault(key, fid) != fid:
                problems.append(f"header '{variant.header}' is listed under both fields.{owners[key]} and fields.{fid}")
    if "agent" not in mapping.fields:
        problems.append("'fields.agent' is missing: every export names its agents")
    problems += [f"'required' names '{r}', which is not under fields" for r in mapping.required if r not in mapping.fields]
    return problems


def load_source(source: str | Path | SourceMapping) -> SourceMapping:
    """A flavour by name (``"chitu"``, a file in params/sources/) or by the path of a mapping file."""
    if isinstance(source, SourceMapping):
        return source
    path = Path(source)
    if path.suffix.lower() not in (".yaml", ".yml", ".json"):
        path = SOURCES_DIR / f"{source}.yaml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in SOURCES_DIR.glob("*.yaml")))
            raise CsanaError(f"unknown export source '{source}'", fix=f"use one of: {known}, or the path of a mapping file")
    mapping = validate(SourceMapping, read_config(path), path)
    problems = mapping_problems(mapping)
    if problems:
        raise CsanaError(f"{len(problems)} problem(s): " + "; ".join(problems), file=str(path))
    mapping._file = str(path)
    return mapping


def all_sources() -> list[SourceMapping]:
    """Every flavour in params/sources/, by name."""
    return [load_source(p) for p in sorted(SOURCES_DIR.glob("*.yaml"))]


UNIT_SUFFIX = re.compile(r"\((?:人|人数|元|件|个|次|条|单|%|秒|s)\)$")
ARROW = re.compile(r"[-—–]+>|→|⟶|➝|➔")


def normalize_header(text: object) -> str:
    """Header text as matched: NFKC (full-width → half-width), no spaces, lower case, '->' arrows,
    and no unit-only suffix such as (人), (元), (秒)."""
    t = unicodedata.normalize("NFKC", str(text)).lower()
    t = re.sub(r"\s+", "", t)
    t = ARROW.sub("->", t)
    return UNIT_SUFFIX.sub("", t)


def _norm_values(values: Iterable[str]) -> list[str]:
    return [unicodedata.normalize("NFKC", v).strip().lower() for v in values]


# -- cell values (polars expressions) ---------------------------------------------------------------

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


# -- reading files -------------------------------------------------------------------------------


def _data_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else data_files(path, EXCEL_SUFFIXES + TEXT_SUFFIXES)


def _open(path: Path, label: str) -> Grid:
    """Excel workbooks by content (some platforms save tab-separated text as .xls), else text; an export's
    report is on its first sheet. A guessed encoding is not tried (see :func:`csana.ingest.files.decode`)."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if path.suffix.lower() in EXCEL_SUFFIXES and magic in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return read_workbook(path, label, HEADER_SEARCH_ROWS, first_sheet_only=True, numbers=True)[0][1]
    return read_text(path, label, HEADER_SEARCH_ROWS, guess=False)


def _header_row(head: list[Cells], mappings: list[SourceMapping], label: str) -> int:
    """The row (within the first rows) naming the most known headers: title rows above it are skipped."""
    best = header_row(head, {key for m in mappings for key in m.lookup()}, normalize_header, most=True)
    if best is None:
        examples = ", ".join(mappings[0].header_of(f) for f in ("agent", "consult_customers", "received_customers")
                             if f in mappings[0].fields)
        raise CsanaError(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows", file=label,
            fix=f"is this a per-agent export? Its header names columns such as {examples}; add other spellings "
                f"to a mapping in {SOURCES_DIR}",
        )
    return best


def _pick_mapping(headers: list[str], mappings: list[SourceMapping], label: str, notes: list[str]) -> SourceMapping:
    """The flavour whose typical headers (signature), then whose known headers, the file has most of."""
    keys = {normalize_header(h) for h in headers if h not in (None, "")}

    def score(m: SourceMapping) -> tuple[int, int]:
        return (sum(normalize_header(s) in keys for s in m.signature), sum(k in keys for k in m.lookup()))

    ranked = sorted(mappings, key=lambda m: (-score(m)[0], -score(m)[1], m.name))
    if len(ranked) > 1 and score(ranked[0]) == score(ranked[1]):
        notes.append(f"{label}: headers fit export sources {ranked[0].name} and {ranked[1].name} equally; "
                     f"read as {ranked[0].name} (pass source= to choose)")
    return ranked[0]


# -- parsing one file ------------------------------------------------------------------------------


def _match_columns(headers: list[str | None], mapping: SourceMapping, label: str, notes: list[str]) -> dict[str, tuple[int, float, str]]:
    """Field id → (column position, scale, header as written); unknown headers go into a note."""
    lookup = mapping.lookup()
    ignored = {normalize_header(h) for h in mapping.ignore}
    matched: dict[str, tuple[int, float, str]] = {}
    unknown = []
    for i, header in enumerate(headers):
        if header in (None, ""):
            continue
        key = normalize_header(header)
        if key in lookup:
            fid, scale = lookup[key]
            if fid in matched:
                notes.append(f"{label}: columns '{matched[fid][2]}' and '{header}' both mean {fid}; using '{matched[fid][2]}'")
            else:
                matched[fid] = (i, scale, str(header))
        elif key not in ignored:
            unknown.append(str(header))
    if unknown:
        notes.append(f"{label}: {len(unknown)} unknown header(s) not used: {', '.join(unknown)} — to use or silence "
                     f"them, add them to {mapping.file} (under fields.<id>.headers, or ignore)")
    missing = [f for f in dict.fromkeys(("agent", *mapping.required)) if f not in matched]
    if missing:
        names = "; ".join(f"{f} ({' / '.join(v.header for v in mapping.fields[f].variants())})" for f in missing)
        raise CsanaError(
            f"missing required column(s) for a {mapping.zh} export: {names}", file=label,
            fix=f"rename the column in the file to one of the headers shown, or add your header under "
                f"fields.<id>.headers in {mapping.file}",
        )
    return matched


Problem = tuple[pl.Expr, str, str, pl.Expr]
"""A bad-cell test: (condition, header, reason, cell text)."""


def _parse_file(file: Grid, mapping: SourceMapping, header: int, notes: list[str]) -> pl.DataFrame:
    """The data rows of one file: kind (agent/benchmark/summary/no_agent), agent, team, period,
    parsed fields, and the first bad cell of an agent row (problem_column/reason/value)."""
    cells, body = file.below(header)
    matched = _match_columns([None if c is None else str(c) for c in cells], mapping, file.label, notes)
    body = body.with_row_index("_line", offset=header + 2).with_columns(pl.col("_line").cast(pl.Int64))
    text_cols = [c for c in body.columns if re.fullmatch(r"c\d+", c)]
    body = body.filter(~pl.all_horizontal([clean_text(pl.col(c)).is_null() for c in text_cols]))
    body = body.with_columns([clean_text(pl.col(f"c{i}")).alias(f"_t{i}") for i, _, _ in matched.values()])
    values, problems = _field_values(body, mapping, matched)
    period = period_in_text(" ".join([file.path.stem, *(str(c) for row in file.head[:header] for c in row if c)]))
    frame = body.with_columns(values).with_columns(pl.lit(file.label).alias("file"), pl.col("_line").alias("row"))
    frame = _with_row_kind(frame, mapping)
    frame = _with_period(frame, "_date_text" in frame.columns, period, mapping, file.label, matched, problems)
    _note_placeholders(frame, file.label, notes)
    return _with_first_problem(frame, problems).drop(
        [c for c in frame.columns if re.fullmatch(r"[cf]\d+|_t\d+|_line|_start|_end|_ph_.*", c)])


def _field_values(body: pl.DataFrame, mapping: SourceMapping, matched: dict[str, tuple[int, float, str]]) -> tuple[list[pl.Expr], list[Problem]]:
    """Per matched field, its parsed value (placeholders → null, kept in _ph_<id>) and its bad-cell test."""
    placeholders = _norm_values(mapping.placeholders)
    values: list[pl.Expr] = []
    problems: list[Problem] = []
    for fid, (i, scale, header_text) in matched.items():
        kind = mapping.fields[fid].kind
        text = pl.col(f"_t{i}")
        if kind in ("agent", "text", "date"):
            values.append(text.alias("_date_text" if kind == "date" else fid))
            continue
        source = pl.coalesce(pl.col(f"f{i}").cast(pl.String), text) if f"f{i}" in body.columns else text
        placeholder = text.str.to_lowercase().is_in(placeholders)
        values += [pl.when(~placeholder).then(PARSERS[kind](source, scale)).alias(fid),
                   pl.when(placeholder).then(text).alias(f"_ph_{fid}")]
        problems.append((text.is_not_null() & pl.col(f"_ph_{fid}").is_null() & pl.col(fid).is_null(),
                         header_text, REASONS[kind], text))
    return values, problems


def _with_first_problem(frame: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
    """problem_column / problem_reason / problem_value of an agent row's first bad cell (null when none)."""
    if not problems:
        return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in ("problem_column", "problem_reason", "problem_value"))
    first = pl.coalesce([pl.when(cond).then(pl.lit(k)) for k, (cond, *_) in enumerate(problems)])
    frame = frame.with_columns(pl.when(pl.col("kind") == "agent").then(first).alias("_problem"))
    pick = pl.col("_problem")
    return frame.with_columns(
        pick.replace_strict({k: p[1] for k, p in enumerate(problems)}, default=None, return_dtype=pl.String).alias("problem_column"),
        pick.replace_strict({k: p[2] for k, p in enumerate(problems)}, default=None, return_dtype=pl.String).alias("problem_reason"),
        pl.coalesce([pl.when(pick == k).then(p[3]) for k, p in enumerate(problems)]).alias("problem_value"),
    ).drop("_problem")


def _with_period(frame: pl.DataFrame, has_date: bool, period: tuple[dt.date, dt.date] | None,
                 mapping: SourceMapping, label: str, matched: dict, problems: list) -> pl.DataFrame:
    """period_start/period_end of every row: its date cell (an agent row's blank cell under a merged
    date takes the date above), else the range in the file name or title rows."""
    if not has_date and period is None:
        raise CsanaError(
            "cannot tell which days the rows cover: no date column and no date range in the file name or title rows",
            file=label, fix=f"add a {mapping.header_of('date') if 'date' in mapping.fields else '日期'} column, or name the "
                            "file with its range, e.g. 赤兔_2024-10-01_2024-10-31.xlsx",
        )
    file_start = pl.lit(period[0] if period else None, pl.Date)
    file_end = pl.lit(period[1] if period else None, pl.Date)
    if not has_date:
        return frame.with_columns(file_start.alias("period_start"), file_end.alias("period_end"))
    text = pl.col("_date_text")
    start, end = parse_period(text)
    frame = frame.with_columns(start.alias("_start"), end.alias("_end"))
    merged = text.is_null() & (pl.col("kind") == "agent")
    frame = frame.with_columns(
        pl.when(merged).then(pl.col("_start").forward_fill()).otherwise(pl.col("_start")).fill_null(file_start).alias("period_start"),
        pl.when(merged).then(pl.col("_end").forward_fill()).otherwise(pl.col("_end")).fill_null(file_end).alias("period_end"),
    )
    header = matched["date"][2]
    problems.insert(0, (text.is_not_null() & pl.col("_start").is_null(), header, REASONS["date"], text))
    problems.insert(1, (pl.col("period_start").is_null(), header,
                        "no date: the cell is empty and the file name gives no date range", text))
    return frame


def _with_row_kind(frame: pl.DataFrame, mapping: SourceMapping) -> pl.DataFrame:
    """agent / benchmark / summary / no_agent, from the agent cell (or the date cell of a total row)."""
    agent = pl.col("agent").str.to_lowercase().str.strip_chars_end(":")
    date_text = pl.col("_date_text").str.to_lowercase() if "_date_text" in frame.columns else pl.lit(None, pl.String)
    summary = agent.is_in(_norm_values(mapping.summary_rows)) | (agent.is_null() & date_text.is_in(_norm_values(mapping.summary_rows)))
    kind = (
        pl.when(summary.fill_null(False)).then(pl.lit("summary"))
        .when(agent.is_in(_norm_values(mapping.benchmark_rows)).fill_null(False)).then(pl.lit("benchmark"))
        .when(agent.is_null()).then(pl.lit("no_agent"))
        .otherwise(pl.lit("agent"))
    )
    return frame.with_columns(kind.alias("kind"))


def _note_placeholders(frame: pl.DataFrame, label: str, notes: list[str]) -> None:
    columns = [c for c in frame.columns if c.startswith("_ph_")]
    if not columns:
        return
    found = (
        frame.filter(pl.col("kind") == "agent")
        .select(pl.concat_list(columns).alias("v")).explode("v").drop_nulls()
        .group_by("v").len().sort("len", "v", descending=[True, False])
    )
    if found.height:
        listed = ", ".join(f"'{v}' ×{n}" for v, n in found.iter_rows())
        pending = " ('延时统计': the platform has not finished counting — export again later for final numbers)"
        notes.append(f"{label}: {found['len'].sum()} cell(s) hold no number ({listed}): read as empty"
                     + (pending if "延时统计" in found["v"].to_list() else ""))


# -- the dataset -----------------------------------------------------------------------------------


def _metric_dtype(metric_id: str) -> pl.DataType:
    m = CATALOGUE[metric_id]
    return pl.Int64 if m.unit in COUNT_UNITS and m.ratio is None else pl.Float64


def _with_all_metrics(frame: pl.DataFrame) -> pl.DataFrame:
    """Every catalogue id as a column of its canonical type (null where the export lacks it)."""
    return frame.with_columns(
        [(pl.col(m) if m in frame.columns else pl.lit(None)).cast(_metric_dtype(m)).alias(m) for m in CATALOGUE]
    )


def load_export(path: str | Path, source: str | Path | SourceMapping | None = None) -> Dataset:
    """Read one export file, or a folder of them, into a Dataset of kind ``"export"``.

    ``source`` names the flavour (a file of params/sources/, e.g. ``"chitu"``, or a mapping
    path); by default each file's flavour is detected from its headers. Tables:
    ``agent_period`` (one row per agent per row period: agent_id, name, shop_id, team,
    period_start, period_end, date (= the day, for one-day rows), file, row, then every
    catalogue id, null where not given), ``benchmarks`` (peer rows such as 同行同层优秀,
    same columns with ``label``) and ``agents``. ``warnings`` lists unknown headers,
    placeholders, derived counts and that people counts summed over days are customer-days.
    """
    root = Path(path)
    if not root.exists():
        raise CsanaError("no such file or folder", file=str(path), fix="check the path")
    files = _data_files(root)
    if not files:
        raise CsanaError("no XLSX or CSV files found", file=str(path), fix="point to an export file or a folder of them")
    mappings = [load_source(source)] if source is not None else all_sources()
    notes: list[str] = []
    parsed, encodings = [], {}
    for file_path in files:
        label = file_path.name if root.is_file() else str(file_path.relative_to(root))
        file = _open(file_path, label)
        header = _header_row(file.head, mappings, label)
        headers = [None if c is None else str(c) for c in file.head[header]]
        mapping = mappings[0] if source is not None else _pick_mapping(headers, mappings, label, notes)
        parsed.append(_parse_file(file, mapping, header, notes))
        encodings[label] = file.encoding
    rows = pl.concat(parsed, how="diagonal_relaxed").with_row_index("_order")
    return _dataset(rows, str(path), encodings, notes)


def _dataset(rows: pl.DataFrame, source: str, encodings: dict[str, str | None], notes: list[str]) -> Dataset:
    rows = _with_agent_ids(_with_all_metrics(rows.with_columns(
        *[pl.lit(None, pl.String).alias(c) for c in ("agent", "team") if c not in rows.columns])))
    bad = rows.filter(pl.col("problem_column").is_not_null())
    kept, duplicates = _without_duplicates(rows.filter(pl.col("kind").is_in(["agent", "benchmark"]) & pl.col("problem_column").is_null()))
    agents = kept.filter(pl.col("kind") == "agent")
    _check_overlaps(agents)
    if agents.height == 0:
        raise CsanaError("no agent rows could be used", file=source,
                         fix="see the rejected rows: every row was a total, a benchmark or had a bad value")
    completed, derived_notes = complete(agents)
    rejected = _rejected(rows, bad, duplicates)
    notes += derived_notes + _customer_days_note(completed)
    identity = ["agent_id", "name", "shop_id", "team", "period_start", "period_end", "date", "file", "row"]
    completed = completed.with_columns(
        pl.when(pl.col("period_start") == pl.col("period_end")).then(pl.col("period_start")).alias("date")
    ).sort("period_start", "agent_id").select([*identity, *CATALOGUE])
    benchmarks = kept.filter(pl.col("kind") == "benchmark").select(
        pl.col("agent").alias("label"), "period_start", "period_end", "file", "row", *CATALOGUE)
    agent_table = completed.group_by("agent_id", maintain_order=True).agg(
        pl.col("name").first(), pl.col("team").drop_nulls().first()).sort("agent_id")
    return Dataset(
        tables={TABLE: completed, "benchmarks": benchmarks, "agents": agent_table},
        source=source, kind="export", rejected=rejected, files=_files_table(rows, kept, rejected, encodings),
        warnings=list(dict.fromkeys(notes)),
    )


def _without_duplicates(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(first rows, later duplicates) per agent or benchmark and period, in load order: the same
    report exported twice into one folder is counted once."""
    keys = ["kind", "agent_id", "period_start", "period_end"]
    ranked = rows.sort("_order").with_columns(
        pl.col("file").first().over(keys).alias("_first_file"), pl.col("row").first().over(keys).alias("_first_row"),
        pl.int_range(pl.len()).over(keys).alias("_dup"),
    )
    return ranked.filter(pl.col("_dup") == 0), ranked.filter(pl.col("_dup") > 0)


def _with_agent_ids(rows: pl.DataFrame) -> pl.DataFrame:
    """agent_id = the name after the shop prefix ("店铺名:小美" → 小美), kept whole when that name
    appears under several shops (an agency serving many shops)."""
    parts = pl.col("agent").str.extract_groups(r"^(?P<shop>[^:]+?)\s*:\s*(?P<name>.+)$")
    rows = rows.with_columns(
        parts.struct.field("shop").alias("shop_id"),
        pl.coalesce(parts.struct.field("name"), pl.col("agent")).alias("name"),
    )
    shops = pl.col("shop_id").drop_nulls().n_unique().over("name")
    return rows.with_columns(pl.when(shops > 1).then(pl.col("agent")).otherwise(pl.col("name")).alias("agent_id"))


def _check_overlaps(agents: pl.DataFrame) -> None:
    """Rows of one agent whose periods overlap (a monthly file next to daily files) would count twice."""
    ordered = agents.sort("agent_id", "period_start", "period_end").with_columns(
        pl.col("period_end").cum_max().shift(1).over("agent_id").alias("_prev_end"),
        pl.col("file").shift(1).over("agent_id").alias("_prev_file"),
        pl.col("row").shift(1).over("agent_id").alias("_prev_row"),
    )
    clash = ordered.filter(pl.col("period_start") <= pl.col("_prev_end"))
    if clash.height:
        r = clash.row(0, named=True)
        raise CsanaError(
            f"rows of agent {r['agent_id']} cover overlapping days ({r['period_start']}…{r['period_end']} in {r['file']} "
            f"row {r['row']}, and {r['_prev_file']} row {r['_prev_row']}); they would be counted twice",
            file=r["file"], rows=[r["row"]], fix="load either the daily files or the period files, not both",
        )


def _rejected(rows: pl.DataFrame, bad: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    def shaped(frame: pl.DataFrame, column: pl.Expr, reason: pl.Expr, value: pl.Expr) -> pl.DataFrame:
        return frame.select(pl.col("file"), pl.lit(TABLE).alias("table"), pl.col("row").cast(pl.Int64),
                            column.alias("column"), reason.alias("reason"), value.cast(pl.String).alias("value"))

    summary = rows.filter(pl.col("kind") == "summary")
    no_agent = rows.filter(pl.col("kind") == "no_agent")
    label = pl.coalesce(pl.col("agent"), pl.col("_date_text") if "_date_text" in rows.columns else pl.lit(None, pl.String))
    parts = [
        shaped(summary, pl.lit("agent"), pl.lit("summary row (a total or average, not an agent)"), label),
        shaped(no_agent, pl.lit("agent"), pl.lit("no agent name in the row"), pl.lit(None, pl.String)),
        shaped(bad, pl.col("problem_column"), pl.col("problem_reason"), pl.col("problem_value")),
        shaped(duplicates, pl.lit("agent"),
               pl.format("duplicate: same agent and period as {} row {}", pl.col("_first_file"), pl.col("_first_row")),
               pl.col("agent")),
    ]
    return pl.concat(parts).cast(REJECTED_SCHEMA).sort("file", "row")  # type: ignore[arg-type]


def _files_table(rows: pl.DataFrame, used: pl.DataFrame, rejected: pl.DataFrame, encodings: dict[str, str | None]) -> pl.DataFrame:
    """Per file: rows read (non-blank rows below the header) = rows used + rows rejected."""
    labels = pl.DataFrame({"file": list(encodings), "encoding": list(encodings.values())}, schema={"file": pl.String, "encoding": pl.String})
    counts = [rows.group_by("file").len("rows_read"), used.group_by("file").len("rows_used"),
              rejected.group_by("file").len("rows_rejected")]
    table = labels.with_columns(pl.lit(TABLE).alias("table"))
    for part in counts:
        table = table.join(part, on="file", how="left")
    return table.with_columns(pl.col("rows_read", "rows_used", "rows_rejected").fill_null(0)).select(list(FILES_SCHEMA)).cast(FILES_SCHEMA)  # type: ignore[arg-type]


def _customer_days_note(rows: pl.DataFrame) -> list[str]:
    months = rows.group_by("agent_id", pl.col("period_start").dt.strftime("%Y-%m")).len()
    if months.filter(pl.col("len") > 1).height == 0:
        return []
    names = "、".join(CATALOGUE[m].zh for m in PEOPLE_IDS if rows[m].is_not_null().any())
    return [f"people counts ({names}) summed over several rows per month are customer-days, not distinct "
            "customers: a customer served on three days counts three times"]


# -- completing rows exactly -------------------------------------------------------------------------

IDENTITIES: tuple[tuple[str, pl.Expr, str], ...] = (
    ("replied_customers", pl.col("received_customers") - pl.col("unreplied_customers"), "接待人数 − 未回复人数"),
    ("filtered_customers", pl.col("consult_customers") - pl.col("received_customers"), "咨询人数 − 接待人数"),
    ("consult_customers", pl.col("received_customers") + pl.col("filtered_customers"), "接待人数 + 接待过滤人数"),
)
"""Exact identities of the daily definitions (spec 1 §3), used to fill a component the export lacks."""


def complete(rows: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Fill components the export lacks from what it gives, row by row, and say what was derived.

    In order: the exact identities above; conversion bases = 询单人数 (exports do not
    separate assisted customers); for each ratio metric, numerator = rate × denominator
    and denominator = numerator / rate (counts rounded to whole numbers); then derived
    metrics (未回复人数 = 接待 − 回复, online hours).
    """
    notes: list[str] = []

    def fill(frame: pl.DataFrame, target: str, expr: pl.Expr, how: str) -> pl.DataFrame:
        if CATALOGUE[target].unit in COUNT_UNITS:
            expr = expr.round(0)
        value = expr.cast(_metric_dtype(target), strict=False)  # absurd inputs (a rate of 1E21 %) overflow: left empty
        filled = frame.with_columns(pl.coalesce(pl.col(target), value).alias(target))
        n = filled[target].is_not_null().sum() - frame[target].is_not_null().sum()
        if n:
            notes.append(f"{CATALOGUE[target].zh} ({target}) derived as {how} on {n} row(s): the export does not give it")
        return filled

    for target, expr, how in IDENTITIES:
        rows = fill(rows, target, expr, how)
    rows = fill(rows, "conv_base_customers", pl.col("inquiry_customers"),
                "询单人数 (exports do not separate assisted customers)")
    for m in METRICS:
        if m.ratio is None:
            continue
        num, den = m.ratio
        rate = pl.col(m.id)
        rows = fill(rows, num, rate * pl.col(den), f"{m.zh} × {CATALOGUE[den].zh}")
        rows = fill(rows, den, pl.when(rate > 0).then(pl.col(num) / rate), f"{CATALOGUE[num].zh} ÷ {m.zh}")
    for m in METRICS:
        if m.source == "derived" and m.ratio is None:
            rows = fill(rows, m.id, m.compute(), m.definition)
    notes += _weight_notes(rows)
    return rows, notes


def _time_averages() -> list[Metric]:
    return [m for m in METRICS if m.ratio is not None and m.unit == "seconds"]


def _weight_notes(rows: pl.DataFrame) -> list[str]:
    notes = []
    for m in _time_averages():
        num, den = m.ratio  # type: ignore[misc]
        lacking = rows.filter(pl.col(m.id).is_not_null() & pl.col(den).is_null())
        for base in TIME_WEIGHT_BASES:
            n = lacking.filter(pl.col(base).is_not_null()).height
            if n:
                notes.append(f"{m.zh} ({m.id}) is given without {CATALOGUE[den].zh} on {n} row(s): days are weighted "
                             f"by {CATALOGUE[base].zh} instead (close, not exact)")
                lacking = lacking.filter(pl.col(base).is_null())
    return notes


# -- aggregation --------------------------------------------------------------------------------------


def _ratio_parts(m: Metric) -> tuple[pl.Expr, pl.Expr]:
    """Per row, the numerator and denominator a ratio metric sums over; time averages lacking their
    denominator are weighted by the best base the row has (TIME_WEIGHT_BASES)."""
    num, den = m.ratio  # type: ignore[misc]
    d = pl.col(den).cast(pl.Float64)
    if m in _time_averages():
        fallback = pl.coalesce([pl.col(b).cast(pl.Float64) for b in TIME_WEIGHT_BASES])
        d = pl.coalesce(d, pl.when(pl.col(num).is_null()).then(fallback))
    n = pl.coalesce(pl.col(num).cast(pl.Float64), pl.col(m.id) * d)
    both = n.is_not_null() & d.is_not_null()
    return pl.when(both.any()).then(n.filter(both).sum()), pl.when(both.any()).then(d.filter(both).sum())


def _dedicated() -> dict[str, tuple[str, int]]:
    """Components that belong to one ratio metric only: component id → (metric id, 0 = num / 1 = den)."""
    uses: dict[str, list[tuple[str, int]]] = {}
    for m in METRICS:
        if m.ratio is not None:
            for side, comp in enumerate(m.ratio):
                uses.setdefault(comp, []).append((m.id, side))
    return {c: u[0] for c, u in uses.items() if len(u) == 1 and not CATALOGUE[c].public}


def _additive(m: Metric) -> bool:
    return m.ratio is None and m.zero_when_absent


def combine(rows: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per group of ``keys``: counts, amounts and totals summed; every ratio recomputed as
    Σ numerator / Σ denominator over the rows that give both; time averages weighted by what
    they average over. A metric with no parts (a median, a rate without its base) is kept only
    when the group is a single row, else null."""
    aggs: list[pl.Expr] = [pl.len().alias("_rows"), pl.col("name").first(), pl.col("team").drop_nulls().first()]
    for m in METRICS:
        if _additive(m):
            aggs.append(pl.when(pl.col(m.id).is_not_null().any()).then(pl.col(m.id).sum()).alias(m.id))
        else:
            aggs += [pl.col(m.id).first().alias(f"_given_{m.id}"), pl.col(m.id).is_not_null().any().alias(f"_has_{m.id}")]
        if m.ratio is not None:
            n, d = _ratio_parts(m)
            aggs += [n.alias(f"_n_{m.id}"), d.alias(f"_d_{m.id}")]
    out = rows.group_by(keys).agg(aggs)
    single = pl.col("_rows") == 1
    values = []
    for m in METRICS:
        if m.ratio is None and not _additive(m):
            values.append(pl.when(single).then(pl.col(f"_given_{m.id}")).alias(m.id))
        elif m.ratio is not None:
            d = pl.col(f"_d_{m.id}")
            values.append(
                pl.when(d > 0).then(pl.col(f"_n_{m.id}") / d)
                .when(d.is_null() & single).then(pl.col(f"_given_{m.id}"))
                .alias(m.id)
            )
    out = out.with_columns(values)
    out = out.with_columns([
        pl.coalesce(pl.col(c), pl.col(f"_{'nd'[side]}_{metric_id}")).alias(c) for c, (metric_id, side) in _dedicated().items()
    ])
    return out.with_columns([pl.col(m).cast(_metric_dtype(m)) for m in CATALOGUE])


def _unmergeable_notes(out: pl.DataFrame, period: str) -> list[str]:
    """Metrics an export gives per row that could not be combined for some agent (see :func:`combine`)."""
    notes = []
    for m in METRICS:
        lacking = pl.col(f"_has_{m.id}") & pl.col(m.id).is_null()
        if m.ratio is not None:
            lacking = lacking & pl.col(f"_d_{m.id}").is_null()
        if _additive(m) or out.filter(lacking).height == 0:
            continue
        why = "a median cannot be combined" if m.ratio is None else f"the export lacks {' or '.join(CATALOGUE[c].zh for c in m.ratio)}"
        notes.append(f"{m.zh} ({m.id}) is given per row but left empty for {period}: {why}")
    return notes


def export_months(dataset: Dataset) -> list[str]:
    """The calendar months the export rows lie in, in order."""
    rows = dataset[TABLE]
    return sorted(set(rows["period_start"].dt.strftime("%Y-%m").to_list()) | set(rows["period_end"].dt.strftime("%Y-%m").to_list()))


def latest_export_month(dataset: Dataset) -> str:
    """The latest month the rows cover to its last day, else the latest month with rows."""
    rows = dataset[TABLE]
    end, start = rows["period_end"].max(), rows["period_start"].min()
    if end == month_end(end):
        return end.strftime("%Y-%m")
    previous = end.replace(day=1) - dt.timedelta(days=1)
    return previous.strftime("%Y-%m") if previous >= start else end.strftime("%Y-%m")


def _month_rows(dataset: Dataset, month: str | None) -> tuple[str, pl.DataFrame]:
    month = month or latest_export_month(dataset)
    window = month_window(month)
    rows = dataset[TABLE]
    inside = rows.filter((pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end))
    straddle = rows.filter((pl.col("period_start") < window.end) & (pl.col("period_end") >= window.start)
                           & ~((pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end)))
    if straddle.height:
        r = straddle.row(0, named=True)
        _warn(dataset, f"{straddle.height} export row(s) cover days outside {month} (e.g. {r['period_start']}~{r['period_end']} "
                       f"in {r['file']}) and were left out of it: export per day or per calendar month")
    if inside.height == 0:
        raise CsanaError(f"no export rows within {month}", file=dataset.source,
                         fix=f"choose one of the months the export covers: {', '.join(export_months(dataset))}")
    return month, inside


def _warn(dataset: Dataset, note: str) -> None:
    if note not in dataset.warnings:
        dataset.warnings.append(note)


def _shaped(frame: pl.DataFrame, period: str, value: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(value.alias(period), pl.lit(None, pl.String).alias("role")).select(
        ["agent_id", "name", "team", "role", period, *OUTPUT_IDS]).sort(period, "agent_id")


def aggregate_export(dataset: Dataset, month: str | None = None) -> pl.DataFrame:
    """The per-agent metric table of ``month`` from an export dataset: the same columns as the raw
    path's agent_metrics (agent_id, name, team, role, month, public ids, component ids).

    Rows inside the month are combined per agent (:func:`combine`); rows spanning days outside it
    are left out (with a warning). People counts summed over days are customer-days (warning from
    load_export)."""
    month, rows = _month_rows(dataset, month)
    out = combine(rows, ["agent_id"])
    for note in _unmergeable_notes(out, month):
        _warn(dataset, note)
    return _shaped(out, "month", pl.lit(month))


def daily_export(dataset: Dataset, month: str | None = None) -> pl.DataFrame:
    """Per agent per day of ``month`` (column ``date``), from the one-day rows of an export."""
    month, rows = _month_rows(dataset, month)
    daily = rows.filter(pl.col("date").is_not_null())
    if daily.height < rows.height:
        _warn(dataset, f"{rows.height - daily.height} export row(s) of {month} cover several days and are not in the daily table")
    if daily.height == 0:
        raise CsanaError(f"the export rows of {month} are per period, not per day", file=dataset.source,
                         fix="export a daily report (one row per agent per day) for daily figures")
    return _shaped(combine(daily, ["agent_id", "date"]), "date", pl.col("date"))


def group_export(dataset: Dataset, month: str | None, by: Literal["shop", "team"]) -> pl.DataFrame:
    """Shop or team totals of ``month`` from an export, shaped like the engine's group_metrics
    (``by``, month, metric ids): every agent row's parts summed, ratios recomputed. People are
    customer-days here too, and a customer served by two agents counts twice."""
    from csana.metrics.engine import SHOP

    month, rows = _month_rows(dataset, month)
    key = pl.lit(SHOP) if by == "shop" else pl.col("team").fill_null("—")
    out = combine(rows.with_columns(key.alias("_group")), ["_group"])
    out = out.drop("name", "team").rename({"_group": by})
    return out.with_columns(pl.lit(month).alias("month")).select([by, "month", *OUTPUT_IDS]).sort(by)


def benchmark_metrics(dataset: Dataset, month: str | None = None) -> pl.DataFrame:
    """Peer benchmark rows (同行同层优秀 …) of ``month`` combined like agents: one row per label."""
    month = month or latest_export_month(dataset)
    window = month_window(month)
    rows = dataset["benchmarks"].filter((pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end))
    rows = rows.with_columns(pl.col("label").alias("agent_id"), pl.col("label").alias("name"), pl.lit(None, pl.String).alias("team"))
    rows, _ = complete(rows)
    return combine(rows, ["label"]).with_columns(pl.lit(month).alias("month")).select(["label", "month", *OUTPUT_IDS]).sort("label")


# -- writing an export (demo data, round-trip tests) --------------------------------------------------


def _written(kind: str, column: pl.Expr, text: bool) -> pl.Expr:
    """How an export shows a value: rates in percent, null rates as "-"."""
    if kind == "rate":
        if not text:
            return column
        hundredths = (column * 10_000).round(0).cast(pl.Int64)
        return pl.format("{}.{}%", hundredths // 100, (hundredths % 100).cast(pl.String).str.zfill(2)).fill_null("-")
    if kind == "number":
        return column.round(2)
    if kind == "money":
        return column.round(2)
    return column


def write_export(metrics_daily: pl.DataFrame, path: str | Path, flavour: str = "chitu", fmt: str | None = None,
                 encoding: str = "gbk", shop: str = "csana演示店", weights: bool = True) -> Path:
    """Write a daily agent metrics table (agent_daily_metrics) as a realistic export of ``flavour``:
    a title row with the date range, the flavour's Chinese headers, agents as "店铺:agent_id",
    rates in percent, a 汇总 row at the bottom. ``fmt`` is "xlsx" or "csv" (default: the suffix);
    CSV is written in ``encoding`` (GBK, as 千牛 and Excel write). ``weights`` adds the counts behind
    the time averages (首次响应次数, 响应次数, 接待总时长), which make a round trip exact."""
    mapping = load_source(flavour)
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("xlsx", "csv"):
        raise CsanaError(f"unknown export format '{fmt}'", file=str(path), fix="use .xlsx or .csv")
    daily = metrics_daily.sort("date", "agent_id")
    text = fmt == "csv"
    columns: list[pl.Expr] = []
    sums: list[pl.Expr] = []
    for fid, spec in mapping.fields.items():
        header = mapping.header_of(fid)
        if fid == "date":
            columns.append((pl.col("date").dt.strftime("%Y-%m-%d") if text else pl.col("date")).alias(header))
            sums.append(pl.lit(None).alias(header))
        elif fid == "agent":
            columns.append(pl.format("{}:{}", pl.lit(shop), pl.col("agent_id")).alias(header))
            sums.append(pl.lit("汇总").alias(header))
        elif fid in daily.columns and (fid != "team" or daily["team"].is_not_null().any()) and (weights or fid not in WEIGHT_FIELDS):
            columns.append(_written(spec.kind, pl.col(fid), text).alias(header))
            additive = spec.kind in ("count", "money")
            sums.append((pl.col(fid).sum() if additive else pl.lit(None)).alias(header))
    body = daily.select(columns)
    total = daily.select(sums).cast(body.schema)  # type: ignore[arg-type]
    table = pl.concat([body, total])
    start, end = daily["date"].min(), daily["date"].max()
    title = f"{mapping.zh} 统计时间：{start}~{end}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if text:
        content = title + "\n\n" + table.write_csv()
        try:
            path.write_bytes(content.encode(encoding))
        except UnicodeEncodeError as exc:
            raise CsanaError(f"a value cannot be written in {encoding}: {exc.object[exc.start:exc.end]!r}", file=str(path),
                             fix="write with encoding='gb18030' or 'utf-8'") from None
        return path
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as workbook:
        sheet = workbook.add_worksheet("客服绩效")
        sheet.write(0, 0, title)
        rates = {mapping.header_of(f): "0.00%" for f, s in mapping.fields.items() if s.kind == "rate" and mapping.header_of(f) in table.columns}
        table.write_excel(workbook=workbook, worksheet=sheet, position=(2, 0), column_formats=rates,  # type: ignore[arg-type]
                          autofit=False, table_style=None, autofilter=False)
    return path


# -- telling exports from raw logs ---------------------------------------------------------------------


def _looks_like_export(path: Path, mappings: list[SourceMapping]) -> bool:
    """A file whose first rows hold an agent header and at least two metric headers of a flavour."""
    try:
        head = _open(path, path.name).head
    except CsanaError:
        return False
    for mapping in mappings:
        lookup = mapping.lookup()
        for row in head:
            fields = {lookup[k][0] for k in (normalize_header(c) for c in row if c not in (None, "")) if k in lookup}
            if "agent" in fields and len(fields - set(IDENTITY_KINDS)) >= 2:
                return True
    return False


def is_export(path: str | Path) -> bool:
    """Whether ``path`` (a file, or a folder whose files all are) is a platform export."""
    files = _data_files(Path(path)) if Path(path).exists() else []
    mappings = all_sources()
    return bool(files) and all(_looks_like_export(f, mappings) for f in files)


def load_any(path: str | Path) -> Dataset:
    """Load DATA of ``csana metrics``: platform exports with :func:`load_export`, else raw logs
    with :func:`csana.ingest.raw.load`."""
    root = Path(path)
    files = _data_files(root) if root.exists() else []
    mappings = all_sources()
    flags = [_looks_like_export(f, mappings) for f in files]
    if flags and all(flags):
        return load_export(root)
    if any(flags):
        exports = [f.name for f, e in zip(files, flags, strict=True) if e]
        raise CsanaError(f"the folder mixes platform exports ({', '.join(exports[:3])}) with other files",
                         file=str(path), fix="put exports and raw chat logs/orders in separate folders")
    from csana.ingest.raw import load

    return load(root)
