"""The monthly report's sections: each function takes a :class:`ReportContext` and returns a displayable object.

HTML sections return :class:`IPython.display.HTML`; chart sections return altair charts
(rendered as inline SVG by :func:`csana.charts.use_svg`). Sections only arrange and
format what the context holds; all data text is escaped (:func:`csana.report.format.esc`).

Sections, in report order: :func:`header`, :func:`summary`, :func:`leaderboard`,
:func:`charts_heading` with :func:`response_chart`, :func:`funnel_chart`,
:func:`trend_chart`, :func:`value_chart`; :func:`diagnostics`; :func:`scorecards`
(one printed page per agent, for one-to-one reviews); :func:`appendix` (data quality,
parameters, definitions, coverage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import altair as alt
import polars as pl
from IPython.display import HTML

from csana import charts
from csana.metrics import CATALOGUE, PUBLIC_IDS, label
from csana.report.context import ReportContext
from csana.scheme import Scheme
from csana.report.format import (
    DASH,
    Column,
    delta,
    esc,
    format_metric,
    format_value,
    html_table,
    metric_column,
    missing,
    text_column,
)

SUMMARY_METRICS = (
    "received_customers", "inquiry_customers", "buyers", "sales_amount",
    "aov", "conv_next_day", "conv_final", "order_to_pay",
    "reply_rate", "first_response_s", "avg_response_s", "p90_response_s",
)
LEADERBOARD_METRICS = ("received_customers", "conv_final", "sales_amount", "aov", "first_response_s")
CARD_METRICS = (
    "received_customers", "inquiry_customers", "buyers", "sales_amount", "aov", "units_per_buyer",
    "conv_next_day", "conv_final", "order_to_pay", "assist_customers", "qa_ratio", "reply_rate",
    "slow_customers", "first_response_s", "avg_response_s", "p90_response_s", "recovery_rate",
    "refund_rate", "service_score", "good_review_rate", "disputes", "sales_per_online_hour",
)
TREND_METRICS = ("received_customers", "sales_amount", "conv_final", "avg_response_s")

_T: dict[str, tuple[str, str]] = {
    "title": ("客服月度绩效报告", "Customer-service monthly report"),
    "shop_scope": ("全店", "whole shop"),
    "team": ("组别", "Team"),
    "shop": ("店铺", "Shop"),
    "period": ("统计周期", "Period"),
    "data": ("数据", "Data"),
    "scheme": ("考核方案", "Scheme"),
    "generated": ("生成于", "Generated"),
    "provisional": ("暂定", "provisional"),
    "final_on": ("{day} 定稿", "final on {day}"),
    "provisional_banner": ("数据截至 {end}：{names} 仍为暂定值，分别于 {days} 定稿。",
                           "Data ends {end}: {names} are provisional, final on {days}."),
    "summary": ("本月概览", "Summary"),
    "last_month": ("上月", "last month"),
    "no_previous": ("没有上月数据，无法对比。", "No data for the previous month to compare with."),
    "agents_active": ("本月在岗客服 {n} 人。", "{n} agents active this month."),
    "top_agents": ("综合得分前三：{names}。", "Top scores: {names}."),
    "weak_agents": ("{n} 人有统计上偏弱的指标，最需要的培训：{action}（{k} 人）。",
                    "{n} agents have a statistically weak indicator; most needed training: {action} ({k} agents)."),
    "no_weak": ("没有客服的指标在统计上明显偏弱。", "No agent has a statistically weak indicator."),
    "value_line": ("客服接待订单 {served} 笔，客单价 {served_aov}；静默下单 {silent} 笔，客单价 {silent_aov}。",
                   "CS-served orders: {served}, AOV {served_aov}; silent orders: {silent}, AOV {silent_aov}."),
    "people_note": ("人数按去重顾客计：同一顾客在范围内只计一次。",
                    "People are distinct customers: each customer counts once in the scope."),
    "leaderboard": ("绩效排行榜", "Leaderboard"),
    "rank": ("名次", "Rank"),
    "agent": ("客服", "Agent"),
    "grade": ("等级", "Grade"),
    "score": ("得分", "Score"),
    "percent": ("得分率", "Score %"),
    "pay": ("应发合计", "Total pay"),
    "status": ("状态", "Status"),
    "unscored": ("未纳入考核方案的客服：{names}。", "Agents no scheme applies to: {names}."),
    "rank_note": ("名次与等级按本月全部客服计算；得分 = 加权得分 / 满分。",
                  "Rank and grade are among all agents of the month; score = weighted total / full score."),
    "charts": ("图表", "Charts"),
    "no_responses": ("本月没有已回复的响应记录。", "No answered responses this month."),
    "raw_only": ("此图需要聊天记录（平台导出数据没有逐条消息）。", "This chart needs chat logs (platform exports hold no messages)."),
    "value_scope_note": ("静默下单按全店统计。", "Silent orders are counted for the whole shop."),
    "diagnostics": ("诊断与培训计划", "Diagnostics and training plan"),
    "plan": ("团队培训计划", "Team training plan"),
    "action": ("培训动作", "Action"),
    "owner": ("负责", "Owner"),
    "agents_needing": ("需要人数", "Agents"),
    "who": ("客服", "Who"),
    "findings": ("偏弱指标明细", "Weak indicators"),
    "indicator": ("指标", "Indicator"),
    "value": ("本人", "Value"),
    "benchmark": ("基准", "Benchmark"),
    "gap": ("差距", "Gap"),
    "sample": ("样本", "n"),
    "note": ("说明", "Note"),
    "diagnosis_method": ("“偏弱”指置信区间整体落在基准（团队中位数或行业标准）之外；样本太小的指标不判定。",
                         "'Weak' means the whole confidence interval lies beyond the benchmark (team median or norm); "
                         "samples too small to tell are not judged."),
    "drilldown": ("转化率下钻（全店）", "Conversion drill-down (whole shop)"),
    "by_response": ("按首次响应时间", "By first-response time"),
    "first_response_bucket": ("首次响应", "First response"),
    "inquiry_receptions": ("询单接待", "Inquiry receptions"),
    "converted": ("成交", "Converted"),
    "conv_rate": ("转化率 (95% 区间)", "Rate (95% interval)"),
    "reminders": ("催付效果", "Payment reminders"),
    "group": ("分组", "Group"),
    "unpaid_orders": ("未付款订单", "Unpaid orders"),
    "paid_in_end": ("最终付款", "Paid in the end"),
    "reminder_note": ("下单后一段时间仍未付款的订单，按是否催付分组：这是观察到的差异，不能证明催付导致付款。",
                      "Orders still unpaid a while after creation, by whether they were reminded: an observed "
                      "difference, not proof that reminders cause payment."),
    "lost_reasons": ("未成交原因", "Lost reasons"),
    "customers": ("人数", "Customers"),
    "share": ("占比", "Share"),
    "opportunity": ("改进空间（估算）", "Opportunity (estimate)"),
    "extra_paid": ("可多成交人数", "Extra paid customers"),
    "extra_sales": ("可多销售额", "Extra sales"),
    "method": ("估算方法", "Method"),
    "review": ("抽查聊天记录", "Chat-review sample"),
    "review_note": ("顾客身份已匿名化，手机号、地址等已遮盖；用于培训复盘。",
                    "Customer identities are pseudonymised and phones/addresses masked; for training reviews."),
    "converted_amount": ("成交 {amount}", "converted {amount}"),
    "scorecard": ("个人绩效卡", "Scorecard"),
    "vs_median": ("指标与团队中位数", "Metrics vs team median"),
    "median": ("团队中位数", "Team median"),
    "score_detail": ("得分明细", "Score detail"),
    "tier": ("档次", "Tier"),
    "weight": ("权重", "Weight"),
    "weighted": ("加权分", "Weighted"),
    "pay_detail": ("薪酬明细", "Pay"),
    "amount": ("金额", "Amount"),
    "weak_actions": ("待改进指标与培训动作", "To improve, and training actions"),
    "factors": ("影响因素", "Factors"),
    "none_weak": ("本月没有偏弱指标。", "No weak indicator this month."),
    "sign_agent": ("客服签字 / 日期", "Agent signature / date"),
    "sign_lead": ("主管签字 / 日期", "Team lead signature / date"),
    "of": ("{rank} / {n}", "{rank} of {n}"),
    "appendix": ("附录：数据质量与口径", "Appendix: data quality and definitions"),
    "coverage": ("数据覆盖", "Data coverage"),
    "messages": ("聊天记录", "Messages"),
    "orders": ("订单", "Orders"),
    "data_end": ("数据截止日", "Data end"),
    "rows": ("读取与剔除", "Rows read and rejected"),
    "file": ("文件", "File"),
    "table": ("表", "Table"),
    "encoding": ("编码", "Encoding"),
    "read": ("读取", "Read"),
    "used": ("使用", "Used"),
    "rejected": ("剔除", "Rejected"),
    "in_memory": ("数据来自内存（未从文件读取），没有逐行读取记录。", "The data was built in memory; no per-file row account."),
    "reasons": ("剔除原因", "Rejection reasons"),
    "column": ("列", "Column"),
    "reason": ("原因", "Reason"),
    "first_rows": ("前几行", "First rows"),
    "fix": ("修正方法", "Fix"),
    "no_rejects": ("没有被剔除的行。", "No row was rejected."),
    "warnings": ("加载提示", "Loading notes"),
    "parameters": ("参数", "Parameters"),
    "report_parameters": ("报告参数", "Report parameters"),
    "metric_parameters": ("指标参数", "Metric parameters"),
    "definitions": ("指标定义", "Metric definitions"),
    "provisional_table": ("暂定指标", "Provisional metrics"),
    "none": ("无", "none"),
}


def t(key: str, lang: str, **values: Any) -> str:
    """Report text in ``lang``, with ``{placeholders}`` filled (values are not escaped here)."""
    zh, en = _T[key]
    return (zh if lang == "zh" else en).format(**values)


def _html(*parts: str) -> HTML:
    return HTML("".join(parts))


def _person(row: Mapping[str, Any]) -> str:
    name, agent_id = row.get("name"), row.get("agent_id")
    if name and name != agent_id:
        return f'{esc(name)} <span class="note">{esc(agent_id)}</span>'
    return esc(agent_id)


def _list(values: Iterable[Any], lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(str(v) for v in values if v is not None)


# -- header and summary -----------------------------------------------------------------------


def header(ctx: ReportContext) -> HTML:
    """Title, scope, period, data source, scheme, and the provisional-data banner."""
    lang = ctx.lang
    first, last = ctx.month_days
    scope = [(t("shop", lang), ctx.shop_id), (t("team", lang), ctx.team)]
    facts = [
        (t("period", lang), f"{ctx.month} ({first:%Y-%m-%d} – {last:%Y-%m-%d})"),
        *[(k, v) for k, v in scope if v],
        (t("data", lang), ctx.dataset.source),
        (t("scheme", lang), _list((f"{s.label(lang)} ({s.content_hash})" for _, s in ctx.schemes), lang)),
        (t("generated", lang), dt.date.today().isoformat()),
    ]
    subtitle = " · ".join(f"{esc(k)}: {esc(v)}" for k, v in facts)
    heading = t("title", lang) + f" {ctx.month}" + (f" · {ctx.team}" if ctx.team else "")
    return _html(f"<h1>{esc(heading)}</h1>", f'<p class="subtitle">{subtitle}</p>', _provisional_banner(ctx))


def _provisional_banner(ctx: ReportContext) -> str:
    rows = ctx.provisional
    if rows.height == 0:
        return ""
    lang = ctx.lang
    text = t("provisional_banner", lang, end=rows["data_end"][0], names=_list((label(m, lang) for m in rows["metric"]), lang),
             days=_list((f"{d:%Y-%m-%d}" for d in rows["final_on"]), lang))
    return f'<p><span class="flag">{esc(t("provisional", lang))}</span> {esc(text)}</p>'


def _flag(ctx: ReportContext, metric_id: str) -> str:
    rows = ctx.provisional.filter(pl.col("metric") == metric_id)
    if rows.height == 0:
        return ""
    final_on = t("final_on", ctx.lang, day=f"{rows['final_on'][0]:%Y-%m-%d}")
    return f'<span class="flag" title="{esc(final_on)}">{esc(t("provisional", ctx.lang))} · {esc(final_on)}</span>'


def kpi_tile(ctx: ReportContext, metric_id: str) -> str:
    """One KPI: this month's group total, last month's, the change coloured by direction, a provisional flag."""
    lang = ctx.lang
    now = ctx.now.totals.get(metric_id)
    before = ctx.before.totals.get(metric_id) if ctx.before is not None else None
    change = delta(metric_id, now, before, lang)
    last = f'{esc(t("last_month", lang))} {esc(format_metric(metric_id, before, lang))}'
    return (
        f'<div class="kpi"><div class="name">{esc(label(metric_id, lang))}{_flag(ctx, metric_id)}</div>'
        f'<div class="value">{esc(format_metric(metric_id, now, lang))}</div>'
        f'<div class="before">{last} <span class="delta {change.tone}">{esc(change.text)}</span></div></div>'
    )


def summary(ctx: ReportContext) -> HTML:
    """One screen: the scope's KPIs vs last month, and the month's headlines."""
    lang = ctx.lang
    tiles = "".join(kpi_tile(ctx, m) for m in SUMMARY_METRICS if m in ctx.now.totals)
    notes = [t("agents_active", lang, n=ctx.now.agents.height)]
    ranked = ctx.scores.filter(pl.col("rank").is_not_null()).sort("rank", "agent_id")
    if ranked.height:
        top = [row.get("name") or row["agent_id"] for row in ranked.head(3).iter_rows(named=True)]
        notes.append(t("top_agents", lang, names=_list(top, lang)))
    weak = ctx.diagnosis.weak_agents()
    if weak and ctx.diagnosis.plan.height:
        first = ctx.diagnosis.plan.row(0, named=True)
        notes.append(t("weak_agents", lang, n=len(weak), action=first["action_label"], k=first["agents_needing"]))
    else:
        notes.append(t("no_weak", lang))
    value = _service_value_line(ctx)
    if value:
        notes.append(value)
    if ctx.before is None:
        notes.append(t("no_previous", lang))
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return _html(
        f"<h2>{esc(t('summary', lang))}</h2>",
        f'<div class="kpi-grid">{tiles}</div>',
        f"<ul>{items}</ul>",
        f'<p class="note">{esc(t("people_note", lang))}</p>',
    )


def _service_value_line(ctx: ReportContext) -> str:
    if ctx.now.shop is None:
        return ""
    kinds = {r["kind"]: r for r in ctx.now.shop.service_value.iter_rows(named=True)}
    served, silent = kinds.get("served", {}), kinds.get("silent", {})
    return t("value_line", ctx.lang, served=f"{served.get('orders', 0):,}", silent=f"{silent.get('orders', 0):,}",
             served_aov=format_value(served.get("aov"), "yuan", ctx.lang),
             silent_aov=format_value(silent.get("aov"), "yuan", ctx.lang))


# -- leaderboard -------------------------------------------------------------------------------


def ranked_agents(ctx: ReportContext) -> pl.DataFrame:
    """Every agent of the scope with its metrics and score, by scheme (in report order), best rank first.

    Agents no scheme applies to come last, with null scheme and score.
    """
    scores = ctx.scores.select("agent_id", *[c for c in ctx.scores.columns if c not in ctx.now.agents.columns])
    order = {name: i for i, (name, _) in enumerate(ctx.schemes)}
    return (
        ctx.now.agents.join(scores, on="agent_id", how="left")
        .with_columns(_order=pl.col("scheme").replace_strict(order, default=None, return_dtype=pl.Int64))
        .sort("_order", "rank", "agent_id", nulls_last=True)
        .drop("_order")
    )


def _headline_metrics(scheme: Scheme) -> list[str]:
    """The scheme's own metric indicators (up to five), else the standard headline metrics."""
    own = list(dict.fromkeys(ind.metric for ind in scheme.indicators if ind.metric is not None))
    return own[:5] if own else list(LEADERBOARD_METRICS)


