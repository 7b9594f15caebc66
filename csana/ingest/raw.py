"""Loading raw logs (docs/inputs.md): files → validated canonical tables, every row accounted for.

:func:`load` reads a folder (or one file, or a list of files) of CSV, XLSX and
Parquet into a :class:`~csana.ingest.dataset.Dataset`:

1. **Find** the files (sub-folders included; hidden files and Excel lock files
   skipped) and read each CSV in its encoding (UTF-8, UTF-8 with BOM, UTF-16 with
   BOM, GBK/GB18030 as Chinese Excel writes it, else charset-normalizer's guess), each
   XLSX sheet and each Parquet file. Title rows and merged cells above the header are
   skipped: the header is the first row naming at least two known columns.
2. **Identify** which table each file is: by file or sheet name (``messages_2026-10.csv``,
   ``10月聊天记录.xlsx``), else by its columns. Several files of one table are stacked.
3. **Map** headers to canonical names through ``params/columns.yaml`` (:class:`LoadParams`).
   Unknown extra columns are dropped and listed in ``Dataset.warnings``.
4. **Parse and check** every value with polars expressions. A row that breaks a rule
   is *rejected*: set aside in ``Dataset.rejected`` with its file, spreadsheet row
   number (header = row 1), column, reason and value. A row with several problems is
   rejected once, for the first problem found (columns in canonical order, then
   row rules, then duplicates, then cross-table checks): fix it and load again to see
   the next.
5. **Cross-check** tables: duplicate unique keys (all but the first valid row are
   rejected, naming the row kept), reminders/reviews/disputes of orders not in the
   orders table (rejected), agents missing from the agents table (a warning).

Counts reconcile per file: ``rows_used + rows_rejected = rows_read``, where rows read
are the data rows below the header that hold at least one value (fully blank rows are
not data and are not counted). Problems that make the whole load meaningless — no
files, an empty file, a missing required column or table, a file whose rows are all
rejected — raise one :class:`~csana.errors.CsanaError` naming the file, column, rows
and fix.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from pydantic import Field, field_validator

from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.errors import CsanaError
from csana.ingest.dataset import FILES_SCHEMA, REJECTED_SCHEMA, Dataset
from csana.ingest.files import (
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
    Cells,
    data_files,
    header_row,
    read_text,
    read_workbook,
)
from csana.ingest.schema import DATETIME, SENDERS, TABLES, Table

NULLABLE = {("orders", "paid_at")}
"""Required columns whose cells may be empty (an unpaid order has no paid_at)."""
FREE_TEXT = {"text", "reason"}
"""Columns where "-" or "无" is content, not a missing value."""
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
RAW_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f", "%Y%m%d %H%M%S", "%Y-%m-%d", "%Y/%m/%d",
)
"""Layouts tried as a column's usual layout, on the text as written (the fast path)."""
EXCEL_EPOCH = "1899-12-30"
ROW = "__row"
FILE = "__file"
Checked = tuple[pl.DataFrame, pl.DataFrame]
"""Good rows (canonical columns plus ``__row``/``__file``) and rejected rows (REJECTED_SCHEMA)."""


# -- parameters --------------------------------------------------------------------------


def normalize_name(name: str) -> str:
    """Header/file-name key for matching: lower case, no spaces, ``_`` or ``-``, ASCII parentheses."""
    return re.sub(r"[\s_\-]+", "", str(name).lower().replace("（", "(").replace("）", ")"))


class TableAliases(Frozen):
    """The names under which one canonical table and its columns appear in users' files."""

    files: tuple[str, ...] = Field(default=(), description="words in a file or sheet name marking this table")
    columns: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="canonical column → accepted headers")


