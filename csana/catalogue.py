"""The metric catalogue: every per-agent number csana computes, declared once, as data.

Three layers, each declared here and read by everything else (the engine, export
aggregation, scoring and team goals, diagnostics, widgets, reports, docs/metrics.md):

fact table (:class:`FactTable`)
    the raw-log facts of one period, one row per agent × period × thing (a customer, a
    reception, a response, an order …); built by :mod:`csana.facts.raw` from the derived
    tables (receptions, bursts, attribution). Its columns are listed with their meaning.
measure (:class:`Measure`)
    one aggregate of a fact table — a count, a sum, a count of distinct customers or a
    quantile — with how it may be combined: counts and sums add up exactly over days,
    agents and teams; distinct customers summed over days are customer-days (and over
    agents count a customer twice); quantiles cannot be combined at all. A platform export
    provides measures directly (or metrics from which they are rebuilt exactly).
metric (:class:`Metric`)
    what users read, typed over measures (as MetricFlow does): ``simple`` (one additive
    measure), ``ratio`` (numerator / denominator, null when the denominator is 0 — never
    NaN, inf or 0), ``mean`` (a total / the count it averages over; its ``spread`` measure
    of squares gives the standard deviation behind a confidence interval), ``quantile``
    (one quantile measure) and ``derived`` (a linear expression over measures).

Because every ratio and mean is rebuilt from additive measures, months, teams and
platform-export days aggregate exactly: Σ numerator / Σ denominator, never a mean of
daily ratios. Each metric names the test that pins it on a hand-computed fixture
(``test``); docs/metrics.md is generated from this module (:mod:`csana.metrics.docs`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import polars as pl

Unit = Literal["people", "orders", "messages", "yuan", "units", "ratio", "seconds", "hours", "score", "yuan/hour",
               "people/hour", "yuan²", "units²", "seconds²"]
Direction = Literal["higher", "lower", "neutral"]
Fact = Literal["contacts", "receptions", "responses", "sales", "created", "assists", "reminders", "reviews",
               "disputes", "online"]
Agg = Literal["count", "sum", "distinct", "quantile"]
MetricType = Literal["simple", "ratio", "mean", "quantile", "derived"]
COUNT_UNITS = ("people", "orders", "messages", "units")
SUM_DECIMALS = 6
"""Float sums are rounded to this many decimals: polars adds in parallel in no fixed order, so the last
binary digit of a sum could change from run to run (29233.95 vs 29233.949999999997) and flip a value
sitting on a tier bound. Money has 2 decimals and times come in microseconds, so nothing real is lost."""


def stable_sum(expr: pl.Expr) -> pl.Expr:
    """The sum of a float column, rounded to SUM_DECIMALS so it is the same on every run."""
    return expr.sum().round(SUM_DECIMALS)
TEST_FILE = "tests/metrics/test_catalogue.py"


@dataclass(frozen=True)
class FactTable:
    """One raw-log fact table of a period: its grain and the meaning of its columns."""

    name: Fact
    grain: str
    columns: dict[str, str]


FACT_TABLES: dict[str, FactTable] = {t.name: t for t in (
    FactTable("contacts", "one row per agent × period × customer with a reception (接待) in the period", {
        "received": "the customer had a received (not filtered) reception",
        "inquiry": "the customer had an inquiry reception (询单: received, and no order in the postsale_days before it)",
        "replied": "an agent (not an auto-reply) wrote in a received reception",
        "slow": "a received reception had ≥ slow_min_count responses slower than slow_response_s",
        "ordered": "an inquiry customer's order is credited to the agent through a reception of the period: the "
                   "agent's largest credit share in such orders (1 under single-agent rules), else 0",
        "conv_next_day": "the same over such orders paid by the end of the day after that reception's day",
        "conv_final": "the same over such orders paid by the end of that day + final_pay_days",
        "conv_base": "an inquiry customer, unless the agent only assisted them (协助) and did not convert them itself",
    }),
    FactTable("receptions", "one row per received reception starting in the period", {
        "customer_msgs": "customer messages", "agent_msgs": "agent messages (auto-replies excluded)",
        "duration_s": "last − first message time, gaps over max_gap_s cut",
        "first_response_s": "the first burst's response time (null: unanswered or outside service hours)",
    }),
    FactTable("responses", "one row per answered customer burst of a received reception, started within service hours", {
        "response_s": "seconds from the burst's first message to the next agent message",
    }),
    FactTable("sales", "one row per order credited to the agent and paid in the period", {
        "amount": "paid amount (× share: the agent's credited part)", "units": "units (× share)",
        "customer_id": "the buyer", "share": "the agent's credit share of the order (1, or 1/n under split)",
        "buyer_share": "the agent's largest share in the buyer's orders", "buyer_first": "the buyer's first row",
        "repeat_share": "the largest share in the buyer's orders flagged repeat (else 0)",
        "refund_amount": "refunded amount (when orders give it; × share)",
        "repeat": "the buyer paid another order within repeat_days after this one",
        "buyer_amount": "the buyer's total (credited) amount of such orders in the period",
        "buyer_units": "the buyer's total credited units of such orders in the period",
    }),
    FactTable("created", "one row per order credited to the agent and created in the period", {
        "paid": "the order was paid by the data's end", "share": "the agent's credit share of the order",
    }),
    FactTable("assists", "one row per assisting agent × order paid in the period and credited to another agent", {
        "customer_id": "the order's customer",
    }),
    FactTable("reminders", "one row per reminding agent × order created in the period that it reminded while unpaid", {
        "recovered": "the order was paid after the reminder",
    }),
    FactTable("reviews", "one row per review in the period, given to its agent (else the order's credited agent)", {
        "service_score": "the 1–5 service score", "low_quality": "flagged low quality",
    }),
    FactTable("disputes", "one row per dispute or complaint in the period, given to its agent (else the credited one)", {}),
    FactTable("online", "one row per agent × day logged in", {"online_s": "seconds logged in"}),
)}


DEFINITIONS_ZH: dict[str, str] = {
    # measures
    "consult_customers": "接待 + 过滤人数：本期有任何接待的去重顾客数",
    "received_customers": "有未被过滤的接待的顾客数",
    "filtered_customers": "只有被过滤接待的顾客数（广告、刷单、黑名单）",
    "inquiry_customers": "有询单接待的顾客数（已接待，且此前的售后咨询天数内没有下过单）",
    "sales_amount": "归属该客服、本期付款的订单金额之和",
    "sales_units": "这些订单的件数之和",
    "buyers": "这些订单的去重顾客数",
    "conv_base_customers": "询单人数，减去该客服只协助而未亲自成交的顾客",
    "ordered_customers": "询单人数中，经本期询单接待归属该客服下单（付款与否均计）的顾客",
    "conv_next_day_customers": "询单人数中，经本期询单接待归属该客服的订单在接待次日结束前付款的顾客",
    "conv_final_customers": "同上，在接待当天 + 最终付款天数结束前付款的顾客",
    "created_orders": "本期创建、归属该客服的订单数",
    "created_paid_orders": "其中截至数据截止日已付款的订单数",
    "assist_customers": "本期付款、归属其他客服的订单中，该客服在下单前的归属窗口内接待过（协助下单）或在下单与付款之间接待过（协助跟进）的顾客数",
    "customer_msgs": "该客服已接待的接待中的买家消息数",
    "agent_msgs": "该客服已接待的接待中的客服消息数（不含自动回复）",
    "replied_customers": "已接待的接待中至少收到一条客服消息的顾客数",
    "slow_customers": "有慢接待的顾客数（至少「慢接待次数」次响应超过慢响应阈值）",
    "first_response_count": "首轮买家消息在考核时段内得到回复的已接待接待数",
    "first_response_total_s": "这些首次响应时长之和",
    "response_count": "已接待的接待中得到回复的买家消息轮次数（考核时段内）",
    "response_total_s": "这些响应时长之和",
    "p50_response_s": "同一批响应时长的中位数（线性插值）",
    "p90_response_s": "同一批响应时长的第 90 百分位数（线性插值，与常用统计软件的默认算法一致）：平均数会掩盖长尾",
    "reception_total_s": "已接待的接待总时长（相邻消息间隔超过接待间隔上限的部分不计）",
    "reminded_orders": "本期创建、该客服在未付款时催付过的订单数",
    "recovered_orders": "其中在催付之后付款的订单数",
    "refund_amount": "计入销售额的订单的退款金额之和",
    "review_count": "本期归于该客服的评价数",
    "service_score_total": "这些评价的服务评分之和",
    "good_reviews": "服务评分 ≥ 4 的评价数",
    "low_quality_reviews": "被标记为低质的评价数",
    "disputes": "本期归于该客服的纠纷与投诉数",
    "repeat_buyers": "该客服的销售人数中，在回头客天数内再次付款的顾客数",
    "online_s": "登录在线的秒数",
    "first_response_sq_total_s": "首次响应次数所含各接待首次响应时长的平方和",
    "response_sq_total_s": "响应次数所含各次响应时长的平方和",
    "buyer_amount_sq_total": "各买家金额的平方和",
    "buyer_units_sq_total": "各买家件数的平方和",
    # metrics over measures
    "aov": "销售额 / 销售人数",
    "units_per_buyer": "销售量 / 销售人数",
    "conv_next_day": "询单→次日付款人数 / 询单人数（除协助）",
    "conv_final": "询单→最终付款人数 / 询单人数（除协助）",
    "order_to_pay": "本期创建、归属该客服且截至数据截止日已付款的订单数 / 本期创建、归属该客服的订单数",
    "qa_ratio": "该客服已接待的接待中客服消息数 / 买家消息数（不含自动回复）",
    "reply_rate": "已接待的接待中至少收到一条客服消息的顾客数 / 接待人数",
    "unreplied_customers": "接待人数 − 回复人数",
    "first_response_s": "首轮买家消息得到回复的已接待接待的平均首次响应时长",
    "avg_response_s": "所有得到回复的买家消息轮次的平均响应时长",
    "avg_reception_s": "已接待的接待总时长 / 回复人数",
    "recovery_rate": "挽回单数 / 催付单数",
    "refund_rate": "退款金额 / 销售额",
    "service_score": "评价服务评分的平均值",
    "good_review_rate": "服务评分 ≥ 4 的评价数 / 评价数",
    "repeat_rate": "回头客人数 / 销售人数（数据覆盖到本期之后的回头客天数前为暂定值）",
    "online_hours": "本期登录在线的小时数",
    "sales_per_online_hour": "销售额 / 在线时长",
    "consult_per_online_hour": "咨询人数 / 在线时长：按在岗时间折算的接待量，排班少的客服不因此显得接待少",
}
"""The Chinese text of each definition (the English one is the ``definition`` of each measure and metric)."""


@dataclass(frozen=True)
class Measure:
    """One aggregate of a fact table; ``agg`` says how it combines (see the module docstring)."""

    id: str
    zh: str
    en: str
    unit: Unit
    direction: Direction
    definition: str
    fact: Fact
    agg: Agg
    expr: pl.Expr = field(compare=False)
    requires: str | None = None
    """Optional input table (or table.column) the measure needs; null when it was not given."""
    definition_zh: str = ""
    """The definition in Chinese (from :data:`DEFINITIONS_ZH`)."""
    credit: bool = False
    """Counts or sums credited orders by their credit share (:mod:`csana.facts.credit`): whole under
    single-agent rules, fractional (Float64) under ``split``."""

    @property
    def additive(self) -> bool:
        """Exact when summed over days, agents and teams (counts of events, amounts, durations)."""
        return self.agg in ("count", "sum")

    @property
    def combinable(self) -> bool:
        """May be summed at all: distinct customers sum to customer-days; quantiles never combine."""
        return self.agg != "quantile"

    @property
    def dtype(self) -> pl.DataType:
        return pl.Int64 if self.unit in COUNT_UNITS else pl.Float64

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def defined(self, lang: str = "zh") -> str:
        """The definition in ``lang``."""
        return self.definition_zh if lang == "zh" else self.definition


@dataclass(frozen=True)
class Metric:
    """One metric as users read it, typed over measures (see the module docstring)."""

    id: str
    zh: str
    en: str
    unit: Unit
    direction: Direction
    definition: str
    type: MetricType
    measures: tuple[str, ...]
    """simple/quantile: (measure,); ratio: (numerator, denominator); mean: (total, count);
    derived: the measures its expression reads. A ratio's parts may be derived metrics."""
    test: str
    """The test that pins the metric on a hand-computed fixture (file::function)."""
    expr: pl.Expr | None = field(default=None, compare=False)
    spread: str | None = None
    """mean: the measure of squares (Σ x²) behind the standard deviation of its events."""
    requires: str | None = None
    definition_zh: str = ""
    """The definition in Chinese (from :data:`DEFINITIONS_ZH`)."""
    share: bool = True
    """unit ``ratio``: the numerator counts a part of the denominator, so the value lies in [0, 1]
    (false for 答问比, agent messages per customer message, which may exceed 1)."""

    @property
    def ratio(self) -> tuple[str, str] | None:
        """(numerator, denominator) of a ratio or mean, else None."""
        return (self.measures[0], self.measures[1]) if self.type in ("ratio", "mean") else None

    @property
    def dtype(self) -> pl.DataType:
        if self.type == "simple":
            return MEASURE_BY_ID[self.measures[0]].dtype
        return pl.Int64 if self.type == "derived" and self.unit in COUNT_UNITS else pl.Float64

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def defined(self, lang: str = "zh") -> str:
        """The definition in ``lang``."""
        return self.definition_zh if lang == "zh" else self.definition

    def compute(self) -> pl.Expr:
        """The metric as an expression over one row of measure columns (the engine sums rows first)."""
        if self.ratio is not None:
            num, den = self.ratio
            return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None).alias(self.id)
        if self.type == "derived":
            assert self.expr is not None
            return self.expr.alias(self.id)
        return pl.col(self.measures[0]).alias(self.id)


