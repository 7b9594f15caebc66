"""Scoring schemes (绩效考核方案): the typed YAML model, its validation and the ready-made ones.

A scheme file in ``params/schemes/`` loads into a frozen :class:`Scheme`; every key
is described in params/schemes/README.md. Loading checks it in two layers, and
reports every problem at once, each naming the file, the key and what is allowed:

* shape — unknown keys, wrong types, a weight that is not a number;
* meaning — unknown metric ids (checked against :data:`csana.catalogue.CATALOGUE`),
  unknown manual indicators, tier gaps and overlaps, tiers that reward the wrong
  direction, references to indicators that do not exist.

The parts live in their own modules: numbers and bands (tiers) in
:mod:`csana.scoring.bands`, the scored lines in :mod:`csana.scoring.indicators`,
value references and thresholds in :mod:`csana.scoring.refs`, the pay rules
(gates, ladders, rewards, penalties, awards, team goals, commission, grades, pay)
in :mod:`csana.scoring.rules`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from csana.catalogue import CATALOGUE
from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.errors import CsanaError
from csana.scoring.indicators import MANUAL_INDICATORS, Indicator, ManualIndicator
from csana.scoring.refs import ValueRef
from csana.scoring.rules import (
    Adjustment,
    Award,
    Commission,
    Gate,
    Grades,
    Ladder,
    Pay,
    TeamGoal,
)

SCHEMES_DIR = PARAMS_DIR / "schemes"
"""Where the ready-made schemes (templates) live."""

RESERVED_IDS = ("gate", "gate_unjudged", "ladder", "award", "reward", "penalty", "team_goal")
"""Prefixes of the score table's detail columns; indicators may not use them as ids."""


class AppliesTo(Frozen):
    """Which agents a scheme scores: by ``role`` and/or ``team`` (agents of the metric table),
    and, for a newcomer scheme, ``hired_within_days`` (hired at most this many days before
    the month's end, by the agents table's hired_at).

    An agent whose role (or team) is unknown (null) is kept: it cannot be told apart. An
    agent whose hire date is unknown is no newcomer.
    """

    roles: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    hired_within_days: int | None = Field(None, ge=1, le=3650)


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

    def direction_of(self, item: ValueRef) -> str | None:
        """Which way is better for a value reference: its own 'direction', else the indicator's, catalogue's or manual's."""
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
    def parse(cls, data: Mapping[str, Any], file: str | Path = "<scheme>") -> Scheme:
        """Validate a mapping (a parsed YAML file); every problem at once, naming ``file``."""
        data = dict(data)
        declared = data.get("manual_indicators")
        declared = declared if isinstance(declared, (list, tuple)) else []  # other shapes: the model reports them
        context = {
            "manual": [m.get("id") for m in declared if isinstance(m, dict) and isinstance(m.get("id"), str)],
            "manual_directions": {m["id"]: m.get("direction") or "higher" for m in declared
                                  if isinstance(m, dict) and isinstance(m.get("id"), str)},
        }
        return validate(cls, data, file, context=context, fix="every key is described in params/schemes/README.md")

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
    def value_rules(self) -> tuple[Gate | Ladder | Adjustment | Award, ...]:
        """Every pay rule that reads a value reference: gates, ladders, rewards, penalties, awards (in that order)."""
        return (*self.gates, *self.ladders, *self.rewards, *self.penalties, *self.awards)

    @property
    def needs_tenure(self) -> bool:
        """Whether scoring reads agents' hire dates (a newcomer scheme, or a gate waived for newcomers)."""
        return self.applies_to.hired_within_days is not None or any(g.undetermined == "newcomer" for g in self.gates)

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
    file = Path(path)
    if not file.exists() and file.suffix == "" and (SCHEMES_DIR / f"{file.name}.yaml").exists():
        file = SCHEMES_DIR / f"{file.name}.yaml"
    if not file.exists():
        ready = ", ".join(sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml")))
        raise CsanaError("scheme file not found", file=str(path), fix=f"check the path, or name a ready-made scheme: {ready}")
    return Scheme.parse(read_config(file), file)


def ready_made() -> list[str]:
    """Names of the schemes shipped in params/schemes/."""
    return sorted(p.stem for p in SCHEMES_DIR.glob("*.yaml"))
