"""The published-months panel on a real store: the hand-built shop's October published twice (o2 paid late in
between: a2's pay ¥1,030 → ¥1,040, see tests/report/test_restatements.py)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from credit_shop import credit_shop

from csana.errors import CsanaError
from csana.params import MetricParams
from csana.scoring.scheme import Scheme
from csana.store import publish
from csana.ui.history import History

SCHEME = Scheme.parse({
    "name": "测试", "pay": {"base": 1000}, "commission": {"metric": "sales_amount", "rate": 0.1},
    "indicators": [{"metric": "sales_amount", "weight": 1,
                    "tiers": [{"min": 250, "score": 10}, {"max": 250, "score": 5}]}],
})


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "csana.duckdb"
    shop = credit_shop()
    publish(shop, "2026-10", [("test", SCHEME)], MetricParams(), path, data="<memory>")
    paid = pl.when(pl.col("order_id") == "o2").then(pl.lit("2026-10-12 10:00:00").str.to_datetime()).otherwise(pl.col("paid_at"))
    later = type(shop)(tables={**shop.tables, "orders": shop.orders.with_columns(paid_at=paid)}, source="later")
    publish(later, "2026-10", [("test", SCHEME)], MetricParams(), path, data="<memory>", note="o2 paid late")
    return path


def test_versions_of_an_agent(store: Path) -> None:
    panel = History(store, agent="a2")
    assert panel.agents["agent_id"].to_list() == ["a1", "a2", "a3"]
    rows = panel.history()
    assert rows.select("version", "latest", "total_pay", "sales_amount").rows() == [
        (1, False, 1030.0, 300.0), (2, True, 1040.0, 400.0)]
    assert "¥1,030.00" in panel.h_table.value and "2 ★" in panel.h_table.value and "小二 (a2)" in str(panel.w_agent.options)
    assert panel.select_metric("conv_final")["conv_final"].to_list() == [0.5, 1.0]
    assert "100.0%" in panel.h_table.value
    panel.w_agent.value = "a1"  # the widget drives the same action
    assert panel.agent_id == "a1" and panel.history()["total_pay"].to_list() == [1020.0, 1020.0]
    panel.set_lang("en")
    assert "Published months" in panel.h_title.value
    with pytest.raises(CsanaError, match="no published month"):
        panel.select_agent("nobody")


def test_without_a_store_it_says_how_to_publish(tmp_path: Path) -> None:
    panel = History(tmp_path / "none.duckdb")
    assert panel.agent_id is None and panel.history().height == 0
    assert "csana publish" in panel.h_table.value