def _count(flag: str) -> pl.Expr:
    return pl.col(flag).sum().cast(pl.Int64)


def _shares(column: str, where: pl.Expr | None = None) -> pl.Expr:
    """Σ credit share (of the rows ``where`` holds): a count of credited things, fractional under ``split``."""
    share = pl.col(column)
    return (share if where is None else share.filter(where)).sum()


def _people() -> pl.Expr:
    return pl.col("customer_id").n_unique().cast(pl.Int64)


def _squares(column: str) -> pl.Expr:
    return (pl.col(column).cast(pl.Float64) ** 2).sum()


def _measure(id: str, zh: str, en: str, unit: Unit, direction: Direction, definition: str, fact: Fact, agg: Agg,
             expr: pl.Expr, requires: str | None = None) -> Measure:
    return Measure(id, zh, en, unit, direction, definition, fact, agg, expr, requires, DEFINITIONS_ZH[id])


def _credit(id: str, zh: str, en: str, unit: Unit, direction: Direction, definition: str, fact: Fact, agg: Agg,
            expr: pl.Expr, requires: str | None = None) -> Measure:
    """A measure of credited orders, weighted by credit share (see :attr:`Measure.credit`)."""
    return Measure(id, zh, en, unit, direction, definition, fact, agg, expr, requires, DEFINITIONS_ZH[id], credit=True)


