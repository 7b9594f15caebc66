"""The core CS metrics of one month per agent in idiomatic pandas (vectorised: no loops over rows).

A reference implementation written from the definitions in :mod:`reference_spec`
alone, independent of csana's code (it imports no csana module): a test oracle for
csana's ``agent_metrics`` and the pandas competitor of ``csana bench``. As a script::

    python tests/reference/pandas_metrics.py DATA --month 2026-10 --out m.csv

reads DATA's messages and orders (CSV through pandas' pyarrow reader, or Parquet),
computes :data:`reference_spec.CORE` per agent and writes them as CSV.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from reference_spec import (
    CORE,
    CORE_COUNTS,
    CSV_TIME_FORMAT,
    MESSAGE_COLUMNS,
    MICROS,
    ORDER_COLUMNS,
    SENDER_RANK,
    Params,
    input_files,
    main,
    micro_of_day,
)


def core_metrics(messages: pd.DataFrame, orders: pd.DataFrame, month: str, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-agent frame: agent_id + CORE; attribution frame: order_id → credited_agent, NaN when silent).

    ``messages`` has ts, customer_id, agent_id, sender, text; ``orders`` has order_id,
    customer_id, created_at, paid_at, amount (times as datetime64).
    """
    params.check_supported()
    receptions, bursts = _receptions(messages, params)
    receptions = _inquiries(receptions, orders, params)
    attribution = _attribution(receptions, orders, params)
    assists = _assists(attribution, receptions)
    metrics = _month(receptions, bursts, attribution, assists, month, params)
    return metrics, attribution[["order_id", "credited_agent"]]


def _seconds(delta: pd.Series) -> np.ndarray:
    """timedelta → float seconds as µs / 1e6 (NaT → NaN)."""
    micros = delta.to_numpy().astype("timedelta64[us]")
    out = micros.astype(np.int64) / MICROS
    out[np.isnat(micros)] = np.nan
    return out


