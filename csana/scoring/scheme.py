"""Scoring schemes (绩效考核方案, spec 2 §1): the typed YAML model and its validation.

A scheme file in ``params/schemes/`` loads into a frozen :class:`Scheme`. Loading
checks it in two layers, and reports every problem at once, each naming the file,
the key and what is allowed:

* shape — unknown keys, wrong types, a weight that is not a number;
* meaning — unknown metric ids (checked against :data:`csana.metrics.catalogue.CATALOGUE`),
  unknown manual indicators, tier gaps and overlaps, tiers that reward the wrong
  direction, references to indicators that do not exist.

Terms used throughout:

indicator (考核指标)
    one scored line: a catalogue metric or a manual indicator, read on a
    ``basis``, turned into points by ``tiers``, multiplied by a ``weight``.
basis
    ``absolute`` — the metric's own value; ``relative`` — value / team mean
    (1.0 = 100% = exactly average; 接待占比 is received_customers on this basis);
    ``target`` — value / target (指标完成率; the target comes from a targets
    table per agent or team, else the indicator's ``target``).
tier (档次)
    an interval of the basis value and its score. ``closed: left`` (default)
    means each tier is ``[min, max)`` — the lower bound belongs to the tier, as in
    "≥100% → 30, 90–100% → 25"; ``closed: right`` means ``(min, max]``, as in
    "ROI >120% → 20, 100–120% → 15" or "first response ≤ 20 s → 10". Tiers must
    cover every value: the lowest has no ``min``, the highest no ``max``, and each
    tier's ``max`` is the next one's ``min``.
full score (满分)
    Σ (top tier score × weight); total = Σ (score × weight).

Numbers may be written as percentages (``85%`` = 0.85) wherever a bound,
threshold or rate is expected: ratio metrics (conv_final, reply_rate…) are
fractions in the metric table, so ``min: 50%`` and ``min: 0.5`` are the same.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.errors import CsanaError
from csana.metrics.catalogue import CATALOGUE, combinable

SCHEMES_DIR = PARAMS_DIR / "schemes"
"""Where the ready-made schemes (templates) live."""

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
RESERVED_IDS = ("gate", "ladder", "award", "reward", "penalty", "team_goal")
"""Prefixes of the score table's detail columns; indicators may not use them as ids."""


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

The first four are the ids csana.demo.generator writes to manual_scores (same names and units)."""

PERCENT = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)\s*%\s*")


def _number(value: Any) -> Any:
    """Accept ints, floats and percentage strings ('85%' → 0.85); nothing else."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return float(value)
    if isinstance(value, str):
        match = PERCENT.fullmatch(value)
        if match:
            return float(match.group(1)) / 100
        raise ValueError(f"expected a number (e.g. 10, 0.85) or a percentage (e.g. '85%'), got {value!r}")
    raise ValueError(f"expected a number, got {type(value).__name__}")


Number = Annotated[float, BeforeValidator(_number)]
Ref = Literal["metric", "manual", "indicator"]


# -- intervals -------------------------------------------------------------------------------


class Band(Frozen):
    """An interval of values; see the module docstring for ``closed``."""

    min: Number | None = None
    max: Number | None = None
    label: str | None = Field(None, description="display name of the tier; default: its interval")

    def interval(self, closed: str, fmt: str = "{:g}") -> str:
        """Interval notation naming which bound is included, e.g. '[90%, 100%)'."""
        lo = "(-∞" if self.min is None else ("[" if closed == "left" else "(") + fmt.format(self.min)
        hi = "+∞)" if self.max is None else fmt.format(self.max) + (")" if closed == "left" else "]")
        return f"{lo}, {hi}"


class Tier(Band):
    score: Number


class RateBand(Band):
    rate: Number = Field(ge=0)


class FactorBand(Band):
    factor: Number = Field(ge=0)


class GradeBand(Band):
    grade: str = Field(min_length=1)
    pay: Number | None = Field(None, ge=0, description="fixed performance pay of this grade (performance_mode: grade)")


def _fmt(value: float) -> str:
    return f"{value:g}"


