"""One hand-computed test per metric of the catalogue, named by its ``test`` field.

Each ``test_<metric_id>`` runs a tiny raw fixture (chat logs and orders written as rows,
times in October 2026: '01 09:00:00' = 2026-10-01 09:00:00, see tests/support/builders.py)
through :func:`csana.agent_metrics` and checks the number worked out in the comments,
with the metric's edge cases: a zero denominator gives null (never NaN, inf or 0),
filtered receptions, auto-replies, service hours, assists, unanswered bursts, the
attribution window … Where a platform export can give the metric, the same fixture also
goes through ``write_export(agent_daily_metrics(...))`` → ``load_export`` →
``agent_metrics`` (:func:`exported`), and the test checks that path gives the same
number — or says why it cannot (people counts summed over days are customer-days;
exports do not separate assisted customers; no flavour gives the measure).

docs/metrics.md (generated from the catalogue) names each metric's test here.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from builders import dataset, messages, orders, table

import csana
from csana.ingest.dataset import Dataset
from csana.metrics import engine
from csana.catalogue import CATALOGUE, METRICS, PUBLIC_IDS, TEST_FILE

MONTH = "2026-10"
ROOT = Path(__file__).resolve().parents[2]
FILTER = {"keywords": ["加微信"], "customers": ["spam01"]}
"""Filter rules of the fixtures: ads offering WeChat contact, and a blacklisted customer."""

Rows = dict[str, dict[str, Any]]


def by_agent(frame: pl.DataFrame) -> Rows:
    return {r["agent_id"]: r for r in frame.iter_rows(named=True)}


def metrics(ds: Dataset, **params: Any) -> Rows:
    """The raw path: every agent's metrics of October."""
    return by_agent(engine.agent_metrics(ds, MONTH, **params))


_EXPORTED: dict[tuple[int, str, str], tuple[Dataset, Rows]] = {}


def exported(ds: Dataset, tmp_path: Path, flavour: str = "chitu", **params: Any) -> Rows:
    """The export path: the fixture's daily metrics written as a ``flavour`` export, read back, aggregated.

    Kept per fixture, flavour and params (several metric tests read the same round trip); the
    fixture is kept with it, so its id cannot be reused by another dataset.
    """
    key = (id(ds), flavour, repr(sorted(params.items())))
    if key not in _EXPORTED:
        daily = engine.agent_daily_metrics(ds, MONTH, **params)
        path = csana.write_export(daily, tmp_path / f"{flavour}_{MONTH}.csv", flavour=flavour)
        _EXPORTED[key] = (ds, by_agent(engine.agent_metrics(csana.load_export(path), MONTH)))
    return _EXPORTED[key][1]


# -- fixtures ---------------------------------------------------------------------------------------

SERVICE = dataset(
    messages(
        # a1 × c1, Oct 1: bursts 09:00 → 30 s (the auto-reply at 09:00:05 does not answer), 09:02 → 150 s
        # (slow), 09:05 unanswered. 3 customer, 3 agent, 1 auto message; 09:00:00 → 09:05:00 = 300 s.
        ("01 09:00:00", "c1", "a1", "customer"),
        ("01 09:00:05", "c1", "a1", "auto"),
        ("01 09:00:30", "c1", "a1", "agent"),
        ("01 09:02:00", "c1", "a1", "customer"),
        ("01 09:04:30", "c1", "a1", "agent"),
        ("01 09:04:40", "c1", "a1", "agent"),
        ("01 09:05:00", "c1", "a1", "customer"),
        # a1 × c1 again, Oct 2: 10:00 → 10:00:20 = 20 s. Duration 20 s.
        ("02 10:00:00", "c1", "a1", "customer"),
        ("02 10:00:20", "c1", "a1", "agent"),
        # a1 × c2, Oct 2: never answered (unreplied customer); duration 0.
        ("02 11:00:00", "c2", "a1", "customer"),
        # a1 × c3, Oct 3: an ad → filtered; the agent's reply is not counted anywhere.
        ("03 12:00:00", "c3", "a1", "customer", "加微信"),
        ("03 12:00:10", "c3", "a1", "agent"),
        # a1 × spam01: blacklisted customer → filtered.
        ("03 13:00:00", "spam01", "a1", "customer"),
        # a2 × spam01, Oct 3, answered: a2 has only a filtered reception, so every service denominator is 0.
        ("03 14:00:00", "spam01", "a2", "customer"),
        ("03 14:00:05", "spam01", "a2", "agent"),
    )
)

