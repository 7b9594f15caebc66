"""The demo generator: deterministic, canonical, covering every table and rule the engine reads, realistic numbers.

Most checks run on one small generated shop (``small``) and on the shipped demo
(``shipped``: the defaults, loaded through csana.load like user data).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csana
from csana.cli import main
from csana.demo.conversation import groups, within_offsets
from csana.demo.generator import (
    DEMO_DIR,
    demo_dataset,
    generate_demo,
    scale_for,
    write_demo,
)
from csana.demo.staff import pick
from csana.demo.texts import FILTER_KEYWORDS, PHRASES, TEST_ACCOUNTS
from csana.demo.timeline import make_calendar
from csana.errors import CsanaError
from csana.facts.derived import derive
from csana.ingest.schema import TABLES
from csana.metrics.engine import agent_metrics, latest_complete_month
from csana.metrics.shop import group_metrics
from csana.params import MetricParams
from csana.scoring.indicators import MANUAL_INDICATORS

MONTH = "2026-10"
PARAMS = MetricParams.load()


@pytest.fixture(scope="module")
def shipped() -> csana.Dataset:
    return demo_dataset()


@pytest.fixture(scope="module")
def small() -> csana.Dataset:
    return generate_demo(seed=5, agents=6, months=1, scale=0.5)


@pytest.fixture(scope="module")
def metrics(shipped: csana.Dataset) -> pl.DataFrame:
    return agent_metrics(shipped, MONTH, PARAMS)


# -- determinism and files ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_same_seed_writes_byte_identical_files(tmp_path: Path, fmt: str) -> None:
    first = write_demo(generate_demo(seed=11, agents=5, months=1, scale=0.3, shops=2), tmp_path / "a", fmt)
    second = write_demo(generate_demo(seed=11, agents=5, months=1, scale=0.3, shops=2), tmp_path / "b", fmt)
    assert [p.name for p in first] == [p.name for p in second]
    assert len(first) == len(TABLES)
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_another_seed_gives_other_data() -> None:
    a = generate_demo(seed=1, agents=4, months=1, scale=0.3)
    b = generate_demo(seed=2, agents=4, months=1, scale=0.3)
    assert not a.messages.equals(b.messages)


def test_shipped_demo_is_the_default_generation(shipped: csana.Dataset) -> None:
    """csana/data/demo/ must be regenerated when the generator changes: write_demo(generate_demo(), DEMO_DIR, 'parquet')."""
    fresh = generate_demo()
    assert sorted(shipped.tables) == sorted(fresh.tables)
    for name, frame in fresh.tables.items():
        assert shipped[name].select(frame.columns).equals(frame), name


def test_shipped_demo_is_small_and_loads_cleanly(shipped: csana.Dataset) -> None:
    size = sum(p.stat().st_size for p in DEMO_DIR.iterdir())
    assert size < 3_000_000
    assert shipped.rejected.height == 0
    assert 30_000 <= shipped.messages.height <= 60_000
    assert shipped["agents"]["team"].unique().sort().to_list() == ["售前一组", "售后组"]


def test_csv_round_trip_through_load(tmp_path: Path, small: csana.Dataset) -> None:
    write_demo(small, tmp_path, "csv")
    loaded = csana.load(tmp_path)
    assert loaded.rejected.height == 0
    for name, frame in small.tables.items():
        assert loaded[name].select(frame.columns).equals(frame), name


def test_unknown_format_is_a_user_error(tmp_path: Path, small: csana.Dataset) -> None:
    with pytest.raises(CsanaError, match="csv or parquet"):
        write_demo(small, tmp_path, "xlsx")  # type: ignore[arg-type]


@pytest.mark.parametrize("kwargs, problem", [
    ({"agents": 1}, "agents=1"), ({"months": 0}, "months=0"), ({"scale": 0}, "scale=0"),
    ({"shops": 0}, "shops=0"), ({"end_month": "2026/10"}, "YYYY-MM"),
])
def test_bad_options_are_user_errors(kwargs: dict, problem: str) -> None:
    with pytest.raises(CsanaError, match=re.escape(problem)):
        generate_demo(**kwargs)


# -- canonical tables -----------------------------------------------------------------------------


def test_tables_are_canonical(small: csana.Dataset) -> None:
    assert set(small.tables) == set(TABLES)
    for name, frame in small.tables.items():
        spec = TABLES[name]
        assert set(spec.required) <= set(frame.columns), name
        for column, dtype in frame.schema.items():
            assert spec.columns[column] == dtype, (name, column)
        for column in spec.required:
            if not (name == "orders" and column == "paid_at"):
                assert frame[column].null_count() == 0, (name, column)
        if spec.unique:
            assert not frame.select(spec.unique).is_duplicated().any(), name


def test_messages_in_time_order_and_data_runs_past_the_month(shipped: csana.Dataset) -> None:
    ts = shipped.messages["ts"]
    assert ts.is_sorted()
    assert ts.min().date() == dt.date(2026, 9, 1)
    assert ts.max().date() == dt.date(2026, 11, 4)
    assert latest_complete_month(shipped, PARAMS) == MONTH


def test_agents_table(shipped: csana.Dataset) -> None:
    agents = shipped["agents"]
    assert agents["agent_id"].to_list() == [f"a{i:02d}" for i in range(1, 13)]
    assert agents.filter(pl.col("role") == "presales")["team"].unique().to_list() == ["售前一组"]
    assert agents.filter(pl.col("role") == "aftersales")["team"].unique().to_list() == ["售后组"]
    assert agents["name"].str.contains(r"^[\u4e00-\u9fff]+$").all()
    assert agents.filter(pl.col("agent_id") == "a04")["hired_at"][0] == dt.date(2026, 10, 29)


def test_two_shops_have_their_own_agents_customers_and_orders() -> None:
    ds = generate_demo(seed=3, agents=4, months=1, scale=0.3, shops=2)
    assert ds.messages["shop_id"].unique().sort().to_list() == ["s01", "s02"]
    by_shop = ds.messages.group_by("shop_id").agg(pl.col("agent_id").unique())
    s01, s02 = (set(row) for row in by_shop.sort("shop_id")["agent_id"].to_list())
    assert not s01 & s02
    assert ds["agents"]["team"].str.starts_with("s0").all()
    customers = ds.messages.filter(~pl.col("customer_id").is_in(list(TEST_ACCOUNTS))).group_by("customer_id").agg(
        pl.col("shop_id").n_unique())
    assert customers["shop_id"].max() == 1
    assert ds.orders["order_id"].is_unique().all()
    assert ds.orders["created_at"].is_sorted()


# -- consistency of the story ---------------------------------------------------------------------


def test_orders_payments_refunds_are_consistent(shipped: csana.Dataset) -> None:
    o = shipped.orders
    assert o.filter(pl.col("paid_at") < pl.col("created_at")).height == 0
    assert o["units"].is_between(1, 3).all()
    assert o["amount"].min() > 0
    refunded = o.filter(pl.col("refund_amount").is_not_null())
    assert refunded.height > 0
    assert refunded["paid_at"].null_count() == 0
    assert (refunded["refund_amount"] <= refunded["amount"]).all()
    assert (refunded["refunded_at"] > refunded["paid_at"]).all()
    assert o.filter(pl.col("refund_amount").is_null() != pl.col("refunded_at").is_null()).height == 0
    unpaid = o.filter(pl.col("paid_at").is_null())
    assert 0.05 < unpaid.height / o.height < 0.2


def test_reminders_come_while_unpaid_and_some_recover(shipped: csana.Dataset) -> None:
    r = shipped["reminders"].join(shipped.orders, on="order_id", how="inner")
    assert r.height == shipped["reminders"].height
    assert (r["ts"] >= r["created_at"]).all()
    assert r.filter(pl.col("paid_at").is_not_null() & (pl.col("paid_at") <= pl.col("ts"))).height == 0
    recovered = r["paid_at"].is_not_null().mean()
    assert 0.4 < recovered < 0.8
    # each reminder is also an agent line in the chat log, on a day without the customer's messages (outreach)
    lines = shipped.messages.filter(pl.col("text").is_in(list(PHRASES["reminder"]))).with_columns(day=pl.col("ts").dt.date())
    assert lines.height == r.height
    assert (lines["sender"] == "agent").all()
    receptions = derive(shipped, PARAMS).receptions
    assert lines.join(receptions, on=["agent_id", "customer_id", "day"]).height == 0


def test_reviews_and_disputes_follow_payment(shipped: csana.Dataset) -> None:
    for name in ("reviews", "disputes"):
        joined = shipped[name].join(shipped.orders, on="order_id")
        assert joined.height == shipped[name].height > 0
        assert (joined["ts"] > joined["paid_at"]).all(), name
    reviews = shipped["reviews"]
    assert reviews["service_score"].is_between(1, 5).all()
    assert 4.5 <= reviews["service_score"].mean() <= 4.9
    assert reviews["low_quality"].any()
    assert reviews.filter(pl.col("low_quality"))["service_score"].max() <= 3
    assert 0 < reviews["agent_id"].null_count() < reviews.height


def test_manual_scores_cover_every_agent_month(shipped: csana.Dataset) -> None:
    scores = shipped["manual_scores"]
    assert set(scores["indicator"]) <= set(MANUAL_INDICATORS)
    per = scores.group_by("agent_id", "month").agg(pl.col("indicator").sort())
    everyone = sorted({"chat_review", "typing_speed", "product_test", "attendance", "daily_conduct"})
    roles = dict(zip(shipped["agents"]["agent_id"], shipped["agents"]["role"]))
    for agent, month, indicators in per.iter_rows():
        expected = everyone + (["review_handling"] if roles[agent] == "aftersales" else [])
        assert indicators == sorted(expected), (agent, month)
    assert per.height == 11 * 2 + 1  # a04 joined on 29 October: one month only
    assert scores.filter(pl.col("indicator") == "attendance")["value"].is_between(0, 1).all()
    assert scores.filter(pl.col("indicator") != "attendance")["value"].is_between(0, 200).all()


def test_online_and_lost_reasons(shipped: csana.Dataset) -> None:
    online = shipped["online"]
    assert online["online_s"].is_between(4 * 3600, 11 * 3600).all()
    assert (online["hung_up_s"] < online["online_s"]).all()
    assert online.filter(pl.col("agent_id") == "a04")["date"].min() >= dt.date(2026, 10, 29)
    lost = shipped["lost_reasons"]
    assert lost.height > 100
    assert lost["reason"].n_unique() >= 5
    assert lost["date"].max() <= dt.date(2026, 11, 4)


# -- texts, filters, privacy ------------------------------------------------------------------------


def test_filter_rules_in_params_match_the_demo() -> None:
    assert PARAMS.filter.keywords == FILTER_KEYWORDS
    assert PARAMS.filter.customers == TEST_ACCOUNTS


def test_only_ads_match_the_filter_keywords() -> None:
    pattern = re.compile("|".join(FILTER_KEYWORDS))
    for pool, lines in PHRASES.items():
        for line in lines:
            assert bool(pattern.search(line)) == (pool == "spam"), (pool, line)


def test_texts_are_chinese_and_include_personal_data(shipped: csana.Dataset) -> None:
    texts = shipped.messages["text"]
    assert texts.null_count() == 0
    assert texts.str.contains(r"[\u4e00-\u9fff]").mean() > 0.95
    assert texts.str.contains(r"1[3-9]\d{9}").sum() >= 10
    assert texts.str.contains(r"[市区]\S*?路\d+号").sum() >= 10
    for opening in ("在吗", "这个有货吗", "亲，在的哦~", "能便宜点吗", "什么时候发货"):
        assert (texts == opening).any(), opening


# -- what the engine sees (receptions, bursts, attribution, metrics) ---------------------------------


def test_one_session_is_one_reception(shipped: csana.Dataset) -> None:
    """No two chats of a customer with an agent on one day merge: responses stay within an agent's delay cap."""
    derived = derive(shipped, PARAMS)
    assert derived.responses["response_s"].max() < 1900
    assert derived.responses["response_s"].min() >= 3


