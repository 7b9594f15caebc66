"""score(): golden examples (the worked 289-point scheme), tier bounds, bases, insufficient data, every pay part."""

from __future__ import annotations

import time
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from score_builders import COMPLETION, CONV, MONTH, col, metrics, one, tiers

from csana.scoring.columns import PAY_PARTS, score_labels
from csana.scoring.scheme import Scheme, load_scheme
from csana.scoring.scorecard import score

# -- golden examples: the worked 289-point scheme --------------------------------------------------


def test_golden_289_and_256() -> None:
    s = load_scheme("example_289")
    m = metrics(
        conv_final=[0.70, 0.55],            # ≥60% → 10 | 50–60% → 9
        conv_base_customers=[50, 40],
        sales_amount=[60000.0, 46000.0],    # vs target 50000: 120% → 10 | 92% → 9
        first_response_s=[10.0, 25.0],      # ≤20 → 8 | (20, 30] → 7
    )
    manual = pl.DataFrame({"agent_id": ["a1", "a2"], "month": [MONTH] * 2, "indicator": ["chat_review"] * 2,
                           "value": [95.0, 85.0]})  # ≥90 → 5 | 80–90 → 4
    out = score(m, s, manual=manual)
    # a2: 9·10 + 9·10 + 7·8 + 4·5 = 90 + 90 + 56 + 20 = 256; full: 10·10 + 10·10 + 8·8 + 5·5 = 289
    assert col(out, "total") == [289, 256]
    assert col(out, "full_score") == [289, 289]
    assert col(out, "conv_final.score") == [10, 9]
    assert col(out, "sales_completion.score") == [10, 9]
    assert col(out, "first_response_s.score") == [8, 7]
    assert col(out, "chat_review.score") == [5, 4]
    assert col(out, "chat_review.weighted") == [25, 20]
    # performance pay = 2890 × 256 / 289 = 2560; total pay = 3000 + 500 + 2560
    assert col(out, "performance_pay") == [2890, 2560]
    assert col(out, "total_pay") == [6390, 6060]


def test_golden_pay_is_full_pay_times_256_over_289() -> None:
    data = load_scheme("example_289").model_dump()
    data["pay"]["performance"] = 2000
    s = Scheme.parse(data)
    m = metrics(conv_final=[0.55], conv_base_customers=[40], sales_amount=[46000.0], first_response_s=[25.0])
    manual = pl.DataFrame({"agent_id": ["a1"], "month": [MONTH], "indicator": ["chat_review"], "value": [85.0]})
    out = score(m, s, manual=manual)
    assert out["performance_pay"][0] == round(2000 * 256 / 289, 2) == 1771.63


@pytest.mark.parametrize(("sales", "points"), [
    (150000.0, 30),   # 150%
    (100000.0, 30),   # exactly 100%: [100%, ∞) → 30
    (99999.0, 25),    # 99.999%
    (90000.0, 25),    # exactly 90% belongs to 90–100%
    (89990.0, 20),
    (80000.0, 20),
    (79999.0, 15),
    (70000.0, 15),
    (69999.0, 10),    # below 70%
    (0.0, 10),
])
def test_golden_completion_tiers(sales: float, points: float) -> None:
    out = score(metrics(sales_amount=[sales]), one(COMPLETION))
    assert out["completion.score"][0] == points
    assert out["completion.value"][0] == pytest.approx(sales / 100000)


ROI = {"id": "roi", "manual": "ad_roi", "basis": "target", "target": 5, "weight": 1, "closed": "right",
       "tiers": tiers((1.2, None, 20), (1.0, 1.2, 15), (0.8, 1.0, 10), (0.6, 0.8, 5), (None, 0.6, 0))}
ROI_SCHEME = {"manual_indicators": [{"id": "ad_roi", "zh": "广告投产比", "en": "Ad ROI", "unit": "ratio"}]}


