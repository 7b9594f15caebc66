"""The book of shops: which shops an agency's data folder holds, what they are called, where each one's data is.

Terms:

*book*
    every shop an agency reports on in one run (:class:`Book`), from one folder ``DIR``.
*layout*
    how ``DIR`` holds its shops. ``column``: data files directly in ``DIR`` (read as one
    dataset, sub-folders included, as ``csana report --data DIR`` reads it) whose shops are
    the ``shop_id`` column of raw logs or the shop part of ``店铺:客服`` names in an export.
    ``folders``: no data file directly in ``DIR``, one sub-folder per shop, each raw logs or
    platform exports of its own.
*key*
    a shop's id in the book: its shop_id (``column``) or its sub-folder's name (``folders``).
*shops table*
    an optional file (CSV or XLSX) of shop_id, name, platform, manager (Chinese headers
    店铺ID, 店铺名称, 平台, 负责人 too) that labels the shops; in the ``folders`` layout a
    ``shops.csv``/``shops.xlsx``/``店铺.csv``/``店铺.xlsx`` directly in ``DIR`` is found by itself.
*stem*
    the shop's part of its output file names (``monthly_report-<stem>.html``), unique in the
    book even when two keys have the same file-name form (:mod:`csana.report.names`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from csana.errors import CsanaError
from csana.ingest.files import (
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    TEXT_SUFFIXES,
    data_files,
    header_row,
)

DATA_SUFFIXES = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES
SHOPS_TABLE_NAMES = ("shops", "店铺", "店铺表")
"""File stems of a shops table found by itself in the ``folders`` layout."""
SHOPS_COLUMNS: dict[str, tuple[str, ...]] = {
    "shop_id": ("shop_id", "shop", "店铺id", "店铺编号", "店铺代码", "文件夹"),
    "name": ("name", "shop_name", "店铺名称", "店铺名", "名称", "店铺"),
    "platform": ("platform", "平台"),
    "manager": ("manager", "负责人", "运营", "客户经理", "店长"),
}
"""Header spellings of the shops table per field (compared without case, spaces and brackets)."""
Layout = Literal["column", "folders"]


@dataclass(frozen=True)
class ShopInfo:
    """A shop's row of the shops table (every field optional but the id)."""

    name: str | None = None
    platform: str | None = None
    manager: str | None = None


@dataclass(frozen=True)
class Shop:
    """One shop of the book and where its task finds its data (see the module docstring for terms)."""

    key: str
    data: str
    """What the shop's task opens: its sub-folder, or its dataset snapshot (``column`` layout)."""
    shop_id: str | None
    """The shop_id the report is about (``column`` layout); None when the whole folder is the shop."""
    stem: str
    info: ShopInfo = field(default_factory=ShopInfo)
    digest: str | None = None
    """The data's content hash when known before the task runs (a snapshot the batch wrote), else None."""
    problem: str | None = None
    """Known before any task runs (no data at all): the shop is listed as failed with this line."""


@dataclass(frozen=True)
class SourceAccount:
    """Rows read, used and rejected and the loading notes of a dataset that several shops share."""

    rows_read: int
    rows_used: int
    rows_rejected: int
    warnings: tuple[str, ...]
    unassigned: dict[str, int]
    """Rows of a shop-bearing table without a shop_id, per table: in no shop's report."""


@dataclass(frozen=True)
class Book:
    """The shops of one run, in key order, and what the whole book's data says about itself."""

    root: Path
    layout: Layout
    shops: tuple[Shop, ...]
    shared: SourceAccount | None = None
    """The shared load's account (``column`` layout): rejected rows cannot be told apart by shop."""
    notes: tuple[str, ...] = ()


def shops_table_in(root: Path) -> Path | None:
    """The shops table lying directly in ``root``, found by its name (``folders`` layout only)."""
    found = [p for p in sorted(root.iterdir()) if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES + EXCEL_SUFFIXES
             and p.stem.casefold() in SHOPS_TABLE_NAMES]
    return found[0] if found else None


def layout_of(root: Path, shops_table: Path | None, out: Path | None) -> Layout:
    """``column`` when data files lie directly in ``root`` (or ``root`` is a file), else ``folders``."""
    if root.is_file():
        return "column"
    top = [p for p in root.iterdir() if p.is_file() and p.suffix.lower() in DATA_SUFFIXES and not p.name.startswith((".", "~$"))
           and not _same(p, shops_table)]
    if top:
        if shops_table is not None and _inside(shops_table, root):
            raise CsanaError("the shops table lies in the data folder, whose files are read as one dataset",
                             file=str(shops_table), fix="move it out of the folder, or give each shop a sub-folder")
        return "column"
    if not shop_folders(root, out):
        raise CsanaError("no data files and no shop sub-folders found", file=str(root),
                         fix="give a folder of data files with a shop_id column, or one sub-folder per shop")
    return "folders"


