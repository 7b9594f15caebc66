"""Which rows of a per-agent table are not agents: totals, peer benchmarks, notes.

Platform exports put totals (汇总, 合计, 全店均值, Total …), peer benchmarks (同行同层优秀) and notes
(数据来源：…导出时间…, 注：数据有延迟) among the agent rows; a pivot sheet ends in 总计. None of them is an
agent. This module is the one place that tells them apart, for exports (:mod:`csana.exports.read`)
and for the per-agent tables of raw logs (:mod:`csana.ingest.raw`). Detection so far: by the row's
label (:func:`is_summary_label`, :func:`is_benchmark_label`) and by the row's shape (which cells hold
something); more signals (a row whose numbers are the sum of the rows above, new flavours' words)
belong in :func:`row_kind` too.

Kinds:

*agent*
    a row of one agent.
*summary*
    a total or average of other rows (rule ``summary_row``): set aside, never counted. Told by its
    label, or by its shape: a blank agent cell on a row that carries numbers.
*benchmark*
    a peer benchmark (rule ``benchmark_row``): kept apart in the ``benchmarks`` table.
*note*
    text without any number (rule ``note_row``): a data source, an export time, a remark.
*no_agent*
    a row without an agent name that is none of the above (rule ``no_agent``).
"""

from __future__ import annotations

from collections.abc import Collection

import polars as pl

from csana.ingest.cells import fold_marks, is_mark

SUMMARY_WORDS = ("汇总", "合计", "总计", "小计", "总和", "均值", "平均", "平均值", "汇总值", "合计值", "总体", "累计",
                 "total", "totals", "grandtotal", "subtotal", "sum", "average", "avg", "mean", "overall")
"""Labels of total and average rows, after :func:`folded_label`."""
SUMMARY_SCOPES = ("全店", "店铺", "全部", "所有", "子账号", "客服", "团队", "小组", "本组", "本页", "整体", "全体")
"""Words a total's label may start with: 全店合计, 子账号合计, 团队均值 …"""
BENCHMARK_WORDS = ("同行同层优秀", "同行同层平均", "同行同层均值", "同行优秀", "同行平均", "同行均值", "行业均值", "行业优秀",
                   "行业平均")
"""Labels of peer benchmark rows, after :func:`folded_label`."""
_SUMMARY = f"^(?:{'|'.join(SUMMARY_SCOPES)})?(?:{'|'.join(sorted(SUMMARY_WORDS, key=len, reverse=True))})$"


def folded_label(label: pl.Expr) -> pl.Expr:
    """A row label as compared with the summary and benchmark words: NFKC (full-width → half-width), lower
    case, no spaces, no trailing colon and no trailing bracketed remark (合计（10月） → 合计, TOTAL: → total)."""
    t = label.str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", "")
    for _ in range(2):  # "合计(10月):" and "合计:(10月)"
        t = t.str.replace(r"[:：]+$", "").str.replace(r"[(\[【][^()\[\]【】]*[)\]】]$", "")
    return t


def is_summary_label(label: pl.Expr, extra: Collection[str] = ()) -> pl.Expr:
    """Whether a row label names a total or an average (:data:`SUMMARY_WORDS`, optionally after a scope of
    :data:`SUMMARY_SCOPES`, or one of ``extra``: a flavour's summary_rows)."""
    folded = folded_label(label)
    return folded.str.contains(_SUMMARY) | folded.is_in(_folded_words(extra))


def is_benchmark_label(label: pl.Expr, extra: Collection[str] = ()) -> pl.Expr:
    """Whether a row label names a peer benchmark (:data:`BENCHMARK_WORDS` or ``extra``)."""
    return folded_label(label).is_in(_folded_words((*BENCHMARK_WORDS, *extra)))


def _folded_words(words: Collection[str]) -> list[str]:
    return pl.Series(fold_marks(words), dtype=pl.String).to_frame("w").select(folded_label(pl.col("w"))).to_series().to_list()


def row_kind(agent: pl.Expr, labels: list[pl.Expr], cells: list[pl.Expr], placeholders: Collection[str] = (),
             summary_words: Collection[str] = (), benchmark_words: Collection[str] = ()) -> pl.Expr:
    """agent / summary / benchmark / note / no_agent of each row.

    ``agent`` is the cleaned agent cell; ``labels`` the other cells that may carry a total's label (the
    date column: 汇总 under 日期 with the agent cell blank); ``cells`` the cleaned cells of the numeric
    fields (null when empty), of which ``placeholders`` (-, 延时统计 …) hold no number."""
    named = pl.any_horizontal([is_summary_label(c, summary_words) for c in labels]) if labels else pl.lit(False)
    filled = pl.any_horizontal([c.is_not_null() for c in cells]) if cells else pl.lit(False)
    numbers = pl.any_horizontal([c.is_not_null() & ~is_mark(c, placeholders) for c in cells]) if cells else pl.lit(False)
    return (
        pl.when(is_summary_label(agent, summary_words).fill_null(False)).then(pl.lit("summary"))
        .when(agent.is_null() & named.fill_null(False)).then(pl.lit("summary"))
        .when(is_benchmark_label(agent, benchmark_words).fill_null(False)).then(pl.lit("benchmark"))
        .when(~filled).then(pl.lit("note"))
        .when(agent.is_null() & numbers).then(pl.lit("summary"))
        .when(agent.is_null()).then(pl.lit("no_agent"))
        .otherwise(pl.lit("agent"))
    )
