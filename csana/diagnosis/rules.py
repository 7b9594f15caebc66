"""The diagnostic rule table (params/diagnostics.yaml) as typed, validated objects.

A *rule* maps a weak indicator (one or more *checks*, each on one metric of
:mod:`csana.catalogue`) to its influencing *factors* and training *actions* (对症下药).
Factors and actions are declared once, by id, with 中文 and English text, so the
team plan can count how many agents need the same action across rules.

Loading is two-stage, as in dbt: the shape (unknown keys, wrong types) through
pydantic, then the meaning (unknown metric / factor / action ids, a test that does
not fit its metric, a norm missing for ``against: norm``); each stage reports every
problem at once, naming the file, the key and the fix. The statistical method
itself is documented in params/diagnostics.yaml and :mod:`csana.diagnosis.findings`.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from csana.catalogue import CATALOGUE, PUBLIC_IDS
from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.errors import CsanaError

Test = Literal["wilson", "poisson", "mean"]
Against = Literal["median", "norm", "both", "either", "history", "benchmark"]
AGENT_BASELINES = ("median", "norm", "both", "either")
"""What an agent's value is compared with (see params/diagnostics.yaml)."""
SHOP_BASELINES = ("history", "benchmark")
"""What a shop's or team's total is compared with: its earlier months, or a platform export's peer benchmark."""
Owner = Literal["agent", "lead", "operations"]
OWNER_LABELS: dict[str, tuple[str, str]] = {
    "agent": ("客服本人", "agent"), "lead": ("客服主管", "team lead"), "operations": ("运营", "operations"),
}
"""Who carries out an action, in (中文, English)."""
COUNT_UNITS = ("people", "orders", "units", "messages")
"""Units of metrics that count events, so a Poisson model or a Wilson denominator fits them."""
DEFAULT_FILE = PARAMS_DIR / "diagnostics.yaml"


