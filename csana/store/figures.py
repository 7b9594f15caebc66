"""What a publication records: a month's figures as the report computes them, in the store's long layout.

:func:`month_figures` computes, for one dataset × month × params × schemes, the per-agent metric
table (every catalogue metric and measure), each agent's score and pay (each agent by the first
scheme that applies, as the report does), and the group totals of the shop and of each team (each
customer counted once). :func:`long_values` lays the numbers out as the store's
``published_values`` rows: scope (``agent`` / ``team`` / ``shop``), key (agent id, team name, or
``*``), id (a catalogue id, or a score column such as ``total``, ``rank``, ``total_pay``,
``<indicator>.score``) and value.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from csana.facts import SHOP
from csana.ingest.dataset import Dataset
from csana.catalogue import OUTPUT_IDS
from csana.metrics.engine import agent_metrics
from csana.metrics.shop import group_metrics
from csana.params import MetricParams
from csana.scoring.scheme import Scheme
from csana.scoring.scorecard import score_schemes
from csana.store.layout import AGENT_TEXT, HEADLINE, MonthFigures


def month_figures(dataset: Dataset, month: str, params: MetricParams, schemes: Sequence[tuple[str, Scheme]],
                  targets: pl.DataFrame | None = None) -> MonthFigures:
    """The month's figures under ``params`` and ``schemes`` (see the module docstring)."""
    metrics = agent_metrics(dataset, month, params)
    manual = dataset["manual_scores"] if dataset.has("manual_scores") else None
    scores = (score_schemes(metrics, schemes, targets, manual) if schemes
              else pl.DataFrame(schema={"agent_id": pl.String}))
    numeric = [c for c, t in scores.schema.items() if t.is_numeric() and c not in OUTPUT_IDS and c != "agent_id"]
    text = [c for c in ("scheme", "grade", "status") if c in scores.columns]
    agents = metrics.join(scores.select("agent_id", *text, *numeric), on="agent_id", how="left")
    agents = agents.with_columns([pl.lit(None, pl.String).alias(c) for c in AGENT_TEXT if c not in agents.columns])
    agents = agents.with_columns([pl.lit(None, pl.Float64).alias(c) for c in HEADLINE if c not in agents.columns])
    first = {"agent_id", *AGENT_TEXT, *OUTPUT_IDS}
    ordered = ["agent_id", *AGENT_TEXT, *OUTPUT_IDS, *[c for c in agents.columns if c not in first]]
    shop = group_metrics(dataset, month, params, "shop").select(OUTPUT_IDS)
    teams = group_metrics(dataset, month, params, "team").select("team", *OUTPUT_IDS)
    return MonthFigures(agents.select([c for c in ordered if c in agents.columns and c != "month"]), shop, teams)


def _long(frame: pl.DataFrame, scope: str, key: pl.Expr) -> pl.DataFrame:
    numeric = [c for c, t in frame.schema.items() if t.is_numeric() or t == pl.Null]
    return (
        frame.select(key.alias("key"), *[pl.col(c).cast(pl.Float64) for c in numeric])
        .unpivot(index="key", variable_name="id", value_name="value")
        .select(pl.lit(scope).alias("scope"), "key", "id", "value")
    )


def long_values(figures: MonthFigures) -> pl.DataFrame:
    """Every number of the figures as (scope, key, id, value) rows."""
    return pl.concat([
        _long(figures.agents, "agent", pl.col("agent_id")),
        _long(figures.teams, "team", pl.col("team").fill_null("—")),
        _long(figures.shop, "shop", pl.lit(SHOP)),
    ])
