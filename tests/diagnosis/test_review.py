"""Chat-review sample on the hand-countable shop of tests/drill_shop.py: picks, masking, pseudonyms, switch."""

from __future__ import annotations

import polars as pl
import pytest
from drill_shop import MONTH, PARAMS, shop

from csana.diagnosis.findings import FINDING_SCHEMA, PLAN_SCHEMA, Diagnosis
from csana.diagnosis.review import review_sample
from csana.diagnosis.rules import load_rules
from csana.privacy import pseudonym

RULES = load_rules()
SALT = "test-salt"
CUSTOMERS = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "spam"]


def weak(*pairs: tuple[str, str], roles: dict[str, str] | None = None) -> Diagnosis:
    """A diagnosis where each (agent, rule) pair is weak (agents' roles from ``roles``, else unknown)."""
    rows = [{**{c: None for c in FINDING_SCHEMA}, "agent_id": a, "rule": r, "status": "weak", "role": (roles or {}).get(a)}
            for a, r in pairs]
    return Diagnosis(pl.DataFrame(rows, schema=FINDING_SCHEMA), pl.DataFrame(schema=PLAN_SCHEMA), RULES)


@pytest.fixture(scope="module")
def sample():
    diagnosis = weak(("a2", "slow_first_response"), ("a3", "low_conversion"), ("a1", "few_consultations"))
    return review_sample(shop(), diagnosis, MONTH, PARAMS, salt=SALT)


def picks(sample: pl.DataFrame, kind: str) -> list[tuple[str, str]]:
    rows = sample.filter(pl.col("kind") == kind)
    return list(zip(rows["agent_id"], rows["customer"]))


def test_lost_inquiries_of_weak_agents(sample):
    # a2's only lost inquiry is 王五 (o3 never paid); a3 lost both 钱七 and 孙八, each one customer message,
    # so the earlier reception comes first. a1 is weak only on traffic (operations' job): not reviewed.
    assert picks(sample, "lost_inquiry") == [
        ("a2", pseudonym("王五", SALT)), ("a3", pseudonym("钱七", SALT)), ("a3", pseudonym("孙八", SALT)),
    ]
    assert not sample.filter(pl.col("kind") == "lost_inquiry")["converted"].any()


def test_an_after_sales_agent_is_reviewed_on_slow_receptions_not_on_lost_sales():
    # a2 slow to answer, as an after-sales agent: its slow reception 赵六 is shown, its unconverted 王五 is no lost sale
    diagnosis = weak(("a2", "slow_first_response"), ("a3", "low_conversion"), roles={"a2": "aftersales"})
    out = review_sample(shop(), diagnosis, MONTH, PARAMS, salt=SALT)
    assert picks(out, "lost_inquiry") == [("a3", pseudonym("钱七", SALT)), ("a3", pseudonym("孙八", SALT))]
    assert ("a2", pseudonym("赵六", SALT)) in picks(out, "slow")


def test_slow_receptions_of_weak_agents(sample):
    # slow = a response over 60 s: a2's 赵六 (90 s) and a3's 钱七 (180 s); 孙八 was never answered (not slow)
    assert picks(sample, "slow") == [("a2", pseudonym("赵六", SALT)), ("a3", pseudonym("钱七", SALT))]
    assert sample.filter(pl.col("kind") == "slow")["slow_responses"].to_list() == [1, 1]


def test_best_conversions_fastest_first_one_per_agent(sample):
    # converted inquiry receptions: a1 张三 answered in 10 s, a2 赵六 in 90 s
    best = sample.filter(pl.col("kind") == "best")
    assert picks(sample, "best") == [("a1", pseudonym("张三", SALT)), ("a2", pseudonym("赵六", SALT))]
    assert best["first_response_s"].to_list() == [10.0, 90.0] and best["amount"].to_list() == [100.0, 200.0]
    assert best["kind_label"].unique().to_list() == ["优秀成交示例"]


def test_excerpts_are_masked(sample):
    first = sample.filter(pl.col("kind") == "best")["excerpt"][0]
    assert first.splitlines() == [
        "09:00:00 顾客: 这件有货吗",
        "09:00:10 客服: 有的亲",
        "09:00:40 顾客: 好的，[地址]，电话[手机号]",  # "寄到" goes with the address (masking errs to hiding)
        "09:01:00 客服: 收到",
    ]
    id_card = sample.filter((pl.col("kind") == "lost_inquiry") & (pl.col("agent_id") == "a3"))["excerpt"][1]
    assert id_card == "16:00:00 顾客: 身份证[身份证号]可以实名吗"


def test_no_customer_id_anywhere_in_the_output(sample):
    text = " ".join(str(v) for row in sample.rows() for v in row)
    assert not [c for c in CUSTOMERS if c in text]
    assert "13812345678" not in text and "文三路" not in text


def test_switch_leaves_excerpts_out_and_english_labels():
    diagnosis = weak(("a2", "slow_first_response"))
    out = review_sample(shop(), diagnosis, MONTH, PARAMS, excerpts=False, lang="en", salt=SALT)
    assert out["excerpt"].null_count() == out.height > 0
    assert set(out["kind_label"]) == {"lost inquiry", "slow reception", "best conversion"}


def test_message_cap_and_english_senders(tmp_path):
    data = (RULES.model_dump())
    data["review"]["max_messages"] = 2
    from csana.diagnosis.rules import DiagnosticRules

    rules = DiagnosticRules.model_validate(data)
    out = review_sample(shop(), weak(("a1", "low_conversion")), MONTH, PARAMS, rules=rules, lang="en", salt=SALT)
    lost = out.filter(pl.col("kind") == "lost_inquiry")["excerpt"][0]
    assert lost.splitlines() == ["10:00:00 customer: 能便宜点吗", "10:00:25 agent: 已经是最低价了"]


def test_no_weak_agent_gives_only_the_examples():
    out = review_sample(shop(), weak(), MONTH, PARAMS, salt=SALT)
    assert out["kind"].unique().to_list() == ["best"]
