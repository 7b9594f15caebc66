"""The engine's behaviour on tiny fixtures: month windows, provisional flags, shop totals, params.

Each metric itself is pinned by hand in tests/metrics/test_catalogue.py (the test its
catalogue entry names); this file reuses that file's fixtures.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import dataset, messages, orders
from test_catalogue import SALES, SERVICE

from csana.catalogue import CATALOGUE, PUBLIC_IDS
from csana.errors import CsanaError
from csana.metrics import engine, provisional
from csana.metrics.shop import shop_metrics


def row(frame: pl.DataFrame, agent: str) -> dict:
    return frame.filter(pl.col("agent_id") == agent).row(0, named=True)


# -- shop totals and the audit trail of credit (SALES: its rows and credit are commented in test_catalogue.py) --
def test_shop_counts_each_customer_once():
    shop = shop_metrics(SALES, "2026-10")
    totals = shop.totals.row(0, named=True)
    # customers with a reception: c1, c5, c7, c8, c9 → 5 (though c1 talked to three agents)
    assert totals["consult_customers"] == 5
    # funnel: inquiry c1, c5, c7, c8, c9 = 5 → ordered c1, c7, c8, c9 = 4 → paid c1, c7, c8 = 3
    assert shop.funnel["customers"].to_list() == [5, 5, 5, 4, 3]
    assert shop.funnel["loss"].to_list() == [None, 0, 0, 1, 1]
    # service value: paid in October: served o1, o7a, o7b, o8 = 1000 over 3 buyers; silent o_silent 80
    value = {r["kind"]: r for r in shop.service_value.iter_rows(named=True)}
    assert (value["served"]["orders"], value["served"]["amount"], value["served"]["buyers"]) == (4, 1000.0, 3)
    assert (value["silent"]["orders"], value["silent"]["aov"]) == (1, 80.0)


def test_credited_plus_silent_is_all_paid_sales():
    m = engine.agent_metrics(SALES, "2026-10")
    silent = shop_metrics(SALES, "2026-10").service_value.filter(pl.col("kind") == "silent")["amount"][0]
    assert m["sales_amount"].sum() + silent == 300 + 200 + 100 + 400 + 80


def test_attribution_audit_table():
    att = engine.attribution(SALES, "2026-10").sort("order_id")
    assert att.columns[:7] == ["order_id", "customer_id", "created_at", "paid_at", "amount", "units", "credited_agent"]
    o1 = att.row(0, named=True)
    assert (o1["credited_agent"], o1["assisting_agents"], o1["rule"]) == ("a2", ["a1", "a3"], "last_inquiry")
    assert att.filter(pl.col("order_id") == "o_silent")["credited_agent"][0] is None


# -- month boundaries and provisional flags ---------------------------------------------------------
BOUNDARY = dataset(
    messages(
        ("2026-09-30 23:59:00", "c1", "a1", "customer"),
        ("2026-09-30 23:59:30", "c1", "a1", "agent"),
        ("2026-10-31 20:00:00", "c2", "a1", "customer"),
        ("2026-10-31 20:00:30", "c1", "a1", "customer"),
    ),
    orders(
        ("o1", "c1", "2026-10-01 00:10:00", "2026-10-01 00:20:00", 100),
        ("o2", "c2", "2026-10-31 21:00:00", "2026-11-01 08:00:00", 200),
    ),
)


def test_month_boundaries():
    sep = row(engine.agent_metrics(BOUNDARY, "2026-09"), "a1")
    octo = row(engine.agent_metrics(BOUNDARY, "2026-10"), "a1")
    # o1 is credited through the Sep 30 inquiry: September's conversion, October's sales.
    assert (sep["conv_final"], sep["sales_amount"]) == (1.0, 0.0)
    assert octo["sales_amount"] == 100.0
    # October: inquiries c2 and c1 on Oct 31 (o1 is 30 days old, beyond postsale_days=7);
    # o2 paid Nov 1 = the next day → 1 / 2; its sales fall in November
    assert (octo["inquiry_customers"], octo["conv_next_day"]) == (2, 0.5)
    nov = row(engine.agent_metrics(BOUNDARY, "2026-11"), "a1")
    assert nov["sales_amount"] == 200.0


def test_provisional_flags():
    # the data ends Nov 1 08:00: October's conv_next_day is final (needs Nov 1), conv_final needs Nov 3.
    flags = {r["metric"]: r for r in provisional.provisional(BOUNDARY, "2026-10").iter_rows(named=True)}
    assert flags["conv_next_day"]["provisional"] is False
    assert flags["conv_final"]["provisional"] is True
    assert flags["conv_final"]["final_on"] == dt.date(2026, 11, 3)
    assert flags["repeat_rate"]["final_on"] == dt.date(2026, 12, 30)


def test_latest_complete_month():
    # data ends Nov 1: the latest month covered to its last day is October
    assert engine.latest_complete_month(BOUNDARY) == "2026-10"


def test_month_without_data_is_a_clear_error():
    with pytest.raises(CsanaError, match="no receptions or orders in 2026-03"):
        engine.agent_metrics(BOUNDARY, "2026-03")
    with pytest.raises(CsanaError, match="YYYY-MM"):
        engine.agent_metrics(BOUNDARY, "October")


def test_daily_metrics_sum_to_month_for_additive_counts():
    daily = engine.agent_daily_metrics(SALES, "2026-10")
    monthly = engine.agent_metrics(SALES, "2026-10")
    assert daily["date"].dt.month().unique().to_list() == [10]
    for metric_id in ("sales_amount", "sales_units", "response_count", "agent_msgs", "customer_msgs"):
        assert daily.group_by("agent_id").agg(pl.col(metric_id).sum()).sort("agent_id")[metric_id].to_list() == \
            monthly.sort("agent_id")[metric_id].to_list(), metric_id


def test_params_are_validated_per_call():
    with pytest.raises(CsanaError, match="slow_response_s"):
        engine.agent_metrics(SERVICE, "2026-10", slow_response_s=-1)
    with pytest.raises(CsanaError, match="unknown key 'slow_respons'"):
        engine.agent_metrics(SERVICE, "2026-10", slow_respons=5)


def test_provisional_columns_for_files():
    # data ends Nov 1: October's conv_next_day final on Nov 1 (final), conv_final on Nov 3 (provisional)
    table = provisional.with_provisional(engine.agent_metrics(BOUNDARY, "2026-10"), BOUNDARY)
    first = table.row(0, named=True)
    assert (first["conv_next_day_final_on"], first["conv_next_day_provisional"]) == (dt.date(2026, 11, 1), False)
    assert (first["conv_final_final_on"], first["conv_final_provisional"]) == (dt.date(2026, 11, 3), True)
    # daily rows: Oct 31's next-day conversion needs Nov 1 (final); Sep 30's needs Oct 1
    daily = provisional.with_provisional(engine.agent_daily_metrics(BOUNDARY, "2026-10"), BOUNDARY)
    last = daily.sort("date").row(-1, named=True)
    assert (last["date"], last["conv_next_day_provisional"], last["conv_final_provisional"]) == (dt.date(2026, 10, 31), False, True)


@pytest.mark.parametrize(("key", "value"), [("repeat_days", 10**9), ("postsale_days", 10**12), ("max_gap_s", 10**7),
                                            ("attribution_days", 366)])
def test_absurd_windows_are_params_errors(key, value):
    with pytest.raises(CsanaError, match=key):
        engine.agent_metrics(SERVICE, "2026-10", **{key: value})


def test_a_window_with_a_time_zone_is_a_params_error():
    """'00:00Z' parsed as a time with a zone, and comparing it with a plain end time raised TypeError."""
    with pytest.raises(CsanaError, match="service_hours.start: a time of the shop's day takes no time zone"):
        engine.agent_metrics(SERVICE, "2026-10", service_hours=["00:00Z", "23:00"])


def test_the_same_data_gives_the_same_numbers_on_every_run():
    """Float sums are rounded (catalogue.SUM_DECIMALS): polars adds in parallel in no fixed order, and
    without it a06's sales came out as 29233.95 on one run and 29233.949999999997 on the next."""
    from csana.demo.generator import demo_dataset

    runs = [engine.agent_metrics(demo_dataset(), "2026-10") for _ in range(4)]
    assert all(run.equals(runs[0]) for run in runs[1:])
