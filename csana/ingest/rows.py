"""Which rows of a per-agent table are not agents: totals, peer benchmarks, notes.

Platform exports put totals (汇总, 合计, 全店均值, Total …), peer benchmarks (同行同层优秀) and notes
(数据来源：…导出时间…, 注：数据有延迟) among the agent rows; a pivot sheet ends in 总计. None of them is an
agent. This module is the one place that tells them apart, for exports (:mod:`csana.exports.read`)
and for the per-agent tables of raw logs (:mod:`csana.ingest.raw`). A summary row is caught by one of
three tests, and the test is named with it (:data:`CAUGHT`):

*by name*
    its label is a total's or an average's (:func:`is_summary_label`: 汇总, 汇总值, 合计, 平均值,
    全店…, 店铺汇总值, Total …, full-/half-width and spaces folded);
*by shape*
    its agent cell is blank but it carries numbers (京东 writes its total that way);
*by value*
    its additive cells (counts, amounts) equal the sum — or the mean — of the other agent rows of the
    same file and date (for a row without a date of its own: of the whole file), within the rounding of
    the cells as written (:func:`summary_by_value`), so a total under a name on no list (本页汇总, a
    translated "Summe") is still never an agent.

Kinds:

*agent*
    a row of one agent.
*summary*
    a total or average of other rows (rule ``summary_row``): set aside, never counted.
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

SUMMARY_WORDS = ("汇总", "合计", "总计", "小计", "总和", "均值", "平均", "平均值", "人均", "汇总值", "合计值", "总值", "总体", "累计",
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


CAUGHT: dict[str, tuple[str, str]] = {
    "name": ("by its label", "按名称"),
    "shape": ("by its shape: no agent name, but numbers", "按形状：没有客服名却有数字"),
    "sum": ("by its values: the sum of the other agent rows", "按数值：等于其他客服行之和"),
    "mean": ("by its values: the mean of the other agent rows", "按数值：等于其他客服行的平均值"),
}
"""How a summary row was caught (en, zh): the test of the module docstring that found it."""


def row_kind(agent: pl.Expr, labels: list[pl.Expr], cells: list[pl.Expr], placeholders: Collection[str] = (),
             summary_words: Collection[str] = (), benchmark_words: Collection[str] = ()) -> tuple[pl.Expr, pl.Expr]:
    """(kind, caught) of each row: agent / summary / benchmark / note / no_agent, and for a summary row
    how it was caught (``name`` or ``shape``; :func:`summary_by_value` adds ``sum`` and ``mean``).

    ``agent`` is the cleaned agent cell; ``labels`` the other cells that may carry a total's label (the
    date column: 汇总 under 日期 with the agent cell blank); ``cells`` the cleaned cells of the numeric
    fields (null when empty), of which ``placeholders`` (-, 延时统计 …) hold no number. A row whose date
    cell is a placeholder and that holds no number (暂无数据 on a day without data) is a note."""
    named = pl.any_horizontal([is_summary_label(c, summary_words) for c in labels]) if labels else pl.lit(False)
    marked = pl.any_horizontal([is_mark(c, placeholders) for c in labels]) if labels else pl.lit(False)
    filled = pl.any_horizontal([c.is_not_null() for c in cells]) if cells else pl.lit(False)
    numbers = pl.any_horizontal([c.is_not_null() & ~is_mark(c, placeholders) for c in cells]) if cells else pl.lit(False)
    by_name = is_summary_label(agent, summary_words).fill_null(False) | (agent.is_null() & named.fill_null(False))
    by_shape = agent.is_null() & numbers
    kind = (
        pl.when(by_name).then(pl.lit("summary"))
        .when(is_benchmark_label(agent, benchmark_words).fill_null(False)).then(pl.lit("benchmark"))
        .when(~filled | (marked.fill_null(False) & ~numbers)).then(pl.lit("note"))
        .when(by_shape).then(pl.lit("summary"))
        .when(agent.is_null()).then(pl.lit("no_agent"))
        .otherwise(pl.lit("agent"))
    )
    caught = pl.when(by_name).then(pl.lit("name")).when(kind == "summary").then(pl.lit("shape"))
    return kind, caught.otherwise(pl.lit(None, pl.String))


def written_rounding(cell_text: pl.Expr, whole_is_exact: bool) -> pl.Expr:
    """Half a unit of the last decimal place a number is written with ("8.5" → 0.05, "33.33" → 0.005): how
    far the exact value may be from it. A number written without decimals is exact when ``whole_is_exact``
    (a count), else rounded to a whole number (0.5: an amount or a mean written "9")."""
    decimals = cell_text.str.extract(r"\.(\d+)\s*\D*$").str.len_chars()
    whole = pl.lit(0.0 if whole_is_exact else 0.5)
    return pl.when(decimals.is_not_null()).then(0.5 * pl.lit(10.0).pow(-decimals.cast(pl.Float64))).otherwise(whole)


MIN_OTHERS = 2
"""A row is compared with at least this many other agent rows: with one, a total equals that row and an
agent whose figures happen to match another's would be taken for one."""