def band_problems(bands: Sequence[Band], what: str = "tiers") -> list[str]:
    """Gaps, overlaps, empty intervals and open ends of a band list (sorted by ``min``)."""
    problems = []
    for band in bands:
        if band.min is not None and band.max is not None and band.min >= band.max:
            problems.append(f"a {what[:-1]} has min {_fmt(band.min)} ≥ max {_fmt(band.max)} (min must be below max)")
    bottoms = [b for b in bands if b.min is None]
    tops = [b for b in bands if b.max is None]
    if not bottoms:
        lowest = min(b.min for b in bands if b.min is not None)
        problems.append(f"values below {_fmt(lowest)} fall in no {what[:-1]}: give the lowest {what[:-1]} no 'min'")
    if not tops:
        highest = max(b.max for b in bands if b.max is not None)
        problems.append(f"values above {_fmt(highest)} fall in no {what[:-1]}: give the highest {what[:-1]} no 'max'")
    if len(bottoms) > 1:
        problems.append(f"{len(bottoms)} {what} have no 'min' (overlap): only the lowest may be open below")
    if len(tops) > 1:
        problems.append(f"{len(tops)} {what} have no 'max' (overlap): only the highest may be open above")
    for low, high in zip(bands, bands[1:]):
        if low.max is None or high.min is None:
            continue
        if low.max < high.min:
            problems.append(f"gap between {_fmt(low.max)} and {_fmt(high.min)}: set one {what[:-1]}'s bound to the other's")
        elif low.max > high.min:
            problems.append(f"overlap between {_fmt(high.min)} and {_fmt(low.max)}: a {what[:-1]}'s max must equal the next one's min")
    return problems


def _sorted_bands(bands: Iterable[Band], what: str = "tiers") -> tuple[Any, ...]:
    ordered = tuple(sorted(bands, key=lambda b: (-math.inf if b.min is None else b.min, math.inf if b.max is None else b.max)))
    if not ordered:
        raise ValueError(f"give at least one {what[:-1]}")
    problems = band_problems(ordered, what)
    if problems:
        raise ValueError("; ".join(problems))
    return ordered


# -- references and thresholds ---------------------------------------------------------------


class Source(Frozen):
    """Where a value comes from: a catalogue metric, a manual indicator, or a scheme indicator.

    ``indicator: <id>`` reads that indicator's basis value (relative or completion
    when so defined) and is null when the indicator lacks data (min_sample).
    """

    metric: str | None = None
    manual: str | None = None
    indicator: str | None = None

    @property
    def ref(self) -> tuple[Ref, str]:
        for kind in ("metric", "manual", "indicator"):
            value = getattr(self, kind)
            if value is not None:
                return kind, value  # type: ignore[return-value]
        raise AssertionError("validated sources name one of metric/manual/indicator")

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> Source:
        given = [k for k in ("metric", "manual", "indicator") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"name exactly one of 'metric', 'manual' or 'indicator' (got {given or 'none'})")
        problems = _source_problems(self, info)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _source_problems(src: Source, info: ValidationInfo) -> list[str]:
    kind, name = src.ref
    if kind == "metric" and name not in CATALOGUE:
        return [unknown("metric", name, CATALOGUE)]
    if kind == "manual":
        known = _manual_ids(info)
        if name not in known:
            return [f"unknown manual indicator '{name}' (allowed: {', '.join(known)}; "
                    "declare new ones under 'manual_indicators')"]
    return []


def unknown(kind: str, name: str, allowed: Iterable[str]) -> str:
    """'unknown metric 'x' (did you mean y?; allowed: …)'."""
    allowed = list(allowed)
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]}?; " if close else ""
    return f"unknown {kind} '{name}' ({hint}allowed: {', '.join(allowed)})"


def _manual_ids(info: ValidationInfo | None) -> list[str]:
    extra = (info.context or {}).get("manual", ()) if info is not None else ()
    return [*MANUAL_INDICATORS, *[m for m in extra if m not in MANUAL_INDICATORS]]


OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}


