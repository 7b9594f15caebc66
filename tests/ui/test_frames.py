"""The month's frames and the selections on them: team/role filters, offered choices, shown metrics, daily median."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from csana.ui.frames import choices, daily_with_median, filter_agents, shown_metrics

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