_M, _C = _measure, _credit
MEASURES: tuple[Measure, ...] = (
    # -- traffic (contacts: one row per customer, so counts of flags are distinct customers) --------
    _M("consult_customers", "咨询人数", "Consulting customers", "people", "higher",
       "received + filtered customers: distinct customers with any reception in the period", "contacts", "distinct",
       pl.len().cast(pl.Int64)),
    _M("received_customers", "接待人数", "Received customers", "people", "higher",
       "customers with a non-filtered reception", "contacts", "distinct", _count("received")),
    _M("filtered_customers", "接待过滤人数", "Filtered customers", "people", "neutral",
       "customers with only filtered receptions (ads, spam, blacklisted)", "contacts", "distinct",
       (~pl.col("received")).sum().cast(pl.Int64)),
    _M("inquiry_customers", "询单人数", "Inquiry customers", "people", "higher",
       "customers with an inquiry reception (received, and no order in the postsale_days before it)", "contacts",
       "distinct", _count("inquiry")),
    # -- sales ---------------------------------------------------------------------------------------
    _C("sales_amount", "销售额", "Sales amount", "yuan", "higher",
       "sum of amount of orders credited to the agent and paid in the period (× the agent's credit share)", "sales",
       "sum", pl.col("amount").sum()),
    _C("sales_units", "销售量", "Units sold", "units", "higher",
       "sum of units of those orders (× credit share)", "sales", "sum", pl.col("units").sum()),
    _C("buyers", "销售人数", "Buyers", "people", "higher",
       "distinct customers of those orders (each counted with the agent's largest credit share in their orders)",
       "sales", "distinct", _shares("buyer_share", pl.col("buyer_first"))),
    # -- conversion ----------------------------------------------------------------------------------
    _M("conv_base_customers", "询单人数(除协助)", "Inquiry customers (less assisted)", "people", "neutral",
       "inquiry customers, less those the agent only assisted", "contacts", "distinct", _count("conv_base")),
    _C("ordered_customers", "询单→下单人数", "Inquiry → ordered customers", "people", "higher",
       "inquiry customers with an order credited to the agent through a reception in the period (paid or not; "
       "× the agent's largest credit share)", "contacts", "distinct", _shares("ordered")),
    _C("conv_next_day_customers", "询单→次日付款人数", "Inquiry → next-day paid customers", "people", "higher",
       "inquiry customers with an order credited through a reception in the period, "
       "paid by the end of the day after that reception's day (× credit share)", "contacts", "distinct",
       _shares("conv_next_day")),
    _C("conv_final_customers", "询单→最终付款人数", "Inquiry → final paid customers", "people", "higher",
       "same, paid by the end of that day + final_pay_days (× credit share)", "contacts", "distinct",
       _shares("conv_final")),
    _C("created_orders", "下单数", "Orders created", "orders", "higher",
       "credited orders created in the period (× credit share)", "created", "count", _shares("share")),
    _C("created_paid_orders", "下单并付款数", "Orders created and paid", "orders", "higher",
       "of those, paid by the data's end", "created", "count", _shares("share", pl.col("paid"))),
    _M("assist_customers", "协助人数", "Assisted customers", "people", "neutral",
       "customers of orders paid in the period, credited to another agent, that this agent served in the "
       "attribution window before the order (assisted ordering) or between order and payment (assisted follow-up)", "assists", "distinct",
       _people()),
    # -- service -------------------------------------------------------------------------------------
    _M("customer_msgs", "买家消息数", "Customer messages", "messages", "neutral",
       "customer messages in the agent's received receptions", "receptions", "sum",
       pl.col("customer_msgs").sum().cast(pl.Int64)),
    _M("agent_msgs", "客服消息数", "Agent messages", "messages", "higher",
       "agent messages (auto-replies excluded) in the agent's received receptions", "receptions", "sum",
       pl.col("agent_msgs").sum().cast(pl.Int64)),
    _M("replied_customers", "回复人数", "Replied customers", "people", "higher",
       "customers with ≥1 agent message in a received reception", "contacts", "distinct", _count("replied")),
    _M("slow_customers", "慢响应人数", "Slow-response customers", "people", "lower",
       "customers with a slow received reception (≥ slow_min_count responses > slow_response_s)", "contacts",
       "distinct", _count("slow")),
    _M("first_response_count", "首次响应次数", "First responses", "messages", "neutral",
       "received receptions whose first burst was answered (within service hours)", "receptions", "count",
       pl.col("first_response_s").count().cast(pl.Int64)),
    _M("first_response_total_s", "首次响应总时长", "First response total", "seconds", "lower",
       "sum of those first responses", "receptions", "sum", pl.col("first_response_s").sum()),
    _M("response_count", "响应次数", "Responses", "messages", "neutral",
       "answered bursts of received receptions (within service hours)", "responses", "count", pl.len().cast(pl.Int64)),
    _M("response_total_s", "响应总时长", "Response total", "seconds", "lower",
       "sum of those response times", "responses", "sum", pl.col("response_s").sum()),
    _M("p50_response_s", "响应时间中位数", "Median response time", "seconds", "lower",
       "median of the same response times (linear interpolation)", "responses", "quantile",
       pl.col("response_s").quantile(0.5, interpolation="linear")),
    _M("p90_response_s", "响应时间P90", "90th-percentile response time", "seconds", "lower",
       "90th percentile of the same response times (linear interpolation, as numpy's default): means hide the long tail",
       "responses", "quantile", pl.col("response_s").quantile(0.9, interpolation="linear")),
    _M("reception_total_s", "接待总时长", "Reception time total", "seconds", "neutral",
       "total duration of received receptions (gaps over max_gap_s cut)", "receptions", "sum", pl.col("duration_s").sum()),
    # -- payment reminders (催付) ------------------------------------------------------------------
    _M("reminded_orders", "催付单数", "Reminded orders", "orders", "higher",
       "orders created in the period that the agent reminded while unpaid", "reminders", "count", pl.len().cast(pl.Int64)),
    _M("recovered_orders", "挽回单数", "Recovered orders", "orders", "higher",
       "of those, paid after the reminder", "reminders", "count", _count("recovered")),
    # -- after-sales and reputation -------------------------------------------------------------------
    _C("refund_amount", "成功退款金额", "Refunded amount", "yuan", "lower",
       "refund_amount of the orders in sales_amount (× credit share)", "sales", "sum", pl.col("refund_amount").sum(),
       requires="orders.refund_amount"),
    _M("review_count", "评价数", "Reviews", "orders", "neutral",
       "reviews in the period given to the agent", "reviews", "count", pl.len().cast(pl.Int64), requires="reviews"),
    _M("service_score_total", "服务评分合计", "Service score total", "score", "higher",
       "sum of those reviews' service_score", "reviews", "sum", pl.col("service_score").sum(), requires="reviews"),
    _M("good_reviews", "好评数", "Good reviews", "orders", "higher",
       "reviews with service_score ≥ 4", "reviews", "count", (pl.col("service_score") >= 4).sum().cast(pl.Int64),
       requires="reviews"),
    _M("low_quality_reviews", "低质评价", "Low-quality reviews", "orders", "lower",
       "reviews flagged low_quality", "reviews", "count", pl.col("low_quality").fill_null(False).sum().cast(pl.Int64),
       requires="reviews"),
    _M("disputes", "纠纷投诉", "Disputes", "orders", "lower",
       "disputes and complaints in the period given to the agent", "disputes", "count", pl.len().cast(pl.Int64),
       requires="disputes"),
    _C("repeat_buyers", "回头客人数", "Repeat buyers", "people", "higher",
       "of the agent's buyers, those who paid another order within repeat_days after (× credit share)", "sales",
       "distinct", _shares("repeat_share", pl.col("buyer_first"))),
    _M("online_s", "在线秒数", "Online seconds", "seconds", "neutral",
       "seconds logged in", "online", "sum", pl.col("online_s").sum(), requires="online"),
    # -- spreads: Σ x² behind the standard deviation of a mean's events (intervals in diagnostics) -----
    _M("first_response_sq_total_s", "首次响应平方和", "First responses, sum of squares", "seconds²", "neutral",
       "Σ first_response_s² over the receptions in first_response_count", "receptions", "sum",
       _squares("first_response_s")),
    _M("response_sq_total_s", "响应时间平方和", "Responses, sum of squares", "seconds²", "neutral",
       "Σ response_s² over the responses in response_count", "responses", "sum", _squares("response_s")),
    _C("buyer_amount_sq_total", "买家金额平方和", "Buyer amounts, sum of squares", "yuan²", "neutral",
       "Σ over buyers of (the buyer's credited amount)²", "sales", "sum",
       (pl.col("amount") * pl.col("buyer_amount")).sum()),
    _C("buyer_units_sq_total", "买家件数平方和", "Buyer units, sum of squares", "units²", "neutral",
       "Σ over buyers of (the buyer's credited units)²", "sales", "sum",
       (pl.col("units").cast(pl.Float64) * pl.col("buyer_units")).sum()),
)
MEASURE_BY_ID: dict[str, Measure] = {m.id: m for m in MEASURES}


