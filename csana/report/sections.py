"""The monthly report's sections: each function takes a :class:`ReportContext` and returns a displayable object.

HTML sections return :class:`IPython.display.HTML`; chart sections return altair charts
(rendered as inline SVG by :func:`csana.present.charts.use_svg`). Sections only arrange and
format what the context holds; all data text is escaped (:func:`csana.report.format.esc`).

Sections, in report order: :func:`header`, :func:`summary`, :func:`leaderboard`,
:func:`charts_heading` with :func:`response_chart`, :func:`funnel_chart`,
:func:`trend_chart`, :func:`value_chart`; :func:`~csana.report.diagnosis.diagnostics` (training
plan, weak indicators, shop findings, conversion drill-down); :func:`review` (chat-review sample);
:func:`~csana.report.scorecards.scorecards` (one printed page per agent, for one-to-one
reviews); :func:`~csana.report.appendix.appendix` (data quality, parameters,
definitions, coverage). With a store of published months, :func:`~csana.report.restatements.restatements`
(数据修订) follows the summary; with ``attribution_compare``,
:func:`~csana.report.attribution.attribution_appendix` follows the appendix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import altair as alt
import polars as pl
from IPython.display import HTML

from csana.catalogue import label
from csana.errors import CsanaError
from csana.ingest.dataset import Capability
from csana.metrics.shop import funnel
from csana.present import charts
from csana.present.formatting import (
    DASH,
    delta,
    format_metric,
    format_value,
)
from csana.report.appendix import appendix
from csana.report.attribution import attribution_appendix
from csana.report.common import (
    LEADERBOARD_METRICS,
    SUMMARY_METRICS,
    TREND_METRICS,
    grade_badge,
    html,
    join,
    note,
    person,
    score_text,
    status_text,
    t,
)
from csana.report.context import ReportContext
from csana.report.diagnosis import diagnostics, shop_headline
from csana.report.format import (
    Column,
    esc,
    html_table,
    metric_column,
    text_column,
)
from csana.report.restatements import restatements
from csana.report.scorecards import scorecards
from csana.scoring.scheme import Scheme

__all__ = [
    "appendix", "attribution_appendix", "charts_heading", "diagnostics", "funnel_chart", "header", "leaderboard", "response_chart",
    "restatements", "review", "scorecards", "summary", "trend_chart", "value_chart",
]


# -- header and summary -----------------------------------------------------------------------


def header(ctx: ReportContext) -> HTML:
    """Title, scope, period, data source, scheme, and the provisional-data banner."""
    lang = ctx.lang
    first, last = ctx.month_days
    scope = [(t("shop", lang), ctx.shop_label), (t("team", lang), ctx.team)]
    facts = [
        (t("period", lang), f"{ctx.month} ({first:%Y-%m-%d} – {last:%Y-%m-%d})"),
        *[(k, v) for k, v in scope if v],
        (t("data", lang), ctx.dataset.source),
        (t("scheme", lang), join((f"{s.label(lang)} ({s.content_hash})" for _, s in ctx.schemes), lang)),
        (t("generated", lang), dt.date.today().isoformat()),
    ]
    subtitle = " · ".join(f"{esc(k)}: {esc(v)}" for k, v in facts)
    heading = t("title", lang) + f" {ctx.month}" + (f" · {ctx.team}" if ctx.team else "")
    return html(f"<h1>{esc(heading)}</h1>", f'<p class="subtitle">{subtitle}</p>', _provisional_banner(ctx))


def _provisional_banner(ctx: ReportContext) -> str:
    rows = ctx.provisional
    if rows.height == 0:
        return ""
    lang = ctx.lang
    text = t("provisional_banner", lang, end=rows["data_end"][0], names=join((label(m, lang) for m in rows["metric"]), lang),
             days=join((f"{d:%Y-%m-%d}" for d in rows["final_on"]), lang))
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
    # without last month's value the tile says so once ("上月 —"), not a second dash for the change
    shown = "" if before is None else f' <span class="delta {change.tone}">{esc(change.text)}</span>'
    return (
        f'<div class="kpi"><div class="name">{esc(label(metric_id, lang))}{_flag(ctx, metric_id)}</div>'
        f'<div class="value">{esc(format_metric(metric_id, now, lang))}</div>'
        f'<div class="before">{last}{shown}</div></div>'
    )


def summary(ctx: ReportContext) -> HTML:
    """One screen: the scope's KPIs vs last month, and the month's headlines."""
    lang = ctx.lang
    tiles = "".join(kpi_tile(ctx, m) for m in SUMMARY_METRICS if m in ctx.now.totals)
    notes = [t("agents_active", lang, n=ctx.now.agents.height)]
    ranked = ctx.scores.filter(pl.col("rank").is_not_null()).sort("rank", "agent_id")
    if ranked.height:
        top = [row.get("name") or row["agent_id"] for row in ranked.head(3).iter_rows(named=True)]
        notes.append(t("top_agents", lang, names=join(top, lang)))
    weak = ctx.diagnosis.weak_agents()
    if weak and ctx.diagnosis.plan.height:
        first = ctx.diagnosis.plan.row(0, named=True)
        notes.append(t("weak_agents", lang, n=len(weak), action=first["action_label"], k=first["agents_needing"]))
    else:
        notes.append(t("no_weak", lang))
    traffic = shop_headline(ctx)
    if traffic:
        notes.append(traffic)
    value = _service_value_line(ctx)
    if value:
        notes.append(value)
    if ctx.before is None:
        notes.append(t("no_previous", lang))
    items = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return html(
        f"<h2>{esc(t('summary', lang))}</h2>",
        f'<div class="kpi-grid">{tiles}</div>',
        f"<ul>{items}</ul>",
        note(t("people_note" if ctx.dataset.can(Capability.DISTINCT_CUSTOMERS) else "people_note_export", lang)),
    )


def _service_value_line(ctx: ReportContext) -> str:
    if not ctx.dataset.can(Capability.ORDERS):
        return ""  # exports do not tell silent orders
    kinds = {r["kind"]: r for r in ctx.now.shop.service_value.iter_rows(named=True)}
    served, silent = kinds.get("served", {}), kinds.get("silent", {})
    return t("value_line", ctx.lang, served=f"{served.get('orders', 0):,}", silent=f"{silent.get('orders', 0):,}",
             served_aov=format_value(served.get("aov"), "yuan", ctx.lang),
             silent_aov=format_value(silent.get("aov"), "yuan", ctx.lang))


# -- leaderboard -------------------------------------------------------------------------------


def _headline_metrics(scheme: Scheme) -> list[str]:
    """The scheme's own metric indicators (up to five), else the standard headline metrics."""
    own = list(dict.fromkeys(ind.metric for ind in scheme.indicators if ind.metric is not None))
    return own[:5] if own else list(LEADERBOARD_METRICS)