def test_every_feature_is_exercised(shipped: csana.Dataset, metrics: pl.DataFrame) -> None:
    derived = derive(shipped, PARAMS)
    rec = derived.receptions.filter(pl.col("day").dt.strftime("%Y-%m") == MONTH)
    assert rec["filtered"].sum() > 50
    assert rec.filter(pl.col("received") & ~pl.col("inquiry")).height > 100  # post-sale consultations
    assert rec["auto_msgs"].sum() > 500
    assert rec.filter(pl.col("received") & ~pl.col("replied")).height > 10  # night chats, auto-reply only
    attribution = derived.attribution.filter(pl.col("created_at").dt.strftime("%Y-%m") == MONTH)
    silent = attribution["credited_agent"].null_count() / attribution.height
    assert 0.15 < silent < 0.4
    assert set(derived.assists["kind"]) == {"pre_order", "follow_up"}
    for column in ("filtered_customers", "unreplied_customers", "slow_customers", "assist_customers",
                   "reminded_orders", "recovered_orders", "disputes", "low_quality_reviews", "repeat_buyers"):
        assert metrics[column].sum() > 0, column
    for column in ("refund_rate", "service_score", "online_hours", "sales_per_online_hour", "p90_response_s"):
        assert metrics[column].drop_nulls().len() > 0, column


