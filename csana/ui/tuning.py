"""Scheme tuning: the maths behind the explorer's weight and tier-threshold sliders.

A *boundary* is where one tier of an indicator ends and the next begins (the lower
tier's max = the upper tier's min). The sliders call these functions: move a
boundary, size a slider, re-score the agents, compare the tuned ranking with the
saved scheme's (the *leaderboard*), save the tuned scheme as a new YAML. Pure
functions on schemes and polars frames: no ipywidgets needed, so they are tested
(and usable) without a browser.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from csana.errors import CsanaError
from csana.ingest.dataset import Dataset
from csana.present.formatting import DASH


def boundaries(scheme: Any, indicator_id: str) -> list[float]:
    """The tier boundaries of an indicator (each tier's max = the next tier's min), low to high."""
    tiers = scheme.indicator(indicator_id).tiers
    return [t.max for t in tiers[:-1]]


def with_boundary(scheme: Any, indicator_id: str, index: int, value: float) -> Any:
    """A copy of ``scheme`` with boundary ``index`` of an indicator moved to ``value``.

    The boundary is the max of tier ``index`` and the min of tier ``index + 1``; it must
    stay strictly between its neighbours so tiers keep covering every value without gaps.
    """
    indicator = scheme.indicator(indicator_id)
    cuts = boundaries(scheme, indicator_id)
    if not 0 <= index < len(cuts):
        raise CsanaError(f"indicator '{indicator_id}' has {len(cuts)} tier boundaries, not {index + 1}",
                         file=scheme.name, fix=f"use an index from 0 to {len(cuts) - 1}")
    low = cuts[index - 1] if index > 0 else None
    high = cuts[index + 1] if index + 1 < len(cuts) else None
    if (low is not None and value <= low) or (high is not None and value >= high):
        raise CsanaError(f"boundary {index} of '{indicator_id}' must lie between {low} and {high} (got {value})",
                         file=scheme.name, fix="move the neighbouring boundary first")
    tiers = list(indicator.tiers)
    tiers[index] = tiers[index].model_copy(update={"max": float(value)})
    tiers[index + 1] = tiers[index + 1].model_copy(update={"min": float(value)})
    moved = indicator.model_copy(update={"tiers": tuple(tiers)})
    return scheme.model_copy(update={"indicators": tuple(moved if i.id == indicator_id else i for i in scheme.indicators)})


def boundary_range(cuts: list[float], index: int) -> tuple[float, float, float]:
    """(min, max, step) of a boundary slider: strictly between its neighbours, open ends padded by the span."""
    span = (cuts[-1] - cuts[0]) if len(cuts) > 1 else (abs(cuts[0]) or 1.0)
    step = _nice(span / 100)
    low = cuts[index - 1] + step if index > 0 else cuts[0] - span
    high = cuts[index + 1] - step if index + 1 < len(cuts) else cuts[-1] + span
    if cuts[0] >= 0 and index == 0:
        low = max(low, 0.0)
    return low, high, step


def _nice(raw: float) -> float:
    """The 1-2-5 step nearest above ``raw`` (0.01, 0.02, 0.05, 0.1 …)."""
    if raw <= 0:
        return 0.01
    power = 10.0 ** (len(str(int(1 / raw))) * -1 if raw < 1 else len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return round(factor * power, 10)
    return round(10 * power, 10)


def weight_range(weight: float) -> tuple[float, float, float]:
    """(min, max, step) of a weight slider: 0 to twice the saved weight (at least 1)."""
    top = max(1.0, 2 * weight)
    return 0.0, top, _nice(top / 100)


def leaderboard(scores: pl.DataFrame, saved_scores: pl.DataFrame) -> pl.DataFrame:
    """Agents in the order of the tuned scheme, with their rank under the saved scheme.

    ``scores`` and ``saved_scores`` are :func:`scheme_scores` frames (rank 1 = best by
    score percent, as :func:`csana.scoring.scorecard.score` ranks). ``change`` = saved rank −
    rank: positive means the agent moves up under the tuned scheme. When the frames give
    ``total_pay``, the board adds it with ``saved_pay`` and ``pay_change`` = pay − saved pay.
    """
    pay = "total_pay" in scores.columns and "total_pay" in saved_scores.columns
    saved = saved_scores.select("agent_id", saved_rank="rank", saved_percent="percent",
                                **({"saved_pay": "total_pay"} if pay else {}))
    return (
        scores.join(saved, on="agent_id", how="left")
        .with_columns(change=pl.col("saved_rank") - pl.col("rank"))
        .with_columns(*([(pl.col("total_pay") - pl.col("saved_pay")).alias("pay_change")] if pay else []))
        .sort("rank", "agent_id", nulls_last=True)
        .select("rank", "agent_id", "name", "team", "total", "percent", "saved_rank", "change", "saved_percent",
                *(["total_pay", "saved_pay", "pay_change"] if pay else []))
    )


def change_text(change: int | None) -> str:
    """'↑2', '↓1', '–' (unchanged) for a rank change."""
    if change is None:
        return DASH
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "–"


def scheme_files(directory: Path) -> list[Path]:
    """The scheme YAML files in ``directory``, by file name."""
    return sorted(directory.glob("*.yaml"))


def save_scheme(scheme: Any, stem: str, directory: Path) -> Path:
    """Write ``scheme`` as ``directory/<stem>.yaml`` (never overwriting) and check it loads back the same."""
    import re

    import yaml

    from csana.scoring.scheme import load_scheme

    stem = stem.strip().removesuffix(".yaml")
    if not re.fullmatch(r"[\w\-]+", stem):
        raise CsanaError(f"'{stem}' is not a usable file name", file=str(directory),
                         fix="use letters, digits, '_' or '-' (Chinese is fine), e.g. presales_tuned")
    path = directory / f"{stem}.yaml"
    if path.exists():
        raise CsanaError("a scheme with this name exists already", file=str(path), fix="choose another name")
    renamed = scheme.model_copy(update={"name": stem, "name_en": stem})
    body = yaml.safe_dump(renamed.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False)
    header = (f"# Tuned in the csana explorer from '{scheme.name}' on {dt.date.today().isoformat()}.\n"
              "# Edit freely; `csana score --scheme` validates it on load.\n")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body, encoding="utf-8")
    if load_scheme(path).canonical() != renamed.canonical():
        path.unlink()
        raise CsanaError("the saved scheme did not load back identically", file=str(path), fix="report this as a bug")
    return path


def scheme_scores(metrics: pl.DataFrame, scheme: Any, dataset: Dataset | None = None) -> pl.DataFrame:
    """agent_id, name, team, total, percent, rank and total_pay of every agent in ``metrics`` under ``scheme``.

    Manual indicators (chat review, typing speed…) read the dataset's manual_scores table.
    """
    from csana.scoring.scorecard import score

    manual = dataset["manual_scores"] if dataset is not None and dataset.has("manual_scores") else None
    agents = dataset["agents"] if dataset is not None and dataset.has("agents") else None
    card = score(metrics, scheme, manual=manual, agents=agents)
    return card.select("agent_id", "name", "team", "total", "percent", "rank", "total_pay")

