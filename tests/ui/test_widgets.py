"""The explorer's logic without a browser: filters, charts' inputs, scheme sliders, leaderboard, saving.

The shop fixture has three agents whose metrics are known by hand (one customer
message answered once per reception, so avg_response_s is that one delay):

    agent  team  inquiry customers  paid   conv_final   avg_response_s
    a1     A     2 (c11, c12)       c11    1/2 = 0.5    10 s
    a2     A     2 (c21, c22)       none    0/2 = 0.0    100 s
    a3     B     2 (c31, c32)       both   2/2 = 1.0    40 s

and the scheme (weights 5 and 5) scores them:

    conv_final  [min 50%) → 10, [40%, 50%) → 6, below 40% → 2
    avg_response_s (closed right) ≤ 30 → 10, (30, 60] → 5, > 60 → 0

    a1: 10·5 + 10·5 = 100 of 100 → 100%, rank 1
    a3: 10·5 +  5·5 =  75 of 100 →  75%, rank 2
    a2:  2·5 +  0·5 =  10 of 100 →  10%, rank 3
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import polars as pl
import pytest
import yaml
from builders import dataset, messages, orders, table
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.errors import CsanaError
from csana.scoring.scheme import Scheme, load_scheme
from csana.ui.widgets import (
    ALL,
    Diagnoser,
    Explorer,
    boundaries,
    boundary_range,
    change_text,
    choices,
    daily_with_median,
    excerpt_html,
    filter_agents,
    leaderboard,
    save_scheme,
    shown_metrics,
    table_html,
    weight_range,
    with_boundary,
)

SCHEME_YAML = """\
name: 测试方案
name_en: Test scheme
indicators:
  - metric: conv_final
    weight: 5
    tiers:
      - {min: 50%, score: 10}
      - {min: 40%, max: 50%, score: 6}
      - {max: 40%, score: 2}
  - metric: avg_response_s
    weight: 5
    closed: right
    tiers:
      - {max: 30, score: 10}
      - {min: 30, max: 60, score: 5}
      - {min: 60, score: 0}
