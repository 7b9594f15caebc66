"""Derived tables: receptions, bursts (responses), inquiries, attribution, credits, assists (docs/inputs.md).

These are period-independent facts about the whole dataset; :mod:`csana.metrics.engine`
slices them into months or days. They are first-class and inspectable — an
auditor, a test and the chat-review sample all read them.

Terms (the building blocks of docs/inputs.md):

reception (接待)
    all messages between one agent and one customer on one calendar day, when at
    least one of them is from the customer. ``start`` is its first message.
filtered reception (接待过滤)
    a reception whose customer messages all match the filter rules (ads, spam,
    blacklisted ids). Counted as consultation, excluded from everything else.
burst
    a maximal run of consecutive customer messages; its response time runs from
    its first message to the next agent message (auto-replies count only when
    ``count_auto_reply``). Messages are ordered by ts, then customer → auto → agent,
    so a same-second reply is a 0 s response.
inquiry (询单)
    a received reception with no order by the customer in the ``postsale_days``
    before its start.
attribution, credits, assists
    which agents earn each order under ``attribution_rule`` and who assisted them:
    :mod:`csana.facts.credit` (rules, shares and assists are defined there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from csana.facts.credit import attribute, credit_rows, find_assists, with_credit_lists
from csana.facts.stored import StoredTables, derived_entry
from csana.ingest.dataset import Dataset
from csana.params import MetricParams, ServiceHours

SENDER_RANK = {"customer": 0, "auto": 1, "agent": 2}
CUSTOMER, AUTO, AGENT = 0, 1, 2
ASSIST_KINDS = {"pre_order": ("协助下单", "assisted before the order"), "follow_up": ("协助跟进", "followed up before payment")}
MICROS = 1_000_000


TABLES = ("receptions", "responses", "attribution", "credits", "assists")
"""The tables of :class:`Derived`."""


@dataclass(frozen=True, eq=False)
class Derived:
    """The derived tables of one dataset under one set of parameters (``tables``: by the names of TABLES;
    read from the load cache only when used, for a derived entry)."""

    tables: Mapping[str, pl.DataFrame]
    data_start: dt.date
    data_end: dt.date
    params: MetricParams

    @property
    def receptions(self) -> pl.DataFrame:
        return self.tables["receptions"]

    @property
    def responses(self) -> pl.DataFrame:
        return self.tables["responses"]

    @property
    def attribution(self) -> pl.DataFrame:
        """One row per order: its credited agent (null: silent), the rule, the window, sharers and assisting agents."""
        return self.tables["attribution"]

    @property
    def credits(self) -> pl.DataFrame:
        """One row per credited order × agent with its ``share`` (:func:`csana.facts.credit.credit_rows`)."""
        return self.tables["credits"]

    @property
    def assists(self) -> pl.DataFrame:
        return self.tables["assists"]


def derive(dataset: Dataset, params: MetricParams | None = None) -> Derived:
    """Build (once per dataset and params; cached on the dataset) every derived table.

    A dataset loaded through the load cache keeps its derived tables there too (a *derived
    entry*, :mod:`csana.ingest.cache`): a repeated run on unchanged files under the same params
    reads them back instead of deriving them.
    """
    params = params or MetricParams.load()
    key = ("derived", params)
    if key not in dataset.cache:
        dataset.cache[key] = _stored_derive(dataset, params)
    return dataset.cache[key]


def _stored_derive(dataset: Dataset, params: MetricParams) -> Derived:
    """The derived tables from the cache's derived entry of the dataset's load, else derived (and stored)."""
    entry = derived_entry(dataset, params)
    if entry is None:
        return _derive(dataset, params)
    store, key = entry
    if (hit := store.get_derived(key)) is not None:
        files, days = hit
        return Derived(StoredTables(files), dt.date.fromisoformat(days["data_start"]),
                       dt.date.fromisoformat(days["data_end"]), params)
    derived = _derive(dataset, params)
    store.put_derived(key, dict(derived.tables),
                      {"data_start": derived.data_start.isoformat(), "data_end": derived.data_end.isoformat()})
    return derived


def _derive(dataset: Dataset, params: MetricParams) -> Derived:
    messages = ordered_messages(dataset.messages.lazy(), params).collect()
    orders = dataset.orders.lazy()
    receptions, responses = reception_tables(messages.lazy(), params)
    receptions = mark_inquiries(receptions, orders, params).collect()
    responses = responses.collect()
    attribution = attribute(orders, receptions.lazy(), params)
    attribution = mark_repeat_buyers(attribution, params).collect()
    credits = credit_rows(attribution, receptions, params)
    assists = find_assists(attribution.lazy(), credits.lazy(), receptions.lazy()).collect()
    attribution = attribution.join(
        assists.group_by("order_id").agg(assisting_agents=pl.col("agent_id").unique().sort()), on="order_id", how="left"
    ).with_columns(pl.col("assisting_agents").fill_null(pl.lit([], dtype=pl.List(pl.String))))
    attribution = with_credit_lists(attribution, credits)
    start, end = data_span(dataset)
    tables = {"receptions": receptions, "responses": responses, "attribution": attribution, "credits": credits,
              "assists": assists}
    return Derived(tables, start, params.data_end or end, params)


def data_span(dataset: Dataset) -> tuple[dt.date, dt.date]:
    """First and last day with any timestamp (messages, orders created or paid)."""
    stamps = [dataset.messages["ts"], dataset.orders["created_at"], dataset.orders["paid_at"]]
    lows = [s.min() for s in stamps if s.len() and s.null_count() < s.len()]
    highs = [s.max() for s in stamps if s.len() and s.null_count() < s.len()]
    if not highs:
        from csana.errors import CsanaError

        raise CsanaError("the dataset holds no messages or orders", file=dataset.source)
    return min(lows).date(), max(highs).date()


def ordered_messages(messages: pl.LazyFrame, params: MetricParams) -> pl.LazyFrame:
    """Messages with day, sender rank and spam flag, in reception order, with reception ids.

    ``rec`` numbers receptions (agent × customer × day) in sort order; it is an
    internal join key only — outputs identify receptions by their columns. The order
    is (agent, customer) — as one packed key of categorical codes, whose arbitrary
    order changes no result — then time, then sender rank, then the order of the rows as
    read (messages of one pair, time and sender keep their file order). It is made by two eager
    single-key stable sorts (time·4+rank, skipped when the rows are in that order already, then
    the pair): faster than one 4-key sort, and the lazy optimiser would fuse them into a 2-key
    sort, so they run eagerly.
    agent_id and customer_id stay categorical here (the sorts move their codes, not their
    text); receptions and responses hold them as text again.
    """
    schema = messages.collect_schema()
    text = pl.col("text").fill_null("") if "text" in schema else pl.lit("")
    spam = pl.col("customer_id").is_in(list(params.filter.customers))
    if params.filter.keywords:
        spam = spam | text.str.contains("|".join(f"(?:{k})" for k in params.filter.keywords))
    code = {c: pl.col(c).to_physical().cast(pl.UInt64) for c in ("agent_id", "customer_id")}
    new_rec = ((pl.col("pair") != pl.col("pair").shift()) | (pl.col("day") != pl.col("day").shift())).fill_null(True)
    frame = (
        messages.select(
            pl.col("agent_id", "customer_id").cast(pl.Categorical), "ts",
            day=pl.col("ts").dt.date(),
            rank=pl.col("sender").replace_strict(SENDER_RANK, return_dtype=pl.Int8),
            spam=(pl.col("sender") == "customer") & spam,
        )
        .with_columns(pair=code["agent_id"] * (1 << 32) + code["customer_id"],
                      when=pl.col("ts").dt.epoch("us") * 4 + pl.col("rank"))
        .collect()
    )
    if not frame["when"].is_sorted():  # a chat log is mostly written in time order already
        frame = frame.sort("when", maintain_order=True)
    frame = frame.sort("pair", maintain_order=True)
    return (
        frame.lazy()
        .with_columns(new_rec=new_rec)
        .with_columns(rec=pl.col("new_rec").cum_sum())
        .drop("pair", "when")
    )


def reception_tables(messages: pl.LazyFrame, params: MetricParams) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Receptions (one row each) and responses (one row per customer burst)."""
    responses = burst_responses(messages, params).collect().lazy()
    per_reception = responses.group_by("rec").agg(
        first_response_s=pl.col("response_s").filter(pl.col("first") & pl.col("in_hours")).first(),
        slow_responses=((pl.col("response_s") > params.slow_response_s) & pl.col("in_hours")).sum().cast(pl.Int64),
    )
    gap_s = (pl.col("ts") - pl.col("ts").shift()).dt.total_microseconds() / MICROS
    kept_gap = pl.when(~pl.col("new_rec") & (gap_s <= params.max_gap_s)).then(gap_s).otherwise(0.0)
    receptions = (
        messages.with_columns(kept_gap=kept_gap)
        .group_by("rec")
        .agg(
            pl.col("agent_id", "customer_id").first().cast(pl.String),
            pl.col("day").first(),
            start=pl.col("ts").min(),
            end=pl.col("ts").max(),
            customer_msgs=(pl.col("rank") == CUSTOMER).sum().cast(pl.Int64),
            agent_msgs=(pl.col("rank") == AGENT).sum().cast(pl.Int64),
            auto_msgs=(pl.col("rank") == AUTO).sum().cast(pl.Int64),
            real_msgs=((pl.col("rank") == CUSTOMER) & ~pl.col("spam")).sum(),
            duration_s=pl.col("kept_gap").sum(),
        )
        .filter(pl.col("customer_msgs") > 0)
        .with_columns(filtered=pl.col("real_msgs") == 0)
        .with_columns(received=~pl.col("filtered"), replied=~pl.col("filtered") & (pl.col("agent_msgs") > 0))
        .join(per_reception, on="rec", how="left")
        .with_columns(pl.col("slow_responses").fill_null(0))
        .with_columns(slow=pl.col("received") & (pl.col("slow_responses") >= params.slow_min_count))
        .drop("real_msgs")
    )
    responses = responses.join(receptions.select("rec", "received"), on="rec", how="inner")
    return receptions, responses


