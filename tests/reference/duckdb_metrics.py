"""The core CS metrics of one month per agent in DuckDB SQL (window functions and ASOF joins).

A reference implementation written from the definitions in :mod:`reference_spec`
alone, independent of csana's code (it imports no csana module): a test oracle for
csana's ``agent_metrics`` and the DuckDB competitor of ``csana bench``. As a script::

    python tests/reference/duckdb_metrics.py DATA --month 2026-10 --out m.csv

loads DATA's messages and orders (``read_csv`` or ``read_parquet``) into tables,
computes :data:`reference_spec.CORE` per agent and writes them with ``COPY … TO``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
from reference_spec import (
    CORE_COUNTS,
    CSV_TIME_FORMAT,
    MESSAGE_COLUMNS,
    MICROS,
    ORDER_COLUMNS,
    Params,
    input_files,
    main,
    month_bounds,
)

CSV_TYPES = {"ts": "TIMESTAMP", "customer_id": "VARCHAR", "agent_id": "VARCHAR", "sender": "VARCHAR",
             "text": "VARCHAR", "order_id": "VARCHAR", "created_at": "TIMESTAMP", "paid_at": "TIMESTAMP",
             "amount": "DOUBLE"}


def core_metrics(con: duckdb.DuckDBPyConnection, month: str, params: Params) -> tuple[Any, Any]:
    """(per-agent relation: agent_id + CORE; attribution relation: order_id → credited_agent).

    Reads tables (or views) ``messages`` and ``orders`` of ``con``; leaves its derived
    tables as ``ref_*`` temporary tables.
    """
    params.check_supported()
    for statement, args in statements(month, params):
        con.execute(statement, args)
    return con.sql("SELECT * FROM ref_metrics"), con.sql("SELECT order_id, credited_agent FROM ref_attribution")


def _spam(params: Params) -> tuple[str, list[Any]]:
    """SQL for 'this message is filtered' and its bound arguments."""
    args: list[Any] = []
    spam = "FALSE"
    if params.customers:
        args.append(list(params.customers))
        spam = f"list_contains(${len(args)}, customer_id)"
    if params.keyword_pattern:
        args.append(params.keyword_pattern)
        spam = f"({spam} OR regexp_matches(coalesce(text, ''), ${len(args)}))"
    return spam, args


def statements(month: str, params: Params) -> list[tuple[str, list[Any]]]:
    """The SQL, one CREATE TEMP TABLE per derived table; numbers come from typed params."""
    start, end = month_bounds(month)
    spam, args = _spam(params)
    hours = params.service_hours
    in_hours = "TRUE" if hours is None else (
        f"(CAST(ts AS TIME) >= TIME '{hours[0].isoformat()}' AND CAST(ts AS TIME) < TIME '{hours[1].isoformat()}')"
    )
    stream = "TRUE" if params.count_auto_reply else "rank <> 1"
    postsale_us = int(params.postsale_days * 86400 * MICROS)
    within = f"BETWEEN DATE '{start}' AND DATE '{end}' - 1"
    return [
        (f"""CREATE OR REPLACE TEMP TABLE ref_m AS
            SELECT agent_id, customer_id, ts, CAST(ts AS DATE) AS day,
                   CAST(CASE sender WHEN 'customer' THEN 0 WHEN 'auto' THEN 1 ELSE 2 END AS TINYINT) AS rank,
                   sender = 'customer' AND NOT {spam} AS real
            FROM messages""", args),
        ("""CREATE OR REPLACE TEMP TABLE ref_rec AS
            SELECT agent_id, customer_id, day, min(ts) AS start,
                   count(*) FILTER (WHERE rank = 0) AS customer_msgs,
                   count(*) FILTER (WHERE rank = 2) AS agent_msgs,
                   count(*) FILTER (WHERE real) AS real_msgs
            FROM ref_m GROUP BY agent_id, customer_id, day
            HAVING count(*) FILTER (WHERE rank = 0) > 0""", []),
        (f"""CREATE OR REPLACE TEMP TABLE ref_bursts AS
            WITH s AS (
                SELECT agent_id, customer_id, day, ts, rank,
                       lag(rank) OVER w AS prev_rank,
                       sum(CASE WHEN rank = 0 THEN 1 ELSE 0 END) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS nth,
                       min(CASE WHEN rank <> 0 THEN ts END) OVER (w ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS reply_ts
                FROM ref_m WHERE {stream}
                WINDOW w AS (PARTITION BY agent_id, customer_id, day ORDER BY ts, rank)
            )
            SELECT agent_id, customer_id, day, ts AS start,
                   (epoch_us(reply_ts) - epoch_us(ts)) / {MICROS}.0 AS response_s,
                   {in_hours} AS in_hours, nth = 1 AS first
            FROM s WHERE rank = 0 AND (prev_rank IS NULL OR prev_rank <> 0)""", []),
        (f"""CREATE OR REPLACE TEMP TABLE ref_receptions AS
            WITH per_rec AS (
                SELECT agent_id, customer_id, day,
                       max(response_s) FILTER (WHERE first AND in_hours) AS first_response_s,
                       count(*) FILTER (WHERE response_s > {float(params.slow_response_s)} AND in_hours) AS slow_responses
                FROM ref_bursts GROUP BY agent_id, customer_id, day
            ), r AS (
                SELECT r.*, r.real_msgs > 0 AS received, r.real_msgs > 0 AND r.agent_msgs > 0 AS replied,
                       p.first_response_s,
                       r.real_msgs > 0 AND coalesce(p.slow_responses, 0) >= {int(params.slow_min_count)} AS slow
                FROM ref_rec r LEFT JOIN per_rec p USING (agent_id, customer_id, day)
            )
            SELECT r.*, r.received AND (o.created_at IS NULL
                   OR epoch_us(r.start) - epoch_us(o.created_at) > {postsale_us}) AS inquiry
            FROM r ASOF LEFT JOIN (SELECT customer_id, created_at FROM orders) o
                 ON r.customer_id = o.customer_id AND r.start > o.created_at""", []),
        (f"""CREATE OR REPLACE TEMP TABLE ref_attribution AS
            WITH inq AS (
                SELECT customer_id, start AS credit_start, min(agent_id) AS credited_agent, any_value(day) AS credit_day
                FROM ref_receptions WHERE inquiry GROUP BY customer_id, start
            ), o AS (
                SELECT order_id, customer_id, created_at, paid_at, amount,
                       CAST(CAST(created_at AS DATE) - {int(params.attribution_days)} AS TIMESTAMP) AS window_start
                FROM orders
            )
            SELECT o.*,
                   CASE WHEN i.credit_start >= o.window_start THEN i.credited_agent END AS credited_agent,
                   CASE WHEN i.credit_start >= o.window_start THEN i.credit_day END AS credit_day
            FROM o ASOF LEFT JOIN inq i ON o.customer_id = i.customer_id AND o.created_at > i.credit_start""", []),
        ("""CREATE OR REPLACE TEMP TABLE ref_assists AS
            SELECT a.order_id, a.customer_id, r.agent_id, CAST(min(r.start) AS DATE) AS day
            FROM ref_attribution a JOIN ref_receptions r ON a.customer_id = r.customer_id
            WHERE a.credited_agent IS NOT NULL AND a.paid_at IS NOT NULL AND r.received
              AND r.agent_id <> a.credited_agent AND r.start >= a.window_start AND r.start <= a.paid_at
            GROUP BY a.order_id, a.customer_id, r.agent_id""", []),
        (f"""CREATE OR REPLACE TEMP TABLE ref_metrics AS
            WITH contacts AS (
                SELECT agent_id, customer_id, bool_or(received) AS received, bool_or(inquiry) AS inquiry,
                       bool_or(replied) AS replied, bool_or(slow) AS slow
                FROM ref_receptions WHERE day {within} GROUP BY agent_id, customer_id
            ), credited AS (
                SELECT credited_agent AS agent_id, customer_id,
                       bool_or(paid_at IS NOT NULL
                               AND paid_at < CAST(credit_day + {int(params.final_pay_days) + 1} AS TIMESTAMP)) AS conv_final
                FROM ref_attribution WHERE credited_agent IS NOT NULL AND credit_day {within}
                GROUP BY credited_agent, customer_id
            ), assisted AS (
                SELECT DISTINCT agent_id, customer_id FROM ref_assists WHERE day {within}
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
                FROM ref_receptions WHERE received AND day {within} GROUP BY agent_id
            ), responses AS (
                SELECT b.agent_id, sum(b.response_s) AS resp_sum, count(*) AS resp_count
                FROM ref_bursts b JOIN ref_receptions r USING (agent_id, customer_id, day)
                WHERE r.received AND b.in_hours AND b.response_s IS NOT NULL AND b.day {within}
                GROUP BY b.agent_id
            ), sales AS (
                SELECT credited_agent AS agent_id, sum(amount) AS sales_amount FROM ref_attribution
                WHERE credited_agent IS NOT NULL AND CAST(paid_at AS DATE) {within} GROUP BY credited_agent
            ), created AS (
                SELECT credited_agent AS agent_id, count(*) AS created_orders FROM ref_attribution
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


def load_inputs(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Tables ``messages`` and ``orders`` of ``con`` from a data folder (CSV or Parquet), needed columns only."""
    messages_file, orders_file, fmt = input_files(folder)
    for table, path, columns in (("messages", messages_file, MESSAGE_COLUMNS), ("orders", orders_file, ORDER_COLUMNS)):
        if fmt == "parquet":
            source = "read_parquet(?)"
        else:
            types = ", ".join(f"'{c}': '{CSV_TYPES[c]}'" for c in columns)
            source = f"read_csv(?, header = true, timestampformat = '{CSV_TIME_FORMAT}', types = {{{types}}})"
        con.execute(f"CREATE TABLE {table} AS SELECT {', '.join(columns)} FROM {source}", [str(path)])


def run(data: Path, month: str, params: Params, out: Path, attribution_out: Path | None) -> None:
    """The script: load, compute, write the per-agent CSV (and the attribution Parquet when asked)."""
    with duckdb.connect() as con:
        load_inputs(con, data)
        metrics, attribution = core_metrics(con, month, params)
        metrics.write_csv(str(out))
        if attribution_out is not None:
            attribution.write_parquet(str(attribution_out))


if __name__ == "__main__":
    main(sys.argv[1:], run, "duckdb_metrics.py")