def test_numbers_follow_the_norms(shipped: csana.Dataset, metrics: pl.DataFrame) -> None:
    """Industry norms: responses 20–100 s, inquiry conversion around 40–55 %, order value a few hundred yuan."""
    team = group_metrics(shipped, MONTH, PARAMS, "team").filter(pl.col("team") == "售前一组").row(0, named=True)
    assert 0.35 <= team["conv_final"] <= 0.60
    assert 150 <= team["aov"] <= 800
    presales = metrics.filter(pl.col("role") == "presales")
    assert 20 <= presales["avg_response_s"].median() <= 100
    assert 0.85 <= team["reply_rate"] <= 1.0
    assert 1.0 <= team["units_per_buyer"] <= 2.0


def test_skill_differences_are_visible(metrics: pl.DataFrame) -> None:
    m = {row["agent_id"]: row for row in metrics.iter_rows(named=True)}
    regular = metrics.filter(pl.col("role") == "presales", ~pl.col("agent_id").is_in(["a01", "a02", "a03", "a04"]))
    assert m["a01"]["avg_response_s"] < 25 < regular["avg_response_s"].min()  # fast responder
    assert m["a02"]["avg_response_s"] > 80 > regular["avg_response_s"].max()  # slow responder
    assert m["a02"]["slow_customers"] > 2 * regular["slow_customers"].median()
    assert m["a01"]["conv_final"] > regular["conv_final"].max()  # strong closer
    assert m["a03"]["conv_final"] < regular["conv_final"].min() - 0.1  # weak closer
    assert m["a04"]["inquiry_customers"] < 30 < regular["inquiry_customers"].min()  # tiny sample
    assert m["a01"]["qa_ratio"] > m["a03"]["qa_ratio"]


