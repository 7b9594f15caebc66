"""Benchmark: csana's engine against idiomatic pandas and DuckDB versions of the same core metrics.

The question a user asks before trusting csana with a year of logs: is it fast and
lean enough, and is it *right*? So one run, on one generated dataset per size:

1. **Generate** demo data (:func:`csana.demo.generator.generate_demo`) with about N messages and
   the orders that go with them, and write it as Parquet (and CSV for the load test).
2. **Compute** the core metrics three ways, each in a fresh subprocess so its peak
   memory (RSS) is its own: csana's :func:`~csana.metrics.engine.agent_metrics` (every metric
   of the catalogue, not just the core ones), :func:`pandas_core_metrics` and
   :func:`duckdb_core_metrics`, written for this benchmark from the definitions alone
   (docs/inputs.md, docs/metrics.md), independently of csana's engine.
   Loading the Parquet is timed apart from computing.
3. **Check** that all three agree on every agent's numbers (counts exactly, floats
   within 1e-9 relative) and on every order's credited agent, before any time is shown.
4. **Time** the extras: re-scoring 500 agents after one weight change, loading the
   data through :func:`csana.load` from CSV and from Parquet, and rendering the demo
   report end to end.

Core metrics (:data:`CORE`): first_response_s, avg_response_s, reply_rate,
slow_customers, inquiry_customers, conv_final (with its numerator and denominator),
sales_amount and created_orders (credited orders created in the month: the
attribution, summed per agent). The reference versions support the parameters the
benchmark uses — every numeric parameter, filters, service hours, auto-replies —
with the default ``last_inquiry`` attribution rule.

Run it as ``csana bench --sizes 1M,10M`` (see the README's Benchmark section).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from csana.errors import CsanaError
from csana.params import MetricParams

IMPLS = ("csana", "pandas", "duckdb")
CORE_COUNTS = ("inquiry_customers", "slow_customers", "received_customers", "replied_customers",
               "conv_base_customers", "conv_final_customers", "created_orders")
CORE_FLOATS = ("first_response_s", "avg_response_s", "reply_rate", "conv_final", "sales_amount")
CORE = CORE_COUNTS + CORE_FLOATS
"""Per-agent columns every implementation returns and the check compares."""
MESSAGE_COLUMNS = ("ts", "customer_id", "agent_id", "sender", "text")
ORDER_COLUMNS = ("order_id", "customer_id", "created_at", "paid_at", "amount", "units")
SENDER_RANK = {"customer": 0, "auto": 1, "agent": 2}
REL_TOL = 1e-9
MICROS = 1_000_000
DEMO_MONTHS, DEMO_END = 2, "2026-10"
"""The benchmark's demo shop covers Sep–Oct 2026 (+ 4 days of November); October is measured."""


# -- sizes -------------------------------------------------------------------------------------