class Threshold(Frozen):
    """A comparison: exactly one of lt (<), le (≤), gt (>), ge (≥)."""

    lt: Number | None = None
    le: Number | None = None
    gt: Number | None = None
    ge: Number | None = None

    @property
    def op(self) -> tuple[str, float]:
        for key in OPS:
            value = getattr(self, key)
            if value is not None:
                return key, value
        raise AssertionError("validated thresholds hold one comparison")

    def text(self) -> str:
        key, value = self.op
        return f"{OPS[key]} {_fmt(value)}"

    @model_validator(mode="after")
    def _one_op(self) -> Threshold:
        given = [k for k in OPS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one comparison of lt (<), le (≤), gt (>), ge (≥) (got {given or 'none'})")
        return self


class Named(Frozen):
    """Items shown as their own column: an id, and zh/en display names."""

    id: str = Field(pattern=ID_PATTERN)
    zh: str | None = None
    en: str | None = None

    def label(self, lang: str = "zh") -> str:
        return (self.zh if lang == "zh" else self.en) or self.zh or self.en or self.id


class Condition(Source, Threshold):
    """A source compared with a threshold, e.g. ``{metric: conv_final, lt: 40%}``."""


class Gate(Named, Condition):
    """门槛: when the condition holds, the agent is flagged and (by ``effect``) loses pay.

    effect ``no_performance_pay`` zeroes performance pay; ``no_bonus`` also zeroes
    ladders, awards, rewards and the team-bonus share; ``flag`` only flags.
    A null value (missing data) never triggers a gate; its indicator status shows it.
    """

    effect: Literal["no_performance_pay", "no_bonus", "flag"] = "no_performance_pay"


class Step(Threshold):
    amount: Number = Field(ge=0)


class Ladder(Named, Source):
    """阶梯奖励: pays the largest ``amount`` among the steps reached (steps do not add up)."""

    steps: tuple[Step, ...] = Field(min_length=1)


class Adjustment(Named, Source):
    """A reward or penalty (amounts are positive; penalties are subtracted).

    Either a fixed ``amount`` when the threshold holds (``{metric: first_response_s,
    le: 20, amount: 200}``), or ``per_unit`` × max(0, value − ``above``), optionally
    only while the threshold holds (``{metric: slow_customers, per_unit: 5}`` = ¥5 per
    slow customer). ``cap`` limits the amount.
    """

    lt: Number | None = None
    le: Number | None = None
    gt: Number | None = None
    ge: Number | None = None
    amount: Number | None = Field(None, ge=0)
    per_unit: Number | None = Field(None, ge=0)
    above: Number = Field(0, description="per_unit only: units up to this value are free")
    cap: Number | None = Field(None, ge=0)

    @property
    def threshold(self) -> Threshold | None:
        given = {k: getattr(self, k) for k in OPS if getattr(self, k) is not None}
        return Threshold(**given) if given else None

    @model_validator(mode="after")
    def _amount_or_rate(self) -> Adjustment:
        problems = []
        if (self.amount is None) == (self.per_unit is None):
            problems.append("give exactly one of 'amount' (fixed) or 'per_unit' (× value)")
        ops = [k for k in OPS if getattr(self, k) is not None]
        if len(ops) > 1:
            problems.append(f"give at most one comparison of lt, le, gt, ge (got {ops})")
        if self.amount is not None and not ops:
            problems.append("a fixed 'amount' needs a comparison (lt, le, gt or ge) saying when it applies")
        if self.per_unit is None and self.above:
            problems.append("'above' applies only with 'per_unit'")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Award(Named, Source):
    """First place (by direction) in the shop or each team gets ``amount`` (转化之王, 服务之星…).

    Ties (equal best values): ``share`` splits the amount equally among them (default),
    ``each`` pays every tied agent the full amount, ``none`` pays nobody.
    Null values never win; use ``indicator:`` to inherit that indicator's min_sample.
    """

    amount: Number = Field(ge=0)
    direction: Literal["higher", "lower"] | None = None
    scope: Literal["shop", "team"] = "shop"
    ties: Literal["share", "each", "none"] = "share"


class TeamGoal(Named, Threshold):
    """团体奖励: when a team's metric (recomputed from summed components) meets the
    threshold, a ``fund`` is shared among the team's agents.

    Ratios are Σ numerator / Σ denominator over the team (conv_final = Σ
    conv_final_customers / Σ conv_base_customers), never a mean of agents' ratios;
    additive metrics are summed. ``split: equal`` gives each agent fund / agents in
    the team; ``split: score`` gives fund × agent total / Σ team totals (equal when
    every total is 0). ``scope: shop`` treats the whole shop as one team.
    """

    metric: str
    fund: Number = Field(ge=0)
    split: Literal["equal", "score"] = "equal"
    scope: Literal["team", "shop"] = "team"

    @field_validator("metric")
    @classmethod
    def _team_metric(cls, value: str) -> str:
        found = CATALOGUE.get(value)
        if found is None:
            raise ValueError(unknown("metric", value, CATALOGUE))
        if team_formula(value) is None:
            allowed = [m for m in CATALOGUE if team_formula(m) is not None]
            raise ValueError(f"metric '{value}' cannot be recomputed for a team (allowed: {', '.join(allowed)})")
        return value


def team_formula(metric_id: str) -> tuple[str, ...] | None:
    """How a team-level value is rebuilt from agents' columns: (num, den) for ratios and means,
    (id,) for what adds up, None when it cannot be combined (a quantile): the catalogue says which."""
    found = CATALOGUE[metric_id]
    ratio = getattr(found, "ratio", None)
    if ratio is not None:
        return ratio
    return (metric_id,) if combinable(metric_id) else None


class Commission(Frozen):
    """提成: a rate on ``metric`` (default sales_amount).

    ``rate`` is one rate on the whole amount; ``tiers`` give rates by amount band —
    ``mode: whole`` applies the band the amount falls in to all of it, ``mode:
    marginal`` applies each band's rate to the part inside it (like tax brackets).
    ``kpi_factor`` multiplies the commission by a factor chosen by the agent's score
    percent (KPIs tied to commission); an agent with no scored indicator gets factor 1.
    """

    metric: str = "sales_amount"
    rate: Number | None = Field(None, ge=0)
    tiers: tuple[RateBand, ...] | None = None
    mode: Literal["whole", "marginal"] = "whole"
    closed: Literal["left", "right"] = "left"
    kpi_factor: tuple[FactorBand, ...] | None = None

    @field_validator("metric")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CATALOGUE:
            raise ValueError(unknown("metric", value, CATALOGUE))
        return value

    @field_validator("tiers")
    @classmethod
    def _rate_tiers(cls, value: tuple[RateBand, ...] | None) -> tuple[RateBand, ...] | None:
        return None if value is None else _sorted_bands(value)

    @field_validator("kpi_factor")
    @classmethod
    def _factor_tiers(cls, value: tuple[FactorBand, ...] | None) -> tuple[FactorBand, ...] | None:
        return None if value is None else _sorted_bands(value)

    @model_validator(mode="after")
    def _rate_or_tiers(self) -> Commission:
        if (self.rate is None) == (self.tiers is None):
            raise ValueError("give exactly one of 'rate' (one rate) or 'tiers' (rates by amount)")
        if self.mode == "marginal" and self.tiers and any(t.min is not None and t.min < 0 for t in self.tiers):
            raise ValueError("marginal tiers start at 0: bands below 0 make no sense")
        return self


class Grades(Frozen):
    """分档: grades by score percent, by total, or by rank quantile.

    ``by: percent`` compares total / full score (re-based, 0–1, write 90%);
    ``by: total`` compares the total; ``by: rank`` compares rank / ranked agents
    (rank 1 = best, ties share the better rank), so ``{max: 20%, grade: A}`` is the
    top 20%. ``closed`` defaults to ``right`` for rank (top 20% includes the agent at
    exactly 20%) and ``left`` otherwise. Unscored agents get no grade.
    """

    by: Literal["percent", "total", "rank"] = "percent"
    closed: Literal["left", "right"] | None = None
    bands: tuple[GradeBand, ...]

    @property
    def closed_side(self) -> str:
        return self.closed or ("right" if self.by == "rank" else "left")

    @field_validator("bands")
    @classmethod
    def _grade_bands(cls, value: tuple[GradeBand, ...]) -> tuple[GradeBand, ...]:
        return _sorted_bands(value, "bands")


class AppliesTo(Frozen):
    """Which agents a scheme scores: by ``role`` and/or ``team`` (agents of the metric table).

    An agent whose role (or team) is unknown (null) is kept: it cannot be told apart.
    """

    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()


class Pay(Frozen):
    """Fixed pay parts and the full performance pay (绩效工资满额).

    ``performance_mode: proportional`` pays performance × total / full score;
    ``grade`` pays the ``pay`` of the agent's grade band (fixed performance-bonus tiers).
    """

    base: Number = Field(0, ge=0, description="底薪 base pay")
    post: Number = Field(0, ge=0, description="岗位工资 post pay")
    performance: Number = Field(0, ge=0, description="绩效工资满额 full performance pay")
    performance_mode: Literal["proportional", "grade"] = "proportional"


# -- indicators ------------------------------------------------------------------------------


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
        """Fill id and direction from the source, and the sample column from the ratio."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        source = data.get("metric") if data.get("metric") is not None else data.get("manual")
        if isinstance(source, str) and data.get("id") is None:
            data["id"] = source
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
        return _sorted_bands(value)

    @model_validator(mode="after")
    def _meaning(self, info: ValidationInfo) -> Indicator:
        problems = []
        if (self.metric is None) == (self.manual is None):
            problems.append("name exactly one of 'metric' (a catalogue id) or 'manual' (a manual_scores indicator)")
        if self.metric is not None and self.metric not in CATALOGUE:
            problems.append(unknown("metric", self.metric, CATALOGUE))
        if self.manual is not None and self.manual not in _manual_ids(info):
            problems.append(f"unknown manual indicator '{self.manual}' (allowed: {', '.join(_manual_ids(info))}; "
                            "declare new ones under 'manual_indicators')")
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
    def source(self) -> tuple[Literal["metric", "manual"], str]:
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
        shown = ", ".join(f"{t.interval('left')}→{_fmt(t.score)}" for t in tiers)
        return [f"tier scores must not fall as values get better ({better} is better here): {shown} "
                "— fix the scores or the 'direction'"]
    return []


# -- the scheme ------------------------------------------------------------------------------


class Scheme(Frozen):
    """A whole scoring and pay scheme. Build with :func:`load_scheme` or :meth:`Scheme.parse`."""

    name: str = Field(min_length=1, description="display name (中文)")
    name_en: str | None = None
    notes: str | None = None
    notes_en: str | None = None
    insufficient: Literal["rebase", "zero", "lowest"] = "rebase"
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    manual_indicators: tuple[ManualIndicator, ...] = ()
    indicators: tuple[Indicator, ...] = ()
    pay: Pay = Field(default_factory=Pay)
    gates: tuple[Gate, ...] = ()
    ladders: tuple[Ladder, ...] = ()
    rewards: tuple[Adjustment, ...] = ()
    penalties: tuple[Adjustment, ...] = ()
    commission: Commission | None = None
    awards: tuple[Award, ...] = ()
    team_goals: tuple[TeamGoal, ...] = ()
    grades: Grades | None = None

    @model_validator(mode="after")
    def _cross_checks(self) -> Scheme:
        problems = []
        ids = [i.id for i in self.indicators]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            problems.append(f"indicators: duplicate id(s) {', '.join(dupes)} — give each line its own 'id'")
        for section in ("gates", "ladders", "rewards", "penalties", "awards"):
            items = getattr(self, section)
            names = [item.id for item in items]
            for dup in sorted({n for n in names if names.count(n) > 1}):
                problems.append(f"{section}: duplicate id '{dup}'")
            for n, item in enumerate(items):
                kind, name = item.ref
                if kind == "indicator" and name not in ids:
                    problems.append(f"{section}[{n}] ({item.id}): unknown indicator '{name}' (allowed: {', '.join(ids) or 'none defined'})")
        problems += self._award_directions()
        reserved = sorted(set(ids) & set(RESERVED_IDS))
        if reserved:
            problems.append(f"indicators: id(s) {', '.join(reserved)} are reserved for output columns — rename them")
        goals = [g.id for g in self.team_goals]
        for dup in sorted({g for g in goals if goals.count(g) > 1}):
            problems.append(f"team_goals: duplicate id '{dup}'")
        if self.pay.performance > 0 and self.pay.performance_mode == "proportional" and not self.indicators:
            problems.append("pay.performance: a performance pay needs indicators to score (or set it to 0)")
        if self.pay.performance_mode == "grade":
            if self.grades is None or any(b.pay is None for b in self.grades.bands):
                problems.append("pay.performance_mode: grade needs 'grades' whose every band has a 'pay'")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _award_directions(self) -> list[str]:
        problems = []
        for n, award in enumerate(self.awards):
            if award.direction is None and self.direction_of(award) is None:
                problems.append(f"awards[{n}] ({award.id}): '{award.ref[1]}' has no natural direction — set direction: higher or lower")
        return problems

    def direction_of(self, item: Source) -> str | None:
        """Which way is better for a source: its own 'direction', else the indicator's, catalogue's or manual's."""
        own = getattr(item, "direction", None)
        if own is not None:
            return own
        kind, name = item.ref
        if kind == "indicator":
            return next((i.direction for i in self.indicators if i.id == name), None)
        if kind == "manual":
            found = self.manual_catalogue.get(name)
            return found.direction if found else None
        found_metric = CATALOGUE.get(name)
        return None if found_metric is None or found_metric.direction == "neutral" else found_metric.direction

    # -- construction ----------------------------------------------------------------------

    @classmethod
    def parse(cls, data: Mapping[str, Any], source: str | Path = "<scheme>") -> Scheme:
        """Validate a mapping (a parsed YAML file); every problem at once, naming ``source``."""
        data = dict(data)
        declared = data.get("manual_indicators")
        declared = declared if isinstance(declared, (list, tuple)) else []  # other shapes: the model reports them
        context = {
            "manual": [m.get("id") for m in declared if isinstance(m, dict) and isinstance(m.get("id"), str)],
            "manual_directions": {m["id"]: m.get("direction") or "higher" for m in declared
                                  if isinstance(m, dict) and isinstance(m.get("id"), str)},
        }
        return validate(cls, data, source, context=context, fix="every key is described in params/schemes/README.md")

    def with_weight(self, indicator: str, weight: float) -> Scheme:
        """A copy with one indicator's weight changed (cheap: for sliders)."""
        return self.with_weights({indicator: weight})

    def with_weights(self, weights: Mapping[str, float]) -> Scheme:
        """A copy with several weights changed; unknown ids and bad weights raise CsanaError."""
        known = {i.id for i in self.indicators}
        unknown = sorted(set(weights) - known)
        bad = {k: w for k, w in weights.items() if isinstance(w, bool) or not isinstance(w, (int, float))
               or not math.isfinite(w) or w < 0}
        if unknown or bad:
            parts = [f"unknown indicator(s) {', '.join(unknown)} (allowed: {', '.join(sorted(known))})"] if unknown else []
            parts += [f"weight of '{k}' must be a number ≥ 0 (got {w!r})" for k, w in bad.items()]
            raise CsanaError("; ".join(parts), file=self.name)
        indicators = tuple(i.model_copy(update={"weight": float(weights[i.id])}) if i.id in weights else i
                           for i in self.indicators)
        return self.model_copy(update={"indicators": indicators})

    # -- reading ---------------------------------------------------------------------------

    @property
    def weights(self) -> dict[str, float]:
        return {i.id: i.weight for i in self.indicators}

    @property
    def full_score(self) -> float:
        """Σ top tier score × weight, when every indicator has data."""
        return float(sum(i.top_score * i.weight for i in self.indicators))

    @property
    def manual_catalogue(self) -> dict[str, ManualIndicator]:
        return {**MANUAL_INDICATORS, **{m.id: m for m in self.manual_indicators}}

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise CsanaError(f"no indicator '{indicator_id}' in scheme '{self.name}'",
                         fix=f"use one of: {', '.join(i.id for i in self.indicators)}")

    def label(self, lang: str = "zh") -> str:
        return self.name if lang == "zh" or not self.name_en else self.name_en

    def canonical(self) -> str:
        """The scheme's content as canonical JSON: keys sorted, indicators sorted by id, defaults left out."""
        data = self.model_dump(mode="json", exclude_defaults=True)
        if "indicators" in data:
            data["indicators"] = sorted(data["indicators"], key=lambda i: i["id"])
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    @property
    def content_hash(self) -> str:
        """First 12 hex digits of sha256(canonical()): the version a payout traces to.

        Comments, key order, indicator order and spelling a default out change nothing;
        any weight, tier, amount or name does.
        """
        return hashlib.sha256(self.canonical().encode("utf-8")).hexdigest()[:12]


def load_scheme(path: str | Path) -> Scheme:
    """Read and validate a scheme YAML; a bare name ('presales_traffic') means a ready-made one."""
    source = Path(path)
    if not source.exists() and source.suffix == "" and (SCHEMES_DIR / f"{source.name}.yaml").exists():
        source = SCHEMES_DIR / f"{source.name}.yaml"
    if not source.exists():
        ready = ", ".join(sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml")))
        raise CsanaError("scheme file not found", file=str(path), fix=f"check the path, or name a ready-made scheme: {ready}")
    return Scheme.parse(read_config(source), source)


def ready_made() -> list[str]:
    """Names of the schemes shipped in params/schemes/."""
    return sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml"))
