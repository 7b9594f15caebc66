"""The report's appendix: data coverage, rows read and rejected with reasons, parameters and definitions.

It lets a reader check the numbers: rows used + rows rejected = rows read, the exact
parameters and scheme versions (content hash) behind every figure, which metrics are
still provisional, and each metric's definition from the catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from IPython.display import HTML

from csana.catalogue import CATALOGUE, PUBLIC_IDS, label
from csana.exports.mapping import TABLE
from csana.facts import facts_of
from csana.i18n import LANG_NAMES, Captions, in_lang, list_separator
from csana.ingest.dataset import Capability
from csana.present.formatting import DASH
from csana.report.common import (
    LEADERBOARD_METRICS,
    SUMMARY_METRICS,
    TREND_METRICS,
    html,
    note,
    t,
)
from csana.report.context import ReportContext
from csana.report.format import Column, count_column, esc, html_table, text_column
from csana.report.scorecards import card_metrics

PARAMETERS = Captions({
    # metric parameters (params/metrics.yaml)
    "slow_response_s": ("慢响应阈值（秒）", "Slow response threshold (s)"),
    "slow_min_count": ("慢接待所需慢响应次数", "Slow responses that make a slow reception"),
    "max_gap_s": ("接待时长的间隔上限（秒）", "Longest gap counted in reception time (s)"),
    "postsale_days": ("售后咨询天数", "Post-sale days"),
    "attribution_days": ("订单归属天数", "Attribution days"),
    "final_pay_days": ("最终付款天数", "Final payment days"),
    "repeat_days": ("回头客天数", "Repeat-buyer days"),
    "count_auto_reply": ("自动回复算客服回复", "Auto-replies count as replies"),
    "service_hours": ("考核时段", "Service hours"),
    "attribution_rule": ("订单归属规则", "Attribution rule"),
    "filter.keywords": ("过滤关键词", "Filter keywords"),
    "filter.customers": ("过滤买家（已匿名）", "Filtered customers (pseudonymised)"),
    "data_end": ("数据截止日", "Data end"),
    "assess_window": ("3分钟回复率的考核时段", "Assessed window of the 3-minute reply rate"),
    "reply_threshold_s": ("人工回复时限（秒）", "Reply time limit (s)"),
    "answer_window": ("30秒应答率的考核时段", "Assessed window of the 30-second answer rate"),
    "answer_threshold_s": ("应答时限（秒）", "Answer time limit (s)"),
    # report parameters
    "data": ("数据", "Data"),
    "month": ("月份", "Month"),
    "team": ("组别", "Team"),
    "shop": ("店铺", "Shop"),
    "scheme": ("考核方案", "Scheme"),
    "lang": ("语言", "Language"),
    # diagnostics (params/diagnostics.yaml)
    "confidence": ("置信水平", "Confidence level"),
    "min_count": ("默认最小样本", "Default minimum sample"),
    "min_agents": ("中位数所需客服数", "Agents needed for a median"),
    "history_months": ("店铺对比的前几个月", "Earlier months the shop is compared with"),
    "unpaid_after_min": ("催付对比的时间点（下单后分钟）", "Reminder comparison landmark (min after the order)"),
    "reminder_horizon_h": ("催付对比的付款期限（小时）", "Reminder comparison outcome window (h)"),
})
"""The appendix's parameter names in zh and en (the key itself is shown beside, as code, for editing the files)."""

VALUES = Captions({
    "true": ("是", "yes"), "false": ("否", "no"), "all_day": ("全天", "all day"),
    "last_inquiry": ("最后一次询单", "last inquiry"), "first_inquiry": ("第一次询单", "first inquiry"),
    "latest": ("按最新时间戳", "the latest timestamp"), "demo": ("内置演示店铺", "the bundled demo shop"),
})
TABLES = Captions({
    "messages": ("聊天记录", "Messages"), "orders": ("订单", "Orders"), "agents": ("客服名单", "Agents"),
    "reminders": ("催付记录", "Payment reminders"), "reviews": ("评价", "Reviews"), "disputes": ("纠纷投诉", "Disputes"),
    "manual_scores": ("人工评分", "Manual scores"), "lost_reasons": ("未成交原因", "Lost reasons"),
    "online": ("在线时长", "Online time"), "agent_period": ("客服绩效导出", "Agent performance export"),
    "benchmarks": ("同行基准", "Peer benchmarks"),
})
"""Display names of the input tables."""