def test_the_demo_tells_the_story_of_its_diagnosis(shipped: csana.Dataset) -> None:
    """The drill-down of the demo month shows the effects the generator builds in, beyond chance."""
    from csana.demo.texts import QUOTE_REASONS
    from csana.diagnosis.drilldown import conversion_drilldown

    drill = conversion_drilldown(shipped, MONTH, PARAMS)
    # slower first answers convert less: the shop's gradient per bucket step has an interval wholly below 0
    shop = drill.response_trend.filter(pl.col("agent_id") == "*").row(0, named=True)
    assert shop["buckets"] == 5 and shop["ci_high"] < 0
    rates = drill.by_response.filter((pl.col("agent_id") == "*") & (pl.col("bucket") != "—")).sort("bucket_order")["rate"]
    assert rates[0] > rates[2] > rates[3]
    # a timely reminder helps: among orders unpaid at the landmark the reminded paid more (interval above 0),
    # while the naive split makes reminders look harmful (interval below 0)
    effect = {r["comparison"]: r for r in drill.reminder_effect.filter(pl.col("reminded")).iter_rows(named=True)}
    assert effect["landmark"]["diff_low"] > 0
    assert effect["naive"]["diff_high"] < 0
    # the weak closer a03 loses at the quote stage: price reasons weigh more in its lost reasons than the shop's
    quote = drill.lost_reasons.filter(pl.col("reason").is_in(QUOTE_REASONS)).group_by("agent_id").agg(pl.col("share").sum())
    share = dict(quote.iter_rows())
    assert share["a03"] > share["*"] + 0.1
    # traffic falls in October (per day, against September) for the whole pre-sales team
    team = {m: group_metrics(shipped, m, PARAMS, "team").filter(pl.col("team") == "售前一组").row(0, named=True)
            for m in ("2026-09", MONTH)}
    assert team[MONTH]["consult_customers"] / 31 < 0.85 * team["2026-09"]["consult_customers"] / 30


# -- size and speed ------------------------------------------------------------------------------------


