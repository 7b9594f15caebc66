"""The report's diagnosis pages: the agents' training plan, weak indicators, shop findings and the drill-down.

What a manager acts on, each with its owner: the training plan (agent and team-lead actions,
by how many agents need them), each weak indicator's evidence, the shop's and teams' findings
that belong to operations (traffic: never an agent's weakness, see
:mod:`csana.diagnosis.shop`), and, from raw logs, the conversion drill-down — conversion by
first-response time with its gradient, payment reminders compared like with like at a
landmark (:mod:`csana.diagnosis.reminders`), lost reasons of the shop and of the agents weak
on conversion, and the estimated opportunity. Text is in the report's language only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from IPython.display import HTML

from csana.catalogue import label
from csana.diagnosis.drilldown import bucket_text
from csana.diagnosis.rules import OWNER_LABELS
from csana.facts import SHOP
from csana.i18n import Captions, pick
from csana.present.formatting import (
    DASH,
    difference_text,
    format_metric,
    format_value,
    missing,
    points,
    sign,
)
from csana.report.common import html, join, note, person, t
from csana.report.context import ReportContext
from csana.report.format import Column, count_column, esc, html_table, text_column

d = Captions({
    "owner_plan": ("培训与改进计划（客服本人与主管）", "Training and improvement plan (agents and team leads)"),
    "shop_findings": ("店铺与团队层面（交给运营）", "Shop and team findings (for operations)"),
    "shop_note": ("咨询人数少说明进店流量不足，不是客服的问题：按全店和各组与前几个月（或同行基准）比较，由运营处理；"
                  "客服个人的接待量按在线小时折算后再比较。",
                  "Few consultations means too little traffic, not an agent's weakness: the shop and each team are "
                  "compared with earlier months (or the peer benchmark) and operations act; an agent's own volume is "
                  "compared per online hour."),
    "shop_headline": ("{scope}{metric}较基准变化 {change}（{baseline}），属流量问题，交给运营：{actions}。",
                      "{scope}: {metric} {change} against the baseline ({baseline}), a traffic matter for operations: "
                      "{actions}."),
    "no_shop_weak": ("店铺与团队层面没有明显偏弱的指标。", "No shop or team finding is weak."),
    "scope": ("范围", "Scope"),
    "this_month": ("本月", "This month"),
    "baseline": ("基准", "Baseline"),
    "change": ("变化 (95% 区间)", "Change (95% interval)"),
    "status": ("判定", "Status"),
    "ops_actions": ("{scope}·{rule}：{actions}（{owner}）", "{scope} · {rule}: {actions} ({owner})"),
    "trend": ("首次响应每慢一档，询单转化率平均变化 {slope}（95% 区间 {low} 至 {high}）。",
              "Each bucket slower in first response changes inquiry conversion by {slope} on average (95% interval "
              "{low} to {high})."),
    "trend_flat": ("区间包含 0：本月数据看不出首次响应快慢与转化的关系。",
                   "The interval includes 0: this month's data shows no link between first response and conversion."),
    "trend_down": ("响应越慢成交越少。这是关联而非因果：响应慢的客服也可能成交能力较弱。",
                   "Slower answers convert less. This is a link, not proof of cause: slow agents may also be weaker closers."),
    "landmark_title": ("催付效果（同等条件对比）", "Do payment reminders work? (like with like)"),
    "landmark_group": ("下单 {minutes} 分钟后仍未付款的订单", "Orders still unpaid {minutes} min after creation"),
    "reminded_by": ("{minutes} 分钟内已催付", "reminded within {minutes} min"),
    "not_reminded_by": ("{minutes} 分钟内未催付", "not reminded within {minutes} min"),
    "paid_within": ("{hours} 小时内付款", "Paid within {hours} h"),
    "pay_rate": ("付款率 (95% 区间)", "Payment rate (95% interval)"),
    "difference": ("催付组付款率高出 {diff}（95% 区间 {low} 至 {high}）。",
                   "The reminded paid {diff} more often (95% interval {low} to {high})."),
    "no_difference": ("本月没有可对比的两组订单。", "This month has no two groups of orders to compare."),
    "naive": ("若简单对比全部订单（催付 {r} 对未催付 {n}），催付看起来{verdict}：未催付组里包含下单后立刻付款、"
              "根本来不及催付的订单，这种对比天然有偏，不作依据。",
              "Compared naively over all orders (reminded {r} against not reminded {n}) reminders look {verdict}: the "
              "unreminded hold every order paid at once, before anyone could remind it, so that comparison is biased "
              "by construction and is not used."),
    "harmful": ("有害", "harmful"),
    "helpful": ("有用", "helpful"),
    "landmark_note": ("能说明什么：在同样到第 {minutes} 分钟仍未付款的订单中，及时催付的订单付款更多或更少，以及差距的范围。"
                      "不能说明什么：催付是否导致付款——客服会挑选催付对象，{minutes} 分钟后才催付的订单算作未催付（会低估差距），"
                      "要证明因果需随机对照（例如隔单催付）。",
                      "What it shows: among orders equally unpaid at minute {minutes}, whether those reminded in time paid "
                      "more or less often, and by how much at most and at least. What it cannot show: that the reminder "
                      "caused the payment — agents choose whom to remind, orders reminded after minute {minutes} count as "
                      "not reminded (which understates the gap); proving cause needs a randomised test (remind every "
                      "other order)."),
    "lost_by_agent": ("未成交原因（全店与转化偏弱的客服，占比）", "Lost reasons (the shop and agents weak on conversion, share)"),
    "shop_column": ("全店", "Shop"),
})
"""Captions of the diagnosis pages (the shared ones are in :data:`csana.report.common.t`)."""

STATUS_TEXT = {"weak": ("偏弱", "weak"), "ok": ("正常", "ok"), "not_enough_data": ("数据不足", "not enough data")}


def owner_text(owner: str | None, lang: str) -> str:
    """Who carries out an action, in ``lang``."""
    return pick(OWNER_LABELS.get(owner or "agent", (owner or "", owner or "")), lang)


def percent_change(value: Any) -> str:
    """A ratio of two values as a signed percent change (0.83 → −17%)."""
    if missing(value):
        return DASH
    change = value - 1
    return f"{sign(change)}{abs(change):.0%}"


def _finding_value(key: str, lang: str) -> Column:
    return Column(t(key, lang), lambda r: esc(format_value(r.get(key), r.get("unit"), lang)), numeric=True)


def _whole(value: Any) -> Any:
    """An expected count rounded to a whole number for display."""
    return value if missing(value) else round(value)


def gap_text(row: Mapping[str, Any], lang: str) -> str:
    """A finding's gap: percentage points for rates, else the signed value in its unit."""
    return difference_text(row.get("gap"), row.get("unit"), lang)


