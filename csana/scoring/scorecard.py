"""Scoring and pay (spec 2 §1): a validated :class:`~csana.scoring.scheme.Scheme` applied to the
per-agent metric table.

:func:`score` returns one row per agent (per month, when the table holds several):

* per indicator ``<id>.value`` (the basis value: the metric itself, value / team
  mean, or value / target), ``<id>.raw`` and ``<id>.target`` when the basis is not
  absolute, ``<id>.tier`` (the tier's label or its interval), ``<id>.score``,
  ``<id>.weighted`` (score × weight) and ``<id>.status``;
* ``total`` = Σ weighted, ``full_score`` = Σ top tier score × weight over the
  indicators counted, ``percent`` = total / full_score, ``rank`` (1 = best by
  percent, ties share the better rank), ``grade``, ``status``, ``missing``, ``gates``;
* the pay parts (:data:`PAY_PARTS`) and ``total_pay``;
* detail columns ``gate.<id>`` (bool), ``ladder.<id>``, ``award.<id>``,
  ``reward.<id>``, ``penalty.<id>``, ``team_goal.<id>`` (amounts).

Insufficient data. An indicator whose value is null, whose sample column is below
``min_sample``, or (basis target) which has no target, gets status
``insufficient data`` / ``no target`` instead of a silent zero. The scheme's
``insufficient`` rule says how the total treats it: ``rebase`` (default) leaves it
out of both total and full score, so the agent is scored on the remaining
indicators and performance pay = full pay × total / the agent's own full score;
``zero`` scores it 0 against the unchanged full score; ``lowest`` gives it the
worst tier's score. Either way ``status`` says ``incomplete`` and ``missing``
names the indicators; an agent with no scored indicator is ``not scored`` (percent
null, performance pay 0).

Everything is one lazy polars plan of expressions (tiers are when/then chains,
team means and first places are window expressions): no Python loop runs over
agents, so re-scoring after a weight change (``scheme.with_weight``) is fast.
Amounts are rounded to 0.01 (each detail column, then each part as the sum of its
details) and ``total_pay`` is the sum of the rounded parts, so the payroll sheet adds up.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from csana.errors import CsanaError
from csana.metrics.catalogue import CATALOGUE
from csana.scoring.scheme import (
    Award,
    Band,
    Commission,
    Indicator,
    Scheme,
    Source,
    TeamGoal,
    Threshold,
    load_scheme,
    team_formula,
)

__all__ = ["PAY_PARTS", "STATUS", "load_scheme", "read_targets", "score", "score_labels"]

OK, NO_DATA, NO_TARGET = "ok", "insufficient data", "no target"
STATUS: dict[str, tuple[str, str]] = {
    OK: ("正常", "ok"),
    NO_DATA: ("数据不足", "insufficient data"),
    NO_TARGET: ("无目标", "no target"),
    "incomplete": ("部分指标数据不足", "incomplete"),
    "not scored": ("未评分", "not scored"),
}
"""Status codes of the score table and their (zh, en) display text."""

PAY_PARTS: tuple[tuple[str, str, str], ...] = (
    ("base_pay", "底薪", "Base pay"),
    ("post_pay", "岗位工资", "Post pay"),
    ("performance_pay", "绩效工资", "Performance pay"),
    ("commission", "提成", "Commission"),
    ("ladders", "阶梯奖励", "Ladder bonus"),
    ("awards", "单项奖", "Awards"),
    ("rewards", "奖励", "Rewards"),
    ("penalties", "扣罚", "Penalties"),
    ("team_bonus", "团体奖励", "Team bonus share"),
    ("total_pay", "应发合计", "Total pay"),
)
"""Pay columns in order: (id, zh, en). total_pay = the parts with penalties subtracted."""

SUMMARY: tuple[tuple[str, str, str], ...] = (
    ("total", "总分", "Total score"),
    ("full_score", "满分", "Full score"),
    ("percent", "得分率", "Score %"),
    ("rank", "排名", "Rank"),
    ("grade", "等级", "Grade"),
    ("status", "状态", "Status"),
    ("missing", "数据不足指标", "Indicators lacking data"),
    ("gates", "未过门槛", "Gates failed"),
)
ID_COLUMNS = ("agent_id", "name", "team", "role", "month")
TEAM, F64 = "__team", pl.Float64


def score(
    metrics: pl.DataFrame,
    scheme: Scheme,
    targets: pl.DataFrame | None = None,
    manual: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Score every agent of ``metrics`` by ``scheme`` and compute each pay part.

    Only the agents the scheme ``applies_to`` (by role/team) are scored.
    ``metrics``: one row per agent (and month), as :func:`csana.agent_metrics` returns:
    ``agent_id``, optional ``name``/``team``/``role``/``month``, and the metric
    columns the scheme reads. ``targets``: ``indicator``, ``target`` and optionally
    ``agent_id``, ``team``, ``month`` (a team row is every team member's target, a
    row with neither is the shop's; per-agent beats team beats shop beats the
    scheme's ``target``; a row with a month beats one without). ``manual``: the
    manual_scores table (``agent_id``, ``month``, ``indicator``, ``value``).
    """
    frame = _applicable(_check_metrics(metrics, scheme), scheme)
    months = ["month"] if "month" in frame.columns else []
    lf = frame.lazy().with_columns(
        (pl.col("team").cast(pl.String).fill_null("") if "team" in frame.columns else pl.lit("")).alias(TEAM)
    )
    lf = _join_manual(lf, frame, scheme, manual)
    lf = _join_targets(lf, frame, scheme, targets)
    plan = _Plan(scheme, months)
    for stage in plan.stages():
        lf = lf.with_columns(stage)
    return lf.select(plan.output(frame.columns)).collect()


