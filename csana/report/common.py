"""What the report's sections share: bilingual text, small HTML helpers, and which metrics each section shows.

Report text lives in the :class:`~csana.i18n.Captions` table ``t``: ``t(key, lang, **values)``
picks one language and fills its placeholders. Helpers return HTML with every piece of data text escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from IPython.display import HTML

from csana.i18n import Captions, list_separator, pick
from csana.present.formatting import DASH, missing
from csana.report.format import esc

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

t = Captions({
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
    "provisional_banner": ("数据截至 {end}：{names} 仍为暂定值（定稿日：{days}）。",
                           "Data ends {end}: {names} provisional (final on {days})."),
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
    "people_note_export": ("平台导出数据的人数按日累计（顾客·天）：同一顾客在不同日期、由不同客服接待时重复计数。",
                           "From platform exports, people are customer-days: a customer served on two days "
                           "or by two agents counts twice."),
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
    "evidence": ("本人 {value}，基准 {benchmark}", "{value} against {benchmark}"),
    "gate_flag": ("门槛未判定", "gate not judged"),
    "gate_pay": ("门槛与薪酬", "Gates and pay"),
    "gate_who": ("{names}：{notes}", "{names}: {notes}"),
    "gate_policy": ("门槛无法判定（样本不足）时怎么办由考核方案决定：默认不执行；也可改为视为未达标，或仅对新人不执行，"
                    "或为新人单设考核方案。",
                    "What a gate that cannot be judged (too little data) does is the scheme's choice: by default it is "
                    "not applied; it can instead count as failed, be waived for newcomers only, or newcomers can have "
                    "their own scheme."),
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
    "diagnosis_parameters": ("诊断参数", "Diagnosis parameters"),
    "definitions": ("指标定义", "Metric definitions"),
    "provisional_table": ("暂定指标", "Provisional metrics"),
    "none": ("无", "none"),
})
"""Report text: ``t(key, lang, **values)`` fills the ``{placeholders}`` (values are not escaped here)."""


def html(*parts: str) -> HTML:
    """One displayable HTML block from already escaped parts."""
    return HTML("".join(parts))


def note(text: str) -> str:
    """A small print paragraph (explanations, caveats) of already translated text."""
    return f'<p class="note">{esc(text)}</p>'


def person(row: Mapping[str, Any]) -> str:
    """An agent as 'name id' (the id alone when there is no name)."""
    name, agent_id = row.get("name"), row.get("agent_id")
    if name and name != agent_id:
        return f'{esc(name)} <span class="note">{esc(agent_id)}</span>'
    return esc(agent_id)


def join(values: Iterable[Any], lang: str) -> str:
    """Values as a list in running text (、 in Chinese)."""
    return list_separator(lang).join(str(v) for v in values if v is not None)


def grade_badge(row: Mapping[str, Any]) -> str:
    """The grade as a coloured badge (A–D), — when the agent has none."""
    grade = row.get("grade")
    if grade is None:
        return DASH
    css = esc(str(grade)[:1].upper()) if str(grade)[:1].upper() in "ABCD" else "X"
    return f'<span class="grade grade-{css}">{esc(grade)}</span>'


def score_text(row: Mapping[str, Any]) -> str:
    """'total / full score', — when the agent was not scored."""
    if missing(row.get("total")):
        return DASH
    return f"{row['total']:,.1f} / {row['full_score']:,.0f}"


def status_text(status: str, lang: str) -> str:
    """A score status code in ``lang``."""
    from csana.scoring.columns import STATUS

    return pick(STATUS.get(status, (status, status)), lang)
