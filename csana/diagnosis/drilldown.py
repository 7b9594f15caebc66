"""Conversion drill-down (转化率下钻): where inquiries are lost, and what fixing it is worth.

:func:`conversion_drilldown` takes a raw dataset (chat logs + orders) and a month
and returns a :class:`Drilldown` of tables, each for the shop (``agent_id`` "*") and
per agent:

funnel
    consult → received → inquiry → ordered → paid (customers; the same columns as
    :func:`csana.agent_metrics` and the shop funnel of :func:`csana.shop_metrics`),
    with each stage's loss and its rate from the stage before.
by_response, by_hour
    conversion of *inquiry receptions* (one per agent × customer × day) by the
    reception's first-response-time bucket and by the hour it started. A reception
    converts when it earned the credit of an order paid by the end of its day +
    ``final_pay_days`` (conv_final's rule, per reception rather than per customer,
    and without leaving assisted customers out). Rates carry Wilson intervals.
response_trend
    the gradient of by_response: the change in conversion per bucket step (≤20s → 20–30s
    → …, unanswered receptions left out), per agent and for the shop, with its interval —
    the Cochran–Armitage slope b = Σ nᵢ(tᵢ − t̄)(pᵢ − p̄) / Σ nᵢ(tᵢ − t̄)² over buckets
    with scores tᵢ = 0, 1, 2, …, standard error √(p̄(1 − p̄) / Σ nᵢ(tᵢ − t̄)²). An
    interval wholly below 0 says slower first answers convert less; it does not say why
    (slow agents may also be weaker closers).
unpaid, reminder_effect
    orders created in the month: created, paid, unpaid, reminded (催付) and
    recovered (挽回) per agent; and whether reminders work, compared like with like at
    a landmark (:mod:`csana.diagnosis.reminders`: orders still unpaid
    ``unpaid_after_min`` minutes after creation, reminded by then vs not), next to the
    naive comparison that is biased by construction.
lost_reasons
    customers per 未成交原因 (when the lost_reasons table is given).
service_value
    CS-served vs silent (静默下单) orders and AOV.
opportunity
    for each agent the diagnosis finds weak on conversion or first response, an
    **estimate** of the extra paid customers and sales from reaching the team
    median: conversion: (median conv − agent conv) × conv_base_customers; first
    response: for each of the agent's inquiry receptions answered slower than the
    team's median first response, the shop's conversion in the median's bucket
    minus that in its own bucket (never below 0), summed; sales = extra paid
    customers × the agent's AOV (the team median AOV when the agent has none).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csana.diagnosis.findings import Diagnosis, diagnose
from csana.diagnosis.intervals import wilson, z_value
from csana.diagnosis.reminders import reminder_effect
from csana.diagnosis.rules import DiagnosticRules, load_rules
from csana.facts import SHOP
from csana.facts.derived import derive
from csana.facts.raw import paid_by
from csana.ingest.dataset import Capability, Dataset
from csana.metrics.engine import agent_metrics, latest_complete_month
from csana.metrics.shop import FUNNEL_STAGES, ShopMetrics, shop_metrics
from csana.params import MetricParams, resolve_params
from csana.periods import month_window
from csana.privacy import mask_text

NO_REPLY = "—"
"""Bucket of receptions whose first burst got no answer within service hours (shown as :data:`NO_REPLY_TEXT`)."""
NO_REPLY_TEXT = {"zh": "未回复", "en": "no reply"}
"""How the :data:`NO_REPLY` bucket is shown: never a bare dash, which reads as "no value"."""


@dataclass(frozen=True)
class Drilldown:
    """The tables of the conversion drill-down for one month (see the module docstring)."""

    month: str
    funnel: pl.DataFrame
    by_response: pl.DataFrame
    response_trend: pl.DataFrame
    by_hour: pl.DataFrame
    unpaid: pl.DataFrame
    reminder_effect: pl.DataFrame
    lost_reasons: pl.DataFrame
    service_value: pl.DataFrame
    opportunity: pl.DataFrame
    receptions: pl.DataFrame
    """The month's inquiry receptions with ``bucket``, ``hour`` and ``converted`` (for review and audit)."""