def diagnostics(ctx: ReportContext) -> HTML:
    """The training plan, each weak indicator's evidence, the shop's findings for operations, and the drill-down."""
    lang = ctx.lang
    plan_columns = [
        text_column(t("action", lang), "action_label", wrap=True),
        Column(t("owner", lang), lambda r: esc(owner_text(r.get("owner"), lang))),
        Column(t("agents_needing", lang), lambda r: esc(r.get("agents_needing")), numeric=True),
        Column(t("who", lang), lambda r: esc(join(r.get("names") or [], lang)), wrap=True),
    ]
    weak = ctx.diagnosis.weak.sort("agent_id")
    finding_columns = [
        Column(t("agent", lang), person),
        text_column(t("indicator", lang), "metric_label"),
        _finding_value("value", lang),
        _finding_value("benchmark", lang),
        Column(t("gap", lang), lambda r: esc(gap_text(r, lang)), numeric=True),
        Column(t("sample", lang), lambda r: esc(r.get("n") if r.get("n") is not None else DASH), numeric=True),
        text_column(t("note", lang), "note", wrap=True),
    ]
    parts = [f'<h2 class="page-break">{esc(t("diagnostics", lang))}</h2>', f"<h3>{esc(d('owner_plan', lang))}</h3>"]
    if ctx.diagnosis.plan.height:
        parts.append(html_table(ctx.diagnosis.plan, plan_columns))
    else:
        parts.append(f"<p>{esc(t('no_weak', lang))}</p>")
    parts.append(f"<h3>{esc(t('findings', lang))}</h3>")
    parts.append(html_table(weak, finding_columns, "data compact") if weak.height else f"<p>{esc(t('no_weak', lang))}</p>")
    parts.append(note(t("diagnosis_method", lang)))
    parts.append(shop_findings(ctx))
    if ctx.drilldown is not None:
        parts.append(_drilldown(ctx))
    return html(*parts)


