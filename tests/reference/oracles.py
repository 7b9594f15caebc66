"""Run csana and both references in this process on one dataset, for the oracle tests.

``reference_results(dataset, month, params)`` → {"csana" | "pandas" | "duckdb": (per-agent
core metrics, order_id → credited_agent)}, all as polars frames, ready for
:func:`csana.bench.parity.disagreements`.
"""

from __future__ import annotations

import duckdb
import duckdb_metrics
import pandas_metrics
import polars as pl
from reference_spec import MESSAGE_COLUMNS, ORDER_COLUMNS, Params

from csana.bench.parity import CORE
from csana.bench.references import reference_params
from csana.facts.derived import derive
from csana.ingest.dataset import Dataset
from csana.metrics.engine import agent_metrics
from csana.params import MetricParams

Results = dict[str, tuple[pl.DataFrame, pl.DataFrame]]


def csana_results(dataset: Dataset, month: str, params: MetricParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """csana's ``agent_metrics`` cut to the core columns, and its attribution."""
    table = agent_metrics(dataset, month, params)
    credit = derive(dataset, params).attribution.select("order_id", "credited_agent")
    return table.select("agent_id", *CORE), credit


def reference_inputs(dataset: Dataset) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The messages and orders columns the references read (text null when the dataset has none)."""
    messages = dataset.messages
    if "text" not in messages.columns:
        messages = messages.with_columns(text=pl.lit(None, pl.String))
    return messages.select(MESSAGE_COLUMNS), dataset.orders.select(ORDER_COLUMNS)


def reference_results(dataset: Dataset, month: str, params: MetricParams) -> Results:
    """All three implementations on ``dataset``: impl → (per-agent core metrics, attribution)."""
    ref = Params.from_dict(reference_params(params))
    messages, orders = reference_inputs(dataset)
    results = {"csana": csana_results(dataset, month, params)}
    metrics, credit = pandas_metrics.core_metrics(messages.to_pandas(), orders.to_pandas(), month, ref)
    results["pandas"] = (pl.from_pandas(metrics), pl.from_pandas(credit))
    with duckdb.connect() as con:
        con.register("messages", messages.to_arrow())
        con.register("orders", orders.to_arrow())
        metrics, credit = duckdb_metrics.core_metrics(con, month, ref)
        results["duckdb"] = (metrics.pl(), credit.pl())
    return results