def parse_size(text: str) -> int:
    """'100k' → 100_000, '1M' → 1_000_000, '2.5M', '250000'."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise CsanaError(f"size {text!r} is not a number of messages", fix="e.g. --sizes 100k,1M,10M")
    value = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    if value < 1_000:
        raise CsanaError(f"size {text!r} is too small to benchmark", fix="use at least 1k messages")
    return int(value)


def size_label(n: int) -> str:
    """1_000_000 → '1M', 100_000 → '100k' (the inverse of parse_size for round sizes)."""
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div:
            return f"{n / div:g}{unit}"
    return str(n)


# -- reference implementations ------------------------------------------------------------------


def _check_supported(params: MetricParams) -> None:
    if params.attribution_rule != "last_inquiry":
        raise CsanaError("the pandas and DuckDB reference versions implement only attribution_rule=last_inquiry",
                         fix="benchmark with the default attribution rule")


def _keyword_pattern(params: MetricParams) -> str | None:
    return "|".join(f"(?:{k})" for k in params.filter.keywords) or None


def _micro_of_day(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * MICROS + value.microsecond


def pandas_core_metrics(messages: Any, orders: Any, month: str, params: MetricParams) -> tuple[Any, Any]:
    """The core metrics of ``month`` per agent, in idiomatic pandas (vectorised, no row loops).

    ``messages`` and ``orders`` are pandas frames of the canonical columns. Returns
    (per-agent frame with :data:`CORE` columns, attribution frame order_id →
    credited_agent). Written from the definitions in docs/inputs.md and docs/metrics.md,
    independently of csana's engine.
    """
    _check_supported(params)
    receptions, bursts = _pd_receptions(messages, params)
    receptions = _pd_inquiries(receptions, orders, params)
    attribution = _pd_attribution(receptions, orders, params)
    assists = _pd_assists(attribution, receptions)
    metrics = _pd_month(receptions, bursts, attribution, assists, month, params)
    return metrics, attribution[["order_id", "credited_agent"]]


def _pd_seconds(delta: Any) -> Any:
    """timedelta → float seconds as µs / 1e6 (NaN stays NaN)."""
    import numpy as np

    micros = delta.to_numpy().astype("timedelta64[us]")
    out = micros.astype(np.int64) / MICROS
    out[np.isnat(micros)] = np.nan
    return out


def _pd_receptions(messages: Any, params: MetricParams) -> tuple[Any, Any]:
    """Receptions (one row per agent × customer × day with a customer message) and customer bursts."""
    import pandas as pd

    rank = messages["sender"].map(SENDER_RANK).astype("int8")
    spam = messages["customer_id"].isin(list(params.filter.customers))
    pattern = _keyword_pattern(params)
    if pattern:
        spam = spam | messages["text"].fillna("").str.contains(pattern, regex=True)
    m = pd.DataFrame({
        "agent_id": messages["agent_id"], "customer_id": messages["customer_id"], "ts": messages["ts"],
        "day": messages["ts"].dt.normalize(), "rank": rank,
    })
    m["rec"] = m.groupby(["agent_id", "customer_id", "day"], sort=False, observed=True).ngroup()
    m["is_customer"] = rank.eq(0)
    m["is_agent"] = rank.eq(2)
    m["real"] = m["is_customer"] & ~spam
    m = m.sort_values(["rec", "ts", "rank"], ignore_index=True)
    rec = m.groupby("rec").agg(
        agent_id=("agent_id", "first"), customer_id=("customer_id", "first"), day=("day", "first"),
        start=("ts", "min"), customer_msgs=("is_customer", "sum"), agent_msgs=("is_agent", "sum"),
        real_msgs=("real", "sum"),
    )
    bursts = _pd_bursts(m, params)
    per_rec = bursts.groupby("rec").agg(
        first_response_s=("first_response", "max"), slow_responses=("is_slow", "sum"),
    )
    rec = rec[rec["customer_msgs"] > 0].join(per_rec, how="left")
    rec["slow_responses"] = rec["slow_responses"].fillna(0)
    rec["received"] = rec["real_msgs"] > 0
    rec["replied"] = rec["received"] & (rec["agent_msgs"] > 0)
    rec["slow"] = rec["received"] & (rec["slow_responses"] >= params.slow_min_count)
    bursts = bursts.join(rec[["agent_id", "day", "received"]], on="rec", how="inner")
    return rec.reset_index(), bursts


def _pd_bursts(m: Any, params: MetricParams) -> Any:
    """One row per customer burst: rec, start, response_s (NaN when unanswered), in_hours, first."""
    import numpy as np

    stream = m if params.count_auto_reply else m[m["rank"] != 1]
    is_customer = stream["is_customer"]
    rec = stream["rec"]
    starts = is_customer & (rec.ne(rec.shift()) | ~is_customer.shift(fill_value=False).astype(bool))
    reply_ts = stream["ts"].where(~is_customer).bfill()
    reply_rec = rec.where(~is_customer).bfill()
    b = stream.loc[starts, ["rec", "ts"]].rename(columns={"ts": "start"})
    response = _pd_seconds(reply_ts[starts] - b["start"])
    b["response_s"] = np.where(reply_rec[starts].to_numpy() == b["rec"].to_numpy(), response, np.nan)
    hours = params.service_hours
    if hours.all_day:
        b["in_hours"] = True
    else:
        of_day = (b["start"] - b["start"].dt.normalize()).to_numpy().astype("timedelta64[us]").astype(np.int64)
        b["in_hours"] = (of_day >= _micro_of_day(hours.start)) & (of_day < _micro_of_day(hours.end))
    b["first"] = b["rec"].ne(b["rec"].shift())
    b["first_response"] = b["response_s"].where(b["first"] & b["in_hours"])
    b["is_slow"] = (b["response_s"] > params.slow_response_s) & b["in_hours"]
    return b


def _pd_inquiries(rec: Any, orders: Any, params: MetricParams) -> Any:
    """Flag received receptions with no order by the customer in the postsale window before their start."""
    import pandas as pd

    created = orders[["customer_id", "created_at"]].rename(columns={"created_at": "last_order_at"})
    merged = pd.merge_asof(
        rec.sort_values("start"), created.sort_values("last_order_at"), left_on="start", right_on="last_order_at",
        by="customer_id", direction="backward", allow_exact_matches=False,
    )
    window = pd.Timedelta(microseconds=int(params.postsale_days * 86400 * MICROS))
    merged["inquiry"] = merged["received"] & (
        merged["last_order_at"].isna() | ((merged["start"] - merged["last_order_at"]) > window)
    )
    return merged


def _pd_attribution(rec: Any, orders: Any, params: MetricParams) -> Any:
    """Each order with the agent of the latest inquiry reception in its window (NaN: silent order)."""
    import pandas as pd

    inquiries = (
        rec[rec["inquiry"]]
        .groupby(["customer_id", "start"], as_index=False)
        .agg(credited_agent=("agent_id", "min"), credit_day=("day", "first"))
        .rename(columns={"start": "credit_start"})
        .sort_values("credit_start")
    )
    o = orders[list(ORDER_COLUMNS)].copy()
    o["window_start"] = o["created_at"].dt.normalize() - pd.Timedelta(days=params.attribution_days)
    att = pd.merge_asof(
        o.sort_values("created_at"), inquiries, left_on="created_at", right_on="credit_start",
        by="customer_id", direction="backward", allow_exact_matches=False,
    )
    outside = ~(att["credit_start"] >= att["window_start"])
    att.loc[outside, ["credited_agent", "credit_start", "credit_day"]] = None
    return att


def _pd_assists(att: Any, rec: Any) -> Any:
    """(order, other agent) pairs with a received reception in [window_start, paid_at]; day of the first."""
    paid = att[att["credited_agent"].notna() & att["paid_at"].notna()]
    paid = paid[["order_id", "customer_id", "window_start", "paid_at", "credited_agent"]]
    served = rec.loc[rec["received"], ["customer_id", "agent_id", "start"]]
    pairs = paid.merge(served, on="customer_id")
    pairs = pairs[(pairs["agent_id"] != pairs["credited_agent"]) & (pairs["start"] >= pairs["window_start"])
                  & (pairs["start"] <= pairs["paid_at"])]
    first = pairs.groupby(["order_id", "customer_id", "agent_id"], as_index=False)["start"].min()
    first["day"] = first["start"].dt.normalize()
    return first


def _pd_month(rec: Any, bursts: Any, att: Any, assists: Any, month: str, params: MetricParams) -> Any:
    """Aggregate the derived tables over the month into the per-agent core metrics."""
    import pandas as pd

    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthBegin(1)

    def within(day: Any) -> Any:
        return (day >= start) & (day < end)

    r = rec[within(rec["day"])]
    contacts = r.groupby(["agent_id", "customer_id"]).agg(
        received=("received", "max"), inquiry=("inquiry", "max"), replied=("replied", "max"), slow=("slow", "max"),
    )
    credited = att[att["credited_agent"].notna()]
    in_credit = credited[within(credited["credit_day"])]
    deadline = in_credit["credit_day"] + pd.Timedelta(days=params.final_pay_days + 1)
    conv = (
        in_credit.assign(conv_final=in_credit["paid_at"].notna() & (in_credit["paid_at"] < deadline))
        .groupby(["credited_agent", "customer_id"])["conv_final"].max()
        .rename_axis(["agent_id", "customer_id"])
    )
    assisted = assists[within(assists["day"])][["agent_id", "customer_id"]].drop_duplicates()
    assisted["assisted"] = True
    contacts = contacts.join(conv, how="left").join(assisted.set_index(["agent_id", "customer_id"]), how="left")
    contacts = contacts.fillna({"conv_final": False, "assisted": False}).astype({"conv_final": bool, "assisted": bool})
    contacts["conv_base"] = contacts["inquiry"] & (~contacts["assisted"] | contacts["conv_final"])
    people = contacts.groupby("agent_id")[["received", "replied", "inquiry", "slow", "conv_base", "conv_final"]].sum()
    people.columns = ["received_customers", "replied_customers", "inquiry_customers", "slow_customers",
                      "conv_base_customers", "conv_final_customers"]
    firsts = r[r["received"]].groupby("agent_id")["first_response_s"].agg(["sum", "count"])
    answered = bursts[within(bursts["day"]) & bursts["received"] & bursts["in_hours"] & bursts["response_s"].notna()]
    responses = answered.groupby("agent_id")["response_s"].agg(["sum", "count"])
    sales = credited[within(credited["paid_at"].dt.normalize())].groupby("credited_agent")["amount"].sum()
    created = credited[within(credited["created_at"].dt.normalize())].groupby("credited_agent").size()
    out = pd.concat(
        [people, firsts.add_prefix("first_"), responses.add_prefix("resp_"),
         sales.rename("sales_amount"), created.rename("created_orders")], axis=1,
    ).fillna(0)
    out.index.name = "agent_id"

    def ratio(num: Any, den: Any) -> Any:
        return (num / den).where(den > 0)

    out["first_response_s"] = ratio(out["first_sum"], out["first_count"])
    out["avg_response_s"] = ratio(out["resp_sum"], out["resp_count"])
    out["reply_rate"] = ratio(out["replied_customers"], out["received_customers"])
    out["conv_final"] = ratio(out["conv_final_customers"], out["conv_base_customers"])
    out = out.astype({c: "int64" for c in CORE_COUNTS})
    return out.reset_index()[["agent_id", *CORE]]


def duckdb_core_metrics(con: Any, month: str, params: MetricParams) -> tuple[Any, Any]:
    """The core metrics of ``month`` per agent in DuckDB SQL, from tables ``messages`` and ``orders`` in ``con``.

    Returns (per-agent relation with :data:`CORE` columns, attribution relation
    order_id → credited_agent), both as DuckDB relations. Written from the definitions in
    docs/inputs.md and docs/metrics.md, independently of csana's engine.
    """
    _check_supported(params)
    for statement, args in _duckdb_statements(month, params):
        con.execute(statement, args)
    return con.sql("SELECT * FROM bench_metrics"), con.sql("SELECT order_id, credited_agent FROM bench_attribution")


def _duckdb_statements(month: str, params: MetricParams) -> list[tuple[str, list[Any]]]:
    """The SQL, one CREATE TEMP TABLE per derived table; numbers come from validated params."""
    start = dt.date.fromisoformat(f"{month}-01")
    end = (start + dt.timedelta(days=32)).replace(day=1)
    args: list[Any] = []
    spam = "FALSE"
    if params.filter.customers:
        args.append(list(params.filter.customers))
        spam = f"list_contains(${len(args)}, customer_id)"
    pattern = _keyword_pattern(params)
    if pattern:
        args.append(pattern)
        spam = f"({spam} OR regexp_matches(coalesce(text, ''), ${len(args)}))"
    hours = params.service_hours
    in_hours = "TRUE" if hours.all_day else (
        f"(CAST(ts AS TIME) >= TIME '{hours.start.isoformat()}' AND CAST(ts AS TIME) < TIME '{hours.end.isoformat()}')"
    )
    stream = "TRUE" if params.count_auto_reply else "rank <> 1"
    postsale_us = int(params.postsale_days * 86400 * MICROS)
    within = f"BETWEEN DATE '{start}' AND DATE '{end}' - 1"
    sql = [
        (f"""CREATE OR REPLACE TEMP TABLE bench_m AS
            SELECT agent_id, customer_id, ts, CAST(ts AS DATE) AS day,
                   CAST(CASE sender WHEN 'customer' THEN 0 WHEN 'auto' THEN 1 ELSE 2 END AS TINYINT) AS rank,
                   sender = 'customer' AND NOT {spam} AS real
            FROM messages""", args),
        ("""CREATE OR REPLACE TEMP TABLE bench_rec AS
            SELECT agent_id, customer_id, day, min(ts) AS start,
                   count(*) FILTER (WHERE rank = 0) AS customer_msgs,
                   count(*) FILTER (WHERE rank = 2) AS agent_msgs,
                   count(*) FILTER (WHERE real) AS real_msgs
            FROM bench_m GROUP BY agent_id, customer_id, day
            HAVING count(*) FILTER (WHERE rank = 0) > 0""", []),
        (f"""CREATE OR REPLACE TEMP TABLE bench_bursts AS
            WITH s AS (
                SELECT agent_id, customer_id, day, ts, rank,
                       lag(rank) OVER w AS prev_rank,
                       sum(CASE WHEN rank = 0 THEN 1 ELSE 0 END) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS nth,
                       min(CASE WHEN rank <> 0 THEN ts END) OVER (w ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS reply_ts
                FROM bench_m WHERE {stream}
                WINDOW w AS (PARTITION BY agent_id, customer_id, day ORDER BY ts, rank)
            )
            SELECT agent_id, customer_id, day, ts AS start,
                   (epoch_us(reply_ts) - epoch_us(ts)) / {MICROS}.0 AS response_s,
                   {in_hours} AS in_hours, nth = 1 AS first
            FROM s WHERE rank = 0 AND (prev_rank IS NULL OR prev_rank <> 0)""", []),
        (f"""CREATE OR REPLACE TEMP TABLE bench_receptions AS
            WITH per_rec AS (
                SELECT agent_id, customer_id, day,
                       max(response_s) FILTER (WHERE first AND in_hours) AS first_response_s,
                       count(*) FILTER (WHERE response_s > {float(params.slow_response_s)} AND in_hours) AS slow_responses
                FROM bench_bursts GROUP BY agent_id, customer_id, day
            ), r AS (
                SELECT r.*, r.real_msgs > 0 AS received, r.real_msgs > 0 AND r.agent_msgs > 0 AS replied,
                       p.first_response_s,
                       r.real_msgs > 0 AND coalesce(p.slow_responses, 0) >= {int(params.slow_min_count)} AS slow
                FROM bench_rec r LEFT JOIN per_rec p USING (agent_id, customer_id, day)
            )
            SELECT r.*, r.received AND (o.created_at IS NULL
                   OR epoch_us(r.start) - epoch_us(o.created_at) > {postsale_us}) AS inquiry
            FROM r ASOF LEFT JOIN (SELECT customer_id, created_at FROM orders) o
                 ON r.customer_id = o.customer_id AND r.start > o.created_at""", []),
        (f"""CREATE OR REPLACE TEMP TABLE bench_attribution AS
            WITH inq AS (
                SELECT customer_id, start AS credit_start, min(agent_id) AS credited_agent, any_value(day) AS credit_day
                FROM bench_receptions WHERE inquiry GROUP BY customer_id, start
            ), o AS (
                SELECT order_id, customer_id, created_at, paid_at, amount,
                       CAST(CAST(created_at AS DATE) - {int(params.attribution_days)} AS TIMESTAMP) AS window_start
                FROM orders
            )
            SELECT o.*,
                   CASE WHEN i.credit_start >= o.window_start THEN i.credited_agent END AS credited_agent,
                   CASE WHEN i.credit_start >= o.window_start THEN i.credit_day END AS credit_day
            FROM o ASOF LEFT JOIN inq i ON o.customer_id = i.customer_id AND o.created_at > i.credit_start""", []),
        ("""CREATE OR REPLACE TEMP TABLE bench_assists AS
            SELECT a.order_id, a.customer_id, r.agent_id, CAST(min(r.start) AS DATE) AS day
            FROM bench_attribution a JOIN bench_receptions r ON a.customer_id = r.customer_id
            WHERE a.credited_agent IS NOT NULL AND a.paid_at IS NOT NULL AND r.received
              AND r.agent_id <> a.credited_agent AND r.start >= a.window_start AND r.start <= a.paid_at
            GROUP BY a.order_id, a.customer_id, r.agent_id""", []),
        (f"""CREATE OR REPLACE TEMP TABLE bench_metrics AS
            WITH contacts AS (
                SELECT agent_id, customer_id, bool_or(received) AS received, bool_or(inquiry) AS inquiry,
                       bool_or(replied) AS replied, bool_or(slow) AS slow
                FROM bench_receptions WHERE day {within} GROUP BY agent_id, customer_id
            ), credited AS (
                SELECT credited_agent AS agent_id, customer_id,
                       bool_or(paid_at IS NOT NULL
                               AND paid_at < CAST(credit_day + {int(params.final_pay_days) + 1} AS TIMESTAMP)) AS conv_final
                FROM bench_attribution WHERE credited_agent IS NOT NULL AND credit_day {within}
                GROUP BY credited_agent, customer_id
            ), assisted AS (
                SELECT DISTINCT agent_id, customer_id FROM bench_assists WHERE day {within}
            ), people AS (
                SELECT c.agent_id,
                       count(*) FILTER (WHERE c.received) AS received_customers,
                       count(*) FILTER (WHERE c.replied) AS replied_customers,
                       count(*) FILTER (WHERE c.inquiry) AS inquiry_customers,
                       count(*) FILTER (WHERE c.slow) AS slow_customers,
                       count(*) FILTER (WHERE c.inquiry AND (a.agent_id IS NULL OR coalesce(k.conv_final, FALSE)))
                           AS conv_base_customers,
                       count(*) FILTER (WHERE coalesce(k.conv_final, FALSE)) AS conv_final_customers
                FROM contacts c
                LEFT JOIN credited k USING (agent_id, customer_id)
                LEFT JOIN assisted a USING (agent_id, customer_id)
                GROUP BY c.agent_id
            ), firsts AS (
                SELECT agent_id, sum(first_response_s) AS first_sum, count(first_response_s) AS first_count
                FROM bench_receptions WHERE received AND day {within} GROUP BY agent_id
            ), responses AS (
                SELECT b.agent_id, sum(b.response_s) AS resp_sum, count(*) AS resp_count
                FROM bench_bursts b JOIN bench_receptions r USING (agent_id, customer_id, day)
                WHERE r.received AND b.in_hours AND b.response_s IS NOT NULL AND b.day {within}
                GROUP BY b.agent_id
            ), sales AS (
                SELECT credited_agent AS agent_id, sum(amount) AS sales_amount FROM bench_attribution
                WHERE credited_agent IS NOT NULL AND CAST(paid_at AS DATE) {within} GROUP BY credited_agent
            ), created AS (
                SELECT credited_agent AS agent_id, count(*) AS created_orders FROM bench_attribution
                WHERE credited_agent IS NOT NULL AND CAST(created_at AS DATE) {within} GROUP BY credited_agent
            )
            SELECT agent_id,
                   {", ".join(f"coalesce({c}, 0) AS {c}" for c in CORE_COUNTS)},
                   CASE WHEN first_count > 0 THEN first_sum / first_count END AS first_response_s,
                   CASE WHEN resp_count > 0 THEN resp_sum / resp_count END AS avg_response_s,
                   CASE WHEN received_customers > 0 THEN replied_customers / received_customers END AS reply_rate,
                   CASE WHEN conv_base_customers > 0 THEN conv_final_customers / conv_base_customers END AS conv_final,
                   coalesce(sales_amount, 0) AS sales_amount
            FROM people FULL JOIN firsts USING (agent_id) FULL JOIN responses USING (agent_id)
                 FULL JOIN sales USING (agent_id) FULL JOIN created USING (agent_id)""", []),
    ]
    return sql


def csana_core_metrics(dataset: Any, month: str, params: MetricParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's full per-agent table for ``month`` cut to :data:`CORE`, and its attribution."""
    from csana.facts.derived import derive
    from csana.metrics.engine import agent_metrics

    table = agent_metrics(dataset, month, params)
    attribution = derive(dataset, params).attribution.select("order_id", "credited_agent")
    return table.select("agent_id", *CORE), attribution


# -- agreement -----------------------------------------------------------------------------------


def compare_metrics(left: pl.DataFrame, right: pl.DataFrame, names: tuple[str, str]) -> list[str]:
    """Every disagreement between two per-agent core tables, one line each (empty: they agree).

    An agent missing on one side counts as zero in every count and sum and null in
    every ratio (an agent with no activity of a kind has no row in some versions).
    """
    a, b = (_normalised(f) for f in (left, right))
    joined = a.join(b, on="agent_id", how="full", coalesce=True, suffix="__r")
    fills = [pl.col(c).fill_null(0) for col in CORE_COUNTS + ("sales_amount",) for c in (col, f"{col}__r")]
    joined = joined.with_columns(fills).sort("agent_id")
    problems = []
    for col in CORE:
        x, y = pl.col(col), pl.col(f"{col}__r")
        if col in CORE_COUNTS:
            bad = x != y
        else:
            scale = pl.max_horizontal(x.abs(), y.abs(), pl.lit(1.0))
            bad = (x.is_null() != y.is_null()) | ((x - y).abs() > REL_TOL * scale)
        rows = joined.filter(bad.fill_null(False)).select("agent_id", col, f"{col}__r")
        for agent, u, v in rows.iter_rows():
            problems.append(f"{col} of agent {agent}: {names[0]} {u!r} ≠ {names[1]} {v!r}")
    return problems


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("agent_id").cast(pl.String),
        *[pl.col(c).cast(pl.Int64) for c in CORE_COUNTS],
        *[pl.col(c).cast(pl.Float64).fill_nan(None) for c in CORE_FLOATS],
    )