def shop_findings(ctx: ReportContext) -> str:
    """The shop's and teams' findings with their baselines, and the operations actions of the weak ones."""
    lang = ctx.lang
    rows = ctx.diagnosis.shop.filter(pl.col("baseline").is_not_null())
    parts = [f"<h3>{esc(d('shop_findings', lang))}</h3>"]
    if rows.height:
        parts.append(html_table(rows, [
            text_column(d("scope", lang), "scope_label"),
            text_column(t("indicator", lang), "metric_label"),
            Column(d("this_month", lang), lambda r: esc(format_value(r.get("value"), r.get("unit"), lang)), numeric=True),
            Column(d("baseline", lang), lambda r: esc(f"{format_value(_whole(r.get('baseline')), r.get('unit'), lang)} "
                                                     f"({r.get('baseline_label')})")),
            Column(d("change", lang), lambda r: esc(f"{percent_change(r.get('ratio'))} ({percent_change(r.get('ci_low'))}"
                                                   f" – {percent_change(r.get('ci_high'))})"), numeric=True),
            Column(d("status", lang), lambda r: esc(pick(STATUS_TEXT[r["status"]], lang))),
            text_column(t("note", lang), "note", wrap=True),
        ], "data compact"))
    weak = ctx.diagnosis.shop_weak
    if weak.height:
        items = [d("ops_actions", lang, scope=r["scope_label"], rule=r["rule_label"], actions=join(r["actions"], lang),
                   owner=join(dict.fromkeys(owner_text(o, lang) for o in r["owners"]), lang))
                 for r in weak.unique(["scope", "rule"], maintain_order=True).iter_rows(named=True)]
        parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
    else:
        parts.append(f"<p>{esc(d('no_shop_weak', lang))}</p>")
    parts.append(note(d("shop_note", lang)))
    return "".join(parts)


def shop_headline(ctx: ReportContext) -> str | None:
    """One line for the summary: the first weak shop finding and its operations actions (None when none)."""
    weak = ctx.diagnosis.shop_weak
    if weak.height == 0:
        return None
    r = weak.row(0, named=True)
    return d("shop_headline", ctx.lang, scope=r["scope_label"], metric=r["metric_label"], change=percent_change(r["ratio"]),
             baseline=r["baseline_label"], actions=join(r["actions"], ctx.lang))


def _rate(row: Mapping[str, Any], lang: str) -> str:
    rate = format_value(row.get("rate"), "ratio", lang)
    if missing(row.get("ci_low")) or missing(row.get("ci_high")):
        return rate
    return f"{rate} ({format_value(row['ci_low'], 'ratio', lang)}–{format_value(row['ci_high'], 'ratio', lang)})"


def _trend_text(ctx: ReportContext) -> str:
    lang = ctx.lang
    assert ctx.drilldown is not None
    rows = ctx.drilldown.response_trend.filter(pl.col("agent_id") == SHOP)
    if rows.height == 0 or rows["slope"][0] is None:
        return ""
    r = rows.row(0, named=True)
    text = d("trend", lang, slope=points(r["slope"], lang), low=points(r["ci_low"], lang), high=points(r["ci_high"], lang))
    if r["ci_high"] < 0:
        text += ("" if lang == "zh" else " ") + d("trend_down", lang)
    elif r["ci_low"] <= 0:
        text += ("" if lang == "zh" else " ") + d("trend_flat", lang)
    return note(text)


