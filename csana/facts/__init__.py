"""The facts layer: both inputs as one table of measures per agent × period.

Raw chat logs and orders (:mod:`csana.facts.raw`, via the derived tables of
:mod:`csana.facts.derived`) and platform exports (:mod:`csana.facts.export`) each yield
the same thing for a window: rows keyed by ``agent_id`` (or a group key) and
``period``, one column per measure of the catalogue (and, from exports, the metrics the
platform gave). The engine evaluates the catalogue once over those rows, whichever input
they came from. :func:`facts_of` is the one place that tells the two inputs apart;
everything else asks the dataset's capabilities (:class:`csana.ingest.dataset.Capability`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import polars as pl

from csana.exports.mapping import TABLE as EXPORT_ROWS
from csana.facts import export, raw
from csana.facts.derived import derive
from csana.facts.stored import stored_rows
from csana.ingest.dataset import Dataset
from csana.params import MetricParams
from csana.periods import Window, latest_complete

Grouping = Literal["agent", "team", "shop"]
SHOP = "*"
"""The group key of the whole shop."""


@dataclass(frozen=True)
class Facts:
    """The measure rows of one dataset under one set of params."""

    dataset: Dataset
    params: MetricParams

    @property
    def from_export(self) -> bool:
        return self.dataset.has(EXPORT_ROWS)

    def rows(self, window: Window, by: Grouping = "agent") -> pl.LazyFrame:
        """Measure rows of the window keyed by agent_id (holding the team or SHOP when grouped) and period."""
        if self.from_export:
            return export.measure_rows(self.dataset, window, _group(self.dataset, by, export.team_key()))
        return stored_rows(self.dataset, self.params, window, by, lambda: raw.measure_rows(
            self.dataset, derive(self.dataset, self.params), window, _group(self.dataset, by, None)))

    def months(self) -> list[str]:
        """The months holding data, in order."""
        if self.from_export:
            return export.months(self.dataset)
        return raw.months_with_data(derive(self.dataset, self.params))

    def months_touched(self) -> list[str]:
        """Every calendar month from the data's first day to its last."""
        return export.months_touched(self.dataset) if self.from_export else raw.months_touched(self.dataset)

    def latest_month(self) -> str:
        """The latest month with data that the data covers to its last day (else the latest month with data)."""
        if self.from_export:
            return export.latest_month(self.dataset)
        return latest_complete(self.months(), raw.data_end(self.dataset, self.params))

    def span(self) -> tuple[dt.date, dt.date]:
        """The first and last day the data covers (raw: data_end may be set by params)."""
        if self.from_export:
            return export.data_days(self.dataset)
        derived = derive(self.dataset, self.params)
        return derived.data_start, derived.data_end

    def data_end(self) -> dt.date | None:
        """The last day the data covers, when the input says (raw logs); None for exports."""
        return None if self.from_export else raw.data_end(self.dataset, self.params)


def facts_of(dataset: Dataset, params: MetricParams) -> Facts:
    """The facts of ``dataset`` (raw logs or a platform export) under ``params``."""
    return Facts(dataset, params)


def _group(dataset: Dataset, by: Grouping, export_team: pl.Expr | None) -> pl.Expr | None:
    """The group key replacing agent_id: None per agent, the team, or SHOP for the whole shop."""
    if by == "agent":
        return None
    if by == "shop":
        return pl.lit(SHOP)
    if export_team is not None:
        return export_team
    agents = dataset["agents"]
    teams = dict(zip(agents["agent_id"], agents["team"])) if "team" in agents.columns else {}
    return pl.col("agent_id").replace_strict(teams, default=None, return_dtype=pl.String).fill_null("—")