HOURS = dataset(
    messages(
        # service hours [08:00, 23:00). a1 × c1, Oct 1: the first burst starts 07:30 (outside), answered in 300 s;
        # the 08:10 burst is answered in 20 s. a1 × c2: 09:00 → 40 s.
        ("01 07:30:00", "c1", "a1", "customer"),
        ("01 07:35:00", "c1", "a1", "agent"),
        ("01 08:10:00", "c1", "a1", "customer"),
        ("01 08:10:20", "c1", "a1", "agent"),
        ("01 09:00:00", "c2", "a1", "customer"),
        ("01 09:00:40", "c2", "a1", "agent"),
    )
)
SERVICE_HOURS = ["08:00", "23:00"]

SALES = dataset(
    messages(
        # c1: a1 inquiry 09:00, a2 inquiry 14:00 (credited), a3 follow-up 15:30 (after order, before pay)
        ("01 09:00:00", "c1", "a1", "customer"),
        ("01 09:00:10", "c1", "a1", "agent"),
        ("01 14:00:00", "c1", "a2", "customer"),
        ("01 14:00:30", "c1", "a2", "agent"),
        ("01 15:30:00", "c1", "a3", "customer"),
        ("01 15:30:20", "c1", "a3", "agent"),
        # c5: a1 inquiry, never orders
        ("02 09:00:00", "c5", "a1", "customer"),
        # c7: a1 and a2 inquire Oct 5; a2 is credited for o7a; ten days later a1 sells o7b.
        ("05 09:00:00", "c7", "a1", "customer"),
        ("05 09:30:00", "c7", "a2", "customer"),
        ("15 09:00:00", "c7", "a1", "customer"),
        # c8: a2 inquiry Oct 10; order the same day, paid 3 days later (final, not next-day)
        ("10 09:00:00", "c8", "a2", "customer"),
        # c9: a2 inquiry Oct 20; order unpaid
        ("20 09:00:00", "c9", "a2", "customer"),
    ),
    orders(
        ("o1", "c1", "01 15:00:00", "01 16:00:00", 300, 2, 50),
        ("o7a", "c7", "05 10:00:00", "05 10:30:00", 200, 1),
        ("o7b", "c7", "15 10:00:00", "15 11:00:00", 100, 1),
        ("o8", "c8", "10 12:00:00", "13 12:00:00", 400, 3),
        ("o9", "c9", "20 12:00:00", None, 500, 1),
        ("o_silent", "c99", "21 12:00:00", "21 12:05:00", 80, 1),
    ),
)
# Credit (latest inquiry before the order, within attribution_days = 3 calendar days):
#   o1 → a2 (a1 assisted before the order, a3 followed up before payment); o7a → a2 (a1 assisted);
#   o7b → a1 (its Oct 15 inquiry: o7a is 10 days old, beyond postsale_days = 7); o8, o9 → a2;
#   o_silent: no reception at all → credited to nobody.

TWICE = dataset(
    messages(
        # a1 sells to c1 on Oct 1 and again on Oct 20 (19 days later: an inquiry again), and to c2 on Oct 2.
        ("01 09:00:00", "c1", "a1", "customer"),
        ("02 09:00:00", "c2", "a1", "customer"),
        ("20 09:00:00", "c1", "a1", "customer"),
    ),
    orders(
        ("o1", "c1", "01 10:00:00", "01 10:05:00", 100, 1),
        ("o2", "c1", "20 10:00:00", "20 10:05:00", 300, 3),
        ("o3", "c2", "02 10:00:00", "02 10:05:00", 200, 2),
    ),
)

REMINDERS = dataset(
    messages(("01 09:00:00", "c1", "a1", "customer")),
    orders(
        ("o1", "c1", "01 10:00:00", "01 12:00:00", 100),  # reminded 11:00 while unpaid → recovered
        ("o2", "c2", "02 10:00:00", None, 100),  # reminded before it existed → not counted
        ("o3", "c3", "03 10:00:00", "03 10:30:00", 100),  # reminded after payment → not counted
        ("o4", "c4", "04 10:00:00", None, 100),  # reminded twice, never paid → reminded once
    ),
    reminders=table(
        "reminders",
        ("01 11:00:00", "a1", "o1"), ("02 09:00:00", "a1", "o2"), ("03 11:00:00", "a1", "o3"),
        ("04 11:00:00", "a1", "o4"), ("04 15:00:00", "a1", "o4"),
    ),
)

