"""The scoring plan: a scheme turned into stages of polars expressions, evaluated as one lazy query.

Tiers are when/then chains, team means and first places are window expressions
(``over`` the month and team), so no Python loop runs over agents. Each stage
reads the columns of the stages before it:

1. ``<id>.value`` (and ``<id>.raw``) per indicator, 2. ``<id>.status``,
3. ``<id>.tier``/``<id>.score`` and the counted top score, 4. ``<id>.weighted``,
``total``, ``full_score``, ``status``, ``missing``, 5. ``percent`` and the gates,
6. ``rank`` and the gates' effects, 7. grade, ladders, awards, rewards,
penalties, 8. performance pay, commission, team goals, 9. the pay parts,
10. ``total_pay``.

An indicator's value, status and tier expressions do not depend on its weight and
are cached, so re-scoring after a weight change (``scheme.with_weight``) is fast.
Amounts are rounded to 0.01 (each detail column, then each part as the sum of its
details) and ``total_pay`` is the sum of the rounded parts, so the payroll sheet adds up.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import polars as pl

from csana.catalogue import CATALOGUE
from csana.scoring.bands import Band
from csana.scoring.columns import (
    F64,
    ID_COLUMNS,
    NO_DATA,
    NO_TARGET,
    OK,
    PAY_PARTS,
    SUMMARY,
    TEAM,
    TENURE,
    manual_col,
    target_col,
)
from csana.scoring.indicators import Indicator
from csana.scoring.refs import Threshold, ValueRef
from csana.scoring.rules import Award, Commission, TeamGoal, team_formula
from csana.scoring.scheme import Scheme


def _over(expr: pl.Expr, keys: list[str]) -> pl.Expr:
    return expr.over(keys) if keys else expr


def _compare(value: pl.Expr, threshold: Threshold) -> pl.Expr:
    """value op threshold; null values compare as False (missing data never triggers)."""
    op, bound = threshold.op
    expr = {"lt": value < bound, "le": value <= bound, "gt": value > bound, "ge": value >= bound}[op]
    return expr.fill_null(False)


DIGITS = 9
"""Basis ratios are rounded to this many decimals before tiering: polars may divide by a
scalar as multiplication by its reciprocal (60000 / 50000 → 1.2000000000000002), which
must not push a value across a tier bound written as 120%."""


def _ratio(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """num / den rounded to DIGITS decimals; null when den is not positive."""
    return pl.when(den > 0).then((num / den).round(DIGITS))


def _band_value(value: pl.Expr, bands: Sequence[Band], closed: str, picks: Sequence[object]) -> pl.Expr:
    """``picks[k]`` for the band k holding ``value`` (bands sorted ascending, contiguous); null stays null.

    One when/then chain from the top band down: value ≥ min (closed left) or > min
    (closed right) of band k, else the next band below; the lowest band has no min.
    """
    chain = pl.when(value.is_null()).then(pl.lit(None))
    for k in range(len(bands) - 1, 0, -1):
        low = bands[k].min
        chain = chain.when(value >= low if closed == "left" else value > low).then(pl.lit(picks[k]))
    return chain.otherwise(pl.lit(picks[0]))


def _raw(ind: Indicator) -> pl.Expr:
    """The indicator's metric or manual score as a float; NaN counts as missing."""
    return (pl.col(ind.metric).cast(F64) if ind.metric else pl.col(manual_col(ind.manual or ""))).fill_nan(None)


def _values(ind: Indicator, months: list[str]) -> list[pl.Expr]:
    """``<id>.value`` on the indicator's basis (and ``<id>.raw`` when it is not absolute)."""
    raw = _raw(ind)
    if ind.basis == "absolute":
        return [raw.alias(f"{ind.id}.value")]
    if ind.basis == "relative":
        mean = _over(raw.mean(), [*months, TEAM] if ind.relative_to == "team" else months)
        return [raw.alias(f"{ind.id}.raw"), _ratio(raw, mean).alias(f"{ind.id}.value")]
    return [raw.alias(f"{ind.id}.raw"), _ratio(raw, pl.col(target_col(ind))).alias(f"{ind.id}.value")]