@pytest.mark.parametrize(("roi", "points"), [
    (6.5, 20),    # 1:6.5 vs 1:5 = 130% > 120%
    (6.0, 15),    # exactly 120% is not > 120%: 100–120% → 15
    (5.5, 15),
    (5.0, 10),    # exactly 100% → 80–100%
    (4.0, 5),     # exactly 80% → 60–80%
    (3.5, 5),
    (3.0, 0),     # exactly 60%: below the lowest named band
])
def test_golden_roi_tiers_against_a_1_to_5_base(roi: float, points: float) -> None:
    manual = pl.DataFrame({"agent_id": ["a1"], "month": [MONTH], "indicator": ["ad_roi"], "value": [roi]})
    out = score(metrics(sales_amount=[1.0]), one(ROI, **ROI_SCHEME), manual=manual)
    assert out["roi.score"][0] == points


def test_golden_reception_share() -> None:
    share = {"id": "share", "metric": "received_customers", "basis": "relative", "weight": 1,
             "tiers": tiers((1.2, None, 10), (1.0, 1.2, 8), (0.8, 1.0, 6), (None, 0.8, 2))}
    m = metrics(received_customers=[100, 200, 300, 50, 150], team=["t1", "t1", "t1", "t2", "t2"])
    out = score(m, one(share))
    # t1: team received 600 / 3 agents = 200 → 100/200, 200/200, 300/200; t2: 200 / 2 = 100 → 50/100, 150/100
    assert col(out, "share.value") == [0.5, 1.0, 1.5, 0.5, 1.5]
    assert col(out, "share.raw") == [100, 200, 300, 50, 150]
    assert col(out, "share.score") == [2, 8, 10, 2, 10]


def test_relative_to_shop() -> None:
    share = {"id": "share", "metric": "received_customers", "basis": "relative", "relative_to": "shop", "weight": 1,
             "tiers": tiers((1.0, None, 10), (None, 1.0, 0))}
    m = metrics(received_customers=[100, 200, 300, 200], team=["t1", "t1", "t2", "t2"])
    # shop mean = 800 / 4 = 200
    assert col(score(m, one(share)), "share.value") == [0.5, 1.0, 1.5, 1.0]


# -- tier bounds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "points", "tier"), [
    (19.9, 10, "(-∞, 20]"),
    (20.0, 10, "(-∞, 20]"),     # ≤ 20 s: the upper bound belongs to the tier (closed: right)
    (20.01, 7, "(20, 30]"),
    (30.0, 7, "(20, 30]"),
    (30.5, 3, "(30, +∞)"),
])
def test_right_closed_tiers_for_lower_is_better(seconds: float, points: float, tier: str) -> None:
    line = {"metric": "first_response_s", "weight": 1, "closed": "right",
            "tiers": tiers((None, 20, 10), (20, 30, 7), (30, None, 3))}
    out = score(metrics(first_response_s=[seconds]), one(line))
    assert out["first_response_s.score"][0] == points
    assert out["first_response_s.tier"][0] == tier


@pytest.mark.parametrize(("rate", "points", "tier"), [
    (0.3999, 2, "(-∞, 40%)"),
    (0.40, 6, "[40%, 50%)"),    # the lower bound belongs to the tier (closed: left)
    (0.4999, 6, "[40%, 50%)"),
    (0.50, 10, "[50%, +∞)"),
])
def test_left_closed_tiers(rate: float, points: float, tier: str) -> None:
    line = {"metric": "conv_final", "weight": 1, "tiers": tiers((0.5, None, 10), (0.4, 0.5, 6), (None, 0.4, 2))}
    out = score(metrics(conv_final=[rate]), one(line))
    assert out["conv_final.score"][0] == points
    assert out["conv_final.tier"][0] == tier


def test_tier_label_from_the_scheme() -> None:
    line = {"metric": "conv_final", "weight": 1,
            "tiers": [{"min": 0.5, "score": 10, "label": "优秀"}, {"max": 0.5, "score": 0, "label": "待提升"}]}
    assert col(score(metrics(conv_final=[0.6, 0.1]), one(line)), "conv_final.tier") == ["优秀", "待提升"]


# -- insufficient data -----------------------------------------------------------------------------

