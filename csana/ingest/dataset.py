"""A loaded, validated dataset: canonical tables plus the account of every row read.

``Dataset`` is what :func:`csana.load` and :func:`csana.load_export` return and what
every later step takes. It keeps the rows that were set aside (``rejected``) with
their rules and reasons, per-file counts, so a report can prove that
rows used + rows rejected = rows read, and per-rule tallies of the rows checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

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


@dataclass(eq=False)
class Dataset:
    """Canonical tables (see :mod:`csana.ingest.schema`) and the bookkeeping of how they were read.

    ``kind`` is ``"raw"`` for chat logs and orders and ``"export"`` for platform
    performance exports, whose per-agent rows live in the ``agent_period`` table.
    """

    tables: dict[str, pl.DataFrame]
    source: str = "<memory>"
    kind: Literal["raw", "export"] = "raw"
    rejected: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=REJECTED_SCHEMA))
    files: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=FILES_SCHEMA))
    warnings: list[str] = field(default_factory=list)
    tallies: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=TALLY_SCHEMA))
    """Rows checked and failing per file, table and rule (see :func:`csana.ingest.rules.report`)."""
    cache: dict[Any, Any] = field(default_factory=dict, repr=False)
    """Derived tables keyed by params, so several metric calls derive once."""

    def __getitem__(self, name: str) -> pl.DataFrame:
        """The table ``name``; an empty frame with the right columns when it was not given."""
        if name in self.tables:
            return self.tables[name]
        if name in TABLES:
            return empty(name)
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES)}")

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

    @classmethod
    def from_frames(cls, source: str = "<memory>", **tables: pl.DataFrame | dict | None) -> Dataset:
        """Build a dataset from in-memory frames (tests, notebooks), casting to canonical types.

        Raises CsanaError on a missing required column, like loading a file would;
        notes such as ignored columns end up in ``warnings``.
        """
        from csana.ingest.raw import (
            conform_frame,  # the loader depends on this module, not the reverse
        )

        warnings: list[str] = []
        frames = {name: conform_frame(name, pl.DataFrame(t) if isinstance(t, dict) else t, source, warnings=warnings)
                  for name, t in tables.items() if t is not None}
        return cls(tables=frames, source=source, warnings=warnings)

    def rows_summary(self) -> pl.DataFrame:
        """Per table: rows read, used, rejected (used + rejected = read)."""
        return (
            self.files.group_by("table", maintain_order=True)
            .agg(pl.col("rows_read", "rows_used", "rows_rejected").sum())
        )
