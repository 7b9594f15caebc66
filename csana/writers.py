"""Writing tables for people: CSV (UTF-8 with BOM, so Excel shows Chinese), XLSX, Parquet.

Spreadsheet cells that start with = + - @ are neutralised with a leading apostrophe:
a customer name such as ``=cmd|' /C calc'!A0`` must stay text when a manager opens
the file in Excel (CSV/formula injection). Numbers that are not finite (inf, NaN: a sum
that overflowed) are written as empty cells, with a note, since a spreadsheet has no such
number (the XLSX writer refuses them).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from csana.errors import CsanaError

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix an apostrophe to every text cell a spreadsheet would run as a formula."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    return frame.with_columns(
        [pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c) for c in text]
    )


def spreadsheet_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Flatten list columns to text and neutralise formulas (CSV and XLSX hold no lists)."""
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    frame = frame.with_columns([pl.col(c).list.join(", ") for c in lists])
    return neutralise_formulas(frame)


def finite_only(frame: pl.DataFrame) -> tuple[pl.DataFrame, str | None]:
    """The frame with its non-finite numbers (inf, −inf, NaN) emptied, and a note naming how many and
    where (None when there were none)."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    if not floats or frame.height == 0:
        return frame, None
    counts = frame.select([(pl.col(c).is_not_null() & ~pl.col(c).is_finite()).sum().alias(c) for c in floats]).row(0, named=True)
    bad = {c: n for c, n in counts.items() if n}
    if not bad:
        return frame, None
    frame = frame.with_columns([pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in bad])
    listed = ", ".join(f"{c} ({n})" for c, n in bad.items())
    return frame, f"{sum(bad.values())} value(s) were not finite numbers (inf or NaN) and are left empty: {listed}"


def write_table(frame: pl.DataFrame, path: str | Path, *, title: Sequence[str] = (), sheet: str = "csana",
                notes: list[str] | None = None) -> Path:
    """Write ``frame`` by the file's suffix (.csv, .xlsx, .parquet); ``title`` lines go above an XLSX table.

    In CSV and XLSX, non-finite numbers are written as empty cells (:func:`finite_only`); the note saying
    so goes below the XLSX title and into ``notes``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx"):
        raise CsanaError(f"cannot write '{suffix or path.name}' files", file=str(path), fix="use .csv, .xlsx or .parquet")
    if suffix != ".parquet":
        frame, note = finite_only(frame)
        if note:
            title = [*title, note] if suffix == ".xlsx" else title
            if notes is not None:
                notes.append(note)
    with writing(path):
        if suffix == ".parquet":
            frame.write_parquet(path)
        elif suffix == ".csv":
            spreadsheet_ready(frame).write_csv(path, include_bom=True)
        else:
            write_xlsx(spreadsheet_ready(frame), path, title=title, sheet=sheet)
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Create ``path``'s folder; a file system refusal (no such folder, a folder in the way, no
    permission, disk full) becomes a CsanaError naming the file instead of a traceback. xlsxwriter's
    refusal is caught only when xlsxwriter was imported (a CSV or Parquet write does not import it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield
    except Exception as exc:
        xlsx = sys.modules.get("xlsxwriter.exceptions")
        if not isinstance(exc, OSError) and not (xlsx is not None and isinstance(exc, xlsx.FileCreateError)):
            raise
        reason = getattr(exc, "strerror", None) or str(exc)
        if getattr(exc, "filename", None) and str(exc.filename) != str(path):
            reason += f": {exc.filename}"
        raise CsanaError(f"cannot write the file ({reason})", file=str(path),
                         fix="write to a folder you can write to, and close the file if Excel has it open") from None


def write_xlsx(frame: pl.DataFrame, path: Path, *, title: Sequence[str], sheet: str) -> None:
    """An XLSX with optional title lines, then the table with autofit columns."""
    import xlsxwriter

    safe_title = [("'" + line) if line[:1] in "=+-@" else line for line in title]
    with xlsxwriter.Workbook(path) as book:
        ws = book.add_worksheet(sheet[:31])
        bold = book.add_format({"bold": True})
        for i, line in enumerate(safe_title):
            ws.write_string(i, 0, line, bold if i == 0 else None)
        frame.write_excel(book, worksheet=ws, position=(len(safe_title) + (1 if safe_title else 0), 0), autofit=True)


def write_workbook(sheets: dict[str, pl.DataFrame], path: str | Path, *, title: Sequence[str] = ()) -> Path:
    """Several tables as the sheets of one XLSX (each made spreadsheet-ready), ``title`` lines above each."""
    import xlsxwriter

    path = Path(path)
    safe_title = [("'" + line) if line[:1] in "=+-@" else line for line in title]
    with writing(path), xlsxwriter.Workbook(path) as book:
        bold = book.add_format({"bold": True})
        for name, frame in sheets.items():
            ws = book.add_worksheet(name[:31])
            for i, line in enumerate(safe_title):
                ws.write_string(i, 0, line, bold if i == 0 else None)
            spreadsheet_ready(frame).write_excel(book, worksheet=ws, position=(len(safe_title) + (1 if safe_title else 0), 0),
                                                 autofit=True)
    return path
