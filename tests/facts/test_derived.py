"""The building blocks of docs/inputs.md on tiny chat logs, expected numbers worked out by hand.

Times are October 2026 ('01 09:00:00' = 2026-10-01 09:00:00), see tests/support/builders.py.
"""

from __future__ import annotations

import polars as pl
import pytest
from builders import dataset, messages, orders

from csana.facts.derived import derive
from csana.params import MetricParams

DEFAULTS = MetricParams()

# One reception of a1 with c1 on Oct 1, with a same-second tie and an auto-reply:
#   09:00:00 customer, 09:00:05 customer, 09:00:05 auto, 09:00:30 customer, 09:00:30 agent,
#   09:02:00 customer, 09:04:30 agent, 09:05:00 customer (a closing "thanks", unanswered)
CHAT = messages(
    ("01 09:00:00", "c1", "a1", "customer", "在吗"),
    ("01 09:00:05", "c1", "a1", "customer", "这个有货吗"),
    ("01 09:00:05", "c1", "a1", "auto", "您好，欢迎光临"),
    ("01 09:00:30", "c1", "a1", "agent", "亲，在的"),
    ("01 09:00:30", "c1", "a1", "customer", "好的"),
    ("01 09:02:00", "c1", "a1", "customer", "多少钱"),
    ("01 09:04:30", "c1", "a1", "agent", "99元"),
    ("01 09:05:00", "c1", "a1", "customer", "谢谢"),
)


def responses(ds, **params) -> list[float | None]:
    return derive(ds, DEFAULTS.with_overrides(**params)).responses.sort("start")["response_s"].to_list()


def test_bursts_ignore_auto_replies_by_default():
    # auto dropped; at 09:00:30 the customer line sorts before the agent's, so the first burst is
    # 09:00:00–09:00:30 answered at 09:00:30 → 30 s; 09:02:00 → 09:04:30 = 150 s; 09:05:00 unanswered.
    assert responses(dataset(CHAT)) == [30.0, 150.0, None]


def test_bursts_with_auto_replies_counted():
    # auto at 09:00:05 answers 09:00:00 → 5 s; the customer line at 09:00:30 opens a burst answered by
    # the agent in the same second → 0 s; then 150 s; the "thanks" stays unanswered.
    assert responses(dataset(CHAT), count_auto_reply=True) == [5.0, 0.0, 150.0, None]


def test_reception_summary():
    rec = derive(dataset(CHAT), DEFAULTS).receptions.row(0, named=True)
    # 5 customer, 2 agent, 1 auto; 09:00:00 → 09:05:00 with no gap over 600 s = 300 s.
    assert (rec["customer_msgs"], rec["agent_msgs"], rec["auto_msgs"]) == (5, 2, 1)
    assert rec["duration_s"] == 300.0
    # first burst answered in 30 s; one response (150 s) is over 60 s → slow.
    assert rec["first_response_s"] == 30.0
    assert rec["slow_responses"] == 1 and rec["slow"] is True
    assert rec["replied"] is True and rec["inquiry"] is True


def test_slow_needs_slow_min_count_responses():
    rec = derive(dataset(CHAT), DEFAULTS.with_overrides(slow_min_count=2)).receptions.row(0, named=True)
    assert rec["slow"] is False
    # with a 120 s × 1 rule the 150 s response is still slow; with 150 s it is not (strictly greater).
    assert derive(dataset(CHAT), DEFAULTS.with_overrides(slow_response_s=120)).receptions["slow"][0] is True
    assert derive(dataset(CHAT), DEFAULTS.with_overrides(slow_response_s=150)).receptions["slow"][0] is False


def test_row_order_does_not_matter():
    shuffled = CHAT.sample(fraction=1.0, shuffle=True, seed=7)
    assert responses(dataset(shuffled)) == responses(dataset(CHAT))


