"""The agency overview as one offline HTML page (and its A4 landscape PDF), in one language.

The page uses the monthly report's stylesheet (inlined: no external resource, no script) and
prints through the same Chromium step, so Chinese renders from the system's CJK font in
HTML and PDF alike. Every piece of data text (shop and agent names, errors, file names) is
escaped; links to the shops' reports are relative, so the month folder can be copied or
zipped for a shop owner as it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from csana.agency.overview import HEADLINE, Overview
from csana.i18n import Captions, check_lang, in_lang, list_separator
from csana.catalogue import METRIC_BY_ID, label
from csana.present.formatting import DASH, delta, format_metric, format_value
from csana.report.format import Column, esc, html_table
from csana.report.render import TEMPLATE, TEMPLATES, to_pdf

TOP_AGENTS = 20
BOTTOM_AGENTS = 10
EXTRA_CSS = """
@page { size: A4 landscape; }
main { max-width: 277mm; }
table.data td a { color: var(--accent); text-decoration: none; }
.quality-ok { color: var(--good); } .quality-warn { color: var(--warn); } .quality-bad { color: var(--bad); }
.kpi-grid.agency { grid-template-columns: repeat(5, 1fr); }
td .delta { display: block; }
"""

t = Captions({
    "title": ("代运营店铺总览", "Agency overview"),
    "subtitle": ("店铺 {n} 家：本次生成 {done}，未变化跳过 {skipped}，失败 {failed}",
                 "{n} shops: {done} rendered, {skipped} unchanged (skipped), {failed} failed"),
    "ranked_on": ("排名指标：{metric}", "Ranked on: {metric}"),
    "generated": ("生成于 {day}", "Generated {day}"),
    "agency_totals": ("全部店铺合计", "All shops together"),
    "totals_note": ("合计为参与排名店铺的汇总：人数与金额相加，比率按分子之和 / 分母之和重算；同一顾客在两家店各计一次。",
                    "Totals pool the ranked shops: counts and amounts add up, ratios are Σ numerator / Σ denominator; "
                    "a customer of two shops counts in each."),
    "pay_total": ("应发合计", "Total pay"),
    "last_month": ("上月", "last month"),
    "shops": ("店铺排名", "Shops ranked"),
    "rank": ("名次", "Rank"),
    "shop": ("店铺", "Shop"),
    "platform": ("平台", "Platform"),
    "manager": ("负责人", "Manager"),
    "month": ("月份", "Month"),
    "quality": ("数据质量", "Data quality"),
    "report": ("报告", "Report"),
    "ok": ("正常", "ok"),
    "failed": ("失败", "failed"),
    "rejected": ("剔除 {n} 行", "{n} rows rejected"),
    "notes": ("提示 {n} 条", "{n} notes"),
    "provisional": ("暂定：{names}", "provisional: {names}"),
    "other_month": ("{month} 的报告（数据未覆盖 {wanted}）", "report of {month} (data does not cover {wanted})"),
    "shared_quality": ("见共用数据", "see shared data"),
    "failures": ("未能生成报告的店铺", "Shops without a report"),
    "error": ("原因", "Error"),
    "agents": ("客服跨店排名：{metric}", "Agents across shops: {metric}"),
    "agents_top": ("前 {n} 名", "Top {n}"),
    "agents_bottom": ("后 {n} 名", "Bottom {n}"),
    "agent": ("客服", "Agent"),
    "team": ("组别", "Team"),
    "value": ("本月", "This month"),
    "change": ("环比", "Change"),
    "base": ("基数", "Base"),
    "grade": ("等级", "Grade"),
    "agents_note": ("{metric} 的基数为{base}；基数不足 {min} 的 {n} 名客服不参与排名。完整排名见 {file}。",
                    "The base of {metric} is {base}; {n} agents with a base under {min} are not ranked. "
                    "The full ranking is in {file}."),
    "no_agents": ("没有可排名的客服。", "No agent to rank."),
    "ranking_sheet": ("客服跨店排名", "agents ranked"),
    "data": ("数据", "Data"),
    "shared": ("所有店铺读自同一数据文件夹 {root}：读取 {read} 行，使用 {used} 行，剔除 {rejected} 行（剔除的行无法区分店铺）。",
               "All shops were read from one data folder {root}: {read} rows read, {used} used, {rejected} rejected "
               "(rejected rows cannot be told apart by shop)."),
    "unassigned": ("没有 shop_id 的行（不属于任何店铺报告）：{parts}。", "Rows without a shop_id (in no shop's report): {parts}."),
    "layout_folders": ("每个子文件夹为一家店铺：{root}", "One sub-folder per shop: {root}"),
    "loading_notes": ("加载提示", "Loading notes"),
    "no_month": ("没有店铺生成报告，无法确定月份。", "No shop's report was rendered: no month to show."),
})
"""Overview text: one language per page."""


def _rate_delta(metric_id: str, now: Any, before: Any, lang: str) -> str:
    change = delta(metric_id, now, before, lang)
    return f'<span class="delta {change.tone}">{esc(change.text)}</span>' if change.text != DASH else ""


def _figure(metric_id: str, key: str, lang: str) -> Column:
    """A headline figure with its month-on-month change under it, coloured by the metric's direction."""
    def cell(row: Mapping[str, Any]) -> str:
        return esc(format_metric(metric_id, row.get(key), lang)) + _rate_delta(metric_id, row.get(key), row.get(f"{key}_before"), lang)
    return Column(label(metric_id, lang), cell, numeric=True)