def _status(ind: Indicator) -> pl.Expr:
    """``<id>.status``: ok, insufficient data (null value, sample below min_sample) or no target."""
    raw = pl.col(f"{ind.id}.raw" if ind.basis != "absolute" else f"{ind.id}.value")
    chain = pl.when(raw.is_null()).then(pl.lit(NO_DATA))
    if ind.min_sample is not None and ind.sample_column is not None:
        chain = chain.when(pl.col(ind.sample_column).fill_null(0) < ind.min_sample).then(pl.lit(NO_DATA))
    if ind.basis == "target":
        target = pl.col(target_col(ind))
        chain = chain.when(target.is_null() | (target <= 0)).then(pl.lit(NO_TARGET))
    return chain.when(pl.col(f"{ind.id}.value").is_null()).then(pl.lit(NO_DATA)).otherwise(pl.lit(OK)).alias(f"{ind.id}.status")


def _tiers(ind: Indicator, insufficient: str) -> list[pl.Expr]:
    """``<id>.tier`` and ``<id>.score`` (by the scheme's ``insufficient`` rule) and its top score if counted."""
    ok = pl.col(f"{ind.id}.status") == OK
    value = pl.col(f"{ind.id}.value")
    percent = ind.basis != "absolute" or (ind.metric is not None and CATALOGUE[ind.metric].unit == "ratio")
    labels = [t.label or t.interval(ind.closed, percent) for t in ind.tiers]
    tier_score = _band_value(value, ind.tiers, ind.closed, [t.score for t in ind.tiers])
    fallback = {"rebase": pl.lit(None, dtype=F64), "zero": pl.lit(0.0), "lowest": pl.lit(ind.bottom_score)}[insufficient]
    counted = ok if insufficient == "rebase" else pl.lit(True)
    return [
        pl.when(ok).then(_band_value(value, ind.tiers, ind.closed, labels)).alias(f"{ind.id}.tier"),
        pl.when(ok).then(tier_score).otherwise(fallback).alias(f"{ind.id}.score"),
        pl.when(counted).then(pl.lit(ind.top_score)).alias(f"__top.{ind.id}"),
    ]


@functools.lru_cache(maxsize=512)
def _line_exprs(ind: Indicator, insufficient: str, months: tuple[str, ...]) -> tuple[list[pl.Expr], pl.Expr, list[pl.Expr]]:
    """An indicator's value, status and tier expressions, which do not depend on its weight.

    Cached on the (frozen, hashable) indicator with its weight zeroed, so re-scoring after
    a weight change (a slider move) rebuilds none of them.
    """
    return _values(ind, list(months)), _status(ind), _tiers(ind, insufficient)