def _reminders(ctx: ReportContext) -> list[str]:
    """The landmark comparison, its difference, the naive split it replaces, and what it can and cannot show."""
    lang = ctx.lang
    assert ctx.drilldown is not None
    settings = ctx.diagnosis.rules.drilldown
    minutes, hours = f"{settings.unpaid_after_min:g}", f"{settings.reminder_horizon_h:g}"
    effect = ctx.drilldown.reminder_effect
    fair = effect.filter(pl.col("comparison") == "landmark")
    group = Column(d("landmark_group", lang, minutes=minutes), lambda r: esc(
        d("reminded_by" if r["reminded"] else "not_reminded_by", lang, minutes=minutes)))
    rate = Column(d("pay_rate", lang), lambda r: esc(_rate(r, lang)), numeric=True)
    parts = [f"<h4>{esc(d('landmark_title', lang))}</h4>",
             html_table(fair, [group, count_column(t("unpaid_orders", lang), "orders"),
                               count_column(d("paid_within", lang, hours=hours), "paid"), rate], "data compact")]
    first = fair.row(0, named=True)
    lines = [d("difference", lang, diff=points(first["difference"], lang), low=points(first["diff_low"], lang),
               high=points(first["diff_high"], lang)) if first["difference"] is not None else d("no_difference", lang)]
    naive = {r["reminded"]: r for r in effect.filter(pl.col("comparison") == "naive").iter_rows(named=True)}
    if naive[True]["rate"] is not None and naive[False]["rate"] is not None:
        verdict = "harmful" if naive[True]["rate"] < naive[False]["rate"] else "helpful"
        lines.append(d("naive", lang, r=format_value(naive[True]["rate"], "ratio", lang),
                       n=format_value(naive[False]["rate"], "ratio", lang), verdict=d(verdict, lang)))
    parts += [f"<p>{esc(line)}</p>" for line in lines]
    parts.append(note(d("landmark_note", lang, minutes=minutes)))
    return parts


def _lost_reasons(ctx: ReportContext) -> list[str]:
    """Lost reasons of the shop and of the scope's agents weak on conversion, as shares side by side."""
    lang = ctx.lang
    assert ctx.drilldown is not None
    lost = ctx.drilldown.lost_reasons
    shop = lost.filter(pl.col("agent_id") == SHOP).head(8)
    if shop.height == 0:
        return []
    members = set(ctx.now.agents["agent_id"].to_list())
    weak = [a for a in ctx.diagnosis.weak.filter(pl.col("metric") == "conv_final")["agent_id"].unique(maintain_order=True)
            if a in members]
    names = dict(zip(ctx.now.agents["agent_id"], ctx.now.agents["name"]))
    share = {(r["agent_id"], r["reason"]): r["share"] for r in lost.filter(pl.col("agent_id").is_in([SHOP, *weak])).iter_rows(named=True)}

    def column(agent: str, header: str) -> Column:
        return Column(header, lambda r: esc(format_value(share.get((agent, r["reason"])), "ratio", lang)), numeric=True)

    columns = [text_column(t("reason", lang), "reason", wrap=True), count_column(t("customers", lang), "customers"),
               column(SHOP, d("shop_column", lang)), *[column(a, names.get(a) or a) for a in weak]]
    return [f"<h4>{esc(d('lost_by_agent', lang))}</h4>", html_table(shop, columns, "data compact")]


def _drilldown(ctx: ReportContext) -> str:
    """Conversion drill-down: by first-response time, payment reminders, lost reasons, estimated opportunity."""
    lang = ctx.lang
    dd = ctx.drilldown
    assert dd is not None
    rate = Column(t("conv_rate", lang), lambda r: esc(_rate(r, lang)), numeric=True)
    parts = [f"<h3>{esc(t('drilldown', lang))}</h3>", f"<h4>{esc(t('by_response', lang))}</h4>",
             html_table(dd.by_response.filter(pl.col("agent_id") == SHOP).sort("bucket_order"),
                        [Column(t("first_response_bucket", lang), lambda r: esc(bucket_text(r.get("bucket"), lang))),
                         count_column(t("inquiry_receptions", lang), "receptions"),
                         count_column(t("converted", lang), "converted"), rate],
                        "data compact"),
             _trend_text(ctx), *_reminders(ctx), *_lost_reasons(ctx)]
    chance = dd.opportunity.filter(pl.col("agent_id").is_in(ctx.now.agents["agent_id"].implode()))
    if chance.height:
        parts += [f"<h4>{esc(t('opportunity', lang))}</h4>",
                  html_table(chance, [
                      Column(t("agent", lang), person),
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