def _receptions(messages: pd.DataFrame, params: Params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Receptions (one row per agent × customer × day with a customer message) and customer bursts."""
    rank = messages["sender"].map(SENDER_RANK).astype("int8")
    spam = messages["customer_id"].isin(list(params.customers))
    pattern = params.keyword_pattern
    if pattern:
        spam = spam | messages["text"].fillna("").str.contains(pattern, regex=True)
    m = pd.DataFrame({
        "agent_id": messages["agent_id"], "customer_id": messages["customer_id"], "ts": messages["ts"],
        "day": messages["ts"].dt.normalize(), "rank": rank,
    })
    m["rec"] = m.groupby(["agent_id", "customer_id", "day"], sort=False, observed=True).ngroup()
    m["is_customer"] = rank.eq(0)
    m["is_agent"] = rank.eq(2)
    m["real"] = m["is_customer"] & ~spam
    m = m.sort_values(["rec", "ts", "rank"], ignore_index=True)
    rec = m.groupby("rec").agg(
        agent_id=("agent_id", "first"), customer_id=("customer_id", "first"), day=("day", "first"),
        start=("ts", "min"), customer_msgs=("is_customer", "sum"), agent_msgs=("is_agent", "sum"),
        real_msgs=("real", "sum"),
    )
    bursts = _bursts(m, params)
    per_rec = bursts.groupby("rec").agg(first_response_s=("first_response", "max"), slow_responses=("is_slow", "sum"))
    rec = rec[rec["customer_msgs"] > 0].join(per_rec, how="left")
    rec["slow_responses"] = rec["slow_responses"].fillna(0)
    rec["received"] = rec["real_msgs"] > 0
    rec["replied"] = rec["received"] & (rec["agent_msgs"] > 0)
    rec["slow"] = rec["received"] & (rec["slow_responses"] >= params.slow_min_count)
    bursts = bursts.join(rec[["agent_id", "day", "received"]], on="rec", how="inner")
    return rec.reset_index(), bursts


def _bursts(m: pd.DataFrame, params: Params) -> pd.DataFrame:
    """One row per customer burst: rec, start, response_s (NaN when unanswered), in_hours, first."""
    stream = m if params.count_auto_reply else m[m["rank"] != 1]
    is_customer = stream["is_customer"]
    rec = stream["rec"]
    starts = is_customer & (rec.ne(rec.shift()) | ~is_customer.shift(fill_value=False).astype(bool))
    reply_ts = stream["ts"].where(~is_customer).bfill()
    reply_rec = rec.where(~is_customer).bfill()
    b = stream.loc[starts, ["rec", "ts"]].rename(columns={"ts": "start"})
    response = _seconds(reply_ts[starts] - b["start"])
    b["response_s"] = np.where(reply_rec[starts].to_numpy() == b["rec"].to_numpy(), response, np.nan)
    if params.service_hours is None:
        b["in_hours"] = True
    else:
        start, end = (micro_of_day(t) for t in params.service_hours)
        of_day = (b["start"] - b["start"].dt.normalize()).to_numpy().astype("timedelta64[us]").astype(np.int64)
        b["in_hours"] = (of_day >= start) & (of_day < end)
    b["first"] = b["rec"].ne(b["rec"].shift())
    b["first_response"] = b["response_s"].where(b["first"] & b["in_hours"])
    b["is_slow"] = (b["response_s"] > params.slow_response_s) & b["in_hours"]
    return b


def _inquiries(rec: pd.DataFrame, orders: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Flag received receptions with no order by the customer in the post-sale window before their start."""
    created = orders[["customer_id", "created_at"]].rename(columns={"created_at": "last_order_at"})
    merged = pd.merge_asof(
        rec.sort_values("start"), created.sort_values("last_order_at"), left_on="start", right_on="last_order_at",
        by="customer_id", direction="backward", allow_exact_matches=False,
    )
    window = pd.Timedelta(microseconds=int(params.postsale_days * 86400 * MICROS))
    merged["inquiry"] = merged["received"] & (
        merged["last_order_at"].isna() | ((merged["start"] - merged["last_order_at"]) > window)
    )
    return merged


def _attribution(rec: pd.DataFrame, orders: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Each order with the agent of the latest inquiry reception in its window (NaN: silent order)."""
    inquiries = (
        rec[rec["inquiry"]]
        .groupby(["customer_id", "start"], as_index=False)
        .agg(credited_agent=("agent_id", "min"), credit_day=("day", "first"))
        .rename(columns={"start": "credit_start"})
        .sort_values("credit_start")
    )
    o = orders[list(ORDER_COLUMNS)].copy()
    o["window_start"] = o["created_at"].dt.normalize() - pd.Timedelta(days=params.attribution_days)
    att = pd.merge_asof(
        o.sort_values("created_at"), inquiries, left_on="created_at", right_on="credit_start",
        by="customer_id", direction="backward", allow_exact_matches=False,
    )
    outside = ~(att["credit_start"] >= att["window_start"])
    att.loc[outside, ["credited_agent", "credit_start", "credit_day"]] = None
    return att


def _assists(att: pd.DataFrame, rec: pd.DataFrame) -> pd.DataFrame:
    """(order, other agent) pairs with a received reception in [window_start, paid_at]; day of the first."""
    paid = att[att["credited_agent"].notna() & att["paid_at"].notna()]
    paid = paid[["order_id", "customer_id", "window_start", "paid_at", "credited_agent"]]
    served = rec.loc[rec["received"], ["customer_id", "agent_id", "start"]]
    pairs = paid.merge(served, on="customer_id")
    pairs = pairs[(pairs["agent_id"] != pairs["credited_agent"]) & (pairs["start"] >= pairs["window_start"])
                  & (pairs["start"] <= pairs["paid_at"])]
    first = pairs.groupby(["order_id", "customer_id", "agent_id"], as_index=False)["start"].min()
    first["day"] = first["start"].dt.normalize()
    return first


def _month(rec: pd.DataFrame, bursts: pd.DataFrame, att: pd.DataFrame, assists: pd.DataFrame, month: str,
           params: Params) -> pd.DataFrame:
    """Aggregate the derived tables over the month into the per-agent core metrics."""
    start = pd.Timestamp(f"{month}-01")
    end = start + pd.offsets.MonthBegin(1)

    def within(day: pd.Series) -> pd.Series:
        return (day >= start) & (day < end)

    r = rec[within(rec["day"])]
    contacts = r.groupby(["agent_id", "customer_id"]).agg(
        received=("received", "max"), inquiry=("inquiry", "max"), replied=("replied", "max"), slow=("slow", "max"),
    )
    credited = att[att["credited_agent"].notna()]
    in_credit = credited[within(credited["credit_day"])]
    deadline = in_credit["credit_day"] + pd.Timedelta(days=params.final_pay_days + 1)
    conv = (
        in_credit.assign(conv_final=in_credit["paid_at"].notna() & (in_credit["paid_at"] < deadline))
        .groupby(["credited_agent", "customer_id"])["conv_final"].max()
        .rename_axis(["agent_id", "customer_id"])
    )
    assisted = assists[within(assists["day"])][["agent_id", "customer_id"]].drop_duplicates()
    assisted["assisted"] = True
    contacts = contacts.join(conv, how="left").join(assisted.set_index(["agent_id", "customer_id"]), how="left")
    contacts = contacts.fillna({"conv_final": False, "assisted": False}).astype({"conv_final": bool, "assisted": bool})
    contacts["conv_base"] = contacts["inquiry"] & (~contacts["assisted"] | contacts["conv_final"])
    people = contacts.groupby("agent_id")[["received", "replied", "inquiry", "slow", "conv_base", "conv_final"]].sum()
    people.columns = ["received_customers", "replied_customers", "inquiry_customers", "slow_customers",
                      "conv_base_customers", "conv_final_customers"]
    firsts = r[r["received"]].groupby("agent_id")["first_response_s"].agg(["sum", "count"])
    answered = bursts[within(bursts["day"]) & bursts["received"] & bursts["in_hours"] & bursts["response_s"].notna()]
    responses = answered.groupby("agent_id")["response_s"].agg(["sum", "count"])
    sales = credited[within(credited["paid_at"].dt.normalize())].groupby("credited_agent")["amount"].sum()
    created = credited[within(credited["created_at"].dt.normalize())].groupby("credited_agent").size()
    out = pd.concat(
        [people, firsts.add_prefix("first_"), responses.add_prefix("resp_"),
         sales.rename("sales_amount"), created.rename("created_orders")], axis=1,
    ).fillna(0)
    out.index.name = "agent_id"

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return (num / den).where(den > 0)

    out["first_response_s"] = ratio(out["first_sum"], out["first_count"])
    out["avg_response_s"] = ratio(out["resp_sum"], out["resp_count"])
    out["reply_rate"] = ratio(out["replied_customers"], out["received_customers"])
    out["conv_final"] = ratio(out["conv_final_customers"], out["conv_base_customers"])
    out = out.astype({c: "int64" for c in CORE_COUNTS})
    return out.reset_index()[["agent_id", *CORE]]


def read_inputs(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Messages and orders of a data folder (CSV or Parquet), with the columns the metrics need."""
    messages_file, orders_file, fmt = input_files(folder)
    if fmt == "parquet":
        messages = pd.read_parquet(messages_file, columns=list(MESSAGE_COLUMNS))
        orders = pd.read_parquet(orders_file, columns=list(ORDER_COLUMNS))
    else:
        messages = _read_csv(messages_file, MESSAGE_COLUMNS, times=("ts",))
        orders = _read_csv(orders_file, ORDER_COLUMNS, times=("created_at", "paid_at"))
    return messages, orders


def _read_csv(path: Path, columns: tuple[str, ...], times: tuple[str, ...]) -> pd.DataFrame:
    text = {c: "str" for c in columns if c.endswith("_id") or c in ("sender", "text")}
    frame = pd.read_csv(path, usecols=list(columns), dtype={**text, "amount": "float64"}, engine="pyarrow")
    for column in times:
        frame[column] = pd.to_datetime(frame[column], format=CSV_TIME_FORMAT).astype("datetime64[us]")
    return frame


def run(data: Path, month: str, params: Params, out: Path, attribution_out: Path | None) -> None:
    """The script: read, compute, write the per-agent CSV (and the attribution Parquet when asked)."""
    messages, orders = read_inputs(data)
    metrics, attribution = core_metrics(messages, orders, month, params)
    metrics.to_csv(out, index=False)
    if attribution_out is not None:
        attribution.to_parquet(attribution_out, index=False)


if __name__ == "__main__":
    main(sys.argv[1:], run, "pandas_metrics.py")