def test_duration_cuts_gaps_over_max_gap():
    chat = messages(
        ("01 10:00:00", "c1", "a1", "customer"),
        ("01 10:05:00", "c1", "a1", "agent"),  # gap 300 s, kept
        ("01 10:20:00", "c1", "a1", "customer"),  # gap 900 s > 600, cut
        ("01 10:30:00", "c1", "a1", "agent"),  # gap 600 s = max_gap, kept ("longer than" cuts)
    )
    assert derive(dataset(chat), DEFAULTS).receptions["duration_s"][0] == 300.0 + 600.0


def test_outreach_only_day_is_no_reception():
    chat = messages(
        ("01 10:00:00", "c1", "a1", "agent", "亲，还没付款哦"),
        ("02 10:00:00", "c1", "a1", "agent", "亲，记得付款"),
        ("02 10:01:00", "c1", "a1", "customer", "好的"),
    )
    rec = derive(dataset(chat), DEFAULTS).receptions
    # Oct 1 holds only an agent message; Oct 2 is a reception starting at the agent's 10:00 message.
    assert rec["day"].cast(pl.String).to_list() == ["2026-10-02"]
    assert rec["start"][0].isoformat() == "2026-10-02T10:00:00"


def test_filtered_receptions():
    params = DEFAULTS.with_overrides(filter={"keywords": ["加微信", "刷单"], "customers": ["spam01"]})
    chat = messages(
        ("01 10:00:00", "c_ad", "a1", "customer", "加微信领红包"),
        ("01 10:00:20", "c_ad", "a1", "agent", "亲，不可以哦"),
        ("01 11:00:00", "c_mix", "a1", "customer", "加微信吗"),
        ("01 11:00:10", "c_mix", "a1", "customer", "这个有货吗"),  # one real question: not filtered
        ("01 12:00:00", "spam01", "a1", "customer", "hello"),  # blacklisted customer
    )
    rec = derive(dataset(chat), params).receptions.sort("customer_id")
    assert dict(zip(rec["customer_id"], rec["filtered"])) == {"c_ad": True, "c_mix": False, "spam01": True}
    # filtered receptions are neither replied, slow nor inquiries
    assert rec.filter("filtered")["replied"].to_list() == [False, False]
    assert rec.filter("filtered")["inquiry"].to_list() == [False, False]
    # their bursts are kept but marked as not received, so no response metric sees them
    resp = derive(dataset(chat), params).responses
    assert resp.filter(pl.col("customer_id") == "c_ad")["received"].to_list() == [False]


def test_service_hours_exclude_bursts_outside():
    params = DEFAULTS.with_overrides(service_hours=["08:00", "23:00"])
    chat = messages(
        ("01 07:30:00", "c1", "a1", "customer"),
        ("01 07:35:00", "c1", "a1", "agent"),  # 300 s, but the burst started before 08:00
        ("01 08:10:00", "c1", "a1", "customer"),
        ("01 08:10:20", "c1", "a1", "agent"),  # 20 s, counted
        ("01 23:00:00", "c1", "a1", "customer"),  # 23:00 is outside [08:00, 23:00)
        ("01 23:05:00", "c1", "a1", "agent"),
    )
    derived = derive(dataset(chat), params)
    assert derived.responses.sort("start")["in_hours"].to_list() == [False, True, False]
    rec = derived.receptions.row(0, named=True)
    # the first burst is outside service hours, so the reception has no first response;
    # the 300 s responses outside hours make nothing slow.
    assert rec["first_response_s"] is None
    assert rec["slow"] is False


def test_inquiry_vs_postsale():
    # c1 ordered on Oct 1 12:00. a1 on Oct 5 (4 days later) and a2 on Oct 8 12:00:00 (exactly 7×24 h)
    # are post-sale consultations; a3 on Oct 8 12:00:01 is an inquiry again.
    chat = messages(
        ("05 10:00:00", "c1", "a1", "customer"),
        ("08 12:00:00", "c1", "a2", "customer"),
        ("08 12:00:01", "c1", "a3", "customer"),
    )
    ords = orders(("o1", "c1", "01 12:00:00", "01 12:10:00", 100))
    rec = derive(dataset(chat, ords), DEFAULTS).receptions.sort("agent_id")
    assert rec["inquiry"].to_list() == [False, False, True]


