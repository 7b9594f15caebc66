"""Scheme tuning maths: boundaries, slider ranges, the leaderboard's rank change, saving a tuned scheme.

The maths needs no ipywidgets: one test imports :mod:`csana.ui.tuning` and
:mod:`csana.ui.frames` in a fresh interpreter where ``import ipywidgets`` fails, and
re-scores, re-ranks and moves a boundary there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csana.errors import CsanaError
from csana.scoring.scheme import Scheme, load_scheme
from csana.ui.tuning import (
    boundaries,
    boundary_range,
    change_text,
    leaderboard,
    save_scheme,
    weight_range,
    with_boundary,
)


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


def test_with_boundary_rejects_crossing_a_neighbour(scheme: Scheme) -> None:
    with pytest.raises(CsanaError, match="between"):
        with_boundary(scheme, "conv_final", 0, 0.55)
    with pytest.raises(CsanaError, match="2 tier boundaries"):
        with_boundary(scheme, "conv_final", 2, 0.7)


def test_save_scheme_refuses_bad_names(scheme: Scheme, tmp_path: Path) -> None:
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


WITHOUT_IPYWIDGETS = """
import json, sys
sys.modules["ipywidgets"] = None  # from here on, `import ipywidgets` raises ImportError
import polars as pl
from csana.errors import CsanaError
from csana.scoring.scheme import Scheme, load_scheme
from csana.ui import frames, tuning

scheme = load_scheme(sys.argv[1])
metrics = pl.DataFrame({"agent_id": ["a1", "a2", "a3"], "name": ["甲", "乙", "丙"], "team": ["A", "A", "B"],
                        "conv_final": [0.5, 0.0, 1.0], "avg_response_s": [10.0, 100.0, 40.0]})
saved = tuning.scheme_scores(metrics, scheme)
board = tuning.leaderboard(tuning.scheme_scores(metrics, scheme.with_weight("avg_response_s", 0)), saved)
moved = tuning.with_boundary(scheme, "conv_final", 1, 0.6)
try:
    tuning.with_boundary(scheme, "conv_final", 0, 0.55)
    crossing = ""
except CsanaError as exc:
    crossing = str(exc)
print(json.dumps({
    "saved": saved.sort("agent_id").select("agent_id", "rank", "percent").rows(),
    "board": board.select("agent_id", "rank", "percent", "saved_rank", "change").rows(),
    "shown": [tuning.change_text(c) for c in board.get_column("change")],
    "moved": tuning.boundaries(Scheme.parse(moved.model_dump(mode="json")), "conv_final"),
    "moved_scores": tuning.scheme_scores(metrics, moved).sort("agent_id").get_column("percent").to_list(),
    "crossing": crossing,
    "team_a": frames.filter_agents(metrics, "A").get_column("agent_id").to_list(),
    "ipywidgets": sys.modules["ipywidgets"] is None and "altair" not in sys.modules,
}))
"""


def test_tuning_maths_runs_without_ipywidgets(schemes: Path) -> None:
    # the agents of test_explorer.py: a1 (50%, 10 s), a2 (0%, 100 s), a3 (100%, 40 s)
    result = subprocess.run([sys.executable, "-c", WITHOUT_IPYWIDGETS, str(schemes / "test.yaml")],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-4000:]
    got = json.loads(result.stdout)
    # saved scheme: a1 100/100, a2 10/100, a3 75/100
    assert got["saved"] == [["a1", 1, 1.0], ["a2", 3, 0.1], ["a3", 2, 0.75]]
    # avg_response_s weight 0 → full score 50: a1 and a3 50/50 (tie, rank 1), a2 10/50; a3 moves up one
    assert got["board"] == [["a1", 1, 1.0, 1, 0], ["a3", 1, 1.0, 2, 1], ["a2", 3, 0.2, 3, 0]]
    assert got["shown"] == ["–", "↑1", "–"]
    # upper conv_final boundary 50% → 60%: the re-validated scheme has it there; a1's 50% now scores 6·5 + 10·5 = 80
    assert got["moved"] == [0.4, 0.6]
    assert got["moved_scores"] == pytest.approx([0.8, 0.1, 0.75])
    assert "must lie between" in got["crossing"]
    assert got["team_a"] == ["a1", "a2"]
    assert got["ipywidgets"] is True  # never imported (an attempt would have failed), nor altair
