"""The demo's main tables as canonical frames: messages, orders and payment reminders.

Everything before the cut (the end of the last day) is written; payments and
refunds after it are not known yet (null), as in a real export.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from csana.demo.conversation import AGENT, SENDERS
from csana.demo.staff import Staff
from csana.demo.texts import CAT, TEST_ACCOUNTS, TEXTS, text_codes
from csana.demo.timeline import Calendar, datetimes


def customer_ids(index: np.ndarray) -> pl.Series:
    """Customer ids: the test accounts for indices 0 and 1, else 'c' and eight digits (formatted once per customer)."""
    count = int(index.max()) + 1 if len(index) else len(TEST_ACCOUNTS)
    regular = "c" + pl.Series(np.arange(1, max(count - len(TEST_ACCOUNTS), 0) + 1)).cast(pl.String).str.zfill(8)
    return pl.concat([pl.Series(TEST_ACCOUNTS), regular]).gather(index)


def messages_frame(rng: np.random.Generator, parts: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
                   o: dict[str, np.ndarray], staff: Staff, cal: Calendar, cut: int, shop_id: str) -> pl.DataFrame:
    """All messages before ``cut`` in time order (ties: generation order), reminders as agent lines."""
    rem = np.flatnonzero(o["reminded"])
    cols = {
        "sec": [m["sec"] for m, _ in parts] + [o["reminder"][rem]],
        "customer": [s["customer"][m["session"]] for m, s in parts] + [o["customer"][rem]],
        "agent": [s["agent"][m["session"]] for m, s in parts] + [o["reminder_agent"][rem]],
        "sender": [m["sender"] for m, _ in parts] + [np.full(len(rem), AGENT, np.int8)],
        "cat": [m["cat"] for m, _ in parts] + [np.full(len(rem), CAT["reminder"], np.int16)],
    }
    c = {key: np.concatenate(value) for key, value in cols.items()}
    c["text"] = text_codes(rng, c["cat"])
    codes = pl.DataFrame({key: c[key] for key in ("sec", "customer", "agent", "sender", "text")})
    codes = codes.filter(pl.col("sec") < cut).sort("sec", maintain_order=True)
    return pl.DataFrame({
        "ts": datetimes(cal, codes["sec"].to_numpy()),
        "customer_id": customer_ids(codes["customer"].to_numpy()),
        "agent_id": staff.frame["agent_id"].gather(codes["agent"]),
        "sender": pl.Series(SENDERS).gather(codes["sender"]),
        "shop_id": pl.repeat(shop_id, codes.height, eager=True),
        "text": pl.Series(TEXTS).gather(codes["text"]),
    })


def orders_frame(o: dict[str, np.ndarray], cal: Calendar, cut: int, shop_id: str) -> pl.DataFrame:
    """Orders created before ``cut``; payments and refunds after it are not known yet (null)."""
    keep = np.flatnonzero(o["created"] < cut)
    keep = keep[np.lexsort((o["id"][keep], o["created"][keep]))]
    paid = np.where(o["paid"][keep] < cut, o["paid"][keep], -1)
    refunded = np.where((paid >= 0) & (o["refunded"][keep] < cut), o["refunded"][keep], -1)
    return pl.DataFrame({
        "order_id": order_ids(o, keep),
        "customer_id": customer_ids(o["customer"][keep]),
        "created_at": datetimes(cal, o["created"][keep]),
        "paid_at": datetimes(cal, paid),
        "amount": o["amount"][keep],
        "units": o["units"][keep].astype(np.int64),
        "shop_id": pl.repeat(shop_id, len(keep), eager=True),
        "refund_amount": pl.Series(np.where(refunded >= 0, o["refund_amount"][keep], np.nan), nan_to_null=True),
        "refunded_at": datetimes(cal, refunded),
    })


def order_ids(o: dict[str, np.ndarray], rows: np.ndarray) -> pl.Series:
    """Order ids of order rows: 'o' and nine digits."""
    return "o" + pl.Series(o["id"][rows] + 1).cast(pl.String).str.zfill(9)


def agent_or_null(staff: Staff, index: np.ndarray) -> pl.Series:
    """Agent ids for agent positions; -1 → null."""
    ids = staff.frame["agent_id"].gather(np.maximum(index, 0))
    return pl.DataFrame({"id": ids, "ok": index >= 0}).select(pl.when("ok").then("id")).to_series()


def reminders_frame(o: dict[str, np.ndarray], staff: Staff, cal: Calendar, cut: int) -> pl.DataFrame:
    """One reminder (催付) per reminded order, the next morning, by the credited (or an on-duty) agent."""
    rows = np.flatnonzero(o["reminded"] & (o["reminder"] < cut))
    rows = rows[np.lexsort((o["id"][rows], o["reminder"][rows]))]
    return pl.DataFrame({
        "ts": datetimes(cal, o["reminder"][rows]),
        "agent_id": staff.frame["agent_id"].gather(o["reminder_agent"][rows]),
        "order_id": order_ids(o, rows),
    })
