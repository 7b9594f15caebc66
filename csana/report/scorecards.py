"""Per-agent scorecards: one printed A4 page per agent for the one-to-one review (CSS ``break-before: page``).

Each card shows the agent's headline (score, grade, rank, pay), every metric next to the
team median with the gap coloured by the metric's direction, the score and pay detail of
the agent's scheme, the weak indicators with their training actions, and signature lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from IPython.display import HTML

from csana.catalogue import label
from csana.i18n import pick
from csana.present.formatting import DASH, delta, format_metric, format_value, missing
from csana.report.common import (
    CARD_METRICS,
    grade_badge,
    html,
    join,
    note,
    score_text,
    status_text,
    t,
)
from csana.report.context import ReportContext
from csana.report.format import esc


def _medians(ctx: ReportContext, team: str | None) -> dict[str, Any]:
    """The team's median of every metric (the shop's when the agent has no team)."""
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


def card_metrics(ctx: ReportContext) -> list[str]:
    """The scorecard's metrics: the standard list, less optional ones the data does not hold."""
    agents = ctx.now.agents
    return [m for m in CARD_METRICS if m in agents.columns and agents[m].null_count() < agents.height]


def _metrics_table(ctx: ReportContext, row: Mapping[str, Any], medians: Mapping[str, Any]) -> str:
    lang = ctx.lang
    lines = []
    for m in card_metrics(ctx):
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
        note = "" if status in (None, "ok") else f' <span class="flag">{esc(status_text(status, lang))}</span>'
        lines.append(
            f"<tr><td>{esc(ind.label(lang, manual))}{note}</td>"
            f"<td class=\"num\">{esc(_indicator_value(ind, row.get(f'{ind.id}.value'), lang))}</td>"
            f"<td>{esc(row.get(f'{ind.id}.tier') or DASH)}</td>"
            f"<td class=\"num\">{esc(format_value(row.get(f'{ind.id}.score'), 'score', lang))}</td>"
            f"<td class=\"num\">{esc(format_value(ind.weight, 'score', lang))}</td>"
            f"<td class=\"num\">{esc(format_value(row.get(f'{ind.id}.weighted'), 'score', lang))}</td></tr>"
        )
    lines.append(
        f"<tr><th colspan=\"5\">{esc(t('score', lang))}</th><th class=\"num\">{esc(score_text(row))}</th></tr>"
    )
    head = "".join(
        f'<th class="num">{esc(t(k, lang))}</th>' if k in ("score", "weight", "weighted", "value") else f"<th>{esc(t(k, lang))}</th>"
        for k in ("indicator", "value", "tier", "score", "weight", "weighted")
    )
    return f'<table class="data compact"><thead><tr>{head}</tr></thead><tbody>{"".join(lines)}</tbody></table>'


def _pay_table(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    from csana.scoring.columns import PAY_PARTS

    lang = ctx.lang
    lines = []
    for part, zh, en in PAY_PARTS:
        amount = row.get(part)
        if part != "total_pay" and (missing(amount) or amount == 0):
            continue
        shown = ("−" if part == "penalties" else "") + format_value(amount, "yuan", lang)
        cell = "th" if part == "total_pay" else "td"
        lines.append(f'<tr><{cell}>{esc(pick((zh, en), lang))}</{cell}><{cell} class="num">{esc(shown)}</{cell}></tr>')
    head = f'<tr><th>{esc(t("pay_detail", lang))}</th><th class="num">{esc(t("amount", lang))}</th></tr>'
    table = f'<table class="data compact"><thead>{head}</thead><tbody>{"".join(lines)}</tbody></table>'
    return table + _gate_lines(ctx, row)


def _gate_lines(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    """Each gate of the agent's scheme that failed or could not be judged, and what it did to the pay, in words."""
    from csana.scoring.columns import gate_notes

    lines = gate_notes(ctx.scheme(row["scheme"]), row, ctx.lang)
    return "".join(f'<p class="note"><span class="flag">{esc(line)}</span></p>' for line in lines)


def _weakjoin(ctx: ReportContext, agent_id: str) -> str:
    lang = ctx.lang
    weak = ctx.diagnosis.weak.filter(pl.col("agent_id") == agent_id)
    if weak.height == 0:
        return f"<p>{esc(t('none_weak', lang))}</p>"
    items = []
    for r in weak.iter_rows(named=True):
        evidence = t("evidence", lang, value=format_value(r["value"], r["unit"], lang),
                     benchmark=format_value(r["benchmark"], r["unit"], lang))
        factors = join(r.get("factors") or [], lang)
        actions = "".join(f"<li>{esc(a)}</li>" for a in (r.get("actions") or []))
        items.append(
            f"<li><b>{esc(r['metric_label'])}</b> {esc(evidence)}"
            + (f'<div class="note">{esc(t("factors", lang))}: {esc(factors)}</div>' if factors else "")
            + (f'<ul class="actions">{actions}</ul>' if actions else "") + "</li>"
        )
    return f'<ul class="actions">{"".join(items)}</ul>'


def _score_and_pay(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    if row.get("scheme") is None:
        return note(t("unscored", ctx.lang, names=row.get("name") or row["agent_id"]))
    scheme = ctx.scheme(row["scheme"])
    return (f'<div class="two-col"><div><h3>{esc(t("score_detail", ctx.lang))} · {esc(scheme.label(ctx.lang))}</h3>'
            f'{_score_table(ctx, row)}</div><div><h3>{esc(t("pay_detail", ctx.lang))}</h3>{_pay_table(ctx, row)}</div></div>')


def scorecard(ctx: ReportContext, row: Mapping[str, Any]) -> str:
    """One agent's printable page: headline, metrics vs team median, score and pay detail, training actions."""
    lang = ctx.lang
    agent_id = row["agent_id"]
    who = f"{esc(row.get('name') or agent_id)}"
    shown_id = agent_id if row.get("name") and row.get("name") != agent_id else None  # exports: the id is the name
    meta = " · ".join(esc(v) for v in (shown_id, row.get("team"), ctx.month) if v)
    rank = t("of", lang, rank=row["rank"], n=ctx.ranked[row["scheme"]]) if row.get("rank") is not None else DASH
    headline = "".join(
        f'<div class="kpi"><div class="name">{esc(name)}</div><div class="value">{value}</div></div>'
        for name, value in (
            (t("score", lang), esc(score_text(row))),
            (t("grade", lang), grade_badge(row)),
            (t("rank", lang), esc(rank)),
            (t("pay", lang), esc(format_value(row.get("total_pay"), "yuan", lang))),
        )
    )
    return (
        f'<section class="scorecard"><header><h2>{who}</h2><span class="note">{meta} · {esc(t("scorecard", lang))}</span></header>'
        f'<div class="headline">{headline}</div>'
        f"<h3>{esc(t('vs_median', lang))}</h3>{_metrics_table(ctx, row, _medians(ctx, row.get('team')))}"
        + _score_and_pay(ctx, row) +
        f"<h3>{esc(t('weak_actions', lang))}</h3>{_weakjoin(ctx, agent_id)}"
        f'<div class="signature"><div>{esc(t("sign_agent", lang))}</div><div>{esc(t("sign_lead", lang))}</div></div>'
        "</section>"
    )


def scorecards(ctx: ReportContext) -> HTML:
    """One scorecard page per agent, best rank first (nothing when the report was asked without them)."""
    if not ctx.scorecards:
        return html("")
    return html(*(scorecard(ctx, row) for row in ctx.ranked_agents().iter_rows(named=True)))