def compare_attribution(left: pl.DataFrame, right: pl.DataFrame, names: tuple[str, str], show: int = 5) -> list[str]:
    """Orders whose credited agent differs (or that one side lacks), the first ``show`` named."""
    a = left.select(pl.col("order_id").cast(pl.String), pl.col("credited_agent").cast(pl.String))
    b = right.select(pl.col("order_id").cast(pl.String), pl.col("credited_agent").cast(pl.String).alias("other"))
    joined = a.join(b, on="order_id", how="full", coalesce=True, suffix="__r")
    bad = joined.filter(pl.col("credited_agent").ne_missing(pl.col("other")) | (a.height != b.height))
    if a.height != b.height:
        return [f"attribution: {names[0]} has {a.height} orders, {names[1]} {b.height}"]
    lines = [f"order {o}: credited to {x!r} by {names[0]}, {y!r} by {names[1]}" for o, x, y in bad.head(show).iter_rows()]
    if bad.height > show:
        lines.append(f"… and {bad.height - show} more orders credited differently")
    return lines


def reference_results(dataset: Any, month: str, params: MetricParams) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """All three versions in this process on an in-memory dataset: impl → (per-agent core, attribution)."""
    import duckdb

    messages = dataset.messages.select([c for c in MESSAGE_COLUMNS if c in dataset.messages.columns])
    if "text" not in messages.columns:
        messages = messages.with_columns(text=pl.lit(None, pl.String))
    orders = dataset.orders.select(ORDER_COLUMNS)
    results = {"csana": csana_core_metrics(dataset, month, params)}
    metrics, att = pandas_core_metrics(messages.to_pandas(), orders.to_pandas(), month, params)
    results["pandas"] = (pl.from_pandas(metrics), pl.from_pandas(att))
    with duckdb.connect() as con:
        con.register("messages", messages.to_arrow())
        con.register("orders", orders.to_arrow())
        metrics, att = duckdb_core_metrics(con, month, params)
        results["duckdb"] = (metrics.pl(), att.pl())
    return results


