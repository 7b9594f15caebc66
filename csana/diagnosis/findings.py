"""Diagnostics (对症下药): weak indicators → influencing factors → training actions.

:func:`diagnose` reads a per-agent metric table (:func:`csana.agent_metrics`) and the
rule table (params/diagnostics.yaml, :mod:`csana.diagnosis.rules`) and returns a
:class:`Diagnosis`: per agent, each check's finding with its evidence; per team, the
actions ranked by how many agents need them (the training plan).

Method — "weak" must be statistically honest: an agent is weak only when the evidence says so.

benchmark
    ``median``: the median agent's value over the agents the rule applies to that
    have enough data (n ≥ min_count), in the same month (and team, with
    ``method.scope: team``; a team with fewer than ``min_agents`` such agents falls
    back to the shop). The agent itself is included, as "team median" usually means.
    ``norm``: an absolute value from the rule (an industry norm, e.g. conv_final 0.40). ``both``: the agent
    must be worse than both, so the more lenient one is the benchmark; ``either``:
    worse than either, so the stricter one. Without a median, both/either use the norm.
threshold
    benchmark × (1 − margin) when higher is better, × (1 + margin) when lower is.
interval (sample size n)
    ``wilson``: rates from their numerator and denominator components
    (:attr:`csana.catalogue.Metric.ratio`), n = the denominator; ``poisson``: volumes,
    Byar's interval on the count, scaled by value/count (for an amount, the count
    behind it: sales_amount per buyer), n = the count or the check's ``n`` (the
    opportunities, e.g. inquiry customers for sales); ``mean``: averages, n = the
    denominator (response_count, buyers, …), and a normal interval mean ± z·sd/√n where the
    metric table holds the mean's spread measure (Σ x² of its events: raw logs do, platform
    exports do not). See :mod:`csana.diagnosis.intervals`.
status
    ``not_enough_data`` when the value or the benchmark is missing or n < min_count;
    ``ok`` when the value is on the good side of the threshold; ``weak`` when the
    whole interval is beyond it (a mean without an interval: the value, n ≥ min_count
    being the guard); otherwise ``not_enough_data`` — the sample cannot tell.
gap
    value − benchmark, in the metric's unit (``gap_pct`` relative to the benchmark).

A rule is weak for an agent when any of its checks is; the plan counts each agent
once per action, however many of its rules call for it.

Rules with ``level: shop`` (traffic) are never judged per agent: they are judged on the
shop's and each team's totals against earlier months or a peer benchmark
(:mod:`csana.diagnosis.shop`), and their operations actions go to ``Diagnosis.shop``, never
to an agent's plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from csana.catalogue import CATALOGUE, Measure, Metric
from csana.diagnosis.intervals import mean_interval, poisson, wilson, z_value
from csana.diagnosis.rules import Check, DiagnosticRules, Rule, load_rules
from csana.diagnosis.shop import SHOP_FINDING_SCHEMA, shop_findings
from csana.errors import CsanaError
from csana.i18n import check_lang
from csana.ingest.dataset import Dataset
from csana.params import MetricParams, resolve_params

STATUSES = ("weak", "ok", "not_enough_data")
STATUS_LABELS = {
    "zh": {"weak": "偏弱", "ok": "正常", "not_enough_data": "数据不足"},
    "en": {"weak": "weak", "ok": "ok", "not_enough_data": "not enough data"},
}
IDENTITY = ("agent_id", "name", "team", "role", "month")
FINDING_SCHEMA: dict[str, pl.DataType] = {
    "agent_id": pl.String, "name": pl.String, "team": pl.String, "role": pl.String, "month": pl.String,
    "rule": pl.String, "rule_label": pl.String, "metric": pl.String, "metric_label": pl.String,
    "unit": pl.String, "direction": pl.String, "test": pl.String, "status": pl.String,
    "value": pl.Float64, "benchmark": pl.Float64, "benchmark_kind": pl.String,
    "team_median": pl.Float64, "median_agents": pl.Int64, "norm": pl.Float64, "threshold": pl.Float64,
    "gap": pl.Float64, "gap_pct": pl.Float64, "n": pl.Int64, "min_count": pl.Int64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "note": pl.String,
    "factors": pl.List(pl.String), "actions": pl.List(pl.String), "action_ids": pl.List(pl.String),
}
PLAN_SCHEMA: dict[str, pl.DataType] = {
    "action": pl.String, "action_label": pl.String, "owner": pl.String, "agents_needing": pl.Int64,
    "agents": pl.List(pl.String), "names": pl.List(pl.String), "rules": pl.List(pl.String),
}


@dataclass(frozen=True)
class Diagnosis:
    """The result of :func:`diagnose`.

    ``findings``: one row per agent × rule × check (columns in FINDING_SCHEMA):
    status weak / ok / not_enough_data with value, benchmark, gap, n, interval,
    a note explaining the status, and the rule's factors and actions in ``lang``.
    ``plan``: the team training plan, one row per needed action with
    ``agents_needing`` (distinct agents with a weak rule calling for it), the agents
    and the rules behind it, most needed first; only agent and team-lead actions.
    ``shop``: the shop and team findings (columns in SHOP_FINDING_SCHEMA), whose actions
    are operations' (empty without the dataset).
    """

    findings: pl.DataFrame
    plan: pl.DataFrame
    rules: DiagnosticRules
    lang: str = "zh"
    shop: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SHOP_FINDING_SCHEMA))

    @property
    def weak(self) -> pl.DataFrame:
        """Only the weak findings."""
        return self.findings.filter(pl.col("status") == "weak")

    @property
    def shop_weak(self) -> pl.DataFrame:
        """Only the weak shop and team findings (for operations)."""
        return self.shop.filter(pl.col("status") == "weak")

    def agent(self, agent_id: str) -> pl.DataFrame:
        """One agent's findings."""
        return self.findings.filter(pl.col("agent_id") == agent_id)

    def weak_agents(self) -> list[str]:
        """Agents with at least one weak rule, in id order."""
        return sorted(self.weak["agent_id"].unique().to_list())