def _grade(row: Mapping[str, Any]) -> str:
    grade = row.get("grade")
    if grade is None:
        return DASH
    css = esc(str(grade)[:1].upper()) if str(grade)[:1].upper() in "ABCD" else "X"
    return f'<span class="grade grade-{css}">{esc(grade)}</span>'


def _score_text(row: Mapping[str, Any]) -> str:
    if missing(row.get("total")):
        return DASH
    return f"{row['total']:,.1f} / {row['full_score']:,.0f}"


def _status(lang: str) -> Column:
    from csana.scoring import STATUS

    def cell(row: Mapping[str, Any]) -> str:
        status = row.get("status")
        if status in (None, "ok"):
            return ""
        zh, en = STATUS.get(status, (status, status))
        return f'<span class="flag">{esc(zh if lang == "zh" else en)}</span>'

    return Column(t("status", lang), cell)


def leaderboard(ctx: ReportContext) -> HTML:
    """Per scheme, its agents with rank, grade, score, pay and the scheme's metrics; then the unscored agents."""
    lang = ctx.lang
    agents = ranked_agents(ctx)
    parts = [f'<h2 class="page-break">{esc(t("leaderboard", lang))}</h2>']
    for name, scheme in ctx.schemes:
        rows = agents.filter(pl.col("scheme") == name)
        if rows.height:
            parts += [f"<h3>{esc(scheme.label(lang))}</h3>", html_table(rows, _board_columns(ctx, scheme), "data compact")]
    unscored = agents.filter(pl.col("scheme").is_null())
    if unscored.height:
        names = _list((r.get("name") or r["agent_id"] for r in unscored.iter_rows(named=True)), lang)
        parts.append(f"<p>{esc(t('unscored', lang, names=names))}</p>")
    parts.append(f'<p class="note">{esc(t("rank_note", lang))}</p>')
    return _html(*parts)


