"""Conversion drill-down on the hand-countable shop of tests/drill_shop.py, and reconciliation on the demo."""

from __future__ import annotations

import polars as pl
import pytest
from drill_shop import MONTH, PARAMS, shop
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.diagnosis.drilldown import (
    SHOP,
    bucket_labels,
    bucket_of,
    conversion_drilldown,
    opportunity,
)
from csana.diagnosis.findings import FINDING_SCHEMA, PLAN_SCHEMA, Diagnosis
from csana.diagnosis.rules import load_rules
from csana.errors import CsanaError
from csana.ingest.dataset import EXPORT_CAPABILITIES, Dataset
from csana.metrics.engine import agent_metrics
from csana.metrics.shop import FUNNEL_STAGES, shop_metrics

RULES = load_rules()


@pytest.fixture(scope="module")
def drill():
    return conversion_drilldown(shop(), MONTH, PARAMS)


def customers(frame: pl.DataFrame, agent: str) -> list[int]:
    return frame.filter(pl.col("agent_id") == agent)["customers"].to_list()


def test_funnel_by_hand(drill):
    # shop: consult 7 (张三 李四 spam 王五 赵六 钱七 孙八), received 6 (spam filtered), inquiry 6,
    # ordered 3 (张三 王五 赵六), paid 2 (张三 赵六: o3 never paid)
    assert customers(drill.funnel, SHOP) == [7, 6, 6, 3, 2]
    # a1: 张三 李四 spam → received 2 → both inquiries → 张三 ordered and paid
    assert customers(drill.funnel, "a1") == [3, 2, 2, 1, 1]
    # a2: 张三 (post-sale, not an inquiry) 王五 赵六 → inquiries 2 → both ordered → 赵六 paid
    assert customers(drill.funnel, "a2") == [3, 3, 2, 2, 1]
    assert customers(drill.funnel, "a3") == [2, 2, 2, 0, 0]
    shop_rows = drill.funnel.filter(pl.col("agent_id") == SHOP)
    assert shop_rows["loss"].to_list() == [None, 1, 0, 3, 1]
    assert shop_rows["rate"].to_list() == pytest.approx([None, 6 / 7, 1.0, 0.5, 2 / 3], nan_ok=True)
    # a3 orders nothing: the paid stage's rate has a zero denominator → null, never NaN
    assert drill.funnel.filter(pl.col("agent_id") == "a3")["rate"].to_list()[-1] is None


def test_funnel_reconciles_with_agent_and_shop_metrics(drill):
    metrics = agent_metrics(shop(), MONTH, PARAMS)
    columns = [col for _, col, _, _ in FUNNEL_STAGES]
    for row in metrics.iter_rows(named=True):
        assert customers(drill.funnel, row["agent_id"]) == [row[c] for c in columns]
    shop_funnel = shop_metrics(shop(), MONTH, PARAMS).funnel
    assert customers(drill.funnel, SHOP) == shop_funnel["customers"].to_list()


def test_bucket_labels():
    assert bucket_labels((20, 30, 60, 120)) == ["≤20s", "20–30s", "30–60s", "60–120s", ">120s"]
    assert bucket_labels((0.5, 2)) == ["≤0.5s", "0.5–2s", ">2s"]
    # right-closed: 20 s is still ≤20s, 20.5 s is not; no answer has no bucket
    times = pl.DataFrame({"s": [0.0, 20.0, 20.5, 120.0, 121.0, None]})
    got = times.select(bucket_of(pl.col("s"), (20, 30, 60, 120)))["s"].to_list()
    assert got == ["≤20s", "≤20s", "20–30s", "60–120s", ">120s", None]


def test_conversion_by_first_response_bucket(drill):
    shop_rows = drill.by_response.filter(pl.col("agent_id") == SHOP)
    # one inquiry reception per bucket: 10 s ≤20 converted, 25 s lost, 45 s lost (o3 unpaid),
    # 90 s converted (o4 paid next morning, within final_pay_days), 180 s lost, no reply lost
    assert shop_rows["bucket"].to_list() == ["≤20s", "20–30s", "30–60s", "60–120s", ">120s", "—"]
    assert shop_rows["receptions"].to_list() == [1] * 6
    assert shop_rows["converted"].to_list() == [1, 0, 0, 1, 0, 0]
    # Wilson at n=1: x=1 → [0.2065, 1]; x=0 → [0, 0.7935] (z²=3.8415: centre (1+1.9207)/4.8415 = 0.6033 …)
    assert shop_rows["ci_low"].to_list()[0] == pytest.approx(0.206549, abs=1e-6)
    assert shop_rows["ci_high"].to_list()[1] == pytest.approx(0.793451, abs=1e-6)
    a2 = drill.by_response.filter(pl.col("agent_id") == "a2")
    assert a2["bucket"].to_list() == ["30–60s", "60–120s"] and a2["converted"].to_list() == [0, 1]


