"""The metric engine: slice the derived tables into periods and evaluate the catalogue.

For a period (a month, or each day of a month) the engine builds one small *fact
table* per source named in :mod:`csana.metrics.catalogue` (contacts, receptions, responses,
sales, …), each holding ``agent_id`` and ``period``; every aggregate metric is its
catalogue expression evaluated by one ``group_by(agent_id, period).agg(...)`` per
source; ratio and derived metrics are then computed over those columns. Metrics
never filter, join or collect — this module does, once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from csana.errors import CsanaError
from csana.facts.derived import Derived, derive
from csana.ingest.dataset import Dataset
from csana.metrics.catalogue import METRICS, PUBLIC_IDS, Metric
from csana.params import MetricParams
from csana.periods import LAST_YEAR, Period, Window, month_window, previous_month  # noqa: F401  (re-exported)

IDENTITY = ("agent_id", "name", "team", "role")
COMPONENT_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if not m.public)


def resolve_params(params: MetricParams | None, overrides: dict[str, Any]) -> MetricParams:
    """The params to use: the given object (or params/metrics.yaml) with per-call overrides."""
    base = params if params is not None else MetricParams.load()
    return base.with_overrides(**overrides) if overrides else base


def months_with_data(derived: Derived) -> list[str]:
    """The months holding a reception or an order (created or paid), in order."""
    days = pl.concat([
        derived.receptions.select(day=pl.col("day")),
        derived.attribution.select(day=pl.col("created_at").dt.date()),
        derived.attribution.select(day=pl.col("paid_at").dt.date()).drop_nulls(),
    ])
    return days.select(pl.col("day").dt.strftime("%Y-%m").unique().sort())["day"].to_list()


def latest_complete_month(dataset: Dataset, params: MetricParams | None = None) -> str:
    """The latest month with data that the data covers to its last day (else the latest month with data)."""
    if dataset.kind == "export":
        from csana.facts.export import latest_export_month

        return latest_export_month(dataset)
    derived = derive(dataset, resolve_params(params, {}))
    months = [m for m in months_with_data(derived) if int(m[:4]) <= LAST_YEAR]
    if not months:
        raise CsanaError("the data holds no measurable month", file=dataset.source, fix="check the timestamps")
    complete = [m for m in months if month_window(m).end - dt.timedelta(days=1) <= derived.data_end]
    return (complete or months)[-1]


# -- fact tables --------------------------------------------------------------------------


def _in(frame: pl.DataFrame, day: pl.Expr, window: Window) -> pl.LazyFrame:
    return frame.lazy().filter(window.contains(day)).with_columns(period=window.period(day))


def period_facts(dataset: Dataset, derived: Derived, window: Window, group: pl.Expr | None = None) -> dict[str, pl.LazyFrame]:
    """One lazy fact table per catalogue source, restricted to the window.

    ``group`` maps agent_id to a group key (a team, or the whole shop) *before*
    aggregation, so people are counted once per group; assists are between
    agents and do not exist inside a group.
    """
    attribution = derived.attribution.filter(pl.col("credited_agent").is_not_null())
    credited = regrouped(attribution.rename({"credited_agent": "agent_id"}), group)
    assists = derived.assists if group is None else derived.assists.clear()
    facts = {
        "contacts": contacts(regrouped(derived.receptions, group), credited, assists, window, derived.params.final_pay_days),
        "receptions": _in(regrouped(derived.receptions.filter(pl.col("received")), group), pl.col("day"), window),
        "responses": _in(
            regrouped(derived.responses.filter(pl.col("received") & pl.col("in_hours") & pl.col("response_s").is_not_null()), group),
            pl.col("day"), window,
        ),
        "sales": _in(credited.filter(pl.col("paid_at").is_not_null()), pl.col("paid_at").dt.date(), window),
        "created": _in(credited, pl.col("created_at").dt.date(), window).with_columns(paid=pl.col("paid_at").is_not_null()),
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


def regrouped(frame: pl.DataFrame, group: pl.Expr | None) -> pl.DataFrame:
    """The frame with agent_id replaced by its group key (unchanged when ``group`` is None)."""
    return frame if group is None else frame.with_columns(agent_id=group)


def contacts(receptions: pl.DataFrame, credited: pl.DataFrame, assists: pl.DataFrame, window: Window,
             final_pay_days: int) -> pl.LazyFrame:
    """One row per agent × period × customer with a reception: the flags behind people counts.

    ``conv_next_day`` / ``conv_final``: the customer has an order credited to the
    agent through an inquiry reception in the period, paid by the end of that
    reception's day + 1 / + final_pay_days. ``conv_base``: an inquiry customer,
    unless the agent only assisted them (an assist reception in the period and
    not in the agent's own conv_final numerator). ``credited``: orders with their
    credited agent as agent_id.
    """
    keys = ["agent_id", "period", "customer_id"]
    converted = (
        _in(credited, pl.col("credit_day"), window)
        .group_by(keys)
        .agg(
            ordered=pl.lit(True),
            conv_next_day=(pl.col("paid_at").is_not_null() & paid_by(1)).any(),
            conv_final=(pl.col("paid_at").is_not_null() & paid_by(final_pay_days)).any(),
        )
    )
    assisted = _in(assists, pl.col("day"), window).select(keys).unique().with_columns(assisted=pl.lit(True))
    flags = ["ordered", "conv_next_day", "conv_final", "assisted"]
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
        .with_columns(pl.col(flags).fill_null(False))
        .with_columns(conv_base=pl.col("inquiry") & (~pl.col("assisted") | pl.col("conv_final")))
    )


def paid_by(days: int) -> pl.Expr:
    """Paid before the end of the credited reception's day + ``days``."""
    return pl.col("paid_at") < (pl.col("credit_day") + pl.duration(days=days + 1)).cast(pl.Datetime("us"))


def reminders(reminded: pl.DataFrame, orders: pl.DataFrame, window: Window) -> pl.LazyFrame:
    """One row per reminding agent × order created in the window that it reminded while unpaid."""
    orders = orders.lazy().select("order_id", "created_at", "paid_at")
    unpaid_then = (pl.col("ts") >= pl.col("created_at")) & (pl.col("paid_at").is_null() | (pl.col("ts") < pl.col("paid_at")))
    return (
        reminded.lazy()
        .join(orders, on="order_id", how="inner")
        .filter(unpaid_then & window.contains(pl.col("created_at").dt.date()))
        .with_columns(period=window.period(pl.col("created_at").dt.date()))
        .group_by("agent_id", "period", "order_id")
        .agg(recovered=pl.col("paid_at").is_not_null().any())
    )


def given_to_agent(events: pl.DataFrame, derived: Derived) -> pl.DataFrame:
    """Reviews or disputes with an agent: their own agent_id, else the order's credited agent."""
    credit = derived.attribution.select("order_id", credited=pl.col("credited_agent"))
    own = pl.col("agent_id") if "agent_id" in events.columns else pl.lit(None, pl.String)
    return (
        events.join(credit, on="order_id", how="left")
        .with_columns(agent_id=pl.coalesce(own, pl.col("credited")))
        .filter(pl.col("agent_id").is_not_null())
    )


# -- evaluation -----------------------------------------------------------------------------


def evaluate(dataset: Dataset, derived: Derived, window: Window, group: pl.Expr | None = None) -> pl.DataFrame:
    """Every catalogue metric per agent (or per ``group``, see period_facts) and period in the window."""
    facts = period_facts(dataset, derived, window, group)
    keys = ["agent_id", "period"]
    by_source: dict[str, list[Metric]] = {}
    for m in METRICS:
        if m.source != "derived":
            by_source.setdefault(m.source, []).append(m)
    parts = [facts[source].group_by(keys).agg([m.compute() for m in ms]) for source, ms in by_source.items()]
    period_dtype = pl.String if window.by == "month" else pl.Date
    frame = pl.LazyFrame(schema={"agent_id": pl.String, "period": period_dtype})
    for part in parts:
        frame = frame.join(part, on=keys, how="full", coalesce=True)
    frame = frame.with_columns(
        [pl.col(m.id).fill_null(0) for ms in by_source.values() for m in ms if m.zero_when_absent]
    )
    for m in METRICS:
        if m.source == "derived":
            frame = frame.with_columns(m.compute())
    frame = frame.with_columns([pl.lit(None, pl.Float64).alias(m.id) for m in METRICS if not available(m, dataset)])
    return frame.collect()


def available(m: Metric, dataset: Dataset) -> bool:
    """Whether the optional table (or column) a metric needs was given."""
    if m.requires is None:
        return True
    table, _, column = m.requires.partition(".")
    return dataset.has(table, column or None)


def with_identity(frame: pl.DataFrame, dataset: Dataset, period_name: str) -> pl.DataFrame:
    """Add name/team/role from the agents table and order the columns canonically."""
    agents = dataset["agents"]
    info = agents.select(["agent_id", *[c for c in IDENTITY[1:] if c in agents.columns]])
    frame = frame.join(info, on="agent_id", how="left")
    missing = [pl.lit(None, pl.String).alias(c) for c in IDENTITY[1:] if c not in frame.columns]
    return (
        frame.with_columns(missing)
        .rename({"period": period_name})
        .select([*IDENTITY, period_name, *PUBLIC_IDS, *COMPONENT_IDS])
        .sort(period_name, "agent_id")
    )


def _raw_metrics(dataset: Dataset, month: str | None, params: MetricParams | None, overrides: dict, by: Period) -> pl.DataFrame:
    params = resolve_params(params, overrides)
    derived = derive(dataset, params)
    month = month or latest_complete_month(dataset, params)
    window = month_window(month, by)
    frame = evaluate(dataset, derived, window)
    if frame.height == 0:
        raise CsanaError(
            f"no receptions or orders in {month}; the data covers {derived.data_start} … {derived.data_end}",
            file=dataset.source, fix=f"choose a month with data: {', '.join(months_with_data(derived))}",
        )
    return with_identity(frame, dataset, "month" if by == "month" else "date")


def agent_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """One row per agent active in ``month`` with every metric of spec 1 §3.

    Columns: agent_id, name, team, role, month, the public metric ids in catalogue
    order, then the components behind the ratios. ``month=None`` takes the data's
    latest complete month. Keyword overrides replace single params
    (``agent_metrics(ds, "2026-10", slow_response_s=120)``).
    """
    if dataset.kind == "export":
        from csana.facts.export import aggregate_export

        return aggregate_export(dataset, month)
    return _raw_metrics(dataset, month, params, overrides, "month")


def agent_daily_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """The same metrics per agent per day of ``month`` (column ``date``), for trends and daily monitoring."""
    if dataset.kind == "export":
        from csana.facts.export import daily_export

        return daily_export(dataset, month)
    return _raw_metrics(dataset, month, params, overrides, "day")


# -- shop level ------------------------------------------------------------------------------

SHOP = "*"
FUNNEL_STAGES = (
    ("consult", "consult_customers", "咨询", "consulted"),
    ("received", "received_customers", "接待", "received"),
    ("inquiry", "inquiry_customers", "询单", "inquired"),
    ("ordered", "ordered_customers", "下单", "ordered"),
    ("paid", "conv_final_customers", "付款", "paid"),
)


@dataclass(frozen=True)
class ShopMetrics:
    """Shop-level results for one month.

    ``totals``: one row of every metric for the whole shop (customers counted once,
    whichever agents served them); ``teams``: the same per team; ``funnel``;
    ``service_value``: CS-served vs silent orders; ``team_stats``: mean and median
    of every per-agent metric per team and for the shop; ``provisional``.
    """

    month: str
    totals: pl.DataFrame
    teams: pl.DataFrame
    funnel: pl.DataFrame
    service_value: pl.DataFrame
    team_stats: pl.DataFrame
    provisional: pl.DataFrame


def group_metrics(dataset: Dataset, month: str, params: MetricParams, by: Literal["shop", "team"]) -> pl.DataFrame:
    """Metrics per team or for the whole shop, people counted once per group.

    From platform exports people are customer-days summed over agents (an export
    holds no customer ids to count once).
    """
    if dataset.kind == "export":
        from csana.facts.export import group_export

        return group_export(dataset, month, by)
    derived = derive(dataset, params)
    if by == "shop":
        group = pl.lit(SHOP)
    else:
        agents = dataset["agents"]
        teams = dict(zip(agents["agent_id"], agents["team"])) if "team" in agents.columns else {}
        group = pl.col("agent_id").replace_strict(teams, default=None, return_dtype=pl.String).fill_null("—")
    frame = evaluate(dataset, derived, month_window(month), group).rename({"agent_id": by, "period": "month"})
    return frame.select([by, "month", *PUBLIC_IDS, *COMPONENT_IDS]).sort(by)


def funnel(row: dict[str, Any]) -> pl.DataFrame:
    """Funnel stages consult → received → inquiry → ordered → paid with each stage's loss.

    ``paid`` = inquiry customers whose credited order was paid within the conv_final
    window; ``rate`` = customers / the previous stage.
    """
    counts = [int(row.get(col) or 0) for _, col, _, _ in FUNNEL_STAGES]
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
        schema_overrides={"loss": pl.Int64, "rate": pl.Float64},
    )


