"""The owner rule: traffic is judged on the shop and its teams, never on an agent, on raw logs and on exports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import yaml
from builders import dataset, messages, table

from csana.diagnosis.findings import diagnose
from csana.diagnosis.intervals import wilson, z_value
from csana.diagnosis.rules import DEFAULT_FILE, load_rules
from csana.errors import CsanaError
from csana.metrics.engine import agent_metrics

RULES = load_rules()
EXPORT = Path(__file__).parents[1] / "data" / "exports" / "赤兔_客服绩效_2024-10-01_2024-10-03.csv"


def rules_with(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_operations_actions_are_never_given_to_one_agent(tmp_path: Path):
    def agent_level(data):
        data["rules"]["few_consultations"]["level"] = "agent"
        data["rules"]["few_consultations"]["checks"] = [{"metric": "consult_customers", "test": "poisson"}]
        data["rules"]["low_sales"]["actions"].append("campaigns")
    with pytest.raises(CsanaError) as err:
        load_rules(rules_with(tmp_path, agent_level))
    text = str(err.value)
    assert "4 problem(s)" in text  # three operations actions of few_consultations, one added to low_sales
    assert "'rules.low_sales.actions': 'campaigns' is owned by operations" in text
    assert "'rules.few_consultations.actions': 'multi_channel_traffic' is owned by operations" in text
    assert "level: shop" in text


def test_a_shop_rule_names_no_agent_and_compares_totals(tmp_path: Path):
    def bad(data):
        data["rules"]["few_consultations"]["actions"].append("product_training")
        data["rules"]["few_consultations"]["checks"][0]["against"] = "median"
        data["rules"]["few_consultations"]["checks"][1]["test"] = "mean"
        data["rules"]["low_conversion"]["checks"][0]["against"] = "history"
    with pytest.raises(CsanaError) as err:
        load_rules(rules_with(tmp_path, bad))
    text = str(err.value)
    assert "'rules.few_consultations.actions': 'product_training' is owned by the agent" in text
    assert "'rules.few_consultations.checks[0].against': a shop rule compares with history or benchmark" in text
    assert "'rules.few_consultations.checks[1].test': a shop rule compares counts" in text
    assert "'rules.low_conversion.checks[0].against': history compares a shop's or team's total" in text


def two_months():
    """September: 60 customers (two a day) consult a1 and a2; October: 31 (one a day) — traffic halves."""
    rows = []
    for day in range(1, 31):
        for k in (1, 2):
            rows.append((f"2026-09-{day:02d} 1{k}:00:00", f"s{day}-{k}", f"a{k}", "customer"))
    rows += [(f"{day:02d} 10:00:00", f"o{day}", f"a{day % 2 + 1}", "customer") for day in range(1, 32)]
    agents = table("agents", ("a1", "小美", "T1", "presales"), ("a2", "小雨", "T1", "presales"),
                   columns=["agent_id", "name", "team", "role"])
    return dataset(messages(*rows), agents=agents)


def test_traffic_against_earlier_months_by_hand():
    ds = two_months()
    found = diagnose(agent_metrics(ds, "2026-10"), ds)
    history = found.shop.filter(pl.col("baseline_kind") == "history")
    assert history["scope"].to_list() == ["*", "T1"]
    row = history.row(0, named=True)
    # 31 in 31 days against 60 in 30 days: rate ratio (31/31) / (60/30) = 0.5; baseline 60/30 × 31 = 62
    assert (row["value"], row["baseline"], row["ratio"]) == (31.0, 62.0, pytest.approx(0.5))
    # given 91 consultations, October's share π = 31/91 has Wilson bounds (l, u); RR = π/(1 − π) × 30/31
    z = z_value(0.95)
    bounds = wilson(pl.col("x"), pl.col("n"), z)
    low, high = pl.DataFrame({"x": [31], "n": [91]}).select(bounds[0].alias("low"), bounds[1].alias("high")).row(0)
    assert row["ci_low"] == pytest.approx(low / (1 - low) * 30 / 31)
    assert row["ci_high"] == pytest.approx(high / (1 - high) * 30 / 31)
    assert row["ci_high"] < row["threshold"] == 0.9 and row["status"] == "weak"
    assert row["note"] == "比基准低 50%, 区间整体低于阈值" and row["baseline_label"] == "前1个月日均 × 31天"
    assert row["owners"] == ["operations"] * 3 and row["actions"][0] == "多渠道引流"
    # no agent is weak on traffic, and no operations action reaches the agents' plan
    assert "few_consultations" not in found.findings["rule"].to_list()
    assert set(found.plan["owner"].to_list()) <= {"agent", "lead"}
    # the first month has nothing to compare with
    first = diagnose(agent_metrics(ds, "2026-09"), ds).shop.filter(pl.col("baseline_kind") == "history")
    assert first["status"].unique().to_list() == ["not_enough_data"] and first["note"][0] == "没有更早月份的数据可比"


def test_an_agents_volume_is_judged_per_online_hour():
    # a1 took 15 of October's 31 customers (the even days) in 10 online hours, a2 16 in 100: per hour, a2 has few
    ds = two_months()
    online = [("a1", dt.date(2026, 10, d), 3600.0) for d in range(1, 11)] + \
             [("a2", dt.date(2026, 10, d), 10 * 3600.0) for d in range(1, 11)]
    ds.tables["online"] = table("online", *online)
    metrics = agent_metrics(ds, "2026-10")
    assert metrics.sort("agent_id")["consult_per_online_hour"].to_list() == [pytest.approx(1.5), pytest.approx(0.16)]
    found = diagnose(metrics, ds).findings.filter(pl.col("rule") == "low_volume_per_hour")
    # two agents cannot form a median (min_agents 3): nobody is flagged on volume
    assert found["status"].unique().to_list() == ["not_enough_data"]


def test_on_an_export_traffic_meets_the_peer_benchmark():
    from csana.exports.load import load_export

    ds = load_export(EXPORT)
    found = diagnose(agent_metrics(ds, "2024-10"), ds, lang="en")
    bench = found.shop.filter(pl.col("baseline_kind") == "benchmark").row(0, named=True)
    # 小美 25 + 小王 16 = 41 consultations (小李's only row is rejected: 销售量 2.5) by 2 agents against
    # 同行同层平均 15 per agent: baseline 30, ratio 41/30, ok
    assert (bench["scope"], bench["value"], bench["baseline"]) == ("*", 41.0, 30.0)
    assert bench["ratio"] == pytest.approx(41 / 30)
    assert bench["status"] == "ok" and bench["baseline_label"] == "peer average (same tier) × 2 agents"
    assert bench["scope_label"] == "whole shop" and bench["note"] == "meets the baseline"
    history = found.shop.filter(pl.col("baseline_kind") == "history").row(0, named=True)
    assert history["status"] == "not_enough_data" and history["note"] == "no earlier month to compare with"
    # the export has no online time: volume per hour cannot be judged, and no agent gets traffic actions
    volume = found.findings.filter(pl.col("rule") == "low_volume_per_hour")
    assert volume["note"].unique().to_list() == ["no data"]
    assert "few_consultations" not in found.findings["rule"].to_list()


def test_the_demo_newcomer_gets_no_traffic_actions():
    from csana.demo.generator import demo_dataset

    ds = demo_dataset()
    found = diagnose(agent_metrics(ds, "2026-10"), ds)
    # 小林 (a04) joined on 29 October: her small volume is not weakness
    assert found.weak.filter(pl.col("agent_id") == "a04").height == 0
    assert "a04" not in found.plan.explode("agents")["agents"].to_list()
    # October's traffic fell against September for the shop and the pre-sales team: operations' job
    weak = found.shop_weak
    assert weak.select("scope", "baseline_kind").rows() == [("*", "history"), ("售前一组", "history")]
    assert weak["ratio"].max() < 0.9