def score_labels(scheme: Scheme, lang: str = "zh") -> dict[str, str]:
    """Display names of the score table's columns in ``lang`` (for sheets, widgets, reports)."""
    zh = lang == "zh"
    labels = {"agent_id": "客服ID" if zh else "Agent ID", "name": "姓名" if zh else "Name",
              "team": "组别" if zh else "Team", "role": "岗位" if zh else "Role", "month": "月份" if zh else "Month"}
    parts = {
        "value": ("值", "value"), "raw": ("原值", "raw"), "target": ("目标", "target"), "tier": ("档次", "tier"),
        "score": ("得分", "score"), "weighted": ("加权分", "weighted"), "status": ("状态", "status"),
    }
    manual = scheme.manual_catalogue
    for ind in scheme.indicators:
        name = ind.label(lang, manual)
        for key, (pzh, pen) in parts.items():
            labels[f"{ind.id}.{key}"] = f"{name}{pzh}" if zh else f"{name} {pen}"
    for col, lzh, len_ in (*SUMMARY, *PAY_PARTS):
        labels[col] = lzh if zh else len_
    details = (("gate", scheme.gates, "门槛", "gate"), ("ladder", scheme.ladders, "阶梯", "ladder"),
               ("award", scheme.awards, "奖", "award"), ("reward", scheme.rewards, "奖励", "reward"),
               ("penalty", scheme.penalties, "扣罚", "penalty"), ("team_goal", scheme.team_goals, "团体奖", "team goal"))
    for prefix, items, pzh, pen in details:
        for item in items:
            labels[f"{prefix}.{item.id}"] = f"{pzh}:{item.label(lang)}" if zh else f"{pen}: {item.label(lang)}"
    return labels


# -- inputs ----------------------------------------------------------------------------------


def _needed_columns(scheme: Scheme) -> list[str]:
    """Metric columns the scheme reads, in first-use order."""
    cols: list[str] = []
    for ind in scheme.indicators:
        cols += [c for c in (ind.metric, ind.sample_column) if c]
    for item in (*scheme.gates, *scheme.ladders, *scheme.rewards, *scheme.penalties, *scheme.awards):
        kind, name = item.ref
        if kind == "metric":
            cols.append(name)
    if scheme.commission is not None:
        cols.append(scheme.commission.metric)
    for goal in scheme.team_goals:
        cols += list(team_formula(goal.metric) or ())
    return list(dict.fromkeys(cols))


