"""The explorer end to end without a browser: filters, charts' inputs, scheme sliders, leaderboard, saving.

The shop fixture has three agents whose metrics are known by hand (one customer
message answered once per reception, so avg_response_s is that one delay):

    agent  team  inquiry customers  paid   conv_final   avg_response_s
    a1     A     2 (c11, c12)       c11    1/2 = 0.5    10 s
    a2     A     2 (c21, c22)       none    0/2 = 0.0    100 s
    a3     B     2 (c31, c32)       both   2/2 = 1.0    40 s

and the test scheme (conftest.py: weights 5 and 5) scores them:

    conv_final  [min 50%) → 10, [40%, 50%) → 6, below 40% → 2
    avg_response_s (closed right) ≤ 30 → 10, (30, 60] → 5, > 60 → 0

    a1: 10·5 + 10·5 = 100 of 100 → 100%, rank 1
    a3: 10·5 +  5·5 =  75 of 100 →  75%, rank 2
    a2:  2·5 +  0·5 =  10 of 100 →  10%, rank 3
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from builders import dataset, messages, orders, table

from csana.errors import CsanaError
from csana.scoring.scheme import load_scheme
from csana.ui.explorer import ALL, Explorer
from csana.ui.tuning import boundaries


def reception(day: str, customer: str, agent: str, delay_s: int) -> list[tuple]:
    """One customer message at 09:00 answered after ``delay_s`` seconds."""
    return [(f"{day} 09:00:00", customer, agent, "customer"), (f"{day} 09:{delay_s // 60:02d}:{delay_s % 60:02d}", customer, agent, "agent")]


def shop():
    rows = [
        *reception("01", "c11", "a1", 10), *reception("02", "c12", "a1", 10),
        *reception("01", "c21", "a2", 100), *reception("02", "c22", "a2", 100),
        *reception("01", "c31", "a3", 40), *reception("02", "c32", "a3", 40),
    ]
    paid = orders(
        ("o11", "c11", "01 09:05:00", "01 09:06:00", 100.0),
        ("o31", "c31", "01 09:05:00", "01 09:06:00", 200.0),
        ("o32", "c32", "02 09:05:00", "02 09:06:00", 300.0),
    )
    people = table("agents", ("a1", "甲", "A", "presales"), ("a2", "乙", "A", "aftersales"), ("a3", "丙", "B", "presales"),
                   columns=["agent_id", "name", "team", "role"])
    return dataset(messages(*rows), paid, agents=people)


@pytest.fixture
def explorer(schemes: Path) -> Explorer:
    return Explorer(shop(), month="2026-10", schemes_dir=schemes)


def board(e: Explorer) -> dict[str, tuple]:
    """agent → (rank, percent, saved rank, change)."""
    return {r["agent_id"]: (r["rank"], round(r["percent"], 6), r["saved_rank"], r["change"])
            for r in e.leaderboard().iter_rows(named=True)}


def test_metrics_of_the_fixture_are_the_hand_computed_ones(explorer: Explorer) -> None:
    got = explorer.agents().select("agent_id", "conv_final", "avg_response_s").sort("agent_id")
    assert got.rows() == [("a1", 0.5, 10.0), ("a2", 0.0, 100.0), ("a3", 1.0, 40.0)]


def test_saved_scheme_leaderboard(explorer: Explorer) -> None:
    # a1 100/100, a3 75/100, a2 10/100 (module docstring); tuned = saved, so no change
    assert board(explorer) == {"a1": (1, 1.0, 1, 0), "a3": (2, 0.75, 2, 0), "a2": (3, 0.1, 3, 0)}


def test_weight_slider_rescores_and_shows_rank_change(explorer: Explorer) -> None:
    explorer.set_weight("avg_response_s", 0)
    # full score 10·5 + 10·0 = 50: a1 50/50 = 100%, a3 50/50 = 100% (tie → rank 1), a2 10/50 = 20%
    assert board(explorer) == {"a1": (1, 1.0, 1, 0), "a3": (1, 1.0, 2, 1), "a2": (3, 0.2, 3, 0)}
    assert explorer._weight_sliders["avg_response_s"].value == 0
    assert "↑1" in explorer.w_board.value


def test_moving_the_slider_widget_is_the_same_as_set_weight(explorer: Explorer) -> None:
    explorer._weight_sliders["avg_response_s"].value = 0
    assert explorer.tuned.weights == {"conv_final": 5.0, "avg_response_s": 0.0}
    assert board(explorer)["a3"] == (1, 1.0, 2, 1)


def test_threshold_slider_moves_a_tier_boundary(explorer: Explorer) -> None:
    assert boundaries(explorer.tuned, "conv_final") == [0.4, 0.5]
    explorer.set_threshold("conv_final", 1, 0.6)
    # a1's 50% now falls in [40%, 60%) → 6: 6·5 + 10·5 = 80 → 80%, still first (a3 75%)
    assert board(explorer)["a1"] == (1, 0.8, 1, 0)
    assert boundaries(explorer.saved, "conv_final") == [0.4, 0.5]  # the saved scheme is untouched


def test_reset_goes_back_to_the_saved_scheme(explorer: Explorer) -> None:
    explorer.set_weight("conv_final", 1)
    explorer.reset_scheme()
    assert explorer.tuned == explorer.saved
    assert explorer._weight_sliders["conv_final"].value == 5


def test_team_filter_limits_charts_and_leaderboard(explorer: Explorer) -> None:
    assert explorer.set_filters(team="B").get_column("agent_id").to_list() == ["a3"]
    assert board(explorer) == {"a3": (1, 0.75, 1, 0)}
    assert explorer.w_team.value == "B"
    assert explorer.set_filters().height == 3
    assert explorer.w_team.value == ALL


def test_filters_matching_nobody_say_so(explorer: Explorer) -> None:
    assert explorer.set_filters(team="B", role="aftersales").height == 0  # a2 is the only after-sales agent, in A
    assert "没有符合" in explorer.w_status.value
    assert "没有符合" in explorer.w_board.value


def test_unknown_team_is_a_user_error(explorer: Explorer) -> None:
    with pytest.raises(CsanaError, match="allowed: A, B"):
        explorer.set_filters(team="C")


def test_select_metric_ranks_best_first_by_direction(explorer: Explorer) -> None:
    # avg_response_s: lower is better → a1 (10 s), a3 (40 s), a2 (100 s)
    assert explorer.select_metric("avg_response_s").get_column("agent_id").to_list() == ["a1", "a3", "a2"]
    assert explorer.w_metric.value == "avg_response_s"
    ranked = explorer.c_rank.chart.layer[0].data
    assert ranked.get_column("agent_id").to_list() == ["a1", "a3", "a2"]


def test_clicking_an_agent_in_the_ranking_selects_them(explorer: Explorer) -> None:
    explorer.c_rank._vl_selections = {"pick": {"value": {"vlPoint": {"or": [{"agent_id": "a3"}]}}, "store": []}}
    assert explorer.agent_id == "a3"
    assert explorer.w_agent.value == "a3"
    trend = explorer.c_trend.chart.data
    assert set(trend.get_column("name")) == {"丙", "团队中位数"}


def test_language_switch_relabels_controls_charts_and_table(explorer: Explorer) -> None:
    explorer.set_lang("en")
    assert dict(explorer.w_metric.options)["Inquiry → final payment rate"] == "conv_final"
    assert explorer.w_team.options[0] == ("All", ALL)
    assert "<th>Rank change</th>" in explorer.w_board.value
    assert explorer.c_rank.chart.title == "Inquiry → final payment rate"
    assert explorer._weight_sliders["avg_response_s"].description == "Average response time"
    explorer.set_lang("zh")
    assert "<th>排名变化</th>" in explorer.w_board.value


def test_unknown_language_is_a_user_error(schemes: Path) -> None:
    with pytest.raises(CsanaError, match="unknown language"):
        Explorer(shop(), month="2026-10", schemes_dir=schemes, lang="fr")


def test_save_writes_a_new_scheme_that_becomes_the_reference(explorer: Explorer, schemes: Path) -> None:
    explorer.set_weight("avg_response_s", 2)
    path = explorer.save_scheme("快响应")
    assert path == schemes / "快响应.yaml"
    assert load_scheme(path).weights == {"conv_final": 5.0, "avg_response_s": 2.0}
    assert all(c == 0 for c in explorer.leaderboard().get_column("change"))
    assert explorer.w_scheme.value == str(path)
    with pytest.raises(CsanaError, match="exists already"):
        explorer.save_scheme("快响应")


def test_save_button_reports_a_bad_name_in_the_status_line(explorer: Explorer, schemes: Path) -> None:
    explorer.w_save_name.value = "a/b"
    explorer.w_save.click()
    assert "not a usable file name" in explorer.w_status.value
    assert sorted(p.name for p in schemes.iterdir()) == ["test.yaml"]


def test_read_only_dashboard_cannot_save(schemes: Path) -> None:
    e = Explorer(shop(), month="2026-10", schemes_dir=schemes, read_only=True)
    with pytest.raises(CsanaError, match="read-only"):
        e.save_scheme("x")
    assert "只读" in e.h_scheme.value


def test_open_in_dashboard_mode_reads_the_command_line_settings(schemes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSANA_DASHBOARD", "1")
    monkeypatch.setenv("CSANA_MONTH", "2026-10")
    monkeypatch.setenv("CSANA_LANG", "en")
    e = Explorer.open(shop(), schemes_dir=schemes)
    assert (e.read_only, e.frames.month, e.lang) == (True, "2026-10", "en")


def test_explorer_without_schemes_still_explores(tmp_path: Path) -> None:
    e = Explorer(shop(), month="2026-10", schemes_dir=tmp_path)
    assert e.tuned is None
    assert "params/schemes/ 中没有方案" in e.w_board.value
    with pytest.raises(CsanaError, match="no scheme"):
        e.set_weight("conv_final", 1)


def test_missing_data_path_is_a_user_error(explorer: Explorer) -> None:
    with pytest.raises(CsanaError, match="no such file"):
        explorer.load("/nonexistent/folder")


def test_ranking_leaves_out_agents_without_a_value_with_the_reason() -> None:
    from csana.demo.generator import demo_dataset

    e = Explorer(demo_dataset(), month="2026-10")
    e.select_metric("conv_final")
    shown, left_out = e.ranking_rows()
    # conversion is judged for pre-sales agents: the after-sales team's few post-sale inquiries are no ranking
    assert set(left_out["agent_id"]) == {"a10", "a11", "a12"}
    assert left_out["reason"].unique().to_list() == ["该指标不适用于此岗位"]
    bars = e.c_rank.chart.layer[0].data
    assert set(bars["agent_id"]) == set(shown["agent_id"]) and not set(bars["agent_id"]) & {"a10", "a11", "a12"}
    assert (bars[e.metric_id] > 0).all()  # no empty bars
    # 小林 (a04) has 10 inquiries (< 20): shown, marked as a hint
    assert bars.filter(bars["agent_id"] == "a04")["who"].to_list() == ["小林 *"]
    assert "未列出：小夏（该指标不适用于此岗位）" in e.w_rank_note.value and "仅供参考" in e.w_rank_note.value
    # a metric an agent has no value for: left out as 无数据
    e.select_metric("recovery_rate")
    assert e.ranking_rows()[1].filter(pl.col("agent_id") == "a10")["reason"].to_list() == ["无数据"]