def disagreements(results: dict[str, tuple[pl.DataFrame, pl.DataFrame]]) -> list[str]:
    """Every disagreement of pandas and DuckDB with csana (per-agent metrics, then attribution)."""
    problems = []
    base_metrics, base_att = results["csana"]
    for impl in (i for i in results if i != "csana"):
        metrics, att = results[impl]
        problems += compare_metrics(base_metrics, metrics, ("csana", impl))
        problems += compare_attribution(base_att, att, ("csana", impl))
    return problems


# -- data ---------------------------------------------------------------------------------------

MESSAGES_PER_AGENT = 37_800
"""Messages one demo agent writes over the benchmark's 2 months + 4 days at DEMO_SCALE (measured)."""
DEMO_SCALE = 8.0
"""A busy shop: about 600 messages per agent per day. Bigger sizes mean more agents, as in real shops."""


def generate(n_messages: int, folder: Path, seed: int = 2026, csv: bool = False) -> dict[str, Any]:
    """Write a demo shop of about ``n_messages`` messages to ``folder``/parquet (and /csv); returns its facts.

    Reuses the files when ``folder``/meta.json says they were made with the same size,
    seed and generator (a digest of the modules of csana/demo/).
    """
    import hashlib

    from csana.demo import generator as demo
    from csana.demo.generator import generate_demo, write_demo

    meta_path = folder / "meta.json"
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(Path(demo.__file__).parent.glob("*.py")))).hexdigest()[:12]
    wanted = {"target": n_messages, "seed": seed, "generator": digest}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted and (not csv or (folder / "csv").exists()):
            return meta
    agents = max(4, round(n_messages / MESSAGES_PER_AGENT))
    scale = DEMO_SCALE * n_messages / (agents * MESSAGES_PER_AGENT)
    started = time.perf_counter()
    dataset = generate_demo(seed=seed, agents=agents, months=DEMO_MONTHS, scale=scale, end_month=DEMO_END)
    generate_s = time.perf_counter() - started
    write_demo(dataset, folder / "parquet", "parquet")
    if csv:
        write_demo(dataset, folder / "csv", "csv")
    meta = {**wanted, "agents": agents, "scale": round(scale, 3), "messages": dataset.messages.height,
            "orders": dataset.orders.height, "month": DEMO_END, "generate_s": round(generate_s, 2)}
    meta_path.write_text(json.dumps(meta))
    return meta