def _check_metrics(metrics: pl.DataFrame, scheme: Scheme) -> pl.DataFrame:
    if not isinstance(metrics, pl.DataFrame):
        raise CsanaError(f"metrics must be a polars DataFrame, got {type(metrics).__name__}",
                         fix="pass the table csana.agent_metrics returns")
    missing = [c for c in ("agent_id", *_needed_columns(scheme)) if c not in metrics.columns]
    if missing:
        raise CsanaError(f"the metric table lacks column(s) {', '.join(missing)} that scheme '{scheme.name}' reads",
                         column=missing[0],
                         fix="compute it with csana.agent_metrics (every catalogue metric, with components), "
                             "or remove those lines from the scheme")
    text = [c for c in _needed_columns(scheme) if not (metrics.schema[c].is_numeric() or metrics.schema[c] == pl.Null)]
    if text:
        raise CsanaError(f"column(s) {', '.join(text)} hold {metrics.schema[text[0]]}, not numbers", column=text[0],
                         fix="convert them to numbers (csana.agent_metrics yields numbers)")
    keys = ["agent_id", *(["month"] if "month" in metrics.columns else [])]
    if metrics.select(pl.struct(keys).is_duplicated().any()).item():
        dupes = metrics.filter(pl.struct(keys).is_duplicated())
        rows = (metrics.with_row_index("row", offset=1).filter(pl.struct(keys).is_duplicated())["row"].to_list())
        raise CsanaError(f"agent(s) {', '.join(map(str, dupes['agent_id'].unique().to_list()[:5]))} appear more than once"
                         f" per {' and '.join(keys[1:]) or 'table'}", column="agent_id", rows=rows,
                         fix="give one row per agent (and month)")
    return metrics


def _applicable(frame: pl.DataFrame, scheme: Scheme) -> pl.DataFrame:
    """The agents ``applies_to`` selects (unknown role or team kept)."""
    keep = [pl.col(column).is_null() | pl.col(column).cast(pl.String).is_in(list(wanted))
            for column, wanted in (("role", scheme.applies_to.roles), ("team", scheme.applies_to.teams))
            if wanted and column in frame.columns]
    return frame.filter(keep) if keep else frame


def _manual_used(scheme: Scheme) -> list[str]:
    used = [ind.manual for ind in scheme.indicators if ind.manual]
    used += [item.ref[1] for item in (*scheme.gates, *scheme.ladders, *scheme.rewards, *scheme.penalties, *scheme.awards)
             if item.ref[0] == "manual"]
    return list(dict.fromkeys(used))


def _manual_col(name: str) -> str:
    return f"__manual.{name}"


def _join_manual(lf: pl.LazyFrame, frame: pl.DataFrame, scheme: Scheme, manual: pl.DataFrame | None) -> pl.LazyFrame:
    """Attach each used manual indicator as a column (null where an agent has no score)."""
    used = _manual_used(scheme)
    if not used:
        return lf
    nulls = [pl.lit(None, dtype=F64).alias(_manual_col(m)) for m in used]
    if manual is None or manual.height == 0:
        return lf.with_columns(nulls)
    _require(manual, ("agent_id", "indicator", "value"), "manual_scores")
    rows = manual.with_row_index("__row", offset=2).filter(pl.col("indicator").is_in(used))
    by_month = "month" in frame.columns and "month" in manual.columns
    if not by_month and "month" in rows.columns and rows["month"].n_unique() > 1:
        raise CsanaError(f"manual_scores hold months {', '.join(sorted(rows['month'].drop_nulls().unique()))} "
                         "but the metric table has no month column", file="manual_scores", column="month",
                         fix="pass only the scored month's manual scores")
    keys = ["agent_id", *(["month"] if by_month else [])]
    dupes = rows.filter(pl.struct([*keys, "indicator"]).is_duplicated())
    if dupes.height:
        raise CsanaError("an agent has more than one score for the same indicator and month", file="manual_scores",
                         column="indicator", rows=dupes["__row"].to_list(), fix="keep one value per agent, month and indicator")
    values = _as_float(rows, "value", "manual_scores")
    wide = (values.select(*keys, "indicator", "value")
            .pivot(on="indicator", index=keys, values="value")
            .rename({m: _manual_col(m) for m in used if m in set(values["indicator"].to_list())}))
    wide = wide.with_columns([n for n, m in zip(nulls, used) if _manual_col(m) not in wide.columns])
    wide = wide.with_columns(pl.col(keys).cast(pl.String), pl.col(_manual_col(m) for m in used).cast(F64))
    return lf.join(wide.lazy(), on=keys, how="left", maintain_order="left")


