"""Opening the book: the shops of ``DIR`` in either layout, each with the data its task will read.

``folders`` layout: each sub-folder is a shop; nothing is read here (each task loads its own
folder, in parallel). ``column`` layout: ``DIR`` is loaded once, here, and each shop's part
(:func:`~csana.report.context.for_shop`) is written as a dataset snapshot under
``<out>/.csana/staged/<hash>/<stem>/``, so each task reads only its shop's rows and a report
from it equals ``csana report --data DIR --shop X``. The split is kept: a later run on
unchanged files (same content, same loading mappings) reuses it without loading ``DIR``;
snapshots of older data are removed.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from csana.agency.book import (
    Book,
    Shop,
    ShopInfo,
    SourceAccount,
    book_folder,
    folder_problem,
    shop_folders,
)
from csana.agency.fingerprint import (
    RECORD_DIR,
    files_digest,
    fingerprint,
    loading_digest,
)
from csana.datasets import open_data
from csana.i18n import Note, kept, unkept
from csana.ingest.dataset import Dataset
from csana.ingest.snapshot import write_snapshot
from csana.report.context import SHOP_TABLES, for_shop, shops
from csana.report.names import unique_slugs

STAGED = "staged"
BOOK_MANIFEST = "book.json"


def open_book(root: str | Path, out: str | Path, shops_table: str | Path | None = None, *, force: bool = False) -> Book:
    """The shops of ``root`` (see the module docstring), labelled by the shops table when there is one.

    Shops listed in the shops table without data are in the book with that problem, so the
    overview shows them as missing rather than leaving them out.
    """
    out = Path(out).expanduser()
    folder = book_folder(root, shops_table, out)
    book = _folder_book(folder.root, out) if folder.layout == "folders" else _column_book(folder.root, out, force)
    return _labelled(book, folder.infos, folder.table)


def _folder_book(root: Path, out: Path) -> Book:
    folders = shop_folders(root, out)
    stems = unique_slugs(f.name for f in folders)
    shops_ = tuple(Shop(f.name, str(f.resolve()), None, stems[f.name], problem=folder_problem(f)) for f in folders)
    return Book(root, "folders", shops_)


def _column_book(root: Path, out: Path, force: bool) -> Book:
    digest = fingerprint(files_digest(root), loading_digest())
    staged = out / RECORD_DIR / STAGED
    folder = staged / digest[:16]
    manifest = folder / BOOK_MANIFEST
    if manifest.is_file() and not force:
        return _read_manifest(root, manifest)
    dataset = open_data(root)
    found = shops(dataset)
    if not found:  # no shop_id: the folder is one shop
        key = root.stem or root.name
        return Book(root, "column", (Shop(key, str(root.resolve()), None, unique_slugs([key])[key]),))
    if folder.exists():
        shutil.rmtree(folder)
    stems = unique_slugs(found)
    shops_ = []
    for shop_id in found:
        target = folder / stems[shop_id]
        shops_.append(Shop(shop_id, str(target.resolve()), shop_id, stems[shop_id], digest=write_snapshot(for_shop(dataset, shop_id), target)))
    book = Book(root, "column", tuple(shops_), shared=_account(dataset))
    _write_manifest(book, manifest)
    for old in staged.iterdir():
        if old != folder and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return book


def _account(dataset: Dataset) -> SourceAccount:
    files = dataset.files
    unassigned = {name: int(dataset[name]["shop_id"].null_count()) for name in SHOP_TABLES if dataset.has(name, "shop_id")}
    return SourceAccount(
        rows_read=int(files["rows_read"].sum()), rows_used=int(files["rows_used"].sum()),
        rows_rejected=int(files["rows_rejected"].sum()), warnings=tuple(dataset.warnings),
        unassigned={k: v for k, v in unassigned.items() if v},
    )


def _write_manifest(book: Book, path: Path) -> None:
    shops_ = [{"key": s.key, "data": s.data, "shop_id": s.shop_id, "stem": s.stem, "digest": s.digest} for s in book.shops]
    shared = {**asdict(book.shared), "warnings": kept(list(book.shared.warnings))} if book.shared is not None else None
    path.write_text(json.dumps({"shops": shops_, "shared": shared}, ensure_ascii=False, indent=1), encoding="utf-8")


def _read_manifest(root: Path, path: Path) -> Book:
    saved = json.loads(path.read_text(encoding="utf-8"))
    shared = saved["shared"]
    account = SourceAccount(**{**shared, "warnings": tuple(unkept(shared["warnings"]))}) if shared else None
    return Book(root, "column", tuple(Shop(**s) for s in saved["shops"]), shared=account)


def _labelled(book: Book, infos: dict[str, ShopInfo], table: Path | None) -> Book:
    """The book with each shop's shops-table row, plus a shop for each table row without data."""
    if not infos:
        return book
    keys = {s.key for s in book.shops}
    listed = [Shop(s.key, s.data, s.shop_id, s.stem, infos.get(s.key, ShopInfo()), s.digest, s.problem) for s in book.shops]
    missing = [k for k in infos if k not in keys]
    if missing:
        stems = unique_slugs([*keys, *missing])
        where = "sub-folder" if book.layout == "folders" else "shop_id in the data"
        listed += [Shop(k, "", None, stems[k], infos[k], problem=f"listed in the shops table ({table.name if table else ''}), "
                        f"but no {where} '{k}' was found") for k in missing]
    notes = (*book.notes, *_unlisted(book, infos))
    return Book(book.root, book.layout, tuple(sorted(listed, key=lambda s: s.key)), book.shared, notes)


def _unlisted(book: Book, infos: dict[str, ShopInfo]) -> tuple[str, ...]:
    absent = [s.key for s in book.shops if s.key not in infos]
    return (Note(f"not in the shops table: {', '.join(absent)}", f"不在店铺表中：{'、'.join(absent)}"),) if absent else ()