TWO = [
    {"metric": "conv_final", "weight": 2, "min_sample": 20, "tiers": tiers((0.5, None, 10), (None, 0.5, 4))},
    {"metric": "reply_rate", "weight": 1, "tiers": tiers((0.95, None, 10), (None, 0.95, 0))},
]


def test_null_value_and_small_sample_are_visible_not_zero() -> None:
    m = metrics(conv_final=[0.6, None, 0.9], conv_base_customers=[30, 0, 19], reply_rate=[0.99, 0.99, 0.5])
    out = score(m, Scheme.parse({"name": "x", "indicators": TWO}))
    assert col(out, "conv_final.status") == ["ok", "insufficient data", "insufficient data"]
    assert col(out, "conv_final.score") == [10, None, None]
    assert col(out, "conv_final.tier") == ["[50%, +∞)", None, None]
    assert col(out, "conv_final.value") == [0.6, None, 0.9]  # shown, but not scored
    # a1: 10·2 + 10·1 = 30 of 30; a2, a3 rebased to the reply line only: full 10·1 = 10
    assert col(out, "total") == [30, 10, 0]
    assert col(out, "full_score") == [30, 10, 10]
    assert col(out, "percent") == [1.0, 1.0, 0.0]
    assert col(out, "status") == ["ok", "incomplete", "incomplete"]
    assert col(out, "missing") == [None, "conv_final", "conv_final"]


def test_insufficient_zero_keeps_the_full_score() -> None:
    m = metrics(conv_final=[None], conv_base_customers=[0], reply_rate=[0.99])
    out = score(m, Scheme.parse({"name": "x", "insufficient": "zero", "indicators": TWO}))
    # 0·2 + 10·1 = 10 of 30
    assert (out["conv_final.score"][0], out["total"][0], out["full_score"][0]) == (0, 10, 30)
    assert out["status"][0] == "incomplete"


def test_insufficient_lowest_scores_the_worst_tier() -> None:
    m = metrics(conv_final=[None], conv_base_customers=[0], reply_rate=[0.99])
    out = score(m, Scheme.parse({"name": "x", "insufficient": "lowest", "indicators": TWO}))
    # 4·2 + 10·1 = 18 of 30
    assert (out["total"][0], out["full_score"][0]) == (18, 30)


def test_agent_with_nothing_scored() -> None:
    m = metrics(conv_final=[None], conv_base_customers=[0], reply_rate=[None])
    out = score(m, Scheme.parse({"name": "x", "pay": {"performance": 1000}, "indicators": TWO}))
    assert out["status"][0] == "not scored"
    assert out["percent"][0] is None and out["rank"][0] is None
    assert out["performance_pay"][0] == 0


def test_target_basis_without_a_target() -> None:
    line = {**COMPLETION, "target": None}
    out = score(metrics(sales_amount=[50000.0]), one(line))
    assert out["completion.status"][0] == "no target"
    assert out["status"][0] == "not scored"


# -- gates, ladders, rewards, penalties ----------------------------------------------------------

def test_gates_and_their_effects() -> None:
    s = Scheme.parse({
        "name": "x", "pay": {"base": 1000, "performance": 1000}, "indicators": [CONV],
        "gates": [{"id": "floor", "indicator": "conv_final", "lt": "40%"},
                  {"id": "slow", "metric": "first_response_s", "gt": 60, "effect": "no_bonus"},
                  {"id": "note", "metric": "reply_rate", "lt": "90%", "effect": "flag"}],
        "ladders": [{"id": "l", "metric": "reply_rate", "steps": [{"ge": 0, "amount": 100}]}],
    })
    m = metrics(conv_final=[0.3, 0.6, 0.6, 0.3], conv_base_customers=[30, 30, 30, 5],
                first_response_s=[10.0, 90.0, 10.0, 10.0], reply_rate=[0.99, 0.99, 0.5, 0.99])
    out = score(m, s)
    assert col(out, "gates") == ["floor", "slow", "note", None]  # a4's conversion lacks data: no gate
    assert col(out, "gate.floor") == [True, False, False, False]
    # a1 fails the floor: no performance pay (ladder kept); a2 no_bonus: neither; a3 flagged only;
    # a4 has no scored indicator (5 inquiries < 20), so no performance pay either
    assert col(out, "performance_pay") == [0, 0, 1000, 0]
    assert col(out, "status") == ["ok", "ok", "ok", "not scored"]
    assert col(out, "ladders") == [100, 0, 100, 100]