class LoadParams(Frozen):
    """How files and columns are recognised (``params/columns.yaml``)."""

    tables: dict[str, TableAliases] = Field(default_factory=dict)
    senders: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    missing_values: tuple[str, ...] = ("", "-", "--", "—", "——", "null", "none", "n/a", "na", "nan")
    default_units: int | None = Field(1, ge=1, description="units per order when orders have no units column")
    header_search_rows: int = Field(20, ge=1, description="rows searched for the header row")

    @field_validator("tables")
    @classmethod
    def _known_tables_and_columns(cls, value: dict[str, TableAliases]) -> dict[str, TableAliases]:
        problems = []
        for name, aliases in value.items():
            if name not in TABLES:
                problems.append(f"unknown table '{name}' (allowed: {', '.join(TABLES)})")
                continue
            allowed = TABLES[name].columns
            problems += [f"tables.{name}.columns: unknown column '{c}' (allowed: {', '.join(allowed)})"
                         for c in aliases.columns if c not in allowed]
            problems += [f"tables.{name}.columns: header '{h}' given for both {a} and {b}"
                         for h, a, b in _clashes({c: (c, *aliases.columns.get(c, ())) for c in allowed})]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("missing_values")
    @classmethod
    def _lower_case(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value)

    @field_validator("senders")
    @classmethod
    def _known_senders(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        problems = [f"unknown sender '{s}' (allowed: {', '.join(SENDERS)})" for s in value if s not in SENDERS]
        problems += [f"sender value '{v}' given for both {a} and {b}" for v, a, b in _clashes(value, key=str.lower)]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @classmethod
    def load(cls, path: str | Path | None = None) -> LoadParams:
        """Read a columns file (default: params/columns.yaml; built-in defaults if absent)."""
        source = Path(path) if path is not None else PARAMS_DIR / "columns.yaml"
        if path is None and not source.exists():
            return cls()
        return _load_params(source.resolve(), source.stat().st_mtime_ns if source.exists() else 0)

    def column_map(self, table: str) -> dict[str, tuple[str, int]]:
        """Normalised header → (canonical column, preference rank; the canonical name ranks first)."""
        out: dict[str, tuple[str, int]] = {}
        aliases = self.tables.get(table, TableAliases()).columns
        for column in TABLES[table].columns:
            for rank, header in enumerate((column, *aliases.get(column, ()))):
                out.setdefault(normalize_name(header), (column, rank))
        return out

    def sender_map(self) -> dict[str, str]:
        """Lower-cased sender spelling → canonical sender (the canonical values always count)."""
        out = {s: s for s in SENDERS}
        out.update({v.strip().lower(): s for s, values in self.senders.items() for v in values})
        return out

    def known_headers(self) -> set[str]:
        """Every normalised header of every table, for finding the header row."""
        return {h for table in TABLES for h in self.column_map(table)}


@functools.lru_cache(maxsize=8)
def _load_params(source: Path, mtime: int) -> LoadParams:
    """Parsed once per file version: ``Dataset.from_frames`` runs this for every table."""
    return validate(LoadParams, read_config(source), source)


def _clashes(groups: dict[str, Iterable[str]], key: Any = normalize_name) -> list[tuple[str, str, str]]:
    """Values listed under two different keys: (value, first key, second key)."""
    seen: dict[str, str] = {}
    out = []
    for group, values in groups.items():
        for v in values:
            owner = seen.setdefault(key(v), group)
            if owner != group:
                out.append((v, owner, group))
    return out


# -- public API --------------------------------------------------------------------------


def load(path: str | Path | Sequence[str | Path], params: LoadParams | None = None) -> Dataset:
    """Read raw logs (a folder, a file, or a list of files) into a validated :class:`Dataset`.

    ``messages`` and ``orders`` are required; agents, reminders, reviews, disputes,
    manual_scores, lost_reasons and online are used when present. Bad rows are set
    aside with reasons in ``Dataset.rejected``; ``Dataset.files`` counts rows read,
    used and rejected per file; ``Dataset.warnings`` lists ignored columns, agents
    missing from the agents table and one line per kind of rejected row.
    """
    params = params or LoadParams.load()
    root, paths = _find_files(path)
    warnings: list[str] = []
    sources = [s for p in paths for s in _read_file(p, root, params)]
    by_table = _identify(sources, params, warnings)
    _require_tables(by_table, sources)
    checked = {name: _check_sources(name, group, params, warnings) for name, group in by_table.items()}
    tables, rejected = _cross_check(checked, warnings)
    files = _file_counts(sources, rejected)
    _require_usable(files, rejected, tables)
    warnings += _rejection_lines(rejected)
    return Dataset(tables=tables, source=str(root), rejected=rejected, files=files, warnings=warnings)


def conform_frame(table_name: str, df: pl.DataFrame, source: str = "<memory>", params: LoadParams | None = None,
                  warnings: list[str] | None = None) -> pl.DataFrame:
    """One in-memory table in canonical columns and types (for ``Dataset.from_frames``).

    Headers may be canonical or any alias of ``params/columns.yaml``; values are
    parsed as by :func:`load`. Unknown extra columns are dropped. A frame built in
    code has no business holding bad rows, so any row :func:`load` would set aside
    raises :class:`CsanaError` here, naming the column, the rows (0-based frame index)
    and the reason. Notes such as ignored columns are appended to ``warnings``.
    """
    if table_name not in TABLES:
        raise CsanaError(f"unknown table '{table_name}'", file=source, fix=f"use one of: {', '.join(TABLES)}")
    params = params or LoadParams.load()
    frame = df.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64), pl.lit(source).alias(FILE))
    renamed = _map_columns(table_name, frame, source, params, warnings if warnings is not None else [])
    good, bad = _check_rows(TABLES[table_name], renamed, params)
    good, dup = _dedupe(TABLES[table_name], good)
    bad = pl.concat([bad, dup])
    if bad.height:
        first = bad.sort("row").row(0, named=True)
        same = bad.filter(pl.col("reason") == first["reason"], pl.col("column") == first["column"])
        raise CsanaError(
            f"{bad.height} bad row(s) in table '{table_name}' (rows counted from 0); "
            f"first: {first['reason']} (value {first['value']!r})",
            file=source, column=first["column"], rows=same["row"].sort().to_list(),
            fix=_fix(first["reason"], first["column"]),
        )
    return good.drop(ROW, FILE)


def rejection_summary(dataset: Dataset | pl.DataFrame) -> pl.DataFrame:
    """Rejected rows (of a dataset, or a rejected-rows frame) by file, column and reason: count, first rows, fix."""
    rejected = dataset.rejected if isinstance(dataset, Dataset) else dataset
    rejected = rejected.with_columns(pl.col("reason").str.replace(r"\s*\(kept row .*\)$", "").alias("kind"))
    summary = (
        rejected.group_by("file", "table", "column", "kind", maintain_order=True)
        .agg(pl.len().alias("rows"), pl.col("row").sort().head(5).alias("first_rows"), pl.col("value").first().alias("example"))
        .rename({"kind": "reason"})
    )
    fixes = [_fix(r, c) for r, c in zip(summary["reason"], summary["column"], strict=True)]
    return summary.with_columns(pl.Series("fix", fixes, dtype=pl.String))


# -- finding and reading files -------------------------------------------------------------


@dataclass
class Source:
    """One table-shaped piece of input: a CSV or Parquet file, or one sheet of a workbook."""

    label: str
    name: str
    """The file stem or sheet name, for identifying the table."""
    frame: pl.DataFrame
    """Data rows as read (columns = the file's headers) plus ``__row`` and ``__file``."""
    encoding: str | None
    table: str | None = None
    header_only: bool = False