# -- workers (each run in a fresh process) -------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB.

    Read from /proc/self/status ``VmHWM`` (the high-water mark of this address
    space), not ``ru_maxrss``: Linux carries ru_maxrss across exec, so a child
    would report its parent's peak when that was higher.
    """
    for line in _read_lines("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """CPU seconds (user + system, all threads) this process has used: robust to other load on the machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(impl: str, out: Path, load: Callable[[], Any], compute: Callable[[Any], tuple[Any, Any]],
           write: Callable[[Any, Path], None]) -> dict[str, float]:
    """One implementation's run: ``load`` the inputs, ``compute`` metrics and attribution from them
    (each timed apart; CPU and peak memory taken once loaded), then ``write`` both, untimed, to
    ``out``/<impl>_metrics.parquet and <impl>_attribution.parquet for the agreement check."""
    started = time.perf_counter()
    inputs = load()
    loaded, rss_loaded, cpu_loaded = time.perf_counter(), peak_rss_mb(), cpu_s()
    results = compute(inputs)
    done, cpu_done = time.perf_counter(), cpu_s()
    for part, result in zip(("metrics", "attribution"), results, strict=True):
        write(result, out / f"{impl}_{part}.parquet")
    return {"load_s": loaded - started, "compute_s": done - loaded, "compute_cpu_s": cpu_done - cpu_loaded,
            "rss_loaded_mb": rss_loaded}


