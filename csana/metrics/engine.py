"""The metric engine: the catalogue evaluated once, over the measure rows of either input.

:func:`evaluate` takes measure rows (from :mod:`csana.facts`: one row per agent × period
for raw logs, one row per agent × export row for platform exports) and, per group of
keys, sums each measure, evaluates each metric by its type (simple, ratio, mean,
quantile, derived: :mod:`csana.catalogue`) and nothing more:

* counts and sums add; a ratio or mean is Σ numerator / Σ denominator over the rows
  giving both, null when that denominator is 0;
* derived metrics are linear in measures: evaluated per row (or taken as the row gives
  them), then summed;
* a quantile, or a metric a row gives without the measures to rebuild it (a platform's
  rate without its base), is kept only when the group is that one row.

Types are the catalogue's (counts Int64), except that a credit measure the rows give as
Float64 stays Float64: shares of ``split`` credit are fractions (:mod:`csana.facts.credit`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from csana.catalogue import (
    CATALOGUE,
    COMPONENT_IDS,
    CREDIT_IDS,
    MEASURES,
    METRIC_BY_ID,
    METRICS,
    OUTPUT_IDS,
    PUBLIC_IDS,
    dtype,
    stable_sum,
)
from csana.errors import CsanaError
from csana.facts import Facts, facts_of, raw
from csana.i18n import Note
from csana.ingest.dataset import Capability, Dataset
from csana.params import MetricParams, resolve_params
from csana.periods import Period, month_window

IDENTITY = ("agent_id", "name", "team", "role")
"""The columns naming an agent in every per-agent table."""
KEYS = ["agent_id", "period"]


def latest_complete_month(dataset: Dataset, params: MetricParams | None = None) -> str:
    """The latest month with data that the data covers to its last day (else the latest month with data)."""
    return facts_of(dataset, resolve_params(params, {})).latest_month()


# -- evaluation ---------------------------------------------------------------------------------


def _row_values(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Every output column present (null where the rows lack it), derived metrics evaluated per row."""
    names = set(rows.collect_schema().names())
    rows = rows.with_columns([pl.lit(None, dtype(c)).alias(c) for c in OUTPUT_IDS if c not in names])
    for m in METRICS:
        if m.type == "derived":
            assert m.expr is not None
            rows = rows.with_columns(pl.coalesce(pl.col(m.id).cast(m.dtype), m.expr.cast(m.dtype)).alias(m.id))
    return rows


def _sum(column: str) -> pl.Expr:
    total = stable_sum(pl.col(column)) if dtype(column) == pl.Float64 else pl.col(column).sum()
    return pl.when(pl.col(column).is_not_null().any()).then(total).alias(column)


def _parts(num: str, den: str) -> tuple[pl.Expr, pl.Expr]:
    """Σ numerator and Σ denominator over the rows giving both (null when none does)."""
    n, d = pl.col(num).cast(pl.Float64), pl.col(den).cast(pl.Float64)
    both = n.is_not_null() & d.is_not_null()
    return pl.when(both.any()).then(stable_sum(n.filter(both))), pl.when(both.any()).then(stable_sum(d.filter(both)))


def evaluate(rows: pl.LazyFrame, keys: list[str] | None = None) -> pl.DataFrame:
    """Every metric and measure per group of ``keys`` (default agent_id, period) of measure rows."""
    keys = keys or KEYS
    schema = rows.collect_schema()
    fractional = {c for c in CREDIT_IDS if schema.get(c) == pl.Float64}
    summed = [m.id for m in MEASURES if m.combinable] + [m.id for m in METRICS if m.type == "derived"]
    single = [c for c in OUTPUT_IDS if c not in summed]
    aggs: list[pl.Expr] = [pl.len().alias("_rows"), *[_sum(c) for c in summed]]
    aggs += [pl.col(c).first().alias(f"_given_{c}") for c in single]
    for m in METRICS:
        if m.ratio is not None:
            n, d = _parts(*m.ratio)
            aggs += [n.alias(f"_n_{m.id}"), d.alias(f"_d_{m.id}")]
    one_row = pl.col("_rows") == 1
    values = [pl.when(one_row).then(pl.col(f"_given_{c}")).alias(c) for c in single if c not in METRIC_BY_ID or METRIC_BY_ID[c].ratio is None]
    for m in METRICS:
        if m.ratio is not None:
            d = pl.col(f"_d_{m.id}")
            values.append(pl.when(d > 0).then(pl.col(f"_n_{m.id}") / d)
                          .when(d.is_null() & one_row).then(pl.col(f"_given_{m.id}")).alias(m.id))
    return (
        _row_values(rows).group_by(keys).agg(aggs)
        .with_columns(values)
        .select([*keys, *[pl.col(c).cast(dtype(c, c in fractional)) for c in OUTPUT_IDS]])
        .collect()
    )