def test_attribution_latest_inquiry_with_tie_and_window():
    chat = messages(
        # c1: a1 on Oct 7 (3 days before the order: in window); a2 and a3 both start Oct 9 10:00.
        ("07 09:00:00", "c1", "a1", "customer"),
        ("09 10:00:00", "c1", "a3", "customer"),
        ("09 10:00:00", "c1", "a2", "customer"),
        # c2: only an inquiry 4 calendar days before the order → silent order.
        ("16 23:59:00", "c2", "a1", "customer"),
        # c3: an inquiry at the start of the 3rd day before → credited.
        ("17 00:00:00", "c3", "a1", "customer"),
        # c4: the inquiry starts at the order's own timestamp → not before it → silent.
        ("20 10:00:00", "c4", "a1", "customer"),
    )
    ords = orders(
        ("o1", "c1", "10 15:00:00", "10 16:00:00", 100),
        ("o2", "c2", "20 10:00:00", "20 11:00:00", 100),
        ("o3", "c3", "20 10:00:00", "20 11:00:00", 100),
        ("o4", "c4", "20 10:00:00", "20 11:00:00", 100),
    )
    latest = derive(dataset(chat, ords), DEFAULTS).attribution.sort("order_id")
    assert latest["credited_agent"].to_list() == ["a2", None, "a1", None]
    first = derive(dataset(chat, ords), DEFAULTS.with_overrides(attribution_rule="first_inquiry")).attribution.sort("order_id")
    assert first["credited_agent"].to_list() == ["a1", None, "a1", None]
    assert first["rule"].unique().to_list() == ["first_inquiry"]
    # the audit trail names the reception that earned the credit and the window
    o1 = latest.row(0, named=True)
    assert o1["credit_start"].isoformat() == "2026-10-09T10:00:00"
    assert o1["window_start"].isoformat() == "2026-10-07T00:00:00"


def test_assists_before_and_after_the_order():
    chat = messages(
        ("01 09:00:00", "c1", "a1", "customer"),  # a1 inquiry → pre-order assist
        ("01 14:00:00", "c1", "a2", "customer"),  # a2 latest inquiry → credited
        ("01 15:30:00", "c1", "a3", "customer"),  # after the order, before payment → follow-up assist
        ("01 17:00:00", "c1", "a4", "customer"),  # after payment → no assist
    )
    ords = orders(("o1", "c1", "01 15:00:00", "01 16:00:00", 300))
    derived = derive(dataset(chat, ords), DEFAULTS)
    assists = derived.assists.sort("agent_id")
    assert assists.select("agent_id", "kind").rows() == [("a1", "pre_order"), ("a3", "follow_up")]
    assert derived.attribution["assisting_agents"].to_list() == [["a1", "a3"]]


def test_unpaid_orders_have_no_assists():
    chat = messages(("01 09:00:00", "c1", "a1", "customer"), ("01 14:00:00", "c1", "a2", "customer"))
    ords = orders(("o1", "c1", "01 15:00:00", None, 300))
    assert derive(dataset(chat, ords), DEFAULTS).assists.height == 0


@pytest.mark.parametrize("rule", ["last_inquiry", "first_inquiry"])
def test_every_order_has_at_most_one_credited_agent(rule):
    chat = messages(("01 09:00:00", "c1", "a1", "customer"), ("01 09:00:00", "c1", "a2", "customer"))
    ords = orders(("o1", "c1", "01 15:00:00", "01 16:00:00", 300), ("o2", "c1", "01 15:00:00", None, 10))
    att = derive(dataset(chat, ords), DEFAULTS.with_overrides(attribution_rule=rule)).attribution
    assert att.height == 2 and att["credited_agent"].to_list() == ["a1", "a1"]
