"""What a pay rule reads and when it applies: value references and thresholds.

value reference
    a key naming one value per agent: ``metric: <id>`` (a catalogue metric),
    ``manual: <id>`` (a manual indicator of the manual_scores table) or
    ``indicator: <id>`` (that scheme line's basis value — its relative or
    completion value when so defined — null when the line lacks data, so its
    ``min_sample`` applies). Gates, ladders, rewards, penalties and awards each
    hold one.
threshold
    a comparison with a number: exactly one of ``lt`` (<), ``le`` (≤), ``gt`` (>),
    ``ge`` (≥). A null value never meets a threshold.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ValidationInfo, model_validator

from csana.catalogue import CATALOGUE
from csana.config import Frozen
from csana.scoring.bands import Number, number_text
from csana.scoring.indicators import unknown, unknown_manual

RefKind = Literal["metric", "manual", "indicator"]
"""What a value reference names: a catalogue metric, a manual indicator or a scheme indicator."""


class ValueRef(Frozen):
    """A reference to one value per agent: a catalogue metric, a manual indicator, or a scheme indicator.

    ``indicator: <id>`` reads that indicator's basis value (relative or completion
    when so defined) and is null when the indicator lacks data (min_sample).
    """

    metric: str | None = None
    manual: str | None = None
    indicator: str | None = None

    @property
    def ref(self) -> tuple[RefKind, str]:
        """The value referred to, as (kind, id)."""
        for kind in ("metric", "manual", "indicator"):
            value = getattr(self, kind)
            if value is not None:
                return kind, value  # type: ignore[return-value]
        raise AssertionError("validated value references name one of metric/manual/indicator")

    @model_validator(mode="after")
    def _one_value(self, info: ValidationInfo) -> ValueRef:
        given = [k for k in ("metric", "manual", "indicator") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"name exactly one of 'metric', 'manual' or 'indicator' (got {given or 'none'})")
        problems = _ref_problems(self, info)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _ref_problems(ref: ValueRef, info: ValidationInfo) -> list[str]:
    """An unknown metric or manual indicator (indicator ids are checked by the whole scheme)."""
    kind, name = ref.ref
    if kind == "metric" and name not in CATALOGUE:
        return [unknown("metric", name, CATALOGUE)]
    if kind == "manual":
        return unknown_manual(name, info)
    return []


OPS = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
"""Threshold keys and the comparison each writes."""


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
        return f"{OPS[key]} {number_text(value)}"

    @model_validator(mode="after")
    def _one_op(self) -> Threshold:
        given = [k for k in OPS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one comparison of lt (<), le (≤), gt (>), ge (≥) (got {given or 'none'})")
        return self