def uncombined(rows: pl.LazyFrame, result: pl.DataFrame, keys: list[str], period: str) -> list[Note]:
    """Notes on metrics a row gives that could not be combined for a group (a median of several
    days, a platform's rate without its base): they are left empty rather than averaged."""
    names = rows.collect_schema().names()
    given = [m for m in METRICS if m.type in ("ratio", "mean", "quantile") and m.id in names]
    if not given:
        return []
    has = rows.group_by(keys).agg([pl.col(m.id).is_not_null().any().alias(m.id) for m in given]).collect()
    lost = has.join(result.select(*keys, *[pl.col(m.id).alias(f"_v_{m.id}") for m in given]), on=keys, how="left")
    notes = []
    for m in given:
        if lost.filter(pl.col(m.id) & pl.col(f"_v_{m.id}").is_null()).height == 0:
            continue
        why = "a median cannot be combined" if m.ratio is None else f"the export lacks {' or '.join(CATALOGUE[c].en for c in m.ratio)}"
        why_zh = "中位数无法合并" if m.ratio is None else f"导出文件没有 {'或'.join(CATALOGUE[c].zh for c in m.ratio)}"
        notes.append(Note(f"{m.en} ({m.id}) is given per row but left empty for {period}: {why}",
                          f"{m.zh} 按行给出，但 {period} 的合计留空：{why_zh}"))
    return notes


def with_identity(frame: pl.DataFrame, dataset: Dataset, period_name: str) -> pl.DataFrame:
    """Add name/team/role from the agents table and order the columns canonically."""
    agents = dataset["agents"]
    info = agents.select(["agent_id", *[c for c in IDENTITY[1:] if c in agents.columns]])
    frame = frame.join(info, on="agent_id", how="left")
    missing = [pl.lit(None, pl.String).alias(c) for c in IDENTITY[1:] if c not in frame.columns]
    return (
        frame.with_columns(missing)
        .rename({"period": period_name})
        .select([*IDENTITY, period_name, *PUBLIC_IDS, *COMPONENT_IDS])
        .sort(period_name, "agent_id")
    )


def period_metrics(facts: Facts, month: str, by: Period) -> pl.DataFrame:
    """Per agent metrics of ``month`` (by month or by day), with notes on what could not be combined."""
    window = month_window(month, by)
    rows = facts.rows(window)
    frame = evaluate(rows)
    for note in uncombined(rows, frame, KEYS, month):
        if note not in facts.dataset.warnings:
            facts.dataset.warnings.append(note)
    if frame.height == 0:
        start, end = facts.span()
        raise CsanaError(f"no receptions or orders in {month}; the data covers {start} … {end}", file=facts.dataset.source,
                         fix=f"choose a month with data: {', '.join(facts.months())}")
    return with_identity(frame, facts.dataset, "month" if by == "month" else "date")


def agent_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """One row per agent active in ``month`` with every metric of the catalogue (docs/metrics.md).

    Columns: agent_id, name, team, role, month, the metric ids in catalogue order, then
    the measures behind them. ``month=None`` takes the data's latest complete month.
    Keyword overrides replace single params (``agent_metrics(ds, "2026-10", slow_response_s=120)``).
    """
    facts = facts_of(dataset, resolve_params(params, overrides))
    return period_metrics(facts, month or facts.latest_month(), "month")


def agent_daily_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """The same metrics per agent per day of ``month`` (column ``date``), for trends and daily monitoring."""
    facts = facts_of(dataset, resolve_params(params, overrides))
    return period_metrics(facts, month or facts.latest_month(), "day")


def attribution(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """The audit trail of credit: each order (created in ``month``, or all) with its credited agent,
    the reception that earned it (credit_start, credit_day), the rule, the window and the assisting agents."""
    if not dataset.can(Capability.ORDERS):
        raise CsanaError("the credit of single orders needs raw chat logs and orders, not platform exports",
                         file=dataset.source, fix="load the chat logs and orders (csana.load) for the attribution table")
    return raw.attribution_table(dataset, month, resolve_params(params, overrides))
