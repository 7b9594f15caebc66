"""Chat-review sample (抽查聊天记录): conversations to read in training, with identities masked.

For each agent the diagnosis finds weak (on a rule with an agent-owned action —
traffic alone is not reviewed), :func:`review_sample` picks:

lost inquiries (``lost_inquiry``)
    inquiry receptions of the month that earned no paid order (conv_final's rule,
    see :mod:`csana.diagnosis.drilldown`), the most engaged first (most customer messages):
    the customer asked a lot and still did not buy. Not for after-sales agents (role
    ``aftersales``): they do not sell, and their "inquiries" are questions of customers whose
    order lies further back than postsale_days;
slow receptions (``slow``)
    received receptions with at least ``slow_min_count`` responses slower than
    ``slow_response_s``, the most slow responses first, then the slowest first answer;

and, for the whole team, the best conversions (``best``) to copy: converted inquiry
receptions answered fastest, then shortest, at most one per agent until every agent
has had one.

Each row carries the reception's facts and, unless excerpts are switched off, the
first ``max_messages`` messages as "HH:MM:SS 顾客: …" lines, passed through
:func:`csana.privacy.mask_text`. Customer ids are replaced by salted pseudonyms
(:func:`csana.privacy.pseudonymise`). Message text is raw otherwise: HTML
presenters must escape it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csana.diagnosis.drilldown import inquiry_receptions
from csana.diagnosis.findings import Diagnosis, diagnose
from csana.diagnosis.rules import DiagnosticRules, load_rules
from csana.facts.derived import derive
from csana.ingest.dataset import Capability, Dataset
from csana.metrics.engine import agent_metrics, latest_complete_month
from csana.params import MetricParams, resolve_params
from csana.periods import month_window
from csana.privacy import mask_text, pseudonymise

KINDS = {
    "lost_inquiry": ("未成交询单", "lost inquiry"),
    "slow": ("慢响应接待", "slow reception"),
    "best": ("优秀成交示例", "best conversion"),
}
SENDERS = {"customer": ("顾客", "customer"), "agent": ("客服", "agent"), "auto": ("自动回复", "auto-reply")}
SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String, "kind_label": pl.String, "agent_id": pl.String, "name": pl.String, "customer": pl.String,
    "day": pl.Date, "start": pl.Datetime("us"), "first_response_s": pl.Float64, "slow_responses": pl.Int64,
    "duration_s": pl.Float64, "customer_msgs": pl.Int64, "agent_msgs": pl.Int64, "converted": pl.Boolean,
    "amount": pl.Float64, "excerpt": pl.String,
}


def review_sample(
    dataset: Dataset,
    diagnosis: Diagnosis | None = None,
    month: str | None = None,
    params: MetricParams | None = None,
    *,
    rules: DiagnosticRules | str | Path | None = None,
    excerpts: bool | None = None,
    salt: str | None = None,
    lang: str = "zh",
) -> pl.DataFrame:
    """The chat-review sample of ``month``: rows of SAMPLE_SCHEMA, weak agents first, then the best examples.

    ``excerpts`` (default: the rules' review.excerpts) False leaves message text out
    entirely; ``salt`` (default: review.salt, then $CSANA_SALT) keys the pseudonyms.
    """
    dataset.require(Capability.EVENTS, "the chat-review sample")
    rules = rules if isinstance(rules, DiagnosticRules) else load_rules(rules)
    params = resolve_params(params, {})
    month = month or latest_complete_month(dataset, params)
    if diagnosis is None:
        diagnosis = diagnose(agent_metrics(dataset, month, params), dataset, rules, lang=lang, params=params)
    review = rules.review
    inquiries = inquiry_receptions(dataset, month, params, rules.drilldown.response_buckets)
    window = month_window(month)
    received = derive(dataset, params).receptions.filter(pl.col("received") & window.contains(pl.col("day")))
    weak = reviewable_agents(diagnosis, rules)
    picked = pl.concat(
        [
            lost_inquiries(inquiries, sellers(diagnosis, weak), review.per_agent),
            slow_receptions(received, weak, review.per_agent),
            best_conversions(inquiries, review.best),
        ],
        how="diagonal_relaxed",
    )
    names = diagnosis.findings.select("agent_id", "name").unique("agent_id")
    pick = 0 if lang == "zh" else 1
    sample = (
        picked.join(names, on="agent_id", how="left")
        .with_columns(kind_label=pl.col("kind").replace_strict({k: v[pick] for k, v in KINDS.items()},
                                                              return_dtype=pl.String))
    )
    show = review.excerpts if excerpts is None else excerpts
    text = excerpt_lines(dataset, sample, review.max_messages, lang) if show and dataset.has("messages", "text") else None
    if text is not None:
        sample = sample.join(text, on=["agent_id", "customer_id", "day"], how="left")
    else:
        sample = sample.with_columns(excerpt=pl.lit(None, pl.String))
    return (
        sample.with_columns(customer=pseudonymise(pl.col("customer_id"), review.salt if salt is None else salt))
        .with_columns([pl.lit(None, t).alias(c) for c, t in SAMPLE_SCHEMA.items() if c not in sample.columns
                       and c != "customer"])
        .select(list(SAMPLE_SCHEMA))
        .cast(SAMPLE_SCHEMA)  # type: ignore[arg-type]
    )


def reviewable_agents(diagnosis: Diagnosis, rules: DiagnosticRules) -> list[str]:
    """Agents weak on at least one rule with an action the agent owns (traffic alone is not reviewed)."""
    own = {rid for rid, r in rules.rules.items() if any(rules.actions[a].owner == "agent" for a in r.actions)}
    return sorted(diagnosis.weak.filter(pl.col("rule").is_in(list(own)))["agent_id"].unique().to_list())


def sellers(diagnosis: Diagnosis, agents: list[str]) -> list[str]:
    """Those of ``agents`` who sell: every agent but the after-sales ones (an unknown role counts as selling)."""
    after = set(diagnosis.findings.filter(pl.col("role") == "aftersales")["agent_id"].to_list())
    return [a for a in agents if a not in after]


def _first_per_agent(frame: pl.DataFrame, agents: list[str], order: list[pl.Expr | str], descending: list[bool],
                     n: int, kind: str) -> pl.DataFrame:
    return (
        frame.filter(pl.col("agent_id").is_in(agents))
        .sort(["agent_id", *order, "start", "customer_id"], descending=[False, *descending, False, False])
        .group_by("agent_id", maintain_order=True)
        .head(n)
        .with_columns(kind=pl.lit(kind))
    )


def lost_inquiries(inquiries: pl.DataFrame, agents: list[str], n: int) -> pl.DataFrame:
    """Per agent, the ``n`` most engaged inquiry receptions that earned no paid order."""
    lost = inquiries.filter(~pl.col("converted"))
    return _first_per_agent(lost, agents, ["customer_msgs"], [True], n, "lost_inquiry")


def slow_receptions(received: pl.DataFrame, agents: list[str], n: int) -> pl.DataFrame:
    """Per agent, the ``n`` slow receptions with the most slow responses, then the slowest first answer."""
    slow = received.filter(pl.col("slow")).select(
        "agent_id", "customer_id", "day", "start", "first_response_s", "slow_responses", "duration_s",
        "customer_msgs", "agent_msgs",
    )
    return _first_per_agent(slow, agents, ["slow_responses", pl.col("first_response_s").fill_null(0.0)],
                            [True, True], n, "slow")


def best_conversions(inquiries: pl.DataFrame, n: int) -> pl.DataFrame:
    """The team's ``n`` best conversions: fastest first answer, then shortest; each agent once before any twice."""
    done = inquiries.filter(pl.col("converted") & pl.col("first_response_s").is_not_null())
    ranked = done.sort("first_response_s", "duration_s", "start", "customer_id").with_columns(
        turn=pl.int_range(pl.len()).over("agent_id")
    )
    return ranked.sort("turn", "first_response_s", "duration_s", "start", "customer_id").head(n).drop("turn").with_columns(
        kind=pl.lit("best")
    )


def excerpt_lines(dataset: Dataset, sample: pl.DataFrame, max_messages: int, lang: str) -> pl.DataFrame:
    """The first ``max_messages`` messages of each sampled reception as one masked text, keyed by reception."""
    pick = 0 if lang == "zh" else 1
    keys = sample.select("agent_id", "customer_id", "day").unique()
    sender = pl.col("sender").replace_strict({k: v[pick] for k, v in SENDERS.items()}, default=pl.col("sender"),
                                             return_dtype=pl.String)
    line = pl.format("{} {}: {}", pl.col("ts").dt.strftime("%H:%M:%S"), sender,
                     mask_text(pl.col("text").fill_null(""), lang))
    rank = {"customer": 0, "auto": 1, "agent": 2}
    return (
        dataset.messages.lazy()
        .with_columns(day=pl.col("ts").dt.date())
        .join(keys.lazy(), on=["agent_id", "customer_id", "day"], how="semi")
        .with_columns(_rank=pl.col("sender").replace_strict(rank, default=3, return_dtype=pl.Int8))
        .sort("agent_id", "customer_id", "ts", "_rank")
        .group_by("agent_id", "customer_id", "day", maintain_order=True)
        .head(max_messages)
        .group_by("agent_id", "customer_id", "day", maintain_order=True)
        .agg(excerpt=line.str.join("\n"))
        .collect()
    )