class Text(Frozen):
    """A bilingual label."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


class Factor(Text):
    """An influencing factor (影响因素) of a weak indicator."""


class Action(Text):
    """A training or improvement action (改进措施) and who carries it out.

    ``agent``: the agent (training, practice); ``lead``: the team lead, about one agent's
    set-up (routing weight, shifts, tools); ``operations``: the shop's operations team
    (traffic, campaigns) — never given to one agent, only to a shop rule (``level: shop``).
    """

    owner: Owner = "agent"

    def owner_label(self, lang: str = "zh") -> str:
        zh, en = OWNER_LABELS[self.owner]
        return zh if lang == "zh" else en


class Check(Frozen):
    """One metric of a rule and how its weakness is judged (see params/diagnostics.yaml)."""

    metric: str
    test: Test
    against: Against = "median"
    norm: float | None = None
    margin: float = Field(0.0, ge=0, lt=1, description="fraction of the benchmark the value must fall beyond")
    min_count: int | None = Field(None, ge=0, description="minimum sample size n; default method.min_count")
    count: str | None = Field(None, description="poisson: the count metric behind an amount (e.g. buyers)")
    n: str | None = Field(None, description="the sample-size metric min_count applies to (mean: default the ratio's "
                                            "denominator; poisson: default the count)")


class Rule(Text):
    """A weak indicator (诊断项) with its factors and actions.

    ``level: agent`` (default) judges each agent against its peers; ``level: shop`` judges
    the shop's and each team's totals against their earlier months or a peer benchmark
    (:mod:`csana.diagnosis.shop`): what no single agent causes or can fix, such as traffic.
    """

    level: Literal["agent", "shop"] = "agent"
    roles: tuple[str, ...] = Field((), description="roles the rule applies to (agents of unknown role always; "
                                                  "a shop rule: the teams holding such agents)")
    checks: tuple[Check, ...] = ()
    factors: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()


class Method(Frozen):
    """Shared statistical settings."""

    confidence: float = Field(0.95, gt=0.5, lt=1)
    min_count: int = Field(30, ge=0)
    min_agents: int = Field(3, ge=1)
    scope: Literal["shop", "team"] = "shop"


class Review(Frozen):
    """What the chat-review sample (抽查聊天记录) picks and shows."""

    per_agent: int = Field(3, ge=0)
    best: int = Field(3, ge=0)
    max_messages: int = Field(12, ge=1)
    excerpts: bool = True
    salt: str | None = None


class ShopMethod(Frozen):
    """Settings of the shop and team findings (rules with ``level: shop``)."""

    history_months: int = Field(3, ge=1, le=24, description="earlier months (with data) the month is compared with")
    benchmark_labels: tuple[str, ...] = Field(
        ("同行同层平均", "同行平均", "行业均值"),
        description="peer-benchmark rows of a platform export to compare with, the first found",
    )


class Drilldown(Frozen):
    """Settings of the conversion drill-down."""

    response_buckets: tuple[float, ...] = (20, 30, 60, 120)
    unpaid_after_min: float = Field(30, ge=0, description="the landmark of the reminder comparison: orders still "
                                                          "unpaid this many minutes after creation, reminded by then or not")
    reminder_horizon_h: float = Field(72, gt=0, description="the reminder comparison's outcome: paid within this many "
                                                            "hours of creation")

    @field_validator("response_buckets")
    @classmethod
    def _increasing(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not value or any(b <= 0 for b in value) or any(b >= a for a, b in zip(value[1:], value, strict=False)):
            raise ValueError("response_buckets must be positive and strictly increasing, e.g. [20, 30, 60, 120]")
        return value


class DiagnosticRules(Frozen):
    """The whole rule file."""

    method: Method = Field(default_factory=Method)
    factors: dict[str, Factor] = Field(default_factory=dict)
    actions: dict[str, Action] = Field(default_factory=dict)
    rules: dict[str, Rule] = Field(default_factory=dict)
    review: Review = Field(default_factory=Review)
    drilldown: Drilldown = Field(default_factory=Drilldown)
    shop: ShopMethod = Field(default_factory=ShopMethod)

    def level(self, level: str) -> dict[str, Rule]:
        """The rules of one level (agent or shop), in file order."""
        return {rule_id: rule for rule_id, rule in self.rules.items() if rule.level == level}

    def roles_of(self, metric_id: str) -> tuple[str, ...]:
        """The roles an agent-level metric is judged for (the union over the rules checking it); () = every role,
        also when no rule checks it or one rule names no roles."""
        rules = [r for r in self.level("agent").values() if any(c.metric == metric_id for c in r.checks)]
        if not rules or any(not r.roles for r in rules):
            return ()
        return tuple(dict.fromkeys(role for r in rules for role in r.roles))

    def sample_of(self, metric_id: str) -> tuple[str | None, int]:
        """The column counting an agent's sample for a metric and the least sample that judges it: from the first
        agent-level check on it (its n, else the rate's denominator, else the count), else (None, 0)."""
        for rule in self.level("agent").values():
            for check in rule.checks:
                if check.metric == metric_id:
                    m = CATALOGUE[metric_id]
                    ratio = getattr(m, "ratio", None)
                    base = (check.count or metric_id) if check.test == "poisson" else (ratio[1] if ratio else None)
                    return check.n or base, self.min_count(check)
        return None, 0

    def min_count(self, check: Check) -> int:
        return self.method.min_count if check.min_count is None else check.min_count


def load_rules(path: str | Path | None = None) -> DiagnosticRules:
    """Read and validate a rule file (default: params/diagnostics.yaml)."""
    source = Path(path) if path is not None else DEFAULT_FILE
    rules = validate(DiagnosticRules, read_config(source), source)
    problems = meaning_problems(rules)
    if problems:
        raise CsanaError(f"{len(problems)} problem(s): " + "; ".join(problems), file=str(source))
    return rules


def meaning_problems(rules: DiagnosticRules) -> list[str]:
    """Every cross-reference and fit problem of a shape-valid rule file, one line each."""
    problems: list[str] = [] if rules.rules else ["'rules': no rules (add at least one under rules:)"]
    for rule_id, rule in rules.rules.items():
        key = f"rules.{rule_id}"
        problems += [f"'{key}.{part}': empty (a rule needs at least one)" for part in ("checks", "actions")
                     if not getattr(rule, part)]
        problems += _unknown_ids(f"{key}.factors", rule.factors, rules.factors, "factors")
        problems += _unknown_ids(f"{key}.actions", rule.actions, rules.actions, "actions")
        problems += owner_problems(key, rule, rules)
        for i, check in enumerate(rule.checks):
            problems += check_problems(f"{key}.checks[{i}]", check)
            problems += level_problems(f"{key}.checks[{i}]", rule, check)
    return problems


def owner_problems(key: str, rule: Rule, rules: DiagnosticRules) -> list[str]:
    """The owner rule: operations' actions belong to shop rules, and a shop rule gives no agent anything to do."""
    owners = {a: rules.actions[a].owner for a in rule.actions if a in rules.actions}
    if rule.level == "agent":
        return [f"'{key}.actions': '{a}' is owned by operations, and an agent-level rule gives its actions to one "
                f"agent (move the check to a rule with level: shop, or pick an agent or lead action)"
                for a, owner in owners.items() if owner == "operations"]
    return [f"'{key}.actions': '{a}' is owned by the agent, and a shop rule names no agent (use an operations "
            f"or lead action)" for a, owner in owners.items() if owner == "agent"]


def level_problems(key: str, rule: Rule, check: Check) -> list[str]:
    """A check's baseline and test must fit its rule's level."""
    if rule.level == "agent":
        if check.against in SHOP_BASELINES:
            return [f"'{key}.against': {check.against} compares a shop's or team's total; an agent-level rule "
                    f"takes one of {', '.join(AGENT_BASELINES)} (or set level: shop)"]
        return []
    problems = []
    if check.against not in SHOP_BASELINES:
        problems.append(f"'{key}.against': a shop rule compares with history or benchmark (got {check.against})")
    if check.test != "poisson":
        problems.append(f"'{key}.test': a shop rule compares counts (test: poisson; got {check.test})")
    return problems


def _unknown_ids(key: str, used: tuple[str, ...], declared: dict, section: str) -> list[str]:
    return [
        f"'{key}': unknown id '{name}' (declared under {section}: {', '.join(declared) or 'none'})"
        for name in used if name not in declared
    ]


def _unknown_metric(key: str, metric_id: str) -> str | None:
    if metric_id in CATALOGUE:
        return None
    close = difflib.get_close_matches(metric_id, list(CATALOGUE), n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    return f"'{key}': unknown metric '{metric_id}' ({hint}allowed: {', '.join(PUBLIC_IDS)})"


def check_problems(key: str, check: Check) -> list[str]:
    """Problems of one check: unknown ids, a test that does not fit the metric, a missing norm."""
    unknown = [p for p in (_unknown_metric(f"{key}.metric", check.metric),
                           check.count and _unknown_metric(f"{key}.count", check.count),
                           check.n and _unknown_metric(f"{key}.n", check.n)) if p]
    if unknown:
        return unknown
    problems = []
    m = CATALOGUE[check.metric]
    if m.direction == "neutral":
        problems.append(f"'{key}.metric': '{m.id}' has no better direction, so it cannot be weak (pick a metric whose direction is higher or lower)")
    if check.against in ("median", *SHOP_BASELINES) and check.norm is not None:
        problems.append(f"'{key}.norm': ignored with against: {check.against} (use against: both or either, "
                        f"or remove norm)")
    if check.against in ("norm", "both", "either") and check.norm is None:
        problems.append(f"'{key}.norm': against: {check.against} needs a norm value")
    if check.test == "wilson":
        parts = m.ratio and [CATALOGUE[c] for c in m.ratio]
        if not parts or m.unit != "ratio" or any(p.unit not in ("people", "orders") for p in parts):
            problems.append(f"'{key}.test': wilson needs a rate of people or orders (e.g. conv_final, reply_rate); "
                            f"'{m.id}' is not one — use mean")
    if check.test == "poisson":
        basis = CATALOGUE[check.count] if check.count else m
        if basis.unit not in COUNT_UNITS:
            problems.append(f"'{key}.count': poisson needs a count; '{basis.id}' is in {basis.unit} "
                            f"(name the count behind it, e.g. count: buyers)")
    if check.test == "mean" and not (check.n or m.ratio):
        problems.append(f"'{key}.n': mean needs the sample-size metric for '{m.id}' (e.g. n: response_count)")
    if check.test != "poisson" and check.count:
        problems.append(f"'{key}.count': only used with test: poisson")
    if check.test == "wilson" and check.n:
        problems.append(f"'{key}.n': not used with test: wilson (n is the rate's denominator)")
    return problems
