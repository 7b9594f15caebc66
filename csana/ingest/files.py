"""Reading the files users save: text in the encodings Chinese tools write, title rows above the header.

Raw logs (:mod:`csana.ingest.raw`) and platform exports (:mod:`csana.exports.load`) arrive the same
way: CSV from Excel, 千牛 or an ERP in UTF-8, UTF-8 with BOM, UTF-16 or GBK; tab-separated
text; workbooks with a merged title, notes and blank rows above the header. This module
reads such a file into a :class:`Grid` and finds its header row by the column names a
loader knows. What the columns mean, how values parse and which rows are bad stays with
each loader.

Terms:

*grid*
    the cells of one CSV/TSV file or one workbook sheet, every cell as text, before the
    header row is known.
*header row*
    the row naming the columns; rows above it (titles, notes, date ranges) are not data.
    With the header at 0-based index ``h`` of the grid, the first data row is the row a
    spreadsheet numbers ``h + 2``.
"""

from __future__ import annotations

import csv
import mmap
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from csana.errors import CsanaError
from csana.ingest.workbook import open_workbook

TEXT_SUFFIXES = (".csv", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
PARQUET_SUFFIXES = (".parquet", ".pq")
HEAD_BYTES = 200_000
"""How much of a text file is decoded to find its separator and header row."""
MAX_COLUMNS = 16_384
"""The most columns a file may have (Excel's limit): wider files are refused before they are parsed."""

Cells = list[Any]
"""One row's cells as read: text, or None for an empty workbook cell."""


@dataclass
class Grid:
    """The cells of one CSV/TSV file or workbook sheet before its header row is known."""

    path: Path
    label: str
    """The file as named in messages (relative to the folder loaded)."""
    encoding: str | None
    """The text encoding the file was in; None for a workbook."""
    head: list[Cells]
    """The first rows, to find the header row below any title rows."""
    _below: Callable[[int, str | None], tuple[Cells, pl.DataFrame]] = field(repr=False)
    sheet: str | None = None
    """The workbook sheet's name; None for a text file."""
    hidden: bool = False
    """Whether the sheet is hidden in Excel (loaders ignore hidden sheets unless their name says what they are)."""
    notes: list[str] = field(default_factory=list)
    """What reading left out (cells far outside a sheet's table), for the loader's warnings."""

    def below(self, header: int, row_index: str | None = None) -> tuple[Cells, pl.DataFrame]:
        """The cells of row ``header`` and the rows under it as text columns ``c0``, ``c1`` … by position
        (workbooks read with ``numbers`` add ``f0``, ``f1`` …). The first is spreadsheet row ``header + 2``;
        with ``row_index``, a first column of that name holds each row's spreadsheet row number (Int64),
        numbered by the reader so that it lines up with the other columns' memory chunks."""
        return self._below(header, row_index)


def data_files(root: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files with one of ``suffixes`` under the folder ``root`` (sub-folders included), sorted.

    Not data: hidden files and folders (``.git``, macOS's ``._x.csv``), Excel's lock files
    (``~$x.xlsx``, left while a workbook is open) and ``__MACOSX``-style folders.
    """
    found = (p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in suffixes)
    return sorted(p for p in found if not any(part.startswith((".", "~$", "__")) for part in p.relative_to(root).parts))


def decode(raw: bytes, label: str, guess: bool = True) -> tuple[bytes, str]:
    """A file's text as UTF-8 bytes (what polars reads) and the encoding it was in.

    Tried in order: UTF-8 with BOM, UTF-16 with BOM (Excel's "Unicode text"), UTF-16 or UTF-32
    without BOM (told by where the NUL bytes are, see :func:`_wide_encoding`), UTF-8, then
    GB18030 (a superset of GBK, as Chinese Excel and 千牛 write). With ``guess``,
    charset-normalizer's best guess comes last: raw logs come from any shop system, such as
    an overseas order tool writing Latin-1. Platform exports pass ``guess=False``: only
    Chinese tools write them, in UTF-8 or GBK, so a guess would turn an unreadable file into
    garbled headers and a misleading "no header row" instead of saying what is wrong.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        body, encoding = raw[3:], "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").encode("utf-8"), "utf-16"
        except UnicodeDecodeError:
            raise CsanaError("starts like UTF-16 text but is not valid UTF-16", file=label,
                             fix="save the file again from Excel as CSV UTF-8") from None
    elif (wide := _wide_encoding(raw)) is not None:
        try:
            return raw.decode(wide).encode("utf-8"), wide
        except UnicodeDecodeError:
            raise CsanaError(f"looks like {wide.upper()} text without a byte-order mark, but is not valid {wide.upper()}",
                             file=label, fix="save the file again from Excel as CSV UTF-8") from None
    else:
        body, encoding = raw, "utf-8"
    if _is_utf8(body):
        return body, encoding
    try:
        return raw.decode("gb18030").encode("utf-8"), "gb18030"
    except UnicodeDecodeError:
        pass
    if not guess:
        raise CsanaError("cannot tell the text encoding (not UTF-8, UTF-16 or GBK)", file=label,
                         fix="open the file in Excel and save it as CSV UTF-8")
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise CsanaError("cannot tell the text encoding", file=label, fix="save the file as CSV UTF-8 from Excel")
    return raw.decode(best.encoding, errors="replace").encode("utf-8"), best.encoding


def _wide_encoding(raw: bytes, sample: int = 65_536) -> str | None:
    """UTF-16 or UTF-32 text without a byte-order mark, told by its NUL bytes: the ASCII characters of a
    CSV (digits, separators, line breaks) are one byte and one NUL in UTF-16 (the NUL second in
    little-endian), one byte and three NULs in UTF-32. Such text is valid GB18030 too, so it must be
    told first, or it "decodes" into NUL-riddled garbage."""
    head = raw[: min(len(raw), sample) // 4 * 4]
    if len(head) < 8 or head.count(0) == 0:
        return None
    quarter = [head[i::4].count(0) for i in range(4)]
    n = len(head) // 4
    # UTF-32: the top byte of every character is NUL, the next nearly always (outside emoji and rare CJK)
    if quarter[3] == n and quarter[2] * 10 >= n * 9 and quarter[1] >= n // 10:
        return "utf-32-le"
    if quarter[0] == n and quarter[1] * 10 >= n * 9 and quarter[2] >= n // 10:
        return "utf-32-be"
    even, odd = head[0::2].count(0), head[1::2].count(0)
    half = len(head) // 2
    if odd >= half // 10 and even * 20 <= odd:  # an emoji's surrogate pair may put a NUL on the other side
        return "utf-16-le"
    if even >= half // 10 and odd * 20 <= even:
        return "utf-16-be"
    return None


def _is_utf8(data: bytes | mmap.mmap | memoryview, chunk: int = 1 << 25) -> bool:
    """Whether ``data`` is valid UTF-8 (as Python's decoder judges it), checked by polars without
    building a Python string of the whole file: 0.03 s instead of 0.3 s for 200 MB.

    Checked in pieces of about ``chunk`` bytes, each ending before a byte that starts a character
    (not a continuation byte 0x80–0xBF), so no character is cut and a file mapped into memory is
    never copied whole (four continuation bytes in a row are invalid anyway)."""
    size, start = len(data), 0
    while start < size:
        end = min(size, start + chunk)
        back = 0
        while end < size and data[end] & 0xC0 == 0x80 and back < 4:
            end, back = end - 1, back + 1
        if back == 4:
            return False
        try:
            pl.Series([bytes(data[start:end])], dtype=pl.Binary).cast(pl.String)
        except pl.exceptions.ComputeError:
            return False
        start = end
    return True


def _only_marks(raw: bytes | mmap.mmap) -> bool:
    """Whether a file's bytes are nothing but spaces, line breaks and byte-order-mark bytes (then
    there is no text to decode). The first bytes usually tell, without copying a large file."""
    marks = b" \t\r\n\xef\xbb\xbf\xff\xfe"
    return not raw[:4096].strip(marks) and not raw[:].strip(marks)


def _has_text(data: bytes | mmap.mmap, start: int = 0) -> bool:
    """Whether decoded text (from byte ``start``) holds anything but white space (UTF-16 spaces,
    ideographic spaces). The first bytes usually tell."""
    return bool(data[start:start + 4096].decode("utf-8", errors="ignore").strip() or data[start:].decode("utf-8").strip())


GLOB_CHARACTERS = "*?[]{}"
"""Characters that make polars read a path as a glob pattern."""


def _as_on_disk(raw: mmap.mmap, path: Path) -> tuple[int, str] | None:
    """(offset of the text, encoding) when polars can read the file from disk as it is: UTF-8 with or
    without a byte-order mark (not UTF-16/32, see :func:`decode`), with line feeds (or on one line),
    under a name polars can open as it is (UTF-8, no glob characters). Then the file is never copied
    into memory; else None (decode it).

    Only the head (:data:`HEAD_BYTES`, to the end of its last line) is checked here: polars checks
    every other byte as it reads the rows, and a file whose rows are not UTF-8 after all is decoded
    then (:func:`read_text`). A 500 MB chat log is thus not scanned once more before it is read."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    start, encoding = (3, "utf-8-sig") if raw[:3] == b"\xef\xbb\xbf" else (0, "utf-8")
    if not start and _wide_encoding(raw[:65_536]) is not None:
        return None
    if raw.find(b"\n", start) < 0 and raw.find(b"\r", start) >= 0:
        return None
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return None
    if any(ch in str(path) for ch in GLOB_CHARACTERS):  # polars would read such a name as a pattern of names
        return None
    line_end = raw.find(b"\n", start + HEAD_BYTES)
    return (start, encoding) if _is_utf8(raw[start:line_end + 1 if line_end >= 0 else len(raw)]) else None


def read_text(path: Path, label: str, head_rows: int, guess: bool = True) -> Grid:
    """A CSV or TSV file as a grid of its first ``head_rows`` lines (``guess``: see :func:`decode`).

    The separator is a tab for .tsv, else whichever of comma, tab and semicolon the first
    lines hold most (Excel writes semicolons in some locales, tabs as "Unicode text").
    A UTF-8 file is read by polars straight from disk (:func:`_as_on_disk`); others are decoded first.
    """
    with path.open("rb") as handle:
        raw: bytes | mmap.mmap = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""
    try:
        on_disk = _as_on_disk(raw, path) if isinstance(raw, mmap.mmap) and not _only_marks(raw) else None
        data: bytes | None = None
        if on_disk is not None:
            (start, encoding), text = on_disk, raw
        else:
            data, encoding = (b"", "") if _only_marks(raw) else decode(raw[:], label, guess)
            if b"\r" in data and b"\n" not in data:  # old Mac Excel's "CSV (Macintosh)": lines end in CR only
                data = data.replace(b"\r", b"\n")
            start, text = 0, data
        if not _has_text(text, start):
            raise CsanaError("the file is empty", file=label, fix="export the data again; an empty file cannot be used")
        lines = text[start:start + HEAD_BYTES].decode("utf-8", errors="ignore").split("\n")[:head_rows]
        separator = "\t" if path.suffix.lower() == ".tsv" else max([",", "\t", ";"], key="\n".join(lines).count)
        first_end = text.find(b"\n", start)
        _require_width(text[start:first_end if first_end >= 0 else len(text)], separator, label)
    finally:
        if isinstance(raw, mmap.mmap):
            raw.close()
    head = [_cells(line, separator) for line in lines]

    def below(header: int, row_index: str | None = None) -> tuple[Cells, pl.DataFrame]:
        nonlocal data
        try:
            frame = _read_csv(path if data is None else data, header, separator, row_index)
        except pl.exceptions.PolarsError as exc:
            if data is None and isinstance(exc, pl.exceptions.ComputeError) and "invalid utf-8" in str(exc):
                data, grid.encoding = _decoded_rows(path, label, guess, lines, head_rows)
                return below(header, row_index)
            body = path.read_bytes()[start:] if data is None else data
            raise _csv_error(exc, body, header, separator, label) from None
        if row_index is not None:
            frame = frame.with_columns(pl.col(row_index).cast(pl.Int64))
        # a header cell holding a quoted line break spans two lines: then polars' reading of it counts
        names = [c for c in frame.columns if c != row_index]
        cells = head[header] if header < len(head) and len(head[header]) == len(names) else names
        return cells, _positional(frame, "c", keep=row_index)

    grid = Grid(path, label, encoding, head, below)
    return grid


def _read_csv(source: Path | bytes, header: int, separator: str, row_index: str | None) -> pl.DataFrame:
    """The rows under the header line ``header``, every cell as text."""
    return pl.read_csv(source, skip_lines=header, has_header=True, infer_schema=False, separator=separator,
                       raise_if_empty=False, row_index_name=row_index, row_index_offset=header + 2)


def _decoded_rows(path: Path, label: str, guess: bool, lines: list[str], head_rows: int) -> tuple[bytes, str]:
    """The file decoded (:func:`decode`) when its head is UTF-8 but a later row is not (polars said so
    while reading): a file of ASCII headers over GBK rows. The head must read the same decoded (it
    does in every encoding that keeps ASCII as it is); one that does not mixes encodings."""
    data, encoding = decode(path.read_bytes(), label, guess)
    again = data[:HEAD_BYTES].decode("utf-8", errors="ignore").split("\n")[:head_rows]
    whole = min(len(again), len(lines)) - 1  # the last line of each head may be cut short
    if again[:whole] != lines[:whole]:
        raise CsanaError("the first lines are UTF-8 but later rows are in another encoding", file=label,
                         fix="open the file in Excel and save it again as CSV UTF-8")
    return data, encoding


def _require_width(data: bytes, separator: str, label: str) -> None:
    """Refuse, at once, a file whose first line has more than :data:`MAX_COLUMNS` cells (counted as
    separators, before any parsing): no log has that many columns; a file that does is transposed, or
    not a table."""
    end = data.find(b"\n")
    width = data[: end if end >= 0 else len(data)].count(separator.encode()) + 1
    if width > MAX_COLUMNS:
        raise CsanaError(f"the first line has {width:,} cells, more than a table csana reads has ({MAX_COLUMNS:,}, "
                         "Excel's limit)", file=label,
                         fix="is the file transposed (one row per column) or not a table? Export it again with one "
                             "row per record and one column per field")


def _cells(line: str, separator: str) -> Cells:
    """One physical line's cells, for finding the header; a bare carriage return inside a cell
    (a quoted multi-line cell cut at a line break) makes csv give up, so split it plainly."""
    try:
        return next(csv.reader([line], delimiter=separator), [])
    except csv.Error:
        return line.split(separator)


def _csv_error(exc: Exception, data: bytes, header: int, separator: str, label: str) -> CsanaError:
    """A readable error for a CSV polars cannot parse, finding the ragged rows if that is why."""
    text = data.decode("utf-8", errors="replace").split("\n")[header:]
    try:
        rows = list(csv.reader(text, delimiter=separator))
    except csv.Error:  # a bare carriage return in an unquoted cell: count each line's cells plainly
        rows = [_cells(line, separator) for line in text]
    width = len(rows[0]) if rows else 0
    ragged = [i + header + 1 for i, r in enumerate(rows) if len(r) > width][:5]
    if ragged:
        return CsanaError(
            f"row has more cells than the header's {width}", file=label, rows=ragged,
            fix="quote text that contains the separator, or save the file again from Excel as CSV",
        )
    return CsanaError(f"not a readable CSV file ({str(exc).splitlines()[0]})", file=label,
                      fix="open it in Excel and save as CSV UTF-8")


def content_kind(path: Path) -> str:
    """What a file is by its first bytes, whatever its name: ``"workbook"`` (an .xlsx zip or a legacy
    .xls), ``"parquet"`` or ``"text"`` (ERPs and 千牛 save tab-separated text under an .xls name)."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return "workbook"
    return "parquet" if magic == b"PAR1" else "text"


def read_grids(path: Path, label: str, head_rows: int, *, guess: bool = True, numbers: bool = False) -> list[Grid]:
    """A CSV/TSV file or a workbook as grids, one per sheet, told apart by content (:func:`content_kind`),
    so one reader serves raw logs and platform exports. A file named like a workbook that is text is read
    as text when it holds a table (separated cells), else refused as not a readable Excel file."""
    if content_kind(path) == "workbook":
        return [grid for _, grid in read_workbook(path, label, head_rows, numbers=numbers)]
    if path.suffix.lower() not in EXCEL_SUFFIXES:
        return [read_text(path, label, head_rows, guess)]
    refusal = CsanaError("not a readable Excel file (neither a workbook nor text with separated cells)", file=label,
                         fix="open it in Excel and save it again as .xlsx")
    try:
        grid = read_text(path, label, head_rows, guess)
    except CsanaError:
        raise refusal from None
    if not any(len([c for c in row if c not in (None, "")]) >= 2 for row in grid.head):
        raise refusal
    return [grid]


def read_workbook(path: Path, label: str, head_rows: int, *, first_sheet_only: bool = False,
                  numbers: bool = False) -> list[tuple[str, Grid]]:
    """Each sheet of a workbook (name, grid), hidden ones flagged, every cell read as text; a sheet without
    rows has an empty head. Sheets are bounded first (:mod:`csana.ingest.workbook`): cells far outside the
    table are left out (named in the grid's notes), a sheet beyond the cap on cells is refused.

    ``numbers`` also reads numeric cells as floats (columns ``f0``, ``f1`` …): platform exports
    take rates and amounts at full precision from them rather than as the cell's text.
    """
    import fastexcel

    book = open_workbook(path, label)
    try:
        reader = fastexcel.read_excel(book.content)
        names = reader.sheet_names[:1] if first_sheet_only else reader.sheet_names
        sheets = []
        for name in names:
            loaded = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            floats = _sheet(reader, name, "float") if numbers else None
            sheets.append((name, loaded.visible != "visible", loaded.to_polars(), floats))
    except Exception as exc:  # fastexcel raises its own exception types for corrupt files
        raise CsanaError(f"not a readable Excel file ({str(exc).splitlines()[0]})", file=label,
                         fix="open it in Excel and save it again as .xlsx") from None
    return [(name, _sheet_grid(path, label, text, floats, head_rows, name, hidden, book.notes.get(name, [])))
            for name, hidden, text, floats in sheets]


def _sheet(reader: Any, name: str, dtypes: str) -> pl.DataFrame:
    return reader.load_sheet(name, header_row=None, skip_rows=0, dtypes=dtypes).to_polars()


def _sheet_grid(path: Path, label: str, text: pl.DataFrame, floats: pl.DataFrame | None, head_rows: int,
                name: str, hidden: bool, notes: list[str]) -> Grid:
    head = [list(r) for r in text.head(head_rows).rows()]
    cells = _positional(text, "c")
    if floats is not None:
        cells = pl.concat([cells, _positional(floats, "f")], how="horizontal")

    def below(header: int, row_index: str | None = None) -> tuple[Cells, pl.DataFrame]:
        body = cells.slice(header + 1)
        if row_index is not None:
            body = body.with_row_index(row_index, offset=header + 2).with_columns(pl.col(row_index).cast(pl.Int64))
        return head[header], body

    return Grid(path, label, None, head, below, sheet=name, hidden=hidden, notes=notes)


def _positional(frame: pl.DataFrame, prefix: str, keep: str | None = None) -> pl.DataFrame:
    """The frame's columns named ``<prefix>0``, ``<prefix>1`` … by position (all but ``keep``)."""
    return frame.rename({c: f"{prefix}{i}" for i, c in enumerate(c for c in frame.columns if c != keep)})


def header_row(head: list[Cells], known: Collection[str], normalize: Callable[[Any], str], most: bool = False) -> int | None:
    """Which of a grid's first rows is the header: the first in which at least two cells name a known
    column (after ``normalize``); None when no row does.

    With ``most``, the row naming the most known columns (at least two; the first of equals).
    Platform exports use it: their known names pool every flavour's many metric headers, so a
    note or title row above the header can name two of them and still not be the header.
    """
    counts = [sum(normalize(c) in known for c in row if c not in (None, "")) for row in head]
    if most:
        best = max(range(len(counts)), key=lambda i: (counts[i], -i), default=None)
    else:
        best = next((i for i, n in enumerate(counts) if n >= 2), None)
    return best if best is not None and counts[best] >= 2 else None