def _find_files(path: str | Path | Sequence[str | Path]) -> tuple[Path, list[Path]]:
    """The folder that labels are relative to, and the data files to read (sorted)."""
    if isinstance(path, (str, Path)):
        root = Path(path)
        if not root.exists():
            raise CsanaError("no such file or folder", file=str(root), fix="check the path")
        if root.is_file():
            return root.parent, [root]
        found = data_files(root, TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES)
        if not found:
            raise CsanaError(
                "no CSV, XLSX or Parquet files found", file=str(root),
                fix="put the chat log (messages) and order files in this folder",
            )
        return root, found
    paths = [Path(p) for p in path]
    for p in paths:
        if not p.is_file():
            raise CsanaError("no such file", file=str(p), fix="check the path")
    if not paths:
        raise CsanaError("no files given", fix="pass a folder or a list of files")
    return Path(_common_parent(paths)), paths


def _common_parent(paths: list[Path]) -> str:
    parts = [p.resolve().parent.parts for p in paths]
    common = [names[0] for names in zip(*parts) if len(set(names)) == 1]
    return str(Path(*common)) if common else "/"


def _read_file(path: Path, root: Path, params: LoadParams) -> list[Source]:
    label = str(path.relative_to(root)) if path.is_relative_to(root) else path.name
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [_read_text(path, label, params)]
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, label, params)
    return [_read_parquet(path, label)]


def _read_text(path: Path, label: str, params: LoadParams) -> Source:
    grid = read_text(path, label, params.header_search_rows)
    header = _header_index(grid.head, params)
    return _source(label, path.stem, _named(*grid.below(header)), first_row=header + 2, encoding=grid.encoding)


def _header_index(lines: list[Cells], params: LoadParams) -> int:
    """First row naming ≥2 known columns (skips title rows); else the first non-empty row."""
    found = header_row(lines, params.known_headers(), normalize_name)
    if found is not None:
        return found
    return next((i for i, cells in enumerate(lines) if any(c not in (None, "") for c in cells)), 0)


def _named(cells: Cells, body: pl.DataFrame) -> pl.DataFrame:
    """The grid's positional columns named by the header cells (blank → column<N>, repeats → name.2)."""
    out: list[str] = []
    for i, cell in enumerate(cells):
        name = str(cell).strip() if cell not in (None, "") else f"column{i + 1}"
        base, n = name, 1
        while name in out:
            n += 1
            name = f"{base}.{n}"
        out.append(name)
    return body.rename(dict(zip(body.columns, out, strict=True)))


def _read_excel(path: Path, label: str, params: LoadParams) -> list[Source]:
    sheets = [(name, grid) for name, grid in read_workbook(path, label, params.header_search_rows) if grid.head]
    if not sheets:
        raise CsanaError("the workbook is empty", file=label, fix="export the data again")
    out = []
    for name, grid in sheets:
        sheet_label = label if len(sheets) == 1 else f"{label}[{name}]"
        header = _header_index(grid.head, params)
        hint = name if len(sheets) > 1 or _table_by_name(name, params) else path.stem
        out.append(_source(sheet_label, hint, _named(*grid.below(header)), first_row=header + 2, encoding=None))
    return out


def _read_parquet(path: Path, label: str) -> Source:
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars/OS errors for a corrupt or truncated file
        raise CsanaError(f"not a readable Parquet file ({str(exc).splitlines()[0]})", file=label,
                         fix="write the file again") from None
    return _source(label, path.stem, frame, first_row=2, encoding=None)


def _source(label: str, name: str, frame: pl.DataFrame, first_row: int, encoding: str | None) -> Source:
    """Number the rows as a spreadsheet shows them and drop fully blank rows (not data)."""
    frame = frame.drop([c for c in frame.columns if c.startswith("column") and frame[c].null_count() == frame.height])
    numbered = frame.with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias(ROW), pl.lit(label).alias(FILE)
    )
    blank = _blank_rows(frame)
    if blank.len():
        numbered = numbered.filter(pl.repeat(True, frame.height, eager=True).scatter(blank, False))
    return Source(label=label, name=name, frame=numbered, encoding=encoding, header_only=numbered.height == 0)


def _blank_rows(frame: pl.DataFrame) -> pl.Series:
    """Positions of the rows that are blank (null, or only spaces) in every column (none without columns).

    Tested column by column on the rows still blank so far, typed columns first (a null test
    is cheapest): in real data the first column already rules out nearly every row.
    """
    rows = pl.int_range(frame.height, dtype=pl.UInt32, eager=True) if frame.width else pl.Series([], dtype=pl.UInt32)
    for column in sorted(frame.columns, key=lambda c: frame.schema[c] == pl.String):
        if rows.len() == 0:
            break
        values = frame[column] if rows.len() == frame.height else frame[column].gather(rows)
        blank = values.is_null() | (values.str.strip_chars() == "") if values.dtype == pl.String else values.is_null()
        rows = rows.filter(blank)
    return rows


# -- identifying tables --------------------------------------------------------------------


def _table_by_name(name: str, params: LoadParams) -> list[str]:
    """Tables whose name or file alias occurs in ``name``; only the longest match(es)."""
    key = normalize_name(name)
    hits: dict[str, int] = {}
    for table in TABLES:
        for alias in (table, *params.tables.get(table, TableAliases()).files):
            a = normalize_name(alias)
            if a and a in key:
                hits[table] = max(hits.get(table, 0), len(a))
    best = max(hits.values(), default=0)
    return [t for t, n in hits.items() if n == best]


