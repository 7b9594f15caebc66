"""Published months in the report: last month from the record, and the 数据修订 / Restatements section.

When the store (:mod:`csana.store`) holds the report's previous month, the report compares this month
with what was *published* for it — its latest version — instead of re-computing it from whatever data
is present today. And for every month the store holds that the data still covers (up to the report's
month), the month is computed again from today's data with the params and schemes it was published
with; the section lists what moved: which agents, which metrics, old → new, and the pay difference to
settle. The store is opened read-only and only when its file exists; a store that cannot be read is
named in the section instead of stopping the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
from IPython.display import HTML

from csana.errors import CsanaError
from csana.facts import facts_of
from csana.i18n import Captions
from csana.ingest.dataset import Dataset
from csana.catalogue import label
from csana.params import MetricParams
from csana.periods import previous_month
from csana.present.formatting import format_metric, format_value, sign, signed_value
from csana.report.format import Column, esc, html_table

if TYPE_CHECKING:
    from csana.report.context import ReportContext
    from csana.store.layout import MonthFigures, Publication
    from csana.store.restate import Restatement

t = Captions({
    "restatements": ("数据修订", "Restatements"),
    "before_from": ("上月对比取自已发布的 {label}。", "Last month's figures are the published {label}."),
    "unchanged": ("{label}：按今日数据重新计算，与发布一致。", "{label}: today's data gives the published figures."),
    "changed": ("{label} → 今日数据", "{label} → today's data"),
    "method": ("按发布时的参数与考核方案、用今日数据重新计算（迟到的付款、退款、平台回算）；"
               "应发差额需在下次发薪时补发或扣回。",
               "Re-computed from today's data (late payments, refunds, platform recalculations) with the params and "
               "schemes the month was published with; pay differences are to be settled in the next payroll."),
    "pay": ("应发差额", "Pay to settle"), "agent": ("客服", "Agent"), "metric": ("指标", "Metric"),
    "old": ("已发布", "Published"), "new": ("今日", "Today"), "change": ("变化", "Change"),
    "shop_totals": ("全店合计", "Shop totals"), "total_pay": ("应发合计", "Total pay"),
    "score_total": ("得分", "Score"), "rank": ("名次", "Rank"),
    "problem": ("无法读取已发布月份：{message}", "The published months could not be read: {message}"),
    "outside": ("{label}：数据已不覆盖该月，无法核对。", "{label}: the data no longer covers the month."),
})


@dataclass(frozen=True)
class Published:
    """What the store says about the report's months."""

    path: Path
    previous: Publication | None = None
    """The latest published version of the report's previous month."""
    previous_figures: MonthFigures | None = None
    restatements: tuple[Restatement, ...] = ()
    """Every published month up to the report's that the data covers, checked against today's data."""
    outside: tuple[Publication, ...] = ()
    """Published months the data no longer covers."""
    problem: str | None = None
    months: list[str] = field(default_factory=list)


def published(dataset: Dataset, data: str | None, month: str, params: MetricParams, store: str | None, shop: str | None,
              agents: list[str] | None) -> Published | None:
    """The store's view of the report (None when there is no store file); ``agents``: only these agents' restatements."""
    from csana.store import reading, restatement, store_path
    from csana.store.publication import shop_key

    path = store_path(data, store)
    if not path.exists():
        return None
    shop = shop_key(dataset, shop)
    covered = set(facts_of(dataset, params).months_touched())
    try:
        with reading(path) as reader:
            listed = reader.publications(shop)
            months = sorted(m for m in set(listed["month"].to_list()) if m <= month)
            latest = {m: reader.latest(shop, m) for m in months}
            figures = {m: reader.figures(p.publication_id) for m, p in latest.items() if p is not None}
    except CsanaError as exc:
        return Published(path, problem=str(exc))
    checked = tuple(restatement(dataset, latest[m], figures[m], agents) for m in months if m in covered)
    before = previous_month(month)
    return Published(path, latest.get(before), figures.get(before), checked,
                     tuple(latest[m] for m in months if m not in covered), months=months)


def previous_totals(view: Published | None, team: str | None) -> tuple[pl.DataFrame, dict[str, Any]] | None:
    """The published previous month's agents and group totals (of the team, when the report has one)."""
    if view is None or view.previous_figures is None:
        return None
    figures = view.previous_figures
    if team is None:
        return figures.agents, figures.shop.row(0, named=True) if figures.shop.height else {}
    rows = figures.teams.filter(pl.col("team") == team)
    return figures.agents.filter(pl.col("team") == team), rows.drop("team").row(0, named=True) if rows.height else {}


