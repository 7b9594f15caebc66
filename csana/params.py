"""Typed, validated parameters for the metric engine (params/metrics.yaml; their meaning: docs/inputs.md).

Parameters live in ``params/metrics.yaml`` (or a JSON file with the same keys),
load into a frozen :class:`MetricParams` and travel as one value through the
pipeline. Every default here is csana's documented default; a call may override any of
them with keyword arguments (``MetricParams.load(path, slow_response_s=120)``).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from csana.config import PARAMS_DIR, Frozen, read_config, validate

AttributionRule = Literal["last_inquiry", "first_inquiry", "last_before_payment", "split"]
"""Who earns an order's credit (:mod:`csana.facts.credit`, docs/attribution.md)."""


class FilterRules(Frozen):
    """Receptions whose customer messages all match these are 接待过滤 (ads, spam, tests)."""

    keywords: tuple[str, ...] = Field(default=(), description="regexes matched against message text")
    customers: tuple[str, ...] = Field(default=(), description="customer ids always filtered (blacklist)")

    @field_validator("keywords")
    @classmethod
    def _regexes_compile(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"keyword {pattern!r} is not a valid regular expression ({exc})") from None
        return value


class ServiceHours(Frozen):
    """A window of the day, [start, end): service hours (bursts starting outside them count in no
    response-time metric) or an assessed window (``assess_window``, ``answer_window``)."""

    start: dt.time = dt.time(0, 0)
    end: dt.time = dt.time(23, 59, 59, 999999)

    @model_validator(mode="before")
    @classmethod
    def _from_pair(cls, value: Any) -> Any:
        if isinstance(value, str) and "-" in value:
            value = [part.strip() for part in re.split(r"[-–~]", value, maxsplit=1)]
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ValueError("a window of the day takes two times, e.g. ['08:00', '23:00']")
            return {"start": value[0], "end": value[1]}
        return value

    @field_validator("start", "end")
    @classmethod
    def _local(cls, value: dt.time) -> dt.time:
        if value.tzinfo is not None:
            raise ValueError("a time of the shop's day takes no time zone, e.g. '08:00'")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ServiceHours:
        if self.end <= self.start:
            raise ValueError("a window's end must be after its start (overnight windows are not supported)")
        return self

    @property
    def all_day(self) -> bool:
        return self.start == dt.time(0, 0) and self.end >= dt.time(23, 59, 59)


def _window(start: int, end: int) -> Any:
    """A default assessed window of the day, [start:00, end:00)."""
    return Field(default_factory=lambda: ServiceHours(start=dt.time(start), end=dt.time(end)))


class MetricParams(Frozen):
    """Every tunable number of the metric definitions, with csana's defaults.

    Upper bounds (a day for seconds, a year for attribution and payment windows, ten
    years for post-sale and repeat windows) catch typos such as an extra zero run
    wild before they reach date arithmetic.
    """

    slow_response_s: float = Field(60, gt=0, le=86400, description="a response slower than this is slow (慢响应)")
    slow_min_count: int = Field(1, ge=1, le=10_000, description="slow responses needed to make a reception slow")
    max_gap_s: float = Field(600, gt=0, le=86400, description="gaps longer than this are cut from reception duration")
    postsale_days: float = Field(7, ge=0, le=3650, description="a reception within this many days after an order is post-sale, not an inquiry")
    attribution_days: int = Field(3, ge=0, le=365, description="an inquiry may earn an order up to this many calendar days later")
    final_pay_days: int = Field(3, ge=0, le=365, description="conv_final counts payments up to this many days after the inquiry day")
    repeat_days: int = Field(60, ge=1, le=3650, description="a buyer who pays again within this many days is a repeat buyer")
    count_auto_reply: bool = Field(False, description="whether auto-replies (bots) count as agent replies")
    service_hours: ServiceHours = Field(default_factory=ServiceHours)
    attribution_rule: AttributionRule = Field(
        "last_inquiry", description="who earns an order: last_inquiry, first_inquiry, last_before_payment or split "
                                    "(docs/attribution.md)")
    assess_window: ServiceHours = _window(8, 23)
    """The hours platforms assess the 3-minute reply rate over (淘宝/抖店/拼多多: 08:00–23:00): a reception's
    first customer burst starting inside them is assessed (reply_3min_rate)."""
    reply_threshold_s: float = Field(180, gt=0, le=86400, description="an assessed burst replied within this many seconds counts in reply_3min_rate")
    answer_window: ServiceHours = _window(9, 23)
    """The hours 京东 assesses its 30-second answer rate over (09:00–23:00; 拼多多 writes 8-23点): answer_30s_rate."""
    answer_threshold_s: float = Field(30, gt=0, le=86400, description="a first response within this many seconds counts in answer_30s_rate")
    filter: FilterRules = Field(default_factory=FilterRules)
    data_end: dt.date | None = Field(
        None, description="last day the data fully covers; default: the day of the latest timestamp"
    )

    @model_validator(mode="before")
    @classmethod
    def _flat_filter_keys(cls, value: Any) -> Any:
        """Accept ``filter_keywords`` / ``filter_customers`` as flat keys (JSON configs)."""
        if not isinstance(value, dict):
            return value
        value = dict(value)
        flat = {key[len("filter_"):]: value.pop(key) for key in ("filter_keywords", "filter_customers") if key in value}
        if flat:
            nested = dict(value.get("filter") or {})
            nested.update(flat)
            value["filter"] = nested
        if value.get("service_hours") is None:
            value.pop("service_hours", None)
        return value

    @classmethod
    def load(cls, path: str | Path | None = None, **overrides: Any) -> MetricParams:
        """Read a YAML or JSON params file (default: params/metrics.yaml) and apply overrides."""
        source = Path(path) if path is not None else PARAMS_DIR / "metrics.yaml"
        data = read_config(source) if source.exists() or path is not None else {}
        data.update({k: v for k, v in overrides.items() if v is not None})
        return validate(cls, data, source)

    def with_overrides(self, **overrides: Any) -> MetricParams:
        """A copy with some values replaced, validated like a file."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return validate(type(self), data, "overrides")


def resolve_params(params: MetricParams | None, overrides: dict[str, Any]) -> MetricParams:
    """The params to use: the given object (or params/metrics.yaml) with per-call overrides."""
    base = params if params is not None else MetricParams.load()
    return base.with_overrides(**overrides) if overrides else base