@dataclass(frozen=True)
class BookFolder:
    """A book's folder as given: its layout and its shops table (given, or found in a ``folders`` book)."""

    root: Path
    layout: Layout
    table: Path | None
    infos: dict[str, ShopInfo]


def book_folder(data: str | Path, shops_table: str | Path | None, out: Path | None) -> BookFolder:
    """The layout and shops table of the book at ``data`` (a CsanaError when it does not exist)."""
    root = Path(data).expanduser()
    if not root.exists():
        raise CsanaError("no such file or folder", file=str(root), fix="give the agency's data folder")
    table = Path(shops_table) if shops_table is not None else None
    layout = layout_of(root, table, out)
    if table is None and layout == "folders":
        table = shops_table_in(root)
    return BookFolder(root, layout, table, read_shops_table(table) if table is not None else {})


def shop_folders(root: Path, out: Path | None) -> list[Path]:
    """The sub-folders of ``root`` that stand for shops: every visible one except the output folder."""
    return [p for p in sorted(root.iterdir()) if p.is_dir() and not p.name.startswith((".", "~$", "__"))
            and not (out is not None and (_same(p, out) or _inside(out, p)))]


def folder_problem(folder: Path) -> str | None:
    """Why a shop's sub-folder cannot give a report before reading it (no data file), else None."""
    if not data_files(folder, DATA_SUFFIXES):
        return f"{folder.name}: no CSV, XLSX or Parquet file in the folder"
    return None


def read_shops_table(path: str | Path) -> dict[str, ShopInfo]:
    """The shops table (see the module docstring) as shop_id → :class:`ShopInfo`.

    Raises a CsanaError naming the file when it has no shop_id column, or lists a shop twice.
    """
    from csana.ingest.files import read_text, read_workbook

    file = Path(path)
    if not file.is_file():
        raise CsanaError("no such shops table", file=str(file), fix="give a CSV or XLSX file of shop_id, name, platform, manager")
    if file.suffix.lower() in EXCEL_SUFFIXES:
        grid = read_workbook(file, file.name, 20, first_sheet_only=True)[0][1]
    elif file.suffix.lower() in TEXT_SUFFIXES:
        grid = read_text(file, file.name, 20)
    else:
        raise CsanaError("a shops table must be a CSV or XLSX file", file=str(file), fix="save it as CSV or XLSX")
    known = {_norm(alias): column for column, aliases in SHOPS_COLUMNS.items() for alias in aliases}
    header = header_row(grid.head, known, _norm) or 0
    cells, rows = grid.below(header)
    positions: dict[str, int] = {}
    for i, cell in enumerate(cells):
        column = known.get(_norm(cell))
        if column is not None and column not in positions:
            positions[column] = i
    if "shop_id" not in positions:
        raise CsanaError("the shops table has no shop_id column", file=str(file),
                         fix=f"name a column {' or '.join(SHOPS_COLUMNS['shop_id'][:4])}")
    return _infos(rows, positions, file, header)


def _infos(rows: pl.DataFrame, positions: dict[str, int], file: Path, header: int) -> dict[str, ShopInfo]:
    values = {column: rows.get_column(f"c{i}").cast(pl.String).str.strip_chars().to_list() for column, i in positions.items()}
    infos: dict[str, ShopInfo] = {}
    for n, shop_id in enumerate(values["shop_id"]):
        if not shop_id:
            continue
        if shop_id in infos:
            raise CsanaError(f"shop '{shop_id}' is listed twice", file=str(file), rows=[header + 2 + n],
                             fix="keep one row per shop")
        infos[shop_id] = ShopInfo(**{c: (values[c][n] or None) for c in ("name", "platform", "manager") if c in values})
    return infos


def label_from_names(names: list[str]) -> str | None:
    """The shop in agent names of the form ``店铺-昵称`` (京东): the common part before the first '-' of
    every name, when all share one; else None (a hyphen inside a nickname is not a shop)."""
    prefixes = {name.split("-", 1)[0].strip() for name in names if name}
    if len(prefixes) != 1 or not all("-" in name for name in names if name):
        return None
    prefix = prefixes.pop()
    return prefix or None


def _norm(text: object) -> str:
    return re.sub(r"[\s_()（）\[\]【】:：]+", "", str(text or "")).casefold()


def _same(a: Path, b: Path | None) -> bool:
    return b is not None and a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True
