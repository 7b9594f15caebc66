"""The metric catalogue: every per-agent metric of spec 1 §3, declared once, as data.

Each :class:`Metric` says what it is called (中文 and English), its unit, whether
higher or lower is better, and how it is computed:

* an *aggregate* metric is one polars expression evaluated by
  :mod:`csana.metrics.engine` over one period fact table (``source``), grouped by agent
  and period — the expression never filters, joins or collects;
* a *ratio* metric is ``num / den`` of two other metrics, null when ``den`` is 0
  (never NaN, inf or 0), so monthly ratios can always be recomputed from their
  parts (daily rows, platform exports);
* a *derived* metric is an expression over other metric columns.

Components (``public=False``) are the additive numerators and denominators behind
the ratios and averages. Reports, widgets, schemes and diagnostics read names,
units and directions from here; nothing else repeats them.

Period fact tables (built by :func:`csana.metrics.engine.period_facts`; all hold
``agent_id`` and ``period``):

``contacts``
    one row per agent × customer with a reception in the period: ``received``,
    ``inquiry``, ``replied``, ``slow``, ``conv_base`` (inquiry customer not left out
    as assisted), ``conv_next_day``, ``conv_final`` (in the numerators).
``receptions``
    received (not filtered) receptions starting in the period: message counts,
    ``duration_s``, ``first_response_s`` (null when the first burst was unanswered
    or outside service hours).
``responses``
    answered bursts of received receptions that started within service hours:
    ``response_s``.
``sales``
    orders credited to the agent and paid in the period: ``amount``, ``units``,
    ``customer_id``, ``refund_amount``, ``repeat`` (paid again within repeat_days).
``created``
    orders credited to the agent and created in the period: ``paid``.
``assists``
    one row per assisting agent × order paid in the period: ``customer_id``.
``reminders``
    one row per reminding agent × order created in the period that it reminded while
    unpaid: ``recovered``.
``reviews``, ``disputes``, ``online``
    the optional tables, each row given to an agent (its own ``agent_id`` or the
    order's credited agent) and a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import polars as pl

Unit = Literal["people", "orders", "messages", "yuan", "units", "ratio", "seconds", "hours", "score", "yuan/hour"]
Direction = Literal["higher", "lower", "neutral"]
Source = Literal[
    "contacts", "receptions", "responses", "sales", "created", "assists", "reminders",
    "reviews", "disputes", "online", "derived",
]


@dataclass(frozen=True)
class Metric:
    """One metric: names, unit, direction and how to compute it."""

    id: str
    zh: str
    en: str
    unit: Unit
    direction: Direction
    definition: str
    source: Source
    expr: pl.Expr | None = None
    ratio: tuple[str, str] | None = None
    public: bool = True
    requires: str | None = None
    """Optional table (or table.column) the metric needs; null when it was not given."""
    zero_when_absent: bool = True
    """An agent with no rows in the source gets 0 (counts, sums); False leaves it null (quantiles)."""

    def label(self, lang: str = "zh") -> str:
        """The display name in ``lang`` ('zh' or 'en')."""
        return self.zh if lang == "zh" else self.en

    def compute(self) -> pl.Expr:
        """The expression that yields this metric's column (aggregate or over metric columns)."""
        if self.ratio is not None:
            num, den = self.ratio
            return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None).alias(self.id)
        assert self.expr is not None, self.id
        return self.expr.alias(self.id)


def _count(flag: str) -> pl.Expr:
    return pl.col(flag).sum().cast(pl.Int64)


def _people() -> pl.Expr:
    return pl.col("customer_id").n_unique().cast(pl.Int64)