class Plan:
    """The scheme turned into stages of polars expressions (each stage reads the previous ones)."""

    def __init__(self, scheme: Scheme, months: list[str]) -> None:
        self.s = scheme
        self.months = months
        self.teams = [*months, TEAM]
        self.lines = [_line_exprs(ind.model_copy(update={"weight": 0.0}), scheme.insufficient, tuple(months))
                      for ind in scheme.indicators]

    # -- values referred to ---------------------------------------------------------------

    def value(self, item: ValueRef) -> pl.Expr:
        """The value ``item`` refers to; NaN counts as missing, an indicator's value only when its status is ok."""
        kind, name = item.ref
        if kind == "metric":
            return pl.col(name).cast(F64).fill_nan(None)
        if kind == "manual":
            return pl.col(manual_col(name)).fill_nan(None)
        return pl.when(pl.col(f"{name}.status") == OK).then(pl.col(f"{name}.value"))

    # -- stages -------------------------------------------------------------------------

    def stages(self) -> list[list[pl.Expr]]:
        return [
            [e for line in self.lines for e in line[0]],
            [line[1] for line in self.lines],
            [e for line in self.lines for e in line[2]],
            self.totals(),
            [_ratio(pl.col("total"), pl.col("full_score")).alias("percent"),
             *self.gates()],
            [_over(pl.col("percent").rank("min", descending=True), self.months).cast(pl.Int64).alias("rank"),
             *self.effects()],
            [self.grade(), *self.ladders(), *self.awards(), *self.adjustments("reward"), *self.adjustments("penalty")],
            [self.performance_pay(), self.commission(), *self.team_goals()],
            self.pay_parts(),
            [self.total_pay()],
        ]

    def totals(self) -> list[pl.Expr]:
        inds = self.s.indicators
        if not inds:
            zero = pl.lit(0.0)
            return [zero.alias("total"), zero.alias("full_score"), pl.lit(OK).alias("status"),
                    pl.lit(None, dtype=pl.String).alias("missing")]
        lacking = [pl.col(f"{i.id}.status") != OK for i in inds]
        n_lacking = pl.sum_horizontal([c.cast(pl.Int32) for c in lacking])
        missing = pl.concat_str([pl.when(c).then(pl.lit(i.id)) for c, i in zip(lacking, inds)], separator=", ", ignore_nulls=True)
        weighted = [(pl.col(f"{i.id}.score") * i.weight).alias(f"{i.id}.weighted") for i in inds]
        return [
            *weighted,
            pl.sum_horizontal(weighted).alias("total"),
            pl.sum_horizontal([pl.col(f"__top.{i.id}") * i.weight for i in inds]).alias("full_score"),
            pl.when(n_lacking == 0).then(pl.lit(OK)).when(n_lacking == len(inds)).then(pl.lit("not scored"))
            .otherwise(pl.lit("incomplete")).alias("status"),
            pl.when(n_lacking > 0).then(missing).alias("missing"),
        ]

    def gates(self) -> list[pl.Expr]:
        """``gate.<id>`` (failed), ``gate_unjudged.<id>`` (what happened without a value), ``gates``, ``gates_undetermined``."""
        if not self.s.gates:
            return [pl.lit(None, dtype=pl.String).alias("gates"), pl.lit(None, dtype=pl.String).alias("gates_undetermined")]
        failed, unjudged = [], []
        for g in self.s.gates:
            value = self.value(g)
            if g.undetermined == "newcomer":
                newcomer = (pl.col(TENURE) <= g.newcomer_days).fill_null(False)
                treatment = pl.when(newcomer).then(pl.lit("newcomer")).otherwise(pl.lit("applied"))
            else:
                treatment = pl.lit("waived" if g.undetermined == "waive" else "applied")
            note = pl.when(value.is_null()).then(treatment)
            unjudged.append(note.alias(f"gate_unjudged.{g.id}"))
            failed.append((_compare(value, g) | (note == "applied").fill_null(False)).alias(f"gate.{g.id}"))

        def ids(flags: list[pl.Expr]) -> pl.Expr:
            joined = pl.concat_str([pl.when(f).then(pl.lit(g.id)) for f, g in zip(flags, self.s.gates)],
                                   separator=", ", ignore_nulls=True)
            return pl.when(joined != "").then(joined)
        return [*failed, *unjudged, ids(failed).alias("gates"), ids([u.is_not_null() for u in unjudged]).alias("gates_undetermined")]

    def effects(self) -> list[pl.Expr]:
        def any_of(effects: tuple[str, ...]) -> pl.Expr:
            cols = [pl.col(f"gate.{g.id}") for g in self.s.gates if g.effect in effects]
            return pl.any_horizontal(cols) if cols else pl.lit(False)
        return [any_of(("no_performance_pay", "no_bonus")).alias("__no_perf"), any_of(("no_bonus",)).alias("__no_bonus")]

    def grade(self) -> pl.Expr:
        grades = self.s.grades
        if grades is None:
            return pl.lit(None, dtype=pl.String).alias("grade")
        if grades.by == "rank":
            value = _ratio(pl.col("rank").cast(F64), _over(pl.col("rank").count(), self.months).cast(F64))
        else:
            value = pl.when(pl.col("percent").is_not_null()).then(pl.col(grades.by))
        return _band_value(value, grades.bands, grades.closed_side, [b.grade for b in grades.bands]).alias("grade")

    def _bonus(self, expr: pl.Expr) -> pl.Expr:
        """An amount a no_bonus gate voids."""
        return pl.when(pl.col("__no_bonus")).then(pl.lit(0.0)).otherwise(expr)

    def ladders(self) -> list[pl.Expr]:
        out = []
        for ladder in self.s.ladders:
            value = self.value(ladder)
            steps = [pl.when(_compare(value, step)).then(pl.lit(step.amount)).otherwise(pl.lit(0.0)) for step in ladder.steps]
            out.append(self._bonus(pl.max_horizontal(steps)).round(2).alias(f"ladder.{ladder.id}"))
        return out

    def awards(self) -> list[pl.Expr]:
        return [self._bonus(self.award(a)).round(2).alias(f"award.{a.id}") for a in self.s.awards]

    def award(self, award: Award) -> pl.Expr:
        keys = self.teams if award.scope == "team" else self.months
        value = self.value(award)
        best = _over(value.max() if self.s.direction_of(award) == "higher" else value.min(), keys)
        won = (value == best).fill_null(False)
        winners = _over(won.sum(), keys)
        amount = {"share": pl.lit(award.amount) / winners, "each": pl.lit(award.amount),
                  "none": pl.when(winners == 1).then(pl.lit(award.amount)).otherwise(pl.lit(0.0))}[award.ties]
        return pl.when(won).then(amount).otherwise(pl.lit(0.0))

    def adjustments(self, kind: str) -> list[pl.Expr]:
        items = self.s.rewards if kind == "reward" else self.s.penalties
        out = []
        for item in items:
            value = self.value(item)
            threshold = item.threshold
            if item.per_unit is not None:
                amount = ((value - item.above).clip(lower_bound=0) * item.per_unit).fill_null(0.0)
                if threshold is not None:
                    amount = pl.when(_compare(value, threshold)).then(amount).otherwise(pl.lit(0.0))
            else:
                assert threshold is not None and item.amount is not None
                amount = pl.when(_compare(value, threshold)).then(pl.lit(item.amount)).otherwise(pl.lit(0.0))
            if item.cap is not None:
                amount = amount.clip(upper_bound=item.cap)
            out.append((self._bonus(amount) if kind == "reward" else amount).round(2).alias(f"{kind}.{item.id}"))
        return out

    def performance_pay(self) -> pl.Expr:
        pay = self.s.pay
        if pay.performance_mode == "grade" and self.s.grades is not None:
            grades = self.s.grades.bands
            earned = pl.col("grade").replace_strict([b.grade for b in grades], [b.pay for b in grades], default=0.0, return_dtype=F64)
        else:
            earned = pl.when(pl.col("full_score") > 0).then(pay.performance * pl.col("total") / pl.col("full_score")).otherwise(0.0)
        return pl.when(pl.col("__no_perf")).then(pl.lit(0.0)).otherwise(earned).alias("__performance_pay")

    def commission(self) -> pl.Expr:
        com: Commission | None = self.s.commission
        if com is None:
            return pl.lit(0.0).alias("__commission")
        base = pl.col(com.metric).cast(F64).fill_nan(None).fill_null(0.0)
        if com.rate is not None:
            amount = base * com.rate
        elif com.mode == "whole":
            assert com.tiers is not None
            amount = base * _band_value(base, com.tiers, com.closed, [t.rate for t in com.tiers])
        else:
            assert com.tiers is not None
            parts = []
            for t in com.tiers:
                low = t.min if t.min is not None else 0.0
                parts.append((base.clip(lower_bound=low, upper_bound=t.max) - low) * t.rate)
            amount = pl.sum_horizontal(parts)
        if com.kpi_factor is not None:
            factor = _band_value(pl.col("percent"), com.kpi_factor, "left", [b.factor for b in com.kpi_factor])
            amount = amount * factor.fill_null(1.0)
        return amount.alias("__commission")

    def team_goals(self) -> list[pl.Expr]:
        return [self._bonus(self.team_goal(g)).round(2).alias(f"team_goal.{g.id}") for g in self.s.team_goals]

    def team_goal(self, goal: TeamGoal) -> pl.Expr:
        keys = self.teams if goal.scope == "team" else self.months
        formula = team_formula(goal.metric) or (goal.metric,)
        if len(formula) == 2:
            num, den = (_over(pl.col(c).cast(F64).sum(), keys) for c in formula)
            value = pl.when(den > 0).then(num / den)
        else:
            value = _over(pl.col(formula[0]).cast(F64).sum(), keys)
        reached = _compare(value, goal)
        if goal.split == "equal":
            share = pl.lit(goal.fund) / _over(pl.len(), keys)
        else:
            team_total = _over(pl.col("total").sum(), keys)
            equal = pl.lit(goal.fund) / _over(pl.len(), keys)
            share = pl.when(team_total > 0).then(goal.fund * pl.col("total") / team_total).otherwise(equal)
        return pl.when(reached).then(share).otherwise(pl.lit(0.0))

    def pay_parts(self) -> list[pl.Expr]:
        pay = self.s
        def total_of(prefix: str, items: Sequence[object]) -> pl.Expr:
            cols = [pl.col(f"{prefix}.{item.id}") for item in items]  # type: ignore[attr-defined]
            return pl.sum_horizontal(cols) if cols else pl.lit(0.0)
        parts = {
            "base_pay": pl.lit(pay.pay.base),
            "post_pay": pl.lit(pay.pay.post),
            "performance_pay": pl.col("__performance_pay"),
            "commission": pl.col("__commission"),
            "ladders": total_of("ladder", pay.ladders),
            "awards": total_of("award", pay.awards),
            "rewards": total_of("reward", pay.rewards),
            "penalties": total_of("penalty", pay.penalties),
            "team_bonus": total_of("team_goal", pay.team_goals),
        }
        return [expr.cast(F64).round(2).alias(name) for name, expr in parts.items()]

    def total_pay(self) -> pl.Expr:
        adds = [pl.col(p) for p, _, _ in PAY_PARTS if p not in ("penalties", "total_pay")]
        return (pl.sum_horizontal(adds) - pl.col("penalties")).round(2).alias("total_pay")

    # -- output -------------------------------------------------------------------------

    def output(self, input_columns: Sequence[str]) -> list[str]:
        s = self.s
        cols = [c for c in ID_COLUMNS if c in input_columns]
        for ind in s.indicators:
            cols += [f"{ind.id}.raw"] if ind.basis != "absolute" else []
            cols += [f"{ind.id}.target"] if ind.basis == "target" else []
            cols += [f"{ind.id}.{k}" for k in ("value", "tier", "score", "weighted", "status")]
        cols += [c for c, _, _ in SUMMARY]
        cols += [p for p, _, _ in PAY_PARTS]
        cols += [f"gate.{g.id}" for g in s.gates] + [f"gate_unjudged.{g.id}" for g in s.gates]
        cols += [f"ladder.{x.id}" for x in s.ladders]
        cols += [f"award.{x.id}" for x in s.awards] + [f"reward.{x.id}" for x in s.rewards]
        cols += [f"penalty.{x.id}" for x in s.penalties] + [f"team_goal.{x.id}" for x in s.team_goals]
        return cols