def _test(metric_id: str) -> str:
    return f"{TEST_FILE}::test_{metric_id}"


def simple(measure_id: str) -> Metric:
    """A metric that is one measure as it is (names, unit and direction are the measure's)."""
    m = MEASURE_BY_ID[measure_id]
    kind: MetricType = "quantile" if m.agg == "quantile" else "simple"
    return Metric(m.id, m.zh, m.en, m.unit, m.direction, m.definition, kind, (m.id,), _test(m.id), requires=m.requires,
                  definition_zh=m.definition_zh)


def ratio(id: str, zh: str, en: str, unit: Unit, direction: Direction, definition: str, num: str, den: str, *,
          kind: MetricType = "ratio", spread: str | None = None, requires: str | None = None,
          share: bool = True) -> Metric:
    """num / den, null when den is 0 (``kind='mean'``: a total over the count it averages over)."""
    return Metric(id, zh, en, unit, direction, definition, kind, (num, den), _test(id), spread=spread, requires=requires,
                  definition_zh=DEFINITIONS_ZH[id], share=share)


def derived(id: str, zh: str, en: str, unit: Unit, direction: Direction, definition: str, expr: pl.Expr,
            measures: tuple[str, ...], requires: str | None = None) -> Metric:
    """A linear expression over measures, so it adds up like they do."""
    return Metric(id, zh, en, unit, direction, definition, "derived", measures, _test(id), expr=expr, requires=requires,
                  definition_zh=DEFINITIONS_ZH[id])