def test_ladder_pays_the_highest_step_reached_only() -> None:
    s = Scheme.parse({"name": "x", "ladders": [
        {"id": "conv", "metric": "conv_final", "steps": [{"gt": "50%", "amount": 500}, {"gt": "55%", "amount": 1000}]}]})
    out = score(metrics(conv_final=[0.50, 0.52, 0.55, 0.56, None]), s)
    # > 50% → 500, > 55% → 1000 (not 1500); exactly 50% and 55% do not pass ">"
    assert col(out, "ladder.conv") == [0, 500, 500, 1000, 0]
    assert col(out, "ladders") == col(out, "ladder.conv")


def test_rewards_and_penalties() -> None:
    s = Scheme.parse({"name": "x", "pay": {"base": 3000},
                      "rewards": [{"id": "fast", "metric": "first_response_s", "le": 20, "amount": 200}],
                      "penalties": [{"id": "late", "metric": "first_response_s", "gt": 30, "amount": 100},
                                    {"id": "slow", "metric": "slow_customers", "per_unit": 5, "above": 10, "cap": 300}]})
    m = metrics(first_response_s=[20.0, 25.0, 31.0, None], slow_customers=[0, 12, 100, None])
    out = score(m, s)
    assert col(out, "reward.fast") == [200, 0, 0, 0]
    assert col(out, "penalty.late") == [0, 0, 100, 0]
    # 5 × max(0, slow − 10): 0, 5·2 = 10, 5·90 = 450 capped at 300, null → 0
    assert col(out, "penalty.slow") == [0, 10, 300, 0]
    assert col(out, "penalties") == [0, 10, 400, 0]
    assert col(out, "total_pay") == [3200, 2990, 2600, 3000]


def test_per_unit_reward_only_while_a_threshold_holds() -> None:
    s = Scheme.parse({"name": "x", "rewards": [
        {"id": "rec", "metric": "recovered_orders", "per_unit": 10, "ge": 5}]})
    assert col(score(metrics(recovered_orders=[4, 5, 8]), s), "rewards") == [0, 50, 80]


# -- commission -----------------------------------------------------------------------------------


def test_commission_flat_rate() -> None:
    s = Scheme.parse({"name": "x", "commission": {"rate": "1%"}})
    assert col(score(metrics(sales_amount=[31800.9, None]), s), "commission") == [318.01, 0]


@pytest.mark.parametrize(("mode", "sales", "expected"), [
    ("whole", 40000.0, 400.0),        # 1% of all
    ("whole", 120000.0, 2400.0),      # the 2% band applies to all of it
    ("marginal", 40000.0, 400.0),
    ("marginal", 120000.0, 1650.0),   # 50000·1% + 50000·1.5% + 20000·2% = 500 + 750 + 400
    ("marginal", 50000.0, 500.0),
])
def test_commission_tiers(mode: str, sales: float, expected: float) -> None:
    s = Scheme.parse({"name": "x", "commission": {"mode": mode, "tiers": [
        {"max": 50000, "rate": "1%"}, {"min": 50000, "max": 100000, "rate": "1.5%"}, {"min": 100000, "rate": "2%"}]}})
    assert score(metrics(sales_amount=[sales]), s)["commission"][0] == expected


def test_commission_tied_to_kpi() -> None:
    s = Scheme.parse({"name": "x", "indicators": [CONV], "commission": {"rate": "1%", "kpi_factor": [
        {"min": "90%", "factor": 1.2}, {"max": "90%", "factor": 0.5}]}})
    m = metrics(conv_final=[0.6, 0.3, None], conv_base_customers=[30, 30, 0], sales_amount=[10000.0] * 3)
    # 100 × 1.2 (100% score); 100 × 0.5 (50%); no score → factor 1
    assert col(score(m, s), "commission") == [120, 50, 100]


# -- awards and team goals ---------------------------------------------------------------------