def quality_text(row: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """A shop's data-quality status as (text, tone: ok | warn | bad)."""
    if row.get("status") == "failed":
        return t("failed", lang), "bad"
    parts = []
    if row.get("rows_rejected"):
        share = row["rows_rejected"] / row["rows_read"] if row.get("rows_read") else None
        parts.append(t("rejected", lang, n=f"{row['rows_rejected']:,}") + (f" ({share:.1%})" if share is not None else ""))
    if row.get("warnings"):
        parts.append(t("notes", lang, n=row["warnings"]))
    if row.get("provisional"):
        parts.append(t("provisional", lang, names=list_separator(lang).join(label(m, lang) for m in row["provisional"])))
    if not parts:
        return (t("ok", lang) if row.get("rows_read") is not None else t("shared_quality", lang)), "ok"
    return "; ".join(parts), "warn"


def _link(row: Mapping[str, Any], month: str | None) -> str:
    """Relative links to the shop's report files (``../<month>/`` when its report is of another month)."""
    prefix = "" if row.get("month") == month else f"../{row.get('month')}/"
    links = [f'<a href="{esc(prefix + row[kind])}">{kind.upper()}</a>' for kind in ("html", "pdf") if row.get(kind)]
    return " · ".join(links) or DASH


def _shop_cell(row: Mapping[str, Any], month: str | None, lang: str) -> str:
    name = esc(row["label"])
    if row.get("html"):
        prefix = "" if row.get("month") == month else f"../{row.get('month')}/"
        name = f'<a href="{esc(prefix + row["html"])}">{name}</a>'
    if row["label"] != row["key"]:
        name += f' <span class="note">{esc(row["key"])}</span>'
    if row.get("month") and month and row["month"] != month and row.get("status") != "failed":
        name += f'<br><span class="flag">{esc(t("other_month", lang, month=row["month"], wanted=month))}</span>'
    return name


def shops_table(ov: Overview, lang: str) -> str:
    """Every shop: rank, name (linked), platform, manager, headline figures with change, pay, quality, links."""
    def quality(row: Mapping[str, Any]) -> str:
        text, tone = quality_text(row, lang)
        return f'<span class="quality-{tone}">{esc(text)}</span>'

    figures = [_figure(m, m, lang) for m in HEADLINE]
    if ov.rank_by not in HEADLINE:
        figures.append(_figure(ov.rank_by, "rank_value", lang))
    columns = [
        Column(t("rank", lang), lambda r: esc(r["rank"] if r.get("rank") is not None else DASH), numeric=True),
        Column(t("shop", lang), lambda r: _shop_cell(r, ov.month, lang), wrap=True),
        Column(t("platform", lang), lambda r: esc(r.get("platform") or DASH)),
        Column(t("manager", lang), lambda r: esc(r.get("manager") or DASH)),
        *figures,
        Column(t("pay_total", lang), lambda r: esc(format_value(r.get("pay_total"), "yuan", lang)), numeric=True),
        Column(t("quality", lang), quality, wrap=True),
        Column(t("report", lang), lambda r: _link(r, ov.month)),
    ]
    return html_table(ov.shops, columns, "data compact")


def _tiles(ov: Overview, lang: str) -> str:
    before = ov.agency_before or {}
    tiles = []
    for m in HEADLINE:
        last = f'{esc(t("last_month", lang))} {esc(format_metric(m, before.get(m), lang))} ' if ov.agency_before else ""
        tiles.append(f'<div class="kpi"><div class="name">{esc(label(m, lang))}</div>'
                     f'<div class="value">{esc(format_metric(m, ov.agency.get(m), lang))}</div>'
                     f'<div class="before">{last}{_rate_delta(m, ov.agency.get(m), before.get(m), lang)}</div></div>')
    pay = ov.shops.filter(pl.col("eligible"))["pay_total"].drop_nulls()
    tiles.append(f'<div class="kpi"><div class="name">{esc(t("pay_total", lang))}</div>'
                 f'<div class="value">{esc(format_value(round(float(pay.sum()), 2) if pay.len() else None, "yuan", lang))}</div></div>')
    return f'<div class="kpi-grid agency">{"".join(tiles)}</div>'


def _failures(ov: Overview, lang: str) -> str:
    failed = ov.shops.filter(pl.col("status") == "failed")
    if failed.height == 0:
        return ""
    columns = [Column(t("shop", lang), lambda r: _shop_cell(r, ov.month, lang), wrap=True),
               Column(t("error", lang), lambda r: esc(r.get("error") or DASH), wrap=True)]
    return f"<h2>{esc(t('failures', lang))}</h2>" + html_table(failed, columns, "data compact")


def agents_section(ov: Overview, lang: str, ranking_file: str) -> str:
    """The agents ranked across shops: the top and the bottom of the ranking, and who was not ranked."""
    metric = label(ov.rank_by, lang)
    ranked = ov.agents.filter(pl.col("rank").is_not_null())
    parts = [f"<h2>{esc(t('agents', lang, metric=metric))}</h2>"]
    columns = [
        Column(t("rank", lang), lambda r: esc(r["rank"]), numeric=True),
        Column(t("agent", lang), lambda r: esc(r.get("name") or r["agent_id"]) + (
            f' <span class="note">{esc(r["agent_id"])}</span>' if r.get("name") and r["name"] != r["agent_id"] else "")),
        Column(t("shop", lang), lambda r: esc(r["shop_label"])),
        Column(t("team", lang), lambda r: esc(r.get("team") or DASH)),
        Column(t("value", lang), lambda r: esc(format_metric(ov.rank_by, r.get("value"), lang)), numeric=True),
        Column(t("last_month", lang), lambda r: esc(format_metric(ov.rank_by, r.get("before"), lang)), numeric=True),
        Column(t("change", lang), lambda r: _rate_delta(ov.rank_by, r.get("value"), r.get("before"), lang) or DASH, numeric=True),
        Column(t("base", lang), lambda r: esc(format_value(r.get("base"), "people", lang)), numeric=True),
        Column(t("grade", lang), lambda r: esc(r.get("grade") or DASH)),
        Column(t("pay_total", lang), lambda r: esc(format_value(r.get("total_pay"), "yuan", lang)), numeric=True),
    ]
    if ranked.height == 0:
        parts.append(f"<p>{esc(t('no_agents', lang))}</p>")
    elif ranked.height <= TOP_AGENTS + BOTTOM_AGENTS:
        parts.append(html_table(ranked, columns, "data compact"))
    else:
        parts += [f"<h3>{esc(t('agents_top', lang, n=TOP_AGENTS))}</h3>", html_table(ranked.head(TOP_AGENTS), columns, "data compact"),
                  f"<h3>{esc(t('agents_bottom', lang, n=BOTTOM_AGENTS))}</h3>",
                  html_table(ranked.tail(BOTTOM_AGENTS), columns, "data compact")]
    ratio = METRIC_BY_ID[ov.rank_by].ratio
    base = label(ratio[1] if ratio else "received_customers", lang)
    unranked = ov.agents.height - ranked.height
    parts.append(f'<p class="note">{esc(t("agents_note", lang, metric=metric, base=base, min=ov.min_base, n=unranked, file=ranking_file))}</p>')
    return "".join(parts)


def _data_section(ov: Overview, root: Path, lang: str) -> str:
    parts = [f"<h2>{esc(t('data', lang))}</h2>"]
    if ov.shared is not None:
        s = ov.shared
        parts.append(f"<p>{esc(t('shared', lang, root=root, read=f'{s.rows_read:,}', used=f'{s.rows_used:,}', rejected=f'{s.rows_rejected:,}'))}</p>")
        if s.unassigned:
            counts = list_separator(lang).join(f"{name} {n:,}" for name, n in s.unassigned.items())
            parts.append(f'<p class="quality-warn">{esc(t("unassigned", lang, parts=counts))}</p>')
        if s.warnings:
            parts.append(f"<h3>{esc(t('loading_notes', lang))}</h3><ul>" + "".join(f"<li>{esc(in_lang(w, lang))}</li>" for w in s.warnings) + "</ul>")
    elif ov.layout == "folders":
        parts.append(f"<p>{esc(t('layout_folders', lang, root=root))}</p>")
    parts += [f'<p class="note">{esc(in_lang(n, lang))}</p>' for n in ov.notes]
    return "".join(parts)


def render_page(ov: Overview, root: Path, lang: str, ranking_file: str) -> str:
    """The overview page as one self-contained HTML document in ``lang``."""
    check_lang(lang)
    counts = ov.counts()
    heading = t("title", lang) + (f" {ov.month}" if ov.month else "")
    subtitle = " · ".join([
        t("subtitle", lang, n=ov.shops.height, **counts), t("ranked_on", lang, metric=label(ov.rank_by, lang)),
        t("generated", lang, day=dt.date.today().isoformat()),
    ])
    css = (TEMPLATES / TEMPLATE / "report.css").read_text(encoding="utf-8") + EXTRA_CSS
    body = [f"<h1>{esc(heading)}</h1>", f'<p class="subtitle">{esc(subtitle)}</p>']
    if ov.month is None:
        body.append(f"<p>{esc(t('no_month', lang))}</p>")
    else:
        body += [f"<h2>{esc(t('agency_totals', lang))}</h2>", _tiles(ov, lang), f'<p class="note">{esc(t("totals_note", lang))}</p>']
    body += [f"<h2>{esc(t('shops', lang))}</h2>", shops_table(ov, lang), _failures(ov, lang)]
    if ov.month is not None:
        body.append(agents_section(ov, lang, ranking_file))
    body.append(_data_section(ov, root, lang))
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n<title>{esc(heading)}</title>\n'
            f"<style>\n{css}\n</style>\n</head>\n<body class=\"csana-report\">\n<main>\n{''.join(body)}\n</main>\n</body>\n</html>\n")