def _code(key: str) -> str:
    return f' <code>{esc(key)}</code>'


def _span(frame: pl.DataFrame, column: str) -> str:
    if column not in frame.columns or frame.height == 0 or frame[column].null_count() == frame.height:
        return DASH
    low, high = frame[column].min(), frame[column].max()
    return f"{low:%Y-%m-%d %H:%M} – {high:%Y-%m-%d %H:%M}"


def _coverage(ctx: ReportContext) -> str:
    lang = ctx.lang
    ds = ctx.dataset
    first, last = ctx.month_days
    rows = [(t("period", lang), f"{first:%Y-%m-%d} – {last:%Y-%m-%d}")]
    if ds.can(Capability.EVENTS):
        rows += [
            (t("messages", lang), f"{_span(ds.messages, 'ts')} ({ds.messages.height:,})"),
            (t("orders", lang), f"{_span(ds.orders, 'created_at')} ({ds.orders.height:,})"),
        ]
    else:  # one line, not two rows of dashes: exports hold no messages or orders
        agents = ds[TABLE]
        rows.append((t("data", lang), t("export_rows", lang, files=f"{ds.files['file'].n_unique():,}", rows=f"{agents.height:,}",
                                        first=f"{agents['period_start'].min():%Y-%m-%d}",
                                        last=f"{agents['period_end'].max():%Y-%m-%d}")))
    data_end = facts_of(ds, ctx.params).data_end()
    if data_end is not None:
        rows.append((t("data_end", lang), f"{data_end:%Y-%m-%d}"))
    return _defs(rows)


def _defs(rows: Iterable[tuple[str, Any]], keys: Iterable[str | None] | None = None) -> str:
    """A definition list; ``keys`` (the parameter keys, as code) follow each term when given."""
    pairs = list(rows)
    codes = list(keys) if keys is not None else [None] * len(pairs)
    return '<dl class="defs">' + "".join(
        f"<dt>{esc(k)}{_code(c) if c else ''}</dt><dd>{esc(v)}</dd>" for (k, v), c in zip(pairs, codes)
    ) + "</dl>"


def _rows_read(ctx: ReportContext) -> str:
    lang = ctx.lang
    files = ctx.dataset.files
    if files.height == 0:
        return note(t("in_memory", lang))
    columns = [
        text_column(t("file", lang), "file", wrap=True),
        Column(t("table", lang), lambda r: esc(TABLES(r["table"], lang) if r.get("table") in TABLES else r.get("table"))),
        Column(t("encoding", lang), lambda r: f"<code>{esc(r.get('encoding'))}</code>" if r.get("encoding") else ""),
        *[count_column(t(k, lang), c) for k, c in (("read", "rows_read"), ("used", "rows_used"), ("rejected", "rows_rejected"))],
    ]
    return html_table(files, columns, "data compact")


def _rejections(ctx: ReportContext) -> str:
    from csana.ingest.raw import rejection_summary

    lang = ctx.lang
    if ctx.dataset.rejected.height == 0:
        return f"<p>{esc(t('no_rejects', lang))}</p>"
    columns = [
        text_column(t("file", lang), "file"),
        Column(t("column", lang), lambda r: f"<code>{esc(r.get('column'))}</code>" if r.get("column") else ""),
        text_column(t("reason", lang), "reason", wrap=True),
        count_column(t("rejected", lang), "rows"),
        Column(t("first_rows", lang), lambda r: esc(", ".join(str(x) for x in r.get("first_rows") or []))),
        text_column(t("fix", lang), "fix", wrap=True),
    ]
    return html_table(rejection_summary(ctx.dataset, lang), columns, "data compact")


