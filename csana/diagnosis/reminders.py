"""Do payment reminders (催付) work? A comparison of like with like, at a landmark.

Terms:

naive comparison
    every order created in the month, reminded at any time vs never reminded, and how many
    were paid. It is biased by construction: an order paid two minutes after it was placed
    can never be reminded, so the unreminded group holds every order that was never at risk
    and reminders look harmful even when they help.
landmark
    a fixed time after an order's creation (``drilldown.unpaid_after_min`` of
    params/diagnostics.yaml, default 30 minutes). The *landmark comparison* takes only the
    orders still unpaid at the landmark and splits them by whether they had been reminded by
    then (between creation and the landmark, while unpaid). Both groups were equally at risk
    at that moment, so neither holds orders paid before anyone could remind them.
outcome
    paid within ``drilldown.reminder_horizon_h`` hours of creation. Only orders created at
    least that long before the data's end are compared, so every outcome is known.
interval
    each group's rate has its Wilson interval; the difference (reminded − not reminded) has
    Newcombe's interval (:func:`csana.diagnosis.intervals.difference`).

What the landmark comparison can show: whether, among orders equally unpaid at the landmark,
those reminded by then were paid more often, and by how much at most and at least. What it
cannot show: that the reminder caused the payment. Agents choose whom to remind (the customers
who sounded keen, or not those who said they would pay tonight); orders reminded after the
landmark count as not reminded, which blurs the difference towards zero; and an order's value
or time of day may sway both. A randomised test (remind every other unpaid order) is the way
to prove the effect.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from csana.diagnosis.intervals import difference, wilson
from csana.facts.raw import reminded_while_unpaid
from csana.periods import Window

COMPARISONS = ("landmark", "naive")
GROUPS = {True: ("催付", "reminded"), False: ("未催付", "not reminded")}
EFFECT_SCHEMA: dict[str, pl.DataType] = {
    "comparison": pl.String, "reminded": pl.Boolean, "group": pl.String, "orders": pl.Int64, "paid": pl.Int64,
    "rate": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
    "difference": pl.Float64, "diff_low": pl.Float64, "diff_high": pl.Float64,
}
"""One row per comparison × group; ``difference`` (reminded − not reminded rate, with Newcombe's
interval) is repeated on both rows of a comparison."""


def _minutes(minutes: float) -> pl.Expr:
    return pl.duration(microseconds=int(minutes * 60 * 1_000_000))


def reminder_effect(orders: pl.DataFrame, reminders: pl.DataFrame, window: Window, data_end: dt.date, *,
                    landmark_min: float, horizon_h: float, z: float, lang: str = "zh") -> pl.DataFrame:
    """The landmark and the naive comparison of the orders created in ``window`` (see the module docstring).

    ``orders``: order_id, created_at, paid_at; ``reminders``: order_id, ts (the reminders table);
    ``data_end``: the last day the data covers.
    """
    horizon = _minutes(horizon_h * 60)
    end = pl.lit(dt.datetime.combine(data_end + dt.timedelta(days=1), dt.time()), pl.Datetime("us"))
    base = orders.lazy().select("order_id", "created_at", "paid_at").filter(
        window.contains(pl.col("created_at").dt.date()) & (pl.col("created_at") + horizon <= end)
    )
    sent = (
        reminders.lazy().select("order_id", "ts").join(base, on="order_id")
        .filter(reminded_while_unpaid())
        .group_by("order_id").agg(first_reminder=pl.col("ts").min())
    )
    landmark = pl.col("created_at") + _minutes(landmark_min)
    paid = (pl.col("paid_at").is_not_null() & (pl.col("paid_at") <= pl.col("created_at") + horizon))
    both = base.join(sent, on="order_id", how="left").with_columns(paid=paid)
    parts = [
        both.filter(pl.col("paid_at").is_null() | (pl.col("paid_at") > landmark))
        .with_columns(comparison=pl.lit("landmark"), reminded=(pl.col("first_reminder") <= landmark).fill_null(False)),
        both.with_columns(comparison=pl.lit("naive"), reminded=pl.col("first_reminder").is_not_null()),
    ]
    counted = (
        pl.concat(parts).group_by("comparison", "reminded")
        .agg(orders=pl.len().cast(pl.Int64), paid=pl.col("paid").sum().cast(pl.Int64))
        .collect()
    )
    grid = pl.DataFrame({"comparison": [c for c in COMPARISONS for _ in (0, 1)], "reminded": [True, False] * 2})
    low, high = wilson(pl.col("paid"), pl.col("orders"), z)
    pick = 0 if lang == "zh" else 1
    table = (
        grid.join(counted, on=["comparison", "reminded"], how="left")
        .with_columns(pl.col("orders", "paid").fill_null(0))
        .with_columns(
            group=pl.col("reminded").replace_strict({k: v[pick] for k, v in GROUPS.items()}, return_dtype=pl.String),
            rate=pl.when(pl.col("orders") > 0).then(pl.col("paid") / pl.col("orders")),
            ci_low=low, ci_high=high,
        )
    )
    return table.join(_differences(table, z), on="comparison").select(list(EFFECT_SCHEMA)).cast(EFFECT_SCHEMA)  # type: ignore[arg-type]


def _differences(table: pl.DataFrame, z: float) -> pl.DataFrame:
    """Per comparison: reminded − not reminded rate with Newcombe's interval."""
    wide = table.group_by("comparison").agg(
        x1=pl.col("paid").filter(pl.col("reminded")).first(), n1=pl.col("orders").filter(pl.col("reminded")).first(),
        x2=pl.col("paid").filter(~pl.col("reminded")).first(), n2=pl.col("orders").filter(~pl.col("reminded")).first(),
    )
    d, low, high = difference(pl.col("x1"), pl.col("n1"), pl.col("x2"), pl.col("n2"), z)
    return wide.select("comparison", difference=d, diff_low=low, diff_high=high)
