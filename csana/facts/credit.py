"""Credit for orders (归属): which agents earn each order under the shop's rule, and who assisted.

The rule is ``attribution_rule`` of params/metrics.yaml; docs/attribution.md describes each
with the platform setting it corresponds to. Terms:

candidate reception
    a reception of the order's customer that may earn the order: it started on a day no
    earlier than ``attribution_days`` before the order's day (``window_start``, midnight)
    and before the order was created (``created_at``) — or, for ``last_before_payment``,
    before it was paid (``paid_at``).
inquiry candidate
    a candidate that is an inquiry reception (询单, :func:`csana.facts.derived.mark_inquiries`).
follow-up
    a received reception that is not an inquiry and started between the order's creation
    and its payment (an in-sale chat such as a payment reminder, 催付).

Rules:

``last_inquiry`` (default)
    the agent of the latest-starting inquiry candidate before the order was created.
``first_inquiry``
    the agent of the earliest-starting inquiry candidate before the order was created.
``last_before_payment``
    paid orders: the agent of the latest-starting inquiry candidate or follow-up that
    started before ``paid_at`` (a paid order with neither is silent); unpaid orders keep
    their ``last_inquiry`` credit.
``split``
    the order is shared equally by the distinct agents of its inquiry candidates (the
    ``last_inquiry`` candidates): each gets a share of 1/n. The order's ``credited_agent``
    is its lead, the ``last_inquiry`` agent; ``credited_agents`` lists every sharer.

Ties (candidates starting at the same second) go to the smallest agent_id; under ``split``
both agents share. A *credit* is one row per order × credited agent with its ``share``:
the integer 1 under the first three rules, so every measure keeps its integer type, and a
Float64 fraction under ``split`` (:func:`credit_rows`).

assist (协助)
    a received reception of a paid, credited order's customer by an agent who does not share
    the order's credit, started between ``window_start`` and ``paid_at``: before the order
    (``pre_order``, 协助下单) or after it (``follow_up``, 协助跟进). The same definition
    holds under every rule: under ``last_before_payment`` the inquiry agent of an order
    earned by a follow-up is its pre-order assist; under ``split`` no sharer assists.
"""

from __future__ import annotations

from typing import get_args

import polars as pl

from csana.params import AttributionRule, MetricParams

RULES: tuple[str, ...] = get_args(AttributionRule)
CREDIT_COLUMNS = ["credited_agent", "credit_start", "credit_day"]


def _starts(receptions: pl.LazyFrame) -> pl.LazyFrame:
    """One row per customer × reception start (the smallest agent_id of a tie), sorted by start."""
    return (
        receptions.group_by("customer_id", "start")
        .agg(credited_agent=pl.col("agent_id").min(), credit_day=pl.col("day").first())
        .rename({"start": "credit_start"})
        .sort("credit_start")
    )


def attribute(orders: pl.LazyFrame, receptions: pl.LazyFrame, params: MetricParams) -> pl.LazyFrame:
    """Each order with its credited agent under ``params.attribution_rule`` (null: silent order).

    Columns added: window_start, credited_agent, credit_start and credit_day (the reception
    that earned the order; under ``split``, the lead's), rule.
    """
    inquiries = _starts(receptions.filter(pl.col("inquiry")))
    window_start = (pl.col("created_at").dt.date() - pl.duration(days=params.attribution_days)).cast(pl.Datetime("us"))
    base = orders.with_columns(window_start=window_start)
    if params.attribution_rule == "first_inquiry":
        matched = base.sort("window_start").join_asof(
            inquiries, left_on="window_start", right_on="credit_start", by="customer_id",
            strategy="forward", allow_exact_matches=True, check_sortedness=False,
        )
    else:
        matched = base.sort("created_at").join_asof(
            inquiries, left_on="created_at", right_on="credit_start", by="customer_id",
            strategy="backward", allow_exact_matches=False, check_sortedness=False,
        )
    in_window = (pl.col("credit_start") >= pl.col("window_start")) & (pl.col("credit_start") < pl.col("created_at"))
    credited = matched.with_columns([pl.when(in_window).then(pl.col(c)).alias(c) for c in CREDIT_COLUMNS])
    if params.attribution_rule == "last_before_payment":
        followups = _starts(receptions.filter(pl.col("received") & ~pl.col("inquiry")))
        credited = before_payment(credited, inquiries, followups)
    return credited.with_columns(rule=pl.lit(params.attribution_rule)).sort("created_at", "order_id")


def _latest_before_payment(frame: pl.LazyFrame, starts: pl.LazyFrame, prefix: str) -> pl.LazyFrame:
    renamed = starts.rename({c: prefix + c for c in CREDIT_COLUMNS})
    return frame.sort("paid_at").join_asof(
        renamed, left_on="paid_at", right_on=prefix + "credit_start", by="customer_id",
        strategy="backward", allow_exact_matches=False, check_sortedness=False,
    )