def diagnose(
    metrics: pl.DataFrame,
    dataset: Dataset | None = None,
    rules: DiagnosticRules | str | Path | None = None,
    *,
    lang: str = "zh",
    params: MetricParams | None = None,
) -> Diagnosis:
    """Weak indicators per agent with evidence, factors and actions, and the team plan.

    ``metrics``: a per-agent table as :func:`csana.agent_metrics` returns (the
    measure columns behind the ratios give the sample sizes, the spreads the intervals of
    means). ``dataset`` and ``params``: the data and params the metrics came from (optional;
    the shop and team findings need the dataset).
    ``rules``: a :class:`DiagnosticRules`, a path, or None for params/diagnostics.yaml.
    """
    check_lang(lang)
    rules = rules if isinstance(rules, DiagnosticRules) else load_rules(rules)
    frame = _prepare(metrics)
    z = z_value(rules.method.confidence)
    parts = [
        judge(frame, rule_id, rule, i, check, rules, z, lang)
        for rule_id, rule in rules.level("agent").items()
        for i, check in enumerate(rule.checks)
    ]
    findings = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema={**FINDING_SCHEMA, "_order": pl.Int32})
    findings = findings.sort("agent_id", "month", "_order", nulls_last=True)
    shop = shop_findings(frame, dataset, rules, resolve_params(params, {}) if dataset is not None else params, lang, z)
    return Diagnosis(findings.select(list(FINDING_SCHEMA)), training_plan(findings, rules, lang), rules, lang, shop)


def _prepare(metrics: pl.DataFrame) -> pl.DataFrame:
    """The metric table with every identity column present (null when unknown)."""
    if "agent_id" not in metrics.columns:
        raise CsanaError("the metric table has no agent_id column", column="agent_id",
                         fix="pass the table csana.agent_metrics() returns")
    missing = [pl.lit(None, pl.String).alias(c) for c in IDENTITY if c not in metrics.columns]
    return metrics.with_columns(missing).with_columns(pl.col(*IDENTITY[1:]).cast(pl.String))


def _num(frame: pl.DataFrame, metric_id: str | None) -> pl.Expr:
    """A metric column as Float64, or null when the table lacks it (e.g. an export without it)."""
    if metric_id is None or metric_id not in frame.columns:
        return pl.lit(None, pl.Float64)
    return pl.col(metric_id).cast(pl.Float64)


