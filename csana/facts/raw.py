"""The facts of raw logs: the derived tables sliced into periods, and every measure per agent × period.

For a :class:`~csana.periods.Window` the derived tables (receptions, responses,
attribution, assists: :mod:`csana.facts.derived`) are cut into the fact tables the
catalogue declares (:data:`csana.catalogue.FACT_TABLES`), each holding
``agent_id`` and ``period``; each measure is its catalogue expression evaluated by one
``group_by(agent_id, period)`` per fact table. Measures never filter, join or collect —
this module does, once. The result, one row per agent × period with every measure, is
what :func:`csana.metrics.engine.evaluate` turns into metrics (as it does for the rows of
a platform export).

``group`` maps agent_id to a group key (a team, or the whole shop) *before*
aggregation, so customers are counted once per group; assists are between agents and
do not exist inside a group.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csana.catalogue import MEASURES, SUM_DECIMALS, Measure
from csana.facts.derived import Derived, data_span, derive
from csana.ingest.dataset import Dataset
from csana.params import MetricParams
from csana.periods import Window, month_window, months_between

KEYS = ["agent_id", "period"]


def _in(frame: pl.DataFrame, day: pl.Expr, window: Window) -> pl.LazyFrame:
    return frame.lazy().filter(window.contains(day)).with_columns(period=window.period(day))


def regrouped(frame: pl.DataFrame, group: pl.Expr | None) -> pl.DataFrame:
    """The frame with agent_id replaced by its group key (unchanged when ``group`` is None)."""
    return frame if group is None else frame.with_columns(agent_id=group)


def period_facts(dataset: Dataset, derived: Derived, window: Window, group: pl.Expr | None = None) -> dict[str, pl.LazyFrame]:
    """One lazy fact table per catalogue fact table, restricted to the window (columns: FACT_TABLES)."""
    credited = regrouped(derived.credits, group)
    assists = derived.assists if group is None else derived.assists.clear()
    facts = {
        "contacts": contacts(regrouped(derived.receptions, group), credited, assists, window, derived.params.final_pay_days),
        "receptions": _in(regrouped(derived.receptions.filter(pl.col("received")), group), pl.col("day"), window),
        "responses": _in(
            regrouped(derived.responses.filter(pl.col("received") & pl.col("in_hours") & pl.col("response_s").is_not_null()), group),
            pl.col("day"), window,
        ),
        "sales": sales(per_group(credited, group).filter(pl.col("paid_at").is_not_null()), window),
        "created": _in(per_group(credited, group), pl.col("created_at").dt.date(), window).with_columns(
            paid=pl.col("paid_at").is_not_null()),
        "assists": _in(assists, pl.col("paid_at").dt.date(), window),
        "reminders": reminders(regrouped(dataset["reminders"], group), dataset.orders, window),
        "reviews": _in(regrouped(given_to_agent(dataset["reviews"], derived), group), pl.col("ts").dt.date(), window),
        "disputes": _in(regrouped(given_to_agent(dataset["disputes"], derived), group), pl.col("ts").dt.date(), window),
        "online": _in(regrouped(dataset["online"], group), pl.col("date"), window),
    }
    if "refund_amount" not in dataset.orders.columns:
        facts["sales"] = facts["sales"].with_columns(refund_amount=pl.lit(None, pl.Float64))
    if "low_quality" not in dataset["reviews"].columns:
        facts["reviews"] = facts["reviews"].with_columns(low_quality=pl.lit(None, pl.Boolean))
    return facts


def per_group(credited: pl.DataFrame, group: pl.Expr | None) -> pl.DataFrame:
    """Credits with one row per order × group key: the shares of a group's sharers summed.

    Only under ``split`` can an order have several credits; for an agent (``group`` None) or a
    single-agent rule the credits are returned as they are.
    """
    if group is None or credited.schema["share"] != pl.Float64:
        return credited
    keys = ["order_id", "agent_id"]
    rest = [c for c in credited.columns if c not in (*keys, "share", "credit_start", "credit_day")]
    return (
        credited.group_by(keys, maintain_order=True)
        .agg(pl.col(rest).first(), pl.col("credit_start", "credit_day").max(), share=pl.col("share").sum())
        .select(credited.columns)
    )


def sales(paid: pl.DataFrame, window: Window) -> pl.LazyFrame:
    """Credited orders paid in the window, amount, units and refund_amount as the agent's part (× share).

    A buyer (agent × period × customer) counts once, with the largest share the agent holds in
    the customer's orders (1 under single-agent rules): ``buyer_share`` on the buyer's first row
    (``buyer_first``), likewise ``repeat_share`` over the orders flagged repeat.
    """
    buyer = ["agent_id", "period", "customer_id"]
    share_if_repeat = pl.when(pl.col("repeat")).then(pl.col("share")).otherwise(0)
    if paid.schema["share"] == pl.Float64:  # split: the agent's part (whole shares leave the sums bit-identical)
        paid = paid.with_columns(pl.col("amount", "units", *(["refund_amount"] if "refund_amount" in paid.columns else []))
                                 * pl.col("share"))
    return _in(paid, pl.col("paid_at").dt.date(), window).with_columns(
        buyer_amount=pl.col("amount").sum().over(buyer),
        buyer_units=pl.col("units").cast(pl.Float64).sum().over(buyer),
        buyer_share=pl.col("share").max().over(buyer),
        repeat_share=share_if_repeat.max().over(buyer),
        buyer_first=pl.int_range(pl.len()).over(buyer) == 0,
    )


def contacts(receptions: pl.DataFrame, credited: pl.DataFrame, assists: pl.DataFrame, window: Window,
             final_pay_days: int) -> pl.LazyFrame:
    """One row per agent × period × customer with a reception: the flags behind people counts.

    ``ordered`` / ``conv_next_day`` / ``conv_final`` are credit shares (1 or 0 under
    single-agent rules): the largest share the agent holds in an order of the customer credited
    through a reception of the period — paid (for the conv_ flags) by the end of that
    reception's day + 1 / + final_pay_days — and only for an inquiry customer of the period. The
    shares of one order within a group (a team, the shop) add up first.
    ``conv_base``: an inquiry customer, unless the agent only assisted them (an assist
    reception in the period and no conv_final share of its own). ``credited``: the credits.
    """
    keys = ["agent_id", "period", "customer_id"]
    paid = pl.col("paid_at").is_not_null()
    shares = ["ordered", "conv_next_day", "conv_final"]
    share_if = [pl.lit(True), paid & paid_by(1), paid & paid_by(final_pay_days)]
    converted = (
        _in(credited, pl.col("credit_day"), window)
        .with_columns([pl.when(cond).then(pl.col("share")).otherwise(0).alias(c) for c, cond in zip(shares, share_if)])
        .group_by([*keys, "order_id"])  # a group's sharers of one order add up
        .agg(pl.col(shares).sum())
        .group_by(keys)
        .agg(pl.col(shares).max())
    )
    assisted = _in(assists, pl.col("day"), window).select(keys).unique().with_columns(assisted=pl.lit(True))
    return (
        _in(receptions, pl.col("day"), window)
        .group_by(keys)
        .agg(
            received=pl.col("received").any(),
            inquiry=pl.col("inquiry").any(),
            replied=pl.col("replied").any(),
            slow=pl.col("slow").any(),
        )
        .join(converted, on=keys, how="left")
        .join(assisted, on=keys, how="left")
        .with_columns(pl.col(shares).fill_null(0), pl.col("assisted").fill_null(False))
        .with_columns([pl.when(pl.col("inquiry")).then(pl.col(c)).otherwise(0).alias(c) for c in shares])
        .with_columns(conv_base=pl.col("inquiry") & (~pl.col("assisted") | (pl.col("conv_final") > 0)))
    )


def paid_by(days: int) -> pl.Expr:
    """Paid before the end of the credited reception's day + ``days``."""
    return pl.col("paid_at") < (pl.col("credit_day") + pl.duration(days=days + 1)).cast(pl.Datetime("us"))


