"""Shop and team views of a month: group totals, the funnel, silent vs served orders, team statistics.

Group totals are evaluated like an agent's metrics, over measure rows keyed by the group
(:func:`csana.facts.Facts.rows` with ``by="team"`` or ``"shop"``). From raw logs a customer
served by two agents of a team is counted once in it; from a platform export people are
customer-days summed over agents (an export holds no customer ids to count once).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from csana.catalogue import COMPONENT_IDS, OUTPUT_IDS, PUBLIC_IDS
from csana.facts import SHOP, Facts, facts_of
from csana.facts.derived import derive
from csana.facts.export import benchmark_rows
from csana.ingest.dataset import Capability, Dataset
from csana.metrics.engine import agent_metrics, evaluate
from csana.metrics.provisional import provisional
from csana.params import MetricParams, resolve_params
from csana.periods import Period, month_window

FUNNEL_STAGES = (
    ("consult", "consult_customers", "咨询", "consulted"),
    ("received", "received_customers", "接待", "received"),
    ("inquiry", "inquiry_customers", "询单", "inquired"),
    ("ordered", "ordered_customers", "下单", "ordered"),
    ("paid", "conv_final_customers", "付款", "paid"),
)
SERVICE_KINDS = pl.DataFrame({"kind": ["served", "silent"], "zh": ["客服接待下单", "静默下单"], "en": ["CS-served", "silent"]})


@dataclass(frozen=True)
class ShopMetrics:
    """Shop-level results for one month.

    ``totals``: one row of every metric for the whole shop (customers counted once,
    whichever agents served them); ``teams``: the same per team; ``funnel``;
    ``service_value``: CS-served vs silent orders; ``team_stats``: mean and median
    of every per-agent metric per team and for the shop; ``provisional``; ``agents``: the
    month's :func:`~csana.metrics.engine.agent_metrics` behind ``team_stats`` (for callers that need
    them too, so they are not computed twice).
    """

    month: str
    totals: pl.DataFrame
    teams: pl.DataFrame
    funnel: pl.DataFrame
    service_value: pl.DataFrame
    team_stats: pl.DataFrame
    provisional: pl.DataFrame
    agents: pl.DataFrame


def group_metrics(dataset: Dataset, month: str, params: MetricParams, by: Literal["shop", "team"],
                  period: Period = "month") -> pl.DataFrame:
    """Metrics per team or for the whole shop (column ``by``), per month or per day (column month / date)."""
    frame = evaluate(facts_of(dataset, params).rows(month_window(month, period), by))
    name = "month" if period == "month" else "date"
    return frame.rename({"agent_id": by, "period": name}).select([by, name, *PUBLIC_IDS, *COMPONENT_IDS]).sort(by, name)


def funnel(row: dict[str, Any]) -> pl.DataFrame:
    """Funnel stages consult → received → inquiry → ordered → paid with each stage's loss.

    ``paid`` = inquiry customers whose credited order was paid within the conv_final
    window; ``rate`` = customers / the previous stage.
    """
    counts = [row.get(col) or 0 for _, col, _, _ in FUNNEL_STAGES]
    count_type = pl.Int64 if all(float(c).is_integer() for c in counts) else pl.Float64  # split credit: fractions
    counts = [int(c) if count_type == pl.Int64 else float(c) for c in counts]
    previous = [None, *counts[:-1]]
    return pl.DataFrame(
        {
            "stage": [s for s, *_ in FUNNEL_STAGES],
            "zh": [z for *_, z, _ in FUNNEL_STAGES],
            "en": [e for *_, e in FUNNEL_STAGES],
            "customers": counts,
            "loss": [None if p is None else p - c for p, c in zip(previous, counts)],
            "rate": [None if not p else c / p for p, c in zip(previous, counts)],
        },
        schema_overrides={"customers": count_type, "loss": count_type, "rate": pl.Float64},
    )


def service_value(facts: Facts, month: str, totals: pl.DataFrame) -> pl.DataFrame:
    """Orders paid in the month, CS-served (credited) vs silent (静默下单): count, buyers, amount, AOV.

    Without single orders (a platform export) the served side is the agents' sales and silent
    orders are unknown (null)."""
    if not facts.dataset.can(Capability.ORDERS):
        row = totals.row(0, named=True) if totals.height else {}
        return SERVICE_KINDS.with_columns(
            pl.Series("orders", [None, None], pl.Int64), pl.Series("buyers", [row.get("buyers"), None], pl.Int64),
            pl.Series("amount", [row.get("sales_amount"), None], pl.Float64), pl.Series("aov", [row.get("aov"), None], pl.Float64),
        )
    window = month_window(month)
    kind = pl.when(pl.col("credited_agent").is_null()).then(pl.lit("silent")).otherwise(pl.lit("served"))
    paid = derive(facts.dataset, facts.params).attribution.filter(
        pl.col("paid_at").is_not_null() & window.contains(pl.col("paid_at").dt.date()))
    counted = paid.group_by(kind.alias("kind")).agg(
        orders=pl.len().cast(pl.Int64), buyers=pl.col("customer_id").n_unique().cast(pl.Int64), amount=pl.col("amount").sum()
    )
    return (
        SERVICE_KINDS.join(counted, on="kind", how="left")
        .with_columns(pl.col("orders", "buyers").fill_null(0), pl.col("amount").fill_null(0.0))
        .with_columns(aov=pl.when(pl.col("buyers") > 0).then(pl.col("amount") / pl.col("buyers")))
    )


def team_stats(metrics: pl.DataFrame) -> pl.DataFrame:
    """Mean and median of every public metric over agents, per team and for the shop (team '*')."""
    numeric = [c for c in PUBLIC_IDS if metrics.schema[c].is_numeric()]
    shop = metrics.with_columns(team=pl.lit(SHOP))
    both = pl.concat([metrics.with_columns(pl.col("team").fill_null("—")), shop])
    stats = [
        both.group_by("team").agg([pl.col(c).mean() for c in numeric]).with_columns(stat=pl.lit("mean")),
        both.group_by("team").agg([pl.col(c).median() for c in numeric]).with_columns(stat=pl.lit("median")),
    ]
    return pl.concat(stats).select(["team", "stat", *numeric]).sort("team", "stat")


def shop_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> ShopMetrics:
    """Shop-level view of ``month``: totals, per-team totals, funnel, silent vs served, team stats."""
    params = resolve_params(params, overrides)
    facts = facts_of(dataset, params)
    month = month or facts.latest_month()
    agents = agent_metrics(dataset, month, params)
    totals = group_metrics(dataset, month, params, "shop")
    return ShopMetrics(
        month=month,
        totals=totals,
        teams=group_metrics(dataset, month, params, "team"),
        funnel=funnel(totals.row(0, named=True) if totals.height else {}),
        service_value=service_value(facts, month, totals),
        team_stats=team_stats(agents),
        provisional=provisional(dataset, month, params),
        agents=agents,
    )


def benchmark_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None) -> pl.DataFrame:
    """Peer benchmark rows of a platform export (同行同层优秀 …) of ``month``, combined like agents: one row per label."""
    facts = facts_of(dataset, resolve_params(params, {}))
    month = month or facts.latest_month()
    frame = evaluate(benchmark_rows(dataset, month_window(month)))
    return frame.rename({"agent_id": "label", "period": "month"}).select(["label", "month", *OUTPUT_IDS]).sort("label")
