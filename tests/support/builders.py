"""Tiny readable fixture builders for engine tests: rows as tuples, times as 'DD HH:MM:SS'.

All fixture timestamps fall in October 2026 unless a full 'YYYY-MM-DD HH:MM:SS' is given,
so a test reads like a chat log: ("01 09:00:00", "c1", "a1", "customer").
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csana.ingest.dataset import Dataset
from csana.ingest.schema import TABLES


def t(stamp: str | None) -> dt.datetime | None:
    """'01 09:00:05' → 2026-10-01 09:00:05; full ISO stamps pass through."""
    if stamp is None:
        return None
    if len(stamp) <= 11:
        stamp = f"2026-10-{stamp}"
    return dt.datetime.fromisoformat(stamp)


def messages(*rows: tuple) -> pl.DataFrame:
    """Rows of (ts, customer_id, agent_id, sender[, text])."""
    data = [(t(r[0]), r[1], r[2], r[3], r[4] if len(r) > 4 else "hi") for r in rows]
    return pl.DataFrame(data, schema=["ts", "customer_id", "agent_id", "sender", "text"], orient="row").cast(
        {"ts": pl.Datetime("us")}
    )


def orders(*rows: tuple) -> pl.DataFrame:
    """Rows of (order_id, customer_id, created_at, paid_at, amount[, units[, refund_amount]])."""
    data = [
        (r[0], r[1], t(r[2]), t(r[3]), float(r[4]), r[5] if len(r) > 5 else 1, float(r[6]) if len(r) > 6 else 0.0)
        for r in rows
    ]
    frame = pl.DataFrame(
        data, schema=["order_id", "customer_id", "created_at", "paid_at", "amount", "units", "refund_amount"], orient="row"
    )
    return frame.cast({"created_at": pl.Datetime("us"), "paid_at": pl.Datetime("us"), "units": pl.Int64})


def table(name: str, *rows: tuple, columns: list[str] | None = None) -> pl.DataFrame:
    """Any other canonical table from rows, in its required-columns order (or ``columns``)."""
    spec = TABLES[name].columns
    columns = columns or list(TABLES[name].required)
    converted = [tuple(t(v) if spec.get(c) == pl.Datetime("us") else v for c, v in zip(columns, r)) for r in rows]
    return pl.DataFrame(converted, schema=columns, orient="row").cast({c: spec[c] for c in columns})


def dataset(msgs: pl.DataFrame, ords: pl.DataFrame | None = None, **others: pl.DataFrame) -> Dataset:
    """A Dataset straight from typed frames (no file loading involved)."""
    ords = ords if ords is not None else orders()
    if ords.height == 0:
        ords = pl.DataFrame(schema={**TABLES["orders"].required, "refund_amount": pl.Float64})
    return Dataset(tables={"messages": msgs, "orders": ords, **others}, source="fixture")
