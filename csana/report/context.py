"""Everything one monthly report shows, computed once: :func:`build_context` → :class:`ReportContext`.

The report notebook calls :func:`build_context` with its parameters, then hands the
context to :mod:`csana.report.sections` and :mod:`csana.present.charts`. All numbers come from
the public engine, scoring and diagnostics functions; this module only selects (the
month, the previous month, a team, a shop) and never computes a metric.

Terms: the *scope* of a report is the whole shop, one team (``team``), or one shop
of a multi-shop dataset (``shop``); *group totals* are the scope's metrics with each
customer counted once (the engine's shop or team rows), not sums of agents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from csana.datasets import open_data
from csana.errors import CsanaError
from csana.i18n import check_lang
from csana.ingest.dataset import SHOP_TABLES, Capability, Dataset, shops  # noqa: F401  (SHOP_TABLES, shops: also imported from here)
from csana.params import MetricParams
from csana.report.config import shop_label

if TYPE_CHECKING:
    from csana.diagnosis.drilldown import Drilldown
    from csana.diagnosis.findings import Diagnosis
    from csana.metrics.shop import ShopMetrics
    from csana.report.restatements import Published
    from csana.scoring.attribution_compare import RuleComparison
    from csana.scoring.scheme import Scheme

SHOP_TABLES_BY_ORDER = ("reminders", "reviews", "disputes")
"""Tables without shop_id that belong to a shop through their order."""


def for_shop(dataset: Dataset, shop: str) -> Dataset:
    """The part of ``dataset`` that belongs to one shop.

    Messages and orders (an export's per-agent rows) are filtered on shop_id; reminders, reviews
    and disputes follow their order; agents, online time and manual scores follow the agents who
    chatted in the shop (an export's peer benchmarks follow the files of its rows). The account of
    rows read and rejected stays that of the whole load.
    """
    known = shops(dataset)
    if shop not in known:
        raise CsanaError(f"shop '{shop}' is not in the data", file=dataset.source,
                         fix=f"use one of: {', '.join(known)}" if known else "the data has no shop_id column")
    tables = dict(dataset.tables)
    for name in SHOP_TABLES:
        if dataset.has(name, "shop_id"):
            tables[name] = dataset[name].filter(pl.col("shop_id") == shop)
    if "agent_period" in tables:  # a platform export: agents and peer benchmarks follow the shop's rows
        rows = tables["agent_period"]
        for name, key in (("agents", "agent_id"), ("benchmarks", "file")):
            if dataset.has(name, key):
                tables[name] = dataset[name].filter(pl.col(key).is_in(rows[key].unique().implode()))
    else:
        order_ids = tables["orders"]["order_id"].implode()
        for name in SHOP_TABLES_BY_ORDER:
            if dataset.has(name):
                tables[name] = dataset[name].filter(pl.col("order_id").is_in(order_ids))
        agent_ids = tables["messages"]["agent_id"].unique().implode()
        for name in ("agents", "online", "manual_scores", "lost_reasons"):
            if dataset.has(name):
                tables[name] = dataset[name].filter(pl.col("agent_id").is_in(agent_ids))
    return Dataset(tables=tables, source=_shop_source(dataset.source, shop), capabilities=dataset.capabilities,
                   rejected=dataset.rejected, files=dataset.files, warnings=list(dataset.warnings),
                   tallies=dataset.tallies)


def _shop_source(source: str, shop: str) -> str:
    """The source label of one shop's part: ``DIR [shop X]`` (once, also when a shop's part is narrowed again)."""
    suffix = f" [shop {shop}]"
    return source if source.endswith(suffix) else source + suffix


@dataclass(frozen=True)
class Period:
    """One month's results for the report's scope."""

    month: str
    agents: pl.DataFrame
    """agent_metrics of the scope's agents (all columns, components included)."""
    totals: dict[str, Any]
    """The scope's group totals (one row of the engine's shop or team table; for exports, the
    export's own totals, whose people counts are customer-days)."""
    shop: ShopMetrics | None
    """The engine's shop view: totals, per-team totals, funnel, served vs silent, team stats, provisional flags
    (None for a previous month known only from the store)."""


@dataclass(frozen=True)
class ReportContext:
    """The inputs and results of one report (see the module docstring)."""

    lang: str
    data: str
    """The data as the report was asked for it ('demo', a path, or an in-memory dataset's source)."""
    team: str | None
    shop_id: str | None
    shop_name: str | None
    """The shop's display name (a shops table's, or an export's), when the report was given one."""
    dataset: Dataset
    params: MetricParams
    now: Period
    before: Period | None
    """The previous month — its latest published version when the store holds one, else re-computed from the
    data — or None when neither reaches back that far."""
    schemes: tuple[tuple[str, Scheme], ...]
    """(name or path as given, scheme) for each scheme of the report, in the order given."""
    scores: pl.DataFrame
    """:func:`csana.score` of the scope's agents, each by the first scheme that applies to it (column
    ``scheme``: its name as given); rank and grade are among all the month's agents of that scheme."""
    ranked: dict[str, int]
    """Per scheme name, how many of the month's agents it ranked (the N of "rank r of N")."""
    diagnosis: Diagnosis
    drilldown: Drilldown | None
    """The conversion drill-down of the month (raw data only)."""
    review: pl.DataFrame | None
    """The chat-review sample of the scope's weak agents and the team's best conversions (raw data only)."""
    scorecards: bool
    published: Published | None = None
    """What the store of published months says (csana.report.restatements); None without a store."""
    attribution: RuleComparison | None = None
    """The attribution rules side by side (``attribution_compare``; raw data only)."""
    attribution_compare: bool = False

    def scheme(self, name: str) -> Scheme:
        """The scheme the report loaded under ``name``."""
        return dict(self.schemes)[name]

    @property
    def month(self) -> str:
        return self.now.month

    @property
    def shop_label(self) -> str | None:
        """The shop as the report names it: 'name (shop_id)', or whichever is known."""
        return shop_label(self.shop_id, self.shop_name)

    @property
    def month_days(self) -> tuple[dt.date, dt.date]:
        from csana.periods import month_window

        window = month_window(self.month)
        return window.start, window.end - dt.timedelta(days=1)

    @property
    def provisional(self) -> pl.DataFrame:
        """Delayed metrics of the month still provisional (metric, final_on, data_end)."""
        return self.now.shop.provisional.filter(pl.col("provisional"))

    def ranked_agents(self) -> pl.DataFrame:
        """Every agent of the scope with its metrics and score, by scheme (in report order), best rank first.

        Agents no scheme applies to come last, with null scheme and score.
        """
        scores = self.scores.select("agent_id", *[c for c in self.scores.columns if c not in self.now.agents.columns])
        order = {name: i for i, (name, _) in enumerate(self.schemes)}
        return (
            self.now.agents.join(scores, on="agent_id", how="left")
            .with_columns(_order=pl.col("scheme").replace_strict(order, default=None, return_dtype=pl.Int64))
            .sort("_order", "rank", "agent_id", nulls_last=True)
            .drop("_order")
        )

    def responses(self) -> pl.DataFrame:
        """Answered bursts of the month in the scope (the events behind the response-time metrics)."""
        from csana.facts.derived import derive
        from csana.periods import month_window

        window = month_window(self.month)
        return derive(self.dataset, self.params).responses.filter(
            pl.col("received") & pl.col("in_hours") & pl.col("response_s").is_not_null()
            & window.contains(pl.col("day")) & pl.col("agent_id").is_in(self.now.agents["agent_id"].implode())
        )

    def daily(self) -> pl.DataFrame:
        """The scope's metrics per day of the month (raw logs: customers counted once per day in the scope)."""
        from csana.metrics.shop import group_metrics

        by = "team" if self.team else "shop"
        frame = group_metrics(self.dataset, self.month, self.params, by, period="day")
        if self.team:
            frame = frame.filter(pl.col("team") == self.team)
        return frame.sort("date")


def _period(dataset: Dataset, month: str, params: MetricParams) -> Period:
    from csana.metrics.shop import shop_metrics

    shop = shop_metrics(dataset, month, params)
    totals = shop.totals.row(0, named=True) if shop.totals.height else {}
    return Period(month, shop.agents, totals, shop)


def _narrow(period: Period, team: str | None) -> Period:
    """The same month restricted to one team: its agents and the team's group totals."""
    if team is None:
        return period
    rows = period.shop.teams.filter(pl.col("team") == team)
    totals = rows.row(0, named=True) if rows.height else {}
    return Period(period.month, period.agents.filter(pl.col("team") == team), totals, period.shop)


def _previous(dataset: Dataset, month: str, params: MetricParams, team: str | None) -> Period | None:
    from csana.periods import previous_month

    try:
        return _narrow(_period(dataset, previous_month(month), params), team)
    except CsanaError:
        return None


def scheme_names(scheme: str) -> list[str]:
    """The schemes of a report: names or paths separated by commas ('presales_traffic,aftersales_returns')."""
    names = [part.strip() for part in scheme.split(",") if part.strip()]
    if not names:
        raise CsanaError("no scoring scheme given", fix="name one, e.g. scheme: presales_traffic")
    return names


def _scores(agents: pl.DataFrame, schemes: tuple[tuple[str, Scheme], ...], dataset: Dataset) -> pl.DataFrame:
    """Each agent scored by the first scheme whose ``applies_to`` selects it."""
    from csana.scoring.scorecard import score_schemes

    return score_schemes(agents, schemes, manual=dataset["manual_scores"] if dataset.has("manual_scores") else None,
                         agents=dataset["agents"] if dataset.has("agents") else None)


def _diagnosis(agents: pl.DataFrame, dataset: Dataset, params: MetricParams, lang: str, team: str | None) -> Diagnosis:
    """Findings benchmarked against every agent of the month; for a team, only its agents and plan rows."""
    from csana.diagnosis.findings import Diagnosis, diagnose

    found = diagnose(agents, dataset, lang=lang, params=params)
    if team is None:
        return found
    findings = found.findings.filter(pl.col("team") == team)
    members = findings["agent_id"].unique().implode()
    plan = (
        found.plan.explode("agents", "names")
        .filter(pl.col("agents").is_in(members))
        .group_by("action", "action_label", "owner", maintain_order=True)
        .agg(agents_needing=pl.len().cast(pl.Int64), agents=pl.col("agents"), names=pl.col("names"), rules=pl.col("rules").first())
        .select(found.plan.columns)
        .sort("agents_needing", descending=True, maintain_order=True)
    )
    shop = found.shop.filter(pl.col("scope").is_in(["*", team]))
    return Diagnosis(findings, plan, found.rules, found.lang, shop)


def _drilldown(dataset: Dataset, everyone: Period, params: MetricParams, diagnosis: Diagnosis, lang: str,
               agents: pl.DataFrame, excerpts: bool | None) -> tuple[Drilldown | None, pl.DataFrame | None]:
    """The conversion drill-down (from the month's metrics already computed) and the chat-review sample
    (of the scope's agents, and the best examples)."""
    if not dataset.can(Capability.EVENTS):
        return None, None
    from csana.diagnosis.drilldown import conversion_drilldown
    from csana.diagnosis.review import review_sample

    month = everyone.month
    drilldown = conversion_drilldown(dataset, month, params, diagnosis=diagnosis, lang=lang, metrics=everyone.agents,
                                     shop=everyone.shop)
    sample = review_sample(dataset, diagnosis, month, params, lang=lang, excerpts=excerpts)
    members = agents["agent_id"].implode()
    return drilldown, sample.filter((pl.col("kind") == "best") | pl.col("agent_id").is_in(members))


def build_context(
    data: str | Path | Dataset = "demo",
    month: str | None = None,
    team: str | None = None,
    shop: str | None = None,
    shop_name: str | None = None,
    scheme: str = "presales_traffic",
    metrics: str | None = None,
    lang: str = "zh",
    scorecards: bool = True,
    excerpts: bool | None = None,
    attribution_compare: bool = False,
    store: str | None = None,
) -> ReportContext:
    """Load the data and compute everything the report shows (arguments = the notebook's parameters)."""
    from csana.metrics.engine import latest_complete_month
    from csana.scoring.scheme import load_scheme

    check_lang(lang)
    dataset = open_data(data)
    if shop is not None:
        dataset = for_shop(dataset, shop)
    params = MetricParams.load(metrics)
    month = month or latest_complete_month(dataset, params)
    everyone = _period(dataset, month, params)
    if team is not None and team not in everyone.agents["team"].to_list():
        known = sorted(t for t in everyone.agents["team"].unique().to_list() if t is not None)
        raise CsanaError(f"team '{team}' has no active agent in {month}", file=dataset.source,
                         fix=f"use one of: {', '.join(known)}" if known else "the agents table has no team column")
    now = _narrow(everyone, team)
    schemes = tuple((name, load_scheme(name)) for name in scheme_names(scheme))
    scores = _scores(everyone.agents, schemes, dataset)
    diagnosis = _diagnosis(everyone.agents, dataset, params, lang, team)
    drilldown, review = _drilldown(dataset, everyone, params, diagnosis, lang, now.agents, excerpts)
    view = _published(data, dataset, month, params, store, shop, now.agents["agent_id"].to_list() if team else None)
    return ReportContext(
        lang=lang, data=dataset.source if isinstance(data, Dataset) else str(data), team=team, shop_id=shop, shop_name=shop_name,
        dataset=dataset, params=params, now=now, before=_before(dataset, month, params, team, view), schemes=schemes,
        scores=scores.filter(pl.col("team") == team) if team is not None else scores,
        ranked={name: int(scores.filter(pl.col("scheme") == name)["rank"].count()) for name, _ in schemes},
        diagnosis=diagnosis, drilldown=drilldown, review=review, scorecards=scorecards, published=view,
        attribution=_attribution(dataset, month, params, schemes, diagnosis, lang) if attribution_compare else None,
        attribution_compare=attribution_compare,
    )


def _published(data: str | Path | Dataset, dataset: Dataset, month: str, params: MetricParams, store: str | None,
               shop: str | None, members: list[str] | None) -> Published | None:
    """The store's view; data built in memory looks at no default store (only ``store`` or $CSANA_STORE)."""
    import os

    from csana.report.restatements import published
    from csana.store.db import ENV_STORE

    if isinstance(data, Dataset) and not store and not os.environ.get(ENV_STORE):
        return None
    return published(dataset, None if isinstance(data, Dataset) else str(data), month, params, store, shop, members)


def _before(dataset: Dataset, month: str, params: MetricParams, team: str | None, view: Published | None) -> Period | None:
    """Last month: its latest published version when there is one, else re-computed from the data."""
    from csana.periods import previous_month
    from csana.report.restatements import previous_totals

    recomputed = _previous(dataset, month, params, team)
    stored = previous_totals(view, team)
    if stored is None:
        return recomputed
    return Period(previous_month(month), stored[0], stored[1], recomputed.shop if recomputed is not None else None)


def _attribution(dataset: Dataset, month: str, params: MetricParams, schemes: tuple[tuple[str, Scheme], ...],
                 diagnosis: Diagnosis, lang: str) -> RuleComparison | None:
    """The attribution rules side by side, for the appendix (None for platform exports: no single orders)."""
    if not dataset.can(Capability.ORDERS):
        return None
    from csana.scoring.attribution_compare import compare_rules

    return compare_rules(dataset, month, schemes, params=params, salt=diagnosis.rules.review.salt, lang=lang)
