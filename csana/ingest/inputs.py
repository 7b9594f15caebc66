"""Finding, reading and identifying the input tables of raw logs.

An *input table* (:class:`InputTable`) is one table-shaped piece of input: a CSV or Parquet
file, or one sheet of a workbook. :func:`read_inputs` reads a file into its input tables
(header row found below any title rows, spreadsheet row numbers kept, fully blank rows
dropped); :func:`identify` tells which canonical table each one is, by its file or sheet
name, else by its columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from csana.errors import CsanaError, printable
from csana.i18n import Note
from csana.ingest.columns import LoadParams, TableAliases, normalize_name
from csana.ingest.files import (
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
    Cells,
    Grid,
    content_kind,
    data_files,
    header_row,
    read_grids,
)
from csana.ingest.schema import TABLES

ROW = "__row"
"""The spreadsheet row number of each data row (header = row 1)."""
FILE = "__file"
"""The label of the file (or workbook sheet) each data row came from."""


@dataclass
class InputTable:
    """One table-shaped piece of input: a CSV or Parquet file, or one sheet of a workbook."""

    label: str
    name: str
    """The file stem or sheet name, for identifying the table."""
    frame: pl.DataFrame
    """Data rows as read (columns = the file's headers) plus ``__row`` and ``__file``."""
    encoding: str | None
    table: str | None = None
    header_only: bool = False


def find_files(path: str | Path | Sequence[str | Path]) -> tuple[Path, list[Path]]:
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


def label_of(path: Path, root: Path) -> str:
    """A file's label: its path relative to the folder loaded (its name when outside it), printable."""
    return printable(path.relative_to(root) if path.is_relative_to(root) else path.name)


def read_inputs(path: Path, root: Path, params: LoadParams, warnings: list[str]) -> list[InputTable]:
    """The input tables of one file, read by what the file holds (a workbook named .csv, text named .xls:
    :func:`csana.ingest.files.read_grids`). What reading left out is added to ``warnings``."""
    label = label_of(path, root)
    if content_kind(path) == "parquet" or (path.suffix.lower() in PARQUET_SUFFIXES and content_kind(path) == "text"):
        return [_read_parquet(path, label)]
    grids = read_grids(path, label, params.header_search_rows)
    if len(grids) == 1 and grids[0].sheet is None:
        grid = grids[0]
        header = _header_index(grid.head, params)
        return [_input_table(label, path.stem, _named(*grid.below(header, ROW)), encoding=grid.encoding)]
    return _read_sheets(path, label, grids, params, warnings)


def _header_index(lines: list[Cells], params: LoadParams) -> int:
    """First row naming ≥2 known columns (skips title rows); else the first non-empty row."""
    found = header_row(lines, params.known_headers(), normalize_name)
    if found is not None:
        return found
    return next((i for i, cells in enumerate(lines) if any(c not in (None, "") for c in cells)), 0)


def _named(cells: Cells, body: pl.DataFrame) -> pl.DataFrame:
    """The grid's positional columns named by the header cells (blank → column<N>, repeats → name.2);
    the row numbers (``__row``) stay as they are."""
    out: list[str] = []
    taken: set[str] = set()
    for i, cell in enumerate(cells):
        name = printable(str(cell).strip()) if cell not in (None, "") else f"column{i + 1}"
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base}.{n}"
        out.append(name)
        taken.add(name)
    return body.rename(dict(zip([c for c in body.columns if c != ROW], out, strict=True)))


def _read_sheets(path: Path, label: str, grids: list[Grid], params: LoadParams, warnings: list[str]) -> list[InputTable]:
    """The non-empty sheets of a workbook. A hidden sheet (a pivot, a lookup list) is ignored unless its name
    names a table; a workbook of one sheet is identified by the file name, a sheet of several by its own."""
    sheets = []
    for grid in grids:
        warnings += grid.notes
        if not grid.head:
            continue
        if grid.hidden and not table_by_name(grid.sheet or "", params):
            warnings.append(Note(f"{label}[{grid.sheet}]: hidden sheet ignored (unhide it, or name it after its table, "
                                 "to use it)", f"{label}[{grid.sheet}]：隐藏的工作表已忽略（要使用它，请取消隐藏，或以它的表名命名）"))
            continue
        sheets.append(grid)
    if not sheets:
        raise CsanaError("the workbook is empty", file=label, fix="export the data again")
    out = []
    for grid in sheets:
        name = grid.sheet or ""
        sheet_label = label if len(sheets) == 1 else f"{label}[{name}]"
        header = _header_index(grid.head, params)
        hint = name if len(sheets) > 1 or table_by_name(name, params) else path.stem
        out.append(_input_table(sheet_label, hint, _named(*grid.below(header, ROW)), encoding=None))
    return out


def _read_parquet(path: Path, label: str) -> InputTable:
    try:  # bytes: a file name that is not UTF-8 cannot reach polars
        frame = pl.read_parquet(path.read_bytes(), row_index_name=ROW, row_index_offset=2)
    except Exception as exc:  # polars/OS errors for a corrupt or truncated file
        raise CsanaError(f"not a readable Parquet file ({str(exc).splitlines()[0]})", file=label,
                         fix="write the file again") from None
    return _input_table(label, path.stem, frame.with_columns(pl.col(ROW).cast(pl.Int64)), encoding=None)


