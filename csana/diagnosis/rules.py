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
Against = Literal["median", "norm", "both", "either"]
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
    """A training or improvement action (改进措施); ``operations`` = not the agent's job."""

    owner: Literal["agent", "operations"] = "agent"


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
    """A weak indicator (诊断项) with its factors and actions."""

    roles: tuple[str, ...] = Field((), description="roles the rule applies to (agents of unknown role always)")
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


class Drilldown(Frozen):
    """Settings of the conversion drill-down."""

    response_buckets: tuple[float, ...] = (20, 30, 60, 120)
    unpaid_after_min: float = Field(60, ge=0, description="an order not paid within this many minutes counts as unpaid")

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
        for i, check in enumerate(rule.checks):
            problems += check_problems(f"{key}.checks[{i}]", check)
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
    if check.against == "median" and check.norm is not None:
        problems.append(f"'{key}.norm': ignored with against: median (use against: both or either, or remove norm)")
    if check.against != "median" and check.norm is None:
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