REPUTATION = dataset(
    messages(
        ("01 09:00:00", "c1", "a1", "customer"), ("01 09:00:00", "c2", "a1", "customer"),
        # a3 serves c3 and has no review, dispute, online time or sale: its denominators are 0.
        ("01 09:00:00", "c3", "a3", "customer"),
    ),
    orders(
        ("o1", "c1", "01 10:00:00", "01 10:05:00", 100),
        ("o2", "c2", "01 10:00:00", "01 10:05:00", 300),
        ("o1b", "c1", "2026-11-15 10:00:00", "2026-11-15 10:05:00", 50),  # c1 returns within 60 days
        ("o2b", "c2", "2026-12-15 10:00:00", "2026-12-15 10:05:00", 50),  # c2 after 75 days: not repeat
    ),
    # o1 (low_quality not given), o2 (flagged) go to o1's and o2's credited agent a1; the second o2 review names a2.
    reviews=table("reviews", ("o1", "03 10:00:00", 5.0, None, None), ("o2", "03 10:00:00", 3.0, True, None),
                  ("o2", "04 10:00:00", 4.0, False, "a2"),
                  columns=["order_id", "ts", "service_score", "low_quality", "agent_id"]),
    disputes=table("disputes", ("o2", "05 10:00:00")),
    online=table("online", ("a1", dt.date(2026, 10, 1), 7200.0), ("a1", dt.date(2026, 10, 2), 10800.0)),
)


# -- traffic ------------------------------------------------------------------------------------------


def test_consult_customers(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: c1 (Oct 1 and 2), c2, c3 (an ad) and spam01 (blacklisted) → 4 people = 2 received + 2 filtered
    assert m["a1"]["consult_customers"] == 4
    assert m["a2"]["consult_customers"] == 1
    # export: daily counts summed are customer-days: Oct 1 {c1} + Oct 2 {c1, c2} + Oct 3 {c3, spam01} = 5
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["consult_customers"], e["a2"]["consult_customers"]) == (5, 1)


def test_received_customers(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: c1 and c2 had a received reception (c3 and spam01 only filtered ones); a2 none
    assert (m["a1"]["received_customers"], m["a2"]["received_customers"]) == (2, 0)
    # export: Oct 1 {c1} + Oct 2 {c1, c2} = 3 customer-days
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["received_customers"], e["a2"]["received_customers"]) == (3, 0)


def test_filtered_customers(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    assert (m["a1"]["filtered_customers"], m["a2"]["filtered_customers"]) == (2, 1)
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["filtered_customers"], e["a2"]["filtered_customers"]) == (2, 1)
    # a customer with an ad on Oct 3 and a real question on Oct 4 was received in the month: not filtered
    mixed = dataset(messages(("03 12:00:00", "c3", "a1", "customer", "加微信"),
                             ("04 09:00:00", "c3", "a1", "customer", "这个有货吗"), ("04 09:00:20", "c3", "a1", "agent")))
    m = metrics(mixed, filter=FILTER)["a1"]
    assert (m["consult_customers"], m["received_customers"], m["filtered_customers"]) == (1, 1, 0)
    # export: Oct 3 is a day with c3 filtered only → 1 filtered customer-day (and 2 consulting)
    e = exported(mixed, tmp_path, filter=FILTER)["a1"]
    assert (e["consult_customers"], e["filtered_customers"]) == (2, 1)


def test_inquiry_customers(tmp_path):
    # no orders anywhere → every received reception is an inquiry; c1 counts once over two days
    m = metrics(SERVICE, filter=FILTER)
    assert (m["a1"]["inquiry_customers"], m["a2"]["inquiry_customers"]) == (2, 0)
    # SALES: a1 c1, c5, c7 (3); a2 c1, c7, c8, c9 (4); a3 met c1 30 minutes after o1 → post-sale, no inquiry
    s = metrics(SALES)
    assert (s["a1"]["inquiry_customers"], s["a2"]["inquiry_customers"], s["a3"]["inquiry_customers"]) == (3, 4, 0)
    # export: SERVICE a1 Oct 1 {c1} + Oct 2 {c1, c2} = 3 customer-days; SALES a1 c7 on Oct 5 and 15 → 4
    assert exported(SERVICE, tmp_path, filter=FILTER)["a1"]["inquiry_customers"] == 3
    e = exported(SALES, tmp_path)
    assert (e["a1"]["inquiry_customers"], e["a2"]["inquiry_customers"], e["a3"]["inquiry_customers"]) == (4, 4, 0)


# -- sales -------------------------------------------------------------------------------------------


