"""Numbers and bands: percentage strings, interval notation, gaps and overlaps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from csana.scoring.bands import (
    RateBand,
    Tier,
    band_problems,
    number_text,
    percent_text,
    sorted_bands,
)


def test_percent_strings_are_fractions() -> None:
    assert Tier(min="85%", max=" 100 % ", score="5%").model_dump(exclude_none=True) == {"min": 0.85, "max": 1.0, "score": 0.05}


@pytest.mark.parametrize("bad", [True, "eighty", float("nan"), [1]])
def test_other_values_are_not_numbers(bad: object) -> None:
    with pytest.raises(ValidationError):
        Tier(min=bad, score=1)


def test_interval_names_the_included_bound() -> None:
    tier = Tier(min=0.9, max=1.0, score=1)
    assert tier.interval("left") == "[0.9, 1)"
    assert tier.interval("right") == "(0.9, 1]"
    assert tier.interval("left", percent=True) == "[90%, 100%)"
    assert Tier(max=0.7, score=1).interval("left", percent=True) == "(-∞, 70%)"
    assert Tier(min=1.2, score=1).interval("right", percent=True) == "(120%, +∞)"
    assert Tier(min=0.12345, score=1).interval("left", percent=True) == "[12.35%, +∞)"  # 4 significant digits


def test_number_and_percent_text() -> None:
    assert (number_text(20.0), number_text(0.5), percent_text(0.875)) == ("20", "0.5", "87.5%")


def test_sorted_bands_orders_any_order() -> None:
    bands = [RateBand(min=10_000, rate=0.02), RateBand(max=5_000, rate=0), RateBand(min=5_000, max=10_000, rate=0.01)]
    assert [b.rate for b in sorted_bands(bands)] == [0, 0.01, 0.02]
    assert band_problems(sorted_bands(bands)) == []


@pytest.mark.parametrize(("bands", "message"), [
    ([Tier(max=0.4, score=1), Tier(min=0.5, score=2)], "gap between 0.4 and 0.5"),
    ([Tier(max=0.5, score=1), Tier(min=0.4, score=2)], "overlap between 0.4 and 0.5"),
    ([Tier(min=0.4, score=1)], "values below 0.4 fall in no tier: give the lowest tier no 'min'"),
    ([Tier(max=0.4, score=1)], "values above 0.4 fall in no tier: give the highest tier no 'max'"),
    ([Tier(max=0.4, score=1), Tier(min=0.6, max=0.5, score=2), Tier(min=0.5, score=3)], "a tier has min 0.6 ≥ max 0.5"),
    ([], "give at least one tier"),
])
def test_sorted_bands_names_every_problem(bands: list[Tier], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sorted_bands(bands)