def _input_table(label: str, name: str, frame: pl.DataFrame, encoding: str | None) -> InputTable:
    """Label the rows (numbered as a spreadsheet shows them, in ``__row``) with their file and drop fully
    blank rows (not data)."""
    unnamed = [c for c in frame.columns if c.startswith("column") and frame[c].null_count() == frame.height]
    if unnamed:  # (each whole-frame step costs time on a file of thousands of columns: only when needed)
        frame = frame.drop(unnamed)
    blank = _blank_rows(frame, skip=ROW)
    if blank.len():
        frame = frame.filter(pl.repeat(True, frame.height, eager=True).scatter(blank, False))
    numbered = frame.select(pl.exclude(ROW), pl.col(ROW), pl.lit(label).alias(FILE))
    return InputTable(label=label, name=name, frame=numbered, encoding=encoding, header_only=numbered.height == 0)


def _blank_rows(frame: pl.DataFrame, skip: str | None = None) -> pl.Series:
    """Positions of the rows that are blank (null, or only spaces) in every column but ``skip`` (none
    without columns).

    Tested column by column on the rows still blank so far, typed columns first (a null test
    is cheapest): in real data the first column already rules out nearly every row. The schema is
    read once: the loop is linear in the number of columns.
    """
    columns = [c for c in frame.columns if c != skip]
    rows = pl.int_range(frame.height, dtype=pl.UInt32, eager=True) if columns else pl.Series([], dtype=pl.UInt32)
    schema = frame.schema
    for column in sorted(columns, key=lambda c: schema[c] == pl.String):
        if rows.len() == 0:
            break
        values = frame[column] if rows.len() == frame.height else frame[column].gather(rows)
        if values.dtype == pl.String:  # blank text is empty or starts with white space: only such cells are stripped
            maybe = values.str.contains(r"^(?:\s|$)").fill_null(True)
            rows, values = rows.filter(maybe), values.filter(maybe)
            blank = values.is_null() | (values.str.strip_chars() == "")
        else:
            blank = values.is_null()
        rows = rows.filter(blank)
    return rows


# -- identifying tables --------------------------------------------------------------------


def table_by_name(name: str, params: LoadParams) -> list[str]:
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


def _by_columns(piece: InputTable, candidates: Iterable[str], params: LoadParams) -> list[str]:
    """Candidate tables whose required columns are all present, most columns matched first.

    A table of one required column (agents: just 客服) is recognised by its columns only when a second
    column of it is there too, or no other column: a pivot sheet of 客服 and 合计 is not an agents list."""
    headers = [c for c in piece.frame.columns if c not in (ROW, FILE)]
    fits = {}
    for t in candidates:
        matched = _matched_columns(t, headers, params)
        if not set(TABLES[t].required) - {"units"} <= matched:
            continue
        known = params.column_map(t)
        unknown = [h for h in headers if normalize_name(h) not in known]
        if len(TABLES[t].required) > 1 or len(matched) >= 2 or not unknown:
            fits[t] = len(matched)
    best = max(fits.values(), default=0)
    return [t for t, n in fits.items() if n == best]


def identify(pieces: list[InputTable], params: LoadParams, warnings: list[str]) -> dict[str, list[InputTable]]:
    """Assign each input table to a canonical table (by name, ties and unnamed files by columns)."""
    by_table: dict[str, list[InputTable]] = {}
    for piece in pieces:
        named = table_by_name(piece.name, params)
        if len(named) == 1:
            piece.table = named[0]
        else:
            fits = _by_columns(piece, named or TABLES, params)
            if len(fits) > 1:
                raise CsanaError(
                    f"cannot tell which table this is: its columns fit {' and '.join(fits)}",
                    file=piece.label, fix=f"put the table name in the file name, e.g. {' or '.join(f'{t}.csv' for t in fits)}",
                )
            if not fits:
                columns = ", ".join(c for c in piece.frame.columns if c not in (ROW, FILE))
                warnings.append(Note(f"{piece.label}: not recognised as any table (columns: {columns}); ignored",
                                     f"{piece.label}：无法识别为任何表（列：{columns}）；已忽略"))
                continue
            piece.table = fits[0]
        by_table.setdefault(piece.table, []).append(piece)
    return by_table


def require_tables(by_table: Mapping[str, Sequence[Any]], pieces: Sequence[Any]) -> None:
    """Raise when a needed table is missing; ``pieces`` (with ``label`` and ``table``) say what was found."""
    missing = [t for t, spec in TABLES.items() if spec.needed and t not in by_table]
    if not missing:
        return
    found = ", ".join(f"{s.label} → {s.table or 'unrecognised'}" for s in pieces) or "nothing"
    expect = "; ".join(f"{t} ({TABLES[t].zh}): a file named like {t}.csv or {TABLES[t].zh}.xlsx with columns "
                       f"{', '.join(TABLES[t].required)}" for t in missing)
    raise CsanaError(f"required table(s) missing: {', '.join(missing)}; found: {found}", fix=f"add {expect}")