def conversion_drilldown(
    dataset: Dataset,
    month: str | None = None,
    params: MetricParams | None = None,
    *,
    rules: DiagnosticRules | str | Path | None = None,
    diagnosis: Diagnosis | None = None,
    lang: str = "zh",
    metrics: pl.DataFrame | None = None,
    shop: ShopMetrics | None = None,
) -> Drilldown:
    """The conversion drill-down of ``month`` (default: the latest complete month).

    ``metrics`` and ``shop`` are the month's :func:`agent_metrics` and :func:`shop_metrics` of ``dataset``
    with ``params``, when the caller has them already (the report's context): they are not computed again.
    """
    dataset.require(Capability.EVENTS, "the conversion drill-down")
    rules = rules if isinstance(rules, DiagnosticRules) else load_rules(rules)
    params = resolve_params(params, {})
    month = month or latest_complete_month(dataset, params)
    metrics = agent_metrics(dataset, month, params) if metrics is None else metrics
    shop = shop_metrics(dataset, month, params) if shop is None else shop
    diagnosis = diagnosis or diagnose(metrics, dataset, rules, lang=lang, params=params)
    z = z_value(rules.method.confidence)
    receptions = inquiry_receptions(dataset, month, params, rules.drilldown.response_buckets)
    by_response = conversion_by(receptions, ["bucket_order", "bucket"], z)
    return Drilldown(
        month=month,
        funnel=funnel(metrics, shop.totals),
        by_response=by_response,
        response_trend=response_trend(by_response, z),
        by_hour=conversion_by(receptions, ["hour"], z),
        unpaid=unpaid_orders(metrics, shop.totals, z),
        reminder_effect=reminder_effect(
            dataset.orders, dataset["reminders"], month_window(month), derive(dataset, params).data_end,
            landmark_min=rules.drilldown.unpaid_after_min, horizon_h=rules.drilldown.reminder_horizon_h, z=z, lang=lang,
        ),
        lost_reasons=lost_reasons(dataset, month),
        service_value=shop.service_value,
        opportunity=opportunity(metrics, diagnosis.findings.filter(pl.col("month").is_null() | (pl.col("month") == month)),
                                receptions, by_response, rules.drilldown.response_buckets, lang),
        receptions=receptions,
    )


def funnel(metrics: pl.DataFrame, totals: pl.DataFrame) -> pl.DataFrame:
    """The funnel per agent and for the shop, long: one row per agent × stage."""
    stages = pl.DataFrame(
        [(s, col, zh, en, i) for i, (s, col, zh, en) in enumerate(FUNNEL_STAGES)],
        schema=["stage", "column", "zh", "en", "order"], orient="row",
    )
    columns = stages["column"].to_list()
    agents = metrics.select("agent_id", "name", *columns)
    whole = totals.select(pl.lit(SHOP).alias("agent_id"), pl.lit(None, pl.String).alias("name"), *columns)
    previous = pl.col("customers").shift().over("agent_id", order_by="order")
    return (
        pl.concat([whole, agents.cast({c: pl.Int64 for c in columns})], how="vertical_relaxed")
        .unpivot(index=["agent_id", "name"], on=columns, variable_name="column", value_name="customers")
        .with_columns(pl.col("customers").fill_null(0).cast(pl.Int64))
        .join(stages, on="column")
        .with_columns(loss=previous - pl.col("customers"), rate=pl.when(previous > 0).then(pl.col("customers") / previous))
        .sort(pl.col("agent_id") != SHOP, "agent_id", "order")
        .select("agent_id", "name", "stage", "zh", "en", "customers", "loss", "rate")
    )


