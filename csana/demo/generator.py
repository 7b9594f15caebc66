"""Demo data: a deterministic, realistic shop — chat logs, orders and every side table.

``generate_demo`` builds, in memory and from a seed, what a Taobao-style shop's
customer-service (客服) export would hold: a pre-sales team (售前) and an
after-sales team (售后), agents of different skill, ads and spam, auto-replies,
customers served by several agents, post-sale questions, silent orders, unpaid
orders with payment reminders (催付), refunds, reviews, disputes, manual scores,
lost reasons and online hours, running a few days past the last month's end so
the last month's conversion is final. ``write_demo`` writes one file per table;
``demo_dataset`` (:mod:`csana.demo.bundled`) loads the small pre-built demo shipped in ``csana/data/demo/``.

How it is made (everything vectorised with numpy, so millions of messages take
seconds):

episode
    one customer's visit that may lead to an order: a main inquiry *session* with
    pre-sales agent A (chosen among the agents on duty that day), sometimes preceded,
    the day before, by a session with A (a second look) or with another agent B (B
    then assists, 协助下单). The agent's ``close`` skill and how long the customer
    waited for the first answer decide whether the customer orders (the same day or
    the next): 1 / (1 + delay / 150 s) of ``close``, less when nobody answers.
session
    the messages of one customer with one agent on one day: bursts of 1–3 customer
    lines, each answered after the agent's ``delay`` (lognormal around the agent's
    median) with 1–3 lines; the last burst is sometimes an unanswered "thanks".
    Night sessions (00:00–08:00) get only an auto-reply. Sessions never cross
    midnight and one customer never has two sessions with one agent on one day, so
    each session is exactly one reception (one agent, one customer, one day: see
    :mod:`csana.facts.derived`).
order
    paid within minutes, later without help, after a payment reminder (催付), or never.
    An agent reminds an unpaid order promptly (within minutes, when it has not chatted
    with the customer that day) or the next morning; a prompt reminder makes more
    customers pay than a late one, and a reminder goes out only while the order is
    unpaid, so orders paid at once are never reminded. Some orders are followed by
    another agent before payment (协助跟进), by an after-sales session, a refund, a
    review or a dispute. Silent orders (静默下单)
    come with no chat, or from customers who chatted too long before.

Skills of the first pre-sales agents are fixed so diagnostics have something to
find: a01 fast, a strong closer and a prompt reminder, a02 a slow responder (who
converts less for it), a03 a weak closer who loses customers at the quote stage
(price reasons dominate the lost reasons) and reminds late, a04 a new hire with a
tiny sample and fewer customers routed to her; the others vary around typical shop
norms (responses 20–60 s, conversion 40–55 %, order value a few hundred yuan). With
more than one month, the last month's traffic falls by a quarter: a finding for
operations, not for any agent.
Timestamps are shop-local naive datetimes; all texts are Chinese.

The steps live in their own modules, called in this order by one random
generator per shop (so a seed reproduces every table): :mod:`~csana.demo.timeline`
(calendar, hourly profiles), :mod:`~csana.demo.staff` (agents, skills, rota),
:mod:`~csana.demo.sessions` (episodes and sessions), :mod:`~csana.demo.conversation`
(messages of each session), :mod:`~csana.demo.orders` (orders, payments,
refunds), :mod:`~csana.demo.tables` (messages, orders, reminders as tables),
:mod:`~csana.demo.side_tables` (reviews, disputes, manual scores, lost reasons,
online hours); the texts are in :mod:`~csana.demo.texts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from csana.demo.bundled import DEMO_DIR, demo_dataset  # noqa: F401  (also imported from here)
from csana.demo.conversation import simulate
from csana.demo.orders import make_orders, settle
from csana.demo.sessions import Ids, episodes, first_sessions, later_sessions
from csana.demo.side_tables import feedback, lost_reasons, manual_scores, online
from csana.demo.staff import make_staff, rota
from csana.demo.tables import messages_frame, orders_frame, reminders_frame
from csana.demo.texts import TEST_ACCOUNTS
from csana.demo.timeline import DAY, Calendar, make_calendar
from csana.errors import CsanaError
from csana.ingest.dataset import Dataset

MESSAGES_PER_PRESALES_DAY = 88
"""Measured: messages per pre-sales agent per day of plain-weekday traffic at scale 1 (used by :func:`scale_for`;
a day's traffic is :meth:`Calendar.traffic <csana.demo.timeline.Calendar.traffic>`)."""


# -- public API ---------------------------------------------------------------------------


def generate_demo(
    seed: int = 2026, agents: int = 12, months: int = 2, scale: float = 1.0, *,
    shops: int = 1, end_month: str = "2026-10", tail_days: int = 4,
) -> Dataset:
    """A demo dataset, identical for identical arguments.

    ``agents`` per shop (about a quarter after-sales), ``months`` complete months
    ending with ``end_month`` plus ``tail_days`` of the next month; ``scale``
    multiplies the customer volume (at 1 about 88 messages per pre-sales agent and
    day of plain-weekday traffic, so the default shop has ~47,000 messages; :func:`scale_for`
    finds the scale for a wanted size: 12 agents × 2 months × scale 217 ≈ 10 million).
    """
    _check(agents, months, scale, shops, tail_days)
    cal = make_calendar(end_month, months, tail_days)
    customers, orders = Ids(len(TEST_ACCOUNTS)), Ids()
    parts = [_shop(np.random.default_rng([seed, s]), cal, agents, scale, s, shops, customers, orders) for s in range(shops)]
    tables = {name: pl.concat([p[name] for p in parts], how="vertical") for name in parts[0]}
    if shops > 1:
        tables["messages"] = tables["messages"].sort("ts", maintain_order=True)
        tables["orders"] = tables["orders"].sort("created_at", maintain_order=True)
    source = f"demo(seed={seed}, agents={agents}, months={months}, scale={scale}, shops={shops})"
    return Dataset(tables=tables, source=source)


def scale_for(messages: int, agents: int = 12, months: int = 2, shops: int = 1, tail_days: int = 4) -> float:
    """The ``scale`` that makes :func:`generate_demo` write about ``messages`` messages (within a few %)."""
    days = float(make_calendar("2026-10", months, tail_days).traffic().sum())
    presales = agents - max(1, agents // 4)
    return messages / (MESSAGES_PER_PRESALES_DAY * presales * days * shops)


def write_demo(dataset: Dataset, out_dir: str | Path, format: Literal["csv", "parquet"] = "csv") -> list[Path]:
    """Write each table of ``dataset`` to ``out_dir/<table>.<format>``; returns the paths written.

    Files are byte-identical for identical datasets (no timestamps or random
    names are written), so a seed reproduces a dataset file for file.
    """
    if format not in ("csv", "parquet"):
        raise CsanaError(f"unknown format {format!r}", fix="use csv or parquet")
    from csana.writers import writing

    out = Path(out_dir)
    written = []
    for name, frame in dataset.tables.items():
        path = out / f"{name}.{format}"
        with writing(path):
            if format == "csv":
                frame.write_csv(path, datetime_format="%Y-%m-%d %H:%M:%S", date_format="%Y-%m-%d")
            else:
                frame.write_parquet(path, compression="zstd", compression_level=9, statistics=True)
        written.append(path)
    return written


# -- set-up ---------------------------------------------------------------------------------


def _check(agents: int, months: int, scale: float, shops: int, tail_days: int) -> None:
    problems = []
    if not 2 <= agents <= 9999:
        problems.append(f"agents={agents}: need 2…9999 (one pre-sales and one after-sales at least)")
    if not 1 <= months <= 60:
        problems.append(f"months={months}: need 1…60")
    if not 0 < scale <= 10_000:
        problems.append(f"scale={scale}: need a number > 0")
    if not 1 <= shops <= 99:
        problems.append(f"shops={shops}: need 1…99")
    if not 0 <= tail_days <= 27:
        problems.append(f"tail_days={tail_days}: need 0…27")
    if problems:
        raise CsanaError("; ".join(problems), fix="change the demo options")


def _shop(rng: np.random.Generator, cal: Calendar, n: int, scale: float, shop: int, shops: int,
          customers: Ids, order_pool: Ids) -> dict[str, pl.DataFrame]:
    """Every table of one shop."""
    staff = make_staff(rng, cal, n, shop, shops)
    work, scheduled = rota(rng, cal, staff)
    pre_w = work * (staff.weight * staff.presales)[None, :]
    after_w = work * (staff.weight * ~staff.presales)[None, :]
    ep = episodes(rng, cal, staff, pre_w, scale, customers)
    first = first_sessions(rng, cal, staff, pre_w, work, ep, scale, customers)
    msgs1, end1 = simulate(rng, first, staff)
    orders = make_orders(rng, cal, staff, pre_w, ep, end1[: len(ep["day"])], scale, customers, first)
    orders["id"] = np.empty(len(orders["created"]), np.int64)
    orders["id"][np.argsort(orders["created"], kind="stable")] = order_pool.take(len(orders["created"]))
    later = later_sessions(rng, cal, staff, pre_w, after_w, orders)
    msgs2, end2 = simulate(rng, later, staff)
    orders = settle(rng, orders, later, end2)
    cut = cal.days * DAY
    shop_id = f"s{shop + 1:02d}"
    return {
        "messages": messages_frame(rng, [(msgs1, first), (msgs2, later)], orders, staff, cal, cut, shop_id),
        "orders": orders_frame(orders, cal, cut, shop_id),
        "agents": staff.frame,
        "reminders": reminders_frame(orders, staff, cal, cut),
        **feedback(rng, orders, later, staff, cal, cut),
        "manual_scores": manual_scores(rng, cal, staff, work, scheduled),
        "lost_reasons": lost_reasons(rng, ep, staff, cal),
        "online": online(rng, cal, staff, work),
    }
