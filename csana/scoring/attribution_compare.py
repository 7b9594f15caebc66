"""Attribution rules side by side: what each rule would credit, score and pay, before pay is published.

Who earns an order decides pay, and platforms disagree (docs/attribution.md). :func:`compare_rules`
computes a month under each rule asked for (:data:`csana.facts.credit.RULES`) with everything
else unchanged, and sets each against the shop's current rule (``attribution_rule`` of the
params):

``agents``
    one row per agent × rule: credited orders (``created_orders``: credited orders created in
    the month), ``sales_amount``, ``conv_final``, the score (``scheme``, ``total``, ``percent``,
    ``rank``, ``grade``) and ``total_pay``; then ``<column>_change`` = the value under the rule −
    the value under the current rule (``rank_change`` < 0: a better rank).
``orders``
    the orders created or paid in the month whose credit differs between the rules, for audit:
    order id, the customer as a pseudonym (never the raw id), times, amount, then one column per
    rule naming who earns it (``a01``; ``a01 + a02 (1/2 each)`` under split; ``—`` silent).
``summary``
    one row per rule: credited orders, silent orders, credited sales, total pay, and how many
    agents' pay and how many orders' credit differ from the current rule.

Rules need single orders (:attr:`Capability.ORDERS`): platform exports give per-agent totals
already credited by the platform's own rule, so they cannot be re-credited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from csana.errors import CsanaError
from csana.facts.credit import RULES
from csana.i18n import pick
from csana.ingest.dataset import Capability, Dataset
from csana.metrics.engine import IDENTITY, agent_metrics, attribution, latest_complete_month
from csana.params import MetricParams
from csana.periods import month_window
from csana.privacy import pseudonymise
from csana.scoring.scheme import Scheme
from csana.scoring.scorecard import score_schemes

RULE_LABELS = {
    "last_inquiry": ("下单前最后询单（下单判定）", "last inquiry before the order"),
    "first_inquiry": ("下单前首次询单", "first inquiry before the order"),
    "last_before_payment": ("付款前最后服务（付款判定）", "last reception before payment"),
    "split": ("询单客服平分", "split among the inquiry agents"),
}
METRICS = ("created_orders", "sales_amount", "conv_final")
SCORES = ("scheme", "total", "percent", "rank", "grade", "total_pay")
CHANGED = ("created_orders", "sales_amount", "conv_final", "total", "rank", "total_pay")
SILENT = "—"


def rule_label(rule: str, lang: str = "zh") -> str:
    """A rule's display name: 付款前最后服务（付款判定） / last reception before payment."""
    return pick(RULE_LABELS[rule], lang)


@dataclass(frozen=True)
class RuleComparison:
    """A month under several attribution rules (see the module docstring)."""

    month: str
    current: str
    """The shop's rule (``attribution_rule`` of the params): what every change is measured against."""
    rules: tuple[str, ...]
    agents: pl.DataFrame
    orders: pl.DataFrame
    summary: pl.DataFrame


def check_rules(rules: Sequence[str], current: str) -> tuple[str, ...]:
    """The rules to compare, in the order given, the current rule first when it was not named."""
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise CsanaError(f"unknown attribution rule(s): {', '.join(unknown)}", fix=f"use some of: {', '.join(RULES)}")
    chosen = tuple(dict.fromkeys(rules))
    return chosen if current in chosen else (current, *chosen)


def compare_rules(
    dataset: Dataset,
    month: str | None,
    schemes: Sequence[tuple[str, Scheme]],
    rules: Sequence[str] = RULES,
    params: MetricParams | None = None,
    targets: pl.DataFrame | None = None,
    salt: str | None = None,
    lang: str = "zh",
) -> RuleComparison:
    """The month under each of ``rules``: agents' credit, score and pay, and the orders whose credit moves.

    ``schemes``: (name, scheme) pairs, each agent scored by the first that applies to it (as the
    report does); ``salt`` keys the customers' pseudonyms (the chat-review sample's salt).
    """
    dataset.require(Capability.ORDERS, "comparing attribution rules")
    params = params or MetricParams.load()
    month = month or latest_complete_month(dataset, params)
    chosen = check_rules(rules, params.attribution_rule)
    manual = dataset["manual_scores"] if dataset.has("manual_scores") else None
    per_rule, credits = [], []
    for rule in chosen:
        ruled = params.with_overrides(attribution_rule=rule)
        metrics = agent_metrics(dataset, month, ruled)
        scored = score_schemes(metrics, schemes, targets, manual).select("agent_id", *SCORES)
        per_rule.append(metrics.select(*IDENTITY, *METRICS).join(scored, on="agent_id", how="left")
                        .with_columns(rule=pl.lit(rule)))
        credits.append(attribution(dataset, None, ruled).select(
            "order_id", "customer_id", "created_at", "paid_at", "amount", "credited_agents").with_columns(rule=pl.lit(rule)))
    agents = _with_changes(pl.concat(per_rule, how="diagonal_relaxed"), params.attribution_rule, chosen)
    orders = _changed_orders(pl.concat(credits), month, chosen, salt, lang)
    return RuleComparison(month, params.attribution_rule, chosen, agents, orders,
                          _summary(agents, pl.concat(credits), orders, month, params.attribution_rule, chosen))