"""


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
def schemes(tmp_path: Path) -> Path:
    folder = tmp_path / "schemes"
    folder.mkdir()
    (folder / "test.yaml").write_text(SCHEME_YAML, encoding="utf-8")
    return folder


@pytest.fixture
def explorer(schemes: Path) -> Explorer:
    return Explorer(shop(), month="2026-10", schemes_dir=schemes)


def board(e: Explorer) -> dict[str, tuple]:
    """agent → (rank, percent, saved rank, change)."""
    return {r["agent_id"]: (r["rank"], round(r["percent"], 6), r["saved_rank"], r["change"])
            for r in e.leaderboard().iter_rows(named=True)}


# -- the explorer end to end (engine → scoring → leaderboard) ---------------------------------


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


# -- pure helpers ------------------------------------------------------------------------------


AGENTS = pl.DataFrame({
    "agent_id": ["a1", "a2", "a3", "a4"],
    "team": ["A", "A", "B", None],
    "role": ["presales", "aftersales", "presales", "presales"],
    "conv_final": [0.5, None, 0.2, None],
    "disputes": [None, None, None, None],
}, schema_overrides={"disputes": pl.Int64})


@pytest.mark.parametrize(("team", "role", "expected"), [
    (None, None, ["a1", "a2", "a3", "a4"]),
    ("A", None, ["a1", "a2"]),
    (None, "presales", ["a1", "a3", "a4"]),
    ("A", "presales", ["a1"]),
    ("C", None, []),
])
def test_filter_agents(team: str | None, role: str | None, expected: list[str]) -> None:
    assert filter_agents(AGENTS, team, role).get_column("agent_id").to_list() == expected


def test_choices_are_sorted_distinct_non_null() -> None:
    assert choices(AGENTS, "team") == ["A", "B"]
    assert choices(AGENTS, "shop_id") == []


def test_shown_metrics_skip_all_null_columns() -> None:
    assert shown_metrics(AGENTS) == ["conv_final"]


def test_daily_with_median() -> None:
    daily = pl.DataFrame({
        "date": [dt.date(2026, 10, 1)] * 3,
        "agent_id": ["a1", "a2", "a3"],
        "name": ["甲", None, "丙"],
        "aov": [100.0, 300.0, 200.0],
    })
    got = daily_with_median(daily, "aov", "a2", "en")
    # median of 100, 300, 200 = 200; a2 has no name → its id
    assert got.select("name", "aov").rows() == [("Team median", 200.0), ("a2", 300.0)]
    assert daily_with_median(daily, "aov", None, "zh").get_column("name").to_list() == ["团队中位数"]


@pytest.mark.parametrize(("change", "shown"), [(2, "↑2"), (-1, "↓1"), (0, "–"), (None, "—")])
def test_change_text(change: int | None, shown: str) -> None:
    assert change_text(change) == shown


def test_leaderboard_joins_saved_ranks() -> None:
    tuned = pl.DataFrame({"agent_id": ["a", "b", "c"], "name": ["甲", "乙", "丙"], "team": ["A", "A", "B"],
                          "total": [9.0, 8.0, None], "percent": [0.9, 0.8, None], "rank": [1, 2, None]})
    saved = tuned.with_columns(rank=pl.Series([2, 1, None]), percent=pl.Series([0.7, 0.75, None]))
    got = leaderboard(tuned, saved)
    # a: saved 2 → now 1: +1; b: saved 1 → now 2: −1; c unscored: no rank, listed last
    assert got.select("agent_id", "rank", "saved_rank", "change").rows() == [("a", 1, 2, 1), ("b", 2, 1, -1), ("c", None, None, None)]


def test_table_html_escapes_and_shows_nulls_as_dash() -> None:
    frame = pl.DataFrame({"name": ["<b>x</b>", None]})
    got = table_html(frame, {"name": "客服"}, "t")
    assert "&lt;b&gt;x&lt;/b&gt;" in got and "<b>x" not in got
    assert '<td data-col="name">—</td>' in got


def test_weight_range() -> None:
    assert weight_range(5) == (0.0, 10.0, 0.1)
    assert weight_range(0.3) == (0.0, 1.0, 0.01)


def test_boundary_range_stays_between_neighbours() -> None:
    cuts = [0.4, 0.5, 0.6]
    # span 0.2 → step 0.002; the middle boundary moves strictly between 0.4 and 0.6
    low, high, step = boundary_range(cuts, 1)
    assert step == 0.002 and low == pytest.approx(0.402) and high == pytest.approx(0.598)
    low, high, _ = boundary_range(cuts, 0)
    assert low == pytest.approx(0.2) and high == pytest.approx(0.498)


def test_with_boundary_rejects_crossing_a_neighbour() -> None:
    scheme = Scheme.parse(yaml.safe_load(SCHEME_YAML))
    with pytest.raises(CsanaError, match="between"):
        with_boundary(scheme, "conv_final", 0, 0.55)
    with pytest.raises(CsanaError, match="2 tier boundaries"):
        with_boundary(scheme, "conv_final", 2, 0.7)


def test_save_scheme_refuses_bad_names(tmp_path: Path) -> None:
    scheme = Scheme.parse(yaml.safe_load(SCHEME_YAML))
    with pytest.raises(CsanaError, match="usable file name"):
        save_scheme(scheme, "../evil", tmp_path)
    path = save_scheme(scheme, "copy.yaml", tmp_path)
    assert path.name == "copy.yaml"
    assert path.read_text(encoding="utf-8").startswith("# Tuned in the csana explorer from '测试方案'")
    assert load_scheme(path).content_hash == scheme.model_copy(update={"name": "copy", "name_en": "copy"}).content_hash


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50, allow_nan=False), min_size=3, max_size=3, unique=True), st.integers(0, 1),
       st.floats(0.001, 0.999))
def test_moved_boundary_keeps_tiers_valid(bounds: list[float], index: int, where: float) -> None:
    lo, mid, hi = sorted(bounds)
    scheme = Scheme.parse({"name": "p", "indicators": [{"metric": "aov", "weight": 1, "tiers": [
        {"max": lo, "score": 0}, {"min": lo, "max": mid, "score": 1}, {"min": mid, "max": hi, "score": 2}, {"min": hi, "score": 3}]}]})
    cuts = boundaries(scheme, "aov")
    left = cuts[index - 1] if index > 0 else cuts[index] - 10
    right = cuts[index + 1]
    value = left + (right - left) * where
    if not left < value < right:
        return
    moved = with_boundary(scheme, "aov", index, value)
    # re-validating the moved scheme from scratch finds no gap or overlap, and only that boundary changed
    again = Scheme.parse(moved.model_dump(mode="json"))
    assert boundaries(again, "aov") == [value if k == index else c for k, c in enumerate(cuts)]


# -- the conversion diagnoser (on the demo shop: the diagnostics rules need a realistic month) ------


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