def _board_columns(ctx: ReportContext, scheme: Scheme) -> list[Column]:
    lang = ctx.lang
    return [
        Column(t("rank", lang), lambda r: esc(r.get("rank") if r.get("rank") is not None else DASH), numeric=True),
        Column(t("agent", lang), _person),
        *([text_column(t("team", lang), "team")] if ctx.team is None else []),
        Column(t("grade", lang), _grade),
        Column(t("score", lang), lambda r: esc(_score_text(r)), numeric=True),
        Column(t("percent", lang), lambda r: esc(format_value(r.get("percent"), "ratio", lang)), numeric=True),
        Column(t("pay", lang), lambda r: esc(format_value(r.get("total_pay"), "yuan", lang)), numeric=True),
        *[metric_column(m, lang) for m in _headline_metrics(scheme)],
        _status(lang),
    ]


# -- charts ------------------------------------------------------------------------------------


def charts_heading(ctx: ReportContext) -> HTML:
    return _html(f'<h2 class="page-break">{esc(t("charts", ctx.lang))}</h2>')


def response_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """Distribution of the month's answered response times with P50, P90 and the slow threshold."""
    if ctx.dataset.kind != "raw":
        return _html(f'<p class="note">{esc(t("raw_only", ctx.lang))}</p>')
    responses = ctx.responses()
    if responses.height == 0:
        return _html(f'<p class="note">{esc(t("no_responses", ctx.lang))}</p>')
    return charts.response_time_distribution(responses, ctx.lang, slow_s=ctx.params.slow_response_s)