def burst_responses(messages: pl.LazyFrame, params: MetricParams) -> pl.LazyFrame:
    """One row per customer burst with its response time (null when unanswered).

    Without ``count_auto_reply`` auto messages are dropped first, so they neither
    answer nor split bursts; with it they answer like an agent.
    """
    stream = messages if params.count_auto_reply else messages.filter(pl.col("rank") != AUTO)
    is_customer = pl.col("rank") == CUSTOMER
    first_in_rec = (pl.col("rec") != pl.col("rec").shift()).fill_null(True)
    burst_start = is_customer & (first_in_rec | ~is_customer.shift().fill_null(False))
    reply_ts = pl.when(~is_customer).then(pl.col("ts")).fill_null(strategy="backward")
    reply_rec = pl.when(~is_customer).then(pl.col("rec")).fill_null(strategy="backward")
    response = (reply_ts - pl.col("ts")).dt.total_microseconds() / MICROS
    return (
        stream.with_columns(
            burst_start=burst_start,
            response_s=pl.when(reply_rec == pl.col("rec")).then(response),
        )
        .filter(pl.col("burst_start"))
        .select(
            "rec", pl.col("agent_id", "customer_id").cast(pl.String), "day",
            start=pl.col("ts"),
            response_s=pl.col("response_s"),
            in_hours=in_service_hours(pl.col("ts"), params),
            first=(pl.col("rec") != pl.col("rec").shift()).fill_null(True),
        )
    )