def _parameters(ctx: ReportContext) -> str:
    lang = ctx.lang
    report = [("data", VALUES("demo", lang) if ctx.data == "demo" else ctx.data), ("month", ctx.month), ("team", ctx.team or DASH), ("shop", ctx.shop_id or DASH),
              *[("scheme", f"{name} · {s.label(lang)} · {s.content_hash}") for name, s in ctx.schemes],
              ("lang", LANG_NAMES[lang])]  # type: ignore[index]
    metric = _metric_rows(ctx)
    rules = ctx.diagnosis.rules
    diagnosis = [("confidence", f"{rules.method.confidence:.0%}"), ("min_count", rules.method.min_count),
                 ("min_agents", rules.method.min_agents), ("history_months", rules.shop.history_months),
                 ("unpaid_after_min", f"{rules.drilldown.unpaid_after_min:g}"),
                 ("reminder_horizon_h", f"{rules.drilldown.reminder_horizon_h:g}")]

    def block(title: str, rows: list[tuple[str, Any]]) -> str:
        return f"<h3>{esc(t(title, lang))}</h3>" + _defs(((PARAMETERS(k, lang), v) for k, v in rows), (k for k, _ in rows))
    return block("report_parameters", report) + block("metric_parameters", metric) + block("diagnosis_parameters", diagnosis)


def _metric_rows(ctx: ReportContext) -> list[tuple[str, Any]]:
    """The metric parameters as (key, value text): filter lists one per line, service hours as a span of the day."""
    lang = ctx.lang
    values = _shown_params(ctx)
    rows: list[tuple[str, Any]] = []
    for key, value in values.items():
        if key == "filter":
            rows += [(f"filter.{k}", _param_text(v, lang)) for k, v in (value or {}).items()]
        elif key in ("service_hours", "assess_window", "answer_window"):
            rows.append((key, _hours_text(getattr(ctx.params, key), lang)))
        elif key == "attribution_rule":
            rows.append((key, VALUES(value, lang) if value in VALUES else value))
        elif key == "data_end" and value is None:
            rows.append((key, VALUES("latest", lang)))
        else:
            rows.append((key, _param_text(value, lang)))
    return rows


def _hours_text(hours: Any, lang: str) -> str:
    """Service hours as 08:00–23:00, or 全天 / all day."""
    if hours.all_day:
        return VALUES("all_day", lang)
    end = "24:00" if hours.end >= dt.time(23, 59, 59) else f"{hours.end:%H:%M}"
    return f"{hours.start:%H:%M}–{end}"


def _shown_params(ctx: ReportContext) -> dict[str, Any]:
    """The metric parameters, with the filter's customer ids (test accounts, blacklist) replaced by
    the pseudonyms the chat-review sample uses: a report never shows a raw customer id."""
    from csana.privacy import pseudonym, resolve_salt

    values = ctx.params.model_dump(mode="json")
    listed = (values.get("filter") or {}).get("customers")
    if listed:
        salt = resolve_salt(ctx.diagnosis.rules.review.salt)
        values["filter"] = {**values["filter"], "customers": [pseudonym(str(c), salt) for c in listed]}
    return values


def _param_text(value: Any, lang: str) -> str:
    """A parameter value as a manager reads it: lists joined, yes / no, None as —."""
    if value is None:
        return DASH
    if isinstance(value, bool):
        return VALUES("true" if value else "false", lang)
    if isinstance(value, (list, tuple)):
        return list_separator(lang).join(_param_text(v, lang) for v in value) if value else DASH
    return str(value)


def _definitions(ctx: ReportContext) -> str:
    """Each shown metric's name and definition, in the report's language only."""
    shown = [m for m in PUBLIC_IDS if m in {*SUMMARY_METRICS, *LEADERBOARD_METRICS, *card_metrics(ctx), *TREND_METRICS}]
    rows = [(CATALOGUE[m].label(ctx.lang), CATALOGUE[m].defined(ctx.lang)) for m in shown]
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
                  "<ul>" + "".join(f"<li>{esc(in_lang(w, lang))}</li>" for w in ctx.dataset.warnings) + "</ul>"]
    provisional = ctx.provisional
    parts += [f"<h3>{esc(t('provisional_table', lang))}</h3>",
              _defs((label(r["metric"], lang), t("final_on", lang, day=f"{r['final_on']:%Y-%m-%d}"))
                    for r in provisional.iter_rows(named=True)) if provisional.height else f"<p>{esc(t('none', lang))}</p>"]
    parts += [f"<h3>{esc(t('parameters', lang))}</h3>", _parameters(ctx),
              f"<h3>{esc(t('definitions', lang))}</h3>", _definitions(ctx)]
    return html(*parts)
