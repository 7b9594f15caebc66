"""What the explorer shows for one data × month, and the selections on it (team, role, metrics shown).

:class:`MonthFrames` computes the per-agent and per-day metrics once per data × month;
the other functions pick from those frames what the controls offer and the charts
draw. Plain polars: no ipywidgets needed, so the logic is tested without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csana.catalogue import PUBLIC_IDS
from csana.diagnosis.rules import DiagnosticRules
from csana.facts import facts_of
from csana.ingest.dataset import Dataset
from csana.params import MetricParams, resolve_params
from csana.ui.captions import text


def available_months(dataset: Dataset, params: MetricParams | None = None) -> list[str]:
    """Every calendar month the data touches, oldest first (raw logs and platform exports alike)."""
    return facts_of(dataset, resolve_params(params, {})).months_touched()


@dataclass(frozen=True)
class MonthFrames:
    """What the explorer shows for one data × month, computed once: per-agent and per-day metrics."""

    month: str
    metrics: pl.DataFrame
    daily: pl.DataFrame

    @classmethod
    def compute(cls, dataset: Dataset, month: str | None, params: MetricParams | None = None) -> MonthFrames:
        from csana.metrics.engine import (
            agent_daily_metrics,
            agent_metrics,
            latest_complete_month,
        )

        month = month or latest_complete_month(dataset, params)
        return cls(month, agent_metrics(dataset, month, params), agent_daily_metrics(dataset, month, params))


def choices(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct non-null values of ``column`` (team, role), sorted."""
    if column not in frame.columns:
        return []
    return sorted(frame.get_column(column).drop_nulls().unique().to_list())


def filter_agents(frame: pl.DataFrame, team: str | None = None, role: str | None = None) -> pl.DataFrame:
    """Rows of the agents in ``team`` and ``role`` (None = any)."""
    keep = pl.lit(True)
    if team is not None:
        keep &= pl.col("team") == team
    if role is not None:
        keep &= pl.col("role") == role
    return frame.filter(keep)


def shown_metrics(metrics: pl.DataFrame) -> list[str]:
    """Public metric ids with at least one value this month (catalogue order)."""
    return [m for m in PUBLIC_IDS if m in metrics.columns and metrics.get_column(m).null_count() < metrics.height]


def ranked(agents: pl.DataFrame, metric_id: str, rules: DiagnosticRules, lang: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The agents a ranking on ``metric_id`` shows, and those it leaves out with the reason.

    Left out: agents without a value (无数据), and agents of a role the metric is not judged for
    (the roles of the diagnostic rules checking it: conversion is a pre-sales metric, so an
    after-sales agent's 0 % of six post-sale chats is no ranking). Shown agents get ``small``:
    their sample is below the diagnostics' minimum (n < min_count), so the bar is a hint only.
    """
    roles = rules.roles_of(metric_id)
    n_col, least = rules.sample_of(metric_id)
    role = pl.col("role") if "role" in agents.columns else pl.lit(None, pl.String)
    off_role = role.is_not_null() & ~role.is_in(list(roles)) if roles else pl.lit(False)
    reason = (pl.when(pl.col(metric_id).is_null()).then(pl.lit(text("no_value", lang)))
              .when(off_role).then(pl.lit(text("not_for_role", lang))))
    n = pl.col(n_col).cast(pl.Float64) if n_col and n_col in agents.columns else pl.lit(None, pl.Float64)
    marked = agents.with_columns(reason=reason, small=(n < least).fill_null(False) if least else pl.lit(False))
    return marked.filter(pl.col("reason").is_null()).drop("reason"), marked.filter(pl.col("reason").is_not_null())


def daily_with_median(daily: pl.DataFrame, metric_id: str, agent_id: str | None, lang: str) -> pl.DataFrame:
    """The chosen agent's daily values next to the median over agents of each day, as named series."""
    median = daily.group_by("date").agg(pl.col(metric_id).cast(pl.Float64).median()).with_columns(
        name=pl.lit(text("median", lang)))
    series = [median.select("date", "name", metric_id)]
    if agent_id is not None:
        mine = daily.filter(pl.col("agent_id") == agent_id).select(
            "date", pl.coalesce("name", "agent_id").alias("name"), pl.col(metric_id).cast(pl.Float64))
        series.append(mine)
    return pl.concat(series).sort("date", "name")