def _matched_columns(table: str, headers: Iterable[str], params: LoadParams) -> set[str]:
    mapping = params.column_map(table)
    return {mapping[normalize_name(h)][0] for h in headers if normalize_name(h) in mapping}


def _by_columns(source: Source, candidates: Iterable[str], params: LoadParams) -> list[str]:
    """Candidate tables whose required columns are all present, most columns matched first."""
    headers = [c for c in source.frame.columns if c not in (ROW, FILE)]
    fits = {t: len(m) for t in candidates
            if set(TABLES[t].required) - {"units"} <= (m := _matched_columns(t, headers, params))}
    best = max(fits.values(), default=0)
    return [t for t, n in fits.items() if n == best]


def _identify(sources: list[Source], params: LoadParams, warnings: list[str]) -> dict[str, list[Source]]:
    """Assign each source to a table (by name, ties and unnamed files by columns)."""
    by_table: dict[str, list[Source]] = {}
    for source in sources:
        named = _table_by_name(source.name, params)
        if len(named) == 1:
            source.table = named[0]
        else:
            fits = _by_columns(source, named or TABLES, params)
            if len(fits) > 1:
                raise CsanaError(
                    f"cannot tell which table this is: its columns fit {' and '.join(fits)}",
                    file=source.label, fix=f"put the table name in the file name, e.g. {' or '.join(f'{t}.csv' for t in fits)}",
                )
            if not fits:
                warnings.append(f"{source.label}: not recognised as any table (columns: "
                                f"{', '.join(c for c in source.frame.columns if c not in (ROW, FILE))}); ignored")
                continue
            source.table = fits[0]
        by_table.setdefault(source.table, []).append(source)
    return by_table


def _require_tables(by_table: dict[str, list[Source]], sources: list[Source]) -> None:
    missing = [t for t, spec in TABLES.items() if spec.needed and t not in by_table]
    if not missing:
        return
    found = ", ".join(f"{s.label} → {s.table or 'unrecognised'}" for s in sources) or "nothing"
    expect = "; ".join(f"{t} ({TABLES[t].zh}): a file named like {t}.csv or {TABLES[t].zh}.xlsx with columns "
                       f"{', '.join(TABLES[t].required)}" for t in missing)
    raise CsanaError(f"required table(s) missing: {', '.join(missing)}; found: {found}", fix=f"add {expect}")


# -- mapping headers -------------------------------------------------------------------------


def _map_columns(table: str, frame: pl.DataFrame, label: str, params: LoadParams, warnings: list[str]) -> pl.DataFrame:
    """Rename the file's headers to canonical names; drop (and report) the rest."""
    mapping = params.column_map(table)
    chosen: dict[str, tuple[str, int]] = {}
    for header in frame.columns:
        if header in (ROW, FILE) or normalize_name(header) not in mapping:
            continue
        column, rank = mapping[normalize_name(header)]
        if column not in chosen or rank < chosen[column][1]:
            chosen[column] = (header, rank)
    spec = TABLES[table]
    missing = [c for c in spec.required if c not in chosen and not (c == "units" and params.default_units)]
    if missing:
        raise CsanaError(
            f"missing required column(s) {', '.join(missing)} for table {table}; "
            f"found: {', '.join(c for c in frame.columns if c not in (ROW, FILE)) or 'no columns'}",
            file=label, column=missing[0],
            fix="rename the header to one of: " + "; ".join(
                f"{c} = " + ", ".join([c, *params.tables.get(table, TableAliases()).columns.get(c, ())][:6])
                for c in missing),
        )
    used = {header for header, _ in chosen.values()}
    extras = [c for c in frame.columns if c not in used and c not in (ROW, FILE)]
    unknown = [c for c in extras if normalize_name(c) not in mapping]
    if unknown:
        warnings.append(f"{label}: unknown columns ignored: {', '.join(unknown)}")
    warnings += [f"{label}: column {c} also names {mapping[normalize_name(c)][0]}; used {chosen[mapping[normalize_name(c)][0]][0]}"
                 for c in extras if c not in unknown]
    renamed = frame.select([pl.col(h).alias(c) for c, (h, _) in chosen.items()] + [pl.col(ROW), pl.col(FILE)])
    if table == "orders" and "units" not in chosen:
        warnings.append(f"{label}: no units column (数量); every order counts {params.default_units} unit(s)")
        renamed = renamed.with_columns(pl.lit(params.default_units, pl.Int64).alias("units"))
    order = [c for c in spec.columns if c in renamed.columns]
    return renamed.select([*order, ROW, FILE])


# -- parsing values --------------------------------------------------------------------------


