"""Workbooks as they arrive: which sheets there are, which are hidden, and how much a sheet may claim.

The Excel reader (calamine, through fastexcel) allocates a sheet's whole range, from its first to its
last used cell. A 3 KB workbook whose only oddity is a note typed into the last cell (XFD1048576)
claims 1,048,576 × 16,384 cells and the reader aborts the process asking for 512 GB. So before a
workbook is read, each sheet's extent is bounded here:

*table extent*
    the block of rows and columns holding most of the sheet's cells; cells separated from it by
    more than :data:`GAP_ROWS` empty rows or :data:`GAP_COLUMNS` empty columns are *stray cells*
    (a note in the last row or column, a stray keystroke far away).
*bounded copy*
    the workbook with its stray cells left out, read from memory instead of the file: the reader
    then allocates the table extent only. Stray cells are named in a note, never dropped silently.

A sheet whose table extent is beyond :data:`MAX_SHEET_CELLS` is refused with a clear message. Sheets
are found through ``xl/workbook.xml`` (names, hidden state) without reading any cell.

Only .xlsx/.xlsm (zip) workbooks are bounded; legacy .xls workbooks are read as they are.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import polars as pl

from csana.errors import CsanaError
from csana.i18n import Note

MAX_SHEET_CELLS = 30_000_000
"""The most cells (rows × columns of the table extent) a sheet may claim: a 1,048,576-row chat log (Excel's
row limit) of 28 columns. Beyond it the sheet is refused: save it as CSV, or split it."""
GAP_ROWS = 1_000
"""Empty rows that separate stray cells from the table."""
GAP_COLUMNS = 100
"""Empty columns that separate stray cells from the table."""
SCAN_BYTES = 16_000_000
"""Sheets up to this size (uncompressed XML) are scanned cell by cell for stray cells (≈ 0.1 s); larger
ones are scanned only when their declared dimension claims more cells than their size can hold."""
BYTES_PER_CELL = 8
"""Fewer bytes of sheet XML than this per claimed cell means the claim is out of proportion to the content."""

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
CELL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"(?:[^>]*?/>|[^>]*?>.*?</c>)', re.S)
DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})?([0-9]{1,7})?(?::([A-Z]{1,3})([0-9]{1,7}))?"\s*/>')


@dataclass
class Sheet:
    """One sheet of a workbook: its name, whether it is hidden, and the zip part holding its cells."""

    name: str
    hidden: bool
    part: str | None = None


@dataclass
class Workbook:
    """A workbook ready for the reader: its sheets, the bytes to read (a bounded copy, or the file's own
    bytes) and notes about stray cells left out."""

    sheets: list[Sheet]
    content: bytes
    notes: dict[str, list[str]] = field(default_factory=dict)
    """Per sheet name: what bounding left out."""


def column_number(letters: str) -> int:
    """Excel column letters → 1-based number (A → 1, XFD → 16384)."""
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def open_workbook(path: Path, label: str) -> Workbook:
    """The workbook at ``path`` with its sheets listed and every sheet bounded (see the module notes).

    Raises CsanaError for a sheet beyond :data:`MAX_SHEET_CELLS`. A file that is not a zip (legacy .xls)
    is passed through unbounded, its sheets listed by the reader."""
    raw = path.read_bytes()
    if not raw.startswith(b"PK"):
        return Workbook(sheets=[], content=raw)
    try:
        book = zipfile.ZipFile(io.BytesIO(raw))
        sheets = _sheets(book)
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError, EOFError, zipfile.LargeZipFile):
        return Workbook(sheets=[], content=raw)  # the reader's error names what is wrong
    notes: dict[str, list[str]] = {}
    replaced: dict[str, bytes] = {}
    for sheet in sheets:
        if sheet.part is None or sheet.part not in book.namelist():
            continue
        bounded = _bounded_sheet(book, sheet, f"{label}[{sheet.name}]", notes.setdefault(sheet.name, []))
        if bounded is not None:
            replaced[sheet.part] = bounded
    return Workbook(sheets=sheets, content=_rezipped(book, replaced) if replaced else raw, notes=notes)


def _sheets(book: zipfile.ZipFile) -> list[Sheet]:
    """The sheets of ``xl/workbook.xml`` in order, with their hidden state and cell parts."""
    targets = {}
    if "xl/_rels/workbook.xml.rels" in book.namelist():
        for rel in ET.fromstring(book.read("xl/_rels/workbook.xml.rels")).iter(f"{RELS}Relationship"):
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            targets[rel.get("Id")] = part
    out = []
    for node in ET.fromstring(book.read("xl/workbook.xml")).iter(f"{MAIN}sheet"):
        out.append(Sheet(name=node.get("name", ""), hidden=node.get("state", "visible") != "visible",
                         part=targets.get(node.get(OFFICE_REL))))
    return out


def _declared_cells(head: bytes) -> int | None:
    """The cells a sheet's ``<dimension ref="A1:F100"/>`` claims (None when it has none)."""
    found = DIMENSION.search(head)
    if not found or not found.group(2):
        return None
    first_col, first_row, last_col, last_row = found.groups()
    if last_col is None:
        return 1
    return (abs(int(last_row) - int(first_row)) + 1) * (abs(column_number(last_col.decode()) - column_number((first_col or b"A").decode())) + 1)


