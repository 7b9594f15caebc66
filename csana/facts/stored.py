"""The facts of raw logs kept in the load cache: derived tables and measure rows (csana/ingest/cache.py).

A dataset loaded through the load cache names its load entry (``Dataset.load_key``). Its
derived tables under one set of metric params are a *derived entry*; the measure rows of one
window and grouping are kept next to it. A repeated ``csana metrics`` on unchanged files then
reads the rows of its month (a few hundred) instead of sorting ten million messages, and reads a
derived table only when something asks for it (the attribution table, a drill-down).

Keys (:meth:`csana.ingest.cache.Store.derived_key`): the load entry's key, every field of the
metric params, the code of csana/facts and of the modules declaring measures and periods, and
the polars version. A dataset whose messages or orders were replaced after loading has no
derived entry; measure rows are kept only while every table is the one loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import polars as pl

from csana.ingest.cache import Store, derived_store
from csana.ingest.dataset import Dataset
from csana.params import MetricParams
from csana.periods import Window

DERIVED_FROM = ("messages", "orders")
"""The tables derivation reads."""


class StoredTables(Mapping[str, pl.DataFrame]):
    """Derived tables of a derived entry, each read from its file on first use."""

    def __init__(self, files: dict[str, Path]) -> None:
        self._files = files
        self._read: dict[str, pl.DataFrame] = {}

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._read:
            self._read[name] = pl.read_parquet(self._files[name])
        return self._read[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def derived_entry(dataset: Dataset, params: MetricParams) -> tuple[Store, str] | None:
    """The store and the key of the dataset's derived entry under ``params``; None when not cached."""
    load_key = dataset.loaded_key(*DERIVED_FROM)
    store = derived_store() if load_key else None
    return (store, store.derived_key(load_key, params.model_dump_json())) if store else None


def stored_rows(dataset: Dataset, params: MetricParams, window: Window, by: str,
                build: Callable[[], pl.LazyFrame]) -> pl.LazyFrame:
    """The measure rows of ``window`` grouped ``by``: from the cache when kept there, else built (and kept)."""
    entry = derived_entry(dataset, params) if dataset.loaded_key(*dataset.tables) else None
    if entry is None:
        return build()
    store, key = entry
    part = "\x1f".join(map(str, (window.start, window.end, window.by, window.label, by)))
    frame = store.get_rows(key, part)
    if frame is None:
        frame = build().collect()
        store.put_rows(key, part, frame)
    return frame.lazy()