def funnel_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """The scope's conversion funnel (consult → received → inquiry → ordered → paid)."""
    from csana.engine import funnel

    if not ctx.now.totals:
        return _html(f'<p class="note">{esc(t("raw_only", ctx.lang))}</p>')
    return charts.funnel(funnel(ctx.now.totals), ctx.lang)


def trend_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """Daily received customers, sales, conversion and response time of the scope."""
    if ctx.dataset.kind != "raw":
        return _html(f'<p class="note">{esc(t("raw_only", ctx.lang))}</p>')
    return charts.daily_trend(ctx.daily(), TREND_METRICS, ctx.lang)


def value_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """CS-served vs silent orders: the value customer service adds to AOV."""
    if ctx.now.shop is None:
        return _html(f'<p class="note">{esc(t("raw_only", ctx.lang))}</p>')
    chart = charts.served_vs_silent(ctx.now.shop.service_value, ctx.lang)
    if ctx.team is None:
        return chart
    return alt.vconcat(chart, alt.Chart(pl.DataFrame({"n": [t("value_scope_note", ctx.lang)]})).mark_text(
        align="left", color=charts.NEUTRAL).encode(text="n:N")).properties(spacing=4)


# -- diagnostics -------------------------------------------------------------------------------


def _finding_value(key: str, lang: str) -> Column:
    return Column(t(key, lang), lambda r: esc(format_value(r.get(key), r.get("unit") or "units", lang)), numeric=True)


