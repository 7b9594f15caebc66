"""Indicators (考核指标): the scored lines of a scheme, and the manual indicators they may read.

indicator
    one scored line: a catalogue metric or a manual indicator, read on a
    ``basis``, turned into points by ``tiers`` (see :mod:`csana.scoring.bands`),
    multiplied by a ``weight``.
basis
    ``absolute`` — the metric's own value; ``relative`` — value / team mean
    (1.0 = 100% = exactly average; 接待占比 is received_customers on this basis);
    ``target`` — value / target (指标完成率; the target comes from a targets
    table per agent or team, else the indicator's ``target``).
manual indicator
    a score a person gives each agent each month (a row of the manual_scores
    table): the ready-made ones of :data:`MANUAL_INDICATORS`, or one a scheme
    declares under ``manual_indicators``.
full score (满分)
    Σ (top tier score × weight); total = Σ (score × weight).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from csana.catalogue import CATALOGUE
from csana.config import Frozen
from csana.scoring.bands import Number, Tier, number_text, sorted_bands

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Ids of indicators, gates, ladders …: lower-case letters, digits and '_', starting with a letter."""


class ManualIndicator(BaseModel):
    """A score a person gives each agent each month (manual_scores.indicator)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    zh: str
    en: str
    unit: str = "score"
    direction: Literal["higher", "lower"] = "higher"

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


MANUAL_INDICATORS: dict[str, ManualIndicator] = {
    m.id: m
    for m in (
        ManualIndicator(id="chat_review", zh="聊天质检评分", en="Chat-review QA score", unit="score 0–100"),
        ManualIndicator(id="typing_speed", zh="打字速度", en="Typing speed", unit="characters per minute"),
        ManualIndicator(id="product_test", zh="产品知识考试", en="Product-knowledge test", unit="score 0–100"),
        ManualIndicator(id="attendance", zh="出勤率", en="Attendance", unit="share of scheduled days worked, 0–1"),
        ManualIndicator(id="review_handling", zh="评价处理评分", en="Review-handling score", unit="score 0–100"),
        ManualIndicator(id="daily_conduct", zh="日常行为规范评分", en="Daily-conduct score", unit="score 0–100"),
    )
}
"""Manual indicators every scheme may use; a scheme declares others under ``manual_indicators``.