def award_scheme(**award: Any) -> Scheme:
    return Scheme.parse({"name": "x", "indicators": [CONV],
                         "awards": [{"id": "king", "zh": "转化之王", "indicator": "conv_final", "amount": 300, **award}]})


def test_award_goes_to_first_place() -> None:
    m = metrics(conv_final=[0.5, 0.7, 0.9], conv_base_customers=[30, 30, 5])
    # a3 converts best but lacks data (5 < 20): a2 wins
    assert col(score(m, award_scheme()), "award.king") == [0, 300, 0]


@pytest.mark.parametrize(("ties", "expected"), [("share", [150, 150, 0]), ("each", [300, 300, 0]), ("none", [0, 0, 0])])
def test_award_ties(ties: str, expected: list[float]) -> None:
    m = metrics(conv_final=[0.7, 0.7, 0.5], conv_base_customers=[30, 30, 30])
    assert col(score(m, award_scheme(ties=ties)), "award.king") == expected


def test_award_lower_is_better_and_per_team() -> None:
    s = Scheme.parse({"name": "x", "awards": [
        {"id": "fast", "metric": "first_response_s", "amount": 100, "scope": "team"}]})
    m = metrics(first_response_s=[12.0, 9.0, 30.0, 40.0], team=["t1", "t1", "t2", "t2"])
    assert col(score(m, s), "award.fast") == [0, 100, 100, 0]


def test_team_goal_pools_components_not_agent_ratios() -> None:
    s = Scheme.parse({"name": "x", "indicators": [CONV], "team_goals": [
        {"id": "conv65", "metric": "conv_final", "ge": "65%", "fund": 2000}]})
    m = metrics(conv_final=[0.9, 0.6, 0.7, 0.6, 0.6], conv_final_customers=[9, 60, 70, 60, 60],
                conv_base_customers=[10, 100, 100, 100, 100], team=["t1", "t1", "t2", "t2", "t2"])
    out = score(m, s)
    # t1: mean of ratios (0.9 + 0.6) / 2 = 75%, but pooled (9 + 60) / (10 + 100) = 62.7% < 65%: no fund
    # t2: pooled (70 + 60 + 60) / 300 = 63.3% < 65%: no fund either
    assert col(out, "team_goal.conv65") == [0, 0, 0, 0, 0]
    m2 = m.with_columns(conv_final_customers=pl.Series([9, 60, 100, 60, 60]))
    # t2: (100 + 60 + 60) / 300 = 73.3% ≥ 65%: 2000 split equally, 666.67 each
    assert col(score(m2, s), "team_goal.conv65") == [0, 0, 666.67, 666.67, 666.67]


def test_team_goal_split_by_score() -> None:
    s = Scheme.parse({"name": "x", "indicators": [CONV], "team_goals": [
        {"id": "sales", "metric": "sales_amount", "ge": 100000, "fund": 1500, "split": "score"}]})
    m = metrics(conv_final=[0.6, 0.3], conv_base_customers=[30, 30], sales_amount=[60000.0, 40000.0])
    # team sales 100000 ≥ 100000; totals 10 and 5 → 1500 × 10/15 = 1000, 1500 × 5/15 = 500
    assert col(score(m, s), "team_bonus") == [1000, 500]


# -- grades and ranks --------------------------------------------------------------------------


def graded(grades: dict[str, Any], **pay: Any) -> Scheme:
    line = {"metric": "reply_rate", "weight": 1, "tiers": tiers((0.9, None, 10), (0.8, 0.9, 8), (0.7, 0.8, 6),
                                                                (0.6, 0.7, 4), (None, 0.6, 2))}
    return Scheme.parse({"name": "x", "indicators": [line], "grades": grades, **({"pay": pay} if pay else {})})


