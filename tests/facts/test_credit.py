"""The four attribution rules on a hand-built shop (tests/support/credit_shop.py), figures worked out by hand."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import dataset, messages, orders
from credit_shop import CREDIT, EXPECTED, FIGURES, SHOP, credit_shop

from csana.facts.credit import RULES
from csana.facts.derived import derive
from csana.metrics import engine
from csana.catalogue import CREDIT_IDS
from csana.metrics.shop import group_metrics
from csana.params import MetricParams

MONTH = "2026-10"


def params(rule: str) -> MetricParams:
    return MetricParams().with_overrides(attribution_rule=rule)


def test_rules_are_the_params_choices():
    assert RULES == ("last_inquiry", "first_inquiry", "last_before_payment", "split")
    with pytest.raises(Exception, match="attribution_rule"):
        MetricParams().with_overrides(attribution_rule="last_touch")


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_credits_its_agents(rule):
    derived = derive(credit_shop(), params(rule))
    got = dict(derived.attribution.select("order_id", "credited_agents").iter_rows())
    assert got == CREDIT[rule]
    shares = derived.credits.group_by("order_id").agg(pl.col("share").sum())
    assert shares["share"].to_list() == pytest.approx([1.0] * shares.height)
    assert derived.attribution["rule"].unique().to_list() == [rule]


@pytest.mark.parametrize("rule", RULES)
def test_per_agent_figures(rule):
    table = engine.agent_metrics(credit_shop(), MONTH, params(rule)).sort("agent_id")
    got = {row["agent_id"]: tuple(row[c] for c in FIGURES) for row in table.iter_rows(named=True)}
    expected = EXPECTED[rule]
    assert got.keys() == expected.keys()
    for agent, values in expected.items():
        assert got[agent] == pytest.approx(values), (agent, dict(zip(FIGURES, got[agent])))


@pytest.mark.parametrize("rule", RULES)
def test_integers_stay_integers_and_split_is_fractional(rule):
    table = engine.agent_metrics(credit_shop(), MONTH, params(rule))
    kinds = {table.schema[c] for c in CREDIT_IDS if c in ("buyers", "sales_units", "created_orders",
                                                          "ordered_customers", "conv_final_customers")}
    assert kinds == ({pl.Float64} if rule == "split" else {pl.Int64})
    assert table.schema["conv_base_customers"] == pl.Int64  # a base of the agent's own inquiry customers


@pytest.mark.parametrize("rule", RULES)
def test_shop_totals(rule):
    totals = group_metrics(credit_shop(), MONTH, params(rule), "shop").row(0, named=True)
    assert (totals["created_orders"], totals["sales_amount"], totals["buyers"]) == pytest.approx(SHOP[rule])


def test_split_adds_up_to_the_shop():
    ds = credit_shop()
    agents = engine.agent_metrics(ds, MONTH, params("split"))
    shop = group_metrics(ds, MONTH, params("split"), "shop").row(0, named=True)
    teams = group_metrics(ds, MONTH, params("split"), "team")
    for column in ("created_orders", "created_paid_orders", "sales_amount", "sales_units", "buyers",
                   "ordered_customers", "conv_next_day_customers", "conv_final_customers"):
        assert agents[column].sum() == pytest.approx(shop[column]), column
        assert teams[column].sum() == pytest.approx(shop[column]), column
    assert shop["ordered_customers"] == 3.0 and shop["conv_final_customers"] == 2.0


def test_split_audit_trail_names_the_lead_and_every_sharer():
    att = engine.attribution(credit_shop(), MONTH, params("split")).sort("order_id")
    o1 = att.row(0, named=True)
    assert (o1["credited_agent"], o1["credited_agents"], o1["credit_share"]) == ("a2", ["a1", "a2"], 0.5)
    assert att.filter(pl.col("order_id") == "o4")["credit_share"][0] is None
    credits = derive(credit_shop(), params("split")).credits.filter(pl.col("order_id") == "o1").sort("agent_id")
    assert credits.select("agent_id", "credit_day", "share").rows() == [  # each sharer's own reception
        ("a1", dt.date(2026, 10, 2), 0.5), ("a2", dt.date(2026, 10, 3), 0.5)]


def test_last_before_payment_assists():
    derived = derive(credit_shop(), params("last_before_payment"))
    assists = derived.assists.select("order_id", "agent_id", "kind").sort("order_id", "agent_id").rows()
    assert assists == [("o1", "a1", "pre_order"), ("o1", "a2", "pre_order"), ("o3", "a3", "pre_order")]


def test_last_before_payment_window_and_strictly_before_payment():
    # c1's only reception after the order starts exactly at paid_at: not before payment → last_inquiry's a1
    # keeps the credit. c2's inquiry lies 4 days before the order's day: outside the window → silent.
    chat = messages(("01 09:00:00", "c1", "a1", "customer"), ("01 16:00:00", "c1", "a2", "customer"),
                    ("01 09:00:00", "c2", "a1", "customer"))
    ords = orders(("o1", "c1", "01 15:00:00", "01 16:00:00", 10), ("o2", "c2", "05 10:00:00", "05 11:00:00", 10))
    att = derive(dataset(chat, ords), params("last_before_payment")).attribution.sort("order_id")
    assert att["credited_agent"].to_list() == ["a1", None]


def test_split_assists_exclude_every_sharer():
    derived = derive(credit_shop(), params("split"))
    assert derived.assists.select("order_id", "agent_id", "kind").rows() == [("o1", "a3", "follow_up")]
