"""The explorer's credit-rule selector on the hand-built shop (tests/support/credit_shop.py).

Scheme: sales ≥ ¥250 → 10 points else 5; base ¥1,000 + 10% commission (as in
tests/scoring/test_attribution_compare.py). Under last_inquiry (the shop's rule) a2 ranks first and
earns ¥1,030, a1 ¥1,020, a3 ¥1,000; under last_before_payment a1 and a3 share rank 1
(¥1,025 and ¥1,030) and a2 drops to rank 3 (¥1,000).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from credit_shop import credit_shop

from csana.errors import CsanaError
from csana.datasets import open_data
from csana.ui.explorer import Explorer

SCHEME = """\
name: 测试
pay: {base: 1000}
commission: {metric: sales_amount, rate: 0.1}
indicators:
  - {metric: sales_amount, weight: 1, tiers: [{min: 250, score: 10}, {max: 250, score: 5}]}
"""


@pytest.fixture
def explorer(tmp_path: Path) -> Explorer:
    (tmp_path / "test.yaml").write_text(SCHEME, encoding="utf-8")
    return Explorer(credit_shop(), month="2026-10", schemes_dir=tmp_path)


def board(e: Explorer) -> dict[str, tuple]:
    """agent → (rank, pay, saved rank, rank change, pay change)."""
    return {r["agent_id"]: (r["rank"], r["total_pay"], r["saved_rank"], r["change"], r["pay_change"])
            for r in e.leaderboard().iter_rows(named=True)}


def test_the_shop_rule_is_the_reference(explorer: Explorer) -> None:
    assert explorer.rule == explorer.shop_rule == "last_inquiry"
    assert board(explorer) == {"a2": (1, 1030.0, 1, 0, 0.0), "a1": (2, 1020.0, 2, 0, 0.0), "a3": (2, 1000.0, 2, 0, 0.0)}
    assert "应发合计" in explorer.w_board.value and "下单前最后询单" in explorer.w_board.value


def test_rule_selector_recomputes_leaderboard_and_pay(explorer: Explorer) -> None:
    explorer.set_rule("last_before_payment")
    assert explorer.w_rule.value == "last_before_payment"
    assert board(explorer) == {"a1": (1, 1025.0, 2, 1, 5.0), "a3": (1, 1030.0, 2, 1, 30.0), "a2": (3, 1000.0, 1, -2, -30.0)}
    sales = dict(explorer.agents().select("agent_id", "sales_amount").iter_rows())
    assert sales == {"a1": 250.0, "a2": 0.0, "a3": 300.0}
    assert "+¥30.00" in explorer.w_board.value
    explorer.w_rule.value = "split"  # the widget drives the same action
    assert dict(explorer.agents().select("agent_id", "buyers").iter_rows()) == {"a1": 1.0, "a2": 0.5, "a3": 0.5}
    assert board(explorer)["a2"][1:] == (1015.0, 1, -1, -15.0)
    explorer.set_rule("last_inquiry")
    assert all(row[4] == 0.0 for row in board(explorer).values())


def test_scheme_tuning_and_rule_combine(explorer: Explorer) -> None:
    explorer.set_rule("first_inquiry")
    explorer.set_weight("sales_amount", 2)  # scores double, pay unchanged (no performance pay)
    assert board(explorer)["a1"] == (1, 1050.0, 2, 1, 30.0)


def test_unknown_rule_and_exports(explorer: Explorer) -> None:
    with pytest.raises(CsanaError, match="unknown credit rule"):
        explorer.set_rule("last_touch")
    export = Explorer(open_data(next((Path(__file__).parents[1] / "data" / "exports").glob("*.csv"))), schemes_dir=None)
    assert export.w_rule.disabled and "不能更换归属规则" in export.w_rule.tooltip
    with pytest.raises(CsanaError, match="changing the credit rule needs raw orders"):
        export.set_rule("split")
