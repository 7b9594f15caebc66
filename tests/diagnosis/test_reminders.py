"""Do reminders work? The landmark comparison against the naive one, on a hand-built case where they disagree."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from builders import orders, table

from csana.diagnosis.intervals import difference, z_value
from csana.diagnosis.reminders import EFFECT_SCHEMA, reminder_effect
from csana.periods import month_window

Z = z_value(0.95)


def effect(ords: pl.DataFrame, reminders: pl.DataFrame, **kw) -> dict[tuple[str, bool], dict]:
    frame = reminder_effect(ords, reminders, month_window("2026-10"), dt.date(2026, 10, 20),
                            landmark_min=kw.get("landmark_min", 30), horizon_h=72, z=Z, lang=kw.get("lang", "zh"))
    assert frame.schema == pl.Schema(EFFECT_SCHEMA)
    return {(r["comparison"], r["reminded"]): r for r in frame.iter_rows(named=True)}


def case() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Fifteen orders of 1–5 October (data to the 20th), and two that are not compared.

    i1–i6   paid within 10 minutes: nobody could have reminded them
    r1–r4   reminded 15 min after creation (unpaid): r1, r2 paid 2 h later, r3, r4 never
    l1      reminded 45 min after creation (after the landmark), paid after 3 h
    n1–n4   never reminded: n1 paid after 5 h, n2–n4 never
    x1      paid at 09:05, "reminded" at 09:20 — after payment, so no reminder at all
    late    created 19 October: its 72 h outcome lies beyond the data's end (left out)
    sept    created in September (outside the month)
    """
    ords = orders(
        *[(f"i{k}", f"c{k}", f"0{k % 5 + 1} 09:00:00", f"0{k % 5 + 1} 09:08:00", 100) for k in range(1, 7)],
        ("r1", "d1", "01 10:00:00", "01 12:15:00", 100), ("r2", "d2", "02 10:00:00", "02 12:15:00", 100),
        ("r3", "d3", "03 10:00:00", None, 100), ("r4", "d4", "04 10:00:00", None, 100),
        ("l1", "e1", "05 10:00:00", "05 13:00:00", 100),
        ("n1", "f1", "01 11:00:00", "01 16:00:00", 100), ("n2", "f2", "02 11:00:00", None, 100),
        ("n3", "f3", "03 11:00:00", None, 100), ("n4", "f4", "04 11:00:00", None, 100),
        ("x1", "g1", "05 09:00:00", "05 09:05:00", 100),
        ("late", "h1", "19 10:00:00", None, 100), ("sept", "h2", "2026-09-30 10:00:00", None, 100),
    )
    reminders = table(
        "reminders",
        *[(f"0{d} 10:15:00", "a1", f"r{d}") for d in range(1, 5)],
        ("05 10:45:00", "a1", "l1"), ("05 09:20:00", "a1", "x1"), ("19 10:15:00", "a1", "late"),
        ("2026-09-30 10:15:00", "a1", "sept"),
    )
    return ords, reminders


def test_naive_and_landmark_comparisons_disagree():
    e = effect(*case())
    # naive: reminded r1–r4, l1 → 3 of 5 paid (60 %); never reminded i1–i6, n1–n4, x1 → 8 of 11 (72.7 %):
    # reminders "look harmful" because i1–i6 and x1 were paid before anyone could remind them
    assert (e["naive", True]["orders"], e["naive", True]["paid"]) == (5, 3)
    assert (e["naive", False]["orders"], e["naive", False]["paid"]) == (11, 8)
    assert e["naive", True]["difference"] == pytest.approx(3 / 5 - 8 / 11)
    assert e["naive", True]["difference"] < 0
    # landmark 30 min: unpaid then are r1–r4, l1, n1–n4. Reminded by then r1–r4 → 2 of 4 (50 %);
    # not (yet) reminded l1, n1–n4 → 2 of 5 (40 %): like with like, the reminded paid more often
    assert (e["landmark", True]["orders"], e["landmark", True]["paid"], e["landmark", True]["group"]) == (4, 2, "催付")
    assert (e["landmark", False]["orders"], e["landmark", False]["paid"]) == (5, 2)
    assert e["landmark", False]["difference"] == pytest.approx(0.5 - 0.4)
    assert e["landmark", True]["difference"] > 0
    # nine orders cannot tell: the difference's interval spans 0 (and each rate has its Wilson interval)
    assert e["landmark", True]["diff_low"] < 0 < e["landmark", True]["diff_high"]
    assert e["landmark", True]["ci_low"] < 0.5 < e["landmark", True]["ci_high"]


def test_a_later_landmark_counts_later_reminders():
    # at 60 min l1 (reminded at 45 min, paid) joins the reminded: 3 of 5 vs n1–n4's 1 of 4
    e = effect(*case(), landmark_min=60)
    assert (e["landmark", True]["orders"], e["landmark", True]["paid"]) == (5, 3)
    assert (e["landmark", False]["orders"], e["landmark", False]["paid"]) == (4, 1)


def test_english_group_names():
    e = effect(*case(), lang="en")
    assert (e["landmark", True]["group"], e["landmark", False]["group"]) == ("reminded", "not reminded")


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), Table II example (a): 56/70 − 48/80 = 0.2000, method 10: 0.0524 to 0.3339
    frame = pl.DataFrame({"x1": [56], "n1": [70], "x2": [48], "n2": [80]})
    d, low, high = difference(pl.col("x1"), pl.col("n1"), pl.col("x2"), pl.col("n2"), Z)
    got = frame.select(d=d, low=low, high=high).row(0)
    assert got == pytest.approx((0.2, 0.0524, 0.3339), abs=5e-5)