def _with_changes(agents: pl.DataFrame, current: str, rules: tuple[str, ...]) -> pl.DataFrame:
    base = agents.filter(pl.col("rule") == current).select("agent_id", *[pl.col(c).alias(f"_base_{c}") for c in CHANGED])
    order = {rule: i for i, rule in enumerate(rules)}
    return (
        agents.join(base, on="agent_id", how="left")
        .with_columns([(pl.col(c) - pl.col(f"_base_{c}")).alias(f"{c}_change") for c in CHANGED])
        .with_columns(current=pl.col("rule") == current, _order=pl.col("rule").replace_strict(order, return_dtype=pl.Int64))
        .sort("_order", "agent_id")
        .select(*IDENTITY, "rule", "current", *METRICS, *SCORES, *[f"{c}_change" for c in CHANGED])
    )


def credit_text(agents: pl.Expr, lang: str) -> pl.Expr:
    """Who earns an order: 'a01', 'a01 + a02 (1/2 each)' / 'a01 + a02（各 1/2）', or — when silent."""
    n = agents.list.len()
    each = pl.format("（各 1/{}）" if lang == "zh" else " (1/{} each)", n)
    joined = agents.list.join(" + ")
    return pl.when(n == 0).then(pl.lit(SILENT)).when(n == 1).then(joined).otherwise(pl.concat_str(joined, each))


def _in_month(month: str) -> pl.Expr:
    window = month_window(month)
    return window.contains(pl.col("created_at").dt.date()) | window.contains(pl.col("paid_at").dt.date()).fill_null(False)


def _changed_orders(credits: pl.DataFrame, month: str, rules: tuple[str, ...], salt: str | None, lang: str) -> pl.DataFrame:
    month_credits = credits.filter(_in_month(month))
    changed = (
        month_credits.group_by("order_id")
        .agg(pl.col("credited_agents").n_unique().alias("_variants"))
        .filter(pl.col("_variants") > 1)
        .select("order_id")
    )
    wide = (
        month_credits.join(changed, on="order_id", how="semi")
        .with_columns(who=credit_text(pl.col("credited_agents"), lang))
        .pivot(on="rule", index=["order_id", "customer_id", "created_at", "paid_at", "amount"], values="who")
    )
    for rule in rules:
        if rule not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.String).alias(rule))
    return (
        wide.with_columns(customer=pseudonymise(pl.col("customer_id"), salt))
        .select("order_id", "customer", "created_at", "paid_at", "amount", *rules)
        .sort("created_at", "order_id")
    )


def _summary(agents: pl.DataFrame, credits: pl.DataFrame, orders: pl.DataFrame, month: str, current: str,
             rules: tuple[str, ...]) -> pl.DataFrame:
    created = credits.filter(month_window(month).contains(pl.col("created_at").dt.date()))
    silent = created.group_by("rule").agg(silent_orders=(pl.col("credited_agents").list.len() == 0).sum().cast(pl.Int64))
    moved = [(rule, orders.filter(pl.col(rule).ne_missing(pl.col(current))).height) for rule in rules]
    per_rule = agents.group_by("rule").agg(
        credited_orders=pl.col("created_orders").sum(),
        sales_amount=pl.col("sales_amount").sum(),
        total_pay=pl.col("total_pay").sum(),
        agents_paid_differently=(pl.col("total_pay_change").abs() >= 0.005).sum().cast(pl.Int64),
    )
    return (
        pl.DataFrame({"rule": list(rules), "current": [r == current for r in rules]})
        .join(per_rule, on="rule", how="left")
        .join(silent, on="rule", how="left")
        .join(pl.DataFrame(moved, schema=["rule", "orders_credited_differently"], orient="row"), on="rule", how="left")
        .with_columns(pl.col("silent_orders").fill_null(0))
        .select("rule", "current", "credited_orders", "silent_orders", "sales_amount", "total_pay",
                "agents_paid_differently", "orders_credited_differently")
    )
