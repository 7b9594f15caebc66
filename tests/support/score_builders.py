"""Hand-made metric tables and one-line schemes for the scoring tests (tests/scoring)."""

from __future__ import annotations

from typing import Any

import polars as pl

from csana.scoring.scheme import Scheme

MONTH = "2026-10"


def metrics(**columns: list[Any]) -> pl.DataFrame:
    """A hand-made metric table: agents a1, a2, … in team t1 unless ``team`` is given."""
    n = len(next(iter(columns.values())))
    base: dict[str, list[Any]] = {"agent_id": [f"a{i + 1}" for i in range(n)], "team": ["t1"] * n, "month": [MONTH] * n}
    return pl.DataFrame({**base, **columns})


def tiers(*rows: tuple[Any, Any, float]) -> list[dict[str, Any]]:
    """(min, max, score) triples → tier dicts (None = open)."""
    return [{k: v for k, v in (("min", lo), ("max", hi), ("score", s)) if v is not None} for lo, hi, s in rows]


def one(indicator: dict[str, Any], **extra: Any) -> Scheme:
    """A scheme of one indicator (and ``extra`` top-level keys)."""
    return Scheme.parse({"name": "测试", "indicators": [indicator], **extra})


def col(frame: pl.DataFrame, name: str) -> list[Any]:
    """A column of the score table as a list."""
    return frame[name].to_list()


COMPLETION = {"id": "completion", "metric": "sales_amount", "basis": "target", "target": 100000, "weight": 1,
              "tiers": tiers((1.0, None, 30), (0.9, 1.0, 25), (0.8, 0.9, 20), (0.7, 0.8, 15), (None, 0.7, 10))}
"""Sales completion against a 100,000 default target: ≥100% → 30, 90–100% → 25, … below 70% → 10."""

CONV = {"metric": "conv_final", "weight": 1, "min_sample": 20, "tiers": tiers((0.5, None, 10), (None, 0.5, 5))}
"""Conversion with a 20-customer minimum sample: ≥50% → 10, else 5."""
