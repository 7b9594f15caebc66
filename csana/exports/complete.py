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
from csana.i18n import Note

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

RELATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("replied_customers", "received_customers", "−", "unreplied_customers"),
    ("filtered_customers", "consult_customers", "−", "received_customers"),
    ("consult_customers", "received_customers", "+", "filtered_customers"),
    ("reply_3min_customers", "reply_3min_base", "−", "reply_3min_late"),
    ("reply_3min_late", "reply_3min_base", "−", "reply_3min_customers"),
    ("reply_3min_base", "reply_3min_customers", "+", "reply_3min_late"),
)
"""Exact relations between the measures of one row (docs/metrics.md), used to fill one the export lacks:
(target, a, operator, b) for ``target = a ± b`` (拼多多's 3分钟人工回复率 is (需要人工回复的咨询人数 −
3分钟未回复人数) / 需要人工回复的咨询人数)."""


def _how(*ids: str, op: str = "") -> tuple[str, str]:
    """Measures by name, joined by `` op ``, in English and Chinese: ("Received customers − …", "接待人数 − 未回复人数")."""
    return f" {op} ".join(CATALOGUE[i].en for i in ids), f" {op} ".join(CATALOGUE[i].zh for i in ids)


def _relation(a: str, op: str, b: str) -> pl.Expr:
    return pl.col(a) - pl.col(b) if op == "−" else pl.col(a) + pl.col(b)


COMPLETIONS: tuple[tuple[str, pl.Expr, str], ...] = tuple(
    (target, _relation(a, op, b), _how(a, b, op=op)[1]) for target, a, op, b in RELATIONS)
""":data:`RELATIONS` as (target, expression, how in Chinese), for docs/metrics.md."""


def with_all_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Every catalogue id as a column of its canonical type (null where the export lacks it)."""
    return frame.with_columns(
        [(pl.col(c) if c in frame.columns else pl.lit(None)).cast(dtype(c)).alias(c) for c in CATALOGUE]
    )


def complete(rows: pl.DataFrame, underived: dict[str, tuple[str, ...]] | None = None) -> tuple[pl.DataFrame, list[Note]]:
    """Fill measures the export lacks from what it gives, row by row, and say what was derived.

    In order: the exact relations above; conversion bases = 询单人数 (exports do not
    separate assisted customers); for each ratio or mean, numerator = value × denominator
    and denominator = numerator / value (counts rounded to whole numbers); then derived
    metrics (未回复人数 = 接待 − 回复, online hours). ``underived`` (flavour name → measures) names what
    must not be derived on the rows of a flavour (column ``_flavour``) whose export breaks the relation.
    """
    notes: list[Note] = []
    skip: dict[str, list[str]] = {}
    for name, targets in (underived or {}).items():
        for target in targets:
            skip.setdefault(target, []).append(name)

    def fill(frame: pl.DataFrame, target: str, expr: pl.Expr, how: tuple[str, str]) -> pl.DataFrame:
        """Fill ``target`` from ``expr`` where the export lacks it; ``how`` says how (en, zh)."""
        if CATALOGUE[target].unit in COUNT_UNITS:
            expr = expr.round(0)
        if target in skip:
            expr = pl.when(~pl.col("_flavour").is_in(skip[target])).then(expr)
        value = expr.cast(dtype(target), strict=False)  # absurd inputs (a rate of 1E21 %) overflow: left empty
        filled = frame.with_columns(pl.coalesce(pl.col(target), value).alias(target))
        n = filled[target].is_not_null().sum() - frame[target].is_not_null().sum()
        if n:
            notes.append(Note(f"{CATALOGUE[target].en} ({target}) derived as {how[0]} on {n} row(s): the export does not give it",
                              f"{CATALOGUE[target].zh} 由 {how[1]} 推算，共 {n} 行：导出文件没有给出"))
        return filled

    def exact(frame: pl.DataFrame) -> pl.DataFrame:
        for target, a, op, b in RELATIONS:
            frame = fill(frame, target, _relation(a, op, b), _how(a, b, op=op))
        return frame

    rows = exact(rows)
    base = CATALOGUE["inquiry_customers"]
    rows = fill(rows, "conv_base_customers", pl.col("inquiry_customers"),
                (f"{base.en} (exports do not separate assisted customers)", f"{base.zh}（导出文件不区分辅助接待的顾客）"))
    for m in METRICS:
        if m.ratio is None:
            continue
        num, den = m.ratio
        value = pl.col(m.id)
        rows = fill(rows, num, value * pl.col(den), _how(m.id, den, op="×"))
        rows = fill(rows, den, pl.when(value > 0).then(pl.col(num) / value), _how(num, m.id, op="÷"))
    rows = exact(rows)  # a part rebuilt from a rate may complete a relation
    for m in METRICS:
        if m.type == "derived":
            assert m.expr is not None
            rows = fill(rows, m.id, m.expr, (m.definition, m.defined("zh")))
    notes += _weight_notes(rows)
    return rows, notes


def weighted_metrics() -> list[Metric]:
    """The metrics weighted by a base when an export lacks what they are taken over (:data:`WEIGHT_BASES`)."""
    return [METRIC_BY_ID[m] for m in WEIGHT_BASES]


def _weight_notes(rows: pl.DataFrame) -> list[Note]:
    notes = []
    for m in weighted_metrics():
        den = m.measures[1]
        lacking = rows.filter(pl.col(m.id).is_not_null() & pl.col(den).is_null())
        for base in WEIGHT_BASES[m.id]:
            n = lacking.filter(pl.col(base).is_not_null()).height
            if n:
                notes.append(Note(f"{m.en} ({m.id}) is given without {CATALOGUE[den].en} on {n} row(s): days are weighted "
                                  f"by {CATALOGUE[base].en} instead (close, not exact)",
                                  f"{m.zh} 有 {n} 行没有给出 {CATALOGUE[den].zh}：各天改按 {CATALOGUE[base].zh} 加权"
                                  "（接近，但不精确）"))
                lacking = lacking.filter(pl.col(base).is_null())
    return notes
