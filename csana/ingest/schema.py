"""The canonical tables of raw logs (docs/inputs.md): names, columns, types, which are required.

Loaders turn whatever the user has into these tables; everything downstream
(derive, metrics, scoring, diagnostics, reports) reads only these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

SENDERS = ("customer", "agent", "auto")
"""Allowed ``messages.sender`` values: the buyer, a human agent, an auto-reply or bot."""


@dataclass(frozen=True)
class Table:
    """One canonical table: its required and optional columns with their polars types."""

    name: str
    zh: str
    required: dict[str, pl.DataType]
    optional: dict[str, pl.DataType] = field(default_factory=dict)
    needed: bool = False
    """Whether the raw path cannot work without this table."""
    unique: tuple[str, ...] = ()
    """Columns whose combination must be unique (duplicates are rejected)."""

    @property
    def columns(self) -> dict[str, pl.DataType]:
        return {**self.required, **self.optional}


DATETIME = pl.Datetime("us")
TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table(
            "messages", "聊天记录",
            required={"ts": DATETIME, "customer_id": pl.String, "agent_id": pl.String, "sender": pl.String},
            optional={"shop_id": pl.String, "text": pl.String},
            needed=True,
        ),
        Table(
            "orders", "订单",
            required={"order_id": pl.String, "customer_id": pl.String, "created_at": DATETIME,
                      "paid_at": DATETIME, "amount": pl.Float64, "units": pl.Int64},
            optional={"shop_id": pl.String, "refund_amount": pl.Float64, "refunded_at": DATETIME},
            needed=True,
            unique=("order_id",),
        ),
        Table("agents", "客服名单", required={"agent_id": pl.String},
              optional={"name": pl.String, "team": pl.String, "role": pl.String, "hired_at": pl.Date},
              unique=("agent_id",)),
        Table("reminders", "催付记录", required={"ts": DATETIME, "agent_id": pl.String, "order_id": pl.String}),
        Table("reviews", "评价", required={"order_id": pl.String, "ts": DATETIME, "service_score": pl.Float64},
              optional={"low_quality": pl.Boolean, "agent_id": pl.String}),
        Table("disputes", "纠纷投诉", required={"order_id": pl.String, "ts": DATETIME}, optional={"agent_id": pl.String}),
        Table("manual_scores", "人工评分",
              required={"agent_id": pl.String, "month": pl.String, "indicator": pl.String, "value": pl.Float64}),
        Table("lost_reasons", "未成交原因",
              required={"customer_id": pl.String, "agent_id": pl.String, "date": pl.Date, "reason": pl.String}),
        Table("online", "在线时长", required={"agent_id": pl.String, "date": pl.Date, "online_s": pl.Float64},
              optional={"hung_up_s": pl.Float64}),
    ]
}


def empty(name: str) -> pl.DataFrame:
    """An empty frame with the table's required columns, for optional tables not given."""
    return pl.DataFrame(schema=TABLES[name].required)
