"""Diagnostics: the rule file, the intervals, each rule's weak / ok / not-enough-data verdicts, the plan.

Metric tables are built by hand from components (the ratios recomputed with the
catalogue's own expressions), four peers plus the agent "x" under test.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.catalogue import CATALOGUE
from csana.diagnosis.findings import Diagnosis, diagnose
from csana.diagnosis.intervals import poisson, wilson, z_value
from csana.diagnosis.rules import DEFAULT_FILE, load_rules
from csana.errors import CsanaError

Z95 = 1.959963984540054
RULES = load_rules()

# Typical peer: 300 consultations in 150 online hours (2 per hour), 120 inquiries, 100 buyers spending ¥30,000
# (AOV ¥300, 1.5 units), conversion 55/100, qa 1.2, reply 198/200, first response 15 s over 200, average
# response 40 s over 500.
PEER = {
    "consult_customers": 300, "online_s": 150.0 * 3600,
    "received_customers": 200, "replied_customers": 198, "inquiry_customers": 120,
    "sales_amount": 30000.0, "buyers": 100, "sales_units": 150,
    "conv_final_customers": 55, "conv_base_customers": 100,
    "agent_msgs": 1200, "customer_msgs": 1000,
    "first_response_total_s": 15.0 * 200, "first_response_count": 200,
    "response_total_s": 40.0 * 500, "response_count": 500,
}
PEER_SHIFTS = ({}, {"consult_customers": 280, "sales_amount": 29000.0, "conv_final_customers": 52},
               {"consult_customers": 320, "sales_amount": 31000.0, "conv_final_customers": 58},
               {"consult_customers": 310, "conv_final_customers": 55})
RATIOS = ("aov", "units_per_buyer", "conv_final", "qa_ratio", "reply_rate", "first_response_s", "avg_response_s",
          "online_hours")


def metrics_table(x: dict, peer: dict | None = None, role: str | None = "presales") -> pl.DataFrame:
    """Four peers (p1..p4) and agent x, with every ratio recomputed from its components."""
    rows = [{**PEER, **shift, **(peer or {}), "agent_id": f"p{i + 1}"} for i, shift in enumerate(PEER_SHIFTS)]
    rows.append({**PEER, **(peer or {}), **x, "agent_id": "x"})
    frame = pl.DataFrame(rows).with_columns(
        name=pl.col("agent_id").str.to_uppercase(), team=pl.lit("T1"), role=pl.lit(role), month=pl.lit("2026-10")
    )
    return frame.with_columns([CATALOGUE[r].compute() for r in RATIOS]).with_columns(
        CATALOGUE["consult_per_online_hour"].compute())


def verdict(frame: pl.DataFrame, rule: str, metric: str | None = None, agent: str = "x", **kw) -> dict:
    found = diagnose(frame, **kw).findings.filter((pl.col("agent_id") == agent) & (pl.col("rule") == rule))
    if metric:
        found = found.filter(pl.col("metric") == metric)
    assert found.height == 1, found
    return found.row(0, named=True)


# -- the rule file ----------------------------------------------------------------------------------

def test_rule_file_has_the_eight_rows_and_the_volume_per_hour_in_both_languages():
    assert list(RULES.rules) == [
        "few_consultations", "low_volume_per_hour", "low_sales", "low_aov", "low_conversion", "low_qa_ratio",
        "low_reply_rate", "slow_first_response", "slow_avg_response",
    ]
    for rule in RULES.rules.values():
        assert rule.zh and rule.en and rule.actions
        assert all(c.metric in CATALOGUE for c in rule.checks)
    # consultations are operations' job, not the agent's (source table): a shop rule
    owners = {RULES.actions[a].owner for a in RULES.rules["few_consultations"].actions}
    assert owners == {"operations"} and RULES.rules["few_consultations"].level == "shop"
    assert list(RULES.level("shop")) == ["few_consultations"]
    # the owner rule: no agent-level rule calls for an operations action
    for rule in RULES.level("agent").values():
        assert all(RULES.actions[a].owner != "operations" for a in rule.actions)


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def base_file() -> dict:
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def test_shape_problems_all_reported_with_file_and_key(tmp_path: Path):
    data = base_file()
    data["method"]["confidenc"] = 0.9
    data["rules"]["low_sales"]["checks"][0]["test"] = "t-test"
    data["rules"]["low_aov"]["checks"][0]["margin"] = 1.5
    with pytest.raises(CsanaError) as err:
        load_rules(write(tmp_path, data))
    text = str(err.value)
    assert "rules.yaml" in text and "3 problem(s)" in text
    assert "unknown key 'method.confidenc'" in text and "confidence" in text
    assert "rules.low_sales.checks[0] (sales_amount).test" in text and "rules.low_aov.checks[0]" in text and ".margin" in text


def test_meaning_problems_all_reported(tmp_path: Path):
    data = base_file()
    data["rules"]["low_sales"]["checks"][0]["metric"] = "sales_amont"
    data["rules"]["low_sales"]["actions"].append("yoga")
    data["rules"]["low_qa_ratio"]["checks"][0]["test"] = "wilson"  # messages/messages is not a rate
    data["rules"]["low_conversion"]["checks"][0].pop("norm")  # against: either needs a norm
    data["rules"]["few_consultations"]["checks"][0]["metric"] = "filtered_customers"  # neutral direction
    with pytest.raises(CsanaError) as err:
        load_rules(write(tmp_path, data))
    text = str(err.value)
    assert "6 problem(s)" in text  # the qa_ratio change also leaves its n: that wilson does not use
    assert "'rules.low_qa_ratio.checks[0].n': not used with test: wilson" in text
    assert "unknown metric 'sales_amont'" in text and "did you mean sales_amount" in text
    assert "'rules.low_sales.actions': unknown id 'yoga'" in text
    assert "rules.low_qa_ratio.checks[0].test" in text and "use mean" in text
    assert "rules.low_conversion.checks[0].norm" in text
    assert "cannot be weak" in text


def test_amount_needs_the_count_behind_it(tmp_path: Path):
    data = base_file()
    data["rules"]["low_sales"]["checks"][0].pop("count")
    with pytest.raises(CsanaError, match=r"checks\[0\]\.count.*count: buyers"):
        load_rules(write(tmp_path, data))


# -- intervals --------------------------------------------------------------------------------------

def test_z_value():
    assert z_value(0.95) == pytest.approx(Z95, abs=1e-9)


def test_wilson_by_hand():
    # x=20, n=100, z=1.959964: p=0.2, z²/n=0.0384146, denominator 1.0384146,
    # centre = (0.2 + 0.0192073)/1.0384146 = 0.2110980,
    # half = 1.959964/1.0384146 · √(0.0016 + 3.841459/40000) = 1.887458 · 0.0411830 = 0.0777311
    # → [0.1333669, 0.2888292]. x=0, n=10: the textbook upper bound 0.2775.
    frame = pl.DataFrame({"x": [20, 0, 3], "n": [100, 10, 0]})
    low, high = wilson(pl.col("x"), pl.col("n"), Z95)
    out = frame.select(low=low, high=high)
    assert out["low"].to_list()[:2] == pytest.approx([0.1333669, 0.0], abs=1e-7)
    assert out["high"].to_list()[:2] == pytest.approx([0.2888292, 0.2775328], abs=1e-7)
    assert out.row(2) == (None, None)  # empty sample: no interval


def test_byar_poisson_by_hand():
    # k=10: low = 10·(1 − 1/90 − 1.959964/(3√10))³ = 10·0.782291³ = 4.78745 (exact chi-square 4.795);
    # high = 11·(1 − 1/99 + 1.959964/(3√11))³ = 11·1.186892³ = 18.39146 (exact 18.390);
    # k=0: low 0, high (1 − 1/9 + 1.959964/3)³ = 3.66801 (exact 3.689).
    low, high = poisson(pl.col("k"), Z95)
    out = pl.DataFrame({"k": [10, 0]}).select(low=low, high=high)
    assert out["low"].to_list() == pytest.approx([4.787450, 0.0], abs=1e-5)
    assert out["high"].to_list() == pytest.approx([18.391459, 3.668012], abs=1e-5)


# -- each rule: weak, strong, too small -------------------------------------------------------------

CASES = {
    # peers 280..320 in 150 h → median 2.0 per hour, threshold 1.4; 60 in 150 h = 0.4, Byar upper 77.2/150 = 0.51 < 1.4.
    "low_volume_per_hour": dict(metric="consult_per_online_hour", weak={"consult_customers": 60},
                                strong={"consult_customers": 400},
                                # a new hire with 6 online hours (< 8): too little time worked to judge
                                small={"consult_customers": 4, "online_s": 6.0 * 3600}),
    # median ¥30,000, threshold 21,000; x ¥5,000 from 15 buyers: upper = 333.3 · U(15)=24.7 → ¥8,230 < 21,000.
    "low_sales": dict(metric="sales_amount", weak={"sales_amount": 5000.0, "buyers": 15},
                      strong={"sales_amount": 40000.0, "buyers": 130},
                      # a new hire with 10 inquiries (< 30): low sales, but too few chances to judge selling
                      small={"sales_amount": 1000.0, "buyers": 3, "sales_units": 4, "inquiry_customers": 10}),
    # AOV median 300 (peers 290..310), threshold 255; x ¥150 over 60 buyers; small: 10 buyers < 20.
    "low_aov": dict(metric="aov", weak={"sales_amount": 9000.0, "buyers": 60},
                    strong={"sales_amount": 21000.0, "buyers": 60},
                    small={"sales_amount": 1500.0, "buyers": 10}),
    # median of 55, 52, 58, 55, x → 55%; either with norm 40% → benchmark 55%; 20/100 upper 28.9%.
    "low_conversion": dict(metric="conv_final", weak={"conv_final_customers": 20},
                           strong={"conv_final_customers": 70},
                           small={"conv_final_customers": 1, "conv_base_customers": 5}),
    # qa 1.2 median, threshold 0.96; x 0.6 over 200 customers; small: 10 customers < 20.
    "low_qa_ratio": dict(metric="qa_ratio", weak={"agent_msgs": 600},
                         strong={"agent_msgs": 1300},
                         small={"agent_msgs": 6, "customer_msgs": 10, "received_customers": 10, "replied_customers": 10}),
    # both: min(median 99%, 95%) = 95%; 160/200 = 80% has Wilson upper 84.7%; small: 8/10, n < 20.
    "low_reply_rate": dict(metric="reply_rate", weak={"replied_customers": 160},
                           strong={"replied_customers": 200},
                           small={"received_customers": 10, "replied_customers": 8, "agent_msgs": 12,
                                  "customer_msgs": 10}),
    # both: max(median 15 s, 30 s) = 30 s, threshold 36 s; x 80 s over 200; small: 10 first responses < 30.
    "slow_first_response": dict(metric="first_response_s",
                                weak={"first_response_total_s": 80.0 * 200},
                                strong={"first_response_total_s": 10.0 * 200},
                                small={"first_response_total_s": 800.0, "first_response_count": 10}),
    # both: max(median 40 s, 60 s) = 60 s, threshold 72 s; x 120 s over 500; small: 12 responses.
    "slow_avg_response": dict(metric="avg_response_s",
                              weak={"response_total_s": 120.0 * 500},
                              strong={"response_total_s": 30.0 * 500},
                              small={"response_total_s": 120.0 * 12, "response_count": 12}),
}


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_fires_on_a_weak_agent(rule: str):
    case = CASES[rule]
    found = verdict(metrics_table(case["weak"]), rule, case["metric"])
    assert found["status"] == "weak", found["note"]
    assert found["gap"] == pytest.approx(found["value"] - found["benchmark"])
    assert found["factors"] and found["actions"] and found["n"] is not None


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_silent_on_a_strong_agent(rule: str):
    case = CASES[rule]
    assert verdict(metrics_table(case["strong"]), rule, case["metric"])["status"] == "ok"


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_says_not_enough_data_on_a_small_sample(rule: str):
    case = CASES[rule]
    found = verdict(metrics_table(case["small"], case.get("small_peer")), rule, case["metric"])
    assert found["status"] == "not_enough_data", found


def test_evidence_of_a_weak_conversion_by_hand():
    found = verdict(metrics_table(CASES["low_conversion"]["weak"]), "low_conversion")
    # values 0.55, 0.52, 0.58, 0.55, 0.20 → median 0.55; either(median, 0.40) → the stricter 0.55.
    assert found["team_median"] == pytest.approx(0.55) and found["benchmark"] == pytest.approx(0.55)
    assert found["benchmark_kind"] == "median" and found["median_agents"] == 5
    assert found["value"] == pytest.approx(0.20) and found["gap"] == pytest.approx(-0.35)
    assert found["gap_pct"] == pytest.approx(-0.35 / 0.55)
    assert (found["n"], found["ci_low"], found["ci_high"]) == (100, pytest.approx(0.1333669), pytest.approx(0.2888292))
    assert found["factors"] == ["服务主动性", "产品知识", "催付话术与时机"]
    assert found["actions"] == ["产品知识培训+考核", "服务意识引导", "催付话术与时机培训"]


def test_overlapping_interval_is_not_enough_data_not_weak():
    # 9/20 = 45% is below the 55% benchmark, but Wilson [25.8%, 65.8%] contains it: the sample cannot tell.
    found = verdict(metrics_table({"conv_final_customers": 9, "conv_base_customers": 20}), "low_conversion")
    assert found["status"] == "not_enough_data"
    assert found["ci_low"] < found["threshold"] < found["ci_high"]
    assert found["note"] == "样本无法判断: 区间跨过阈值"


def test_benchmark_falls_back_to_norm_without_enough_peers():
    # only x: no median (min_agents 3) → either uses the 40% norm; 20/100 upper 28.9% < 40% → weak.
    frame = metrics_table({"conv_final_customers": 20}).filter(pl.col("agent_id") == "x")
    found = verdict(frame, "low_conversion")
    assert found["team_median"] is None and found["benchmark_kind"] == "norm" and found["status"] == "weak"
    # a median-only rule has no benchmark then
    assert verdict(frame, "low_qa_ratio")["status"] == "not_enough_data"


def test_both_takes_the_lenient_benchmark_and_either_the_strict_one():
    # first response: median 15 s, norm 30 s; both → 30 s (threshold 36 s): 25 s is ok.
    frame = metrics_table({"first_response_total_s": 25.0 * 200})
    assert verdict(frame, "slow_first_response")["benchmark"] == 30
    assert verdict(frame, "slow_first_response")["status"] == "ok"
    # the same data judged with either → 15 s (threshold 18 s): 25 s is weak.
    data = base_file()
    data["rules"]["slow_first_response"]["checks"][0]["against"] = "either"
    rules = load_rules_from(data)
    found = verdict(frame, "slow_first_response", rules=rules)
    assert (found["benchmark"], found["threshold"], found["status"]) == (15, pytest.approx(18), "weak")


def load_rules_from(data: dict):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        return load_rules(write(Path(tmp), data))


def test_roles_limit_rules_and_unknown_roles_are_included():
    after = diagnose(metrics_table(CASES["low_conversion"]["weak"], role="aftersales"))
    assert "low_conversion" not in after.findings["rule"].to_list()
    assert "slow_first_response" in after.findings["rule"].to_list()
    unknown = verdict(metrics_table(CASES["low_conversion"]["weak"], role=None), "low_conversion")
    assert unknown["status"] == "weak"


def test_team_scope_uses_each_teams_median():
    # T1: six agents at 55/100; T2: three at 25/100 and x at 20/100.
    # shop median of 20, 25×3, 55×6 = 55 → x's upper bound 28.9% < 55% → weak;
    # T2's median of 20, 25, 25, 25 = 25 → 28.9% > 25%: the sample cannot tell.
    rows = [(f"a{i}", "T1", 55) for i in range(6)] + [(f"b{i}", "T2", 25) for i in range(3)] + [("x", "T2", 20)]
    frame = pl.DataFrame(rows, schema=["agent_id", "team", "conv_final_customers"], orient="row").with_columns(
        conv_base_customers=pl.lit(100), role=pl.lit("presales")
    ).with_columns(CATALOGUE["conv_final"].compute())
    data = base_file()
    data["rules"]["low_conversion"]["checks"][0]["against"] = "median"
    data["rules"]["low_conversion"]["checks"][0].pop("norm")
    shop = verdict(frame, "low_conversion", rules=load_rules_from(data))
    assert shop["benchmark"] == pytest.approx(0.55) and shop["status"] == "weak"
    data["method"]["scope"] = "team"
    team = verdict(frame, "low_conversion", rules=load_rules_from(data))
    assert team["benchmark"] == pytest.approx(0.25) and team["status"] == "not_enough_data"
    # a team too small for a median (min_agents 3) falls back to the shop's
    data["method"]["min_agents"] = 5
    small_team = verdict(frame, "low_conversion", rules=load_rules_from(data))
    assert small_team["benchmark"] == pytest.approx(0.55) and small_team["median_agents"] == 10


def test_english_labels_and_bad_language():
    found = verdict(metrics_table(CASES["low_aov"]["weak"]), "low_aov", "aov", lang="en")
    assert found["rule_label"] == "Low AOV / units per buyer" and "Cross-selling and bundle training" in found["actions"]
    with pytest.raises(CsanaError, match="zh or en"):
        diagnose(metrics_table({}), lang="fr")


def test_missing_agent_id_is_a_user_error():
    with pytest.raises(CsanaError, match="agent_id"):
        diagnose(pl.DataFrame({"conv_final": [0.5]}))


# -- the plan ---------------------------------------------------------------------------------------

def test_plan_ranks_actions_by_agents_needing_them_counting_each_agent_once():
    frame = metrics_table({"sales_amount": 5000.0, "buyers": 15, "conv_final_customers": 20})
    frame = frame.with_columns(
        # p4 is slow to answer first; x is weak on sales (→ product training) and conversion (→ product training)
        first_response_total_s=pl.when(pl.col("agent_id") == "p4").then(80.0 * 200).otherwise(pl.col("first_response_total_s"))
    ).with_columns(CATALOGUE["first_response_s"].compute())
    result = diagnose(frame)
    assert isinstance(result, Diagnosis) and result.weak_agents() == ["p4", "x"]
    plan = {r["action"]: r for r in result.plan.iter_rows(named=True)}
    assert plan["product_training"]["agents_needing"] == 1 and plan["product_training"]["agents"] == ["x"]
    assert plan["product_training"]["rules"] == ["销售额低", "询单转化率低"]
    assert plan["auto_reply_setup"]["agents"] == ["p4"] and plan["auto_reply_setup"]["names"] == ["P4"]
    assert "cross_sell_training" not in plan
    # every action needed by one agent; ties keep the file's action order
    order = list(RULES.actions)
    assert result.plan["action"].to_list() == sorted(plan, key=order.index)


def test_plan_counts_agents_across_rules():
    # x and p4 both slow on first response; x also weak on conversion
    frame = metrics_table({"first_response_total_s": 80.0 * 200, "conv_final_customers": 20})
    frame = frame.with_columns(
        first_response_total_s=pl.when(pl.col("agent_id") == "p4").then(90.0 * 200).otherwise(pl.col("first_response_total_s"))
    ).with_columns(CATALOGUE["first_response_s"].compute())
    plan = diagnose(frame).plan
    assert plan["action"].to_list()[:2] == ["auto_reply_setup", "client_tool_training"]
    assert plan["agents_needing"].to_list()[:2] == [2, 2]


# -- invariants -------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(
    base=st.integers(0, 400),
    paid_share=st.floats(0, 1),
    peers=st.lists(st.tuples(st.integers(20, 400), st.floats(0, 1)), min_size=0, max_size=6),
)
def test_a_rate_is_weak_only_when_its_whole_interval_is_below_the_threshold(base, paid_share, peers):
    rows = [(f"p{i}", b, round(b * s)) for i, (b, s) in enumerate(peers)] + [("x", base, round(base * paid_share))]
    frame = pl.DataFrame(rows, schema=["agent_id", "conv_base_customers", "conv_final_customers"], orient="row")
    frame = frame.with_columns(CATALOGUE["conv_final"].compute(), role=pl.lit("presales"))
    found = diagnose(frame).findings.filter(pl.col("rule") == "low_conversion")
    assert found.height == frame.height
    weak = found.filter(pl.col("status") == "weak")
    assert (weak["ci_high"] < weak["threshold"]).all()
    assert (weak["n"] >= 20).all()
    small = found.filter(pl.col("n") < 20)
    assert (small["status"] == "not_enough_data").all()
    ok = found.filter(pl.col("status") == "ok")
    assert (ok["value"] >= ok["threshold"]).all()


def test_intervals_of_averages_from_the_raw_events():
    from drill_shop import MONTH, PARAMS, shop

    from csana.metrics.engine import agent_metrics

    ds = shop()
    found = diagnose(agent_metrics(ds, MONTH, PARAMS), ds, params=PARAMS).findings.filter(pl.col("agent_id") == "a1")
    first = found.filter(pl.col("metric") == "first_response_s").row(0, named=True)
    # a1's first responses 10 s and 25 s: mean 17.5, sd √112.5 = 10.6066, half 1.959964 · 10.6066/√2 = 1.959964 · 7.5
    # = 14.69973
    assert (first["value"], first["n"]) == (17.5, 2)
    assert (first["ci_low"], first["ci_high"]) == (pytest.approx(2.80027, abs=1e-4), pytest.approx(32.19973, abs=1e-4))
    avg = found.filter(pl.col("metric") == "avg_response_s").row(0, named=True)
    # a1's answered bursts 10, 20, 25 s (李四's last burst went unanswered): mean 18.333, sd √58.333 = 7.6376,
    # half 1.959964 · 7.6376/√3 = 8.6426
    assert avg["n"] == 3
    assert (avg["ci_low"], avg["ci_high"]) == (pytest.approx(9.6907, abs=1e-3), pytest.approx(26.9760, abs=1e-3))
    # the metric table alone carries what the intervals need (the spread measures, Σ x²): same without the dataset
    alone = diagnose(agent_metrics(ds, MONTH, PARAMS)).findings.filter(pl.col("agent_id") == "a1")
    assert alone.filter(pl.col("test") == "mean").equals(found.filter(pl.col("test") == "mean"))
    # a table without them (as from a platform export) gives the same averages no interval
    spreads = ["first_response_sq_total_s", "response_sq_total_s", "buyer_amount_sq_total", "buyer_units_sq_total"]
    bare = diagnose(agent_metrics(ds, MONTH, PARAMS).drop(spreads)).findings
    assert bare.filter(pl.col("test") == "mean")["ci_low"].null_count() == bare.filter(pl.col("test") == "mean").height


def test_mean_interval_floor():
    from csana.diagnosis.intervals import mean_interval

    # mean 10, sd 20, n 4: 10 ± 1.959964 · 10 = [−9.6, 29.6]; times cannot be negative → floor 0
    low, high = mean_interval(pl.col("m"), pl.col("sd"), pl.col("n"), Z95)
    out = pl.DataFrame({"m": [10.0, 10.0], "sd": [20.0, None], "n": [4, 4]}).select(low=low, high=high)
    assert out.row(0) == (0.0, pytest.approx(29.59964))
    assert out.row(1) == (None, None)
    raw_low, _ = mean_interval(pl.col("m"), pl.col("sd"), pl.col("n"), Z95, floor=None)
    assert pl.DataFrame({"m": [10.0], "sd": [20.0], "n": [4]}).select(raw_low).item() == pytest.approx(-9.59964)


def test_cli_prints_findings_and_plan(tmp_path: Path):
    from click.testing import CliRunner

    from csana.cli import cli
    from csana.demo.generator import generate_demo, write_demo

    write_demo(generate_demo(seed=3, agents=6, months=1, scale=0.3), tmp_path / "shop")
    runner = CliRunner()
    zh = runner.invoke(cli, ["diagnose", str(tmp_path / "shop"), "--month", "2026-10"], catch_exceptions=False)
    assert zh.exit_code == 0, zh.output
    assert "团队培训计划" in zh.output and "a01" in zh.output
    en = runner.invoke(cli, ["diagnose", str(tmp_path / "shop"), "--month", "2026-10", "--lang", "en", "--all"],
                       catch_exceptions=False)
    assert "team training plan" in en.output and "meets the threshold" in en.output


def test_cli_reports_a_bad_rule_file_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from csana.cli import main

    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  x:\n    zh: 甲\n    en: x\n    checks: [{metric: nope, test: mean}]\n    actions: [a]\n",
                   encoding="utf-8")
    assert main(["diagnose", "demo", "--rules", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "rules.yaml" in err and "unknown metric 'nope'" in err and "unknown id 'a'" in err