def _status(lang: str) -> Column:
    """The score status, and a flag when a gate could not be judged (so a pay that looks high is explained)."""
    def cell(row: Mapping[str, Any]) -> str:
        status = row.get("status")
        flags = [] if status in (None, "ok") else [status_text(status, lang)]
        if row.get("gates_undetermined"):
            flags.append(t("gate_flag", lang))
        return " ".join(f'<span class="flag">{esc(f)}</span>' for f in flags)

    return Column(t("status", lang), cell)


def leaderboard(ctx: ReportContext) -> HTML:
    """Per scheme, its agents with rank, grade, score, pay and the scheme's metrics; then the unscored agents."""
    lang = ctx.lang
    agents = ctx.ranked_agents()
    parts = [f'<h2 class="page-break">{esc(t("leaderboard", lang))}</h2>']
    for name, scheme in ctx.schemes:
        rows = agents.filter(pl.col("scheme") == name)
        if rows.height:
            parts += [f"<h3>{esc(scheme.label(lang))}</h3>", html_table(rows, _board_columns(ctx, scheme), "data compact"),
                      _gate_pay(rows, scheme, lang)]
    unscored = agents.filter(pl.col("scheme").is_null())
    if unscored.height:
        names = join((r.get("name") or r["agent_id"] for r in unscored.iter_rows(named=True)), lang)
        parts.append(f"<p>{esc(t('unscored', lang, names=names))}</p>")
    parts.append(note(t("rank_note", lang)))
    return html(*parts)


