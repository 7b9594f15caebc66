"""The notebook panels' captions in 中文 and English: ``text(key, lang)``, ``diag_text(key, lang)``.

:data:`text` holds the explorer's captions, some of which the diagnoser shares (the
agent picker, the status line) and the team-median series name of the daily trend;
:data:`diag_text` holds the diagnoser's own. Plain data: no ipywidgets needed.
"""

from __future__ import annotations

from csana.i18n import Captions

text = Captions({
    "data": ("数据", "Data"),
    "data_hint": ("文件夹或文件路径；留空 = 演示数据", "folder or file path; empty = demo data"),
    "load": ("加载", "Load"),
    "demo": ("演示数据", "demo data"),
    "month": ("月份", "Month"),
    "team": ("小组", "Team"),
    "role": ("岗位", "Role"),
    "all": ("全部", "All"),
    "lang": ("语言", "Language"),
    "metric": ("指标", "Metric"),
    "agent": ("客服", "Agent"),
    "agents": ("客服人数", "Agents"),
    "median": ("团队中位数", "Team median"),
    "metrics_tab": ("指标探索", "Metric explorer"),
    "scheme_tab": ("考核方案", "Scoring scheme"),
    "scheme": ("方案", "Scheme"),
    "weights": ("权重", "Weights"),
    "thresholds": ("档位门槛", "Tier thresholds"),
    "reset": ("恢复已保存方案", "Reset to saved"),
    "save": ("另存为新方案", "Save as new scheme"),
    "save_name": ("新方案文件名", "New scheme file name"),
    "saved_to": ("已保存：", "Saved: "),
    "read_only": ("只读看板：不能保存方案", "Read-only dashboard: schemes cannot be saved"),
    "rank": ("排名", "Rank"),
    "name": ("客服", "Agent"),
    "total": ("总分", "Score"),
    "percent": ("得分率", "Score %"),
    "saved_rank": ("原方案排名", "Saved rank"),
    "change": ("排名变化", "Rank change"),
    "no_agents": ("没有符合筛选条件的客服", "No agent matches the filters"),
    "no_scheme": ("params/schemes/ 中没有方案", "No scheme in params/schemes/"),
    "status_rows": ("名客服", "agents"),
    "no_value": ("无数据", "no value"),
    "not_for_role": ("该指标不适用于此岗位", "not judged for this role"),
    "left_out": ("未列出：{items}", "Not listed: {items}"),
    "small_note": ("* 样本不足（少于 {n}），仅供参考", "* sample below {n}: a hint only"),
    "credit_rule": ("归属规则", "Credit rule"),
    "total_pay": ("应发合计", "Pay"),
    "pay_change": ("薪酬变化", "Pay change"),
    "board_note": ("名次与薪酬变化：相对已保存方案、店铺当前归属规则（{rule}）",
                   "Rank and pay change: against the saved scheme under the shop's credit rule ({rule})"),
    "rule_needs_orders": ("平台导出数据没有逐笔订单，不能更换归属规则", "Platform exports hold no single orders: "
                          "the credit rule cannot be changed"),
})
"""The explorer's captions, some shared with the diagnoser: ``text(key, lang)``."""


diag_text = Captions({
    "shop": ("全店", "Shop"),
    "plan": ("团队培训计划（按需要的客服人数排序）", "Team training plan (most needed first)"),
    "action": ("培训动作", "Action"),
    "agents_needing": ("需要人数", "Agents needing it"),
    "names": ("客服", "Agents"),
    "weak": ("偏弱指标与证据", "Weak indicators and evidence"),
    "none_weak": ("没有偏弱指标（或样本不足以判断）", "No weak indicator (or too little data to tell)"),
    "actions": ("建议动作", "Suggested actions"),
    "opportunity": ("提升空间（估算）", "Opportunity (estimate)"),
    "review": ("抽查聊天记录", "Chat-review sample"),
    "best": ("优秀成交示例（全队）", "Best conversions to copy (team)"),
    "no_sample": ("没有需要抽查的接待", "No reception to review"),
    "rule": ("问题", "Problem"),
    "metric": ("指标", "Metric"),
    "status": ("判断", "Status"),
    "value": ("本人", "Agent"),
    "benchmark": ("基准", "Benchmark"),
    "gap": ("差距", "Gap"),
    "n": ("样本量", "Sample"),
    "interval": ("置信区间", "Interval"),
    "factors": ("影响因素", "Factors"),
    "note": ("说明", "Note"),
    "unpaid": ("下单未付款与催付", "Unpaid orders and reminders"),
    "lost": ("未成交原因", "Lost reasons"),
    "weak_mark": ("⚠ ", "⚠ "),
    "extra_paid": ("付款人数", "paid customers"),
    "extra_sales": ("销售额", "sales"),
    "owner": ("负责", "Owner"),
    "scope": ("范围", "Scope"),
    "shop_findings": ("店铺与团队层面（交给运营）", "Shop and team findings (for operations)"),
    "ops_actions": ("建议措施", "Actions"),
})
"""The diagnoser's captions: ``diag_text(key, lang)``."""