def diagnostics(ctx: ReportContext) -> HTML:
    """The team training plan (actions by how many agents need them) and each weak indicator's evidence."""
    lang = ctx.lang
    plan_columns = [
        text_column(t("action", lang), "action_label", wrap=True),
        text_column(t("owner", lang), "owner"),
        Column(t("agents_needing", lang), lambda r: esc(r.get("agents_needing")), numeric=True),
        Column(t("who", lang), lambda r: esc(_list(r.get("names") or [], lang)), wrap=True),
    ]
    weak = ctx.diagnosis.weak.sort("agent_id")
    finding_columns = [
        Column(t("agent", lang), _person),
        text_column(t("indicator", lang), "metric_label"),
        _finding_value("value", lang),
        _finding_value("benchmark", lang),
        Column(t("gap", lang), lambda r: esc(_gap(r, lang)), numeric=True),
        Column(t("sample", lang), lambda r: esc(r.get("n") if r.get("n") is not None else DASH), numeric=True),
        text_column(t("note", lang), "note", wrap=True),
    ]
    parts = [f'<h2 class="page-break">{esc(t("diagnostics", lang))}</h2>', f"<h3>{esc(t('plan', lang))}</h3>"]
    if ctx.diagnosis.plan.height:
        parts.append(html_table(ctx.diagnosis.plan, plan_columns))
    else:
        parts.append(f"<p>{esc(t('no_weak', lang))}</p>")
    parts.append(f"<h3>{esc(t('findings', lang))}</h3>")
    parts.append(html_table(weak, finding_columns, "data compact") if weak.height else f"<p>{esc(t('no_weak', lang))}</p>")
    parts.append(f'<p class="note">{esc(t("diagnosis_method", lang))}</p>')
    if ctx.drilldown is not None:
        parts.append(_drilldown(ctx))
    return _html(*parts)


def _rate(row: Mapping[str, Any], lang: str) -> str:
    rate = format_value(row.get("rate"), "ratio", lang)
    if missing(row.get("ci_low")) or missing(row.get("ci_high")):
        return rate
    return f"{rate} ({format_value(row['ci_low'], 'ratio', lang)}–{format_value(row['ci_high'], 'ratio', lang)})"


def _drilldown(ctx: ReportContext) -> str:
    """Conversion drill-down: by first-response time, payment reminders, lost reasons, estimated opportunity."""
    lang = ctx.lang
    dd = ctx.drilldown
    assert dd is not None
    count = lambda key, header: Column(header, lambda r: esc(f"{r.get(key) or 0:,}"), numeric=True)  # noqa: E731
    rate = Column(t("conv_rate", lang), lambda r: esc(_rate(r, lang)), numeric=True)
    parts = [f"<h3>{esc(t('drilldown', lang))}</h3>", f"<h4>{esc(t('by_response', lang))}</h4>",
             html_table(dd.by_response.filter(pl.col("agent_id") == "*").sort("bucket_order"),
                        [text_column(t("first_response_bucket", lang), "bucket"),
                         count("receptions", t("inquiry_receptions", lang)), count("converted", t("converted", lang)), rate],
                        "data compact"),
             f"<h4>{esc(t('reminders', lang))}</h4>",
             html_table(dd.reminder_effect, [text_column(t("group", lang), "group"), count("orders", t("unpaid_orders", lang)),
                                             count("paid", t("paid_in_end", lang)), rate], "data compact"),
             f'<p class="note">{esc(t("reminder_note", lang))}</p>']
    lost = dd.lost_reasons.filter(pl.col("agent_id") == "*").head(8)
    if lost.height:
        parts += [f"<h4>{esc(t('lost_reasons', lang))}</h4>",
                  html_table(lost, [text_column(t("reason", lang), "reason", wrap=True),
                                    count("customers", t("customers", lang)),
                                    Column(t("share", lang), lambda r: esc(format_value(r.get("share"), "ratio", lang)),
                                           numeric=True)], "data compact")]
    chance = dd.opportunity.filter(pl.col("agent_id").is_in(ctx.now.agents["agent_id"].implode()))
    if chance.height:
        parts += [f"<h4>{esc(t('opportunity', lang))}</h4>",
                  html_table(chance, [
                      Column(t("agent", lang), _person),
                      Column(t("indicator", lang), lambda r: esc(label(r["metric"], lang))),
                      Column(t("value", lang), lambda r: esc(format_metric(r["metric"], r.get("current"), lang)), numeric=True),
                      Column(t("median", lang), lambda r: esc(format_metric(r["metric"], r.get("target"), lang)), numeric=True),
                      Column(t("extra_paid", lang), lambda r: esc(format_value(r.get("extra_paid"), "people", lang)),
                             numeric=True),
                      Column(t("extra_sales", lang), lambda r: esc(format_value(r.get("extra_sales"), "yuan", lang)),
                             numeric=True),
                      text_column(t("method", lang), "method", wrap=True),
                  ], "data compact")]
    return "".join(parts)


