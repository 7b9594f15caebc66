"""What the pandas and DuckDB reference implementations compute, and how they are run as scripts.

The references (``pandas_metrics.py``, ``duckdb_metrics.py``) are second and third
implementations of csana's core metrics, written from the metric definitions alone
(the terms below and the README's "Metric definitions" section), never from csana's
code: they import nothing from csana. They serve twice: as test oracles (the tests
next to them compare csana's ``agent_metrics`` with both on every agent, metric and
order) and as the competitors ``csana bench`` times, each run as a fresh process::

    python tests/reference/duckdb_metrics.py DATA --month 2026-10 --out m.csv \
        [--params params.json] [--attribution credit.parquet]

DATA is a folder holding ``messages`` and ``orders`` as CSV (as ``csana demo`` writes
them: ``YYYY-MM-DD HH:MM:SS`` times) or Parquet; only the columns below are read.

Terms (one calendar day = midnight to midnight of the timestamps as written):

reception
    all messages between one agent and one customer on one day with at least one
    customer message; ``start`` is its first message (any sender).
filtered
    a customer message whose customer is blacklisted or whose text matches a filter
    keyword (regex). A reception is *received* when it has an unfiltered customer message.
burst
    a maximal run of consecutive customer messages of a reception, messages ordered by
    time, then customer → auto-reply → agent. Auto-replies are left out of the stream
    unless ``count_auto_reply``. Its response time runs from its first message to the
    next non-customer message of the reception (none: unanswered). A burst counts in
    response times only when it starts within service hours [start, end).
first response
    the response time of a reception's first burst (none when that burst is outside
    service hours or unanswered).
slow reception
    a received reception with at least ``slow_min_count`` in-hours responses slower than
    ``slow_response_s``.
inquiry
    a received reception with no order created by the customer in the
    ``postsale_days`` × 24 h before (strictly) its start.
attribution (rule last_inquiry)
    each order is credited to the agent of the latest inquiry reception of its customer
    that started strictly before the order was created, on a day no earlier than
    ``attribution_days`` before the order's day; ties on start go to the smallest agent id.
assist
    another agent's received reception of a paid, credited order's customer starting
    between the order's window start (its day − ``attribution_days``) and its payment.

Per agent and month (a reception's month is its day's; an order's sales month is its
payment day's; its created month its creation day's):

- received / replied / inquiry / slow customers: distinct customers with such a
  reception (replied: received and with a human agent message);
- conv_final_customers: customers with an order credited to the agent through an
  inquiry reception of the month, paid before the end of that reception's day +
  ``final_pay_days``; conv_base_customers: inquiry customers, except those the agent
  assisted in the month (assist reception's day) without converting them;
- first_response_s: mean first response over received receptions that have one;
  avg_response_s: mean response time over answered in-hours bursts of received
  receptions; reply_rate = replied ÷ received; conv_final = conv_final_customers ÷
  conv_base_customers (no value when the denominator is 0);
- sales_amount: amounts of credited orders paid in the month; created_orders:
  credited orders created in the month.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CORE_COUNTS = ("inquiry_customers", "slow_customers", "received_customers", "replied_customers",
               "conv_base_customers", "conv_final_customers", "created_orders")
CORE_FLOATS = ("first_response_s", "avg_response_s", "reply_rate", "conv_final", "sales_amount")
CORE = CORE_COUNTS + CORE_FLOATS
"""The per-agent columns both references return (after ``agent_id``)."""
MESSAGE_COLUMNS = ("ts", "customer_id", "agent_id", "sender", "text")
ORDER_COLUMNS = ("order_id", "customer_id", "created_at", "paid_at", "amount")
SENDER_RANK = {"customer": 0, "auto": 1, "agent": 2}
MICROS = 1_000_000
CSV_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class Params:
    """The parameters the core metrics depend on, with the keys of params/metrics.yaml.

    ``service_hours`` is None for all day, else (start, end) as times of day;
    ``keywords`` and ``customers`` are the filter's regexes and blacklisted ids.
    """

    slow_response_s: float = 60.0
    slow_min_count: int = 1
    postsale_days: float = 7.0
    attribution_days: int = 3
    final_pay_days: int = 3
    count_auto_reply: bool = False
    service_hours: tuple[dt.time, dt.time] | None = None
    attribution_rule: str = "last_inquiry"
    keywords: tuple[str, ...] = field(default=())
    customers: tuple[str, ...] = field(default=())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        """From a params dict (metrics.yaml keys; ``filter`` nested; other keys ignored)."""
        hours = data.get("service_hours")
        if isinstance(hours, dict):
            hours = (hours["start"], hours["end"])
        flt = data.get("filter") or {}
        return cls(
            slow_response_s=float(data.get("slow_response_s", 60)),
            slow_min_count=int(data.get("slow_min_count", 1)),
            postsale_days=float(data.get("postsale_days", 7)),
            attribution_days=int(data.get("attribution_days", 3)),
            final_pay_days=int(data.get("final_pay_days", 3)),
            count_auto_reply=bool(data.get("count_auto_reply", False)),
            service_hours=None if hours is None else (_time(hours[0]), _time(hours[1])),
            attribution_rule=str(data.get("attribution_rule", "last_inquiry")),
            keywords=tuple(flt.get("keywords") or ()),
            customers=tuple(flt.get("customers") or ()),
        )

    def check_supported(self) -> None:
        """The references implement only the default attribution rule."""
        if self.attribution_rule != "last_inquiry":
            raise ValueError("the pandas and DuckDB references implement only attribution_rule=last_inquiry")

    @property
    def keyword_pattern(self) -> str | None:
        """One regex matching any filter keyword (None: no keywords)."""
        return "|".join(f"(?:{k})" for k in self.keywords) or None


def _time(value: Any) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def micro_of_day(value: dt.time) -> int:
    """Microseconds since midnight."""
    return ((value.hour * 60 + value.minute) * 60 + value.second) * MICROS + value.microsecond


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First day of ``month`` ('YYYY-MM') and first day of the next month."""
    start = dt.date.fromisoformat(f"{month}-01")
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def input_files(folder: Path) -> tuple[Path, Path, str]:
    """(messages file, orders file, 'csv' or 'parquet') of a data folder."""
    for fmt in ("parquet", "csv"):
        messages, orders = folder / f"messages.{fmt}", folder / f"orders.{fmt}"
        if messages.exists() and orders.exists():
            return messages, orders, fmt
    raise SystemExit(f"{folder}: no messages and orders files (.csv or .parquet)")


def main(argv: Sequence[str] | None, run: Callable[[Path, str, Params, Path, Path | None], None], prog: str) -> None:
    """Parse the script's command line and call ``run(data, month, params, out, attribution_out)``."""
    parser = argparse.ArgumentParser(prog=prog, description="core CS metrics per agent of one month")
    parser.add_argument("data", type=Path, help="folder with messages and orders (.csv or .parquet)")
    parser.add_argument("--month", required=True, help="YYYY-MM")
    parser.add_argument("--out", required=True, type=Path, help="per-agent metrics CSV")
    parser.add_argument("--params", type=Path, help="params JSON (metrics.yaml keys); default: the defaults")
    parser.add_argument("--attribution", type=Path, help="also write order_id → credited_agent as Parquet")
    args = parser.parse_args(argv)
    params = Params.from_dict(json.loads(args.params.read_text(encoding="utf-8"))) if args.params else Params()
    run(args.data, args.month, params, args.out, args.attribution)