def _target_col(ind: Indicator) -> str:
    return f"{ind.id}.target"


def _join_targets(lf: pl.LazyFrame, frame: pl.DataFrame, scheme: Scheme, targets: pl.DataFrame | None) -> pl.LazyFrame:
    """Attach ``<id>.target`` for target-basis indicators: agent > team > shop > scheme default."""
    wanted = [ind for ind in scheme.indicators if ind.basis == "target"]
    if not wanted:
        return lf
    defaults = [pl.lit(ind.target, dtype=F64).alias(_target_col(ind)) for ind in wanted]
    if targets is None or targets.height == 0:
        return lf.with_columns(defaults)
    _require(targets, ("indicator", "target"), "targets")
    known = {ind.id for ind in scheme.indicators} | set(CATALOGUE) | set(scheme.manual_catalogue)
    unknown = targets.with_row_index("__row", offset=2).filter(~pl.col("indicator").is_in(sorted(known)))
    if unknown.height:
        raise CsanaError(f"unknown indicator(s) {', '.join(sorted(set(unknown['indicator'].cast(pl.String).to_list()), key=str))}",
                         file="targets", column="indicator", rows=unknown["__row"].to_list(),
                         fix=f"use the scheme's indicator ids: {', '.join(i.id for i in wanted)}")
    t = _as_float(targets.with_row_index("__row", offset=2), "target", "targets")
    for col in ("agent_id", "team", "month"):
        t = t.with_columns((pl.col(col).cast(pl.String) if col in t.columns else pl.lit(None, dtype=pl.String)).alias(col))
    t = t.filter(pl.col("indicator").is_in([i.id for i in wanted]))
    dupes = t.filter(pl.struct("agent_id", "team", "month", "indicator").is_duplicated())
    if dupes.height:
        raise CsanaError("more than one target for the same agent/team, month and indicator", file="targets",
                         rows=dupes["__row"].to_list(), fix="keep one target per row key")
    base = frame.select("agent_id", *(["month"] if "month" in frame.columns else []),
                        (pl.col("team").cast(pl.String) if "team" in frame.columns else pl.lit(None, dtype=pl.String)).alias("team"))
    if "month" not in base.columns:
        base = base.with_columns(pl.lit(None, dtype=pl.String).alias("month"))
        t = t.with_columns(pl.lit(None, dtype=pl.String).alias("month"))
    levels = (
        t.filter(pl.col("agent_id").is_not_null()).join(base.select("agent_id", pl.col("month").alias("m")), on="agent_id")
        .with_columns(pl.lit(0).alias("level")),
        t.filter(pl.col("agent_id").is_null() & pl.col("team").is_not_null()).drop("agent_id")
        .join(base.select("agent_id", "team", pl.col("month").alias("m")), on="team")
        .with_columns(pl.lit(2).alias("level")),
        t.filter(pl.col("agent_id").is_null() & pl.col("team").is_null()).drop("agent_id")
        .join(base.select("agent_id", pl.col("month").alias("m")), how="cross")
        .with_columns(pl.lit(4).alias("level")),
    )
    cols = ["agent_id", "m", "month", "indicator", "target", "level"]
    cand = pl.concat([lv.select(cols) for lv in levels])
    cand = (cand.filter(pl.col("month").is_null() | pl.col("m").is_null() | (pl.col("month") == pl.col("m")))
            .with_columns(pl.col("level") + pl.col("month").is_null().cast(pl.Int32))
            .sort("level").group_by("agent_id", "m", "indicator", maintain_order=True).first())
    keys = ["agent_id", *(["month"] if "month" in frame.columns else [])]
    wide = (cand.rename({"m": "__m"}).select("agent_id", "__m", "indicator", "target")
            .pivot(on="indicator", index=["agent_id", "__m"], values="target"))
    present = set(wide.columns)
    wide = wide.rename({"__m": "month"}) if "month" in keys else wide.drop("__m")
    wide = wide.rename({i.id: f"__t.{i.id}" for i in wanted if i.id in present})
    lf = lf.join(wide.lazy().with_columns(pl.col(keys).cast(pl.String)), on=keys, how="left", maintain_order="left")
    return lf.with_columns(
        (pl.coalesce(pl.col(f"__t.{i.id}").cast(F64), pl.lit(i.target, dtype=F64)) if i.id in present
         else pl.lit(i.target, dtype=F64)).alias(_target_col(i))
        for i in wanted
    )