def summary_by_value(frame: pl.DataFrame, group: list[str], values: list[tuple[str, str, str]],
                     scope: str | None = None, tested: str | None = None) -> pl.DataFrame:
    """Agent rows whose additive cells are the sum (a total) or the mean (an average) of the other agent
    rows of their ``group`` (a file and date, or a whole file) become summary rows, caught ``sum`` or ``mean``.

    ``values`` names, per additive field, (value column, total rounding, mean rounding): the cell as a
    number, and how far its written form may be from the exact value (:func:`written_rounding`; a whole
    count is exact in a total, but may be a rounded mean). Compared are the cells every agent row of the
    group gives; the row must match on all of them, on at least two (a total) or three (a mean), one of them
    not 0, against at least :data:`MIN_OTHERS` other rows — tight enough that an agent's row does not pass
    by chance. A group holding both a total and a mean under unknown names is tested by pairs: the total is
    the sum, and the mean the mean, of the rows other than the two. ``_caught_rows`` is how many rows were
    summed; ``_caught_scope`` what they were (``scope``, else null: the rows of the date). With ``tested`` (a
    boolean column), only the rows where it is true may be found a summary: over a whole file, the rows
    without a date of their own — an agent's day may well equal the mean of the agent's other days.
    """
    if not values:
        return frame
    frame = frame.with_row_index("_rid")
    agent = pl.col("kind") == "agent"
    stats = [pl.col("_rid"), *[pl.col(g) for g in group], agent.sum().over(group).cast(pl.Int64).alias("_n")]
    for k, (value, total_rounding, mean_rounding) in enumerate(values):
        v = pl.col(value)
        stats += [
            v.alias(f"_x{k}"), pl.col(total_rounding).alias(f"_r{k}"), pl.col(mean_rounding).alias(f"_m{k}"),
            pl.when(agent).then(v).otherwise(0.0).sum().over(group).alias(f"_s{k}"),
            pl.when(agent).then(pl.col(total_rounding)).otherwise(0.0).sum().over(group).alias(f"_u{k}"),
            ((agent & v.is_not_null()).sum().over(group) == agent.sum().over(group)).alias(f"_g{k}"),
        ]
    candidate = pl.col(tested).fill_null(False) if tested else pl.lit(True)
    table = frame.select(*stats, agent.alias("_agent"), candidate.alias("_tested")).filter(pl.col("_agent"))
    ks = range(len(values))
    single = table.with_columns(_total=_matches(ks, "sum", ("x", "r", "m")), _mean=_matches(ks, "mean", ("x", "r", "m")))
    single = single.filter((pl.col("_total") | pl.col("_mean")) & pl.col("_tested"))
    hits = single.select("_rid", pl.when(pl.col("_total")).then(pl.lit("sum")).otherwise(pl.lit("mean")).alias("_how"),
                         (pl.col("_n") - 1).alias("_summed"))
    missed = table.join(single.select(group).unique(), on=group, how="anti", nulls_equal=True)
    other = missed.filter(pl.col("_tested")).select(
        "_rid", *group, *[pl.col(f"_{a}{k}").alias(f"_{b}{k}") for k in ks for a, b in (("x", "y"), ("r", "q"), ("m", "p"))])
    pairs = missed.filter(pl.col("_tested")).join(other, on=group, suffix="_j", nulls_equal=True)
    pairs = pairs.filter(pl.col("_rid") != pl.col("_rid_j"))
    pairs = pairs.filter(_matches(ks, "sum", ("x", "r", "m"), ("y", "q")) & _matches(ks, "mean", ("y", "q", "p"), ("x", "r")))
    paired = pl.concat([
        pairs.select("_rid", pl.lit("sum").alias("_how"), (pl.col("_n") - 2).alias("_summed")),
        pairs.select(pl.col("_rid_j").alias("_rid"), pl.lit("mean").alias("_how"), (pl.col("_n") - 2).alias("_summed")),
    ])
    found = frame.join(pl.concat([hits, paired]).unique("_rid", keep="first"), on="_rid", how="left").sort("_rid")
    hit = pl.col("_how").is_not_null()
    kept = {c: pl.col(c) if c in frame.columns else pl.lit(None, t) for c, t in (("_caught_rows", pl.Int64), ("_caught_scope", pl.String))}
    return found.with_columns(
        pl.when(hit).then(pl.lit("summary")).otherwise(pl.col("kind")).alias("kind"),
        pl.when(hit).then(pl.col("_how")).otherwise(pl.col("caught")).alias("caught"),
        pl.when(hit).then(pl.col("_summed").cast(pl.Int64)).otherwise(kept["_caught_rows"]).alias("_caught_rows"),
        pl.when(hit).then(pl.lit(scope, pl.String)).otherwise(kept["_caught_scope"]).alias("_caught_scope"),
    ).drop("_rid", "_how", "_summed")