def _work_csana(data: Path, month: str, params: MetricParams, out: Path) -> dict[str, float]:
    from csana.ingest.dataset import Dataset

    def load() -> Dataset:
        tables = {
            "messages": pl.read_parquet(data / "messages.parquet", columns=list(MESSAGE_COLUMNS)),
            "orders": pl.read_parquet(data / "orders.parquet", columns=list(ORDER_COLUMNS)),
            "agents": pl.read_parquet(data / "agents.parquet"),
        }
        return Dataset(tables=tables, source=str(data))

    return _timed("csana", out, load, lambda dataset: csana_core_metrics(dataset, month, params),
                  lambda frame, path: frame.write_parquet(path))


def _work_pandas(data: Path, month: str, params: MetricParams, out: Path) -> dict[str, float]:
    import pandas as pd

    def load() -> tuple[Any, Any]:
        return (pd.read_parquet(data / "messages.parquet", columns=list(MESSAGE_COLUMNS)),
                pd.read_parquet(data / "orders.parquet", columns=list(ORDER_COLUMNS)))

    return _timed("pandas", out, load, lambda frames: pandas_core_metrics(*frames, month, params),
                  lambda frame, path: frame.to_parquet(path))


def _work_duckdb(data: Path, month: str, params: MetricParams, out: Path) -> dict[str, float]:
    import duckdb

    def load() -> Any:
        con = duckdb.connect()
        for table, columns in (("messages", MESSAGE_COLUMNS), ("orders", ORDER_COLUMNS)):
            con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(columns)} FROM read_parquet(?)", [str(data / f"{table}.parquet")])
        return con

    return _timed("duckdb", out, load, lambda con: duckdb_core_metrics(con, month, params),
                  lambda relation, path: relation.pl().write_parquet(path))


def _work_load(fmt: str) -> Callable[[Path, str, MetricParams, Path], dict[str, float]]:
    """csana.load of the whole demo folder (every table, validated), from CSV or Parquet."""

    def work(data: Path, month: str, params: MetricParams, out: Path) -> dict[str, float]:
        from csana.ingest.raw import load

        started = time.perf_counter()
        dataset = load(data.parent / fmt)
        return {"load_s": time.perf_counter() - started, "rows": dataset.messages.height}

    return work


WORKERS: dict[str, Callable[[Path, str, MetricParams, Path], dict[str, float]]] = {
    "csana": _work_csana, "pandas": _work_pandas, "duckdb": _work_duckdb,
    "load-csv": _work_load("csv"), "load-parquet": _work_load("parquet"),
}


def worker_main(argv: Sequence[str]) -> None:
    """``python -m csana.bench.runner JOB DATA MONTH PARAMS_JSON OUT``: run one job, print its numbers as JSON.

    ``python -m csana.bench.runner generate N FOLDER SEED CSV`` makes the data instead (in a
    child too, so the parent stays small and the workers it forks start small).
    """
    if argv[0] == "generate":
        n, folder, seed, csv = argv[1:]
        print(json.dumps(generate(int(n), Path(folder), int(seed), csv == "csv")))
        return
    job, data, month, params_file, out = argv
    params = MetricParams.model_validate_json(Path(params_file).read_text())
    numbers = WORKERS[job](Path(data), month, params, Path(out))
    numbers["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(numbers))


def run_worker(job: str, data: Path, month: str, params_file: Path, out: Path) -> dict[str, Any]:
    """Run one job in a fresh Python process (so its peak memory is its own) and return its numbers."""
    return _child([job, str(data), month, str(params_file), str(out)], data)


def generate_in_child(n_messages: int, folder: Path, seed: int, csv: bool) -> dict[str, Any]:
    """:func:`generate` in a fresh process."""
    return _child(["generate", str(n_messages), str(folder), str(seed), "csv" if csv else "-"], folder)


def _child(args: list[str], where: Path, timeout_s: float = 3600) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "csana.bench.runner", *args], capture_output=True, text=True,
                          timeout=timeout_s, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise CsanaError(f"benchmark job '{args[0]}' failed (exit {done.returncode}):\n{tail}", file=str(where))
    return json.loads(done.stdout.strip().splitlines()[-1])



# -- the run ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One implementation on one size: seconds to load and to compute, peak memory."""

    size: str
    impl: str
    messages: int
    orders: int
    agents: int
    load_s: float
    compute_s: float
    compute_cpu_s: float
    peak_rss_mb: float
    rss_loaded_mb: float

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.compute_s if self.compute_s > 0 else math.inf