def _bounded_sheet(book: zipfile.ZipFile, sheet: Sheet, label: str, notes: list[str]) -> bytes | None:
    """The sheet's XML without its stray cells, or None when it has none (or cannot be told)."""
    size = book.getinfo(sheet.part).file_size  # type: ignore[arg-type]
    if size > SCAN_BYTES:
        with book.open(sheet.part) as handle:  # type: ignore[arg-type]
            claimed = _declared_cells(handle.read(65_536))
        if claimed is not None and claimed <= max(size // BYTES_PER_CELL, 1):
            return None  # a claim in proportion to the content: the cells are the table
    xml = book.read(sheet.part)  # type: ignore[arg-type]
    refs = CELL_REF.findall(xml)
    if not refs:
        return None
    cells = pl.DataFrame({"col": [c.decode() for c, _ in refs], "row": [int(r) for _, r in refs]})
    numbers = {c: column_number(c) for c in cells["col"].unique().to_list()}
    cells = cells.with_columns(pl.col("col").replace_strict(numbers, return_dtype=pl.Int64).alias("n"))
    rows, cols = _main_block(cells["row"], GAP_ROWS), _main_block(cells["n"], GAP_COLUMNS)
    extent = (rows[1] - rows[0] + 1) * (cols[1] - cols[0] + 1)
    if extent > MAX_SHEET_CELLS:
        raise CsanaError(
            f"the sheet holds {rows[1] - rows[0] + 1:,} rows × {cols[1] - cols[0] + 1:,} columns ({extent:,} cells), "
            f"more than csana reads from one sheet ({MAX_SHEET_CELLS:,})", file=label,
            fix="save the sheet as CSV (csana reads CSV of any length), or split it into several sheets")
    inside = pl.col("row").is_between(*rows) & pl.col("n").is_between(*cols)
    stray = cells.filter(~inside)
    if stray.height == 0:
        return None
    shown = ", ".join(f"{c}{r}" for c, r in stray.select("col", "row").head(5).iter_rows())
    more, span = (", …" if stray.height > 5 else ""), f"{_ref(rows[0], cols[0])}:{_ref(rows[1], cols[1])}"
    notes.append(Note(f"{label}: {stray.height} cell(s) far outside the table ignored ({shown}{more}): the table is {span}",
                      f"{label}：远离表格的 {stray.height} 个单元格已忽略（{shown}{more}）：表格范围是 {span}"))
    return _without_stray(xml, rows, cols)


def _main_block(positions: pl.Series, gap: int) -> tuple[int, int]:
    """(first, last) of the run of occupied positions (rows or columns) that spans the most of them, runs
    split by more than ``gap`` empty positions; of equal runs the first (a table starts top left, stray
    cells sit in the last row or column)."""
    occupied = positions.unique().sort()
    block = (occupied.diff().fill_null(1) > gap + 1).cum_sum().alias("block")
    runs = pl.DataFrame({"p": occupied, "block": block}).group_by("block").agg(
        pl.col("p").min().alias("first"), pl.col("p").max().alias("last"), pl.len().alias("size"))
    best = runs.sort(["size", "first"], descending=[True, False]).row(0, named=True)
    return int(best["first"]), int(best["last"])


def _ref(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"


def _without_stray(xml: bytes, rows: tuple[int, int], cols: tuple[int, int]) -> bytes:
    """The sheet XML with the cells outside ``rows`` × ``cols`` removed and the dimension set to the table."""

    def keep(match: re.Match[bytes]) -> bytes:
        row, col = int(match.group(2)), column_number(match.group(1).decode())
        return match.group(0) if rows[0] <= row <= rows[1] and cols[0] <= col <= cols[1] else b""

    dimension = f'<dimension ref="{_ref(rows[0], cols[0])}:{_ref(rows[1], cols[1])}"/>'.encode()
    return DIMENSION.sub(dimension, CELL.sub(keep, xml), count=1)


def _rezipped(book: zipfile.ZipFile, replaced: dict[str, bytes]) -> bytes:
    """The workbook's zip with some parts replaced, in memory."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in book.infolist():
            copy.writestr(info.filename, replaced.get(info.filename) or book.read(info.filename))
    return out.getvalue()
