"""The conversion diagnoser without a browser (on the demo shop: the diagnostics rules need a realistic month)."""

from __future__ import annotations

import datetime as dt
import html

import polars as pl
import pytest

from csana.errors import CsanaError
from csana.ui.diagnoser import Diagnoser, excerpt_html


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser.open(None)


def test_diagnoser_opens_on_the_first_weak_agent(diagnoser: Diagnoser) -> None:
    weak = diagnoser.diagnosis.weak_agents()
    assert weak, "the demo shop has weak agents"
    assert diagnoser.agent_id == weak[0]
    assert diagnoser.w_agent.options[0][0].startswith("⚠ ")


def test_selecting_an_agent_shows_its_evidence_actions_and_sample(diagnoser: Diagnoser) -> None:
    agent = diagnoser.diagnosis.weak_agents()[-1]
    weak = diagnoser.select_agent(agent)
    assert weak.height > 0 and set(weak.get_column("agent_id")) == {agent}
    page = diagnoser.w_findings.value
    for row in weak.iter_rows(named=True):
        assert html.escape(row["rule_label"]) in page  # every weak indicator is listed with its evidence
    expected_actions = weak.get_column("actions").explode().unique().to_list()
    assert sorted(diagnoser.actions()) == sorted(expected_actions)
    assert all(f"<li>{html.escape(a)}</li>" in page for a in expected_actions)
    review = diagnoser.review()
    assert set(review.get_column("agent_id")) <= {agent}
    assert diagnoser.w_review.value.count("<details>") == review.height
    funnel = diagnoser.c_funnel.chart.data
    assert funnel.get_column("customers").to_list() == diagnoser.funnel(agent).get_column("customers").to_list()


def test_excerpts_are_escaped() -> None:
    sample = pl.DataFrame({"kind_label": ["未成交询单"], "name": ["甲"], "agent_id": ["a1"], "day": [dt.date(2026, 10, 1)],
                           "customer": ["顾客#1"], "first_response_s": [12.0], "excerpt": ["09:00:00 顾客: <script>x</script>"]})
    got = excerpt_html(sample, "zh")
    assert "&lt;script&gt;" in got and "<script>" not in got
    assert "12.0s" in got


def test_diagnoser_language_switch(diagnoser: Diagnoser) -> None:
    diagnoser.set_lang("en")
    assert "Weak indicators and evidence" in diagnoser.w_findings.value or "No weak indicator" in diagnoser.w_findings.value
    assert "Team training plan" in diagnoser.w_shop.value
    diagnoser.set_lang("zh")
    assert "团队培训计划" in diagnoser.w_shop.value


def test_unknown_agent_is_a_user_error(diagnoser: Diagnoser) -> None:
    with pytest.raises(CsanaError, match="no agent 'zz'"):
        diagnoser.select_agent("zz")


def test_on_a_platform_export_the_plan_and_findings_show_and_the_rest_says_why(tmp_path) -> None:
    import flavour_files

    flavour_files.doudian(tmp_path)
    d = Diagnoser.open(tmp_path, month="2024-10")
    # the training plan and each agent's weak indicators; the drill-down and the chat review need chat logs: one line
    assert "csana-plan" in d.w_shop.value and "需要聊天记录和订单" in d.w_shop.value
    assert d.w_findings.value.startswith("<h3>") and d.w_review.value == ""
    assert all(c.layout.display == "none" for c in (d.c_shop_funnel, d.c_by_hour, d.c_funnel))
    d.select_agent("阿杰")
    assert "阿杰" in d.w_findings.value
    with pytest.raises(CsanaError, match="the chat-review sample needs raw chat logs"):
        d.review()