def test_calendar_and_scale_arithmetic() -> None:
    cal = make_calendar("2026-10", 2, 4)
    # September 30 days + October 31 + 4 days of November = 65 days; months end before day 30 and day 61
    assert (cal.start, cal.days, cal.month_ends) == (dt.date(2026, 9, 1), 65, [30, 61])
    january = make_calendar("2027-01", 2, 0)  # December 2026 + January 2027, across the year end
    assert (january.start, january.days, january.month_ends) == (dt.date(2026, 12, 1), 62, [31, 62])
    # traffic: the weekday profile (1 September 2026 is a Tuesday, 1 October a Thursday), October and the tail
    # at 0.75 of it; a single month has no fall
    traffic = cal.traffic()
    assert traffic[:7].tolist() == pytest.approx([1.0, 1.0, 0.95, 1.0, 1.1, 1.15, 1.05])
    assert traffic[30:37].tolist() == pytest.approx([0.75 * f for f in (0.95, 1.0, 1.1, 1.15, 1.05, 1.0, 1.0)])
    assert make_calendar("2026-10", 1, 4).traffic()[:7].tolist() == pytest.approx([0.95, 1.0, 1.1, 1.15, 1.05, 1.0, 1.0])
    # 12 agents → 3 after-sales, 9 pre-sales; 88 messages × 9 agents × Σ traffic (58.1875) = 46,084.5 at scale 1
    assert traffic.sum() == pytest.approx(58.1875)
    assert scale_for(46_084.5) == pytest.approx(1.0)
    assert scale_for(2 * 46_084.5, shops=2) == pytest.approx(1.0)


def test_group_helpers_by_hand() -> None:
    owner, position, first = groups(np.array([2, 0, 3]))
    assert owner.tolist() == [0, 0, 2, 2, 2]
    assert position.tolist() == [0, 1, 0, 1, 2]
    assert first.tolist() == [0, 2, 2]
    # gaps 0,5 | 0,3,4 → offsets within each group 0,5 | 0,3,7
    assert within_offsets(np.array([0, 5, 0, 3, 4]), owner, first).tolist() == [0, 5, 0, 3, 7]


def test_pick_draws_only_agents_on_duty_in_proportion() -> None:
    weights = np.array([[1.0, 0.0, 3.0], [0.0, 2.0, 0.0]])
    day = np.repeat([0, 1], 20_000)
    agent = pick(np.random.default_rng(0), weights, day)
    assert set(agent[day == 1].tolist()) == {1}
    share = (agent[day == 0] == 2).mean()  # 3 / (1 + 3) = 0.75
    assert abs(share - 0.75) < 0.02
    assert not (agent[day == 0] == 1).any()


def test_ten_times_the_demo_generates_in_seconds() -> None:
    start = time.perf_counter()
    ds = generate_demo(scale=scale_for(1_000_000))
    assert ds.messages.height > 900_000
    assert time.perf_counter() - start < 15  # about 1 s here; 10 M messages take about 10 s


def test_scale_for_hits_the_wanted_size() -> None:
    wanted = 150_000
    got = generate_demo(scale=scale_for(wanted)).messages.height
    assert abs(got - wanted) / wanted < 0.05


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), agents=st.integers(2, 9), months=st.integers(1, 2),
       scale=st.floats(0.05, 0.4), shops=st.integers(1, 2))
def test_invariants_hold_for_any_options(seed: int, agents: int, months: int, scale: float, shops: int) -> None:
    ds = generate_demo(seed, agents, months, scale, shops=shops)
    assert ds.messages["ts"].is_sorted()
    assert ds.orders["order_id"].is_unique().all()
    assert ds["agents"].height == agents * shops
    assert set(ds.messages["agent_id"]) <= set(ds["agents"]["agent_id"])
    assert ds.orders.filter(pl.col("paid_at") < pl.col("created_at")).height == 0
    responses = derive(ds, PARAMS).responses["response_s"].drop_nulls()
    assert responses.len() == 0 or responses.max() < 1900


# -- CLI -------------------------------------------------------------------------------------------------


def test_cli_writes_the_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--out", str(tmp_path), "--agents", "4", "--months", "1", "--scale", "0.2", "--format", "parquet"])
    assert code == 0
    assert sorted(p.stem for p in tmp_path.glob("*.parquet")) == sorted(TABLES)
    assert "messages.parquet" in capsys.readouterr().out
    expected = generate_demo(2026, 4, 1, 0.2).messages
    assert pl.read_parquet(tmp_path / "messages.parquet").equals(expected)


def test_cli_reports_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path), "--agents", "1"]) == 2
    assert "agents=1" in capsys.readouterr().err