def before_payment(credited: pl.LazyFrame, inquiries: pl.LazyFrame, followups: pl.LazyFrame) -> pl.LazyFrame:
    """``last_before_payment``: paid orders re-credited to the latest inquiry candidate or follow-up before payment.

    The latest inquiry before ``paid_at`` qualifies when it started on or after window_start,
    the latest follow-up when it started on or after created_at; the later of the two wins
    (a tie of start times: the smaller agent_id). Unpaid orders are returned unchanged.
    """
    columns = credited.collect_schema().names()
    unpaid = credited.filter(pl.col("paid_at").is_null())
    paid = credited.filter(pl.col("paid_at").is_not_null()).drop(CREDIT_COLUMNS)
    both = _latest_before_payment(_latest_before_payment(paid, inquiries, "i_"), followups, "f_")
    inquiry_ok = (pl.col("i_credit_start") >= pl.col("window_start")).fill_null(False)
    followup_ok = (pl.col("f_credit_start") >= pl.col("created_at")).fill_null(False)
    later = (pl.col("f_credit_start") > pl.col("i_credit_start")) | (
        (pl.col("f_credit_start") == pl.col("i_credit_start")) & (pl.col("f_credited_agent") < pl.col("i_credited_agent")))
    take_followup = followup_ok & (~inquiry_ok | later.fill_null(False))
    chosen = [pl.when(take_followup).then(pl.col("f_" + c)).when(inquiry_ok).then(pl.col("i_" + c)).alias(c)
              for c in CREDIT_COLUMNS]
    return pl.concat([unpaid, both.with_columns(chosen).select(columns)])


def credit_rows(attribution: pl.DataFrame, receptions: pl.DataFrame, params: MetricParams) -> pl.DataFrame:
    """One row per credited order × agent: the order's columns, ``agent_id``, the reception that
    earned it (credit_start, credit_day) and ``share`` (Int64 1, or a Float64 1/n under ``split``).

    Under the single-agent rules this is the attribution table's credited orders as they are
    (same rows, same order), so sums over it are the same to the last bit.
    """
    credited = attribution.filter(pl.col("credited_agent").is_not_null()).rename({"credited_agent": "agent_id"})
    if params.attribution_rule != "split":
        return credited.with_columns(share=pl.lit(1, pl.Int64))
    columns = [*credited.columns, "share"]
    shares = (
        attribution.lazy().select("order_id", "customer_id", "created_at", "window_start")
        .join(receptions.lazy().filter(pl.col("inquiry")).select("customer_id", "agent_id", "start"), on="customer_id")
        .filter((pl.col("start") >= pl.col("window_start")) & (pl.col("start") < pl.col("created_at")))
        .group_by("order_id", "agent_id")
        .agg(credit_start=pl.col("start").max())
        .with_columns(credit_day=pl.col("credit_start").dt.date(), share=1.0 / pl.len().over("order_id"))
        .select("order_id", "agent_id", "credit_start", "credit_day", "share")
    )
    return (
        credited.lazy().drop("agent_id", "credit_start", "credit_day")
        .join(shares, on="order_id", how="inner")
        .select(columns)
        .sort("created_at", "order_id", "agent_id")
        .collect()
    )


def with_credit_lists(attribution: pl.DataFrame, credits: pl.DataFrame) -> pl.DataFrame:
    """The attribution table with ``credited_agents`` (every sharer, sorted; empty when silent) and
    ``credit_share`` (each sharer's share as a fraction; null when silent)."""
    lists = credits.group_by("order_id").agg(
        credited_agents=pl.col("agent_id").sort(), credit_share=pl.col("share").cast(pl.Float64).first())
    return attribution.join(lists, on="order_id", how="left", maintain_order="left").with_columns(
        pl.col("credited_agents").fill_null(pl.lit([], dtype=pl.List(pl.String))))


def find_assists(attribution: pl.LazyFrame, credits: pl.LazyFrame, receptions: pl.LazyFrame) -> pl.LazyFrame:
    """Other agents' received receptions around each paid, credited order (one row per order × agent)."""
    orders = attribution.filter(pl.col("credited_agent").is_not_null() & pl.col("paid_at").is_not_null()).select(
        "order_id", "customer_id", "created_at", "paid_at", "window_start", "credited_agent"
    )
    served = receptions.filter(pl.col("received")).select("customer_id", "agent_id", "start", "day")
    return (
        orders.join(served, on="customer_id")
        .filter((pl.col("start") >= pl.col("window_start")) & (pl.col("start") <= pl.col("paid_at")))
        .join(credits.select("order_id", "agent_id"), on=["order_id", "agent_id"], how="anti")
        .with_columns(kind=pl.when(pl.col("start") < pl.col("created_at")).then(pl.lit("pre_order")).otherwise(pl.lit("follow_up")))
        .sort("start")
        .group_by("order_id", "agent_id")
        .agg(pl.all().first())
        .select("order_id", "customer_id", "agent_id", "kind", "start", "day", "credited_agent", "created_at", "paid_at")
        .sort("order_id", "agent_id")
    )
