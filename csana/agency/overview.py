"""The agency overview's tables: every shop side by side, the agency's pooled totals, agents ranked across shops.

All figures come from the shops' summaries (:mod:`csana.agency.summary`), i.e. from what each
shop's own report shows; this module only arranges them.

Terms:

*overview month*
    the month the page is about: the one asked for, else the latest month any shop's report
    covers. A shop whose report is of another month (its data ends earlier) is listed with
    that month and left out of the rankings and totals.
*ranked shop*
    a shop whose report of the overview month was rendered now or is up to date (skipped);
    shops are ranked on the chosen metric's value in the metric's direction (lower first
    response is better), ties sharing the better rank.
*agency totals*
    the ranked shops' group totals pooled with the engine's rule (:func:`csana.metrics.engine.evaluate`):
    counts and amounts add up, ratios are Σ numerator / Σ denominator; quantiles are not
    pooled. A customer of two shops counts in each.
*base* of an agent's metric
    the denominator of a ratio or mean (询单人数 for 询单→最终付款), else 接待人数. Agents whose
    base is below ``min_base`` are listed unranked: their rate says little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from csana.agency.book import Book, SourceAccount
from csana.agency.settings import DEFAULT_MIN_BASE, DEFAULT_RANK_BY
from csana.agency.task import ShopOutcome
from csana.errors import CsanaError
from csana.catalogue import METRIC_BY_ID, OUTPUT_IDS, PUBLIC_IDS, dtype

HEADLINE = ("received_customers", "conv_final", "first_response_s", "sales_amount")
"""The shop figures of the overview (接待人数, 询单→最终付款, 首次响应, 销售额), with pay total and data quality."""


@dataclass(frozen=True)
class Overview:
    """What the overview page shows (see the module docstring for terms)."""

    month: str | None
    rank_by: str
    min_base: int
    shops: pl.DataFrame
    """One row per shop of the book: identity, status, month, error, headline figures now and before,
    pay total, data quality, report files, rank (null when not ranked)."""
    agency: dict[str, Any]
    """The agency totals of the overview month (every output id)."""
    agency_before: dict[str, Any] | None
    """The same pooled over the ranked shops' previous months, when every one of them has one."""
    agents: pl.DataFrame
    """Every agent of the ranked shops: shop, identity, the metric now and before, its base, score, rank."""
    shared: SourceAccount | None
    notes: tuple[str, ...]
    layout: str

    def counts(self) -> dict[str, int]:
        """Shops per status (done, skipped, failed)."""
        return {s: int((self.shops["status"] == s).sum()) for s in ("done", "skipped", "failed")}


def check_rank_metric(metric_id: str) -> None:
    """A CsanaError naming the choices unless ``metric_id`` is a public metric with a direction."""
    found = METRIC_BY_ID.get(metric_id)
    if found is None or found.direction == "neutral":
        ranked = ", ".join(m for m in PUBLIC_IDS if METRIC_BY_ID[m].direction != "neutral")
        raise CsanaError(f"cannot rank on '{metric_id}'", fix=f"use a metric with a direction: {ranked}")


def overview_month(outcomes: Sequence[ShopOutcome], asked: str | None) -> str | None:
    """The overview month: the month asked for, else the latest month of any shop's report."""
    return asked or max((o.month for o in outcomes if o.status != "failed" and o.month), default=None)


def build_overview(book: Book, outcomes: Sequence[ShopOutcome], month: str | None, rank_by: str = DEFAULT_RANK_BY,
                   min_base: int = DEFAULT_MIN_BASE) -> Overview:
    """Arrange the shops' outcomes (in book order) into the overview's tables."""
    check_rank_metric(rank_by)
    by_key = {o.key: o for o in outcomes}
    rows = [_shop_row(shop.key, shop.info, by_key.get(shop.key), month, rank_by) for shop in book.shops]
    shops = _rank(pl.DataFrame(rows, schema=_shop_schema(), strict=False), rank_by, "label")
    ranked = [by_key[k].summary for k in shops.filter(pl.col("eligible"))["key"]]
    befores = [s["before"] for s in ranked if s and s.get("before")]
    return Overview(
        month=month, rank_by=rank_by, min_base=min_base, shops=shops,
        agency=pool([s["totals"] for s in ranked]),
        agency_before=pool(befores) if ranked and len(befores) == len(ranked) else None,
        agents=_agents(ranked, rank_by, min_base), shared=book.shared, notes=book.notes, layout=book.layout,
    )