The demo shop (:mod:`csana.demo.side_tables`) writes every one of them to manual_scores (same ids and units)."""


def unknown(kind: str, name: str, allowed: Iterable[str]) -> str:
    """'unknown metric 'x' (did you mean y?; allowed: …)'."""
    allowed = list(allowed)
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]}?; " if close else ""
    return f"unknown {kind} '{name}' ({hint}allowed: {', '.join(allowed)})"


def manual_ids(info: ValidationInfo | None) -> list[str]:
    """Manual indicator ids a scheme may use: the ready-made ones and those it declares (validation context)."""
    extra = (info.context or {}).get("manual", ()) if info is not None else ()
    return [*MANUAL_INDICATORS, *[m for m in extra if m not in MANUAL_INDICATORS]]


def unknown_manual(name: str, info: ValidationInfo | None) -> list[str]:
    """The problem of reading a manual indicator the scheme may not use (none when it may)."""
    known = manual_ids(info)
    if name in known:
        return []
    return [f"unknown manual indicator '{name}' (allowed: {', '.join(known)}; declare new ones under 'manual_indicators')"]


class Indicator(Frozen):
    """One scored line of the scheme (see the module docstring)."""

    id: str = Field(pattern=ID_PATTERN)
    metric: str | None = None
    manual: str | None = None
    zh: str | None = None
    en: str | None = None
    weight: Number = Field(ge=0)
    basis: Literal["absolute", "relative", "target"] = "absolute"
    relative_to: Literal["team", "shop"] = "team"
    target: Number | None = Field(None, gt=0, description="default target (basis: target) when the targets table has none")
    direction: Literal["higher", "lower"] | None = Field(
        None, description="default: the catalogue's (or the manual indicator's); always set once validated")
    closed: Literal["left", "right"] = "left"
    tiers: tuple[Tier, ...]
    min_sample: Number | None = Field(None, ge=0, description="fewer than this in sample_column → insufficient data")
    sample_column: str | None = Field(None, description="count the sample is read from; default: the ratio's denominator")
    note: str | None = None
    note_en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any, info: ValidationInfo) -> Any:
        """Fill id and direction from the metric or manual indicator read, and the sample column from the ratio."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        read = data.get("metric") if data.get("metric") is not None else data.get("manual")
        if isinstance(read, str) and data.get("id") is None:
            data["id"] = read
        if data.get("direction") is None:
            direction = _default_direction(data, info)
            if direction is not None:
                data["direction"] = direction
        metric = CATALOGUE.get(data.get("metric")) if isinstance(data.get("metric"), str) else None
        if data.get("min_sample") is not None and data.get("sample_column") is None and metric and metric.ratio:
            data["sample_column"] = metric.ratio[1]
        return data

    @field_validator("tiers")
    @classmethod
    def _tiers(cls, value: tuple[Tier, ...]) -> tuple[Tier, ...]:
        return sorted_bands(value)

    @model_validator(mode="after")
    def _meaning(self, info: ValidationInfo) -> Indicator:
        problems = []
        if (self.metric is None) == (self.manual is None):
            problems.append("name exactly one of 'metric' (a catalogue id) or 'manual' (a manual_scores indicator)")
        if self.metric is not None and self.metric not in CATALOGUE:
            problems.append(unknown("metric", self.metric, CATALOGUE))
        if self.manual is not None:
            problems += unknown_manual(self.manual, info)
        if self.min_sample is not None and self.sample_column is None:
            problems.append("'min_sample' needs 'sample_column' (a count column such as conv_base_customers) "
                            "unless the metric is a ratio")
        if self.sample_column is not None and self.sample_column not in CATALOGUE:
            problems.append(unknown("sample_column", self.sample_column, CATALOGUE))
        if self.target is not None and self.basis != "target":
            problems.append("'target' applies only with basis: target")
        if self.direction is None and not problems:
            problems.append(f"'{self.metric or self.manual}' has no natural direction: set direction: higher or lower")
        if self.direction is not None:
            problems += _monotone_problems(self.tiers, self.direction)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def ref(self) -> tuple[Literal["metric", "manual"], str]:
        """What the line reads, as (kind, id): like :attr:`csana.scoring.refs.ValueRef.ref`."""
        return ("metric", self.metric) if self.metric is not None else ("manual", self.manual)  # type: ignore[return-value]

    @property
    def top_score(self) -> float:
        return max(t.score for t in self.tiers)

    @property
    def bottom_score(self) -> float:
        """Score of the worst tier (the lowest values when higher is better)."""
        return self.tiers[0].score if self.direction == "higher" else self.tiers[-1].score

    def label(self, lang: str = "zh", manual: Mapping[str, ManualIndicator] | None = None) -> str:
        own = self.zh if lang == "zh" else self.en
        if own:
            return own
        if self.metric is not None:
            return CATALOGUE[self.metric].label(lang)
        found = (manual or MANUAL_INDICATORS).get(self.manual or "")
        return found.label(lang) if found else self.id


def _default_direction(data: dict[str, Any], info: ValidationInfo) -> str | None:
    metric = data.get("metric")
    if isinstance(metric, str) and metric in CATALOGUE:
        found = CATALOGUE[metric].direction
        if found == "neutral":
            return None  # pydantic then asks for 'direction' explicitly
        return found
    manual = data.get("manual")
    if isinstance(manual, str):
        declared = (info.context or {}).get("manual_directions", {}) if info is not None else {}
        if manual in declared:
            return declared[manual]
        if manual in MANUAL_INDICATORS:
            return MANUAL_INDICATORS[manual].direction
    return None


def _monotone_problems(tiers: Sequence[Tier], direction: str) -> list[str]:
    """Better values must never score fewer points (else raising a value could lower a total)."""
    scores = [t.score for t in tiers]
    if direction == "higher":
        bad = any(b < a for a, b in zip(scores, scores[1:]))
        better = "higher"
    else:
        bad = any(b > a for a, b in zip(scores, scores[1:]))
        better = "lower"
    if bad:
        shown = ", ".join(f"{t.interval('left')}→{number_text(t.score)}" for t in tiers)
        return [f"tier scores must not fall as values get better ({better} is better here): {shown} "
                "— fix the scores or the 'direction'"]
    return []