def sample(frame: pl.DataFrame, check: Check, z: float) -> pl.LazyFrame:
    """Per agent: value, n and the interval's bounds before any benchmark (see module doc)."""
    m = CATALOGUE[check.metric]
    value, n = pl.col("value"), pl.col("n")
    if check.test == "wilson":
        num, den = m.ratio
        low, high = wilson(pl.col("x"), n, z)
        lf = frame.lazy().select(*IDENTITY, value=_num(frame, m.id), x=_num(frame, num), n=_num(frame, den))
        return lf.with_columns(ci_low=low, ci_high=high).drop("x")
    if check.test == "poisson":
        count = check.count or m.id
        lf = frame.lazy().select(*IDENTITY, value=_num(frame, m.id), k=_num(frame, count), n=_num(frame, check.n or count))
        k = pl.col("k")
        per_unit = pl.when(k > 0).then(value / k)
        lf = lf.with_columns(per_unit=pl.coalesce(per_unit, per_unit.median().over("month")).fill_null(1.0))
        low, high = poisson(k, z)
        return lf.with_columns(ci_low=low * pl.col("per_unit"), ci_high=high * pl.col("per_unit")).drop("per_unit", "k")
    lf = frame.lazy().select(*IDENTITY, value=_num(frame, m.id), n=_num(frame, check.n or m.ratio[1]), sd=spread(frame, m))
    low, high = mean_interval(value, pl.col("sd"), n, z)
    return lf.with_columns(ci_low=low, ci_high=high).drop("sd")


def spread(frame: pl.DataFrame, m: Metric | Measure) -> pl.Expr:
    """The standard deviation (n − 1) of the events behind a mean, from its measures: total S, count c
    and sum of squares Q give sd = √((Q − S²/c) / (c − 1)); null without a spread measure or with c < 2."""
    if not isinstance(m, Metric) or m.spread is None or m.ratio is None:
        return pl.lit(None, pl.Float64)
    total, count, squares = _num(frame, m.ratio[0]), _num(frame, m.ratio[1]), _num(frame, m.spread)
    variance = (squares - total**2 / count) / (count - 1)
    return pl.when(count >= 2).then(variance.clip(lower_bound=0).sqrt())


def applies(rule: Rule) -> pl.Expr:
    """Agents the rule applies to: a listed role, or an unknown one."""
    if not rule.roles:
        return pl.lit(True)
    return pl.col("role").is_null() | pl.col("role").is_in(list(rule.roles))


def team_median(check: Check, rules: DiagnosticRules) -> list[pl.Expr]:
    """The median over agents with enough data, per month (and team), with the count behind it."""
    enough = pl.col("value").is_not_null() & (pl.col("n") >= rules.min_count(check))
    value = pl.col("value").filter(enough)
    shop = ["month"]
    med, cnt = value.median().over(shop), value.count().over(shop)
    if rules.method.scope == "team":
        team = ["month", "team"]
        t_med, t_cnt = value.median().over(team), value.count().over(team)
        use_team = pl.col("team").is_not_null() & (t_cnt >= rules.method.min_agents)
        med = pl.when(use_team).then(t_med).otherwise(med)
        cnt = pl.when(use_team).then(t_cnt).otherwise(cnt)
    has = cnt >= rules.method.min_agents
    return [pl.when(has).then(med).alias("team_median"), cnt.cast(pl.Int64).alias("median_agents")]


def benchmark(check: Check, higher: bool) -> list[pl.Expr]:
    """The benchmark chosen by ``against`` and which of median / norm it is."""
    med = pl.col("team_median")
    norm = pl.lit(check.norm, pl.Float64)
    if check.against == "median":
        return [med.alias("benchmark"), pl.when(med.is_not_null()).then(pl.lit("median")).alias("benchmark_kind")]
    if check.against == "norm":
        return [norm.alias("benchmark"), pl.lit("norm").alias("benchmark_kind")]
    lenient = check.against == "both"
    take_median = (med < norm) if lenient == higher else (med > norm)
    take_median = med.is_not_null() & take_median
    return [
        pl.when(take_median).then(med).otherwise(norm).alias("benchmark"),
        pl.when(take_median).then(pl.lit("median")).otherwise(pl.lit("norm")).alias("benchmark_kind"),
    ]


def status(check: Check, higher: bool, min_count: int) -> pl.Expr:
    """weak / ok / not_enough_data, as documented in the module docstring."""
    value, threshold = pl.col("value"), pl.col("threshold")
    if higher:
        bad, sure = value < threshold, pl.col("ci_high") < threshold
    else:
        bad, sure = value > threshold, pl.col("ci_low") > threshold
    sure = pl.coalesce(sure, pl.lit(check.test == "mean"))
    missing = value.is_null() | pl.col("n").is_null() | (pl.col("n") < min_count) | threshold.is_null()
    return (
        pl.when(missing).then(pl.lit("not_enough_data"))
        .when(~bad).then(pl.lit("ok"))
        .when(sure).then(pl.lit("weak"))
        .otherwise(pl.lit("not_enough_data"))
    )


