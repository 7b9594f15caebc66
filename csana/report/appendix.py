"""The report's appendix: data coverage, rows read and rejected with reasons, parameters and definitions.

It lets a reader check the numbers: rows used + rows rejected = rows read, the exact
parameters and scheme versions (content hash) behind every figure, which metrics are
still provisional, and each metric's definition from the catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from IPython.display import HTML

from csana.catalogue import CATALOGUE, PUBLIC_IDS, label
from csana.exports.mapping import TABLE
from csana.facts import facts_of
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


def _defs(rows: Iterable[tuple[str, Any]]) -> str:
    return '<dl class="defs">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows) + "</dl>"


def _rows_read(ctx: ReportContext) -> str:
    lang = ctx.lang
    files = ctx.dataset.files
    if files.height == 0:
        return note(t("in_memory", lang))
    columns = [
        text_column(t("file", lang), "file", wrap=True), text_column(t("table", lang), "table"),
        text_column(t("encoding", lang), "encoding"),
        *[count_column(t(k, lang), c) for k, c in (("read", "rows_read"), ("used", "rows_used"), ("rejected", "rows_rejected"))],
    ]
    return html_table(files, columns, "data compact")


def _rejections(ctx: ReportContext) -> str:
    from csana.ingest.raw import rejection_summary

    lang = ctx.lang
    if ctx.dataset.rejected.height == 0:
        return f"<p>{esc(t('no_rejects', lang))}</p>"
    columns = [
        text_column(t("file", lang), "file"), text_column(t("column", lang), "column"),
        text_column(t("reason", lang), "reason", wrap=True),
        count_column(t("rejected", lang), "rows"),
        Column(t("first_rows", lang), lambda r: esc(", ".join(str(x) for x in r.get("first_rows") or []))),
        text_column(t("fix", lang), "fix", wrap=True),
    ]
    return html_table(rejection_summary(ctx.dataset), columns, "data compact")


def _parameters(ctx: ReportContext) -> str:
    report = [("data", ctx.data), ("month", ctx.month), ("team", ctx.team or DASH), ("shop", ctx.shop_id or DASH),
              *[("scheme", f"{name} · {s.label(ctx.lang)} · {s.content_hash}") for name, s in ctx.schemes],
              ("lang", ctx.lang)]
    metric = [(k, _param_text(v)) for k, v in _shown_params(ctx).items()]
    return (f"<h3>{esc(t('report_parameters', ctx.lang))}</h3>{_defs(report)}"
            f"<h3>{esc(t('metric_parameters', ctx.lang))}</h3>{_defs(metric)}")


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
    shown = [m for m in PUBLIC_IDS if m in {*SUMMARY_METRICS, *LEADERBOARD_METRICS, *card_metrics(ctx), *TREND_METRICS}]
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
    return html(*parts)