def _text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """The value as a stripped string; integral floats lose their ".0" (ids read as numbers)."""
    if dtype.is_float():
        return pl.when(expr == expr.round()).then(expr.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(expr.cast(pl.String))
    return expr.cast(pl.String).str.strip_chars()


def _missing(expr: pl.Expr, dtype: pl.DataType, column: str, params: LoadParams) -> pl.Expr:
    if dtype == pl.String:
        stripped = expr.str.strip_chars()
        if column in FREE_TEXT:
            return expr.is_null() | (stripped == "")
        return expr.is_null() | stripped.str.to_lowercase().is_in(list(params.missing_values))
    if dtype.is_float():
        return expr.is_null() | expr.is_nan()
    return expr.is_null()


def _number(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Float from numbers or from text like ¥1,299.00, ￥1,299, 1299元, RMB 12."""
    if dtype.is_numeric():
        value = expr.cast(pl.Float64)
    else:
        cleaned = expr.str.strip_chars().str.replace_all(r"(?i)^(rmb|cny)|[¥￥$,，\s]|元$", "")
        value = cleaned.cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)  # "inf", "1e309": not a number anyone paid


def _seconds(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Durations in seconds from numbers or H:MM:SS."""
    if dtype.is_numeric():
        return _number(expr, dtype)
    parts = expr.str.strip_chars().str.extract_groups(r"^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")
    hms = (parts.struct.field("1").cast(pl.Float64) * 3600 + parts.struct.field("2").cast(pl.Float64) * 60
           + parts.struct.field("3").cast(pl.Float64))
    return pl.coalesce(hms, _number(expr, dtype))


def _datetime(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Datetime (µs, shop-local wall clock) from any accepted layout or an Excel serial day."""
    if isinstance(dtype, pl.Datetime):
        naive = expr.dt.replace_time_zone(None) if dtype.time_zone else expr
        return naive.cast(DATETIME)
    if dtype == pl.Date:
        return expr.cast(DATETIME)
    if dtype.is_numeric():
        return _excel_serial(expr.cast(pl.Float64))
    text = (expr.str.strip_chars()
            .str.replace(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[T\s]+|$)", "${1}-${2}-${3} ")
            .str.strip_chars())
    serial = pl.when(text.str.contains(r"^\d{5}(\.\d+)?$")).then(_excel_serial(text.cast(pl.Float64, strict=False)))
    return pl.coalesce([text.str.strptime(DATETIME, f, strict=False) for f in DATETIME_FORMATS] + [serial])


def _usual(values: pl.Series, sample: int = 1000) -> str | None:
    """The layout (of :data:`RAW_FORMATS`) that parses most of the first ``sample`` text values."""
    if values.dtype != pl.String:
        return None
    head = values.drop_nulls().head(sample).str.strip_chars()
    if head.len() == 0:
        return None
    hits = {f: head.str.strptime(DATETIME, f, strict=False).is_not_null().sum() for f in RAW_FORMATS}
    best = max(hits, key=hits.__getitem__)
    return best if hits[best] else None


def _excel_serial(days: pl.Expr) -> pl.Expr:
    """Excel's day number (1900 date system) → datetime, rounded to the millisecond."""
    valid = (days > 20_000) & (days < 80_000)  # 1954 … 2119: anything else is not a date
    ms = (days * 86_400_000).round().cast(pl.Int64)
    stamp = pl.lit(EXCEL_EPOCH).str.to_datetime("%Y-%m-%d", time_unit="us") + pl.duration(milliseconds=ms)
    return pl.when(valid).then(stamp)


def _integer(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    number = _number(expr, dtype)
    return pl.when(number == number.round()).then(number.cast(pl.Int64, strict=False))


def _boolean(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return expr
    if dtype.is_numeric():
        return pl.when(expr == 1).then(True).when(expr == 0).then(False)
    truth = {"true": True, "1": True, "yes": True, "y": True, "t": True, "是": True, "√": True,
             "false": False, "0": False, "no": False, "n": False, "f": False, "否": False, "×": False}
    return expr.str.strip_chars().str.to_lowercase().replace_strict(truth, default=None, return_dtype=pl.Boolean)


def _month(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """"YYYY-MM" from 2026-10, 2026/10, 202610, 2026年10月, 2026-10-01 or a date."""
    if dtype.is_temporal():
        return expr.dt.strftime("%Y-%m")
    parts = _text(expr, dtype).str.extract_groups(r"^(\d{4})[-/.年]?(\d{1,2})(?:$|[-/.月日\s])")
    year, month = parts.struct.field("1"), parts.struct.field("2").cast(pl.Int64, strict=False)
    return pl.when(month.is_between(1, 12)).then(pl.format("{}-{}", year, month.cast(pl.String).str.zfill(2)))


def _sender(expr: pl.Expr, dtype: pl.DataType, params: LoadParams) -> pl.Expr:
    """customer/agent/auto from the spellings in params (cells that are no spelling: :func:`_own_senders`)."""
    return _text(expr, dtype).str.to_lowercase().replace_strict(params.sender_map(), default=None)


def _own_senders(staged: pl.DataFrame) -> pl.DataFrame:
    """A sender cell that is no known spelling but holds the row's own customer or agent id (chat
    exports that name the sender's nickname) counts as that side. Tested on those rows only."""
    rows = staged.select((pl.col("__val_sender").is_null() & ~pl.col("__miss_sender")).arg_true()).to_series()
    if rows.len() == 0:
        return staged
    text = _text(pl.col("sender"), staged.schema["sender"])
    own = (pl.when(text == pl.col("__raw_customer_id").cast(pl.String).str.strip_chars()).then(pl.lit("customer"))
           .when(text == pl.col("__raw_agent_id").cast(pl.String).str.strip_chars()).then(pl.lit("agent")))
    found = staged[rows].select(own).to_series()
    return staged.with_columns(staged["__val_sender"].scatter(rows, found))


def _parsed(column: str, dtype: pl.DataType, source: pl.DataType, params: LoadParams) -> tuple[pl.Expr, str]:
    """The expression turning one column (of dtype ``source``) into ``dtype``, and the reason given when it fails."""
    expr = pl.col(column)
    if column == "sender":
        return _sender(expr, source, params), "unknown sender value"
    if column == "month":
        return _month(expr, source), "not a month like 2026-10"
    if dtype == pl.String:
        text = _text(expr, source)
        return (text.str.replace(r"^(\d+)\.0+$", "${1}") if column.endswith("_id") else text), "not text"
    if dtype == pl.Datetime("us"):
        return _datetime(expr, source), "unparseable timestamp"
    if dtype == pl.Date:
        return _datetime(expr, source).dt.date(), "unparseable date"
    if dtype == pl.Int64:
        return _integer(expr, source), "not a whole number"
    if dtype == pl.Boolean:
        return _boolean(expr, source), "not true/false (是/否)"
    if column.endswith("_s"):
        return _seconds(expr, source), "not a duration in seconds or H:MM:SS"
    return _number(expr, source), "not a number"


# -- row checks ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """A rule a row must pass; ``failed`` is a boolean expression over parsed (and raw) columns."""

    column: str
    reason: str
    failed: pl.Expr


FIXES = {
    "missing value": "fill in the {column} cell or delete the row",
    "unknown sender value": ("use customer/agent/auto (or 买家/客服/机器人), "
                             "or add the spelling under senders in params/columns.yaml"),
    "unparseable timestamp": "write times like 2026-10-01 09:00:00 (shop-local time)",
    "unparseable date": "write dates like 2026-10-01",
    "not a number": "write plain numbers like 1299.00 (¥, commas and 元 are fine)",
    "not a whole number": "write whole numbers like 2",
    "not true/false (是/否)": "write 是/否 or true/false",
    "not a month like 2026-10": "write months like 2026-10",
    "not a duration in seconds or H:MM:SS": "write seconds like 28800 or durations like 8:00:00",
    "negative value": "amounts and durations cannot be negative; correct the value or delete the row",
    "units must be at least 1": "an order has at least 1 unit; correct the value or delete the row",
    "service_score outside 1–5": "scores run from 1 to 5",
    "paid_at before created_at": "check the two times (swapped columns?) and correct them",
    "id mangled into scientific notation by Excel": "format the id column as text in Excel before saving, or export again",
    "duplicate": "remove the repeated rows (the first one is kept)",
    "order_id not in orders": "include the orders these rows refer to in the orders file, or delete the rows",
}


def _fix(reason: str, column: str | None) -> str:
    key = next((k for k in FIXES if reason.startswith(k)), None)
    return FIXES[key].format(column=column) if key else "correct the value or delete the row"


def _parse_cells(table: Table, staged: pl.DataFrame, params: LoadParams) -> pl.DataFrame:
    """Add, for every column present, what each cell is: ``__miss_<column>`` (empty or a missing-value
    mark), ``__val_<column>`` (the cell parsed; null when it does not parse) and, for text ids,
    ``__mangled_<column>`` (an id Excel turned into 1.23E+11).

    These depend on the cell alone, so text columns whose values repeat (ids, senders, teams:
    a chat log's millions of rows hold thousands of them) are parsed once per distinct value
    (:func:`_by_value`); other columns cell by cell.
    """
    per_cell: list[pl.Expr] = []
    per_value: list[pl.Expr | pl.Series] = []
    for column, dtype in table.columns.items():
        if column not in staged.columns:
            continue
        raw = pl.col(f"__raw_{column}")
        cell = [_missing(raw, staged.schema[f"__raw_{column}"], column, params).alias(f"__miss_{column}"),
                _parsed(column, dtype, staged.schema[column], params)[0].alias(f"__val_{column}")]
        if column.endswith("_id") and staged.schema[f"__raw_{column}"] == pl.String:
            cell.append(raw.str.contains(r"^\s*\d(\.\d+)?[eE]\+\d+\s*$").alias(f"__mangled_{column}"))
        if staged.schema[column] == pl.String and _repeats(staged[f"__raw_{column}"]):
            per_value += _by_value(staged, column, cell)
        else:
            per_cell += cell
    staged = staged.with_columns(per_cell + per_value)
    return _own_senders(staged) if "sender" in staged.columns else staged


def _by_value(staged: pl.DataFrame, column: str, cell: list[pl.Expr]) -> list[pl.Expr | pl.Series]:
    """The ``cell`` columns of a text column, computed once per distinct value and joined back to the rows.

    When every value is already as canonical as it gets (not a missing mark, parses to itself,
    not mangled: clean ids and senders, typical of Parquet), the results are the column itself
    and no join is needed.
    """
    raw = f"__raw_{column}"
    values = staged.select(pl.col(raw).unique()).with_columns(pl.col(raw).alias(column)).select(raw, *cell)
    val, miss, mangled = (f"__{part}_{column}" for part in ("val", "miss", "mangled"))
    has_mangled = mangled in values.columns
    as_written = (~pl.col(miss) & (pl.col(val) == pl.col(raw)) & (~pl.col(mangled) if has_mangled else True)).fill_null(False)
    if values.schema[val] == pl.String and values.filter(pl.col(raw).is_not_null()).select(as_written.all()).item():
        same = [pl.col(raw).is_null().alias(miss), pl.col(raw).alias(val)]
        return same + ([pl.lit(False).alias(mangled)] if has_mangled else [])
    joined = staged.select(raw).join(values, on=raw, how="left", nulls_equal=True, maintain_order="left")
    return joined.drop(raw).get_columns()


def _repeats(values: pl.Series, sample: int = 10_000) -> bool:
    """Whether at most half of the first ``sample`` values are distinct: then parsing each distinct value
    once and joining back is cheaper than parsing every cell (unique order ids and free text are not)."""
    head = values.head(sample)
    return head.len() > 0 and head.n_unique() * 2 <= head.len()


def _column_checks(table: Table, frame: pl.DataFrame, params: LoadParams) -> tuple[list[pl.Expr], list[Check]]:
    """Parsing expressions for every column present, and the checks on each cell."""
    parsed, checks = [], []
    for column, dtype in table.columns.items():
        if column not in frame.columns:
            continue
        missing = pl.col(f"__miss_{column}")
        _, reason = _parsed(column, dtype, frame.schema[column], params)
        parsed.append(pl.when(~missing).then(pl.col(f"__val_{column}")).cast(dtype).alias(column))
        if column in table.required and (table.name, column) not in NULLABLE:
            checks.append(Check(column, "missing value", missing))
        if f"__mangled_{column}" in frame.columns:
            checks.append(Check(column, "id mangled into scientific notation by Excel", pl.col(f"__mangled_{column}")))
        checks.append(Check(column, reason, ~missing & pl.col(column).is_null()))
    return parsed, checks + _value_checks(table, frame)


def _value_checks(table: Table, frame: pl.DataFrame) -> list[Check]:
    """Rules on parsed values (ranges, order of times)."""
    present = set(frame.columns)
    out = [Check(c, "negative value", pl.col(c) < 0) for c in ("amount", "refund_amount", "online_s", "hung_up_s")
           if c in present and c in table.columns]
    if "units" in present and "units" in table.columns:
        out.append(Check("units", "units must be at least 1", pl.col("units") < 1))
    if table.name == "reviews" and "service_score" in present:
        out.append(Check("service_score", "service_score outside 1–5", ~pl.col("service_score").is_between(1, 5)))
    if table.name == "orders":
        out.append(Check("paid_at", "paid_at before created_at", pl.col("paid_at") < pl.col("created_at")))
    return out


def _check_rows(table: Table, frame: pl.DataFrame, params: LoadParams) -> Checked:
    """Parse every column; split rows into good (canonical types) and rejected (with reasons).

    Each row gets the index of the first check it fails (null = good); the rejected
    rows' column, reason and raw value are looked up afterwards, on those rows only.
    """
    columns = [c for c in frame.columns if c not in (ROW, FILE)]
    frame = _parseable(table, frame)
    staged = _parse_times(frame.with_columns([pl.col(c).alias(f"__raw_{c}") for c in columns]), table)
    staged = _parse_cells(table, staged, params)
    parsed, checks = _column_checks(table, staged, params)
    failed = pl.coalesce([pl.when(ch.failed.fill_null(False)).then(pl.lit(i, pl.Int32)) for i, ch in enumerate(checks)])
    staged = staged.lazy().with_columns(parsed).with_columns(failed.alias("__check")).collect()
    good = staged.filter(pl.col("__check").is_null()).select([*columns, ROW, FILE])
    value = pl.coalesce([pl.when(pl.col("__check") == i).then(pl.col(f"__raw_{ch.column}").cast(pl.String))
                         for i, ch in enumerate(checks)]) if checks else pl.lit(None, pl.String)
    bad = staged.filter(pl.col("__check").is_not_null()).select(
        pl.col(FILE).alias("file"), pl.lit(table.name).alias("table"), pl.col(ROW).alias("row"),
        pl.col("__check").replace_strict({i: ch.column for i, ch in enumerate(checks)}, return_dtype=pl.String).alias("column"),
        pl.col("__check").replace_strict({i: ch.reason for i, ch in enumerate(checks)}, return_dtype=pl.String).alias("reason"),
        pl.when(value.str.strip_chars() != "").then(value).alias("value"),
    )
    return good, bad.cast(REJECTED_SCHEMA)


def _parseable(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Cast columns the parsers do not take (e.g. booleans meant as numbers, categoricals, nulls) to text."""
    casts = []
    for column, target in table.columns.items():
        dtype = frame.schema.get(column)
        if dtype is None:
            continue
        if dtype.is_nested():
            raise CsanaError(f"column holds {dtype} values instead of single values", file=frame[FILE][0] if frame.height else None,
                             column=column, fix="store one plain value per cell")
        if isinstance(dtype, pl.Duration):  # polars cannot cast durations to text; seconds columns take them
            if not column.endswith("_s"):
                raise CsanaError(f"column holds durations ({dtype}) instead of {target} values", column=column,
                                 file=frame[FILE][0] if frame.height else None, fix="store plain values, not time spans")
            casts.append((pl.col(column).dt.total_microseconds() / 1_000_000).alias(column))
            continue
        temporal = isinstance(dtype, pl.Datetime) or dtype == pl.Date
        takes = (dtype == pl.String or dtype.is_numeric()
                 or (temporal and (target.is_temporal() or target == pl.String))
                 or (dtype == pl.Boolean and target in (pl.Boolean, pl.String)))
        if not takes:
            casts.append(pl.col(column).cast(pl.String))
    return frame.with_columns(casts)


def _parse_times(frame: pl.DataFrame, table: Table) -> pl.DataFrame:
    """Parse text time columns in two passes: the column's usual layout over every row, then
    every accepted layout over the rows it missed (few, usually), so big files stay fast."""
    out = []
    for column, dtype in table.columns.items():
        if dtype not in (DATETIME, pl.Date) or frame.schema.get(column) != pl.String:
            continue
        raw = frame[column].str.strip_chars()
        usual = _usual(raw)
        fast = (raw.str.strptime(DATETIME, usual, strict=False) if usual
                else pl.repeat(None, frame.height, dtype=DATETIME, eager=True))
        missed = (fast.is_null() & raw.is_not_null()).arg_true()
        if missed.len():
            slow = raw.gather(missed).to_frame(column).select(_datetime(pl.col(column), pl.String)).to_series()
            fast = fast.scatter(missed, slow)
        out.append(fast.alias(column))
    return frame.with_columns(out)


def _dedupe(table: Table, frame: pl.DataFrame) -> Checked:
    """Keep the first row of each unique key; reject the others, naming the row kept."""
    if not table.unique or frame.height == 0:
        return frame, pl.DataFrame(schema=REJECTED_SCHEMA)
    key = list(table.unique)
    first = frame.select(pl.struct(key).is_first_distinct()).to_series()
    if first.all():
        return frame, pl.DataFrame(schema=REJECTED_SCHEMA)
    kept = frame.filter(first).select(*key, pl.col(ROW).alias("__kept_row"), pl.col(FILE).alias("__kept_file"))
    marked = frame.filter(~first).join(kept, on=key, how="left", nulls_equal=True, maintain_order="left")
    bad = marked.select(
        pl.col(FILE).alias("file"), pl.lit(table.name).alias("table"), pl.col(ROW).alias("row"),
        pl.lit(key[0]).alias("column"),
        pl.format("duplicate {} (kept row {} of {})", pl.lit(key[0]), "__kept_row", "__kept_file").alias("reason"),
        pl.col(key[0]).cast(pl.String).alias("value"),
    )
    return frame.filter(first), bad


def _check_sources(name: str, sources: list[Source], params: LoadParams, warnings: list[str]) -> Checked:
    """All files of one table: mapped, parsed, checked, stacked and de-duplicated."""
    table = TABLES[name]
    goods, bads = [], []
    for source in sources:
        if source.header_only:
            warnings.append(f"{source.label}: header but no data rows; read as an empty {name} table")
        mapped = _map_columns(name, source.frame, source.label, params, warnings)
        good, bad = _check_rows(table, mapped, params)
        goods.append(good)
        bads.append(bad)
    good, dup = _dedupe(table, pl.concat(goods, how="diagonal_relaxed"))
    return good, pl.concat([*bads, dup])


# -- cross-table checks and bookkeeping --------------------------------------------------------


def _cross_check(checked: dict[str, Checked], warnings: list[str]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Reject rows referring to orders that are not there; warn about agents not in the agents table."""
    tables = {name: good for name, (good, _) in checked.items()}
    rejected = [bad for _, bad in checked.values()]
    order_ids = tables["orders"]["order_id"].unique().implode()
    for name in ("reminders", "reviews", "disputes"):
        if name not in tables:
            continue
        frame = tables[name]
        orphan = ~pl.col("order_id").is_in(order_ids)
        rejected.append(frame.filter(orphan).select(
            pl.col(FILE).alias("file"), pl.lit(name).alias("table"), pl.col(ROW).alias("row"),
            pl.lit("order_id").alias("column"), pl.lit("order_id not in orders").alias("reason"),
            pl.col("order_id").alias("value"),
        ))
        tables[name] = frame.filter(~orphan)
    if "agents" in tables:
        listed = tables["agents"]["agent_id"].implode()
        unlisted = tables["messages"].filter(~pl.col("agent_id").is_in(listed))["agent_id"].unique().sort()
        if unlisted.len():
            shown = ", ".join(unlisted.head(10).to_list()) + (f" (+{unlisted.len() - 10} more)" if unlisted.len() > 10 else "")
            warnings.append(f"{unlisted.len()} agent(s) in messages are missing from the agents table: {shown}; "
                            "they are analysed without name or team — add them to the agents file")
    tables = {name: frame.drop(ROW, FILE) for name, frame in tables.items()}
    return tables, pl.concat(rejected).sort("file", "row")


def _file_counts(sources: list[Source], rejected: pl.DataFrame) -> pl.DataFrame:
    """Rows read, used and rejected per file (used = read − rejected)."""
    counted = rejected.group_by("file").agg(pl.len().cast(pl.Int64).alias("rows_rejected"))
    files = pl.DataFrame(
        [{"file": s.label, "table": s.table, "encoding": s.encoding, "rows_read": s.frame.height}
         for s in sources if s.table is not None],
        schema={k: FILES_SCHEMA[k] for k in ("file", "table", "encoding", "rows_read")},
    )
    return (
        files.join(counted, on="file", how="left")
        .with_columns(pl.col("rows_rejected").fill_null(0))
        .with_columns((pl.col("rows_read") - pl.col("rows_rejected")).alias("rows_used"))
        .select(list(FILES_SCHEMA))
        .cast(FILES_SCHEMA)
    )


def _require_usable(files: pl.DataFrame, rejected: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> None:
    """A file whose rows were all rejected, or a required table with no rows, is an error."""
    dead = files.filter(pl.col("rows_read") > 0, pl.col("rows_used") == 0)
    if dead.height:
        label, read = dead["file"][0], dead["rows_read"][0]
        bad = rejected.filter(pl.col("file") == label)
        top = bad.group_by("column", "reason").agg(pl.col("row").sort(), pl.col("value").first()).with_columns(
            pl.col("row").list.len().alias("n")).sort("n", descending=True).row(0, named=True)
        raise CsanaError(
            f"no usable rows: all {read} rows were set aside; most often: {top['reason']} "
            f"({top['n']} rows, e.g. {top['value']!r})",
            file=label, column=top["column"], rows=top["row"], fix=_fix(top["reason"], top["column"]),
        )
    for name, spec in TABLES.items():
        if spec.needed and tables[name].height == 0:
            raise CsanaError(
                f"the {name} table ({spec.zh}) has no data rows",
                file=", ".join(files.filter(pl.col("table") == name)["file"].to_list()),
                fix=f"export the {spec.zh} again with the rows of the period to analyse",
            )


def _rejection_lines(rejected: pl.DataFrame) -> list[str]:
    """One warning line per file × column × reason, in CsanaError's format."""
    if rejected.height == 0:
        return []
    summary = rejection_summary(rejected)
    return [
        str(CsanaError(f"{r['rows']} row(s) set aside: {r['reason']}", file=r["file"], column=r["column"],
                       rows=r["first_rows"], fix=r["fix"]))
        for r in summary.iter_rows(named=True)
    ]
