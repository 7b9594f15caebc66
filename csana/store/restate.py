"""Restatements (数据修订): what the data now says about a month that was already published.

Late payments, refunds and platforms' recalculations (京东 回算, PDD's final figures at T+3) change a
month after its pay was announced. A *restatement* of a publication is every figure that differs
when the month is computed again from today's data **with the params and schemes it was published
with** — so a changed scheme or rule never shows up as a data change — against the latest
published version:

``changes``
    one row per agent × metric (catalogue metrics, score and rank) whose value moved: old → new.
``pay``
    one row per agent whose total pay moved: old → new and the difference (what to settle).
``totals``
    the shop's group totals that moved.

Two values are the same when both are missing or they differ by at most 1e-9 relative (sums of
floating-point amounts may differ in their last bit between runs).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from csana.ingest.dataset import Dataset
from csana.catalogue import PUBLIC_IDS
from csana.store.figures import month_figures
from csana.store.layout import MonthFigures, Publication

SCORE_IDS = ("total", "rank")
RELATIVE = 1e-9


@dataclass(frozen=True)
class Restatement:
    """A publication and what today's data changes in it (see the module docstring)."""

    publication: Publication
    changes: pl.DataFrame
    pay: pl.DataFrame
    totals: pl.DataFrame

    @property
    def changed(self) -> bool:
        return self.changes.height > 0 or self.pay.height > 0 or self.totals.height > 0


def moved(old: pl.Expr, new: pl.Expr) -> pl.Expr:
    """Whether two values differ (one missing, or beyond the relative tolerance)."""
    scale = pl.max_horizontal(pl.lit(1.0), old.abs(), new.abs())
    return (old.is_null() != new.is_null()) | ((old - new).abs() > RELATIVE * scale).fill_null(False)


def _long(frame: pl.DataFrame, key: str, ids: list[str]) -> pl.DataFrame:
    present = [c for c in ids if c in frame.columns]
    return frame.select(pl.col(key), *[pl.col(c).cast(pl.Float64) for c in present]).unpivot(
        index=key, variable_name="metric", value_name="value")


def compare(old: pl.DataFrame, new: pl.DataFrame, key: str, ids: list[str]) -> pl.DataFrame:
    """key, metric, old, new, change for every (key, id) whose value moved between the two wide frames."""
    both = _long(old, key, ids).rename({"value": "old"}).join(
        _long(new, key, ids).rename({"value": "new"}), on=[key, "metric"], how="full", coalesce=True)
    order = {m: i for i, m in enumerate(ids)}
    return (
        both.filter(moved(pl.col("old"), pl.col("new")))
        .with_columns(change=pl.col("new") - pl.col("old"), _order=pl.col("metric").replace_strict(order, return_dtype=pl.Int64))
        .sort(key, "_order")
        .drop("_order")
    )


def restatement(dataset: Dataset, publication: Publication, published: MonthFigures,
                agents: list[str] | None = None) -> Restatement:
    """Today's figures of the publication's month against it (``agents``: only these agents' rows)."""
    now = month_figures(dataset, publication.month, publication.metric_params(), publication.scheme_objects())
    names = pl.concat([published.agents.select("agent_id", "name"), now.agents.select("agent_id", "name")]).unique(
        "agent_id", keep="first")
    changes = compare(published.agents, now.agents, "agent_id", [*PUBLIC_IDS, *SCORE_IDS]).join(
        names, on="agent_id", how="left")
    pay = compare(published.agents, now.agents, "agent_id", ["total_pay"]).join(names, on="agent_id", how="left").select(
        "agent_id", "name", old_pay="old", new_pay="new", pay_change="change")
    if agents is not None:
        changes = changes.filter(pl.col("agent_id").is_in(agents))
        pay = pay.filter(pl.col("agent_id").is_in(agents))
    totals = compare(published.shop.with_columns(key=pl.lit("*")), now.shop.with_columns(key=pl.lit("*")), "key",
                     list(PUBLIC_IDS)).drop("key")
    return Restatement(publication, changes.select("agent_id", "name", "metric", "old", "new", "change"), pay, totals)
