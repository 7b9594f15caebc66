"""Invariants of the metric engine on random chat logs and orders (hypothesis)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from builders import dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from csana.catalogue import METRICS
from csana.errors import CsanaError
from csana.metrics import engine
from csana.metrics.shop import shop_metrics

START = dt.datetime(2026, 9, 28)
AGENTS = ["a1", "a2", "a3"]
CUSTOMERS = [f"c{i}" for i in range(8)] + ["spam01"]
FILTER = {"keywords": ["加微信"], "customers": ["spam01"]}

minutes = st.integers(min_value=0, max_value=60 * 24 * 40)
message = st.tuples(
    minutes, st.sampled_from(CUSTOMERS), st.sampled_from(AGENTS),
    st.sampled_from(["customer", "customer", "agent", "auto"]), st.sampled_from(["在吗", "加微信", "多少钱"]),
)
order = st.tuples(st.sampled_from(CUSTOMERS), minutes, st.one_of(st.none(), st.integers(0, 60 * 24 * 5)),
                  st.floats(0, 2000, allow_nan=False), st.integers(1, 4))


def build(msgs: list[tuple], ords: list[tuple]):
    m = pl.DataFrame(
        [(START + dt.timedelta(minutes=t), c, a, s, x) for t, c, a, s, x in msgs],
        schema={"ts": pl.Datetime("us"), "customer_id": pl.String, "agent_id": pl.String, "sender": pl.String, "text": pl.String},
        orient="row",
    )
    o = pl.DataFrame(
        [(f"o{i}", c, START + dt.timedelta(minutes=t), None if p is None else START + dt.timedelta(minutes=t + p), amt, u)
         for i, (c, t, p, amt, u) in enumerate(ords)],
        schema={"order_id": pl.String, "customer_id": pl.String, "created_at": pl.Datetime("us"),
                "paid_at": pl.Datetime("us"), "amount": pl.Float64, "units": pl.Int64},
        orient="row",
    )
    return m, o


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(message, min_size=1, max_size=40), st.lists(order, max_size=10))
def test_invariants(msgs, ords):
    m, o = build(msgs, ords)
    ds = dataset(m, o)
    try:
        table = engine.agent_metrics(ds, "2026-10", filter=FILTER)
    except CsanaError as exc:  # a month with no data is a user error, not a crash
        assert "no receptions or orders" in str(exc)
        return
    # rates lie in [0, 1] and are never NaN or inf
    for metric in METRICS:
        if metric.unit == "ratio" and metric.id != "qa_ratio":
            values = table[metric.id].drop_nulls()
            assert values.is_nan().sum() == 0 and ((values >= 0) & (values <= 1)).all(), metric.id
    # received + filtered = consult
    assert (table["received_customers"] + table["filtered_customers"] == table["consult_customers"]).all()
    # numerators within their denominators
    assert (table["conv_final_customers"] <= table["conv_base_customers"]).all()
    assert (table["conv_next_day_customers"] <= table["conv_final_customers"]).all()
    assert (table["slow_customers"] <= table["received_customers"]).all()
    # credited + silent paid sales = all paid sales in the period
    shop = shop_metrics(ds, "2026-10", filter=FILTER)
    silent = shop.service_value.filter(pl.col("kind") == "silent")["amount"][0]
    paid_in_oct = o.filter(pl.col("paid_at").dt.strftime("%Y-%m") == "2026-10")["amount"].sum()
    assert abs(table["sales_amount"].sum() + silent - paid_in_oct) < 1e-6
    # shop-level people never exceed the sum over agents
    assert shop.totals["consult_customers"][0] <= table["consult_customers"].sum()


@SETTINGS
@given(st.lists(message, min_size=1, max_size=40), st.lists(order, max_size=10), st.integers(0, 2**32 - 1))
def test_shuffling_rows_changes_nothing(msgs, ords, seed):
    m, o = build(msgs, ords)
    first = _metrics_or_none(dataset(m, o))
    second = _metrics_or_none(dataset(m.sample(fraction=1, shuffle=True, seed=seed), o.sample(fraction=1, shuffle=True, seed=seed)))
    if first is None:
        assert second is None
    else:
        assert_frame_equal(first, second, check_exact=False, rel_tol=1e-9)


def _metrics_or_none(ds):
    try:
        return engine.agent_metrics(ds, "2026-10", filter=FILTER)
    except CsanaError:
        return None