def in_service_hours(ts: pl.Expr, params: MetricParams) -> pl.Expr:
    """Whether a timestamp's time of day falls within [start, end) of the service hours."""
    return within(ts, params.service_hours)


def within(ts: pl.Expr, window: ServiceHours) -> pl.Expr:
    """Whether a timestamp's time of day falls within the window of the day [start, end)."""
    if window.all_day:
        return pl.lit(True)
    time = ts.dt.time()
    return (time >= window.start) & (time < window.end)


def assessed_receptions(responses: pl.DataFrame, params: MetricParams) -> pl.DataFrame:
    """Per received reception (``rec``), how the platforms assess its first reply.

    ``reply_3min_allday``: its first customer burst was answered within ``reply_threshold_s``;
    ``assessed``: a burst started inside ``assess_window``, and ``reply_3min``: the first such
    burst was answered within ``reply_threshold_s``; ``answer_assessed`` / ``answer_30s``: the
    same for ``answer_window`` and ``answer_threshold_s``. An unanswered burst (no agent message
    after it that day) is never in time. Answers are the bursts' responses, so auto-replies count
    only with ``count_auto_reply``.
    """

    def first_inside(window: ServiceHours, threshold: float) -> tuple[pl.Expr, pl.Expr]:
        inside = within(pl.col("start"), window)
        first = pl.col("response_s").filter(inside).first()  # the bursts are in time order (below)
        return inside.any(), (first <= threshold).fill_null(False)

    assessed, reply_3min = first_inside(params.assess_window, params.reply_threshold_s)
    answer_assessed, answer_30s = first_inside(params.answer_window, params.answer_threshold_s)
    # one sort of the bursts by reception and start, then "first" within a group is the earliest:
    # 0.3 s at 10M messages where sorting each group's bursts inside the aggregation took 2.2 s
    return (
        responses.lazy().filter(pl.col("received"))
        .sort("rec", "start", maintain_order=True)
        .group_by("rec")
        .agg(
            reply_3min_allday=(pl.col("response_s").filter(pl.col("first")).first() <= params.reply_threshold_s).fill_null(False),
            assessed=assessed, reply_3min=reply_3min, answer_assessed=answer_assessed, answer_30s=answer_30s,
        )
        .collect()
    )


