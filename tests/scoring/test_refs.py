"""Value references and thresholds: what a pay rule reads and when it applies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from csana.scoring.refs import Threshold, ValueRef
from csana.scoring.scheme import Scheme


def test_a_value_reference_names_one_value() -> None:
    assert ValueRef(metric="conv_final").ref == ("metric", "conv_final")
    assert ValueRef(manual="chat_review").ref == ("manual", "chat_review")
    assert ValueRef(indicator="anything").ref == ("indicator", "anything")  # checked by the whole scheme


@pytest.mark.parametrize(("data", "message"), [
    ({}, "name exactly one of 'metric', 'manual' or 'indicator' (got none)"),
    ({"metric": "conv_final", "manual": "chat_review"}, "(got ['metric', 'manual'])"),
    ({"metric": "conv_fnal"}, "unknown metric 'conv_fnal' (did you mean conv_final?"),
    ({"manual": "smile"}, "unknown manual indicator 'smile' (allowed: chat_review,"),
])
def test_bad_value_references(data: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        ValueRef(**data)
    assert message in str(info.value)


def test_threshold_holds_one_comparison() -> None:
    assert Threshold(le="20%").op == ("le", 0.2)
    assert Threshold(gt=120).text() == "> 120"
    with pytest.raises(ValidationError, match="give exactly one comparison"):
        Threshold(lt=1, ge=0)


def test_scheme_lists_every_rule_reading_a_value_in_order() -> None:
    s = Scheme.parse({
        "name": "x",
        "indicators": [{"metric": "conv_final", "weight": 1, "tiers": [{"min": "50%", "score": 10}, {"max": "50%", "score": 0}]}],
        "gates": [{"id": "g", "indicator": "conv_final", "lt": "30%"}],
        "ladders": [{"id": "l", "metric": "sales_amount", "steps": [{"gt": 1000, "amount": 50}]}],
        "rewards": [{"id": "r", "manual": "chat_review", "ge": 90, "amount": 100}],
        "penalties": [{"id": "p", "metric": "slow_customers", "per_unit": 5}],
        "awards": [{"id": "a", "metric": "sales_amount", "amount": 300}],
    })
    assert [item.id for item in s.value_rules] == ["g", "l", "r", "p", "a"]
    assert [item.ref for item in s.value_rules][:3] == [
        ("indicator", "conv_final"), ("metric", "sales_amount"), ("manual", "chat_review")]
    assert s.indicators[0].ref == ("metric", "conv_final")