def _shop_schema() -> dict[str, pl.DataType]:
    text = ("key", "label", "shop_id", "platform", "manager", "status", "month", "error", "kind", "html", "pdf")
    schema: dict[str, pl.DataType] = {c: pl.String for c in text}
    schema["eligible"] = pl.Boolean
    for m in HEADLINE:
        schema[m] = dtype(m)
        schema[f"{m}_before"] = dtype(m)
    schema |= {"rank_value": pl.Float64, "rank_value_before": pl.Float64, "pay_total": pl.Float64, "agents": pl.Int64, "scored_agents": pl.Int64,
               "rows_read": pl.Int64, "rows_rejected": pl.Int64, "warnings": pl.Int64, "provisional": pl.List(pl.String),
               "seconds": pl.Float64}
    return schema


def _shop_row(key: str, info: Any, outcome: ShopOutcome | None, month: str | None, rank_by: str) -> dict[str, Any]:
    row: dict[str, Any] = {"key": key, "label": info.name or key, "platform": info.platform, "manager": info.manager,
                           "status": outcome.status if outcome else "failed", "eligible": False}
    if outcome is None:
        return {**row, "error": "not run"}
    row |= {"month": outcome.month, "error": outcome.error, "seconds": outcome.seconds}
    summary = outcome.summary
    if outcome.status == "failed" or not summary:
        return row
    totals, before, quality = summary["totals"], summary.get("before") or {}, summary["quality"]
    row |= {
        "label": info.name or summary.get("label") or key, "shop_id": summary.get("shop_id"), "kind": summary["kind"],
        "eligible": month is not None and summary["month"] == month,
        **{m: totals.get(m) for m in HEADLINE}, **{f"{m}_before": before.get(m) for m in HEADLINE},
        "rank_value": totals.get(rank_by), "rank_value_before": before.get(rank_by),
        "pay_total": summary.get("pay_total"), "agents": len(summary["agents"]), "scored_agents": summary.get("scored_agents"),
        "rows_read": quality.get("rows_read"), "rows_rejected": quality.get("rows_rejected"),
        "warnings": len(quality.get("warnings") or []), "provisional": quality.get("provisional") or [],
        "html": (summary.get("report") or {}).get("html"), "pdf": (summary.get("report") or {}).get("pdf"),
    }
    return row


def _rank(frame: pl.DataFrame, metric_id: str, tiebreak: str) -> pl.DataFrame:
    """``frame`` with ``rank`` on ``rank_value`` among its ``eligible`` rows (ties share the better rank),
    best first, then the unranked rows by ``tiebreak``."""
    value = pl.col("rank_value")
    can = pl.col("eligible") & value.is_not_null() & value.is_finite()
    higher = METRIC_BY_ID[metric_id].direction == "higher"
    rank = pl.when(can).then(value).rank("min", descending=higher).cast(pl.Int64)
    return frame.with_columns(rank=rank).sort(pl.col("rank").is_null(), "rank", tiebreak, nulls_last=True)


def pool(totals: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Group totals of several shops pooled into one (see *agency totals* in the module docstring)."""
    from csana.metrics.engine import evaluate

    if not totals:
        return {}
    schema = {c: dtype(c) for c in OUTPUT_IDS}
    frame = pl.DataFrame([{c: t.get(c) for c in OUTPUT_IDS} for t in totals], schema=schema, strict=False)
    return evaluate(frame.with_columns(book=pl.lit("agency")).lazy(), ["book"]).drop("book").row(0, named=True)


def _agents(summaries: Sequence[dict[str, Any]], rank_by: str, min_base: int) -> pl.DataFrame:
    """Every agent of the ranked shops with the metric now and last month, its base and its rank across shops."""
    ratio = METRIC_BY_ID[rank_by].ratio
    base = ratio[1] if ratio is not None else "received_customers"
    rows = []
    for s in summaries:
        before = {a["agent_id"]: a.get(rank_by) for a in s.get("agents_before") or []}
        rows += [{"shop_key": s["key"], "shop_label": s["label"], "agent_id": a["agent_id"], "name": a.get("name"),
                  "team": a.get("team"), "value": a.get(rank_by), "before": before.get(a["agent_id"]),
                  "base": a.get(base), "received_customers": a.get("received_customers"), "grade": a.get("grade"),
                  "percent": a.get("percent"), "total_pay": a.get("total_pay")} for a in s["agents"]]
    schema = {"shop_key": pl.String, "shop_label": pl.String, "agent_id": pl.String, "name": pl.String, "team": pl.String,
              "value": pl.Float64, "before": pl.Float64, "base": pl.Float64, "received_customers": pl.Int64,
              "grade": pl.String, "percent": pl.Float64, "total_pay": pl.Float64}
    frame = pl.DataFrame(rows, schema=schema, strict=False)
    eligible = (pl.col("base") >= min_base) if ratio is not None else pl.lit(True)
    return _rank(frame.with_columns(rank_value=pl.col("value"), eligible=eligible), rank_by, "agent_id")
