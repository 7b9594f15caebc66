"""Completing export rows: the measures a platform export lacks, rebuilt exactly from what it gives.

An export row gives some measures (咨询人数, 接待人数 …) and some metrics (转化率, 平均响应时间 …).
Monthly figures need the additive measures behind every ratio, so each row is completed:
exact relations of the definitions (:data:`COMPLETIONS`), the conversion base, then for
each ratio or mean ``numerator = value × denominator`` and ``denominator = numerator /
value`` (counts rounded to whole numbers), then derived metrics. Every derivation is named
in a note. A time average given without what it averages over is weighted later, by the
facts layer (:func:`csana.facts.export.weighted`), by the first base in
:data:`WEIGHT_BASES` the row has — close, not exact, and said so here.
"""

from __future__ import annotations

import polars as pl

from csana.catalogue import CATALOGUE, COUNT_UNITS, METRIC_BY_ID, METRICS, Metric, dtype

WEIGHT_FIELDS = ("first_response_count", "response_count", "reception_total_s")
"""Weights of the time averages that platform exports usually lack (csana's own export writes them)."""
TIME_WEIGHT_BASES = ("replied_customers", "receptions", "received_customers")
"""When an export gives a time average without what it averages over, days are weighted by the first
of these it has: a day with more customers replied to (the receptions a first response is taken over), or
more receptions (接待量, 接待会话量) or customers served, holds more responses."""
WEIGHT_BASES: dict[str, tuple[str, ...]] = {
    "first_response_s": TIME_WEIGHT_BASES,
    "avg_response_s": TIME_WEIGHT_BASES,
    "avg_reception_s": ("replied_customers", "received_customers"),
    "reply_3min_rate": ("receptions", "received_customers"),
    "reply_3min_rate_allday": ("received_customers",),
    "answer_30s_rate": ("receptions", "received_customers"),
}
"""Per metric an export may give without what it is taken over (a time average without its count, a
platform's rate without its base), the bases its days are weighted by instead, first found first:
close, not exact (the load warnings name the base). Other ratios without their parts do not combine."""

COMPLETIONS: tuple[tuple[str, pl.Expr, str], ...] = (
    ("replied_customers", pl.col("received_customers") - pl.col("unreplied_customers"), "接待人数 − 未回复人数"),
    ("filtered_customers", pl.col("consult_customers") - pl.col("received_customers"), "咨询人数 − 接待人数"),
    ("consult_customers", pl.col("received_customers") + pl.col("filtered_customers"), "接待人数 + 接待过滤人数"),
    ("reply_3min_customers", pl.col("reply_3min_base") - pl.col("reply_3min_late"), "3分钟回复考核人数 − 3分钟未回复人数"),
    ("reply_3min_late", pl.col("reply_3min_base") - pl.col("reply_3min_customers"), "3分钟回复考核人数 − 3分钟人工回复人数"),
    ("reply_3min_base", pl.col("reply_3min_customers") + pl.col("reply_3min_late"), "3分钟人工回复人数 + 3分钟未回复人数"),
)
"""Exact relations between the measures of one row (docs/metrics.md), used to fill one the export lacks
(拼多多's 3分钟人工回复率 is (需要人工回复的咨询人数 − 3分钟未回复人数) / 需要人工回复的咨询人数)."""


def with_all_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Every catalogue id as a column of its canonical type (null where the export lacks it)."""
    return frame.with_columns(
        [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype(c)).alias(c) for c in CATALOGUE]
    )


def complete(rows: pl.DataFrame, underived: dict[str, tuple[str, ...]] | None = None) -> tuple[pl.DataFrame, list[str]]:
    """Fill measures the export lacks from what it gives, row by row, and say what was derived.

    In order: the exact relations above; conversion bases = 询单人数 (exports do not
    separate assisted customers); for each ratio or mean, numerator = value × denominator
    and denominator = numerator / value (counts rounded to whole numbers); then derived
    metrics (未回复人数 = 接待 − 回复, online hours). ``underived`` (flavour name → measures) names what
    must not be derived on the rows of a flavour (column ``_flavour``) whose export breaks the relation.
    """
    notes: list[str] = []
    skip: dict[str, list[str]] = {}
    for name, targets in (underived or {}).items():
        for target in targets:
            skip.setdefault(target, []).append(name)

    def fill(frame: pl.DataFrame, target: str, expr: pl.Expr, how: str) -> pl.DataFrame:
        if CATALOGUE[target].unit in COUNT_UNITS:
            expr = expr.round(0)
        if target in skip:
            expr = pl.when(~pl.col("_flavour").is_in(skip[target])).then(expr)
        value = expr.cast(dtype(target), strict=False)  # absurd inputs (a rate of 1E21 %) overflow: left empty
        filled = frame.with_columns(pl.coalesce(pl.col(target), value).alias(target))
        n = filled[target].is_not_null().sum() - frame[target].is_not_null().sum()
        if n:
            notes.append(f"{CATALOGUE[target].zh} ({target}) derived as {how} on {n} row(s): the export does not give it")
        return filled

    for target, expr, how in COMPLETIONS:
        rows = fill(rows, target, expr, how)
    rows = fill(rows, "conv_base_customers", pl.col("inquiry_customers"),
                "询单人数 (exports do not separate assisted customers)")
    for m in METRICS:
        if m.ratio is None:
            continue
        num, den = m.ratio
        value = pl.col(m.id)
        rows = fill(rows, num, value * pl.col(den), f"{m.zh} × {CATALOGUE[den].zh}")
        rows = fill(rows, den, pl.when(value > 0).then(pl.col(num) / value), f"{CATALOGUE[num].zh} ÷ {m.zh}")
    for target, expr, how in COMPLETIONS:  # a part rebuilt from a rate may complete a relation
        rows = fill(rows, target, expr, how)
    for m in METRICS:
        if m.type == "derived":
            assert m.expr is not None
            rows = fill(rows, m.id, m.expr, m.definition)
    notes += _weight_notes(rows)
    return rows, notes


def weighted_metrics() -> list[Metric]:
    """The metrics weighted by a base when an export lacks what they are taken over (:data:`WEIGHT_BASES`)."""
    return [METRIC_BY_ID[m] for m in WEIGHT_BASES]


def _weight_notes(rows: pl.DataFrame) -> list[str]:
    notes = []
    for m in weighted_metrics():
        den = m.measures[1]
        lacking = rows.filter(pl.col(m.id).is_not_null() & pl.col(den).is_null())
        for base in WEIGHT_BASES[m.id]:
            n = lacking.filter(pl.col(base).is_not_null()).height
            if n:
                notes.append(f"{m.zh} ({m.id}) is given without {CATALOGUE[den].zh} on {n} row(s): days are weighted "
                             f"by {CATALOGUE[base].zh} instead (close, not exact)")
                lacking = lacking.filter(pl.col(base).is_null())
    return notes