def mark_inquiries(receptions: pl.LazyFrame, orders: pl.LazyFrame, params: MetricParams) -> pl.LazyFrame:
    """Flag received receptions with no order by the customer in the postsale window before them."""
    created = orders.select("customer_id", last_order_at=pl.col("created_at")).sort("last_order_at")
    window = pl.duration(microseconds=int(params.postsale_days * 86400 * MICROS))
    return (
        receptions.sort("start")
        .join_asof(
            created, left_on="start", right_on="last_order_at", by="customer_id",
            strategy="backward", allow_exact_matches=False, check_sortedness=False,
        )
        .with_columns(
            inquiry=pl.col("received")
            & (pl.col("last_order_at").is_null() | ((pl.col("start") - pl.col("last_order_at")) > window))
        )
    )


def mark_repeat_buyers(attribution: pl.LazyFrame, params: MetricParams) -> pl.LazyFrame:
    """Flag paid orders whose customer paid another order within ``repeat_days`` after."""
    paid = attribution.filter(pl.col("paid_at").is_not_null())
    later = paid.select("customer_id", next_paid_at=pl.col("paid_at")).sort("next_paid_at")
    nxt = (
        paid.select("order_id", "customer_id", "paid_at").sort("paid_at")
        .join_asof(later, left_on="paid_at", right_on="next_paid_at", by="customer_id",
                   strategy="forward", allow_exact_matches=False, check_sortedness=False)
        .select("order_id", "next_paid_at")
    )
    horizon = pl.col("paid_at") + pl.duration(days=params.repeat_days)
    return attribution.join(nxt, on="order_id", how="left").with_columns(
        repeat=pl.col("next_paid_at").is_not_null() & (pl.col("next_paid_at") <= horizon)
    )
