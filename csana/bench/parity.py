"""The parity check: csana and the references agree on every agent's core metrics and every order's credit.

A fast wrong answer is not a result, so ``csana bench`` compares before it shows any
time. *Core metrics* (:data:`CORE`) are the per-agent columns the pandas and DuckDB
references compute (tests/reference/reference_spec.py defines them from the metric
definitions); csana's ``agent_metrics`` table has each of them as a column. Counts
must be equal, floats equal within :data:`REL_TOL` relative (absolute below 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

CORE_COUNTS = ("inquiry_customers", "slow_customers", "received_customers", "replied_customers",
               "conv_base_customers", "conv_final_customers", "created_orders")
CORE_FLOATS = ("first_response_s", "avg_response_s", "reply_rate", "conv_final", "sales_amount")
CORE = CORE_COUNTS + CORE_FLOATS
REL_TOL = 1e-9
SHOW = 20


def compare_metrics(left: pl.DataFrame, right: pl.DataFrame, names: tuple[str, str]) -> list[str]:
    """Every disagreement between two per-agent tables on the core columns, one line each (empty: they agree).

    An agent missing on one side counts as zero in every count and sum and null in
    every ratio (an agent with no activity of a kind has no row in some versions).
    """
    missing = [f"{names[i]} has no column {c}" for i, f in enumerate((left, right)) for c in ("agent_id", *CORE)
               if c not in f.columns]
    if missing:
        return missing
    a, b = (_normalised(f) for f in (left, right))
    joined = a.join(b, on="agent_id", how="full", coalesce=True, suffix="__r")
    fills = [pl.col(c).fill_null(0) for col in CORE_COUNTS + ("sales_amount",) for c in (col, f"{col}__r")]
    joined = joined.with_columns(fills).sort("agent_id")
    problems = []
    for col in CORE:
        x, y = pl.col(col), pl.col(f"{col}__r")
        if col in CORE_COUNTS:
            bad = x != y
        else:
            scale = pl.max_horizontal(x.abs(), y.abs(), pl.lit(1.0))
            bad = (x.is_null() != y.is_null()) | ((x - y).abs() > REL_TOL * scale)
        rows = joined.filter(bad.fill_null(False)).select("agent_id", col, f"{col}__r")
        for agent, u, v in rows.iter_rows():
            problems.append(f"{col} of agent {agent}: {names[0]} {u!r} ≠ {names[1]} {v!r}")
    return problems


def _normalised(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("agent_id").cast(pl.String),
        *[pl.col(c).cast(pl.Int64) for c in CORE_COUNTS],
        *[pl.col(c).cast(pl.Float64).fill_nan(None) for c in CORE_FLOATS],
    )


def compare_attribution(left: pl.DataFrame, right: pl.DataFrame, names: tuple[str, str], show: int = 5) -> list[str]:
    """Orders whose credited agent differs (or that one side lacks), the first ``show`` named."""
    a = left.select(pl.col("order_id").cast(pl.String), pl.col("credited_agent").cast(pl.String))
    b = right.select(pl.col("order_id").cast(pl.String), pl.col("credited_agent").cast(pl.String).alias("other"))
    if a.height != b.height:
        return [f"attribution: {names[0]} has {a.height} orders, {names[1]} {b.height}"]
    joined = a.join(b, on="order_id", how="full", coalesce=True)
    bad = joined.filter(pl.col("credited_agent").ne_missing(pl.col("other")))
    lines = [f"order {o}: credited to {x!r} by {names[0]}, {y!r} by {names[1]}" for o, x, y in bad.head(show).iter_rows()]
    if bad.height > show:
        lines.append(f"… and {bad.height - show} more orders credited differently")
    return lines


def read_metrics(path: Path) -> pl.DataFrame:
    """A per-agent metrics CSV as written by ``csana metrics --out`` or a reference script."""
    return pl.read_csv(path, schema_overrides={"agent_id": pl.String}, infer_schema_length=None)


def disagreements(results: dict[str, tuple[pl.DataFrame, pl.DataFrame | None]], base: str = "csana") -> list[str]:
    """Every disagreement of each implementation with ``base``: per-agent metrics, then attribution when both have it."""
    problems = []
    base_metrics, base_credit = results[base]
    for impl, (metrics, credit) in results.items():
        if impl == base:
            continue
        problems += compare_metrics(base_metrics, metrics, (base, impl))
        if base_credit is not None and credit is not None:
            problems += compare_attribution(base_credit, credit, (base, impl))
    return problems


def summary(problems: Sequence[str], show: int = SHOW) -> str:
    """The first ``show`` problems, one a line, and how many more."""
    more = f"\n… {len(problems) - show} more" if len(problems) > show else ""
    return "\n".join(problems[:show]) + more
