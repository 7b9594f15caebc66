"""The pandas and DuckDB references agree with csana's engine on random chat logs (hypothesis).

Random messages and orders around October 2026 under varied parameters (filters,
service hours, auto-replies counted or not, slow thresholds, windows): every
agent's core metrics and every order's credited agent must be identical across
the three implementations.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pandas")
pytest.importorskip("duckdb")

from oracles import reference_results  # noqa: E402

from csana.bench.parity import disagreements  # noqa: E402
from csana.ingest.dataset import Dataset  # noqa: E402
from csana.params import MetricParams  # noqa: E402

START = dt.datetime(2026, 9, 27)
AGENTS = ["a1", "a2", "a3"]
CUSTOMERS = [f"c{i}" for i in range(6)] + ["spam01"]

seconds = st.integers(min_value=0, max_value=86400 * 40)
message = st.tuples(
    seconds, st.sampled_from(CUSTOMERS), st.sampled_from(AGENTS),
    st.sampled_from(["customer", "customer", "agent", "agent", "auto"]), st.sampled_from(["在吗", "加微信", "多少钱"]),
)
order = st.tuples(st.sampled_from(CUSTOMERS), seconds, st.one_of(st.none(), st.integers(0, 86400 * 5)),
                  st.sampled_from([0.0, 9.9, 100.0, 1234.5]))
params = st.fixed_dictionaries({
    "slow_response_s": st.sampled_from([30, 60, 3600]),
    "slow_min_count": st.sampled_from([1, 2]),
    "postsale_days": st.sampled_from([0, 1.5, 7]),
    "attribution_days": st.sampled_from([0, 1, 3]),
    "final_pay_days": st.sampled_from([0, 3]),
    "count_auto_reply": st.booleans(),
    "service_hours": st.sampled_from([None, ["08:00", "23:00"]]),
    "filter": st.sampled_from([{}, {"keywords": ["加微信"], "customers": ["spam01"]}]),
})


ANCHOR = (86400 * 19, "c0", "a1", "customer", "在吗")
"""One customer message in mid-October, so the month always has data."""


def build(msgs: list[tuple], ords: list[tuple]) -> Dataset:
    msgs = [*msgs, ANCHOR]
    m = pl.DataFrame(
        [(START + dt.timedelta(seconds=t), c, a, s, x) for t, c, a, s, x in msgs],
        schema={"ts": pl.Datetime("us"), "customer_id": pl.String, "agent_id": pl.String, "sender": pl.String,
                "text": pl.String},
        orient="row",
    )
    o = pl.DataFrame(
        [(f"o{i}", c, START + dt.timedelta(seconds=t), None if p is None else START + dt.timedelta(seconds=t + p), amt, 1)
         for i, (c, t, p, amt) in enumerate(ords)],
        schema={"order_id": pl.String, "customer_id": pl.String, "created_at": pl.Datetime("us"),
                "paid_at": pl.Datetime("us"), "amount": pl.Float64, "units": pl.Int64},
        orient="row",
    )
    return Dataset(tables={"messages": m, "orders": o}, source="hypothesis")


def check_agreement(msgs: list[tuple], ords: list[tuple], overrides: dict) -> None:
    results = reference_results(build(msgs, ords), "2026-10", MetricParams.load(**overrides))
    assert disagreements(results) == []


CASES = (st.lists(message, min_size=1, max_size=60), st.lists(order, max_size=12), params)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*CASES)
def test_three_implementations_agree(msgs, ords, overrides):
    check_agreement(msgs, ords, overrides)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*CASES)
def test_three_implementations_agree_thoroughly(msgs, ords, overrides):
    check_agreement(msgs, ords, overrides)