def bucket_labels(edges: tuple[float, ...]) -> list[str]:
    """'≤20s', '20–30s', …, '>120s' for the response buckets."""
    def fmt(x: float) -> str:
        return f"{x:g}"

    inner = [f"{fmt(a)}–{fmt(b)}s" for a, b in zip(edges, edges[1:])]
    return [f"≤{fmt(edges[0])}s", *inner, f">{fmt(edges[-1])}s"]


def bucket_text(bucket: str | None, lang: str) -> str:
    """A first-response bucket as shown in ``lang``: '≤20秒' / '≤20s'; the unanswered bucket 未回复 / no reply."""
    if bucket is None or bucket == NO_REPLY:
        return NO_REPLY_TEXT["zh" if lang == "zh" else "en"]
    return bucket[:-1] + "秒" if lang == "zh" and bucket.endswith("s") else bucket


def bucket_of(seconds: pl.Expr, edges: tuple[float, ...]) -> pl.Expr:
    """The bucket label of a response time (right-closed: 20 s is in ≤20s); null stays null."""
    index = pl.sum_horizontal([(seconds > edge).cast(pl.Int64) for edge in edges])
    labels = dict(enumerate(bucket_labels(edges)))
    return pl.when(seconds.is_not_null()).then(index.replace_strict(labels, return_dtype=pl.String))


def inquiry_receptions(dataset: Dataset, month: str, params: MetricParams, edges: tuple[float, ...]) -> pl.DataFrame:
    """The month's inquiry receptions: bucket of the first response, start hour, and whether they converted."""
    derived = derive(dataset, params)
    window = month_window(month)
    keys = ["agent_id", "customer_id", "start"]
    credit = (
        derived.credits.lazy()
        .filter(pl.col("paid_at").is_not_null() & paid_by(params.final_pay_days))
        .select("agent_id", "customer_id", pl.col("credit_start").alias("start"), amount=pl.col("amount") * pl.col("share"))
        .group_by(keys)
        .agg(pl.col("amount").sum())
        .with_columns(converted=pl.lit(True))
    )
    labels = bucket_labels(edges)
    order = {label: i for i, label in enumerate([*labels, NO_REPLY])}
    bucket = bucket_of(pl.col("first_response_s"), edges)
    return (
        derived.receptions.lazy()
        .filter(pl.col("inquiry") & window.contains(pl.col("day")))
        .join(credit, on=keys, how="left")
        .with_columns(pl.col("converted").fill_null(False), pl.col("amount").fill_null(0.0))
        .with_columns(bucket=bucket.fill_null(pl.lit(NO_REPLY)), hour=pl.col("start").dt.hour().cast(pl.Int64))
        .with_columns(bucket_order=pl.col("bucket").replace_strict(order, return_dtype=pl.Int64))
        .select("agent_id", "customer_id", "day", "start", "end", "first_response_s", "duration_s", "customer_msgs",
                "agent_msgs", "slow", "bucket", "bucket_order", "hour", "converted", "amount")
        .sort(keys)
        .collect()
    )


def conversion_by(receptions: pl.DataFrame, by: list[str], z: float) -> pl.DataFrame:
    """Receptions, conversions and the rate with its Wilson interval, per agent and for the shop, by ``by``."""
    both = pl.concat([receptions.with_columns(agent_id=pl.lit(SHOP)), receptions])
    low, high = wilson(pl.col("converted"), pl.col("receptions"), z)
    return (
        both.group_by("agent_id", *by)
        .agg(receptions=pl.len().cast(pl.Int64), converted=pl.col("converted").sum().cast(pl.Int64))
        .with_columns(rate=pl.col("converted") / pl.col("receptions"), ci_low=low, ci_high=high)
        .sort(pl.col("agent_id") != SHOP, "agent_id", *by)
    )