def _gate_pay(rows: pl.DataFrame, scheme: Scheme, lang: str) -> str:
    """Under a scheme's leaderboard: who failed a gate or could not be judged on one, and what that did to the pay,
    agents with the same outcome together (so a newcomer paid more than a failing colleague is explained)."""
    from csana.scoring.columns import gate_notes

    outcomes: dict[str, list[str]] = {}
    for row in rows.iter_rows(named=True):
        for line in gate_notes(scheme, row, lang):
            outcomes.setdefault(line, []).append(row.get("name") or row["agent_id"])
    if not outcomes:
        return ""
    items = "".join(f"<li>{esc(t('gate_who', lang, names=join(names, lang), notes=line))}</li>"
                    for line, names in outcomes.items())
    unjudged = rows.get_column("gates_undetermined").drop_nulls().len() if "gates_undetermined" in rows.columns else 0
    return (f'<div class="note"><b>{esc(t("gate_pay", lang))}</b><ul>{items}</ul></div>'
            + (note(t("gate_policy", lang)) if unjudged else ""))


def _board_columns(ctx: ReportContext, scheme: Scheme) -> list[Column]:
    lang = ctx.lang
    return [
        Column(t("rank", lang), lambda r: esc(r.get("rank") if r.get("rank") is not None else DASH), numeric=True),
        Column(t("agent", lang), person),
        *([text_column(t("team", lang), "team")] if ctx.team is None else []),
        Column(t("grade", lang), grade_badge),
        Column(t("score", lang), lambda r: esc(score_text(r)), numeric=True),
        Column(t("percent", lang), lambda r: esc(format_value(r.get("percent"), "ratio", lang)), numeric=True),
        Column(t("pay", lang), lambda r: esc(format_value(r.get("total_pay"), "yuan", lang)), numeric=True),
        *[metric_column(m, lang) for m in _headline_metrics(scheme)],
        _status(lang),
    ]


# -- charts ------------------------------------------------------------------------------------


def charts_heading(ctx: ReportContext) -> HTML:
    return html(f'<h2 class="page-break">{esc(t("charts", ctx.lang))}</h2>')


def response_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """Distribution of the month's answered response times with P50, P90 and the slow threshold."""
    if not ctx.dataset.can(Capability.EVENTS):
        return html(note(t("raw_only", ctx.lang)))
    responses = ctx.responses()
    if responses.height == 0:
        return html(note(t("no_responses", ctx.lang)))
    return charts.response_time_distribution(responses, ctx.lang, slow_s=ctx.params.slow_response_s)


def funnel_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """The scope's conversion funnel (consult → received → inquiry → ordered → paid); exports lack 'ordered'."""
    if not ctx.dataset.can(Capability.ORDERS) or not ctx.now.totals:
        return html(note(t("raw_only", ctx.lang)))
    return charts.funnel(funnel(ctx.now.totals), ctx.lang)


def trend_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """Daily received customers, sales, conversion and response time of the scope (exports: from daily rows)."""
    try:
        daily = ctx.daily()
    except CsanaError:  # an export of per-period rows has no days
        return html(note(t("raw_only", ctx.lang)))
    return charts.daily_trend(daily, TREND_METRICS, ctx.lang)


def value_chart(ctx: ReportContext) -> alt.TopLevelMixin | HTML:
    """CS-served vs silent orders: the value customer service adds to AOV."""
    if not ctx.dataset.can(Capability.ORDERS):
        return html(note(t("raw_only", ctx.lang)))
    chart = charts.served_vs_silent(ctx.now.shop.service_value, ctx.lang)
    if ctx.team is None:
        return chart
    return alt.vconcat(chart, alt.Chart(pl.DataFrame({"n": [t("value_scope_note", ctx.lang)]})).mark_text(
        align="left", color=charts.NEUTRAL).encode(text="n:N")).properties(spacing=4)


def review(ctx: ReportContext) -> HTML:
    """Chat-review sample (抽查聊天记录): masked conversations of weak agents to review, and the best to copy."""
    lang = ctx.lang
    if ctx.review is None or ctx.review.height == 0:
        return html("")
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
    return html(f'<h2 class="page-break">{esc(t("review", lang))}</h2>',
                 note(t("review_note", lang)), *items)