def _matches(columns: range, how: str, tested: tuple[str, str, str], excluded: tuple[str, str] | None = None) -> pl.Expr:
    """Whether the tested row is the ``how`` (sum or mean) of its group's agent rows other than itself (and the
    ``excluded`` row of a pair). Per column ``k``: ``_s``/``_u`` are the group's sums of cells and of total
    roundings, ``_g`` whether every agent row gives the cell; ``tested`` and ``excluded`` are the prefixes of
    a row's cell, total rounding (and, tested, mean rounding) columns."""
    cell, rounding, mean_rounding = tested
    apart = 2 if excluded else 1
    k_rows = (pl.col("_n") - apart).cast(pl.Float64)
    ok, compared, nonzero = [], [], []
    for k in columns:
        x = pl.col(f"_{cell}{k}")
        away = pl.col(f"_{excluded[0]}{k}") if excluded else pl.lit(0.0)
        away_rounding = pl.col(f"_{excluded[1]}{k}") if excluded else pl.lit(0.0)
        rest = pl.col(f"_s{k}") - x - away
        slack = pl.col(f"_u{k}") - pl.col(f"_{rounding}{k}") - away_rounding
        if how == "mean":
            target, tolerance = rest / k_rows, pl.col(f"_{mean_rounding}{k}") + slack / k_rows
        else:
            target, tolerance = rest, pl.col(f"_{rounding}{k}") + slack
        comparable = pl.col(f"_g{k}") & x.is_not_null() & away.is_not_null()
        eps = 1e-9 * pl.max_horizontal(pl.lit(1.0), target.abs())
        ok.append(~comparable | ((x - target).abs() <= tolerance + eps))
        compared.append(comparable.cast(pl.Int64))
        nonzero.append(comparable & (rest != 0))
    need = 2 if how == "sum" else 3
    return ((pl.col("_n") - apart >= MIN_OTHERS) & pl.any_horizontal(nonzero) & (pl.sum_horizontal(compared) >= need)
            & pl.all_horizontal(ok))