def write_overview(ov: Overview, root: Path, folder: Path, name: str, lang: str, formats: tuple[str, ...]) -> dict[str, Path]:
    """Write the page (HTML, and PDF when asked) and the full agent ranking (XLSX) into ``folder``."""
    from csana.writers import write_table

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {"agents": folder / f"{name}-agents.xlsx"}
    write_table(ranking_table(ov, lang), files["agents"], sheet=t("ranking_sheet", lang),
                title=[t("agents", lang, metric=label(ov.rank_by, lang)) + (f" · {ov.month}" if ov.month else "")])
    html = folder / f"{name}.html"
    html.write_text(render_page(ov, root, lang, files["agents"].name), encoding="utf-8")
    files["html"] = html
    if "pdf" in formats:
        files["pdf"] = folder / f"{name}.pdf"
        to_pdf(html, files["pdf"])
    return files


def ranking_table(ov: Overview, lang: str) -> pl.DataFrame:
    """Every agent of the ranked shops, ranked on the metric, with readable headers (for the spreadsheet)."""
    metric = label(ov.rank_by, lang)
    return ov.agents.select(
        pl.col("rank").alias(t("rank", lang)), pl.col("shop_label").alias(t("shop", lang)), pl.col("agent_id"),
        pl.col("name").alias(t("agent", lang)), pl.col("team").alias(t("team", lang)),
        pl.col("value").alias(f"{metric} · {t('value', lang)}"), pl.col("before").alias(f"{metric} · {t('last_month', lang)}"),
        pl.col("base").alias(t("base", lang)), pl.col("grade").alias(t("grade", lang)), pl.col("total_pay").alias(t("pay_total", lang)),
    )

