"""Completing export rows: the measures a platform export lacks, rebuilt exactly from what it gives.

An export row gives some measures (咨询人数, 接待人数 …) and some metrics (转化率, 平均响应时间 …).
Monthly figures need the additive measures behind every ratio, so each row is completed:
exact relations of the definitions (:data:`COMPLETIONS`), the conversion base, then for
each ratio or mean ``numerator = value × denominator`` and ``denominator = numerator /
value`` (counts rounded to whole numbers), then derived metrics. Every derivation is named
in a note. A time average given without what it averages over is weighted later, by the
facts layer (:func:`csana.facts.export.weighted`), by the first base in
:data:`TIME_WEIGHT_BASES` the row has — close, not exact, and said so here.
"""

from __future__ import annotations

import polars as pl

from csana.catalogue import CATALOGUE, COUNT_UNITS, METRICS, Metric, dtype

WEIGHT_FIELDS = ("first_response_count", "response_count", "reception_total_s")
"""Weights of the time averages that platform exports usually lack (csana's own export writes them)."""
TIME_WEIGHT_BASES = ("replied_customers", "received_customers")
"""When an export gives a time average without what it averages over, days are weighted by the first
of these it has: a day with more customers served holds more responses."""

COMPLETIONS: tuple[tuple[str, pl.Expr, str], ...] = (
    ("replied_customers", pl.col("received_customers") - pl.col("unreplied_customers"), "接待人数 − 未回复人数"),
    ("filtered_customers", pl.col("consult_customers") - pl.col("received_customers"), "咨询人数 − 接待人数"),
    ("consult_customers", pl.col("received_customers") + pl.col("filtered_customers"), "接待人数 + 接待过滤人数"),
)
"""Exact relations between the measures of one row (docs/metrics.md), used to fill one the export lacks."""


def with_all_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Every catalogue id as a column of its canonical type (null where the export lacks it)."""
    return frame.with_columns(
        [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype(c)).alias(c) for c in CATALOGUE]
    )


def complete(rows: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Fill measures the export lacks from what it gives, row by row, and say what was derived.

    In order: the exact relations above; conversion bases = 询单人数 (exports do not
    separate assisted customers); for each ratio or mean, numerator = value × denominator
    and denominator = numerator / value (counts rounded to whole numbers); then derived
    metrics (未回复人数 = 接待 − 回复, online hours).
    """
    notes: list[str] = []

    def fill(frame: pl.DataFrame, target: str, expr: pl.Expr, how: str) -> pl.DataFrame:
        if CATALOGUE[target].unit in COUNT_UNITS:
            expr = expr.round(0)
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
    for m in METRICS:
        if m.type == "derived":
            assert m.expr is not None
            rows = fill(rows, m.id, m.expr, m.definition)
    notes += _weight_notes(rows)
    return rows, notes


def time_averages() -> list[Metric]:
    """The means in seconds: weighted by a base when the export lacks what they average over."""
    return [m for m in METRICS if m.type == "mean" and m.unit == "seconds"]


def _weight_notes(rows: pl.DataFrame) -> list[str]:
    notes = []
    for m in time_averages():
        den = m.measures[1]
        lacking = rows.filter(pl.col(m.id).is_not_null() & pl.col(den).is_null())
        for base in TIME_WEIGHT_BASES:
            n = lacking.filter(pl.col(base).is_not_null()).height
            if n:
                notes.append(f"{m.zh} ({m.id}) is given without {CATALOGUE[den].zh} on {n} row(s): days are weighted "
                             f"by {CATALOGUE[base].zh} instead (close, not exact)")
                lacking = lacking.filter(pl.col(base).is_null())
    return notes
