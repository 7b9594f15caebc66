"""The facts of platform exports: rows completed exactly, then combined per agent and period.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from csana.errors import CsanaError
from csana.exports.mapping import TABLE
from csana.ingest.dataset import Dataset
from csana.metrics.catalogue import CATALOGUE, METRICS, PUBLIC_IDS, Metric
from csana.periods import month_end, month_window

COUNT_UNITS = ("people", "orders", "messages", "units")


COMPONENT_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if not m.public)


OUTPUT_IDS: tuple[str, ...] = (*PUBLIC_IDS, *COMPONENT_IDS)


WEIGHT_FIELDS = ("first_response_count", "response_count", "reception_total_s")
"""Weights of the time averages that platform exports usually lack (csana's own export writes them)."""


TIME_WEIGHT_BASES = ("replied_customers", "received_customers")
"""When an export gives a time average without what it averages over, days are weighted by the first
of these it has: a day with more customers served holds more responses."""


def _metric_dtype(metric_id: str) -> pl.DataType:
    m = CATALOGUE[metric_id]
    return pl.Int64 if m.unit in COUNT_UNITS and m.ratio is None else pl.Float64


def _with_all_metrics(frame: pl.DataFrame) -> pl.DataFrame:
    """Every catalogue id as a column of its canonical type (null where the export lacks it)."""
    return frame.with_columns(
        [(pl.col(m) if m in frame.columns else pl.lit(None)).cast(_metric_dtype(m)).alias(m) for m in CATALOGUE]
    )


IDENTITIES: tuple[tuple[str, pl.Expr, str], ...] = (
    ("replied_customers", pl.col("received_customers") - pl.col("unreplied_customers"), "接待人数 − 未回复人数"),
    ("filtered_customers", pl.col("consult_customers") - pl.col("received_customers"), "咨询人数 − 接待人数"),
    ("consult_customers", pl.col("received_customers") + pl.col("filtered_customers"), "接待人数 + 接待过滤人数"),
)
"""Exact identities of the daily definitions (spec 1 §3), used to fill a component the export lacks."""


def complete(rows: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """Fill components the export lacks from what it gives, row by row, and say what was derived.

    In order: the exact identities above; conversion bases = 询单人数 (exports do not
    separate assisted customers); for each ratio metric, numerator = rate × denominator
    and denominator = numerator / rate (counts rounded to whole numbers); then derived
    metrics (未回复人数 = 接待 − 回复, online hours).
    """
    notes: list[str] = []

    def fill(frame: pl.DataFrame, target: str, expr: pl.Expr, how: str) -> pl.DataFrame:
        if CATALOGUE[target].unit in COUNT_UNITS:
            expr = expr.round(0)
        value = expr.cast(_metric_dtype(target), strict=False)  # absurd inputs (a rate of 1E21 %) overflow: left empty
        filled = frame.with_columns(pl.coalesce(pl.col(target), value).alias(target))
        n = filled[target].is_not_null().sum() - frame[target].is_not_null().sum()
        if n:
            notes.append(f"{CATALOGUE[target].zh} ({target}) derived as {how} on {n} row(s): the export does not give it")
        return filled

    for target, expr, how in IDENTITIES:
        rows = fill(rows, target, expr, how)
    rows = fill(rows, "conv_base_customers", pl.col("inquiry_customers"),
                "询单人数 (exports do not separate assisted customers)")
    for m in METRICS:
        if m.ratio is None:
            continue
        num, den = m.ratio
        rate = pl.col(m.id)
        rows = fill(rows, num, rate * pl.col(den), f"{m.zh} × {CATALOGUE[den].zh}")
        rows = fill(rows, den, pl.when(rate > 0).then(pl.col(num) / rate), f"{CATALOGUE[num].zh} ÷ {m.zh}")
    for m in METRICS:
        if m.source == "derived" and m.ratio is None:
            rows = fill(rows, m.id, m.compute(), m.definition)
    notes += _weight_notes(rows)
    return rows, notes


def _time_averages() -> list[Metric]:
    return [m for m in METRICS if m.ratio is not None and m.unit == "seconds"]


def _weight_notes(rows: pl.DataFrame) -> list[str]:
    notes = []
    for m in _time_averages():
        num, den = m.ratio  # type: ignore[misc]
        lacking = rows.filter(pl.col(m.id).is_not_null() & pl.col(den).is_null())
        for base in TIME_WEIGHT_BASES:
            n = lacking.filter(pl.col(base).is_not_null()).height
            if n:
                notes.append(f"{m.zh} ({m.id}) is given without {CATALOGUE[den].zh} on {n} row(s): days are weighted "
                             f"by {CATALOGUE[base].zh} instead (close, not exact)")
                lacking = lacking.filter(pl.col(base).is_null())
    return notes


def _ratio_parts(m: Metric) -> tuple[pl.Expr, pl.Expr]:
    """Per row, the numerator and denominator a ratio metric sums over; time averages lacking their
    denominator are weighted by the best base the row has (TIME_WEIGHT_BASES)."""
    num, den = m.ratio  # type: ignore[misc]
    d = pl.col(den).cast(pl.Float64)
    if m in _time_averages():
        fallback = pl.coalesce([pl.col(b).cast(pl.Float64) for b in TIME_WEIGHT_BASES])
        d = pl.coalesce(d, pl.when(pl.col(num).is_null()).then(fallback))
    n = pl.coalesce(pl.col(num).cast(pl.Float64), pl.col(m.id) * d)
    both = n.is_not_null() & d.is_not_null()
    return pl.when(both.any()).then(n.filter(both).sum()), pl.when(both.any()).then(d.filter(both).sum())


def _dedicated() -> dict[str, tuple[str, int]]:
    """Components that belong to one ratio metric only: component id → (metric id, 0 = num / 1 = den)."""
    uses: dict[str, list[tuple[str, int]]] = {}
    for m in METRICS:
        if m.ratio is not None:
            for side, comp in enumerate(m.ratio):
                uses.setdefault(comp, []).append((m.id, side))
    return {c: u[0] for c, u in uses.items() if len(u) == 1 and not CATALOGUE[c].public}


def _additive(m: Metric) -> bool:
    return m.ratio is None and m.zero_when_absent


def combine(rows: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Per group of ``keys``: counts, amounts and totals summed; every ratio recomputed as
    Σ numerator / Σ denominator over the rows that give both; time averages weighted by what
    they average over. A metric with no parts (a median, a rate without its base) is kept only
    when the group is a single row, else null."""
    aggs: list[pl.Expr] = [pl.len().alias("_rows"), pl.col("name").first(), pl.col("team").drop_nulls().first()]
    for m in METRICS:
        if _additive(m):
            aggs.append(pl.when(pl.col(m.id).is_not_null().any()).then(pl.col(m.id).sum()).alias(m.id))
        else:
            aggs += [pl.col(m.id).first().alias(f"_given_{m.id}"), pl.col(m.id).is_not_null().any().alias(f"_has_{m.id}")]
        if m.ratio is not None:
            n, d = _ratio_parts(m)
            aggs += [n.alias(f"_n_{m.id}"), d.alias(f"_d_{m.id}")]
    out = rows.group_by(keys).agg(aggs)
    single = pl.col("_rows") == 1
    values = []
    for m in METRICS:
        if m.ratio is None and not _additive(m):
            values.append(pl.when(single).then(pl.col(f"_given_{m.id}")).alias(m.id))
        elif m.ratio is not None:
            d = pl.col(f"_d_{m.id}")
            values.append(
                pl.when(d > 0).then(pl.col(f"_n_{m.id}") / d)
                .when(d.is_null() & single).then(pl.col(f"_given_{m.id}"))
                .alias(m.id)
            )
    out = out.with_columns(values)
    out = out.with_columns([
        pl.coalesce(pl.col(c), pl.col(f"_{'nd'[side]}_{metric_id}")).alias(c) for c, (metric_id, side) in _dedicated().items()
    ])
    return out.with_columns([pl.col(m).cast(_metric_dtype(m)) for m in CATALOGUE])


def _unmergeable_notes(out: pl.DataFrame, period: str) -> list[str]:
    """Metrics an export gives per row that could not be combined for some agent (see :func:`combine`)."""
    notes = []
    for m in METRICS:
        lacking = pl.col(f"_has_{m.id}") & pl.col(m.id).is_null()
        if m.ratio is not None:
            lacking = lacking & pl.col(f"_d_{m.id}").is_null()
        if _additive(m) or out.filter(lacking).height == 0:
            continue
        why = "a median cannot be combined" if m.ratio is None else f"the export lacks {' or '.join(CATALOGUE[c].zh for c in m.ratio)}"
        notes.append(f"{m.zh} ({m.id}) is given per row but left empty for {period}: {why}")
    return notes


def export_months(dataset: Dataset) -> list[str]:
    """The calendar months the export rows lie in, in order."""
    rows = dataset[TABLE]
    return sorted(set(rows["period_start"].dt.strftime("%Y-%m").to_list()) | set(rows["period_end"].dt.strftime("%Y-%m").to_list()))


def latest_export_month(dataset: Dataset) -> str:
    """The latest month the rows cover to its last day, else the latest month with rows."""
    rows = dataset[TABLE]
    end, start = rows["period_end"].max(), rows["period_start"].min()
    if end == month_end(end):
        return end.strftime("%Y-%m")
    previous = end.replace(day=1) - dt.timedelta(days=1)
    return previous.strftime("%Y-%m") if previous >= start else end.strftime("%Y-%m")


def _month_rows(dataset: Dataset, month: str | None) -> tuple[str, pl.DataFrame]:
    month = month or latest_export_month(dataset)
    window = month_window(month)
    rows = dataset[TABLE]
    inside = rows.filter((pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end))
    straddle = rows.filter((pl.col("period_start") < window.end) & (pl.col("period_end") >= window.start)
                           & ~((pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end)))
    if straddle.height:
        r = straddle.row(0, named=True)
        _warn(dataset, f"{straddle.height} export row(s) cover days outside {month} (e.g. {r['period_start']}~{r['period_end']} "
                       f"in {r['file']}) and were left out of it: export per day or per calendar month")
    if inside.height == 0:
        raise CsanaError(f"no export rows within {month}", file=dataset.source,
                         fix=f"choose one of the months the export covers: {', '.join(export_months(dataset))}")
    return month, inside


def _warn(dataset: Dataset, note: str) -> None:
    if note not in dataset.warnings:
        dataset.warnings.append(note)


def _shaped(frame: pl.DataFrame, period: str, value: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(value.alias(period), pl.lit(None, pl.String).alias("role")).select(
        ["agent_id", "name", "team", "role", period, *OUTPUT_IDS]).sort(period, "agent_id")


def aggregate_export(dataset: Dataset, month: str | None = None) -> pl.DataFrame:
    """The per-agent metric table of ``month`` from an export dataset: the same columns as the raw
    path's agent_metrics (agent_id, name, team, role, month, public ids, component ids).

    Rows inside the month are combined per agent (:func:`combine`); rows spanning days outside it
    are left out (with a warning). People counts summed over days are customer-days (warning from
    load_export)."""
    month, rows = _month_rows(dataset, month)
    out = combine(rows, ["agent_id"])
    for note in _unmergeable_notes(out, month):
        _warn(dataset, note)
    return _shaped(out, "month", pl.lit(month))


def daily_export(dataset: Dataset, month: str | None = None) -> pl.DataFrame:
    """Per agent per day of ``month`` (column ``date``), from the one-day rows of an export."""
    month, rows = _month_rows(dataset, month)
    daily = rows.filter(pl.col("date").is_not_null())
    if daily.height < rows.height:
        _warn(dataset, f"{rows.height - daily.height} export row(s) of {month} cover several days and are not in the daily table")
    if daily.height == 0:
        raise CsanaError(f"the export rows of {month} are per period, not per day", file=dataset.source,
                         fix="export a daily report (one row per agent per day) for daily figures")
    return _shaped(combine(daily, ["agent_id", "date"]), "date", pl.col("date"))


def group_export(dataset: Dataset, month: str | None, by: Literal["shop", "team"]) -> pl.DataFrame:
    """Shop or team totals of ``month`` from an export, shaped like the engine's group_metrics
    (``by``, month, metric ids): every agent row's parts summed, ratios recomputed. People are
    customer-days here too, and a customer served by two agents counts twice."""
    from csana.metrics.engine import SHOP

    month, rows = _month_rows(dataset, month)
    key = pl.lit(SHOP) if by == "shop" else pl.col("team").fill_null("—")
    out = combine(rows.with_columns(key.alias("_group")), ["_group"])
    out = out.drop("name", "team").rename({"_group": by})
    return out.with_columns(pl.lit(month).alias("month")).select([by, "month", *OUTPUT_IDS]).sort(by)


def benchmark_metrics(dataset: Dataset, month: str | None = None) -> pl.DataFrame:
    """Peer benchmark rows (同行同层优秀 …) of ``month`` combined like agents: one row per label."""
    month = month or latest_export_month(dataset)
    window = month_window(month)
    rows = dataset["benchmarks"].filter((pl.col("period_start") >= window.start) & (pl.col("period_end") < window.end))
    rows = rows.with_columns(pl.col("label").alias("agent_id"), pl.col("label").alias("name"), pl.lit(None, pl.String).alias("team"))
    rows, _ = complete(rows)
    return combine(rows, ["label"]).with_columns(pl.lit(month).alias("month")).select(["label", "month", *OUTPUT_IDS]).sort("label")
