"""The facts of platform exports: the completed rows of a window, as measure rows.

A platform export is already aggregated: one row per agent per day (or per period) of
measures and metrics, completed at load (:mod:`csana.exports.complete`). The facts of a
window are its rows that lie inside it, each keyed by agent (or team, or the shop) and
period; :func:`csana.metrics.engine.evaluate` then sums the measures and re-divides the
ratios, exactly as it does for raw logs. Only two things are particular to exports:

* rows that span days outside the window are left out, with a warning;
* a time average given without what it averages over is weighted by a base the row has
  (:func:`weighted`; close, not exact — load_export's warnings say so).

People counts summed over daily rows are *customer-days*: a customer served on three
days counts three times, and a customer served by two agents counts twice in a team.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csana.errors import CsanaError
from csana.exports.complete import WEIGHT_BASES, complete, weighted_metrics
from csana.exports.mapping import TABLE
from csana.i18n import Note
from csana.ingest.dataset import Dataset
from csana.periods import Window, latest_complete, months_between

BENCHMARKS = "benchmarks"


def months(dataset: Dataset) -> list[str]:
    """The calendar months the export rows lie in, in order."""
    rows = dataset[TABLE]
    return sorted(set(rows["period_start"].dt.strftime("%Y-%m").to_list()) | set(rows["period_end"].dt.strftime("%Y-%m").to_list()))


def months_touched(dataset: Dataset) -> list[str]:
    """Every calendar month from the first to the last day the rows cover."""
    rows = dataset[TABLE]
    return months_between(rows["period_start"].min(), rows["period_end"].max())


def latest_month(dataset: Dataset) -> str:
    """The latest month the rows cover to its last day, else the latest month with rows."""
    rows = dataset[TABLE]
    return latest_complete(months_between(rows["period_start"].min(), rows["period_end"].max()), rows["period_end"].max())


def warn(dataset: Dataset, note: Note) -> None:
    """Add a note to the dataset's warnings once."""
    if note not in dataset.warnings:
        dataset.warnings.append(note)


def _inside(rows: pl.DataFrame, window: Window) -> pl.Expr:
    return (pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end)


def rows_in(dataset: Dataset, window: Window) -> pl.DataFrame:
    """The agent rows lying inside the window's month; rows straddling it are left out with a warning."""
    rows = dataset[TABLE]
    inside = rows.filter(_inside(rows, window))
    straddle = rows.filter((pl.col("period_start") < window.end) & (pl.col("period_end") >= window.start)
                           & ~_inside(rows, window))
    if straddle.height:
        r = straddle.row(0, named=True)
        span = f"{r['period_start']}~{r['period_end']}"
        warn(dataset, Note(f"{straddle.height} export row(s) cover days outside {window.label} (e.g. {span} in {r['file']}) "
                           "and were left out of it: export per day or per calendar month",
                           f"{straddle.height} 行导出数据包含 {window.label} 以外的日期（如 {r['file']} 中的 {span}），"
                           "未计入该月：请按天或按自然月导出"))
    if inside.height == 0:
        raise CsanaError(f"no export rows within {window.label}", file=dataset.source,
                         fix=f"choose one of the months the export covers: {', '.join(months(dataset))}")
    if window.by == "month":
        return inside.with_columns(period=pl.lit(window.label))
    daily = inside.filter(pl.col("date").is_not_null())
    if daily.height < inside.height:
        n = inside.height - daily.height
        warn(dataset, Note(f"{n} export row(s) of {window.label} cover several days and are not in the daily table",
                           f"{window.label} 有 {n} 行导出数据覆盖多天，不在每日表中"))
    if daily.height == 0:
        raise CsanaError(f"the export rows of {window.label} are per period, not per day", file=dataset.source,
                         fix="export a daily report (one row per agent per day) for daily figures")
    return daily.with_columns(period=pl.col("date"))


def weighted(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows whose time averages (or platform rates) lack what they are taken over, weighted by a base.

    ``count := the first base of WEIGHT_BASES the row has`` and ``total := value × count``, only where
    the value is given and neither its total nor its count is: days with more receptions or customers
    served hold more responses, so this is close, not exact (the load warnings say which base was used).
    The total is not rounded — the base only stands in for the real count — so a single day keeps the
    platform's value exactly (a weighted count of people may then hold a fraction). Every base is read as
    the row gave it, before any is filled.
    """
    counts, totals = [], []
    for m in weighted_metrics():  # one with_columns: every base is read before any count is filled
        total, count = m.measures
        base = pl.coalesce([pl.col(b).cast(pl.Float64) for b in WEIGHT_BASES[m.id]])
        lacking = pl.col(m.id).is_not_null() & pl.col(total).is_null() & pl.col(count).is_null()
        counts.append(pl.when(lacking).then(base.cast(rows.schema[count], strict=False)).otherwise(pl.col(count)).alias(count))
        totals.append(pl.when(lacking).then(pl.col(m.id) * base).otherwise(pl.col(total).cast(pl.Float64)).alias(total))
    return rows.with_columns(counts + totals)


def measure_rows(dataset: Dataset, window: Window, group: pl.Expr | None = None) -> pl.LazyFrame:
    """The window's rows keyed by agent_id (or the ``group`` key, e.g. the team) and period."""
    rows = weighted(rows_in(dataset, window))
    if group is not None:
        rows = rows.with_columns(agent_id=group)
    return rows.lazy()


def team_key() -> pl.Expr:
    """An export row's team (旺旺分组 …), '—' when it names none."""
    return pl.col("team").fill_null("—")


def benchmark_rows(dataset: Dataset, window: Window) -> pl.LazyFrame:
    """Peer benchmark rows (同行同层优秀 …) of the window, completed and keyed by their label."""
    rows = dataset[BENCHMARKS].filter(_inside(dataset[BENCHMARKS], window))
    rows, _ = complete(rows.with_columns(pl.col("label").alias("agent_id")))
    return weighted(rows).with_columns(period=pl.lit(window.label)).lazy()


def data_days(dataset: Dataset) -> tuple[dt.date, dt.date]:
    """The first and last day the rows cover."""
    rows = dataset[TABLE]
    return rows["period_start"].min(), rows["period_end"].max()