def test_grades_by_percent_and_rank_ties() -> None:
    s = graded({"bands": [{"min": "80%", "grade": "A"}, {"min": "60%", "max": "80%", "grade": "B"},
                          {"max": "60%", "grade": "C"}]})
    out = score(metrics(reply_rate=[0.95, 0.85, 0.95, 0.65, 0.5]), s)
    # scores 10, 8, 10, 4, 2 of 10 → 100%, 80%, 100%, 40%, 20%
    assert col(out, "percent") == [1.0, 0.8, 1.0, 0.4, 0.2]
    assert col(out, "rank") == [1, 3, 1, 4, 5]  # ties share the better rank
    assert col(out, "grade") == ["A", "A", "A", "C", "C"]


def test_grades_by_rank_quantile() -> None:
    s = graded({"by": "rank", "bands": [{"max": "20%", "grade": "A"}, {"min": "20%", "max": "50%", "grade": "B"},
                                         {"min": "50%", "max": "80%", "grade": "C"}, {"min": "80%", "grade": "D"}]})
    out = score(metrics(reply_rate=[0.95, 0.85, 0.75, 0.65, 0.5]), s)
    # rank / 5 = 20%, 40%, 60%, 80%, 100%; top 20% includes exactly 20% (closed right)
    assert col(out, "grade") == ["A", "B", "C", "C", "D"]


def test_fixed_performance_pay_by_grade() -> None:
    s = graded({"bands": [{"min": "80%", "grade": "A", "pay": 2000}, {"max": "80%", "grade": "B", "pay": 500}]},
               performance_mode="grade")
    assert col(score(metrics(reply_rate=[0.95, 0.5]), s), "performance_pay") == [2000, 500]


# -- the table as a whole ---------------------------------------------------------------------


def test_total_pay_is_the_sum_of_the_parts() -> None:
    s = load_scheme("presales_traffic")
    out = score(template_metrics(), s, manual=template_manual())
    parts = [p for p, _, _ in PAY_PARTS if p not in ("penalties", "total_pay")]
    expected = out.select(pl.sum_horizontal(parts) - pl.col("penalties")).to_series().round(2)
    assert col(out, "total_pay") == expected.to_list()


def test_rows_keep_their_order_and_months_are_scored_apart() -> None:
    share = {"id": "share", "metric": "received_customers", "basis": "relative", "weight": 1,
             "tiers": tiers((1.0, None, 10), (None, 1.0, 0))}
    m = pl.DataFrame({"agent_id": ["b", "a", "b", "a"], "team": ["t"] * 4, "month": ["2026-10", "2026-10", "2026-09", "2026-09"],
                      "received_customers": [100, 300, 300, 100]})
    out = score(m, one(share))
    assert col(out, "agent_id") == ["b", "a", "b", "a"]
    # team mean per month: 200 in each → 0.5, 1.5, 1.5, 0.5; ranks per month
    assert col(out, "share.value") == [0.5, 1.5, 1.5, 0.5]
    assert col(out, "rank") == [2, 1, 1, 2]


def test_labels_cover_every_column() -> None:
    s = load_scheme("presales_traffic")
    out = score(template_metrics(), s, manual=template_manual())
    for lang in ("zh", "en"):
        labels = score_labels(s, lang)
        assert set(out.columns) <= set(labels)
    assert score_labels(s, "zh")["conv_final.score"] == "询单→最终付款成功率得分"
    assert score_labels(s, "en")["award.conversion_king"] == "award: Conversion king"


# -- every template scores a small frame ----------------------------------------------------------


def template_metrics() -> pl.DataFrame:
    """Four agents, two teams, every column the templates read (values chosen by hand)."""
    return pl.DataFrame({
        "agent_id": ["a1", "a2", "a3", "a4"], "name": ["小美", "小雨", "阿杰", "小夏"],
        "team": ["售前一组", "售前一组", "售前二组", "售后组"],
        "role": ["presales", "presales", "presales", "aftersales"], "month": [MONTH] * 4,
        "conv_final": [0.58, 0.47, 0.35, None], "conv_base_customers": [180, 200, 25, 0],
        "conv_final_customers": [104, 94, 9, 0],
        "received_customers": [200, 220, 90, 650], "sales_amount": [95000.0, 70000.0, 12000.0, 0.0],
        "buyers": [300, 260, 50, 0], "aov": [316.7, 269.2, 240.0, None],
        "first_response_s": [15.0, 28.0, 70.0, 22.0], "avg_response_s": [25.0, 40.0, 110.0, 35.0],
        "reply_rate": [0.995, 0.98, 0.93, 0.99], "unreplied_customers": [1, 4, 6, 7],
        "slow_customers": [2, 14, 40, 5], "qa_ratio": [1.6, 1.3, 0.9, 1.1],
        "refund_rate": [0.02, 0.04, 0.09, None],
        "service_score": [4.85, 4.7, 4.3, 4.65], "review_count": [40, 30, 8, 60],
        "recovery_rate": [0.5, 0.3, None, 0.25], "reminded_orders": [20, 15, 0, 12],
        "recovered_orders": [10, 5, 0, 3], "low_quality_reviews": [0, 1, 3, 2], "disputes": [0, 1, 2, 1],
    })