def test_sales_amount(tmp_path):
    m = metrics(SALES)
    # a2 is credited o1 (300), o7a (200), o8 (400, paid Oct 13); o9 is unpaid; a1 sold o7b (100);
    # o_silent (80) had no reception and is nobody's sale
    assert (m["a1"]["sales_amount"], m["a2"]["sales_amount"], m["a3"]["sales_amount"]) == (100.0, 900.0, 0.0)
    e = exported(SALES, tmp_path)
    assert (e["a1"]["sales_amount"], e["a2"]["sales_amount"], e["a3"]["sales_amount"]) == (100.0, 900.0, 0.0)
    # the attribution window: an inquiry earns orders placed up to attribution_days (3) calendar days later
    window = dataset(
        messages(("01 09:00:00", "c1", "a1", "customer"), ("01 09:00:00", "c2", "a1", "customer")),
        orders(("o1", "c1", "04 10:00:00", "04 10:05:00", 100),  # window opens Oct 4 − 3 = Oct 1: credited
               ("o2", "c2", "05 10:00:00", "05 10:05:00", 200)),  # window opens Oct 2: silent
    )
    assert metrics(window)["a1"]["sales_amount"] == 100.0
    assert metrics(window, attribution_days=4)["a1"]["sales_amount"] == 300.0
    assert exported(window, tmp_path)["a1"]["sales_amount"] == 100.0


def test_sales_units(tmp_path):
    m = metrics(SALES)
    # a2: o1 2 + o7a 1 + o8 3 = 6 units; a1: o7b 1
    assert (m["a1"]["sales_units"], m["a2"]["sales_units"], m["a3"]["sales_units"]) == (1, 6, 0)
    e = exported(SALES, tmp_path)
    assert (e["a1"]["sales_units"], e["a2"]["sales_units"], e["a3"]["sales_units"]) == (1, 6, 0)


def test_buyers(tmp_path):
    m = metrics(SALES)
    # a2: c1, c7, c8 (c9 did not pay); a1: c7
    assert (m["a1"]["buyers"], m["a2"]["buyers"], m["a3"]["buyers"]) == (1, 3, 0)
    e = exported(SALES, tmp_path)
    assert (e["a1"]["buyers"], e["a2"]["buyers"], e["a3"]["buyers"]) == (1, 3, 0)
    # TWICE: c1 paid on Oct 1 and Oct 20, c2 on Oct 2 → 2 buyers; the export counts 3 customer-days
    assert metrics(TWICE)["a1"]["buyers"] == 2
    assert exported(TWICE, tmp_path)["a1"]["buyers"] == 3


def test_aov(tmp_path):
    m = metrics(SALES)
    # a2: 900 / 3 buyers = 300; a3 has no buyers → null, not 0
    assert (m["a2"]["aov"], m["a3"]["aov"]) == (300.0, None)
    e = exported(SALES, tmp_path)
    assert (e["a2"]["aov"], e["a3"]["aov"]) == (300.0, None)
    # TWICE: (100 + 300 + 200) / 2 buyers = 300; the export divides by 3 buyer-days → 200
    assert metrics(TWICE)["a1"]["aov"] == 300.0
    assert exported(TWICE, tmp_path)["a1"]["aov"] == 200.0


def test_units_per_buyer(tmp_path):
    m = metrics(SALES)
    # a2: 6 units / 3 buyers = 2; a3 no buyers → null
    assert (m["a2"]["units_per_buyer"], m["a3"]["units_per_buyer"]) == (2.0, None)
    e = exported(SALES, tmp_path)
    assert (e["a2"]["units_per_buyer"], e["a3"]["units_per_buyer"]) == (2.0, None)
    # TWICE: (1 + 3 + 2) / 2 buyers = 3; the export: 6 / 3 buyer-days = 2
    assert metrics(TWICE)["a1"]["units_per_buyer"] == 3.0
    assert exported(TWICE, tmp_path)["a1"]["units_per_buyer"] == 2.0


# -- conversion --------------------------------------------------------------------------------------


def test_conv_next_day(tmp_path):
    m = metrics(SALES)
    # a2: inquiry customers c1, c7, c8, c9 (4); paid by the end of the day after the inquiry's day:
    # c1 (o1 same day), c7 (o7a same day); c8 paid on Oct 13 = inquiry day + 3 → 2 / 4
    assert m["a2"]["conv_next_day"] == 0.5
    # a1: base {c5, c7} (c1 left out: a1 only assisted c1); c7 paid o7b on its Oct 15 inquiry day → 1 / 2
    assert m["a1"]["conv_next_day"] == 0.5
    # a3 had no inquiry: zero denominator → null
    assert m["a3"]["conv_next_day"] is None
    # export: the base is 询单人数 (exports do not separate assisted customers), in customer-days:
    # a1 c1 (Oct 1), c5, c7 (Oct 5), c7 (Oct 15) → 1 / 4; a2 has no assist exclusion → same 2 / 4
    e = exported(SALES, tmp_path)
    assert (e["a1"]["conv_next_day"], e["a2"]["conv_next_day"], e["a3"]["conv_next_day"]) == (0.25, 0.5, None)