def response_trend(by_response: pl.DataFrame, z: float) -> pl.DataFrame:
    """Per agent and for the shop: the change in conversion per first-response bucket step, with its interval
    (the Cochran–Armitage slope, see the module docstring); null with fewer than two buckets answered."""
    answered = by_response.filter(pl.col("bucket") != NO_REPLY).with_columns(t=pl.col("bucket_order").cast(pl.Float64))
    n, x, t = pl.col("receptions").cast(pl.Float64), pl.col("converted").cast(pl.Float64), pl.col("t")
    t_bar = (n * t).sum() / n.sum()
    p_bar = x.sum() / n.sum()
    spread = (n * (t - t_bar) ** 2).sum()
    slope = ((x - n * p_bar) * (t - t_bar)).sum() / spread
    se = (p_bar * (1 - p_bar) / spread).sqrt()
    valid = spread > 0
    return (
        answered.group_by("agent_id", maintain_order=True)
        .agg(receptions=n.sum().cast(pl.Int64), buckets=pl.len().cast(pl.Int64),
             slope=pl.when(valid).then(slope), se=pl.when(valid).then(se))
        .with_columns(ci_low=pl.col("slope") - z * pl.col("se"), ci_high=pl.col("slope") + z * pl.col("se"))
        .drop("se")
    )


def unpaid_orders(metrics: pl.DataFrame, totals: pl.DataFrame, z: float) -> pl.DataFrame:
    """Credited orders created in the month: paid, unpaid, reminded and recovered, per agent and shop."""
    cols = ["created_orders", "created_paid_orders", "reminded_orders", "recovered_orders"]
    whole = totals.select(pl.lit(SHOP).alias("agent_id"), pl.lit(None, pl.String).alias("name"), *cols)
    low, high = wilson(pl.col("recovered_orders"), pl.col("reminded_orders"), z)
    return (
        pl.concat([whole, metrics.select("agent_id", "name", *cols)], how="vertical_relaxed")
        .with_columns(pl.col(cols).fill_null(0))  # created orders are fractional under split credit
        .with_columns(
            unpaid_orders=pl.col("created_orders") - pl.col("created_paid_orders"),
            recovery_rate=pl.when(pl.col("reminded_orders") > 0).then(pl.col("recovered_orders") / pl.col("reminded_orders")),
            ci_low=low, ci_high=high,
        )
        .select("agent_id", "name", "created_orders", "created_paid_orders", "unpaid_orders", "reminded_orders",
                "recovered_orders", "recovery_rate", "ci_low", "ci_high")
    )


def lost_reasons(dataset: Dataset, month: str) -> pl.DataFrame:
    """Customers per lost reason in the month, per agent and for the shop, with each reason's share.

    Reasons are free text typed by agents, so phone numbers or addresses in them are masked.
    """
    window = month_window(month)
    lost = dataset["lost_reasons"].filter(window.contains(pl.col("date"))).with_columns(reason=mask_text(pl.col("reason")))
    both = pl.concat([lost.with_columns(agent_id=pl.lit(SHOP)), lost])
    return (
        both.group_by("agent_id", "reason")
        .agg(customers=pl.col("customer_id").n_unique().cast(pl.Int64))
        .with_columns(share=pl.col("customers") / pl.col("customers").sum().over("agent_id"))
        .sort(pl.col("agent_id") != SHOP, "agent_id", pl.col("customers"), "reason", descending=[False, False, True, False])
    )


