"""Attribution rules side by side on the hand-built shop (tests/support/credit_shop.py), pay worked out by hand.

The scheme: one indicator, sales ≥ ¥250 → 10 points else 5; base pay ¥1,000 and 10% commission on sales.
Sales by rule (a1, a2, a3): last_inquiry 200/300/0, first_inquiry 500/0/0, last_before_payment 250/0/300,
split 250/150/100.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from credit_shop import credit_shop
from score_builders import tiers

from csana.cli import main
from csana.demo.generator import write_demo
from csana.errors import CsanaError
from csana.datasets import open_data
from csana.params import MetricParams
from csana.privacy import pseudonym, resolve_salt
from csana.scoring.attribution_compare import compare_rules
from csana.scoring.scheme import Scheme

SCHEME = Scheme.parse({
    "name": "测试", "pay": {"base": 1000},
    "indicators": [{"metric": "sales_amount", "weight": 1, "tiers": tiers((250, None, 10), (None, 250, 5))}],
    "commission": {"metric": "sales_amount", "rate": 0.1},
})
SCHEMES = [("test", SCHEME)]
EXPORTS = Path(__file__).parents[1] / "data" / "exports"

# rule: agent → (sales, total score, rank, pay)
PAY = {
    "last_inquiry": {"a1": (200.0, 5, 2, 1020.0), "a2": (300.0, 10, 1, 1030.0), "a3": (0.0, 5, 2, 1000.0)},
    "first_inquiry": {"a1": (500.0, 10, 1, 1050.0), "a2": (0.0, 5, 2, 1000.0), "a3": (0.0, 5, 2, 1000.0)},
    "last_before_payment": {"a1": (250.0, 10, 1, 1025.0), "a2": (0.0, 5, 3, 1000.0), "a3": (300.0, 10, 1, 1030.0)},
    "split": {"a1": (250.0, 10, 1, 1025.0), "a2": (150.0, 5, 2, 1015.0), "a3": (100.0, 5, 2, 1010.0)},
}


@pytest.fixture(scope="module")
def comparison():
    return compare_rules(credit_shop(), "2026-10", SCHEMES)


def test_each_rule_scores_ranks_and_pays(comparison):
    assert comparison.current == "last_inquiry"
    assert comparison.rules == ("last_inquiry", "first_inquiry", "last_before_payment", "split")
    for rule, agents in PAY.items():
        rows = comparison.agents.filter(pl.col("rule") == rule).sort("agent_id")
        got = {r["agent_id"]: (r["sales_amount"], r["total"], r["rank"], r["total_pay"]) for r in rows.iter_rows(named=True)}
        assert got.keys() == agents.keys()
        for agent, expected in agents.items():
            assert got[agent] == pytest.approx(expected), (rule, agent)


def test_changes_are_against_the_current_rule(comparison):
    lbp = comparison.agents.filter(pl.col("rule") == "last_before_payment").sort("agent_id")
    assert lbp["total_pay_change"].to_list() == pytest.approx([5.0, -30.0, 30.0])
    assert lbp["rank_change"].to_list() == [-1, 2, -1]
    assert lbp["sales_amount_change"].to_list() == pytest.approx([50.0, -300.0, 300.0])
    assert lbp["created_orders_change"].to_list() == pytest.approx([1, -1, 1])
    current = comparison.agents.filter(pl.col("current"))
    assert current["rule"].unique().to_list() == ["last_inquiry"]
    assert current["total_pay_change"].to_list() == [0.0, 0.0, 0.0]


def test_orders_credited_differently_with_pseudonymous_customers(comparison):
    orders = comparison.orders
    assert orders["order_id"].to_list() == ["o1", "o3", "o4"]  # o2 goes to a2 under every rule
    o1 = orders.row(0, named=True)
    assert (o1["last_inquiry"], o1["first_inquiry"], o1["last_before_payment"]) == ("a2", "a1", "a3")
    assert o1["split"] == "a1 + a2（各 1/2）"
    assert orders.row(2, named=True)["last_inquiry"] == "—"
    assert "customer_id" not in orders.columns
    assert o1["customer"] == pseudonym("c1", resolve_salt(None)) and "c1" not in orders["customer"].to_list()


def test_summary(comparison):
    summary = {r["rule"]: r for r in comparison.summary.iter_rows(named=True)}
    assert {r: s["orders_credited_differently"] for r, s in summary.items()} == {
        "last_inquiry": 0, "first_inquiry": 1, "last_before_payment": 2, "split": 2}
    assert {r: s["silent_orders"] for r, s in summary.items()} == {
        "last_inquiry": 1, "first_inquiry": 1, "last_before_payment": 0, "split": 1}
    assert summary["split"]["total_pay"] == pytest.approx(3050.0)
    assert summary["last_before_payment"]["agents_paid_differently"] == 3


def test_the_current_rule_comes_from_the_params_and_is_always_compared():
    params = MetricParams().with_overrides(attribution_rule="split")
    result = compare_rules(credit_shop(), "2026-10", SCHEMES, ["last_inquiry"], params)
    assert result.rules == ("split", "last_inquiry")
    li = result.agents.filter(pl.col("rule") == "last_inquiry").sort("agent_id")
    assert li["total_pay_change"].to_list() == pytest.approx([-5.0, 15.0, -10.0])


def test_unknown_rule_and_exports_are_refused():
    with pytest.raises(CsanaError, match="unknown attribution rule"):
        compare_rules(credit_shop(), "2026-10", SCHEMES, ["last_touch"])
    export = open_data(next(EXPORTS.glob("*.csv")))
    with pytest.raises(CsanaError, match="comparing attribution rules needs raw orders"):
        compare_rules(export, "2024-10", SCHEMES)


def test_cli_writes_the_workbook(tmp_path, capsys):
    data = tmp_path / "shop"
    write_demo(credit_shop(), data)
    scheme = tmp_path / "s.yaml"
    scheme.write_text(
        "name: 测试\npay: {base: 1000}\ncommission: {metric: sales_amount, rate: 0.1}\nindicators:\n"
        "  - {metric: sales_amount, weight: 1, tiers: [{min: 250, score: 10}, {max: 250, score: 5}]}\n", encoding="utf-8")
    out = tmp_path / "compare.xlsx"
    assert main(["attribution", str(data), "--month", "2026-10", "--scheme", str(scheme), "--out", str(out), "--lang", "en"]) == 0
    assert "3 orders credited differently" in capsys.readouterr().out
    agents = pl.read_excel(out, sheet_name="agents", read_options={"header_row": 2})
    split = agents.filter(pl.col("Rule") == "split among the inquiry agents").sort("Agent id")
    assert split["Total pay"].to_list() == pytest.approx([1025.0, 1015.0, 1010.0])
    orders = pl.read_excel(out, sheet_name="orders", read_options={"header_row": 2})
    assert orders["Order"].to_list() == ["o1", "o3", "o4"]
    assert main(["attribution", str(data), "--month", "2026-10", "--scheme", str(scheme)]) == 0
    printed = capsys.readouterr().out
    assert "付款前最后服务（付款判定）" in printed and "(+¥30.00)" in printed
    # a2 under split: ½ o1 + o2 = 1.5 orders (2 under last_inquiry), conv_final 25% (50%)
    assert "1.50 (−0.50)" in printed and "25.0% (−25.0%)" in printed and "归属订单数" in printed