def read_targets(path: str | Path) -> pl.DataFrame:
    """Read a targets table (CSV in UTF-8/GBK, or XLSX): indicator, target [, agent_id, team, month]."""
    path = Path(path)
    if not path.exists():
        raise CsanaError("targets file not found", file=str(path), fix="check the path")
    text_cols = {"agent_id": pl.String, "team": pl.String, "month": pl.String, "indicator": pl.String}
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xls", ".csv", ".txt"):
        raise CsanaError(f"cannot read '{suffix}' targets", file=str(path), fix="use a .csv or .xlsx file")
    try:
        if suffix in (".xlsx", ".xls"):
            frame = pl.read_excel(path)
            frame = frame.with_columns(pl.col(c).cast(pl.String) for c in text_cols if c in frame.columns)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            frame = pl.read_csv(io.StringIO(text), schema_overrides=text_cols, infer_schema_length=None)
    except Exception as exc:  # noqa: BLE001 — decoding, polars and fastexcel each raise their own types
        detail = " ".join(str(exc).split())[:200]
        raise CsanaError(f"not a readable targets table ({type(exc).__name__}: {detail})", file=str(path),
                         fix="save it from Excel as .xlsx or CSV UTF-8 with columns indicator, target") from None
    _require(frame, ("indicator", "target"), str(path))
    return frame


