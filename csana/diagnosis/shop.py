"""Shop and team findings (店铺/团队层面): what no single agent causes or can fix, for operations.

Few consultations means no traffic — the source material leaves it "留给运营去烦恼" — so a
rule with ``level: shop`` (params/diagnostics.yaml) is judged on the totals of the shop
(scope ``*``) and of each team holding agents the rule applies to, never on an agent. An
agent's own volume is judged per online hour instead (rule low_volume_per_hour), so fewer
shifts or a smaller routing weight do not read as a weakness.

Each check compares the scope's count k₁ this month with a baseline:

history
    the previous months with data (up to ``shop.history_months``), per day covered: the
    rate ratio RR = (k₁ / d₁) / (k₀ / d₀), with k₀ the count of those months and d the days
    the data covers. Given k₁ + k₀, k₁ is binomial with π = RR·d₁ / (RR·d₁ + d₀), so the
    Wilson bounds of π̂ = k₁ / (k₁ + k₀) give RR's bounds π / (1 − π) · d₀ / d₁. The
    baseline shown is k₀ / d₀ · d₁: this month's count at the earlier daily rate.
benchmark
    a platform export's peer-benchmark row (the first of ``shop.benchmark_labels`` found,
    e.g. 同行同层平均), which is per agent: RR = k₁ / (agents · b) with the scope's agents
    that had any consultation; Byar's interval of k₁ over the same, the benchmark taken as
    known. The baseline shown is agents · b.
status
    ``weak`` when the whole interval of RR lies below 1 − margin; ``ok`` when RR is at
    least 1 − margin; ``not_enough_data`` otherwise, or without a baseline (no earlier month,
    no benchmark row), or with k₁ below the check's min_count.

Works on any input: both baselines are read through the facts layer (group totals per
month, benchmark rows), which tells raw logs from platform exports apart.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csana.catalogue import CATALOGUE
from csana.diagnosis.intervals import poisson, wilson
from csana.diagnosis.rules import Check, DiagnosticRules, Rule
from csana.errors import CsanaError
from csana.facts import SHOP, facts_of
from csana.ingest.dataset import Dataset
from csana.metrics.shop import benchmark_metrics, group_metrics
from csana.params import MetricParams
from csana.periods import month_window

SHOP_FINDING_SCHEMA: dict[str, pl.DataType] = {
    "scope": pl.String, "scope_label": pl.String, "month": pl.String, "rule": pl.String, "rule_label": pl.String,
    "metric": pl.String, "metric_label": pl.String, "unit": pl.String, "baseline_kind": pl.String,
    "baseline_label": pl.String, "value": pl.Float64, "baseline": pl.Float64, "ratio": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "threshold": pl.Float64, "n": pl.Int64, "status": pl.String,
    "note": pl.String, "factors": pl.List(pl.String), "actions": pl.List(pl.String), "action_ids": pl.List(pl.String),
    "owners": pl.List(pl.String),
}
"""One row per scope × shop rule × check: value, baseline, their ratio with its interval (of the ratio),
the ratio's threshold 1 − margin, status, note, and the rule's factors, actions and their owners."""

SCOPE_SHOP = {"zh": "全店", "en": "whole shop"}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SHOP_FINDING_SCHEMA)


def shop_findings(metrics: pl.DataFrame, dataset: Dataset | None, rules: DiagnosticRules, params: MetricParams,
                  lang: str, z: float) -> pl.DataFrame:
    """Findings of the shop rules for the month(s) of ``metrics`` (empty without a dataset or shop rules)."""
    shop_rules = rules.level("shop")
    if dataset is None or not shop_rules or metrics.height == 0 or "month" not in metrics.columns:
        return empty()
    parts = []
    for month in sorted(metrics["month"].drop_nulls().unique().to_list()):
        agents = metrics.filter(pl.col("month") == month)
        scopes = Scopes(dataset, params, month, rules)
        for rule_id, rule in shop_rules.items():
            for check in rule.checks:
                parts.append(judge(scopes, agents, rule_id, rule, check, rules, lang, z))
    return pl.concat(parts, how="vertical") if parts else empty()


class Scopes:
    """The shop's and teams' totals of one month and of the months before it, with the days each covers."""

    def __init__(self, dataset: Dataset, params: MetricParams, month: str, rules: DiagnosticRules) -> None:
        self.dataset, self.params, self.month = dataset, params, month
        facts = facts_of(dataset, params)
        self.span = facts.span()
        earlier = [m for m in facts.months() if m < month]
        self.history = earlier[-rules.shop.history_months:]
        self.labels = rules.shop.benchmark_labels
        self._totals = {m: self._month_totals(m) for m in [month, *self.history]}

    def _month_totals(self, month: str) -> pl.DataFrame:
        """Totals of the month per scope ('*' and each team) with the days the data covers in it."""
        shop = group_metrics(self.dataset, month, self.params, "shop").rename({"shop": "scope"})
        teams = group_metrics(self.dataset, month, self.params, "team").rename({"team": "scope"})
        return pl.concat([shop, teams], how="vertical_relaxed").with_columns(days=pl.lit(self.days(month), pl.Int64))

    def days(self, month: str) -> int:
        """Days of ``month`` the data covers (the first month of data may start late, the last end early)."""
        window = month_window(month)
        first, last = max(window.start, self.span[0]), min(window.end - dt.timedelta(days=1), self.span[1])
        return max((last - first).days + 1, 0)

    def now(self, metric: str) -> pl.DataFrame:
        """scope, k1, d1 of this month."""
        return self._totals[self.month].select("scope", k1=pl.col(metric).cast(pl.Float64), d1="days")

    def before(self, metric: str) -> pl.DataFrame:
        """scope, k0, d0 over the history months (a scope absent from a month adds nothing)."""
        if not self.history:
            return pl.DataFrame(schema={"scope": pl.String, "k0": pl.Float64, "d0": pl.Int64, "months": pl.Int64})
        rows = pl.concat([self._totals[m].select("scope", pl.col(metric).cast(pl.Float64), "days") for m in self.history])
        return rows.group_by("scope").agg(k0=pl.col(metric).sum(), d0=pl.col("days").sum(), months=pl.len().cast(pl.Int64))

    def benchmark(self, metric: str) -> tuple[str | None, float | None]:
        """The first configured peer-benchmark label present, and its per-agent value (None, None without)."""
        if not self.dataset.has("benchmarks"):
            return None, None
        try:
            rows = benchmark_metrics(self.dataset, self.month, self.params)
        except CsanaError:
            return None, None
        for label in self.labels:
            found = rows.filter(pl.col("label") == label)
            if found.height and found[metric][0] is not None:
                return label, float(found[metric][0])
        return None, None


def _scopes(agents: pl.DataFrame, rule: Rule) -> pl.DataFrame:
    """The shop and the teams holding agents the rule applies to (all agents when roles are not given)."""
    applies = agents if not rule.roles else agents.filter(pl.col("role").is_null() | pl.col("role").is_in(list(rule.roles)))
    teams = applies.filter(pl.col("team").is_not_null()).group_by("team").agg(
        agents=(pl.col("consult_customers").fill_null(0) > 0).sum().cast(pl.Int64)
    ).rename({"team": "scope"})
    whole = pl.DataFrame({"scope": [SHOP], "agents": [int(applies.select((pl.col("consult_customers").fill_null(0) > 0).sum()).item())]},
                         schema={"scope": pl.String, "agents": pl.Int64})
    if applies.height == 0:
        return whole.clear()
    return pl.concat([whole, teams.sort("scope")], how="vertical")


def judge(scopes: Scopes, agents: pl.DataFrame, rule_id: str, rule: Rule, check: Check, rules: DiagnosticRules,
          lang: str, z: float) -> pl.DataFrame:
    """One check of a shop rule for the shop and each team."""
    m = CATALOGUE[check.metric]
    zh = lang == "zh"
    frame = _scopes(agents, rule).join(scopes.now(m.id), on="scope", how="left")
    k1 = pl.col("k1")
    if check.against == "history":
        frame = frame.join(scopes.before(m.id), on="scope", how="left")
        k0, d0, d1 = pl.col("k0"), pl.col("d0").cast(pl.Float64), pl.col("d1").cast(pl.Float64)
        low_p, high_p = wilson(k1, k1 + k0, z)
        to_ratio = d0 / d1
        frame = frame.with_columns(
            baseline=pl.when((k0 > 0) & (d0 > 0)).then(k0 / d0 * d1),
            ci_low=low_p / (1 - low_p) * to_ratio,
            ci_high=pl.when(high_p < 1).then(high_p / (1 - high_p) * to_ratio),
            baseline_label=pl.format("前{}个月日均 × {}天" if zh else "daily rate of the {} earlier month(s) × {} days",
                                     pl.col("months"), pl.col("d1")),
        )
    else:
        label, value = scopes.benchmark(m.id)
        per_agent = pl.lit(value, pl.Float64)
        low_k, high_k = poisson(k1, z)
        expected = per_agent * pl.col("agents")
        frame = frame.with_columns(
            baseline=pl.when(expected > 0).then(expected),
            ci_low=low_k / expected, ci_high=high_k / expected,
            baseline_label=pl.format("{} × {}人" if zh else "{} × {} agents", pl.lit(label if zh else benchmark_en(label)),
                                     pl.col("agents")),
        )
    threshold = 1 - check.margin
    min_count = rules.min_count(check)
    ratio = pl.when(pl.col("baseline") > 0).then(k1 / pl.col("baseline"))
    missing = pl.col("baseline").is_null() | k1.is_null() | (k1 < min_count)
    status = (pl.when(missing).then(pl.lit("not_enough_data"))
              .when(pl.col("ratio") >= threshold).then(pl.lit("ok"))
              .when(pl.col("ci_high") < threshold).then(pl.lit("weak"))
              .otherwise(pl.lit("not_enough_data")))
    lists = {
        "factors": [rules.factors[f].label(lang) for f in rule.factors],
        "actions": [rules.actions[a].label(lang) for a in rule.actions],
        "action_ids": list(rule.actions),
        "owners": [rules.actions[a].owner for a in rule.actions],
    }
    labels = {"scope_label": None, "month": scopes.month, "rule": rule_id, "rule_label": rule.label(lang),
              "metric": m.id, "metric_label": m.label(lang), "unit": m.unit, "baseline_kind": check.against}
    return (
        frame.with_columns(ratio=ratio, threshold=pl.lit(threshold), n=k1.round().cast(pl.Int64), value=k1)
        .with_columns(status=status)
        .with_columns(note=_note(check.against, min_count, lang),
                      scope_label=pl.when(pl.col("scope") == SHOP).then(pl.lit(SCOPE_SHOP[lang])).otherwise("scope"),
                      **{k: pl.lit(v) for k, v in labels.items() if v is not None},
                      **{k: pl.lit(v, pl.List(pl.String)) for k, v in lists.items()})
        .select(list(SHOP_FINDING_SCHEMA))
        .cast(SHOP_FINDING_SCHEMA)  # type: ignore[arg-type]
    )


BENCHMARK_EN = {
    "同行同层平均": "peer average (same tier)", "同行同层均值": "peer average (same tier)",
    "同行同层优秀": "top peers (same tier)", "同行平均": "peer average", "同行均值": "peer average",
    "同行优秀": "top peers", "行业均值": "industry average", "行业优秀": "industry top",
}
"""English names of the peer-benchmark rows platform exports give (a label not listed is shown as the export has it)."""


def benchmark_en(label: str | None) -> str | None:
    """A peer-benchmark row's label in English: '同行同层平均' → 'peer average (same tier)'."""
    return None if label is None else BENCHMARK_EN.get(label, label)

def _note(against: str, min_count: int, lang: str) -> pl.Expr:
    """Why a shop finding has its status, in words."""
    zh = lang == "zh"
    none = {"history": ("没有更早月份的数据可比", "no earlier month to compare with"),
            "benchmark": ("数据中没有同行基准", "the data holds no peer benchmark")}[against]
    change = (pl.col("ratio") - 1) * 100
    return (
        pl.when(pl.col("baseline").is_null()).then(pl.lit(none[0] if zh else none[1]))
        .when(pl.col("value").is_null() | (pl.col("value") < min_count))
        .then(pl.lit(f"样本不足 (< {min_count})" if zh else f"sample too small (< {min_count})"))
        .when(pl.col("status") == "weak")
        .then(pl.format("比基准低 {}%, 区间整体低于阈值" if zh else "{}% below the baseline, the whole interval beyond the threshold",
                        (-change).round(0).cast(pl.Int64)))
        .when(pl.col("status") == "ok").then(pl.lit("达到基准" if zh else "meets the baseline"))
        .otherwise(pl.lit("样本无法判断: 区间跨过阈值" if zh else "cannot tell: the interval straddles the threshold"))
    )