# -- the section ----------------------------------------------------------------------------------


def _label(publication: Publication, lang: str) -> str:
    from csana.store.read import published_label

    return published_label(publication, lang)


def _value(metric: str, value: Any, lang: str) -> str:
    if metric in ("total",):
        return format_value(value, "score", lang)
    if metric == "rank":
        return "—" if value is None else f"{int(value)}"
    return format_metric(metric, value, lang)


def _change(metric: str, value: Any, lang: str) -> str:
    from csana.catalogue import CATALOGUE

    unit = "score" if metric == "total" else "units" if metric == "rank" else CATALOGUE[metric].unit
    if value is None or value == 0 or any(digit in format_value(abs(value), unit, lang) for digit in "123456789"):
        return signed_value(value, unit, lang)
    # a change below the shown precision (AOV moving by ¥0.004): '+<0.01', never a misleading '+0.00'
    step = 0.001 if unit == "ratio" else 0.1 if unit in ("seconds", "hours") else 0.01
    return sign(value) + "<" + format_value(step, unit, lang)


def _metric_name(metric: str, lang: str) -> str:
    return t({"total": "score_total", "rank": "rank"}[metric], lang) if metric in ("total", "rank") else label(metric, lang)


def _person(row: dict[str, Any]) -> str:
    name, agent_id = row.get("name"), row.get("agent_id")
    return f'{esc(name)} <span class="note">{esc(agent_id)}</span>' if name and name != agent_id else esc(agent_id)


def _restated(item: Restatement, lang: str) -> str:
    parts = [f"<h3>{esc(t('changed', lang, label=_label(item.publication, lang)))}</h3>"]
    if item.pay.height:
        parts += [f"<h4>{esc(t('pay', lang))}</h4>", html_table(item.pay.sort("agent_id"), [
            Column(t("agent", lang), _person),
            Column(t("old", lang), lambda r: esc(format_value(r.get("old_pay"), "yuan", lang)), numeric=True),
            Column(t("new", lang), lambda r: esc(format_value(r.get("new_pay"), "yuan", lang)), numeric=True),
            Column(t("change", lang), lambda r: esc(signed_value(r.get("pay_change"), "yuan", lang)), numeric=True),
        ], "data compact")]
    if item.changes.height:
        parts += [f"<h4>{esc(t('metric', lang))}</h4>", html_table(item.changes, [
            Column(t("agent", lang), _person),
            Column(t("metric", lang), lambda r: esc(_metric_name(r["metric"], lang))),
            Column(t("old", lang), lambda r: esc(_value(r["metric"], r.get("old"), lang)), numeric=True),
            Column(t("new", lang), lambda r: esc(_value(r["metric"], r.get("new"), lang)), numeric=True),
            Column(t("change", lang), lambda r: esc(_change(r["metric"], r.get("change"), lang)), numeric=True),
        ], "data compact")]
    if item.totals.height:
        parts += [f"<h4>{esc(t('shop_totals', lang))}</h4>", html_table(item.totals, [
            Column(t("metric", lang), lambda r: esc(label(r["metric"], lang))),
            Column(t("old", lang), lambda r: esc(format_metric(r["metric"], r.get("old"), lang)), numeric=True),
            Column(t("new", lang), lambda r: esc(format_metric(r["metric"], r.get("new"), lang)), numeric=True),
        ], "data compact")]
    return "".join(parts)


def restatements(ctx: ReportContext) -> HTML:
    """数据修订 / Restatements: where last month's figures come from, and what today's data changes in published months.

    Empty when there is no store."""
    view: Published | None = getattr(ctx, "published", None)
    if view is None:
        return HTML("")
    lang = ctx.lang
    parts = [f"<h2>{esc(t('restatements', lang))}</h2>"]
    if view.problem:
        parts.append(f'<p><span class="flag">!</span> {esc(t("problem", lang, message=view.problem))}</p>')
        return HTML("".join(parts))
    if view.previous is not None:
        parts.append(f"<p>{esc(t('before_from', lang, label=_label(view.previous, lang)))}</p>")
    for item in view.restatements:
        same = f"<p>{esc(t('unchanged', lang, label=_label(item.publication, lang)))}</p>"
        parts.append(_restated(item, lang) if item.changed else same)
    parts += [f"<p>{esc(t('outside', lang, label=_label(p, lang)))}</p>" for p in view.outside]
    parts.append(f'<p class="note">{esc(t("method", lang))}</p>')
    return HTML("".join(parts))
