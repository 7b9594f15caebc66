"""Scheme YAML: loading, every validation error (named file, key, allowed values), templates, hashes."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from csana.errors import CsanaError
from csana.scoring.scheme import SCHEMES_DIR, Scheme, load_scheme, ready_made

TEMPLATES = (
    "example_289", "presales_traffic", "presales_service", "presales_growth", "presales_newcomer", "aftersales_returns",
    "aftersales_reputation", "generalist", "stage_early", "stage_growing", "stage_stable",
)


def conv(**extra: Any) -> dict[str, Any]:
    """A valid conversion indicator: ≥50% → 10, 40–50% → 6, below 40% → 2."""
    return {"metric": "conv_final", "weight": 1,
            "tiers": [{"min": "50%", "score": 10}, {"min": "40%", "max": "50%", "score": 6}, {"max": "40%", "score": 2}],
            **extra}


def scheme(**extra: Any) -> dict[str, Any]:
    return {"name": "测试", "indicators": [conv()], **extra}


def error_of(data: dict[str, Any], source: str = "my_scheme.yaml") -> str:
    with pytest.raises(CsanaError) as info:
        Scheme.parse(data, source)
    return str(info.value)


# -- a valid scheme ---------------------------------------------------------------------------


def test_percent_strings_and_numbers_are_the_same() -> None:
    a = Scheme.parse(scheme())
    b = Scheme.parse({"name": "测试", "indicators": [{
        "metric": "conv_final", "weight": 1,
        "tiers": [{"min": 0.5, "score": 10}, {"min": 0.4, "max": 0.5, "score": 6}, {"max": 0.4, "score": 2}]}]})
    assert a.indicators[0].tiers == b.indicators[0].tiers
    assert a.content_hash == b.content_hash


def test_defaults_come_from_the_catalogue() -> None:
    s = Scheme.parse({"name": "x", "indicators": [
        conv(min_sample=20),
        {"metric": "first_response_s", "weight": 1, "closed": "right",
         "tiers": [{"max": 20, "score": 10}, {"min": 20, "score": 0}]},
    ]})
    conv_line, first = s.indicators
    assert conv_line.id == "conv_final" and conv_line.direction == "higher"
    assert conv_line.sample_column == "conv_base_customers"  # the ratio's denominator
    assert first.direction == "lower"
    assert conv_line.label("zh") == "询单→最终付款成功率" and conv_line.label("en") == "Inquiry → final payment rate"


def test_tiers_are_sorted_whatever_their_order() -> None:
    s = Scheme.parse(scheme(indicators=[conv(tiers=[{"max": "40%", "score": 2}, {"min": "50%", "score": 10},
                                                     {"min": "40%", "max": "50%", "score": 6}])]))
    assert [t.score for t in s.indicators[0].tiers] == [2, 6, 10]


def test_full_score_is_top_tier_times_weight() -> None:
    # 10·3 (conv) + 5·2 (chat review) = 40
    s = Scheme.parse(scheme(indicators=[
        conv(weight=3),
        {"manual": "chat_review", "weight": 2, "tiers": [{"min": 80, "score": 5}, {"max": 80, "score": 1}]},
    ]))
    assert s.full_score == 40


def test_custom_manual_indicator_can_be_declared() -> None:
    s = Scheme.parse(scheme(
        manual_indicators=[{"id": "ad_roi", "zh": "广告投产比", "en": "Ad ROI", "unit": "ratio"}],
        indicators=[{"manual": "ad_roi", "weight": 1, "tiers": [{"min": 5, "score": 10}, {"max": 5, "score": 0}]}],
    ))
    assert s.indicators[0].label("zh", s.manual_catalogue) == "广告投产比"


# -- every validation error ------------------------------------------------------------------


def test_unknown_key_names_the_line_and_the_allowed_keys() -> None:
    bad = scheme(indicators=[{**conv(), "weigth": 2}])
    text = error_of(bad)
    assert "my_scheme.yaml" in text
    assert "unknown key 'indicators[0] (conv_final).weigth'" in text
    assert "weight" in text.split("allowed:")[1]


def test_unknown_top_level_key() -> None:
    text = error_of(scheme(indicator=[]))
    assert "unknown key 'indicator' (allowed:" in text and "indicators" in text


def test_tier_gap() -> None:
    text = error_of(scheme(indicators=[conv(tiers=[{"min": "50%", "score": 10}, {"max": "40%", "score": 2}])]))
    assert "indicators[0] (conv_final).tiers" in text
    assert "gap between 0.4 and 0.5" in text


def test_tier_overlap() -> None:
    text = error_of(scheme(indicators=[conv(tiers=[{"min": "40%", "score": 10}, {"max": "50%", "score": 2}])]))
    assert "overlap between 0.4 and 0.5" in text


def test_tiers_must_cover_every_value() -> None:
    text = error_of(scheme(indicators=[conv(tiers=[{"min": 0, "max": "50%", "score": 2}, {"min": "50%", "max": 1, "score": 10}])]))
    assert "values below 0 fall in no tier" in text
    assert "values above 1 fall in no tier" in text


def test_empty_tier_interval() -> None:
    text = error_of(scheme(indicators=[conv(tiers=[{"max": "50%", "score": 2}, {"min": "60%", "max": "50%", "score": 5},
                                                   {"min": "50%", "score": 10}])]))
    assert "min 0.6 ≥ max 0.5" in text


def test_weight_not_a_number() -> None:
    text = error_of(scheme(indicators=[conv(weight="ten")]))
    assert "indicators[0] (conv_final).weight" in text and "expected a number" in text and "'ten'" in text


def test_negative_weight() -> None:
    assert "indicators[0] (conv_final).weight" in error_of(scheme(indicators=[conv(weight=-1)]))


def test_weight_true_is_not_a_number() -> None:
    assert "expected a number, got true/false" in error_of(scheme(indicators=[conv(weight=True)]))


def test_unknown_metric_lists_the_catalogue() -> None:
    text = error_of(scheme(indicators=[conv(metric="conv_finall")]))
    assert "unknown metric 'conv_finall'" in text and "conv_final," in text


def test_unknown_manual_indicator() -> None:
    text = error_of(scheme(indicators=[{"manual": "chat_reviw", "weight": 1,
                                        "tiers": [{"min": 80, "score": 5}, {"max": 80, "score": 1}]}]))
    assert "unknown manual indicator 'chat_reviw'" in text and "chat_review" in text and "manual_indicators" in text


def test_tiers_rewarding_the_wrong_direction() -> None:
    # first_response_s: lower is better, but these tiers give more points to slower replies
    text = error_of(scheme(indicators=[{"metric": "first_response_s", "weight": 1,
                                        "tiers": [{"max": 20, "score": 0}, {"min": 20, "score": 10}]}]))
    assert "tier scores must not fall as values get better (lower is better here)" in text


def test_neutral_metric_needs_a_direction() -> None:
    text = error_of(scheme(indicators=[{"metric": "filtered_customers", "weight": 1,
                                        "tiers": [{"max": 5, "score": 10}, {"min": 5, "score": 0}]}]))
    assert "indicators[0] (filtered_customers): 'filtered_customers' has no natural direction: set direction" in text


def test_min_sample_on_a_non_ratio_needs_a_sample_column() -> None:
    text = error_of(scheme(indicators=[{"metric": "sales_amount", "weight": 1, "min_sample": 5,
                                        "tiers": [{"min": 1000, "score": 10}, {"max": 1000, "score": 0}]}]))
    assert "'min_sample' needs 'sample_column'" in text


def test_duplicate_indicator_ids() -> None:
    assert "duplicate id(s) conv_final" in error_of(scheme(indicators=[conv(), conv()]))


def test_reference_to_an_unknown_indicator() -> None:
    text = error_of(scheme(gates=[{"id": "floor", "indicator": "conv", "lt": "40%"}]))
    assert "gates[0] (floor): unknown indicator 'conv' (allowed: conv_final)" in text


def test_threshold_needs_exactly_one_comparison() -> None:
    text = error_of(scheme(gates=[{"id": "floor", "metric": "conv_final", "lt": "40%", "gt": "10%"}]))
    assert "exactly one comparison" in text


def test_fixed_reward_needs_a_comparison() -> None:
    text = error_of(scheme(rewards=[{"id": "fast", "metric": "first_response_s", "amount": 100}]))
    assert "a fixed 'amount' needs a comparison" in text


def test_grade_pay_mode_needs_pay_per_band() -> None:
    text = error_of(scheme(pay={"performance_mode": "grade"},
                           grades={"bands": [{"min": "50%", "grade": "A"}, {"max": "50%", "grade": "B", "pay": 0}]}))
    assert "performance_mode: grade needs 'grades' whose every band has a 'pay'" in text


def test_team_goal_on_a_metric_that_cannot_be_pooled() -> None:
    text = error_of(scheme(team_goals=[{"id": "t", "metric": "p90_response_s", "lt": 60, "fund": 100}]))
    assert "cannot be recomputed for a team" in text


def test_every_problem_is_reported_at_once() -> None:
    bad = {
        "name": "测试",
        "colour": "red",
        "indicators": [
            conv(weight="ten"),
            {"metric": "no_such_metric", "weight": 1, "tiers": [{"min": 1, "score": 1}, {"max": 1, "score": 0}]},
            {"manual": "chat_review", "weight": 1, "tiers": [{"min": 80, "score": 5}, {"max": 70, "score": 1}]},
        ],
        "gates": [{"id": "floor", "metric": "conv_final"}],
    }
    text = error_of(bad, "params/schemes/bad.yaml")
    assert text.startswith("params/schemes/bad.yaml: 5 problem(s)")
    for part in ("unknown key 'colour'", "indicators[0] (conv_final).weight", "unknown metric 'no_such_metric'",
                 "indicators[2] (chat_review).tiers: gap between 70 and 80", "gates[0] (floor)"):
        assert part in text


def test_not_a_mapping_and_missing_name() -> None:
    assert "name: missing" in error_of({"indicators": [conv()]})


def test_file_not_found_lists_ready_made_schemes(tmp_path: Path) -> None:
    with pytest.raises(CsanaError) as info:
        load_scheme(tmp_path / "nope.yaml")
    assert "presales_traffic" in str(info.value)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CsanaError) as info:
        load_scheme(path)
    assert "broken.yaml" in str(info.value) and "not valid YAML" in str(info.value)


# -- templates ---------------------------------------------------------------------------------


def test_the_ready_made_list_is_complete() -> None:
    assert set(TEMPLATES) <= set(ready_made())


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_loads_and_is_bilingual(name: str) -> None:
    s = load_scheme(name)
    assert s.name and s.name_en and s.notes and s.notes_en
    text = (SCHEMES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert text.startswith("# ")  # a comment block explains the scheme
    for ind in s.indicators:
        assert ind.label("zh") != ind.label("en")


def test_example_289_is_the_spec_example() -> None:
    s = load_scheme(SCHEMES_DIR / "example_289.yaml")
    # top scores 10, 10, 8, 5 with weights 10, 10, 8, 5: 10·10 + 10·10 + 8·8 + 5·5 = 289
    assert [(i.top_score, i.weight) for i in s.indicators] == [(10, 10), (10, 10), (8, 8), (5, 5)]
    assert s.full_score == 289


def test_aftersales_returns_uses_the_golden_completion_tiers() -> None:
    line = load_scheme("aftersales_returns").indicator("reception_completion")
    assert [(t.min, t.max, t.score) for t in line.tiers] == [
        (None, 0.7, 10), (0.7, 0.8, 15), (0.8, 0.9, 20), (0.9, 1.0, 25), (1.0, None, 30)]


def test_demo_manual_scores_match_the_manual_catalogue() -> None:
    from csana.demo.generator import generate_demo
    from csana.scoring.indicators import MANUAL_INDICATORS

    written = set(generate_demo(agents=4, months=1, scale=0.2)["manual_scores"]["indicator"].unique())
    used = {i.manual for name in TEMPLATES for i in load_scheme(name).indicators if i.manual}
    assert written == set(MANUAL_INDICATORS)
    assert used <= written


# -- hashes and cheap copies -------------------------------------------------------------------


def test_hash_ignores_comments_key_order_and_indicator_order(tmp_path: Path) -> None:
    data = yaml.safe_load((SCHEMES_DIR / "presales_traffic.yaml").read_text(encoding="utf-8"))
    original = Scheme.parse(data)
    shuffled = copy.deepcopy(data)
    shuffled["indicators"].reverse()
    shuffled = dict(reversed(list(shuffled.items())))
    path = tmp_path / "s.yaml"
    path.write_text("# another comment\n" + yaml.safe_dump(shuffled, allow_unicode=True), encoding="utf-8")
    assert load_scheme(path).content_hash == original.content_hash
    assert len(original.content_hash) == 12 and int(original.content_hash, 16) >= 0


def test_hash_changes_with_any_number() -> None:
    s = load_scheme("example_289")
    assert s.with_weight("conv_final", 11).content_hash != s.content_hash


def test_with_weight_is_a_cheap_validated_copy() -> None:
    s = load_scheme("example_289")
    t = s.with_weight("conv_final", 5)
    # 289 − 10·10 + 10·5 = 239
    assert t.full_score == 239 and s.full_score == 289
    assert t.indicators[1] is s.indicators[1]
    assert s.with_weights({"conv_final": 10, "chat_review": 0}).full_score == 289 - 25


@pytest.mark.parametrize(("indicator", "weight", "message"), [
    ("conv", 1, "unknown indicator(s) conv"),
    ("conv_final", -1, "weight of 'conv_final' must be a number ≥ 0"),
    ("conv_final", "2", "weight of 'conv_final' must be a number ≥ 0"),
    ("conv_final", float("nan"), "weight of 'conv_final' must be a number ≥ 0"),
])
def test_with_weight_rejects_bad_input(indicator: str, weight: Any, message: str) -> None:
    with pytest.raises(CsanaError) as info:
        load_scheme("example_289").with_weight(indicator, weight)
    assert message in str(info.value)


def test_scheme_is_frozen() -> None:
    s = load_scheme("example_289")
    with pytest.raises(Exception):
        s.name = "x"  # type: ignore[misc]


def test_yaml_boolean_key_is_explained() -> None:
    data = yaml.safe_load("name: x\ncommission:\n  on: sales_amount\n  rate: 1%\n")  # 'on' parses as True
    text = error_of(data)
    assert "commission: key True is not text" in text and "quote it" in text