def test_conversion_by_hour(drill):
    shop_rows = drill.by_hour.filter(pl.col("agent_id") == SHOP)
    assert shop_rows["hour"].to_list() == [9, 10, 11, 14, 15, 16]
    assert shop_rows["converted"].to_list() == [1, 0, 0, 1, 0, 0]


def test_unpaid_orders_and_reminders(drill):
    rows = {r["agent_id"]: r for r in drill.unpaid.iter_rows(named=True)}
    # a2: o3 (unpaid, reminded) and o4 (reminded at 20:00, paid next morning → recovered)
    assert (rows["a2"]["created_orders"], rows["a2"]["unpaid_orders"], rows["a2"]["reminded_orders"],
            rows["a2"]["recovered_orders"], rows["a2"]["recovery_rate"]) == (2, 1, 2, 1, 0.5)
    # the shop's credited orders: o1, o3, o4 (o7 and o9 are silent)
    assert (rows[SHOP]["created_orders"], rows[SHOP]["created_paid_orders"], rows[SHOP]["unpaid_orders"]) == (3, 2, 1)
    assert rows["a1"]["recovery_rate"] is None


def test_reminder_effect(drill):
    # outcomes are known (72 h before the data's end, 10 October) for o1, o3, o4, o7 — not o9 (9 October).
    # Landmark 30 min: unpaid then are o3 (never paid) and o4 (paid after 18 h 50); neither had been
    # reminded by then (o3 at 50 min, o4 at 5 h 50): nobody reminded, 2 not reminded of whom 1 paid.
    effect = {(r["comparison"], r["reminded"]): r for r in drill.reminder_effect.iter_rows(named=True)}
    assert (effect["landmark", True]["orders"], effect["landmark", True]["rate"]) == (0, None)
    assert (effect["landmark", False]["orders"], effect["landmark", False]["paid"]) == (2, 1)
    assert effect["landmark", True]["difference"] is None  # no reminded group, no difference
    # naive: o3 and o4 reminded (1 paid) vs o1 and o7 never reminded (both paid at once)
    assert (effect["naive", True]["orders"], effect["naive", True]["paid"], effect["naive", True]["group"]) == (2, 1, "催付")
    assert (effect["naive", False]["orders"], effect["naive", False]["paid"]) == (2, 2)
    assert effect["naive", False]["difference"] == pytest.approx(-0.5)


def test_reminder_landmark_is_a_parameter():
    # at 60 min o3 (reminded at 50 min, never paid) is reminded by the landmark and o4 is not
    rules = RULES.model_copy(update={"drilldown": RULES.drilldown.model_copy(update={"unpaid_after_min": 60})})
    effect = conversion_drilldown(shop(), MONTH, PARAMS, rules=rules).reminder_effect.filter(pl.col("comparison") == "landmark")
    assert effect.select("reminded", "orders", "paid").rows() == [(True, 1, 0), (False, 1, 1)]


def test_lost_reasons_in_the_month(drill):
    shop_rows = drill.lost_reasons.filter(pl.col("agent_id") == SHOP)
    # September's 发货太慢 is outside the month
    assert shop_rows.select("reason", "customers").rows() == [("价格太贵", 2), ("只是看看", 1)]
    assert shop_rows["share"].to_list() == pytest.approx([2 / 3, 1 / 3])
    assert drill.lost_reasons.filter(pl.col("agent_id") == "a3")["share"].to_list() == [0.5, 0.5]


def test_silent_versus_served(drill):
    value = {r["kind"]: r for r in drill.service_value.iter_rows(named=True)}
    # served: o1 ¥100 + o4 ¥200 → AOV 150; silent: o7 ¥50 + o9 ¥80 → AOV 65
    assert (value["served"]["orders"], value["served"]["aov"]) == (2, 150.0)
    assert (value["silent"]["orders"], value["silent"]["aov"]) == (2, 65.0)


def test_no_weak_agent_no_estimate(drill):
    # samples of one or two receptions cannot show weakness, so nothing is estimated
    assert drill.opportunity.height == 0


def findings(*rows: dict) -> Diagnosis:
    """A diagnosis with the given weak findings (other columns null)."""
    frame = pl.DataFrame([{**{c: None for c in FINDING_SCHEMA}, "status": "weak", **r} for r in rows],
                         schema=FINDING_SCHEMA)
    return Diagnosis(frame, pl.DataFrame(schema=PLAN_SCHEMA), RULES)