def review(ctx: ReportContext) -> HTML:
    """Chat-review sample (抽查聊天记录): masked conversations of weak agents to review, and the best to copy."""
    lang = ctx.lang
    if ctx.review is None or ctx.review.height == 0:
        return _html("")
    items = []
    for r in ctx.review.iter_rows(named=True):
        facts = [r.get("kind_label"), r.get("name") or r.get("agent_id"), r.get("customer"),
                 f"{r['start']:%Y-%m-%d %H:%M}" if r.get("start") else None,
                 f"{label('first_response_s', lang)} {format_value(r.get('first_response_s'), 'seconds', lang)}",
                 t("converted_amount", lang, amount=format_value(r.get("amount"), "yuan", lang)) if r.get("converted") else None]
        excerpt = r.get("excerpt")
        items.append(
            '<div class="review">'
            f'<div class="review-head">{esc(" · ".join(str(f) for f in facts if f))}</div>'
            + (f'<pre class="excerpt">{esc(excerpt)}</pre>' if excerpt else "") + "</div>"
        )
    return _html(f'<h2 class="page-break">{esc(t("review", lang))}</h2>',
                 f'<p class="note">{esc(t("review_note", lang))}</p>', *items)


def _gap(row: Mapping[str, Any], lang: str) -> str:
    gap = row.get("gap")
    if missing(gap):
        return DASH
    unit = row.get("unit") or "units"
    sign = "+" if gap > 0 else ("−" if gap < 0 else "±")
    return sign + format_value(abs(gap), unit, lang)


# -- scorecards --------------------------------------------------------------------------------


def _medians(ctx: ReportContext, team: str | None) -> dict[str, Any]:
    """The team's median of every metric (the shop's when the agent has no team)."""
    if ctx.now.shop is None:
        return {}
    stats = ctx.now.shop.team_stats.filter(pl.col("stat") == "median")
    rows = stats.filter(pl.col("team") == (team or "*"))
    if rows.height == 0:
        rows = stats.filter(pl.col("team") == "*")
    return rows.row(0, named=True) if rows.height else {}


def _bar(value: Any, median: Any, scale: float) -> str:
    if missing(value) or missing(median) or scale <= 0:
        return ""
    width = max(0.0, min(100.0, value / scale * 100))
    mark = max(0.0, min(100.0, median / scale * 100))
    return f'<div class="bar"><span style="width:{width:.1f}%"></span><i style="left:{mark:.1f}%"></i></div>'


def _card_metrics(ctx: ReportContext) -> list[str]:
    """The scorecard's metrics: the standard list, less optional ones the data does not hold."""
    agents = ctx.now.agents
    return [m for m in CARD_METRICS if m in agents.columns and agents[m].null_count() < agents.height]


def _metrics_table(ctx: ReportContext, row: Mapping[str, Any], medians: Mapping[str, Any]) -> str:
    lang = ctx.lang
    lines = []
    for m in _card_metrics(ctx):
        value, median = row.get(m), medians.get(m)
        column_max = ctx.now.agents[m].cast(pl.Float64).max()
        scale = float(column_max) if column_max is not None and column_max > 0 else 0.0
        versus = delta(m, value, median, lang)
        lines.append(
            f"<tr><td>{esc(label(m, lang))}</td><td class=\"num\">{esc(format_metric(m, value, lang))}</td>"
            f"<td class=\"num\">{esc(format_metric(m, median, lang))}</td>"
            f"<td class=\"num\"><span class=\"delta {versus.tone}\">{esc(versus.text)}</span></td>"
            f"<td>{_bar(value, median, scale)}</td></tr>"
        )
    head = (f"<tr><th>{esc(t('indicator', lang))}</th><th class=\"num\">{esc(t('value', lang))}</th>"
            f"<th class=\"num\">{esc(t('median', lang))}</th><th class=\"num\">{esc(t('gap', lang))}</th><th></th></tr>")
    return f'<table class="data compact"><thead>{head}</thead><tbody>{"".join(lines)}</tbody></table>'


def _indicator_value(ind: Any, value: Any, lang: str) -> str:
    if ind.basis != "absolute":
        return format_value(value, "ratio", lang)
    if ind.metric is not None:
        return format_metric(ind.metric, value, lang)
    return format_value(value, "score", lang)


