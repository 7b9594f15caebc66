"""The metrics the platforms assess, computed from raw chat logs on hand-computed fixtures.

reply_3min_rate, reply_3min_rate_allday, answer_30s_rate, conv_order, satisfaction_rate and
dissatisfaction_rate (csana.catalogue names these tests). Each ratio's Σ numerator / Σ
denominator is written out in a comment. A reception is one customer with one agent on one
day, so these counts are customer-days: a month is the sum of its days.

Each test also takes the fixture round the export path: its daily metrics written as an export
(``write_export``), read back (``load_export``) and aggregated — exact through csana's own export (赤兔
headers with the rates' bases) and through the flavours that give a rate's parts (拼多多's 需要人工回复的
咨询人数 and 3分钟未回复人数, 抖店's 有效评价数 and 有效好评数, 京东's 售前接待人数 and 促成下单人数); close, not
exact, where a flavour gives a rate without its base and the days are weighted by 接待量.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from builders import dataset, messages, orders, table

import csana
from csana.catalogue import METRIC_BY_ID, PLATFORM_TEST_FILE
from csana.errors import CsanaError
from csana.metrics import engine
from csana.params import MetricParams

MONTH = "2026-10"


def row(frame: pl.DataFrame, agent: str) -> dict:
    return frame.filter(pl.col("agent_id") == agent).row(0, named=True)


# Receptions of a1 (assess_window 08:00–23:00, reply_threshold_s 180; answer_window 09:00–23:00, 30 s):
#   r1 c1 Oct 1: 07:30 burst → 07:31 (60 s, before both windows); 08:30 burst → 08:34 (240 s, late)
#   r2 c2 Oct 1: 09:00 burst → 09:00:20 (20 s)
#   r3 c3 Oct 2: 10:00 burst, never answered
#   r4 c1 Oct 2: 23:10 burst → 23:11 (60 s, after both windows)
#   r5 c4 Oct 3: 08:40 burst → 08:42 (120 s); 09:30 burst → 09:30:40 (40 s)
#   r6 c5 Oct 3: an ad (filtered): not a reception of any rate
ASSESSED = dataset(
    messages(
        ("01 07:30:00", "c1", "a1", "customer"),
        ("01 07:31:00", "c1", "a1", "agent"),
        ("01 08:30:00", "c1", "a1", "customer"),
        ("01 08:34:00", "c1", "a1", "agent"),
        ("01 09:00:00", "c2", "a1", "customer"),
        ("01 09:00:10", "c2", "a1", "auto"),
        ("01 09:00:20", "c2", "a1", "agent"),
        ("02 10:00:00", "c3", "a1", "customer"),
        ("02 23:10:00", "c1", "a1", "customer"),
        ("02 23:11:00", "c1", "a1", "agent"),
        ("03 08:40:00", "c4", "a1", "customer"),
        ("03 08:42:00", "c4", "a1", "agent"),
        ("03 09:30:00", "c4", "a1", "customer"),
        ("03 09:30:40", "c4", "a1", "agent"),
        ("03 12:00:00", "c5", "a1", "customer", "加微信"),
    )
)
FILTER = {"keywords": ["加微信"], "customers": []}


def assessed_metrics(**overrides) -> dict:
    return row(engine.agent_metrics(ASSESSED, MONTH, filter=FILTER, **overrides), "a1")


_EXPORTED: dict[tuple[int, str, str], tuple[object, dict, list[str]]] = {}


def exported(ds, tmp_path: Path, flavour: str = "chitu", **params) -> tuple[dict, list[str]]:
    """a1's October through the export path: daily metrics → ``write_export(flavour)`` → ``load_export`` →
    agent_metrics; with the load warnings. Kept per fixture, flavour and params (tests share round trips),
    with the fixture, so its id cannot be reused by another dataset."""
    key = (id(ds), flavour, repr(sorted(params.items())))
    if key not in _EXPORTED:
        daily = engine.agent_daily_metrics(ds, MONTH, **params)
        path = csana.write_export(daily, tmp_path / f"{flavour}_{MONTH}.csv", flavour=flavour, encoding="gb18030")
        loaded = csana.load_export(path)
        _EXPORTED[key] = (ds, row(engine.agent_metrics(loaded, MONTH), "a1"), loaded.warnings)
    return _EXPORTED[key][1], _EXPORTED[key][2]


def test_reply_3min_rate():
    m = assessed_metrics()
    # assessed (first burst inside 08:00–23:00): r1 (08:30, 240 s late), r2 (20 s), r3 (unanswered), r5 (08:40, 120 s);
    # r4 starts 23:10, outside. In time: r2, r5 → 2 / 4
    assert (m["reply_3min_customers"], m["reply_3min_base"], m["reply_3min_late"]) == (2, 4, 2)
    assert m["reply_3min_rate"] == 0.5


def test_reply_3min_rate_round_trip(tmp_path):
    # csana's export writes 3分钟回复考核人数 and 3分钟人工回复人数; 拼多多 需要人工回复的咨询人数 and 3分钟未回复人数:
    # both exact, Σ (1 + 0 + 1) / Σ (2 + 1 + 1) over Oct 1–3 = 2 / 4
    for flavour in ("chitu", "pdd"):
        e, _ = exported(ASSESSED, tmp_path, flavour, filter=FILTER)
        assert (e["reply_3min_customers"], e["reply_3min_base"], e["reply_3min_rate"]) == (2, 4, 0.5), flavour
    # 抖店 gives 工作时间3分钟回复率 alone: days 1/2, 0/1, 1/1 weighted by 接待会话量 2, 2, 1 →
    # (0.5 × 2 + 0 × 2 + 1 × 1) / 5 = 0.4, not 0.5 — and the warning names the base
    e, warnings = exported(ASSESSED, tmp_path, "doudian", filter=FILTER)
    assert e["reply_3min_rate"] == pytest.approx(0.4)
    assert any("reply_3min_rate" in w and "weighted by Receptions" in w and "改按 接待量 加权" in w.zh for w in warnings)


def test_reply_3min_rate_follows_its_params():
    # a 300 s threshold puts r1's 240 s in time: 3 / 4; a 07:00–23:30 window assesses r1's 07:30 burst (60 s) and r4
    # (60 s): r1, r2, r4, r5 in time of r1…r5 → 4 / 5
    assert assessed_metrics(reply_threshold_s=300)["reply_3min_rate"] == 0.75
    wide = assessed_metrics(assess_window=["07:00", "23:30"])
    assert (wide["reply_3min_customers"], wide["reply_3min_base"]) == (4, 5)


def test_reply_3min_rate_allday(tmp_path):
    m = assessed_metrics()
    # each reception's first burst: r1 07:30 (60 s), r2 (20 s), r3 (none), r4 (60 s), r5 08:40 (120 s) → 4 / 5 receptions
    assert (m["reply_3min_allday_customers"], m["receptions"]) == (4, 5)
    assert m["reply_3min_rate_allday"] == 0.8
    # exports: the day's rate × its receptions (接待量 / 接待会话量) is its count: Oct 1 2/2, Oct 2 1/2, Oct 3 1/1 → 4 / 5
    for flavour in ("chitu", "doudian"):
        e, _ = exported(ASSESSED, tmp_path, flavour, filter=FILTER)
        assert (e["reply_3min_allday_customers"], e["receptions"], e["reply_3min_rate_allday"]) == (4, 5, 0.8), flavour


def test_answer_30s_rate(tmp_path):
    m = assessed_metrics()
    # first burst inside 09:00–23:00: r2 09:00 (20 s, in time), r3 10:00 (unanswered), r5 09:30 (40 s);
    # r1's bursts are 07:30 and 08:30, r4's 23:10 → 1 / 3
    assert (m["answer_30s_receptions"], m["answer_30s_base"]) == (1, 3)
    assert m["answer_30s_rate"] == pytest.approx(1 / 3)
    assert assessed_metrics(answer_threshold_s=40)["answer_30s_rate"] == pytest.approx(2 / 3)  # r5's 40 s too
    # csana's export writes 30秒应答考核接待数 and 30秒应答接待数: exact, Σ (1 + 0 + 0) / Σ (1 + 1 + 1)
    e, _ = exported(ASSESSED, tmp_path, filter=FILTER)
    assert (e["answer_30s_receptions"], e["answer_30s_base"], e["answer_30s_rate"]) == (1, 3, pytest.approx(1 / 3))
    # 京东 gives 30s应答率 alone: days 1/1, 0/1, 0/1 weighted by 接待量 2, 2, 1 → (1 × 2) / 5 = 0.4, close to 1/3
    e, _ = exported(ASSESSED, tmp_path, "jd", filter=FILTER)
    assert e["answer_30s_rate"] == pytest.approx(0.4)


def test_assessed_counts_are_customer_days_and_months_add_up():
    # c1 is received on Oct 1 and Oct 2: two receptions. The days' counts add up to the month's.
    daily = engine.agent_daily_metrics(ASSESSED, MONTH, filter=FILTER)
    month = assessed_metrics()
    for column in ("receptions", "reply_3min_base", "reply_3min_customers", "answer_30s_base", "answer_30s_receptions"):
        assert daily[column].sum() == month[column], column
    assert month["received_customers"] == 4 and month["receptions"] == 5  # c1…c4 distinct; r1…r5


def test_auto_replies_answer_only_with_count_auto_reply():
    # r2's auto reply at 09:00:10 answers in 10 s when auto-replies count: nothing changes in time (20 s was in time)
    # but r3 stays unanswered; with count_auto_reply the rates are the same here → 2 / 4 and 1 / 3
    m = assessed_metrics(count_auto_reply=True)
    assert (m["reply_3min_rate"], m["answer_30s_rate"]) == (0.5, pytest.approx(1 / 3))


def test_conv_order(tmp_path):
    ds = dataset(
        messages(
            ("01 09:00:00", "c1", "a1", "customer"), ("01 09:01:00", "c1", "a1", "agent"),
            ("01 10:00:00", "c2", "a1", "customer"), ("01 10:01:00", "c2", "a1", "agent"),
            ("02 10:00:00", "c3", "a1", "customer"), ("02 10:01:00", "c3", "a1", "agent"),
            ("02 11:00:00", "c4", "a1", "customer"),
        ),
        orders(
            ("o1", "c1", "01 12:00:00", "01 12:05:00", 100),  # ordered and paid
            ("o2", "c2", "02 09:00:00", None, 80),  # ordered, never paid: counts for 下单, not for 付款
        ),
    )
    m = row(engine.agent_metrics(ds, MONTH), "a1")
    # inquiry customers c1…c4; ordered c1, c2 → 2 / 4; paid (conv_final) c1 → 1 / 4
    assert (m["ordered_customers"], m["conv_base_customers"]) == (2, 4)
    assert (m["conv_order"], m["conv_final"]) == (0.5, 0.25)
    # exports: Oct 1 下单 c1, c2 of 询单 c1, c2; Oct 2 none of c3, c4 → Σ (2 + 0) / Σ (2 + 2) through csana's, 京东's
    # (促成下单人数 / 售前接待人数) and 抖店's (下单人数 / 询单人数) headers
    for flavour in ("chitu", "jd", "doudian"):
        e, _ = exported(ds, tmp_path, flavour)
        assert (e["ordered_customers"], e["inquiry_customers"], e["conv_order"]) == (2, 4, 0.5), flavour


REVIEWED = dataset(
    messages(("01 09:00:00", "c1", "a1", "customer"), ("01 09:01:00", "c1", "a1", "agent")),
    orders(("o1", "c1", "01 12:00:00", "01 12:05:00", 100)),
    reviews=table("reviews", ("o1", "02 10:00:00", 5), ("o1", "03 10:00:00", 4), ("o1", "04 10:00:00", 3),
                  ("o1", "05 10:00:00", 2), ("o1", "06 10:00:00", 1), ("o1", "07 10:00:00", 1)),
)


def test_satisfaction_rate(tmp_path):
    m = row(engine.agent_metrics(REVIEWED, MONTH), "a1")
    # six evaluations (reviews of o1, credited to a1): scores 5, 4 satisfied (≥ 4) → 2 / 6
    assert (m["satisfied_evaluations"], m["evaluations"]) == (2, 6)
    assert m["satisfaction_rate"] == pytest.approx(2 / 6)
    # exports: one evaluation a day (Oct 2…7), satisfied on Oct 2, 3 → Σ 2 / Σ 6 through csana's 满意评价量 / 评价量
    # and 抖店's 有效好评数 / 有效评价数
    for flavour in ("chitu", "doudian"):
        e, _ = exported(REVIEWED, tmp_path, flavour)
        assert (e["satisfied_evaluations"], e["evaluations"], e["satisfaction_rate"]) == (2, 6, pytest.approx(2 / 6)), flavour


def test_dissatisfaction_rate(tmp_path):
    m = row(engine.agent_metrics(REVIEWED, MONTH), "a1")
    # scores 2, 1, 1 dissatisfied (≤ 2) → 3 / 6; the 3 is neither
    assert m["dissatisfied_evaluations"] == 3
    assert m["dissatisfaction_rate"] == 0.5
    for flavour in ("chitu", "doudian"):  # 不满意评价量 / 有效差评数 on Oct 5, 6, 7 → Σ 3 / Σ 6
        e, _ = exported(REVIEWED, tmp_path, flavour)
        assert (e["dissatisfied_evaluations"], e["dissatisfaction_rate"]) == (3, 0.5), flavour


def test_satisfaction_needs_reviews():
    ds = dataset(messages(("01 09:00:00", "c1", "a1", "customer")))
    m = row(engine.agent_metrics(ds, MONTH), "a1")
    assert m["evaluations"] is None and m["satisfaction_rate"] is None  # no reviews table: unknown, not 0


def test_windows_are_validated():
    with pytest.raises(CsanaError, match="assess_window"):
        MetricParams.load(assess_window=["23:00", "08:00"])
    with pytest.raises(CsanaError, match="reply_threshold_s"):
        MetricParams.load(reply_threshold_s=0)


def test_catalogue_names_these_tests():
    here = {name for name in globals() if name.startswith("test_")}
    for metric_id in ("reply_3min_rate", "reply_3min_rate_allday", "answer_30s_rate", "conv_order", "satisfaction_rate",
                      "dissatisfaction_rate"):
        file, _, test = METRIC_BY_ID[metric_id].test.partition("::")
        assert file == PLATFORM_TEST_FILE and test in here, metric_id