def test_conv_final(tmp_path):
    m = metrics(SALES)
    # a2: c1, c7 and c8 (paid Oct 13 < Oct 10 + final_pay_days 3 + 1) of 4; c9 unpaid → 3 / 4
    assert m["a2"]["conv_final"] == 0.75
    # a1: inquiry customers c1, c5, c7; a1 assisted c1 (o1) and c7 (o7a). c1 is left out of the base
    # (not in a1's numerator); c7 stays (a1 sold o7b to c7 through its Oct 15 inquiry) → {c7} / {c5, c7}
    assert (m["a1"]["conv_base_customers"], m["a1"]["conv_final"]) == (2, 0.5)
    # a3: its follow-up of c1 was post-sale: no inquiry → null
    assert m["a3"]["conv_final"] is None
    # with final_pay_days = 2 the window closes at the end of Oct 12: c8 no longer counts → 2 / 4
    assert metrics(SALES, final_pay_days=2)["a2"]["conv_final"] == 0.5
    # no orders at all: a rate of 0 over a base of 2, not null
    assert metrics(SERVICE, filter=FILTER)["a1"]["conv_final"] == 0.0
    # export: base = 询单人数 in customer-days (see test_conv_next_day): a1 1 / 4, a2 3 / 4
    e = exported(SALES, tmp_path)
    assert (e["a1"]["conv_final"], e["a2"]["conv_final"], e["a3"]["conv_final"]) == (0.25, 0.75, None)


def test_order_to_pay(tmp_path):
    m = metrics(SALES)
    # a2's orders created in October: o1, o7a, o8 paid, o9 not → 3 / 4; a1: o7b → 1 / 1; a3 none → null
    assert (m["a1"]["order_to_pay"], m["a2"]["order_to_pay"], m["a3"]["order_to_pay"]) == (1.0, 0.75, None)
    # no flavour gives 下单数 (orders created), so an export cannot give this metric
    assert exported(SALES, tmp_path)["a2"]["order_to_pay"] is None


def test_assist_customers(tmp_path):
    m = metrics(SALES)
    # a1 served c1 and c7 before a2's orders o1 and o7a (协助下单); a3 served c1 between o1's order
    # and payment (协助跟进); a2 assisted nobody
    assert (m["a1"]["assist_customers"], m["a2"]["assist_customers"], m["a3"]["assist_customers"]) == (2, 0, 1)
    e = exported(SALES, tmp_path)
    assert (e["a1"]["assist_customers"], e["a2"]["assist_customers"], e["a3"]["assist_customers"]) == (2, 0, 1)


# -- service -----------------------------------------------------------------------------------------


def test_qa_ratio(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: agent 3 + 1 = 4 messages; customer 3 + 1 + 1 = 5 (filtered receptions and auto-replies excluded)
    assert m["a1"]["qa_ratio"] == pytest.approx(4 / 5)
    # a2: no customer message in a received reception → null
    assert m["a2"]["qa_ratio"] is None
    # counting auto-replies as answers changes bursts, not the messages counted here
    assert metrics(SERVICE, filter=FILTER, count_auto_reply=True)["a1"]["qa_ratio"] == pytest.approx(4 / 5)
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["qa_ratio"], e["a2"]["qa_ratio"]) == (pytest.approx(4 / 5), None)


def test_reply_rate(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: of c1 and c2, only c1 got an agent message → 1 / 2; a2 received nobody → null
    assert (m["a1"]["reply_rate"], m["a2"]["reply_rate"]) == (0.5, None)
    # reply_rate counts human agent messages only, also when auto-replies answer bursts
    assert metrics(SERVICE, filter=FILTER, count_auto_reply=True)["a1"]["reply_rate"] == 0.5
    # export: replied customer-days {c1 Oct 1, c1 Oct 2} / received {c1 Oct 1, c1 Oct 2, c2 Oct 2} = 2 / 3
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["reply_rate"], e["a2"]["reply_rate"]) == (pytest.approx(2 / 3), None)


