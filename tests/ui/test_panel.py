"""What the panels share: HTML tables escape every cell."""

from __future__ import annotations

import polars as pl

from csana.ui.panel import table_html


def test_table_html_escapes_and_shows_nulls_as_dash() -> None:
    frame = pl.DataFrame({"name": ["<b>x</b>", None]})
    got = table_html(frame, {"name": "客服"}, "t")
    assert "&lt;b&gt;x&lt;/b&gt;" in got and "<b>x" not in got
    assert '<td data-col="name">—</td>' in got