@dataclass
class Results:
    """Everything one benchmark run measured, with the machine it ran on."""

    machine: dict[str, str]
    rows: list[Row] = field(default_factory=list)
    extras: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)

    def row(self, size: str, impl: str) -> Row | None:
        return next((r for r in self.rows if r.size == size and r.impl == impl), None)

    def ratio(self, size: str, impl: str) -> float | None:
        """csana's compute time ÷ ``impl``'s on ``size`` (0.2 = csana 5× faster)."""
        mine, theirs = self.row(size, "csana"), self.row(size, impl)
        return None if mine is None or theirs is None or theirs.compute_s <= 0 else mine.compute_s / theirs.compute_s

    def to_json(self) -> str:
        return json.dumps({"machine": self.machine, "rows": [asdict(r) for r in self.rows],
                           "extras": self.extras, "checks": self.checks}, ensure_ascii=False, indent=2)


def machine() -> dict[str, str]:
    """The machine's cores, memory and CPU model, and the library versions measured."""
    import importlib.metadata as md

    cpu = next((line.split(":", 1)[1].strip() for line in _read_lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read_lines("/proc/meminfo") if line.startswith("MemTotal")), 0)
    versions = {}
    for name in ("polars", "pandas", "duckdb", "pyarrow"):
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            versions[name] = "-"
    return {
        "date": dt.date.today().isoformat(), "cpu": cpu, "nproc": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 ** 2:.1f} GiB", "python": platform.python_version(),
        **versions,
    }


def _read_lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def run_benchmark(
    sizes: Sequence[int], work_dir: Path, impls: Sequence[str] = IMPLS, extras: Sequence[str] = ("rescore", "load"),
    seed: int = 2026, params: MetricParams | None = None, echo: Callable[[str], None] = lambda _: None,
) -> Results:
    """Generate each size, time every implementation on it, check they agree, then time the extras.

    Raises CsanaError when any two implementations disagree on any agent's core
    numbers or any order's credit: a fast wrong answer is not a result.
    """
    unknown = sorted(set(impls) - set(IMPLS)) + sorted(set(extras) - set(EXTRAS))
    if unknown:
        raise CsanaError(f"unknown benchmark part(s): {', '.join(unknown)}",
                         fix=f"implementations: {', '.join(IMPLS)}; extras: {', '.join(EXTRAS)}")
    params = params or MetricParams.load()
    work_dir.mkdir(parents=True, exist_ok=True)
    params_file = work_dir / "params.json"
    params_file.write_text(params.model_dump_json())
    results = Results(machine=machine())
    for n in sizes:
        label = size_label(n)
        folder = work_dir / label
        echo(f"[{label}] generating demo data …")
        meta = generate_in_child(n, folder, seed, csv="load" in extras)
        echo(f"[{label}] {meta['messages']:,} messages, {meta['orders']:,} orders, {meta['agents']} agents")
        out = folder / "results"
        out.mkdir(exist_ok=True)
        for impl in impls:
            echo(f"[{label}] {impl} …")
            numbers = run_worker(impl, folder / "parquet", meta["month"], params_file, out)
            results.rows.append(Row(label, impl, meta["messages"], meta["orders"], meta["agents"], numbers["load_s"],
                                    numbers["compute_s"], numbers["compute_cpu_s"], numbers["peak_rss_mb"],
                                    numbers["rss_loaded_mb"]))
        problems = check_outputs(out, impls)
        if problems:
            shown = "\n".join(problems[:20]) + (f"\n… {len(problems) - 20} more" if len(problems) > 20 else "")
            raise CsanaError(f"the implementations disagree on {label}:\n{shown}", file=str(out))
        results.checks[label] = f"{', '.join(impls)} agree on {meta['agents']} agents and {meta['orders']:,} orders"
        if "load" in extras:
            for fmt in ("csv", "parquet"):
                echo(f"[{label}] csana.load from {fmt} …")
                numbers = run_worker(f"load-{fmt}", folder / "parquet", meta["month"], params_file, out)
                results.extras[f"load {fmt} {label}"] = {"seconds": numbers["load_s"], "peak_rss_mb": numbers["peak_rss_mb"],
                                                         "messages": numbers["rows"]}
    for extra in extras:
        if extra != "load":
            echo(f"{extra} …")
            results.extras[extra] = EXTRAS[extra](work_dir, seed)
    return results


def check_outputs(out: Path, impls: Sequence[str]) -> list[str]:
    """Compare every implementation's written results with the first one's."""
    loaded = {impl: (pl.read_parquet(out / f"{impl}_metrics.parquet"), pl.read_parquet(out / f"{impl}_attribution.parquet"))
              for impl in impls}
    base = impls[0]
    problems: list[str] = []
    for impl in impls[1:]:
        problems += compare_metrics(loaded[base][0], loaded[impl][0], (base, impl))
        problems += compare_attribution(loaded[base][1], loaded[impl][1], (base, impl))
    return problems


# -- extras -------------------------------------------------------------------------------------

RESCORE_AGENTS = 500
RESCORE_REPEATS = 30


def time_rescore(work_dir: Path, seed: int) -> dict[str, Any]:
    """Re-score 500 agents after one weight change: median and worst of RESCORE_REPEATS runs (ms).

    The 500-agent metric table is the engine's output for a generated 500-agent shop;
    the scheme is the ready-made presales_traffic template; each run changes one
    indicator's weight (``Scheme.with_weight``) and calls :func:`csana.scoring.scorecard.score`.
    """
    from csana.demo.generator import generate_demo
    from csana.metrics.engine import agent_metrics
    from csana.scoring.scheme import load_scheme
    from csana.scoring.scorecard import score

    dataset = generate_demo(seed=seed, agents=RESCORE_AGENTS, months=1, scale=0.5, end_month=DEMO_END)
    metrics = agent_metrics(dataset, DEMO_END)
    scheme = load_scheme("presales_traffic")
    indicator = scheme.indicators[0]
    score(metrics, scheme)
    times = []
    for i in range(RESCORE_REPEATS):
        started = time.perf_counter()
        changed = scheme.with_weight(indicator.id, indicator.weight + 1 + i % 5)
        score(metrics, changed)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"agents": metrics.height, "indicators": len(scheme.indicators), "median_ms": times[len(times) // 2],
            "max_ms": times[-1], "repeats": RESCORE_REPEATS}