def reminded_while_unpaid() -> pl.Expr:
    """A reminder (ts) sent at or after the order was created and before it was paid, if it was."""
    return (pl.col("ts") >= pl.col("created_at")) & (pl.col("paid_at").is_null() | (pl.col("ts") < pl.col("paid_at")))


def reminders(reminded: pl.DataFrame, orders: pl.DataFrame, window: Window) -> pl.LazyFrame:
    """One row per reminding agent × order created in the window that it reminded while unpaid."""
    orders = orders.lazy().select("order_id", "created_at", "paid_at")
    return (
        reminded.lazy()
        .join(orders, on="order_id", how="inner")
        .filter(reminded_while_unpaid() & window.contains(pl.col("created_at").dt.date()))
        .with_columns(period=window.period(pl.col("created_at").dt.date()))
        .group_by("agent_id", "period", "order_id")
        .agg(recovered=pl.col("paid_at").is_not_null().any())
    )


def given_to_agent(events: pl.DataFrame, derived: Derived) -> pl.DataFrame:
    """Reviews or disputes with an agent: their own agent_id, else the order's credited agent."""
    credit = derived.attribution.select("order_id", credited=pl.col("credited_agent"))  # under split: the lead
    own = pl.col("agent_id") if "agent_id" in events.columns else pl.lit(None, pl.String)
    return (
        events.join(credit, on="order_id", how="left")
        .with_columns(agent_id=pl.coalesce(own, pl.col("credited")))
        .filter(pl.col("agent_id").is_not_null())
    )


