"""A shop's figures for the agency overview, taken from the very context its report is made from.

:func:`shop_summary` reads a :class:`~csana.report.context.ReportContext` (what the shop's
report shows) into plain JSON-able values: the month's and the previous month's group
totals (every output id of the catalogue, so the agency's totals can be pooled from their
parts), each agent's metrics and score, the pay total, and the data-quality account. It
never computes a metric: the overview shows the numbers the shop's report shows.

*Data quality* of a shop: rows read, used and rejected (None when the shop shares one
loaded folder with other shops: rejected rows cannot be told apart by shop, and the
overview shows the shared account once), the loading notes, and the delayed metrics that
are still provisional.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from csana.ingest.dataset import Capability
from csana.catalogue import OUTPUT_IDS
from csana.report.context import ReportContext

SCORE_COLUMNS = ("scheme", "rank", "grade", "total", "full_score", "percent", "status", "total_pay")
IDENTITY = ("agent_id", "name", "team", "role")


def _plain(value: Any) -> Any:
    """A JSON value: numbers and text as they are, NaN and infinities as None, anything else as text."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    return str(value)


def _totals(totals: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(totals.get(k)) for k in OUTPUT_IDS if k in totals}


def _agents(agents: pl.DataFrame, extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    columns = [c for c in (*IDENTITY, *OUTPUT_IDS, *extra) if c in agents.columns]
    return [{k: _plain(v) for k, v in row.items()} for row in agents.select(columns).iter_rows(named=True)]


def quality(ctx: ReportContext, shared: bool) -> dict[str, Any]:
    """The shop's data-quality account (see the module docstring)."""
    files = ctx.dataset.files
    counts = {k: None if shared else int(files[k].sum()) for k in ("rows_read", "rows_used", "rows_rejected")}
    return {**counts, "warnings": [] if shared else list(ctx.dataset.warnings),
            "provisional": ctx.provisional["metric"].to_list()}


def shop_summary(ctx: ReportContext, *, key: str, shared: bool) -> dict[str, Any]:
    """The overview's figures of one shop's report (see the module docstring)."""
    scored = ctx.ranked_agents()
    pay = scored["total_pay"].drop_nulls() if "total_pay" in scored.columns else pl.Series([], dtype=pl.Float64)
    return {
        "key": key,
        "shop_id": ctx.shop_id,
        "label": ctx.shop_label or key,
        "month": ctx.month,
        "previous_month": ctx.before.month if ctx.before is not None else None,
        "kind": "raw" if ctx.dataset.can(Capability.EVENTS) else "export",
        "totals": _totals(ctx.now.totals),
        "before": _totals(ctx.before.totals) if ctx.before is not None else None,
        "agents": _agents(scored, tuple(c for c in SCORE_COLUMNS if c in scored.columns)),
        "agents_before": _agents(ctx.before.agents) if ctx.before is not None else [],
        "pay_total": _plain(round(float(pay.sum()), 2)) if pay.len() else None,
        "scored_agents": int(pay.len()),
        "quality": quality(ctx, shared),
    }
