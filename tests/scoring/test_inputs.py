"""The inputs of a score: targets (precedence, months), manual scores, the metric table's checks, targets files."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from score_builders import COMPLETION, CONV, MONTH, col, metrics, one, tiers

from csana.errors import CsanaError
from csana.scoring.inputs import read_targets
from csana.scoring.scheme import Scheme
from csana.scoring.scorecard import score

# -- targets and manual scores -------------------------------------------------------------------


def test_target_precedence_agent_team_shop_default() -> None:
    m = metrics(sales_amount=[90000.0] * 4, team=["t1", "t1", "t2", "t3"])
    targets = pl.DataFrame({
        "indicator": ["completion"] * 5,
        "agent_id": ["a1", None, None, None, "a2"],
        "team": [None, "t1", "t2", None, None],
        "month": [None, None, None, None, "2026-09"],  # a2's row is for another month: ignored
        "target": [90000.0, 100000.0, 120000.0, 180000.0, 1.0],
    })
    out = score(m, one(COMPLETION), targets=targets)
    # a1 own 90000 → 100%; a2 team t1 100000 → 90%; a3 team t2 120000 → 75%; a4 shop 180000 → 50%
    assert col(out, "completion.target") == [90000, 100000, 120000, 180000]
    assert col(out, "completion.score") == [30, 25, 15, 10]


def test_month_specific_target_beats_general() -> None:
    m = metrics(sales_amount=[90000.0])
    targets = pl.DataFrame({"indicator": ["completion"] * 2, "agent_id": ["a1", "a1"], "month": [None, MONTH],
                            "target": [200000.0, 90000.0]})
    assert score(m, one(COMPLETION), targets=targets)["completion.target"][0] == 90000


def test_unknown_indicator_in_targets() -> None:
    targets = pl.DataFrame({"indicator": ["completon"], "target": [1.0]})
    with pytest.raises(CsanaError, match="unknown indicator.*completon"):
        score(metrics(sales_amount=[1.0]), one(COMPLETION), targets=targets)


def test_manual_scores_join_by_agent_and_month() -> None:
    line = {"manual": "typing_speed", "weight": 1, "tiers": tiers((60, None, 10), (None, 60, 3))}
    manual = pl.DataFrame({"agent_id": ["a1", "a1", "a2"], "month": ["2026-09", MONTH, MONTH],
                           "indicator": ["typing_speed"] * 3, "value": [10.0, 80.0, 50.0]})
    out = score(metrics(received_customers=[1, 1, 1]), one(line), manual=manual)
    assert col(out, "typing_speed.value") == [80, 50, None]
    assert col(out, "typing_speed.status") == ["ok", "ok", "insufficient data"]


def test_duplicate_manual_scores_are_an_error() -> None:
    line = {"manual": "typing_speed", "weight": 1, "tiers": tiers((60, None, 10), (None, 60, 3))}
    manual = pl.DataFrame({"agent_id": ["a1", "a1"], "month": [MONTH] * 2, "indicator": ["typing_speed"] * 2,
                           "value": [80.0, 70.0]})
    with pytest.raises(CsanaError, match="more than one score") as info:
        score(metrics(received_customers=[1]), one(line), manual=manual)
    assert info.value.rows == [2, 3]


# -- the metric table ----------------------------------------------------------------------------


def test_applies_to_selects_roles() -> None:
    s = Scheme.parse({"name": "x", "applies_to": {"roles": ["presales"]}, "indicators": [CONV]})
    m = metrics(conv_final=[0.6] * 3, conv_base_customers=[30] * 3).with_columns(
        role=pl.Series(["presales", "aftersales", None]))
    assert col(score(m, s), "agent_id") == ["a1", "a3"]


def test_missing_metric_column_is_named() -> None:
    with pytest.raises(CsanaError, match="lacks column.*conv_base_customers") as info:
        score(metrics(conv_final=[0.5]), one(CONV))
    assert info.value.column == "conv_base_customers"


def test_duplicate_agents_are_an_error() -> None:
    m = metrics(conv_final=[0.5, 0.6], conv_base_customers=[30, 30]).with_columns(agent_id=pl.lit("a1"))
    with pytest.raises(CsanaError, match="more than once"):
        score(m, one(CONV))


def test_no_month_and_no_team_columns() -> None:
    line = {"manual": "typing_speed", "weight": 1, "tiers": tiers((60, None, 10), (None, 60, 3))}
    m = pl.DataFrame({"agent_id": ["a1", "a2"], "received_customers": [100, 300]})
    manual = pl.DataFrame({"agent_id": ["a1", "a2"], "month": [MONTH] * 2, "indicator": ["typing_speed"] * 2,
                           "value": [80.0, float("nan")]})
    share = {"id": "share", "metric": "received_customers", "basis": "relative", "weight": 1,
             "tiers": tiers((1.0, None, 10), (None, 1.0, 0))}
    out = score(m, Scheme.parse({"name": "x", "indicators": [line, share]}), manual=manual)
    assert col(out, "typing_speed.status") == ["ok", "insufficient data"]  # NaN is no score
    assert col(out, "share.value") == [0.5, 1.5]  # the whole table is one team
    two_months = manual.with_columns(month=pl.Series(["2026-09", MONTH]))
    with pytest.raises(CsanaError, match="no month column"):
        score(m, Scheme.parse({"name": "x", "indicators": [line]}), manual=two_months)


def test_text_metric_column_is_a_clear_error() -> None:
    with pytest.raises(CsanaError, match="not numbers"):
        score(metrics(conv_final=["50%"], conv_base_customers=[30]), one(CONV))


# -- targets files -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["utf-8-sig", "gb18030", "xlsx"])
def test_read_targets_csv_encodings_and_xlsx(tmp_path: Any, kind: str) -> None:
    frame = pl.DataFrame({"indicator": ["completion"], "team": ["售前一组"], "agent_id": ["007"], "target": [90000]})
    if kind == "xlsx":
        path = tmp_path / "targets.xlsx"
        frame.write_excel(path)
    else:
        path = tmp_path / "targets.csv"
        path.write_bytes("indicator,team,agent_id,target\ncompletion,售前一组,007,90000\n".encode(kind))
    got = read_targets(path)
    assert got["agent_id"].to_list() == ["007"] and got["team"].to_list() == ["售前一组"]
    assert got["target"].cast(pl.Float64).to_list() == [90000.0]


def test_read_targets_needs_its_columns(tmp_path: Any) -> None:
    path = tmp_path / "t.csv"
    path.write_text("indicator,goal\ncompletion,1\n", encoding="utf-8")
    with pytest.raises(CsanaError, match="missing column.*target"):
        read_targets(path)