def _score_table(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    lang = ctx.lang
    scheme = ctx.scheme(row["scheme"])
    manual = scheme.manual_catalogue
    lines = []
    for ind in scheme.indicators:
        status = row.get(f"{ind.id}.status")
        note = "" if status in (None, "ok") else f' <span class="flag">{esc(_status_text(status, lang))}</span>'
        lines.append(
            f"<tr><td>{esc(ind.label(lang, manual))}{note}</td>"
            f"<td class=\"num\">{esc(_indicator_value(ind, row.get(f'{ind.id}.value'), lang))}</td>"
            f"<td>{esc(row.get(f'{ind.id}.tier') or DASH)}</td>"
            f"<td class=\"num\">{esc(format_value(row.get(f'{ind.id}.score'), 'score', lang))}</td>"
            f"<td class=\"num\">{esc(format_value(ind.weight, 'score', lang))}</td>"
            f"<td class=\"num\">{esc(format_value(row.get(f'{ind.id}.weighted'), 'score', lang))}</td></tr>"
        )
    lines.append(
        f"<tr><th colspan=\"5\">{esc(t('score', lang))}</th><th class=\"num\">{esc(_score_text(row))}</th></tr>"
    )
    head = "".join(
        f'<th class="num">{esc(t(k, lang))}</th>' if k in ("score", "weight", "weighted", "value") else f"<th>{esc(t(k, lang))}</th>"
        for k in ("indicator", "value", "tier", "score", "weight", "weighted")
    )
    return f'<table class="data compact"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def _status_text(status: str, lang: str) -> str:
    from csana.scoring import STATUS

    zh, en = STATUS.get(status, (status, status))
    return zh if lang == "zh" else en


def _pay_table(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    from csana.scoring import PAY_PARTS

    lang = ctx.lang
    lines = []
    for part, zh, en in PAY_PARTS:
        amount = row.get(part)
        if part != "total_pay" and (missing(amount) or amount == 0):
            continue
        shown = format_value(-amount if part == "penalties" else amount, "yuan", lang)
        cell = "th" if part == "total_pay" else "td"
        lines.append(f'<tr><{cell}>{esc(zh if lang == "zh" else en)}</{cell}><{cell} class="num">{esc(shown)}</{cell}></tr>')
    head = f'<tr><th>{esc(t("pay_detail", lang))}</th><th class="num">{esc(t("amount", lang))}</th></tr>'
    return f'<table class="data compact"><thead>{head}</thead><tbody>{"".join(lines)}</tbody></table>'


def _weak_list(ctx: ReportContext, agent_id: str) -> str:
    lang = ctx.lang
    weak = ctx.diagnosis.weak.filter(pl.col("agent_id") == agent_id)
    if weak.height == 0:
        return f"<p>{esc(t('none_weak', lang))}</p>"
    items = []
    for r in weak.iter_rows(named=True):
        evidence = (f"{format_value(r['value'], r['unit'] or 'units', lang)} vs "
                    f"{format_value(r['benchmark'], r['unit'] or 'units', lang)}")
        factors = _list(r.get("factors") or [], lang)
        actions = "".join(f"<li>{esc(a)}</li>" for a in (r.get("actions") or []))
        items.append(
            f"<li><b>{esc(r['metric_label'])}</b> {esc(evidence)}"
            + (f'<div class="note">{esc(t("factors", lang))}: {esc(factors)}</div>' if factors else "")
            + (f'<ul class="actions">{actions}</ul>' if actions else "") + "</li>"
        )
    return f'<ul class="actions">{"".join(items)}</ul>'


def _score_and_pay(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    if row.get("scheme") is None:
        return f'<p class="note">{esc(t("unscored", ctx.lang, names=row.get("name") or row["agent_id"]))}</p>'
    scheme = ctx.scheme(row["scheme"])
    return (f'<div class="two-col"><div><h3>{esc(t("score_detail", ctx.lang))} · {esc(scheme.label(ctx.lang))}</h3>'
            f'{_score_table(ctx, row)}</div><div><h3>{esc(t("pay_detail", ctx.lang))}</h3>{_pay_table(ctx, row)}</div></div>')


def scorecard(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    """One agent's printable page: headline, metrics vs team median, score and pay detail, training actions."""
    lang = ctx.lang
    agent_id = row["agent_id"]
    who = f"{esc(row.get('name') or agent_id)}"
    meta = " · ".join(esc(v) for v in (agent_id, row.get("team"), ctx.month) if v)
    rank = t("of", lang, rank=row["rank"], n=ctx.ranked[row["scheme"]]) if row.get("rank") is not None else DASH
    headline = "".join(
        f'<div class="kpi"><div class="name">{esc(name)}</div><div class="value">{value}</div></div>'
        for name, value in (
            (t("score", lang), esc(_score_text(row))),
            (t("grade", lang), _grade(row)),
            (t("rank", lang), esc(rank)),
            (t("pay", lang), esc(format_value(row.get("total_pay"), "yuan", lang))),
        )
    )
    return (
        f'<section class="scorecard"><header><h2>{who}</h2><span class="note">{meta} · {esc(t("scorecard", lang))}</span></header>'
        f'<div class="headline">{headline}</div>'
        f"<h3>{esc(t('vs_median', lang))}</h3>{_metrics_table(ctx, row, _medians(ctx, row.get('team')))}"
        + _score_and_pay(ctx, row) +
        f"<h3>{esc(t('weak_actions', lang))}</h3>{_weak_list(ctx, agent_id)}"
        f'<div class="signature"><div>{esc(t("sign_agent", lang))}</div><div>{esc(t("sign_lead", lang))}</div></div>'
        "</section>"
    )


def scorecards(ctx: ReportContext) -> HTML:
    """One scorecard page per agent, best rank first (nothing when the report was asked without them)."""
    if not ctx.scorecards:
        return _html("")
    return _html(*(scorecard(ctx, row) for row in ranked_agents(ctx).iter_rows(named=True)))


# -- appendix ----------------------------------------------------------------------------------


def _span(frame: pl.DataFrame, column: str) -> str:
    if column not in frame.columns or frame.height == 0 or frame[column].null_count() == frame.height:
        return DASH
    low, high = frame[column].min(), frame[column].max()
    return f"{low:%Y-%m-%d %H:%M} – {high:%Y-%m-%d %H:%M}"


def _coverage(ctx: ReportContext) -> str:
    lang = ctx.lang
    ds = ctx.dataset
    first, last = ctx.month_days
    rows = [
        (t("period", lang), f"{first:%Y-%m-%d} – {last:%Y-%m-%d}"),
        (t("messages", lang), f"{_span(ds.messages, 'ts')} ({ds.messages.height:,})"),
        (t("orders", lang), f"{_span(ds.orders, 'created_at')} ({ds.orders.height:,})"),
    ]
    if ds.kind == "raw":
        from csana.derive import derive

        rows.append((t("data_end", lang), f"{derive(ds, ctx.params).data_end:%Y-%m-%d}"))
    return _defs(rows)


def _defs(rows: Iterable[tuple[str, Any]]) -> str:
    return '<dl class="defs">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows) + "</dl>"


def _rows_read(ctx: ReportContext) -> str:
    lang = ctx.lang
    files = ctx.dataset.files
    if files.height == 0:
        return f"<p class=\"note\">{esc(t('in_memory', lang))}</p>"
    columns = [
        text_column(t("file", lang), "file", wrap=True), text_column(t("table", lang), "table"),
        text_column(t("encoding", lang), "encoding"),
        *[Column(t(k, lang), lambda r, c=c: esc(f"{r.get(c) or 0:,}"), numeric=True)
          for k, c in (("read", "rows_read"), ("used", "rows_used"), ("rejected", "rows_rejected"))],
    ]
    return html_table(files, columns, "data compact")


def _rejections(ctx: ReportContext) -> str:
    from csana.io import rejection_summary

    lang = ctx.lang
    if ctx.dataset.rejected.height == 0:
        return f"<p>{esc(t('no_rejects', lang))}</p>"
    columns = [
        text_column(t("file", lang), "file"), text_column(t("column", lang), "column"),
        text_column(t("reason", lang), "reason", wrap=True),
        Column(t("rejected", lang), lambda r: esc(f"{r['rows']:,}"), numeric=True),
        Column(t("first_rows", lang), lambda r: esc(", ".join(str(x) for x in r.get("first_rows") or []))),
        text_column(t("fix", lang), "fix", wrap=True),
    ]
    return html_table(rejection_summary(ctx.dataset), columns, "data compact")


def _parameters(ctx: ReportContext) -> str:
    report = [("data", ctx.data), ("month", ctx.month), ("team", ctx.team or DASH), ("shop", ctx.shop_id or DASH),
              *[("scheme", f"{name} · {s.label(ctx.lang)} · {s.content_hash}") for name, s in ctx.schemes],
              ("lang", ctx.lang)]
    metric = [(k, _param_text(v)) for k, v in ctx.params.model_dump(mode="json").items()]
    return (f"<h3>{esc(t('report_parameters', ctx.lang))}</h3>{_defs(report)}"
            f"<h3>{esc(t('metric_parameters', ctx.lang))}</h3>{_defs(metric)}")


def _param_text(value: Any) -> str:
    """A parameter value as a manager reads it: lists joined, mappings as key: value, None as —."""
    if value is None:
        return DASH
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_param_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_param_text(v) for v in value) if value else DASH
    return str(value)


def _definitions(ctx: ReportContext) -> str:
    lang = ctx.lang
    shown = [m for m in PUBLIC_IDS if m in {*SUMMARY_METRICS, *LEADERBOARD_METRICS, *_card_metrics(ctx), *TREND_METRICS}]
    rows = [(f"{CATALOGUE[m].zh} / {CATALOGUE[m].en}", CATALOGUE[m].definition) for m in shown]
    return _defs(rows)


def appendix(ctx: ReportContext) -> HTML:
    """Data coverage, rows read and rejected with reasons, parameters, provisional metrics and definitions."""
    lang = ctx.lang
    parts = [
        f'<h2 class="page-break">{esc(t("appendix", lang))}</h2>',
        f"<h3>{esc(t('coverage', lang))}</h3>", _coverage(ctx),
        f"<h3>{esc(t('rows', lang))}</h3>", _rows_read(ctx),
        f"<h3>{esc(t('reasons', lang))}</h3>", _rejections(ctx),
    ]
    if ctx.dataset.warnings:
        parts += [f"<h3>{esc(t('warnings', lang))}</h3>",
                  "<ul>" + "".join(f"<li>{esc(w)}</li>" for w in ctx.dataset.warnings) + "</ul>"]
    provisional = ctx.provisional
    parts += [f"<h3>{esc(t('provisional_table', lang))}</h3>",
              _defs((label(r["metric"], lang), t("final_on", lang, day=f"{r['final_on']:%Y-%m-%d}"))
                    for r in provisional.iter_rows(named=True)) if provisional.height else f"<p>{esc(t('none', lang))}</p>"]
    parts += [f"<h3>{esc(t('parameters', lang))}</h3>", _parameters(ctx),
              f"<h3>{esc(t('definitions', lang))}</h3>", _definitions(ctx)]
    return _html(*parts)