METRICS: tuple[Metric, ...] = (
    simple("consult_customers"), simple("received_customers"), simple("filtered_customers"), simple("inquiry_customers"),
    simple("sales_amount"), simple("sales_units"), simple("buyers"),
    ratio("aov", "客单价", "Average order value", "yuan", "higher", "sales_amount / buyers", "sales_amount", "buyers",
          kind="mean", spread="buyer_amount_sq_total"),
    ratio("units_per_buyer", "客件数", "Units per buyer", "units", "higher", "sales_units / buyers", "sales_units",
          "buyers", kind="mean", spread="buyer_units_sq_total"),
    ratio("conv_next_day", "询单→次日付款成功率", "Inquiry → next-day payment rate", "ratio", "higher",
          "conv_next_day_customers / inquiry customers (less assisted)", "conv_next_day_customers", "conv_base_customers"),
    ratio("conv_final", "询单→最终付款成功率", "Inquiry → final payment rate", "ratio", "higher",
          "conv_final_customers / inquiry customers (less assisted)", "conv_final_customers", "conv_base_customers"),
    ratio("order_to_pay", "下单→付款率", "Order → payment rate", "ratio", "higher",
          "credited orders created in the period and paid (by the data's end) / credited orders created in the period",
          "created_paid_orders", "created_orders"),
    simple("assist_customers"),
    ratio("qa_ratio", "答问比", "Answer/question ratio", "ratio", "higher",
          "agent messages / customer messages in the agent's received receptions (auto excluded)", "agent_msgs",
          "customer_msgs", share=False),
    ratio("reply_rate", "回复率", "Reply rate", "ratio", "higher",
          "customers with ≥1 agent message in a received reception / received_customers", "replied_customers",
          "received_customers"),
    derived("unreplied_customers", "未回复人数", "Unreplied customers", "people", "lower", "received − replied customers",
            pl.col("received_customers") - pl.col("replied_customers"), ("received_customers", "replied_customers")),
    simple("slow_customers"),
    ratio("first_response_s", "首次响应时间", "First response time", "seconds", "lower",
          "mean first response over received receptions whose first burst was answered", "first_response_total_s",
          "first_response_count", kind="mean", spread="first_response_sq_total_s"),
    ratio("avg_response_s", "平均响应时间", "Average response time", "seconds", "lower",
          "mean response time over all answered bursts", "response_total_s", "response_count", kind="mean",
          spread="response_sq_total_s"),
    simple("p50_response_s"), simple("p90_response_s"),
    ratio("avg_reception_s", "平均接待时长", "Average reception time", "seconds", "neutral",
          "total duration of received receptions / replied customers", "reception_total_s", "replied_customers",
          kind="mean"),
    simple("reminded_orders"), simple("recovered_orders"),
    ratio("recovery_rate", "挽单率", "Recovery rate", "ratio", "higher", "recovered_orders / reminded_orders",
          "recovered_orders", "reminded_orders"),
    ratio("refund_rate", "退款率", "Refund rate", "ratio", "lower", "refunded amount / sales_amount", "refund_amount",
          "sales_amount", requires="orders.refund_amount"),
    ratio("service_score", "服务态度评分", "Service score (DSR)", "score", "higher", "mean review service_score",
          "service_score_total", "review_count", kind="mean", requires="reviews"),
    ratio("good_review_rate", "好评率", "Good review rate", "ratio", "higher", "reviews with service_score ≥ 4 / reviews",
          "good_reviews", "review_count", requires="reviews"),
    simple("low_quality_reviews"), simple("disputes"),
    ratio("repeat_rate", "回头率", "Repeat rate", "ratio", "higher",
          "repeat_buyers / buyers (provisional until the data covers repeat_days after the period)", "repeat_buyers",
          "buyers"),
    derived("online_hours", "在线时长", "Online hours", "hours", "neutral", "hours logged in during the period",
            pl.col("online_s") / 3600, ("online_s",), requires="online"),
    ratio("sales_per_online_hour", "每小时销售额", "Sales per online hour", "yuan/hour", "higher",
          "sales_amount / online_hours", "sales_amount", "online_hours", requires="online"),
    ratio("consult_per_online_hour", "每小时咨询人数", "Consultations per online hour", "people/hour", "higher",
          "consult_customers / online_hours: volume for the time worked, so fewer shifts do not read as fewer customers",
          "consult_customers", "online_hours", requires="online"),
)
METRIC_BY_ID: dict[str, Metric] = {m.id: m for m in METRICS}

