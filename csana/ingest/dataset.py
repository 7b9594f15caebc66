"""A loaded, validated dataset: canonical tables plus the account of every row read.

``Dataset`` is what :func:`csana.load` and :func:`csana.load_export` return and what
every later step takes. It keeps the rows that were set aside (``rejected``) with
their rules and reasons, per-file counts, so a report can prove that
rows used + rows rejected = rows read, and per-rule tallies of the rows checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import polars as pl

from csana.errors import CsanaError
from csana.ingest.rules import TALLY_SCHEMA
from csana.ingest.schema import TABLES, empty

REJECTED_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String,
    "table": pl.String,
    "row": pl.Int64,  # 1-based line number as a spreadsheet shows it (header = row 1)
    "column": pl.String,
    "rule": pl.String,  # the row rule's id (csana.ingest.rules.RULES)
    "reason": pl.String,
    "value": pl.String,
}
FILES_SCHEMA: dict[str, pl.DataType] = {
    "file": pl.String,
    "table": pl.String,
    "encoding": pl.String,
    "rows_read": pl.Int64,
    "rows_used": pl.Int64,
    "rows_rejected": pl.Int64,
}


class Capability(StrEnum):
    """What an input can answer beyond per-agent totals; a feature that needs one asks for it.

    Raw chat logs and orders can answer all of them; a platform export (per-agent rows of
    totals) answers none: its people counts are customer-days, it holds no single message or
    order, and its figures are the platform's own (final when the platform says so).
    """

    EVENTS = "events"
    """Single messages, receptions and responses: response-time distributions, drill-downs, chat excerpts."""
    ORDERS = "orders"
    """Single orders with their credit: silent orders, the funnel's ordered stage, reminders' effect, audits."""
    DISTINCT_CUSTOMERS = "distinct_customers"
    """People counted once per month and group (exports sum customer-days)."""
    DATA_END = "data_end"
    """The data's last day is known, so delayed metrics can be marked provisional until final."""


NEEDS: dict[Capability, str] = {
    Capability.EVENTS: "raw chat logs (single messages)",
    Capability.ORDERS: "raw orders (single orders with their credit)",
    Capability.DISTINCT_CUSTOMERS: "raw chat logs (customers counted once)",
    Capability.DATA_END: "raw chat logs and orders (a known last day)",
}
RAW_CAPABILITIES = frozenset(Capability)
EXPORT_CAPABILITIES: frozenset[Capability] = frozenset()


class Deferred:
    """A table of a cached load, read from the load cache when first used (``read`` gives the frame)."""

    def __init__(self, read: Callable[[], pl.DataFrame]) -> None:
        self.read = read


class Tables(MutableMapping[str, pl.DataFrame]):
    """The tables of a load through the load cache (:mod:`csana.ingest.cache`), under the load entry's key.

    A cached load's tables are read back when first used (a repeated ``csana metrics`` whose
    measure rows are cached never reads the messages). Setting or removing a table marks its name
    *replaced*: the load's key no longer names it (:meth:`Dataset.loaded_key`).
    """

    def __init__(self, frames: Mapping[str, pl.DataFrame | Deferred], load_key: str) -> None:
        self._frames = dict(frames)
        self.load_key = load_key
        self.replaced: set[str] = set()

    def __getitem__(self, name: str) -> pl.DataFrame:
        value = self._frames[name]
        if isinstance(value, Deferred):
            value = self._frames[name] = value.read()
        return value

    def __setitem__(self, name: str, frame: pl.DataFrame) -> None:
        self._frames[name] = frame
        self.replaced.add(name)

    def __delitem__(self, name: str) -> None:
        del self._frames[name]
        self.replaced.add(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)

    def __repr__(self) -> str:
        return f"Tables({list(self._frames)}, load_key={self.load_key!r})"


@dataclass(eq=False)
class Dataset:
    """Canonical tables (see :mod:`csana.ingest.schema`) and the bookkeeping of how they were read.

    ``capabilities`` say what the input can answer (:class:`Capability`): everything for raw
    chat logs and orders (docs/inputs.md), nothing beyond per-agent totals for platform
    performance exports, whose per-agent rows live in the ``agent_period`` table.
    """

    tables: MutableMapping[str, pl.DataFrame]
    """By table name; a plain dict, or :class:`Tables` when loaded through the load cache."""
    source: str = "<memory>"
    capabilities: frozenset[Capability] = RAW_CAPABILITIES
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTED_SCHEMA))
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILES_SCHEMA))
    warnings: list[str] = field(default_factory=list)
    tallies: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TALLY_SCHEMA))
    """Rows checked and failing per file, table and rule (see :func:`csana.ingest.rules.report`)."""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Derived tables keyed by params, so several metric calls derive once."""

    def loaded_key(self, *names: str) -> str:
        """The load cache's key of the load that gave the tables ``names``, while none of them was replaced;
        '' when the dataset was not loaded through the cache."""
        tables = self.tables
        if not isinstance(tables, Tables) or not tables.load_key or tables.replaced.intersection(names):
            return ""
        return tables.load_key

    def __getitem__(self, name: str) -> pl.DataFrame:
        """The table ``name``; an empty frame with the right columns when it was not given."""
        if name in self.tables:
            return self.tables[name]
        if name in TABLES:
            return empty(name)
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")

    def can(self, capability: Capability) -> bool:
        """Whether the input can answer what ``capability`` stands for."""
        return capability in self.capabilities

    def require(self, capability: Capability, feature: str) -> None:
        """Raise a clear error when ``feature`` needs what this input cannot answer."""
        if not self.can(capability):
            raise CsanaError(f"{feature} needs {NEEDS[capability]}; platform exports hold per-agent totals only",
                             file=self.source, fix="load the chat-log and order files (csana.load) for it")

    def has(self, name: str, column: str | None = None) -> bool:
        """Whether the table was given (and holds ``column``, when named)."""
        if name not in self.tables:
            return False
        return column is None or column in self.tables[name].columns

    @property
    def messages(self) -> pl.DataFrame:
        return self["messages"]

    @property
    def orders(self) -> pl.DataFrame:
        return self["orders"]

    def rows_summary(self) -> pl.DataFrame:
        """Per table: rows read, used, rejected (used + rejected = read)."""
        return (
            self.files.group_by("table", maintain_order=True)
            .agg(pl.col("rows_read", "rows_used", "rows_rejected").sum())
        )


SHOP_TABLES = ("messages", "orders", "agent_period")
"""Tables that carry shop_id: raw messages and orders; a platform export's per-agent rows (the shop
part of names such as ``店铺:客服``)."""


def shops(dataset: Dataset) -> list[str]:
    """The distinct shop ids of the messages and orders, or of an export's rows (empty when the data has no shop_id)."""
    found: set[str] = set()
    for name in SHOP_TABLES:
        if dataset.has(name, "shop_id"):
            found.update(v for v in dataset[name]["shop_id"].unique().to_list() if v is not None)
    return sorted(found)