def note(min_count: int, lang: str) -> pl.Expr:
    """Why a finding has its status, in words (the numbers are in their own columns)."""
    zh = lang == "zh"
    n_text = pl.col("n").cast(pl.Int64).cast(pl.String)
    return (
        pl.when(pl.col("value").is_null() | pl.col("n").is_null())
        .then(pl.lit("无数据" if zh else "no data"))
        .when(pl.col("n") < min_count)
        .then(pl.format("样本不足 (n={} < {})" if zh else "sample too small (n={} < {})", n_text, pl.lit(min_count)))
        .when(pl.col("threshold").is_null())
        .then(pl.lit("可比客服不足, 无法取中位数" if zh else "too few comparable agents for a median"))
        .when(pl.col("status") == "not_enough_data")
        .then(pl.lit("样本无法判断: 区间跨过阈值" if zh else "cannot tell: the interval straddles the threshold"))
        .when(pl.col("status") == "weak")
        .then(pl.lit("差于阈值" if zh else "beyond the threshold"))
        .otherwise(pl.lit("达到阈值" if zh else "meets the threshold"))
    )


def judge(
    frame: pl.DataFrame, rule_id: str, rule: Rule, index: int, check: Check, rules: DiagnosticRules,
    z: float, lang: str,
) -> pl.DataFrame:
    """Findings of one check for every agent the rule applies to."""
    m = CATALOGUE[check.metric]
    higher = m.direction == "higher"
    min_count = rules.min_count(check)
    factor = pl.lit(check.margin)
    threshold = pl.col("benchmark") * ((1 - factor) if higher else (1 + factor))
    labels = {
        "rule": rule_id, "rule_label": rule.label(lang), "metric": m.id, "metric_label": m.label(lang),
        "unit": m.unit, "direction": m.direction, "test": check.test,
    }
    lists = {
        "factors": [rules.factors[f].label(lang) for f in rule.factors],
        "actions": [rules.actions[a].label(lang) for a in rule.actions],
        "action_ids": list(rule.actions),
    }
    order = list(rules.rules).index(rule_id) * 100 + index
    return (
        sample(frame.filter(applies(rule)), check, z)
        .with_columns(team_median(check, rules))
        .with_columns(benchmark(check, higher))
        .with_columns(threshold=threshold, norm=pl.lit(check.norm, pl.Float64), min_count=pl.lit(min_count, pl.Int64))
        .with_columns(status=status(check, higher, min_count))
        .with_columns(
            note=note(min_count, lang),
            gap=pl.col("value") - pl.col("benchmark"),
            gap_pct=pl.when(pl.col("benchmark") != 0).then((pl.col("value") - pl.col("benchmark")) / pl.col("benchmark")),
            n=pl.col("n").round().cast(pl.Int64),
            **{k: pl.lit(v) for k, v in labels.items()},
            **{k: pl.lit(v, pl.List(pl.String)) for k, v in lists.items()},
            _order=pl.lit(order),
        )
        .select([*FINDING_SCHEMA, "_order"])
        .collect()
        .cast(FINDING_SCHEMA)  # type: ignore[arg-type]
    )


def training_plan(findings: pl.DataFrame, rules: DiagnosticRules, lang: str) -> pl.DataFrame:
    """Actions ranked by the number of distinct agents with a weak rule calling for them."""
    catalogue = pl.DataFrame(
        {
            "action": list(rules.actions),
            "action_label": [a.label(lang) for a in rules.actions.values()],
            "owner": [a.owner for a in rules.actions.values()],
            "_rank": list(range(len(rules.actions))),
        },
        schema_overrides={"_rank": pl.Int64},
    )
    weak = findings.filter(pl.col("status") == "weak").explode("action_ids").rename({"action_ids": "action"})
    per_agent = (
        weak.select("action", "agent_id", display=pl.coalesce("name", "agent_id"))
        .unique(["action", "agent_id"])
        .sort("action", "agent_id")
        .group_by("action", maintain_order=True)
        .agg(agents_needing=pl.len().cast(pl.Int64), agents=pl.col("agent_id"), names=pl.col("display"))
    )
    behind = weak.sort("_order").group_by("action").agg(rules=pl.col("rule_label").unique(maintain_order=True))
    plan = per_agent.join(behind, on="action")
    return (
        catalogue.join(plan, on="action", how="inner")
        .sort(["agents_needing", "_rank"], descending=[True, False])
        .select(list(PLAN_SCHEMA))
        .cast(PLAN_SCHEMA)  # type: ignore[arg-type]
    )


# -- terminal output ---------------------------------------------------------------------------------

