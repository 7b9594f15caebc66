"""csana's ``agent_metrics`` against the pandas and DuckDB references (test oracles): every agent, every
core metric, every order's credited agent — on small fixtures, on the demo shop, and through the scripts.

Counts must be equal, floats equal within 1e-9 relative (:mod:`csana.bench.parity`). The
references are written from the metric definitions alone (tests/reference/reference_spec.py),
so agreement of three independent implementations is the evidence; the hand-computed
fixture pins all three to numbers checked by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("pandas")
pytest.importorskip("duckdb")

import drill_shop  # noqa: E402
import pandas_metrics  # noqa: E402
import reference_spec  # noqa: E402
from oracles import reference_results  # noqa: E402

from csana.bench import parity  # noqa: E402
from csana.bench.references import SCRIPTS, reference_params  # noqa: E402
from csana.demo.generator import demo_dataset, write_demo  # noqa: E402
from csana.ingest.dataset import Dataset  # noqa: E402
from csana.params import MetricParams  # noqa: E402

HERE = Path(__file__).parent


def _t(day: int, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2026-10-{day:02d} {clock}")


def hand_dataset() -> Dataset:
    """Three agents, four customers, three orders in October 2026 (see EXPECTED for the arithmetic)."""
    rows = [
        # c1 with a1 on the 1st: burst 09:00:00 (auto ignored) answered 09:00:30 → 30 s (first response);
        # burst 09:01:00 answered 09:03:00 → 120 s > 60: slow.
        (_t(1, "09:00:00"), "c1", "a1", "customer", "在吗"),
        (_t(1, "09:00:00"), "c1", "a1", "auto", "欢迎"),
        (_t(1, "09:00:30"), "c1", "a1", "agent", "在的"),
        (_t(1, "09:01:00"), "c1", "a1", "customer", "包邮吗"),
        (_t(1, "09:03:00"), "c1", "a1", "agent", "包邮"),
        # c2 with a2 on the 1st: one burst of two lines, answered after 20 s.
        (_t(1, "10:00:00"), "c2", "a2", "customer", "有货吗"),
        (_t(1, "10:00:05"), "c2", "a2", "customer", "急"),
        (_t(1, "10:00:20"), "c2", "a2", "agent", "有"),
        # c2 with a1 on the 2nd: spam only → a filtered reception (counts nowhere below).
        (_t(2, "11:00:00"), "c2", "a1", "customer", "加微信领红包"),
        (_t(2, "11:00:05"), "c2", "a1", "agent", "不需要"),
        # c3 with a2 on the 3rd: never answered.
        (_t(3, "11:00:00"), "c3", "a2", "customer", "在吗"),
        # c4 with a3 on the 3rd: same-second reply → 0 s; a3 later assists c4's order credited to a2.
        (_t(3, "08:00:00"), "c4", "a3", "customer", "在吗"),
        (_t(3, "08:00:00"), "c4", "a3", "agent", "在的"),
        (_t(3, "09:00:00"), "c4", "a2", "customer", "还是问一下"),
        (_t(3, "09:00:10"), "c4", "a2", "agent", "您说"),
    ]
    messages = pl.DataFrame(rows, schema={"ts": pl.Datetime("us"), "customer_id": pl.String, "agent_id": pl.String,
                                          "sender": pl.String, "text": pl.String}, orient="row")
    orders = pl.DataFrame(
        [("o1", "c1", _t(1, "12:00:00"), _t(1, "12:30:00"), 100.0, 1),
         ("o2", "c2", _t(2, "12:00:00"), _t(5, "12:00:00"), 50.0, 1),
         ("o3", "c4", _t(3, "12:00:00"), _t(3, "13:00:00"), 80.0, 1)],
        schema={"order_id": pl.String, "customer_id": pl.String, "created_at": pl.Datetime("us"),
                "paid_at": pl.Datetime("us"), "amount": pl.Float64, "units": pl.Int64}, orient="row",
    )
    return Dataset(tables={"messages": messages, "orders": orders}, source="hand")


EXPECTED = {
    # a1: received c1 only (c2 on the 2nd is filtered); c1 inquired, was slow (120 s > 60 s), replied.
    #     first_response = 30 s; responses 30 and 120 → avg 75 s; o1 (c1, created 1st 12:00, inquiry 1st 09:00)
    #     is credited to a1 and paid the same day → conv_final 1/1, sales 100, 1 order created.
    "a1": dict(inquiry_customers=1, slow_customers=1, received_customers=1, replied_customers=1,
               conv_base_customers=1, conv_final_customers=1, created_orders=1,
               first_response_s=30.0, avg_response_s=75.0, reply_rate=1.0, conv_final=1.0, sales_amount=100.0),
    # a2: received c2 (1st), c3 (3rd), c4 (3rd): 3 inquiry customers, c3 unanswered → replied 2 of 3.
    #     first responses 20 s (c2) and 10 s (c4) → mean 15 s; responses the same → avg 15 s.
    #     o2 (c2) credited through the 1st; paid on the 5th, after the 1st + 3 days → not in conv_final.
    #     o3 (c4) credited through a2's 09:00 reception (latest before 12:00) and paid → conv_final.
    #     conv_final = 1 / 3 (c2 no, c3 no, c4 yes); sales: o2 paid 5th (50) + o3 (80) = 130.
    "a2": dict(inquiry_customers=3, slow_customers=0, received_customers=3, replied_customers=2,
               conv_base_customers=3, conv_final_customers=1, created_orders=2,
               first_response_s=15.0, avg_response_s=15.0, reply_rate=2 / 3, conv_final=1 / 3, sales_amount=130.0),
    # a3: c4 inquired at 08:00 with a 0 s reply; o3 went to a2 (later reception), so a3 only assisted c4:
    #     c4 leaves a3's conversion base → conv_base 0, conv_final null; no sales.
    "a3": dict(inquiry_customers=1, slow_customers=0, received_customers=1, replied_customers=1,
               conv_base_customers=0, conv_final_customers=0, created_orders=0,
               first_response_s=0.0, avg_response_s=0.0, reply_rate=1.0, conv_final=None, sales_amount=0.0),
}
IMPLS = ("csana", "pandas", "duckdb")


@pytest.fixture(scope="module")
def hand_results():
    params = MetricParams.load(filter={"keywords": ["加微信"]})
    return reference_results(hand_dataset(), "2026-10", params)


def test_the_references_compute_the_parity_columns():
    """The columns the parity check compares are exactly the ones both references define and return."""
    assert reference_spec.CORE == parity.CORE
    assert reference_spec.CORE_COUNTS == parity.CORE_COUNTS


@pytest.mark.parametrize("impl", IMPLS)
def test_each_implementation_matches_the_hand_computation(hand_results, impl):
    metrics, attribution = hand_results[impl]
    assert metrics.columns == ["agent_id", *parity.CORE]
    got = {row["agent_id"]: row for row in metrics.sort("agent_id").iter_rows(named=True)}
    for agent, expected in EXPECTED.items():
        for column, value in expected.items():
            if value is None:
                assert got[agent][column] is None, (impl, agent, column)
            else:
                assert got[agent][column] == pytest.approx(value, rel=1e-12), (impl, agent, column)
    credited = dict(attribution.select("order_id", "credited_agent").iter_rows())
    assert credited == {"o1": "a1", "o2": "a2", "o3": "a2"}


def test_the_implementations_agree_on_the_hand_data(hand_results):
    assert parity.disagreements(hand_results) == []


def test_disagreements_are_named(hand_results):
    metrics, attribution = hand_results["csana"]
    off = metrics.with_columns(
        pl.when(pl.col("agent_id") == "a2").then(pl.col("avg_response_s") * (1 + 1e-6)).otherwise(pl.col("avg_response_s")),
        pl.when(pl.col("agent_id") == "a1").then(2).otherwise(pl.col("slow_customers")).alias("slow_customers"),
    )
    moved = attribution.with_columns(
        pl.when(pl.col("order_id") == "o3").then(pl.lit("a3")).otherwise(pl.col("credited_agent")).alias("credited_agent")
    )
    problems = parity.disagreements({"csana": hand_results["csana"], "other": (off, moved)})
    assert any("avg_response_s of agent a2" in p for p in problems)
    assert any("slow_customers of agent a1: csana 1" in p for p in problems)
    assert any("order o3: credited to 'a2' by csana, 'a3' by other" in p for p in problems)
    assert len(problems) == 3


def test_within_tolerance_and_missing_rows_agree(hand_results):
    metrics, _ = hand_results["csana"]
    nudged = metrics.with_columns(pl.col("avg_response_s") * (1 + 1e-12))
    assert parity.compare_metrics(metrics, nudged, ("a", "b")) == []
    idle = metrics.filter(pl.col("agent_id") == "a3").with_columns(
        pl.lit("a9").alias("agent_id"), *[pl.lit(0, pl.Int64).alias(c) for c in parity.CORE_COUNTS],
        *[pl.lit(None, pl.Float64).alias(c) for c in parity.CORE_FLOATS if c != "sales_amount"],
        pl.lit(0.0).alias("sales_amount"),
    )
    assert parity.compare_metrics(metrics, pl.concat([metrics, idle]), ("a", "b")) == []


def test_a_missing_column_is_a_disagreement(hand_results):
    metrics, _ = hand_results["csana"]
    assert parity.compare_metrics(metrics, metrics.drop("conv_final"), ("csana", "other")) == ["other has no column conv_final"]


def test_other_attribution_rules_are_refused():
    params = reference_spec.Params.from_dict(reference_params(MetricParams.load(attribution_rule="first_inquiry")))
    with pytest.raises(ValueError, match="last_inquiry"):
        pandas_metrics.core_metrics(None, None, "2026-10", params)


def test_the_drill_down_shop_agrees():
    """The drill-down fixture: post-sale receptions, a blacklisted customer, silent and unpaid orders."""
    results = reference_results(drill_shop.shop(), drill_shop.MONTH, drill_shop.PARAMS)
    assert results["csana"][0].height == 3
    assert parity.disagreements(results) == []


@pytest.fixture(scope="module")
def demo():
    return demo_dataset()


DEMO_PARAMS = {
    "defaults": {},
    "service hours, auto-replies, two slow responses": {
        "service_hours": ["08:00", "23:00"], "count_auto_reply": True, "slow_min_count": 2, "slow_response_s": 30,
    },
    "short windows": {"postsale_days": 1.5, "attribution_days": 0, "final_pay_days": 0, "filter": {}},
}


AGENTS_ACTIVE = {"2026-09": 11, "2026-10": 12}
"""The demo's agents with receptions or credited orders per month (one joins in October)."""


