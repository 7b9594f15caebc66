"""Number formatting shared by the CLI, the diagnosis printout, the report and the widgets."""

from __future__ import annotations

import pytest

from csana.present.formatting import (
    delta,
    format_metric,
    format_value,
    plain_number,
    short_value,
    signed_value,
)


@pytest.mark.parametrize(("value", "unit", "lang", "shown"), [
    (0.4321, "ratio", "zh", "43.2%"),
    (1234.5, "yuan", "zh", "¥1,234.50"),
    (88, "yuan/hour", "zh", "¥88.00/小时"),
    (88, "yuan/hour", "en", "¥88.00/h"),
    (23.44, "seconds", "zh", "23.4 秒"),
    (23.44, "seconds", "en", "23.4 s"),
    (7.25, "hours", "zh", "7.2 小时"),  # 7.25 is exact in binary: round half to even
    (4.856, "score", "zh", "4.86"),
    (1680, "people", "zh", "1,680"),
    (1.4567, "units", "zh", "1.46"),
    (3.0, "units", "zh", "3"),
    (2.5, None, "zh", "2.50"),  # a finding without a unit: a plain number
    (None, "ratio", "zh", "—"),
    (float("nan"), "yuan", "zh", "—"),
    (float("inf"), "seconds", "en", "—"),
])
def test_format_value(value, unit, lang, shown):
    assert format_value(value, unit, lang) == shown


def test_format_metric_uses_the_catalogue_unit() -> None:
    assert format_metric("conv_final", 0.5) == "50.0%" and format_metric("aov", 300) == "¥300.00"
    assert format_metric("not_a_metric", 12) == "12"


@pytest.mark.parametrize(("metric_id", "now", "before", "text", "tone"), [
    # response time 40 s vs 50 s: −10 s = −20%, good news (lower is better)
    ("avg_response_s", 40.0, 50.0, "−10.0 秒 (−20.0%)", "good"),
    # conversion 50% vs 52%: −2.0 percentage points, bad news
    ("conv_final", 0.50, 0.52, "−2.0 个百分点", "bad"),
    ("sales_amount", 1100.0, 1000.0, "+¥100.00 (+10.0%)", "good"),
    ("sales_amount", 1000.0, 1000.0, "±¥0.00 (±0.0%)", "flat"),
    ("filtered_customers", 5, 3, "+2 (+66.7%)", "flat"),  # neutral direction: no judgement
    ("sales_amount", 1000.0, None, "—", "flat"),
])
def test_delta_follows_direction(metric_id, now, before, text, tone):
    found = delta(metric_id, now, before, "zh")
    assert (found.text, found.tone) == (text, tone)


@pytest.mark.parametrize(("value", "unit", "shown"), [(0.4567, "ratio", "45.7%"), (12.34, "seconds", "12.3s"),
                                                       (1234.5, "yuan", "1,234.5"), (None, "ratio", "—"),
                                                       (float("nan"), "seconds", "—")])
def test_short_value(value: float | None, unit: str, shown: str) -> None:
    assert short_value(value, unit) == shown


@pytest.mark.parametrize(("value", "shown"), [(1234.5, "1,234.5"), (3.0, "3"), (0.25, "0.25"), (0.004, "0")])
def test_plain_number(value: float, shown: str) -> None:
    assert plain_number(value) == shown


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (58.94, "seconds", "+58.9 秒"), (-11394.55, "yuan", "−¥11,394.55"), (-0.034, "ratio", "−3.4%"), (0, "people", "±0"),
    (None, "ratio", "—"),
])
def test_signed_value_puts_the_sign_before_the_unit(value, unit, shown) -> None:
    assert signed_value(value, unit) == shown