def service_value(dataset: Dataset, month: str, params: MetricParams) -> pl.DataFrame:
    """Orders paid in the month, CS-served (credited) vs silent (静默下单): count, buyers, amount, AOV."""
    window = month_window(month)
    kind = pl.when(pl.col("credited_agent").is_null()).then(pl.lit("silent")).otherwise(pl.lit("served"))
    paid = derive(dataset, params).attribution.filter(pl.col("paid_at").is_not_null() & window.contains(pl.col("paid_at").dt.date()))
    kinds = pl.DataFrame({"kind": ["served", "silent"], "zh": ["客服接待下单", "静默下单"], "en": ["CS-served", "silent"]})
    totals = paid.group_by(kind.alias("kind")).agg(
        orders=pl.len().cast(pl.Int64), buyers=pl.col("customer_id").n_unique().cast(pl.Int64), amount=pl.col("amount").sum()
    )
    return (
        kinds.join(totals, on="kind", how="left")
        .with_columns(pl.col("orders", "buyers").fill_null(0), pl.col("amount").fill_null(0.0))
        .with_columns(aov=pl.when(pl.col("buyers") > 0).then(pl.col("amount") / pl.col("buyers")))
    )


def export_service_value(totals: pl.DataFrame) -> pl.DataFrame:
    """Served vs silent from an export: the served side is the agents' sales; silent orders are unknown (null)."""
    row = totals.row(0, named=True) if totals.height else {}
    return pl.DataFrame(
        {"kind": ["served", "silent"], "zh": ["客服接待下单", "静默下单"], "en": ["CS-served", "silent"],
         "orders": [None, None], "buyers": [row.get("buyers"), None], "amount": [row.get("sales_amount"), None],
         "aov": [row.get("aov"), None]},
        schema_overrides={"orders": pl.Int64, "buyers": pl.Int64, "amount": pl.Float64, "aov": pl.Float64},
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


def delay_days(params: MetricParams) -> dict[str, int]:
    """Days after a period's last day that each delayed metric needs data for before it is final."""
    return {"conv_next_day": 1, "conv_final": params.final_pay_days, "repeat_rate": params.repeat_days}


def provisional(dataset: Dataset, month: str, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """Which delayed metrics of ``month`` are still provisional, and the day each becomes final.

    conv_next_day needs data through month end + 1 day, conv_final through month
    end + final_pay_days, repeat_rate through month end + repeat_days. Platform
    exports carry the platform's own figures (values not final yet come as
    placeholders such as 延时统计, listed in the dataset's warnings), so nothing
    is flagged for them.
    """
    params = resolve_params(params, overrides)
    last_day = month_window(month).end - dt.timedelta(days=1)
    delays = delay_days(params)
    final_on = [last_day + dt.timedelta(days=d) for d in delays.values()]
    data_end = derive(dataset, params).data_end if dataset.kind == "raw" else None
    return pl.DataFrame(
        {
            "metric": list(delays),
            "provisional": [data_end is not None and data_end < day for day in final_on],
            "final_on": final_on,
            "data_end": [data_end] * len(delays),
        },
        schema_overrides={"data_end": pl.Date},
    )


def with_provisional(table: pl.DataFrame, dataset: Dataset, params: MetricParams | None = None) -> pl.DataFrame:
    """``table`` (agent_metrics or agent_daily_metrics) with ``<metric>_final_on`` and
    ``<metric>_provisional`` columns for each delayed metric, so a file written from it
    says which numbers may still change and from which day they will not."""
    params = resolve_params(params, {})
    if "month" in table.columns:
        last_day = pl.col("month").str.strptime(pl.Date, "%Y-%m").dt.month_end()
    else:
        last_day = pl.col("date")
    data_end = derive(dataset, params).data_end if dataset.kind == "raw" else None
    delays = delay_days(params)
    columns = []
    for metric_id, days in delays.items():
        final_on = last_day + pl.duration(days=days)
        columns.append(final_on.alias(f"{metric_id}_final_on"))
        flag = pl.lit(False) if data_end is None else final_on > pl.lit(data_end)
        columns.append(flag.alias(f"{metric_id}_provisional"))
    return table.with_columns(columns)


def shop_metrics(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> ShopMetrics:
    """Shop-level view of ``month``: totals, per-team totals, funnel, silent vs served, team stats."""
    params = resolve_params(params, overrides)
    month = month or latest_complete_month(dataset, params)
    agents = agent_metrics(dataset, month, params)
    totals = group_metrics(dataset, month, params, "shop")
    return ShopMetrics(
        month=month,
        totals=totals,
        teams=group_metrics(dataset, month, params, "team"),
        funnel=funnel(totals.row(0, named=True) if totals.height else {}),
        service_value=service_value(dataset, month, params) if dataset.kind == "raw" else export_service_value(totals),
        team_stats=team_stats(agents),
        provisional=provisional(dataset, month, params),
    )


def attribution(dataset: Dataset, month: str | None = None, params: MetricParams | None = None, **overrides: Any) -> pl.DataFrame:
    """The audit trail of credit: each order (created in ``month``, or all) with its credited agent,
    the reception that earned it (credit_start, credit_day), the rule, the window and the assisting agents."""
    params = resolve_params(params, overrides)
    table = derive(dataset, params).attribution
    if month is not None:
        table = table.filter(month_window(month).contains(pl.col("created_at").dt.date()))
    return table.select(
        "order_id", "customer_id", "created_at", "paid_at", "amount", "units", "credited_agent",
        "credit_start", "credit_day", "rule", "window_start", window_end=pl.col("created_at"),
        assisting_agents=pl.col("assisting_agents"),
    )