HEADERS = {
    "zh": ("诊断项", "指标", "状态", "数值", "基准", "阈值", "差距", "样本n", "区间", "说明", "影响因素", "建议措施",
           "团队培训计划", "措施", "负责", "人数", "客服", "店铺与团队层面（交给运营）", "范围", "变化", "无偏弱指标"),
    "en": ("rule", "metric", "status", "value", "benchmark", "threshold", "gap", "n", "interval", "note", "factors", "actions",
           "team training plan", "action", "owner", "agents", "who", "shop and team findings (for operations)", "scope",
           "change", "no weak indicator"),
}


def print_diagnosis(diagnosis: Diagnosis, *, show_ok: bool = False, width: int = 160) -> None:
    """Each agent's findings (weak and undecided; all with ``show_ok``) and the team plan, as rich tables."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from csana.present.formatting import DASH, difference_text, format_value

    lang = diagnosis.lang
    h = dict(zip(("rule", "metric", "status", "value", "bench", "thr", "gap", "n", "ci", "note", "factors", "actions",
                  "plan", "action", "owner", "count", "who", "shop", "scope", "change", "none"), HEADERS[lang]))
    console = Console(width=width, markup=False, emoji=False)  # names and labels are data, not markup
    shown = diagnosis.findings if show_ok else diagnosis.findings.filter(
        (pl.col("status") == "weak") | ((pl.col("status") == "not_enough_data") & pl.col("value").is_not_null())
    )
    for (agent_id,), part in diagnosis.findings.group_by("agent_id", maintain_order=True):
        rows = shown.filter(pl.col("agent_id") == agent_id)
        first = part.row(0, named=True)
        title = " ".join(str(v) for v in (agent_id, first["name"], first["team"], first["month"]) if v)
        weak = rows.filter(pl.col("status") == "weak")
        if rows.height == 0:
            console.print(Text.assemble((title, "bold"), f": {h['none']}"))
            continue
        grid = Table(title=title, title_justify="left", show_lines=False)
        for key in ("rule", "metric", "status", "value", "bench", "thr", "gap", "n", "ci", "note"):
            grid.add_column(h[key], justify="right" if key in ("value", "bench", "thr", "gap", "n") else "left")
        for r in rows.iter_rows(named=True):
            fmt = lambda v, r=r: format_value(v, r["unit"], lang)  # noqa: E731
            ci = f"{fmt(r['ci_low'])} – {fmt(r['ci_high'])}" if r["ci_low"] is not None else DASH
            style = "red" if r["status"] == "weak" else ("yellow" if r["status"] == "not_enough_data" else None)
            grid.add_row(r["rule_label"], r["metric_label"], STATUS_LABELS[lang][r["status"]], fmt(r["value"]),
                         fmt(r["benchmark"]), fmt(r["threshold"]), difference_text(r["gap"], r["unit"], lang), DASH if r["n"] is None else f"{r['n']:,}", ci, r["note"],
                         style=style)
        console.print(grid)
        for rule in weak.unique("rule", maintain_order=True).iter_rows(named=True):
            console.print(f"  {rule['rule_label']} — {h['factors']}: {'、'.join(rule['factors']) or DASH}; "
                          f"{h['actions']}: {'、'.join(rule['actions'])}")
    plan = Table(title=h["plan"], title_justify="left")
    for key in ("action", "owner", "count", "who"):
        plan.add_column(h[key], justify="right" if key == "count" else "left")
    for r in diagnosis.plan.iter_rows(named=True):
        plan.add_row(r["action_label"], diagnosis.rules.actions[r["action"]].owner_label(lang),
                     str(r["agents_needing"]), ", ".join(r["names"]))
    console.print(plan)
    shop = diagnosis.shop.filter(pl.col("baseline").is_not_null() | (pl.col("status") == "weak"))
    if shop.height:
        grid = Table(title=h["shop"], title_justify="left")
        for key in ("scope", "metric", "value", "bench", "change", "status", "note", "actions"):
            grid.add_column(h[key], justify="right" if key in ("value", "bench", "change") else "left")
        for r in shop.iter_rows(named=True):
            change = DASH if r["ratio"] is None else f"{r['ratio'] - 1:+.0%}"
            grid.add_row(r["scope_label"], r["metric_label"], format_value(r["value"], r["unit"], lang),
                         f"{format_value(round(r['baseline']), r['unit'], lang)} ({r['baseline_label']})", change,
                         STATUS_LABELS[lang][r["status"]], r["note"],
                         "、".join(r["actions"]) if r["status"] == "weak" else "", style="red" if r["status"] == "weak" else None)
        console.print(grid)
