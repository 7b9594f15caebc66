"""A loaded, validated dataset: canonical tables plus the account of every row read.

``Dataset`` is what :func:`csana.load` and :func:`csana.load_export` return and what
every later step takes. It keeps the rows that were set aside (``rejected``) with
their rules and reasons, per-file counts, so a report can prove that
rows used + rows rejected = rows read, and per-rule tallies of the rows checked.
"""

from __future__ import annotations

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


@dataclass(eq=False)
class Dataset:
    """Canonical tables (see :mod:`csana.ingest.schema`) and the bookkeeping of how they were read.

    ``capabilities`` say what the input can answer (:class:`Capability`): everything for raw
    chat logs and orders (docs/inputs.md), nothing beyond per-agent totals for platform
    performance exports, whose per-agent rows live in the ``agent_period`` table.
    """

    tables: dict[str, pl.DataFrame]
    source: str = "<memory>"
    capabilities: frozenset[Capability] = RAW_CAPABILITIES
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTED_SCHEMA))
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILES_SCHEMA))
    warnings: list[str] = field(default_factory=list)
    tallies: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TALLY_SCHEMA))
    """Rows checked and failing per file, table and rule (see :func:`csana.ingest.rules.report`)."""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Derived tables keyed by params, so several metric calls derive once."""
    load_key: str = field(default="", repr=False)
    """The load cache's key of the tables as loaded (:mod:`csana.ingest.cache`); '' when not loaded through it."""
    loaded: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)
    """The tables as loaded with ``load_key`` (a table replaced since is no longer the load's)."""

    def loaded_key(self, *names: str) -> str:
        """``load_key`` while the tables ``names`` are still the ones loaded with it, else ''."""
        if not self.load_key or any(self.tables.get(n) is not self.loaded.get(n) for n in names):
            return ""
        return self.load_key

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
        table = self.tables.get(name)
        return table is not None and (column is None or column in table.columns)

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