_M = Metric
METRICS: tuple[Metric, ...] = (
    # -- traffic (people) ------------------------------------------------------------
    _M("consult_customers", "咨询人数", "Consulting customers", "people", "higher",
       "received + filtered customers: distinct customers with any reception in the period", "contacts", pl.len().cast(pl.Int64)),
    _M("received_customers", "接待人数", "Received customers", "people", "higher",
       "customers with a non-filtered reception", "contacts", _count("received")),
    _M("filtered_customers", "接待过滤人数", "Filtered customers", "people", "neutral",
       "customers with only filtered receptions (ads, spam, blacklisted)", "contacts", (~pl.col("received")).sum().cast(pl.Int64)),
    _M("inquiry_customers", "询单人数", "Inquiry customers", "people", "higher",
       "customers with an inquiry reception (received, and no order in the postsale_days before it)", "contacts", _count("inquiry")),
    # -- sales -----------------------------------------------------------------------
    _M("sales_amount", "销售额", "Sales amount", "yuan", "higher",
       "sum of amount of orders credited to the agent and paid in the period", "sales", pl.col("amount").sum()),
    _M("sales_units", "销售量", "Units sold", "units", "higher",
       "sum of units of those orders", "sales", pl.col("units").sum().cast(pl.Int64)),
    _M("buyers", "销售人数", "Buyers", "people", "higher",
       "distinct customers of those orders", "sales", _people()),
    _M("aov", "客单价", "Average order value", "yuan", "higher",
       "sales_amount / buyers", "derived", ratio=("sales_amount", "buyers")),
    _M("units_per_buyer", "客件数", "Units per buyer", "units", "higher",
       "sales_units / buyers", "derived", ratio=("sales_units", "buyers")),
    # -- conversion ------------------------------------------------------------------
    _M("conv_base_customers", "询单人数(除协助)", "Inquiry customers (less assisted)", "people", "neutral",
       "inquiry customers, less those the agent only assisted (section 2 'Assist')", "contacts", _count("conv_base"), public=False),
    _M("ordered_customers", "询单→下单人数", "Inquiry → ordered customers", "people", "higher",
       "inquiry customers with an order credited to the agent through an inquiry reception in the period (paid or not)",
       "contacts", _count("ordered"), public=False),
    _M("conv_next_day_customers", "询单→次日付款人数", "Inquiry → next-day paid customers", "people", "higher",
       "inquiry customers with an order credited through an inquiry reception in the period, "
       "paid by the end of the day after that reception's day", "contacts", _count("conv_next_day"), public=False),
    _M("conv_final_customers", "询单→最终付款人数", "Inquiry → final paid customers", "people", "higher",
       "same, paid by the end of that day + final_pay_days", "contacts", _count("conv_final"), public=False),
    _M("conv_next_day", "询单→次日付款成功率", "Inquiry → next-day payment rate", "ratio", "higher",
       "conv_next_day_customers / inquiry customers (less assisted)", "derived",
       ratio=("conv_next_day_customers", "conv_base_customers")),
    _M("conv_final", "询单→最终付款成功率", "Inquiry → final payment rate", "ratio", "higher",
       "conv_final_customers / inquiry customers (less assisted)", "derived",
       ratio=("conv_final_customers", "conv_base_customers")),
    _M("created_orders", "下单数", "Orders created", "orders", "higher",
       "credited orders created in the period", "created", pl.len().cast(pl.Int64), public=False),
    _M("created_paid_orders", "下单并付款数", "Orders created and paid", "orders", "higher",
       "of those, paid by the data's end", "created", _count("paid"), public=False),
    _M("order_to_pay", "下单→付款率", "Order → payment rate", "ratio", "higher",
       "credited orders created in the period and paid (by the data's end) / credited orders created in the period",
       "derived", ratio=("created_paid_orders", "created_orders")),
    _M("assist_customers", "协助人数", "Assisted customers", "people", "neutral",
       "customers of orders paid in the period, credited to another agent, that this agent served in the "
       "attribution window before the order (协助下单) or between order and payment (协助跟进)", "assists", _people()),
    # -- service ---------------------------------------------------------------------
    _M("customer_msgs", "买家消息数", "Customer messages", "messages", "neutral",
       "customer messages in the agent's received receptions", "receptions", pl.col("customer_msgs").sum().cast(pl.Int64), public=False),
    _M("agent_msgs", "客服消息数", "Agent messages", "messages", "higher",
       "agent messages (auto-replies excluded) in the agent's received receptions", "receptions",
       pl.col("agent_msgs").sum().cast(pl.Int64), public=False),
    _M("qa_ratio", "答问比", "Answer/question ratio", "ratio", "higher",
       "agent messages / customer messages in the agent's received receptions (auto excluded)", "derived",
       ratio=("agent_msgs", "customer_msgs")),
    _M("replied_customers", "回复人数", "Replied customers", "people", "higher",
       "customers with ≥1 agent message in a received reception", "contacts", _count("replied"), public=False),
    _M("reply_rate", "回复率", "Reply rate", "ratio", "higher",
       "customers with ≥1 agent message in a received reception / received_customers", "derived",
       ratio=("replied_customers", "received_customers")),
    _M("unreplied_customers", "未回复人数", "Unreplied customers", "people", "lower",
       "received − replied customers", "derived", (pl.col("received_customers") - pl.col("replied_customers"))),
    _M("slow_customers", "慢响应人数", "Slow-response customers", "people", "lower",
       "customers with a slow received reception (≥ slow_min_count responses > slow_response_s)", "contacts", _count("slow")),
    _M("first_response_count", "首次响应次数", "First responses", "messages", "neutral",
       "received receptions whose first burst was answered (within service hours)", "receptions",
       pl.col("first_response_s").count().cast(pl.Int64), public=False),
    _M("first_response_total_s", "首次响应总时长", "First response total", "seconds", "lower",
       "sum of those first responses", "receptions", pl.col("first_response_s").sum(), public=False),
    _M("first_response_s", "首次响应时间", "First response time", "seconds", "lower",
       "mean first response over received receptions whose first burst was answered", "derived",
       ratio=("first_response_total_s", "first_response_count")),
    _M("response_count", "响应次数", "Responses", "messages", "neutral",
       "answered bursts of received receptions (within service hours)", "responses", pl.len().cast(pl.Int64), public=False),
    _M("response_total_s", "响应总时长", "Response total", "seconds", "lower",
       "sum of those response times", "responses", pl.col("response_s").sum(), public=False),
    _M("avg_response_s", "平均响应时间", "Average response time", "seconds", "lower",
       "mean response time over all answered bursts", "derived", ratio=("response_total_s", "response_count")),
    _M("p50_response_s", "响应时间中位数", "Median response time", "seconds", "lower",
       "median of the same response times (linear interpolation)", "responses",
       pl.col("response_s").quantile(0.5, interpolation="linear"), zero_when_absent=False),
    _M("p90_response_s", "响应时间P90", "90th-percentile response time", "seconds", "lower",
       "90th percentile of the same response times (linear interpolation, as numpy's default): means hide the long tail",
       "responses", pl.col("response_s").quantile(0.9, interpolation="linear"), zero_when_absent=False),
    _M("reception_total_s", "接待总时长", "Reception time total", "seconds", "neutral",
       "total duration of received receptions (gaps over max_gap_s cut)", "receptions", pl.col("duration_s").sum(), public=False),
    _M("avg_reception_s", "平均接待时长", "Average reception time", "seconds", "neutral",
       "total duration of received receptions / replied customers", "derived",
       ratio=("reception_total_s", "replied_customers")),
    # -- payment reminders (催付) ------------------------------------------------------
    _M("reminded_orders", "催付单数", "Reminded orders", "orders", "higher",
       "orders created in the period that the agent reminded while unpaid", "reminders", pl.len().cast(pl.Int64)),
    _M("recovered_orders", "挽回单数", "Recovered orders", "orders", "higher",
       "of those, paid after the reminder", "reminders", _count("recovered")),
    _M("recovery_rate", "挽单率", "Recovery rate", "ratio", "higher",
       "recovered_orders / reminded_orders", "derived", ratio=("recovered_orders", "reminded_orders")),
    # -- after-sales and reputation ------------------------------------------------------
    _M("refund_amount", "成功退款金额", "Refunded amount", "yuan", "lower",
       "refund_amount of the orders in sales_amount", "sales", pl.col("refund_amount").sum(), public=False,
       requires="orders.refund_amount"),
    _M("refund_rate", "退款率", "Refund rate", "ratio", "lower",
       "refunded amount / sales_amount", "derived", ratio=("refund_amount", "sales_amount"), requires="orders.refund_amount"),
    _M("review_count", "评价数", "Reviews", "orders", "neutral",
       "reviews in the period given to the agent", "reviews", pl.len().cast(pl.Int64), public=False, requires="reviews"),
    _M("service_score_total", "服务评分合计", "Service score total", "score", "higher",
       "sum of those reviews' service_score", "reviews", pl.col("service_score").sum(), public=False, requires="reviews"),
    _M("service_score", "服务态度评分", "Service score (DSR)", "score", "higher",
       "mean review service_score", "derived", ratio=("service_score_total", "review_count"), requires="reviews"),
    _M("good_reviews", "好评数", "Good reviews", "orders", "higher",
       "reviews with service_score ≥ 4", "reviews", (pl.col("service_score") >= 4).sum().cast(pl.Int64), public=False,
       requires="reviews"),
    _M("good_review_rate", "好评率", "Good review rate", "ratio", "higher",
       "reviews with service_score ≥ 4 / reviews", "derived", ratio=("good_reviews", "review_count"), requires="reviews"),
    _M("low_quality_reviews", "低质评价", "Low-quality reviews", "orders", "lower",
       "reviews flagged low_quality", "reviews", pl.col("low_quality").fill_null(False).sum().cast(pl.Int64),
       requires="reviews"),
    _M("disputes", "纠纷投诉", "Disputes", "orders", "lower",
       "disputes and complaints in the period given to the agent", "disputes", pl.len().cast(pl.Int64), requires="disputes"),
    _M("repeat_buyers", "回头客人数", "Repeat buyers", "people", "higher",
       "of the agent's buyers, those who paid another order within repeat_days after", "sales",
       pl.col("customer_id").filter(pl.col("repeat")).n_unique().cast(pl.Int64), public=False),
    _M("repeat_rate", "回头率", "Repeat rate", "ratio", "higher",
       "repeat_buyers / buyers (provisional until the data covers repeat_days after the period)", "derived",
       ratio=("repeat_buyers", "buyers")),
    _M("online_s", "在线秒数", "Online seconds", "seconds", "neutral",
       "seconds logged in", "online", pl.col("online_s").sum(), public=False, requires="online"),
    _M("online_hours", "在线时长", "Online hours", "hours", "neutral",
       "hours logged in during the period", "derived", pl.col("online_s") / 3600, requires="online"),
    _M("sales_per_online_hour", "每小时销售额", "Sales per online hour", "yuan/hour", "higher",
       "sales_amount / online_hours", "derived", ratio=("sales_amount", "online_hours"), requires="online"),
)

CATALOGUE: dict[str, Metric] = {m.id: m for m in METRICS}
PUBLIC_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if m.public)
"""The canonical metric columns of the per-agent table, in display order."""


def metric(metric_id: str) -> Metric:
    """Look a metric up by id, with the list of valid ids when it is unknown."""
    try:
        return CATALOGUE[metric_id]
    except KeyError:
        from csana.errors import CsanaError

        raise CsanaError(f"unknown metric '{metric_id}'", fix=f"use one of: {', '.join(PUBLIC_IDS)}") from None


def label(metric_id: str, lang: str = "zh") -> str:
    """Display name of a metric column; unknown columns are returned unchanged."""
    found = CATALOGUE.get(metric_id)
    return found.label(lang) if found else metric_id


def catalogue_frame(lang: str = "zh") -> pl.DataFrame:
    """The catalogue as a table (for reports' definitions appendix and the CLI)."""
    return pl.DataFrame(
        [{"id": m.id, "zh": m.zh, "en": m.en, "unit": m.unit, "direction": m.direction,
          "definition": m.definition, "public": m.public} for m in METRICS]
    )
