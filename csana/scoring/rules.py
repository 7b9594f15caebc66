"""Pay rules of a scheme: gates, ladders, rewards and penalties, awards, team goals, commission, grades, pay.

Each rule reads a value (a :class:`~csana.scoring.refs.ValueRef`, or a metric) and
turns it into a flag or an amount of money; :mod:`csana.scoring.plan` computes
them and params/schemes/README.md documents every key. Amounts are in yuan and
positive (penalties are subtracted).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from csana.catalogue import CATALOGUE, combinable
from csana.config import Frozen
from csana.scoring.bands import FactorBand, GradeBand, Number, RateBand, sorted_bands
from csana.scoring.indicators import ID_PATTERN, unknown
from csana.scoring.refs import OPS, Threshold, ValueRef


class Named(Frozen):
    """Items shown as their own column: an id, and zh/en display names."""

    id: str = Field(pattern=ID_PATTERN)
    zh: str | None = None
    en: str | None = None

    def label(self, lang: str = "zh") -> str:
        return (self.zh if lang == "zh" else self.en) or self.zh or self.en or self.id


class Condition(ValueRef, Threshold):
    """A value compared with a threshold, e.g. ``{metric: conv_final, lt: 40%}``."""


class Gate(Named, Condition):
    """门槛: when the condition holds, the agent is flagged and (by ``effect``) loses pay.

    effect ``no_performance_pay`` zeroes performance pay; ``no_bonus`` also zeroes
    ladders, awards, rewards and the team-bonus share; ``flag`` only flags.

    A gate whose value is null (no data, or an ``indicator:`` below its min_sample) cannot
    be judged (门槛未判定). ``undetermined`` says what then happens, and the score table
    says which it was (``gate_unjudged.<id>``): ``waive`` (default) — not applied, the
    agent is paid as if it passed; ``apply`` — applied as if failed, until the data
    suffices; ``newcomer`` — waived for agents hired within ``newcomer_days`` days before
    the month's end (their hire date from the agents table), applied to everyone else
    (an unknown hire date is no newcomer).
    """

    effect: Literal["no_performance_pay", "no_bonus", "flag"] = "no_performance_pay"
    undetermined: Literal["waive", "apply", "newcomer"] = "waive"
    newcomer_days: int = Field(30, ge=1, le=3650, description="undetermined: newcomer — hired within this many days")


class Step(Threshold):
    """One step of a ladder: ``amount`` when its threshold holds."""

    amount: Number = Field(ge=0)


class Ladder(Named, ValueRef):
    """阶梯奖励: pays the largest ``amount`` among the steps reached (steps do not add up)."""

    steps: tuple[Step, ...] = Field(min_length=1)


class Adjustment(Named, ValueRef):
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


class Award(Named, ValueRef):
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
        return None if value is None else sorted_bands(value)

    @field_validator("kpi_factor")
    @classmethod
    def _factor_tiers(cls, value: tuple[FactorBand, ...] | None) -> tuple[FactorBand, ...] | None:
        return None if value is None else sorted_bands(value)

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
        return sorted_bands(value, "bands")


class Pay(Frozen):
    """Fixed pay parts and the full performance pay (绩效工资满额).

    ``performance_mode: proportional`` pays performance × total / full score;
    ``grade`` pays the ``pay`` of the agent's grade band (fixed performance-bonus tiers).
    """

    base: Number = Field(0, ge=0, description="底薪 base pay")
    post: Number = Field(0, ge=0, description="岗位工资 post pay")
    performance: Number = Field(0, ge=0, description="绩效工资满额 full performance pay")
    performance_mode: Literal["proportional", "grade"] = "proportional"