def _require(frame: pl.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CsanaError(f"missing column(s) {', '.join(missing)}", file=name, column=missing[0],
                         fix=f"{name} needs columns {', '.join(columns)}")


def _as_float(frame: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
    cast = frame.with_columns(pl.col(column).cast(F64, strict=False).alias("__num"))
    bad = cast.filter(pl.col("__num").is_null() & pl.col(column).is_not_null())
    if bad.height:
        rows = bad["__row"].to_list() if "__row" in bad.columns else None
        raise CsanaError("not a number", file=name, column=column, rows=rows, fix="write plain numbers")
    return cast.with_columns(pl.col("__num").alias(column)).drop("__num")


# -- the plan --------------------------------------------------------------------------------


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
    return (pl.col(ind.metric).cast(F64) if ind.metric else pl.col(_manual_col(ind.manual or ""))).fill_nan(None)


def _values(ind: Indicator, months: list[str]) -> list[pl.Expr]:
    """``<id>.value`` on the indicator's basis (and ``<id>.raw`` when it is not absolute)."""
    raw = _raw(ind)
    if ind.basis == "absolute":
        return [raw.alias(f"{ind.id}.value")]
    if ind.basis == "relative":
        mean = _over(raw.mean(), [*months, TEAM] if ind.relative_to == "team" else months)
        return [raw.alias(f"{ind.id}.raw"), _ratio(raw, mean).alias(f"{ind.id}.value")]
    return [raw.alias(f"{ind.id}.raw"), _ratio(raw, pl.col(_target_col(ind))).alias(f"{ind.id}.value")]


def _status(ind: Indicator) -> pl.Expr:
    """``<id>.status``: ok, insufficient data (null value, sample below min_sample) or no target."""
    raw = pl.col(f"{ind.id}.raw" if ind.basis != "absolute" else f"{ind.id}.value")
    chain = pl.when(raw.is_null()).then(pl.lit(NO_DATA))
    if ind.min_sample is not None and ind.sample_column is not None:
        chain = chain.when(pl.col(ind.sample_column).fill_null(0) < ind.min_sample).then(pl.lit(NO_DATA))
    if ind.basis == "target":
        target = pl.col(_target_col(ind))
        chain = chain.when(target.is_null() | (target <= 0)).then(pl.lit(NO_TARGET))
    return chain.when(pl.col(f"{ind.id}.value").is_null()).then(pl.lit(NO_DATA)).otherwise(pl.lit(OK)).alias(f"{ind.id}.status")


def _tiers(ind: Indicator, insufficient: str) -> list[pl.Expr]:
    """``<id>.tier`` and ``<id>.score`` (by the scheme's ``insufficient`` rule) and its top score if counted."""
    ok = pl.col(f"{ind.id}.status") == OK
    value = pl.col(f"{ind.id}.value")
    percent = ind.basis != "absolute" or (ind.metric is not None and CATALOGUE[ind.metric].unit == "ratio")
    labels = [t.label or (_pct_interval(t, ind.closed) if percent else t.interval(ind.closed)) for t in ind.tiers]
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


class _Plan:
    """The scheme turned into stages of polars expressions (each stage reads the previous ones)."""

    def __init__(self, scheme: Scheme, months: list[str]) -> None:
        self.s = scheme
        self.months = months
        self.teams = [*months, TEAM]
        self.lines = [_line_exprs(ind.model_copy(update={"weight": 0.0}), scheme.insufficient, tuple(months))
                      for ind in scheme.indicators]

    # -- value sources ------------------------------------------------------------------

    def source(self, item: Source) -> pl.Expr:
        kind, name = item.ref
        if kind == "metric":
            return pl.col(name).cast(F64).fill_nan(None)
        if kind == "manual":
            return pl.col(_manual_col(name)).fill_nan(None)
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
        if not self.s.gates:
            return [pl.lit(None, dtype=pl.String).alias("gates")]
        hits = [_compare(self.source(g), g) for g in self.s.gates]
        names = pl.concat_str([pl.when(h).then(pl.lit(g.id)) for h, g in zip(hits, self.s.gates)],
                              separator=", ", ignore_nulls=True)
        return [*(h.alias(f"gate.{g.id}") for h, g in zip(hits, self.s.gates)), pl.when(names != "").then(names).alias("gates")]

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
            value = self.source(ladder)
            steps = [pl.when(_compare(value, step)).then(pl.lit(step.amount)).otherwise(pl.lit(0.0)) for step in ladder.steps]
            out.append(self._bonus(pl.max_horizontal(steps)).round(2).alias(f"ladder.{ladder.id}"))
        return out

    def awards(self) -> list[pl.Expr]:
        return [self._bonus(self.award(a)).round(2).alias(f"award.{a.id}") for a in self.s.awards]

    def award(self, award: Award) -> pl.Expr:
        keys = self.teams if award.scope == "team" else self.months
        value = self.source(award)
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
            value = self.source(item)
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
            share = pl.when(team_total > 0).then(goal.fund * pl.col("total") / team_total).otherwise(pl.lit(goal.fund) / _over(pl.len(), keys))
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
        cols += [f"gate.{g.id}" for g in s.gates] + [f"ladder.{x.id}" for x in s.ladders]
        cols += [f"award.{x.id}" for x in s.awards] + [f"reward.{x.id}" for x in s.rewards]
        cols += [f"penalty.{x.id}" for x in s.penalties] + [f"team_goal.{x.id}" for x in s.team_goals]
        return cols


def _pct_interval(tier: Band, closed: str) -> str:
    """Tier bounds as percentages, e.g. '[90%, 100%)'."""
    lo = "(-∞" if tier.min is None else ("[" if closed == "left" else "(") + f"{tier.min * 100:.4g}%"
    hi = "+∞)" if tier.max is None else f"{tier.max * 100:.4g}%" + (")" if closed == "left" else "]")
    return f"{lo}, {hi}"
