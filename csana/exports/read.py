"""Reading one export file: find the header row below any title rows, pick the flavour, parse every cell.

Each data row comes out with its kind (agent / benchmark / summary / no_agent), its agent,
team and period, its parsed fields, and the first bad cell of an agent row.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from csana.errors import CsanaError
from csana.exports.cells import (
    PARSERS,
    REASONS,
    clean_text,
    parse_period,
    period_in_text,
)
from csana.exports.mapping import (
    SOURCES_DIR,
    SourceMapping,
    _norm_values,
    normalize_header,
)
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

HEADER_SEARCH_ROWS = 30


NUMERIC_KINDS = ("count", "money", "rate", "number", "duration")


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