def template_manual() -> pl.DataFrame:
    values = {"chat_review": [92, 81, 65, 88], "typing_speed": [95, 70, 45, 85], "product_test": [94, 82, 58, 90],
              "attendance": [1.0, 0.95, 0.85, 1.0], "daily_conduct": [95, 85, 70, 92], "review_handling": [None, None, None, 86]}
    rows = [(a, MONTH, k, float(v[i])) for k, v in values.items() for i, a in enumerate(["a1", "a2", "a3", "a4"])
            if v[i] is not None]
    return pl.DataFrame(rows, schema=["agent_id", "month", "indicator", "value"], orient="row")


TEMPLATES = ("example_289", "presales_traffic", "presales_service", "presales_growth", "aftersales_returns",
             "aftersales_reputation", "generalist", "stage_early", "stage_growing", "stage_stable")


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_scores_a_small_frame(name: str) -> None:
    s = load_scheme(name)
    out = score(template_metrics(), s, manual=template_manual())
    expected = {"presales": ["a1", "a2", "a3"], "aftersales": ["a4"]}.get(next(iter(s.applies_to.roles), ""), ["a1", "a2", "a3", "a4"])
    assert col(out, "agent_id") == expected
    for part, _, _ in PAY_PARTS:
        assert out[part].null_count() == 0, part
    assert (out["total"] <= out["full_score"]).all()
    assert set(out["status"]) <= {"ok", "incomplete", "not scored"}
    assert (out["total_pay"] >= out["base_pay"] - out["penalties"]).all()


def test_presales_traffic_by_hand() -> None:
    out = score(template_metrics(), load_scheme("presales_traffic"), manual=template_manual())
    a1 = out.row(0, named=True)
    # a1: conv 58% → 10; share 200 / ((200 + 220) / 2 = 210) = 95.2% → 6; sales 95000/30000 = 316.7% → 10;
    # aov 316.7 / ((316.7 + 269.2) / 2 = 292.95) = 108.1% → 8; first response 15 s → 10; service 4.85 → 10
    assert [a1[f"{i}.score"] for i in ("conv_final", "reception_share", "sales_completion", "aov_share",
                                       "first_response_s", "service_score")] == [10, 6, 10, 8, 10, 10]
    # total 10·3 + 6·2 + 10·2 + 8·1 + 10·1 + 10·1 = 90 of 100 → grade A, commission 95000 × 1% × 1.2 = 1140
    assert (a1["total"], a1["grade"], a1["commission"]) == (90, "A", 1140)
    # ladder conv 58% > 55% → 1000; first response 15 ≤ 20 → reward 200; slow 2 ≤ 10 → no penalty
    assert (a1["ladders"], a1["rewards"], a1["penalties"]) == (1000, 200, 0)
    # conversion king (a1 58% of those with ≥ 30 inquiries) 300 + service star (4.85 best) 200
    assert a1["awards"] == 500
    # team conversion 售前一组: (104 + 94) / (180 + 200) = 52.1% < 65% → no team bonus
    assert a1["team_bonus"] == 0
    # 3000 + 500 + 2000 × 90/100 + 1140 + 1000 + 500 + 200 = 8140
    assert a1["total_pay"] == 8140
    a3 = out.row(2, named=True)
    # a3: conversion 35% on 25 inquiries (< 30: insufficient), so the < 40% gate does not fire
    assert (a3["conv_final.status"], a3["gates"]) == ("insufficient data", None)