def time_report(work_dir: Path, seed: int) -> dict[str, Any]:
    """``csana report`` on the bundled demo, end to end in a fresh process (notebook → HTML → PDF)."""
    out = work_dir / "report"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "csana.cli", "report", "--out", str(out)], capture_output=True,
                          text=True, timeout=1800, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise CsanaError(f"csana report failed (exit {done.returncode}): {done.stderr.strip()[-500:]}", file=str(out))
    files = sorted(p.suffix.lstrip(".") for p in out.rglob("*") if p.suffix in (".html", ".pdf"))
    return {"seconds": seconds, "files": files}


EXTRAS: dict[str, Callable[[Path, int], dict[str, Any]]] = {
    "rescore": time_rescore, "load": lambda *_: {}, "report": time_report,
}
"""Timed jobs besides the metric engines; 'load' runs per size inside run_benchmark."""


# -- presenting -----------------------------------------------------------------------------------

TARGETS = {"compute_s": 15.0, "peak_rss_mb": 4096.0, "pandas": 0.2, "duckdb": 1.5, "rescore_ms": 50.0}
"""Issue 9's targets on 2 cores: 10M messages under 15 s and 4 GiB; ≥ 5× pandas (ratio ≤ 0.2); ≤ 1.5× DuckDB; re-score < 50 ms."""
TARGET_SIZE = "10M"


def markdown(results: Results) -> str:
    """The results as markdown: machine line, main table, scaling, extras and target verdicts."""
    m = results.machine
    lines = [
        f"Measured {m['date']} on {m['cpu']}, {m['nproc']} cores, {m['memory']} RAM; Python {m['python']}, "
        f"polars {m['polars']}, pandas {m['pandas']}, DuckDB {m['duckdb']}, pyarrow {m['pyarrow']}.",
        "",
        "| size | implementation | messages | orders | load s | compute s | compute CPU s | messages/s | peak RSS | csana ÷ this |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results.rows:
        ratio = results.ratio(r.size, r.impl) if r.impl != "csana" else None
        lines.append(
            f"| {r.size} | {r.impl} | {r.messages:,} | {r.orders:,} | {r.load_s:.2f} | {r.compute_s:.2f} | "
            f"{r.compute_cpu_s:.2f} | {r.messages_per_s:,.0f} | {_mib(r.peak_rss_mb)} | "
            f"{'—' if ratio is None else f'{ratio:.2f}'} |"
        )
    lines += ["", *scaling_lines(results), *extra_lines(results), *[f"- {c}" for c in results.checks.values()],
              "", *verdict_lines(results)]
    return "\n".join(lines)


def _mib(mb: float) -> str:
    return f"{mb / 1024:.2f} GiB" if mb >= 1024 else f"{mb:.0f} MiB"


def scaling_lines(results: Results) -> list[str]:
    """Per implementation, how compute time grew from the smallest to the largest size vs the messages."""
    sizes = list(dict.fromkeys(r.size for r in results.rows))
    if len(sizes) < 2:
        return []
    lines = []
    for impl in dict.fromkeys(r.impl for r in results.rows):
        small, big = results.row(sizes[0], impl), results.row(sizes[-1], impl)
        if small and big and small.compute_s > 0:
            grow = big.messages / small.messages
            lines.append(f"- scaling {impl} {sizes[0]} → {sizes[-1]}: {grow:.1f}× the messages took "
                         f"{big.compute_s / small.compute_s:.1f}× the time ({big.compute_cpu_s / small.compute_cpu_s:.1f}× the CPU)")
    return lines


def extra_lines(results: Results) -> list[str]:
    lines = []
    for name, x in results.extras.items():
        if name == "rescore":
            lines.append(f"- re-scoring {x['agents']} agents × {x['indicators']} indicators after one weight change: "
                         f"median {x['median_ms']:.1f} ms, worst {x['max_ms']:.1f} ms of {x['repeats']}")
        elif name.startswith("load "):
            _, fmt, size = name.split()
            lines.append(f"- csana.load of the {size} demo folder from {fmt} (every table, validated): "
                         f"{x['seconds']:.1f} s, peak {_mib(x['peak_rss_mb'])}")
        elif name == "report":
            lines.append(f"- csana report on the bundled demo, end to end ({' + '.join(x['files'])}): {x['seconds']:.1f} s")
    return lines


def verdict_lines(results: Results) -> list[str]:
    """Issue 9's targets, met or missed, for the target size (10M) and every ratio."""
    checks: list[tuple[str, bool]] = []
    big = results.row(TARGET_SIZE, "csana")
    if big:
        checks.append((f"{TARGET_SIZE} all agent metrics < {TARGETS['compute_s']:.0f} s ({big.compute_s:.1f} s)",
                       big.compute_s < TARGETS["compute_s"]))
        checks.append((f"{TARGET_SIZE} peak memory < 4 GiB ({_mib(big.peak_rss_mb)})", big.peak_rss_mb < TARGETS["peak_rss_mb"]))
    for size in dict.fromkeys(r.size for r in results.rows):
        for impl, label in (("pandas", "≥ 5× faster than pandas"), ("duckdb", "no slower than 1.5× DuckDB")):
            ratio = results.ratio(size, impl)
            if ratio is not None:
                checks.append((f"{size} {label} (csana ÷ {impl} = {ratio:.2f})", ratio <= TARGETS[impl]))
    if "rescore" in results.extras:
        ms = results.extras["rescore"]["median_ms"]
        checks.append((f"re-score < {TARGETS['rescore_ms']:.0f} ms ({ms:.1f} ms)", ms < TARGETS["rescore_ms"]))
    return [f"- {'met' if ok else 'MISSED'}: {text}" for text, ok in checks]


if __name__ == "__main__":
    worker_main(sys.argv[1:])