METHODS = {
    "conversion": (
        "估算: (团队中位转化率 − 本人转化率) × 询单人数(除协助) = 可增加的付款人数; × 本人客单价 = 可增加的销售额",
        "estimate: (team median conversion − agent conversion) × inquiry customers (less assisted) = extra paid "
        "customers; × the agent's AOV = extra sales",
    ),
    "first_response": (
        "估算: 本人首次响应慢于团队中位数的每个询单接待, 按全店在中位数所在响应区间的转化率与其自身区间转化率之差(负值计0)累加 "
        "= 可增加的付款人数; × 本人客单价 = 可增加的销售额",
        "estimate: for each of the agent's inquiry receptions answered slower than the team median first response, the "
        "shop's conversion in the median's bucket minus that in its own bucket (negative counted as 0), summed = extra "
        "paid customers; × the agent's AOV = extra sales",
    ),
}
OPPORTUNITY_SCHEMA: dict[str, pl.DataType] = {
    "agent_id": pl.String, "name": pl.String, "lever": pl.String, "metric": pl.String, "current": pl.Float64,
    "target": pl.Float64, "base": pl.Int64, "extra_paid": pl.Float64, "aov": pl.Float64, "extra_sales": pl.Float64,
    "estimate": pl.Boolean, "method": pl.String,
}


def opportunity(metrics: pl.DataFrame, findings: pl.DataFrame, receptions: pl.DataFrame, by_response: pl.DataFrame,
                edges: tuple[float, ...], lang: str) -> pl.DataFrame:
    """Estimated worth of reaching the team median, for agents with weak ``findings`` on conversion or first response."""
    pick = 0 if lang == "zh" else 1
    aov = metrics.select("agent_id", aov=pl.coalesce(pl.col("aov"), pl.col("aov").median()))
    weak = findings.filter((pl.col("status") == "weak") & pl.col("team_median").is_not_null())
    conv = (
        weak.filter((pl.col("metric") == "conv_final") & (pl.col("value") < pl.col("team_median")))
        .unique("agent_id", keep="first")
        .select("agent_id", "name", "metric", current="value", target="team_median", base="n",
                extra_paid=(pl.col("team_median") - pl.col("value")) * pl.col("n"))
        .with_columns(lever=pl.lit("conversion"), method=pl.lit(METHODS["conversion"][pick]))
    )
    slow = weak.filter((pl.col("metric") == "first_response_s") & (pl.col("value") > pl.col("team_median"))).unique(
        "agent_id", keep="first"
    )
    shop_rates = by_response.filter(pl.col("agent_id") == SHOP).select("bucket", "rate")
    response = response_uplift(slow, receptions, shop_rates, edges).with_columns(
        lever=pl.lit("first_response"), method=pl.lit(METHODS["first_response"][pick])
    )
    return (
        pl.concat([conv, response], how="diagonal_relaxed")
        .join(aov, on="agent_id", how="left")
        .with_columns(extra_sales=pl.col("extra_paid") * pl.col("aov"), estimate=pl.lit(True))
        .select(list(OPPORTUNITY_SCHEMA))
        .cast(OPPORTUNITY_SCHEMA)  # type: ignore[arg-type]
        .sort("agent_id", "lever")
    )


def response_uplift(slow: pl.DataFrame, receptions: pl.DataFrame, shop_rates: pl.DataFrame,
                    edges: tuple[float, ...]) -> pl.DataFrame:
    """Per slow agent: receptions answered slower than the team median, and the conversions gained had they been
    answered in the median's bucket (the shop's rate there minus the rate in their own bucket, at least 0)."""
    rate = dict(zip(shop_rates["bucket"], shop_rates["rate"]))
    as_rate = lambda col: pl.col(col).replace_strict(rate, default=None, return_dtype=pl.Float64)  # noqa: E731
    return (
        receptions.join(slow.select("agent_id", "name", "metric", current="value", target="team_median"), on="agent_id")
        .filter(pl.col("first_response_s") > pl.col("target"))
        .with_columns(target_bucket=bucket_of(pl.col("target"), edges))
        .with_columns(gain=(as_rate("target_bucket") - as_rate("bucket")).clip(lower_bound=0.0).fill_null(0.0))
        .group_by("agent_id", "name", "metric", "current", "target")
        .agg(base=pl.len().cast(pl.Int64), extra_paid=pl.col("gain").sum())
    )
