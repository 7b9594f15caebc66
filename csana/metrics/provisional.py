"""Delayed metrics: which numbers of a month may still change, and from which day they will not.

conv_next_day needs data through month end + 1 day, conv_final through month end +
final_pay_days, repeat_rate through month end + repeat_days. When the data stops earlier
the numbers are computed anyway and marked provisional. Only an input whose last day is
known can say so (:attr:`~csana.ingest.dataset.Capability.DATA_END`): platform exports
carry the platform's own figures (values not final yet come as placeholders such as
延时统计, listed in the dataset's warnings), so nothing is flagged for them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from csana.facts import facts_of
from csana.ingest.dataset import Capability, Dataset
from csana.params import MetricParams, resolve_params
from csana.periods import month_window


def delay_days(params: MetricParams) -> dict[str, int]:
    """Days after a period's last day that each delayed metric needs data for before it is final."""
    return {"conv_next_day": 1, "conv_final": params.final_pay_days, "repeat_rate": params.repeat_days}


def _data_end(dataset: Dataset, params: MetricParams) -> dt.date | None:
    return facts_of(dataset, params).data_end() if dataset.can(Capability.DATA_END) else None


def provisional(dataset: Dataset, month: str, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """Which delayed metrics of ``month`` are still provisional, and the day each becomes final."""
    params = resolve_params(params, overrides)
    last_day = month_window(month).last_day
    delays = delay_days(params)
    final_on = [last_day + dt.timedelta(days=d) for d in delays.values()]
    data_end = _data_end(dataset, params)
    return pl.DataFrame(
        {
            "metric": list(delays),
            "provisional": [data_end is not None and data_end < day for day in final_on],
            "final_on": final_on,
            "data_end": [data_end] * len(delays),
        },
        schema_overrides={"data_end": pl.Date},
    )


def with_provisional(table: pl.DataFrame, dataset: Dataset, params: MetricParams | None = None) -> pl.DataFrame:
    """``table`` (agent_metrics or agent_daily_metrics) with ``<metric>_final_on`` and
    ``<metric>_provisional`` columns for each delayed metric, so a file written from it
    says which numbers may still change and from which day they will not."""
    params = resolve_params(params, {})
    if "month" in table.columns:
        last_day = pl.col("month").str.strptime(pl.Date, "%Y-%m").dt.month_end()
    else:
        last_day = pl.col("date")
    data_end = _data_end(dataset, params)
    columns = []
    for metric_id, days in delay_days(params).items():
        final_on = last_day + pl.duration(days=days)
        columns.append(final_on.alias(f"{metric_id}_final_on"))
        flag = pl.lit(False) if data_end is None else final_on > pl.lit(data_end)
        columns.append(flag.alias(f"{metric_id}_provisional"))
    return table.with_columns(columns)