def test_opportunity_estimates_by_hand(drill):
    metrics = agent_metrics(shop(), MONTH, PARAMS)
    diagnosis = findings(
        # a3: conversion 0 of 2 against a team median of 50%
        {"agent_id": "a3", "name": "小三", "metric": "conv_final", "value": 0.0, "team_median": 0.5, "n": 2},
        # a2: first response 67.5 s against a median of 20 s
        {"agent_id": "a2", "name": "小二", "metric": "first_response_s", "value": 67.5, "team_median": 20.0, "n": 2},
    )
    est = opportunity(metrics, diagnosis.findings, drill.receptions, drill.by_response, (20, 30, 60, 120), "en")
    rows = {r["lever"]: r for r in est.iter_rows(named=True)}
    # conversion: (0.5 − 0) × 2 = 1 extra paid customer; a3 sold nothing, so the team median AOV:
    # AOVs a1 100, a2 200 → median 150 → ¥150
    conv = rows["conversion"]
    assert (conv["agent_id"], conv["extra_paid"], conv["aov"], conv["extra_sales"]) == ("a3", 1.0, 150.0, 150.0)
    # first response: the median 20 s falls in ≤20s (shop rate 1/1); a2's slower receptions: 45 s in 30–60s
    # (rate 0 → gain 1) and 90 s in 60–120s (rate 1 → gain 0) → 1 extra paid customer × a2's AOV ¥200
    resp = rows["first_response"]
    assert (resp["agent_id"], resp["base"], resp["extra_paid"], resp["extra_sales"]) == ("a2", 2, 1.0, 200.0)
    assert est["estimate"].all() and est["method"].str.starts_with("estimate").all()


def test_without_optional_tables():
    from builders import dataset, messages, orders

    ds = dataset(messages(("01 09:00:00", "c1", "a1", "customer"), ("01 09:00:05", "c1", "a1", "agent")),
                 orders(("o1", "c1", "01 10:00:00", "01 10:05:00", 99)))
    drill = conversion_drilldown(ds, MONTH)
    assert drill.lost_reasons.height == 0
    # the only order was paid within minutes, and a day of data leaves no 72 h outcome to observe
    assert drill.reminder_effect["orders"].to_list() == [0, 0, 0, 0] and drill.reminder_effect["rate"].null_count() == 4
    assert customers(drill.funnel, "a1") == [1, 1, 1, 1, 1]


def test_exports_are_refused():
    with pytest.raises(CsanaError, match="raw chat logs"):
        conversion_drilldown(Dataset(tables={}, capabilities=EXPORT_CAPABILITIES), MONTH)


@pytest.fixture(scope="module")
def demo():
    from csana.demo.generator import generate_demo

    return generate_demo(seed=7, agents=8, months=1, scale=0.3)


def test_demo_reconciles(demo):
    drill = conversion_drilldown(demo, "2026-10")
    metrics = agent_metrics(demo, "2026-10")
    columns = [col for _, col, _, _ in FUNNEL_STAGES]
    wide = drill.funnel.filter(pl.col("agent_id") != SHOP).pivot("stage", index="agent_id", values="customers")
    joined = metrics.join(wide, on="agent_id")
    for (stage, col, _, _) in FUNNEL_STAGES:
        assert joined[stage].to_list() == joined[col].to_list()
    assert customers(drill.funnel, SHOP) == shop_metrics(demo, "2026-10").funnel["customers"].to_list()
    # every inquiry reception in exactly one bucket and one hour; agents add up to the shop
    for table in (drill.by_response, drill.by_hour):
        per_agent = table.filter(pl.col("agent_id") != SHOP)["receptions"].sum()
        assert per_agent == table.filter(pl.col("agent_id") == SHOP)["receptions"].sum() == drill.receptions.height
    assert drill.opportunity["extra_paid"].min() is None or drill.opportunity["extra_paid"].min() >= 0
    assert drill.unpaid.filter(pl.col("agent_id") == SHOP)["created_orders"].item() == metrics["created_orders"].sum()
    assert columns  # stages come from the engine


@settings(max_examples=25, deadline=None)
@given(edges=st.lists(st.integers(1, 300), min_size=1, max_size=5, unique=True).map(sorted))
def test_any_buckets_partition_the_receptions(drill, edges):
    from csana.diagnosis.drilldown import conversion_by, inquiry_receptions
    from csana.diagnosis.intervals import z_value

    rec = inquiry_receptions(shop(), MONTH, PARAMS, tuple(float(e) for e in edges))
    table = conversion_by(rec, ["bucket_order", "bucket"], z_value(0.95)).filter(pl.col("agent_id") == SHOP)
    assert table["receptions"].sum() == 6 and table["converted"].sum() == 2
    assert set(table["bucket"]) <= {*bucket_labels(tuple(float(e) for e in edges)), "—"}


def test_lost_reasons_mask_personal_data_typed_by_agents():
    import datetime as dt

    import polars as pl

    from csana.diagnosis.drilldown import lost_reasons
    from csana.ingest.dataset import Dataset

    ds = Dataset(tables={"lost_reasons": pl.DataFrame(
        {"customer_id": ["c1", "c2"], "agent_id": ["a1", "a1"], "date": [dt.date(2026, 10, 1)] * 2,
         "reason": ["嫌贵", "客户留了电话13812345678"]})})
    reasons = lost_reasons(ds, "2026-10")["reason"].to_list()
    assert "嫌贵" in reasons and not any("13812345678" in r for r in reasons)
