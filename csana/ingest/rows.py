"""Which rows of a per-agent table are not agents: totals, peer benchmarks, notes.

Platform exports put totals (汇总, 合计, 全店均值 …), peer benchmarks (同行同层优秀) and notes
(数据来源：…, 注：数据有延迟) among the agent rows; a pivot sheet ends in 总计. None of them is an
agent. :func:`row_kind` is the one place that tells them apart, for exports
(:mod:`csana.exports.read`) and for the per-agent tables of raw logs (:mod:`csana.ingest.raw`).

Kinds:

*agent*
    a row of one agent.
*summary*
    a total or average of other rows (rule ``summary_row``): set aside, never counted.
*benchmark*
    a peer benchmark (rule ``benchmark_row``): kept apart in the ``benchmarks`` table.
*no_agent*
    a row without an agent name that is none of the above (rule ``no_agent``).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from csana.ingest.cells import fold_marks


def folded_label(label: pl.Expr) -> pl.Expr:
    """A row label as compared with the summary and benchmark words: lower case, a trailing colon dropped."""
    return label.str.to_lowercase().str.strip_chars_end(":")


def row_kind(agent: pl.Expr, date_text: pl.Expr, summary_words: Collection[str],
             benchmark_words: Collection[str]) -> pl.Expr:
    """agent / benchmark / summary / no_agent of each row, from its cleaned agent cell and date cell
    (a total row may carry its label in the date column, with the agent cell blank)."""
    label = folded_label(agent)
    summaries = fold_marks(summary_words)
    summary = label.is_in(summaries) | (agent.is_null() & folded_label(date_text).is_in(summaries))
    return (
        pl.when(summary.fill_null(False)).then(pl.lit("summary"))
        .when(label.is_in(fold_marks(benchmark_words)).fill_null(False)).then(pl.lit("benchmark"))
        .when(agent.is_null()).then(pl.lit("no_agent"))
        .otherwise(pl.lit("agent"))
    )