def test_unreplied_customers(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: received 2 − replied 1 = 1 (c2); filtered customers are never unreplied (a2: 0 − 0)
    assert (m["a1"]["unreplied_customers"], m["a2"]["unreplied_customers"]) == (1, 0)
    # export: Oct 1 1 − 1 + Oct 2 2 − 1 = 1 (c1 was replied on both of its days)
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["unreplied_customers"], e["a2"]["unreplied_customers"]) == (1, 0)


def test_slow_customers(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: c1's Oct 1 reception has a 150 s response (> slow_response_s 60) → 1; a2: 0
    assert (m["a1"]["slow_customers"], m["a2"]["slow_customers"]) == (1, 0)
    # 150 s is not slower than 200 s; one slow response is fewer than slow_min_count 2
    assert metrics(SERVICE, filter=FILTER, slow_response_s=200)["a1"]["slow_customers"] == 0
    assert metrics(SERVICE, filter=FILTER, slow_min_count=2)["a1"]["slow_customers"] == 0
    # HOURS: c1's 300 s response to a burst started 07:30 is slow all day, not within service hours
    assert metrics(HOURS)["a1"]["slow_customers"] == 1
    assert metrics(HOURS, service_hours=SERVICE_HOURS)["a1"]["slow_customers"] == 0
    assert exported(SERVICE, tmp_path, filter=FILTER)["a1"]["slow_customers"] == 1
    assert exported(HOURS, tmp_path, service_hours=SERVICE_HOURS)["a1"]["slow_customers"] == 0


def test_first_response_s(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: first bursts answered in 30 s (Oct 1) and 20 s (Oct 2); c2's never answered → (30 + 20) / 2
    assert m["a1"]["first_response_s"] == 25.0
    # a2: no received reception → null
    assert m["a2"]["first_response_s"] is None
    # with auto-replies counted, Oct 1's first burst is answered by the bot after 5 s → (5 + 20) / 2
    assert metrics(SERVICE, filter=FILTER, count_auto_reply=True)["a1"]["first_response_s"] == 12.5
    # HOURS: all day (300 + 40) / 2; within service hours c1's first burst (07:30) is outside, and
    # its reception gets no first response (not the later 08:10 burst) → 40 / 1
    assert metrics(HOURS)["a1"]["first_response_s"] == 170.0
    assert metrics(HOURS, service_hours=SERVICE_HOURS)["a1"]["first_response_s"] == 40.0
    # export: 首次响应次数 is written with the average, so days combine exactly
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["first_response_s"], e["a2"]["first_response_s"]) == (25.0, None)
    assert exported(HOURS, tmp_path, service_hours=SERVICE_HOURS)["a1"]["first_response_s"] == 40.0


def test_avg_response_s(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: answered bursts 30, 150, 20 (09:05 unanswered, c2 unanswered) → 200 / 3; a2 → null
    assert (m["a1"]["avg_response_s"], m["a2"]["avg_response_s"]) == (pytest.approx(200 / 3), None)
    # auto-replies counted: 5, 150, 20 → 175 / 3
    assert metrics(SERVICE, filter=FILTER, count_auto_reply=True)["a1"]["avg_response_s"] == pytest.approx(175 / 3)
    # HOURS: all day (300 + 20 + 40) / 3 = 120; within service hours (20 + 40) / 2 = 30
    assert metrics(HOURS)["a1"]["avg_response_s"] == 120.0
    assert metrics(HOURS, service_hours=SERVICE_HOURS)["a1"]["avg_response_s"] == 30.0
    # export: 响应次数 is written with the average → exact
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["avg_response_s"], e["a2"]["avg_response_s"]) == (pytest.approx(200 / 3), None)
    assert exported(HOURS, tmp_path, service_hours=SERVICE_HOURS)["a1"]["avg_response_s"] == 30.0


def test_p50_response_s(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: median of [20, 30, 150] = 30; a2: no responses → null
    assert (m["a1"]["p50_response_s"], m["a2"]["p50_response_s"]) == (30.0, None)
    # HOURS: all day [20, 40, 300] → 40; within service hours [20, 40] → 30 (linear interpolation)
    assert metrics(HOURS)["a1"]["p50_response_s"] == 40.0
    assert metrics(HOURS, service_hours=SERVICE_HOURS)["a1"]["p50_response_s"] == 30.0
    # no flavour gives a median, and medians of days cannot be combined into a month's
    assert exported(SERVICE, tmp_path, filter=FILTER)["a1"]["p50_response_s"] is None


def test_p90_response_s(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: [20, 30, 150]: position 0.9 × 2 = 1.8 → 30 + 0.8 × (150 − 30) = 126 (numpy linear); a2 → null
    assert (m["a1"]["p90_response_s"], m["a2"]["p90_response_s"]) == (pytest.approx(126.0), None)
    # HOURS: all day [20, 40, 300] → 40 + 0.8 × 260 = 248; within service hours [20, 40] → 20 + 0.9 × 20 = 38
    assert metrics(HOURS)["a1"]["p90_response_s"] == pytest.approx(248.0)
    assert metrics(HOURS, service_hours=SERVICE_HOURS)["a1"]["p90_response_s"] == pytest.approx(38.0)
    # as for the median: not given by any flavour, not combinable over days
    assert exported(SERVICE, tmp_path, filter=FILTER)["a1"]["p90_response_s"] is None


def test_avg_reception_s(tmp_path):
    m = metrics(SERVICE, filter=FILTER)
    # a1: Oct 1 300 s (the auto-reply is part of the chat) + Oct 2 20 s + c2 0 s = 320 s over 1 replied
    # customer (c1); a2 replied to nobody in a received reception → null
    assert (m["a1"]["avg_reception_s"], m["a2"]["avg_reception_s"]) == (320.0, None)
    # gaps over max_gap_s are cut: with 100 s, Oct 1 keeps 5 + 25 + 90 + 10 + 20 = 150 s (the 150 s gap
    # is cut) → (150 + 20) / 1
    assert metrics(SERVICE, filter=FILTER, max_gap_s=100)["a1"]["avg_reception_s"] == 170.0
    # export: 320 s over 2 replied customer-days (c1 on Oct 1 and Oct 2) = 160
    e = exported(SERVICE, tmp_path, filter=FILTER)
    assert (e["a1"]["avg_reception_s"], e["a2"]["avg_reception_s"]) == (160.0, None)


# -- payment reminders ---------------------------------------------------------------------------------


def test_reminded_orders(tmp_path):
    # o1 and o4 were reminded while unpaid (o4 twice: one order); o2 before it existed, o3 after payment
    assert metrics(REMINDERS)["a1"]["reminded_orders"] == 2
    assert exported(REMINDERS, tmp_path)["a1"]["reminded_orders"] == 2


def test_recovered_orders(tmp_path):
    # of o1 and o4, o1 was paid after its reminder
    assert metrics(REMINDERS)["a1"]["recovered_orders"] == 1
    assert exported(REMINDERS, tmp_path)["a1"]["recovered_orders"] == 1


def test_recovery_rate(tmp_path):
    # 1 recovered / 2 reminded; an agent who reminded nothing → null
    assert metrics(REMINDERS)["a1"]["recovery_rate"] == 0.5
    assert metrics(SERVICE, filter=FILTER)["a1"]["recovery_rate"] is None
    assert exported(REMINDERS, tmp_path)["a1"]["recovery_rate"] == 0.5


# -- after-sales and reputation --------------------------------------------------------------------------


def test_refund_rate(tmp_path):
    m = metrics(SALES)
    # a2: o1's refund 50 / sales 900; a3 sold nothing → null
    assert (m["a2"]["refund_rate"], m["a3"]["refund_rate"]) == (pytest.approx(50 / 900), None)
    # orders without a refund_amount column: no refund measure, so null for everyone (not 0)
    no_refunds = dataset(SALES.messages, SALES.orders.drop("refund_amount"))
    assert metrics(no_refunds)["a2"]["refund_rate"] is None
    e = exported(SALES, tmp_path)
    assert (e["a2"]["refund_rate"], e["a3"]["refund_rate"]) == (pytest.approx(50 / 900), None)


def test_service_score(tmp_path):
    m = metrics(REPUTATION)
    # a1's reviews (no agent given → the order's credited agent): 5 and 3 → 4; the review naming a2 goes
    # to a2 (4); a3 has no review → null
    assert (m["a1"]["service_score"], m["a2"]["service_score"], m["a3"]["service_score"]) == (4.0, 4.0, None)
    # no reviews table at all → null
    assert metrics(SERVICE)["a1"]["service_score"] is None
    # no flavour gives reviews
    assert exported(REPUTATION, tmp_path)["a1"]["service_score"] is None


def test_good_review_rate(tmp_path):
    m = metrics(REPUTATION)
    # service_score ≥ 4 is good: a1 5 (good) and 3 → 1 / 2; a2 4 (good, the boundary) → 1; a3 → null
    assert (m["a1"]["good_review_rate"], m["a2"]["good_review_rate"], m["a3"]["good_review_rate"]) == (0.5, 1.0, None)
    assert metrics(SERVICE)["a1"]["good_review_rate"] is None
    assert exported(REPUTATION, tmp_path)["a1"]["good_review_rate"] is None


def test_low_quality_reviews(tmp_path):
    m = metrics(REPUTATION)
    # a1: o2's review is flagged (o1's does not say: not flagged); a2's is not; a3 has none → 0
    assert (m["a1"]["low_quality_reviews"], m["a2"]["low_quality_reviews"], m["a3"]["low_quality_reviews"]) == (1, 0, 0)
    assert metrics(SERVICE)["a1"]["low_quality_reviews"] is None
    assert exported(REPUTATION, tmp_path)["a1"]["low_quality_reviews"] is None


def test_disputes(tmp_path):
    m = metrics(REPUTATION)
    # the dispute on o2 names no agent → o2's credited agent a1
    assert (m["a1"]["disputes"], m["a2"]["disputes"], m["a3"]["disputes"]) == (1, 0, 0)
    assert metrics(SERVICE)["a1"]["disputes"] is None
    assert exported(REPUTATION, tmp_path)["a1"]["disputes"] is None


def test_repeat_rate(tmp_path):
    m = metrics(REPUTATION)
    # a1's buyers c1 (paid again Nov 15, 45 days later) and c2 (only after 75 days > repeat_days 60) → 1 / 2;
    # a3 has no buyers → null
    assert (m["a1"]["repeat_rate"], m["a3"]["repeat_rate"]) == (0.5, None)
    # TWICE: c1 paid o1 (Oct 1) and again o2 (Oct 20); c2 once → 1 / 2 (c1 is one repeat buyer, not two)
    assert metrics(TWICE)["a1"]["repeat_rate"] == 0.5
    # no flavour gives repeat buyers
    assert exported(REPUTATION, tmp_path)["a1"]["repeat_rate"] is None


def test_online_hours(tmp_path):
    m = metrics(REPUTATION)
    # a1: 2 h + 3 h; a3 has no online rows although the table is given → 0
    assert (m["a1"]["online_hours"], m["a3"]["online_hours"]) == (5.0, 0.0)
    assert metrics(SERVICE)["a1"]["online_hours"] is None
    # 千牛 exports give 在线时长 per day
    assert exported(REPUTATION, tmp_path, flavour="qianniu")["a1"]["online_hours"] == 5.0
    assert exported(REPUTATION, tmp_path)["a1"]["online_hours"] is None  # 赤兔 does not


def test_sales_per_online_hour(tmp_path):
    m = metrics(REPUTATION)
    # a1: sales 100 + 300 over 5 h = 80; a3 was online 0 h → null
    assert (m["a1"]["sales_per_online_hour"], m["a3"]["sales_per_online_hour"]) == (80.0, None)
    assert metrics(SERVICE)["a1"]["sales_per_online_hour"] is None
    assert exported(REPUTATION, tmp_path, flavour="qianniu")["a1"]["sales_per_online_hour"] == 80.0


def test_consult_per_online_hour(tmp_path):
    m = metrics(REPUTATION)
    # a1: c1 and c2 consulted in 5 online hours → 0.4 per hour; a3 was online 0 h → null
    assert (m["a1"]["consult_per_online_hour"], m["a3"]["consult_per_online_hour"]) == (pytest.approx(0.4), None)
    assert metrics(SERVICE)["a1"]["consult_per_online_hour"] is None
    assert exported(REPUTATION, tmp_path, flavour="qianniu")["a1"]["consult_per_online_hour"] == pytest.approx(0.4)


# -- the catalogue and its tests ---------------------------------------------------------------------


def test_every_metric_is_a_column_with_names_and_a_definition():
    columns = engine.agent_metrics(SALES, MONTH).columns
    assert set(PUBLIC_IDS) <= set(columns)
    for entry in CATALOGUE.values():
        assert entry.definition and entry.zh and entry.en, entry.id


def test_every_metric_names_its_test_here_and_the_test_asserts_it():
    assert (ROOT / TEST_FILE).resolve() == Path(__file__).resolve()
    functions = {f.name: f for f in ast.parse(Path(__file__).read_text(encoding="utf-8")).body
                 if isinstance(f, ast.FunctionDef)}
    for m in METRICS:
        file, _, name = m.test.partition("::")
        assert (file, name) == (TEST_FILE, f"test_{m.id}"), m.id
        assert name in functions, f"{m.test} does not exist"
        asserted = {node.value for check in ast.walk(functions[name]) if isinstance(check, ast.Assert)
                    for node in ast.walk(check) if isinstance(node, ast.Constant)}
        assert m.id in asserted, f"{name} asserts nothing about {m.id}"