CATALOGUE: dict[str, Metric | Measure] = {**MEASURE_BY_ID, **METRIC_BY_ID}
"""Everything addressable by id: metrics, and the measures behind them (a simple metric shares its measure's id)."""
PUBLIC_IDS: tuple[str, ...] = tuple(METRIC_BY_ID)
"""The metric columns of the per-agent table, in display order."""
COMPONENT_IDS: tuple[str, ...] = tuple(m for m in MEASURE_BY_ID if m not in METRIC_BY_ID)
"""The measures that are not metrics themselves (numerators, denominators, spreads), in declaration order."""
OUTPUT_IDS: tuple[str, ...] = (*PUBLIC_IDS, *COMPONENT_IDS)


def metric(metric_id: str) -> Metric | Measure:
    """Look a metric (or measure) up by id, with the list of valid metric ids when it is unknown."""
    try:
        return CATALOGUE[metric_id]
    except KeyError:
        from csana.errors import CsanaError

        raise CsanaError(f"unknown metric '{metric_id}'", fix=f"use one of: {', '.join(PUBLIC_IDS)}") from None


def label(metric_id: str, lang: str = "zh") -> str:
    """Display name of a metric column; unknown columns are returned unchanged."""
    found = CATALOGUE.get(metric_id)
    return found.label(lang) if found else metric_id


