"""Escaped HTML tables for the report: columns that render a row's cell, and the table around them.

Numbers are formatted by :mod:`csana.present.formatting` (the same text as the CLI and the
widgets). Every piece of data text (names, ids, team names, reasons) goes through
:func:`esc`: the data is not trusted.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from csana.catalogue import label
from csana.present.formatting import format_metric


def esc(value: Any) -> str:
    """HTML-escaped text of any value (None → empty)."""
    return "" if value is None else html.escape(str(value), quote=True)


Cell = Callable[[Mapping[str, Any]], str]
"""Renders one table cell from a row; returns HTML (already escaped)."""


@dataclass(frozen=True)
class Column:
    """A table column: header text, how to render a row's cell, and whether it is numeric."""

    header: str
    cell: Cell
    numeric: bool = False
    wrap: bool = False
    """Long text (notes, names lists) may wrap; other cells stay on one line."""

    @property
    def css(self) -> str:
        return "num" if self.numeric else ("wrap" if self.wrap else "")


def text_column(header: str, key: str, wrap: bool = False) -> Column:
    """A column showing ``row[key]`` as escaped text."""
    return Column(header, lambda row: esc(row.get(key)), wrap=wrap)


def count_column(header: str, key: str) -> Column:
    """A column of whole counts with thousands separators (missing → 0)."""
    return Column(header, lambda row: esc(f"{row.get(key) or 0:,}"), numeric=True)


def metric_column(metric_id: str, lang: str, key: str | None = None) -> Column:
    """A column of one metric, headed by its catalogue label, formatted by its unit."""
    column = key or metric_id
    return Column(label(metric_id, lang), lambda row: esc(format_metric(metric_id, row.get(column), lang)), numeric=True)


def html_table(rows: pl.DataFrame | Sequence[Mapping[str, Any]], columns: Sequence[Column], css: str = "data") -> str:
    """An HTML table; every cell is produced by its column (which escapes data text)."""
    records = rows.to_dicts() if isinstance(rows, pl.DataFrame) else list(rows)
    head = "".join(f'<th class="{c.css}">{esc(c.header)}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f'<td class="{c.css}">{c.cell(r)}</td>' for c in columns) + "</tr>" for r in records)
    return f'<table class="{esc(css)}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
