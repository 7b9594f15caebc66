"""csana on real public data nobody here wrote, in a folder named by ``CSANA_REALDATA``.

The data is not in the repository (its licences are non-commercial); to run these tests, put in
one folder ``twcs/twcs_head_monalisapatra26.csv`` (the first 5,000 rows of Kaggle's "Customer
Support on Twitter", twcs.csv, as re-saved by github.com/monalisapatra26/data_visualization) and
``olist/`` with the Olist tables (``sample10k_olist_*_dataset.csv`` of
github.com/thegeshwar/retail-anomaly-detection, data/sample/, and ``olist_sellers_dataset.csv``),
then ``CSANA_REALDATA=that/folder pytest tests/test_realdata.py``. Without it they are skipped.

The Twitter customer-support log (twcs) becomes a chat log: each company account is an
agent, each tweeting customer a customer. Olist orders become the orders table. Their
customers do not overlap, so every order is a silent order — which is itself a check.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

import csana
from csana.facts.derived import derive
from csana.metrics import engine
from csana.metrics.shop import shop_metrics

REALDATA = Path(os.environ.get("CSANA_REALDATA", "")).expanduser()
pytestmark = pytest.mark.skipif(not os.environ.get("CSANA_REALDATA") or not REALDATA.is_dir(),
                                reason="CSANA_REALDATA does not name a folder of the real public data")


def twitter_messages() -> pl.DataFrame:
    """twcs tweets as canonical messages; a customer tweet goes to the company that answered or was answered."""
    raw = pl.read_csv(REALDATA / "twcs" / "twcs_head_monalisapatra26.csv", infer_schema=False)
    tweets = raw.select(
        "tweet_id", "author_id", "text",
        inbound=pl.col("inbound") == "True",
        ts=pl.col("created_at").str.strptime(pl.Datetime("us", "UTC"), "%a %b %d %H:%M:%S %z %Y").dt.replace_time_zone(None),
        reply_to=pl.col("in_response_to_tweet_id").str.replace(r"\.0$", ""),
        answered_by=pl.col("response_tweet_id").str.split(",").list.first(),
    )
    authors = tweets.select("tweet_id", "inbound", other=pl.col("author_id"))
    linked = (
        tweets.join(authors.rename({"tweet_id": "reply_to", "inbound": "to_inbound", "other": "to_author"}), on="reply_to", how="left")
        .join(authors.rename({"tweet_id": "answered_by", "inbound": "by_inbound", "other": "by_author"}), on="answered_by", how="left")
    )
    company_of_customer = pl.coalesce(
        pl.when(pl.col("by_inbound") == False).then(pl.col("by_author")),  # noqa: E712
        pl.when(pl.col("to_inbound") == False).then(pl.col("to_author")),  # noqa: E712
    )
    return linked.select(
        "ts",
        customer_id=pl.when(pl.col("inbound")).then(pl.col("author_id")).otherwise(pl.col("to_author")),
        agent_id=pl.when(pl.col("inbound")).then(company_of_customer).otherwise(pl.col("author_id")),
        sender=pl.when(pl.col("inbound")).then(pl.lit("customer")).otherwise(pl.lit("agent")),
        text="text",
    ).drop_nulls(["customer_id", "agent_id"])


def olist_orders() -> pl.DataFrame:
    folder = REALDATA / "olist"
    payments = pl.read_csv(folder / "sample10k_olist_order_payments_dataset.csv").group_by("order_id").agg(
        amount=pl.col("payment_value").sum()
    )
    items = pl.read_csv(folder / "sample10k_olist_order_items_dataset.csv").group_by("order_id").agg(units=pl.len())
    orders = pl.read_csv(folder / "sample10k_olist_orders_dataset.csv", infer_schema=False)
    return orders.join(payments, on="order_id", how="inner").join(items, on="order_id", how="inner").select(
        "order_id", "customer_id", created_at="order_purchase_timestamp", paid_at="order_approved_at", amount="amount", units="units"
    )


@pytest.fixture(scope="module")
def realdata(tmp_path_factory) -> csana.Dataset:
    folder = tmp_path_factory.mktemp("realdata")
    twitter_messages().write_csv(folder / "messages.csv")
    olist_orders().write_csv(folder / "orders.csv")
    return csana.load(folder)


def test_every_row_is_used_or_rejected(realdata):
    files = realdata.files
    assert (files["rows_used"] + files["rows_rejected"] == files["rows_read"]).all()
    assert files.filter(pl.col("table") == "messages")["rows_used"][0] > 4000


def test_a_thread_by_hand(realdata):
    # sprintcare × customer 115712 on 2017-10-31: the customer tweets 21:49:35 (tweet 5) and is answered
    # 21:54:49 (tweet 4) → 314 s; tweet 3 at 22:08:27 → answered 22:10:47 (tweet 1) → 140 s.
    responses = derive(realdata).responses.filter(
        (pl.col("agent_id") == "sprintcare") & (pl.col("customer_id") == "115712")
    ).sort("start")
    assert responses["response_s"].to_list()[:2] == [314.0, 140.0]


def test_metrics_on_real_data(realdata):
    month = "2017-10"
    metrics = engine.agent_metrics(realdata, month)
    assert {"AppleSupport", "AmazonHelp", "sprintcare"} <= set(metrics["agent_id"])
    answered = metrics.filter(pl.col("first_response_s").is_not_null())
    assert (answered["first_response_s"] >= 0).all()
    assert ((metrics["reply_rate"].drop_nulls() >= 0) & (metrics["reply_rate"].drop_nulls() <= 1)).all()
    # Olist buyers never tweeted, so every October-2017 Olist order is silent and no agent sells
    assert metrics["sales_amount"].sum() == 0
    value = shop_metrics(realdata, month).service_value
    assert value.filter(pl.col("kind") == "silent")["orders"][0] > 0