def available(m: Measure, dataset: Dataset) -> bool:
    """Whether the optional table (or column) a measure needs was given."""
    if m.requires is None:
        return True
    table, _, column = m.requires.partition(".")
    return dataset.has(table, column or None)


def _stable(m: Measure) -> pl.Expr:
    """A measure's expression, float sums rounded so they do not change from run to run (SUM_DECIMALS)."""
    return m.expr.round(SUM_DECIMALS) if m.agg == "sum" and m.dtype == pl.Float64 else m.expr


def measure_rows(dataset: Dataset, derived: Derived, window: Window, group: pl.Expr | None = None) -> pl.LazyFrame:
    """Every measure per agent (or ``group``) and period in the window: one row each.

    An agent with no rows in a fact table gets 0 for its counts and sums there, and no
    quantile; a measure whose optional input was not given is null for everyone.
    """
    facts = period_facts(dataset, derived, window, group)
    by_fact: dict[str, list[Measure]] = {}
    for m in MEASURES:
        by_fact.setdefault(m.fact, []).append(m)
    period_dtype = pl.String if window.by == "month" else pl.Date
    frame = pl.LazyFrame(schema={"agent_id": pl.String, "period": period_dtype})
    for fact, measures in by_fact.items():
        part = facts[fact].group_by(KEYS).agg([_stable(m).alias(m.id) for m in measures])
        frame = frame.join(part, on=KEYS, how="full", coalesce=True)
    return frame.with_columns(
        [pl.col(m.id).fill_null(0) for m in MEASURES if m.combinable and available(m, dataset)]
        + [pl.lit(None, m.dtype).alias(m.id) for m in MEASURES if not available(m, dataset)]
    )


# -- the data's months ------------------------------------------------------------------------


def months_with_data(derived: Derived) -> list[str]:
    """The months holding a reception or an order (created or paid), in order."""
    days = pl.concat([
        derived.receptions.select(day=pl.col("day")),
        derived.attribution.select(day=pl.col("created_at").dt.date()),
        derived.attribution.select(day=pl.col("paid_at").dt.date()).drop_nulls(),
    ])
    return days.select(pl.col("day").dt.strftime("%Y-%m").unique().sort())["day"].to_list()


def months_touched(dataset: Dataset) -> list[str]:
    """Every calendar month from the first to the last timestamp of messages and orders."""
    start, end = data_span(dataset)
    return months_between(start, end)


def data_end(dataset: Dataset, params: MetricParams) -> dt.date:
    """The last day the data covers (params.data_end, else the day of its latest timestamp)."""
    return derive(dataset, params).data_end


# -- the audit trail of credit ------------------------------------------------------------------


def attribution_table(dataset: Dataset, month: str | None, params: MetricParams) -> pl.DataFrame:
    """Each order (created in ``month``, or all) with its credited agent, the reception that earned it
    (credit_start, credit_day), the rule, the window, the assisting agents, and every agent sharing the
    credit (credited_agents) with each one's share (credit_share: 1, or 1/n under ``split``)."""
    table = derive(dataset, params).attribution
    if month is not None:
        table = table.filter(month_window(month).contains(pl.col("created_at").dt.date()))
    return table.select(
        "order_id", "customer_id", "created_at", "paid_at", "amount", "units", "credited_agent",
        "credit_start", "credit_day", "rule", "window_start", window_end=pl.col("created_at"),
        assisting_agents=pl.col("assisting_agents"), credited_agents=pl.col("credited_agents"),
        credit_share=pl.col("credit_share"),
    ).sort("created_at", "order_id")
