"""The store's records as csana reads them: a publication, and a month's figures.

Light on purpose (polars, the catalogue, params and schemes only): reading the store — ``csana history``,
the report's last month — needs no metric engine. :class:`Publication` is one row of ``publications``
with its schemes; :class:`MonthFigures` a month's figures, as :func:`csana.store.figures.month_figures`
computes them and :func:`wide` reads them back from the long ``published_values`` rows.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import polars as pl

from csana.catalogue import CATALOGUE, dtype
from csana.params import MetricParams
from csana.scoring.scheme import Scheme

AGENT_TEXT = ("name", "team", "role", "scheme", "grade", "status")
"""The text columns of a published agent (table published_agents)."""
HEADLINE = ("total", "percent", "rank", "total_pay")
"""The score columns every publication holds for each scored agent."""


@dataclass(frozen=True)
class MonthFigures:
    """One month's published (or re-computed) figures."""

    agents: pl.DataFrame
    """agent_id, the identity and score text columns (AGENT_TEXT), every catalogue id, then the numeric score columns."""
    shop: pl.DataFrame
    """One row: the shop's group totals (catalogue ids)."""
    teams: pl.DataFrame
    """One row per team: ``team`` and its group totals."""


@dataclass(frozen=True)
class Publication:
    """One published version of a month (a row of ``publications``)."""

    publication_id: int
    shop: str
    month: str
    version: int
    published_at: dt.datetime
    data: str
    source: str
    inputs: dict[str, str]
    """Input file (relative to the data) → sha256 of its bytes."""
    params: dict
    """The metric params as JSON values (MetricParams.model_dump(mode='json'))."""
    attribution_rule: str
    """The params' rule; ``platform`` for platform exports, whose orders the platform credited by its own setting."""
    schemes: tuple[tuple[str, str, str], ...]
    """(name as given, content hash, canonical JSON) per scheme, in order."""
    csana_version: str
    note: str | None
    agents: int
    total_pay: float | None

    def metric_params(self) -> MetricParams:
        """The params the month was published with."""
        from csana.config import validate

        return validate(MetricParams, self.params, f"publication {self.month} v{self.version}")

    def scheme_objects(self) -> list[tuple[str, Scheme]]:
        """The schemes the month was published with (parsed from their stored content)."""
        return [(name, Scheme.parse(json.loads(canonical), f"publication {self.month} v{self.version}"))
                for name, _, canonical in self.schemes]


def wide(values: pl.DataFrame, scope: str) -> pl.DataFrame:
    """Long (key, id, value) rows of one scope back to one row per key, one column per id.

    Counts (and ranks) come back as Int64 when every value is whole — as the engine gives them
    under single-agent credit rules; fractional ``split`` shares stay Float64.
    """
    part = values.filter(pl.col("scope") == scope)
    if part.height == 0:
        return pl.DataFrame(schema={"key": pl.String})
    frame = part.pivot(on="id", index="key", values="value", aggregate_function="first")
    counts = [c for c in frame.columns if (c in CATALOGUE and dtype(c) == pl.Int64) or c == "rank"]
    whole = [c for c in counts if bool((frame[c].drop_nulls() == frame[c].drop_nulls().round(0)).all())]
    return frame.with_columns([pl.col(c).cast(pl.Int64) for c in whole])