def combinable(metric_id: str) -> bool:
    """Whether a metric can be recomputed for a group (a team, a month of days) from its parts."""
    if metric_id in MEASURE_BY_ID:
        return MEASURE_BY_ID[metric_id].combinable
    return all(combinable(part) for part in METRIC_BY_ID[metric_id].measures)


CREDIT_IDS: tuple[str, ...] = tuple(m.id for m in MEASURES if m.credit)
"""The measures weighted by credit share: fractional (Float64) under the ``split`` rule."""


def dtype(column: str, fractional: bool = False) -> pl.DataType:
    """The polars type of a metric or measure column (``fractional``: a credit measure under ``split``)."""
    return pl.Float64 if fractional and column in CREDIT_IDS else CATALOGUE[column].dtype


def catalogue_frame(lang: str = "zh") -> pl.DataFrame:
    """The catalogue as a table (for reports' definitions appendix and the CLI): metrics, then other measures."""
    rows = [{"id": m.id, "zh": m.zh, "en": m.en, "unit": m.unit, "direction": m.direction,
             "definition": m.definition, "definition_zh": m.definition_zh, "public": True} for m in METRICS]
    rows += [{"id": m.id, "zh": m.zh, "en": m.en, "unit": m.unit, "direction": m.direction,
              "definition": m.definition, "definition_zh": m.definition_zh, "public": False}
             for m in MEASURES if m.id not in METRIC_BY_ID]
    return pl.DataFrame(rows)