# -- properties -------------------------------------------------------------------------------------

PROPERTY_SCHEME = load_scheme("presales_traffic")
HIGHER = [i for i in PROPERTY_SCHEME.indicators if i.direction == "higher"]


def random_metrics(values: list[tuple[float, float, float, float, float, float]]) -> pl.DataFrame:
    n = len(values)
    conv, received, sales, aov, first, service = (list(c) for c in zip(*values))
    return pl.DataFrame({
        "agent_id": [f"a{i}" for i in range(n)], "team": [f"t{i % 2}" for i in range(n)], "month": [MONTH] * n,
        "conv_final": conv, "conv_base_customers": [50] * n, "conv_final_customers": [int(c * 50) for c in conv],
        "received_customers": received, "sales_amount": sales, "aov": aov, "first_response_s": first,
        "service_score": service, "review_count": [20] * n, "slow_customers": [3] * n,
    })


AGENT = st.tuples(st.floats(0, 1), st.floats(1, 1000), st.floats(0, 200000), st.floats(1, 1000),
                  st.floats(1, 300), st.floats(1, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(AGENT, min_size=1, max_size=6), st.data())
def test_raising_a_higher_is_better_value_never_lowers_a_total(values: list[tuple[float, ...]], data: st.DataObject) -> None:
    m = random_metrics(values)
    who = data.draw(st.integers(0, m.height - 1))
    line = data.draw(st.sampled_from(HIGHER))
    raise_by = data.draw(st.floats(0, 1e5))
    before = score(m, PROPERTY_SCHEME)["total"][who]
    column = line.metric
    assert column is not None
    bumped = m.with_columns(pl.when(pl.int_range(pl.len()) == who).then(pl.col(column) + raise_by)
                            .otherwise(pl.col(column)).alias(column))
    assert score(bumped, PROPERTY_SCHEME)["total"][who] >= before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(AGENT, min_size=1, max_size=6), st.permutations(range(len(PROPERTY_SCHEME.indicators))))
def test_reordering_indicators_changes_nothing(values: list[tuple[float, ...]], order: list[int]) -> None:
    data = PROPERTY_SCHEME.model_dump(exclude_defaults=True)
    reordered = Scheme.parse({**data, "indicators": [data["indicators"][i] for i in order]})
    m = random_metrics(values)
    a, b = score(m, PROPERTY_SCHEME), score(m, reordered)
    assert a.select(sorted(a.columns)).equals(b.select(sorted(b.columns)))
    assert reordered.content_hash == PROPERTY_SCHEME.content_hash


# -- speed --------------------------------------------------------------------------------------------


def test_rescoring_500_agents_after_a_weight_change_is_fast() -> None:
    import random

    rng = random.Random(5)
    values = [(rng.random(), rng.uniform(50, 800), rng.uniform(0, 150000), rng.uniform(50, 400),
               rng.uniform(5, 120), rng.uniform(4, 5)) for _ in range(500)]
    m = random_metrics(values)
    score(m, PROPERTY_SCHEME)  # warm up
    times = []
    for weight in (1, 2, 3, 4, 5):
        start = time.perf_counter()
        out = score(m, PROPERTY_SCHEME.with_weight("conv_final", weight))
        times.append(time.perf_counter() - start)
    assert out.height == 500
    assert min(times) < 0.100, f"re-scoring took {min(times) * 1000:.0f} ms"


# -- edge cases -----------------------------------------------------------------------------------


def test_scheme_round_trips_through_yaml() -> None:
    import yaml

    for name in TEMPLATES:
        s = load_scheme(name)
        again = Scheme.parse(yaml.safe_load(yaml.safe_dump(s.model_dump(mode="json", exclude_defaults=True), allow_unicode=True)))
        assert again == s and again.content_hash == s.content_hash


def test_no_agents() -> None:
    empty = metrics(conv_final=[0.5], conv_base_customers=[30]).clear()
    out = score(empty, one(CONV))
    assert out.height == 0 and "total_pay" in out.columns