@pytest.mark.parametrize("month", list(AGENTS_ACTIVE))
@pytest.mark.parametrize("case", list(DEMO_PARAMS))
def test_the_demo_shop_agrees(demo, month, case):
    """The bundled demo shop (12 agents, ~54,000 messages): every agent's core metrics and every order's credit."""
    results = reference_results(demo, month, MetricParams.load(**DEMO_PARAMS[case]))
    metrics, credit = results["csana"]
    assert metrics.height == AGENTS_ACTIVE[month] and credit.height == demo.orders.height
    assert credit["credited_agent"].null_count() < credit.height
    assert parity.disagreements(results) == []


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_scripts_read_the_files_csana_reads(demo, tmp_path, fmt):
    """As ``csana bench`` runs them: each reference script on the demo written as CSV or Parquet agrees with csana."""
    write_demo(demo, tmp_path / fmt, fmt)
    params_file = tmp_path / "params.json"
    params_file.write_text(json.dumps(reference_params(MetricParams.load())), encoding="utf-8")
    results = {"csana": reference_results(demo, "2026-10", MetricParams.load())["csana"]}
    for ref, script in SCRIPTS.items():
        out, credit = tmp_path / f"{ref}.csv", tmp_path / f"{ref}.parquet"
        subprocess.run([sys.executable, str(HERE / script), str(tmp_path / fmt), "--month", "2026-10", "--out", str(out),
                        "--params", str(params_file), "--attribution", str(credit)], check=True, timeout=300)
        results[ref] = (parity.read_metrics(out), pl.read_parquet(credit))
    assert parity.disagreements(results) == []
