"""Numbers and bands of a scoring scheme: percentages, intervals, and their gap/overlap checks.

Numbers may be written as percentages (``85%`` = 0.85) wherever a bound,
threshold or rate is expected: ratio metrics (conv_final, reply_rate…) are
fractions in the metric table, so ``min: 50%`` and ``min: 0.5`` are the same.

band
    an interval ``min``–``max`` of values with what it gives: a :class:`Tier` gives
    a score (档次), a :class:`RateBand` a commission rate, a :class:`FactorBand` a
    commission factor, a :class:`GradeBand` a grade (and its pay). ``closed: left``
    (the default of every list of bands) means each band is ``[min, max)`` — the
    lower bound belongs to the band, as in "≥100% → 30, 90–100% → 25"; ``closed:
    right`` means ``(min, max]``, as in "ROI >120% → 20" or "first response ≤ 20 s
    → 10". A list of bands must cover every value: the lowest has no ``min``, the
    highest no ``max``, and each band's ``max`` is the next one's ``min``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from csana.config import Frozen

PERCENT = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)\s*%\s*")


def _number(value: Any) -> Any:
    """Accept ints, floats and percentage strings ('85%' → 0.85); nothing else."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return float(value)
    if isinstance(value, str):
        match = PERCENT.fullmatch(value)
        if match:
            return float(match.group(1)) / 100
        raise ValueError(f"expected a number (e.g. 10, 0.85) or a percentage (e.g. '85%'), got {value!r}")
    raise ValueError(f"expected a number, got {type(value).__name__}")


Number = Annotated[float, BeforeValidator(_number)]
"""A float field that also accepts a percentage string ('85%' → 0.85)."""


def number_text(value: float) -> str:
    """A number as messages show it (shortest form: 0.5, 20, 1e+06)."""
    return f"{value:g}"


def percent_text(value: float) -> str:
    """A fraction as a percentage with up to 4 significant digits (0.9 → '90%')."""
    return f"{value * 100:.4g}%"


class Band(Frozen):
    """An interval of values; see the module docstring for ``closed``."""

    min: Number | None = None
    max: Number | None = None
    label: str | None = Field(None, description="display name of the tier; default: its interval")

    def interval(self, closed: str, percent: bool = False) -> str:
        """Interval notation naming which bound is included: '[0.9, 1)', or with ``percent`` '[90%, 100%)'."""
        show = percent_text if percent else number_text
        lo = "(-∞" if self.min is None else ("[" if closed == "left" else "(") + show(self.min)
        hi = "+∞)" if self.max is None else show(self.max) + (")" if closed == "left" else "]")
        return f"{lo}, {hi}"


class Tier(Band):
    score: Number


class RateBand(Band):
    rate: Number = Field(ge=0)


class FactorBand(Band):
    factor: Number = Field(ge=0)


class GradeBand(Band):
    grade: str = Field(min_length=1)
    pay: Number | None = Field(None, ge=0, description="fixed performance pay of this grade (performance_mode: grade)")


def band_problems(bands: Sequence[Band], what: str = "tiers") -> list[str]:
    """Gaps, overlaps, empty intervals and open ends of a band list (sorted by ``min``)."""
    problems = []
    for band in bands:
        if band.min is not None and band.max is not None and band.min >= band.max:
            problems.append(f"a {what[:-1]} has min {number_text(band.min)} ≥ max {number_text(band.max)} (min must be below max)")
    bottoms = [b for b in bands if b.min is None]
    tops = [b for b in bands if b.max is None]
    if not bottoms:
        lowest = min(b.min for b in bands if b.min is not None)
        problems.append(f"values below {number_text(lowest)} fall in no {what[:-1]}: give the lowest {what[:-1]} no 'min'")
    if not tops:
        highest = max(b.max for b in bands if b.max is not None)
        problems.append(f"values above {number_text(highest)} fall in no {what[:-1]}: give the highest {what[:-1]} no 'max'")
    if len(bottoms) > 1:
        problems.append(f"{len(bottoms)} {what} have no 'min' (overlap): only the lowest may be open below")
    if len(tops) > 1:
        problems.append(f"{len(tops)} {what} have no 'max' (overlap): only the highest may be open above")
    for low, high in zip(bands, bands[1:]):
        if low.max is None or high.min is None:
            continue
        if low.max < high.min:
            problems.append(f"gap between {number_text(low.max)} and {number_text(high.min)}: set one {what[:-1]}'s bound to the other's")
        elif low.max > high.min:
            problems.append(f"overlap between {number_text(high.min)} and {number_text(low.max)}: "
                            f"a {what[:-1]}'s max must equal the next one's min")
    return problems


def sorted_bands(bands: Iterable[Band], what: str = "tiers") -> tuple[Any, ...]:
    """The bands in ascending order; ValueError naming every gap or overlap (for field validators)."""
    ordered = tuple(sorted(bands, key=lambda b: (-math.inf if b.min is None else b.min, math.inf if b.max is None else b.max)))
    if not ordered:
        raise ValueError(f"give at least one {what[:-1]}")
    problems = band_problems(ordered, what)
    if problems:
        raise ValueError("; ".join(problems))
    return ordered
