"""Sessions of the demo shop: who talks to whom, when, and how the chat ends.

A session is a dict of equal-length arrays, one entry per session (``kind``,
``agent``, ``customer``, ``start`` second, ``bursts``, ``outcome``, ``reply``,
``auto``, ``night``, ``thanks``, ``ref``); :func:`csana.demo.conversation.simulate`
turns them into messages. See :mod:`csana.demo.generator` for episodes and sessions.
"""

from __future__ import annotations

import numpy as np

from csana.demo.staff import Staff, other_agent, pick, reply_delay
from csana.demo.texts import TEST_ACCOUNTS
from csana.demo.timeline import (
    DAY,
    DAYTIME_WEIGHTS,
    HOUR_WEIGHTS,
    Calendar,
    hours,
)

RATE = 5.5
"""Pre-sales episodes per pre-sales agent per day at scale 1 (spread over the agents on duty)."""
RESPONSE_HALF_S = 150
"""The first-answer delay (s) at which an inquiry's chance to order has halved (see :func:`order_chance`)."""
UNANSWERED = 0.3
"""An unanswered inquiry's chance to order, relative to the agent's ``close``."""
NIGHT = 0.5
"""A night inquiry's chance (auto-reply only), relative to the agent's ``close``."""

INQ, PREV, PRE, FOLLOW, POST, PPOST, SPAM, TEST = range(8)
"""Session kinds: the main inquiry, an earlier visit to the same agent, an earlier visit to another agent
(who assists), another agent's follow-up before payment, after-sales, a post-sale question to the
pre-sales agent, spam, the shop's test accounts."""
BUY, LOST, LATER = range(3)
"""How the last customer burst of an inquiry session ends: buying, giving up, or coming back later."""


class Ids:
    """Hands out consecutive integer ids (customers, orders) across the shops of one dataset."""

    def __init__(self, first: int = 0) -> None:
        self.next = first

    def take(self, count: int) -> np.ndarray:
        ids = np.arange(self.next, self.next + count, dtype=np.int64)
        self.next += count
        return ids


def order_chance(close: np.ndarray, first_delay: np.ndarray, answered: np.ndarray, night: np.ndarray) -> np.ndarray:
    """The chance an inquiry orders: the agent's ``close`` × 1 / (1 + delay / RESPONSE_HALF_S) for the first
    answer's delay (a customer kept waiting shops elsewhere), × UNANSWERED when nobody answers, × NIGHT at night."""
    waited = 1.0 / (1.0 + first_delay / RESPONSE_HALF_S)
    return close * np.where(night, NIGHT, np.where(answered, waited, UNANSWERED))


def episodes(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, scale: float,
             customers: Ids) -> dict[str, np.ndarray]:
    """Pre-sales episodes in day order: agent, start second, night flag, whether the main inquiry is missed,
    its first answer's delay, whether the customer orders, customer."""
    lam = RATE * scale * staff.presales.sum() * cal.traffic()
    day = np.repeat(np.arange(cal.days), rng.poisson(lam)).astype(np.int64)
    agent = pick(rng, pre_w, day)
    second = hours(rng, len(day), HOUR_WEIGHTS)
    night = second < 8 * 3600
    miss = rng.random(len(day)) < staff.miss[agent]
    first_delay = reply_delay(rng, staff.delay[agent])
    buys = rng.random(len(day)) < order_chance(staff.close[agent], first_delay, ~night & ~miss, night)
    customer = customers.take(len(day))
    repeat = (rng.random(len(day)) < 0.08) & (day >= 12)
    customer[repeat] = earlier_buyers(rng, day[repeat], day[buys & ~repeat], customer[buys & ~repeat], customers)
    clash = _repeated(customer, agent, day)
    customer[clash] = customers.take(int(clash.sum()))
    return {"day": day, "agent": agent, "start": day * DAY + second, "night": night, "miss": miss,
            "first_delay": first_delay, "buys": buys, "customer": customer}


def earlier_buyers(rng: np.random.Generator, day: np.ndarray, buy_day: np.ndarray, buyer: np.ndarray, customers: Ids) -> np.ndarray:
    """For each return on ``day``, a customer who bought at least 12 days before (``buy_day`` sorted), else a new one."""
    eligible = np.searchsorted(buy_day, day - 12, side="right")
    pick = np.minimum((rng.random(len(day)) * eligible).astype(np.int64), max(len(buyer) - 1, 0))
    fresh = customers.take(len(day))
    return np.where(eligible > 0, buyer[pick] if len(buyer) else fresh, fresh)


def _repeated(customer: np.ndarray, agent: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Marks every customer × agent × day after its first occurrence (one session per reception)."""
    key = (customer * 100_000 + agent) * 100_000 + day
    first = np.unique(key, return_index=True)[1]
    mask = np.ones(len(key), bool)
    mask[first] = False
    return mask


def new_sessions(**columns: np.ndarray) -> dict[str, np.ndarray]:
    """Session columns with defaults: ``ref`` points back to the episode or order it belongs to; ``first_delay``
    is the first answer's delay when drawn in advance (the main inquiry's, which decided the order), else 0."""
    size = len(columns["agent"])
    defaults = {"outcome": np.full(size, LATER, np.int8), "reply": np.ones(size, bool), "auto": np.zeros(size, bool),
                "night": np.zeros(size, bool), "thanks": np.zeros(size, bool), "ref": np.full(size, -1, np.int64),
                "first_delay": np.zeros(size, np.int64)}
    columns["bursts"] = columns["bursts"].astype(np.int64)
    return defaults | columns


def _one_per_day(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drops sessions of a customer with an agent on a day that already has one (earlier sessions win)."""
    keep = ~_repeated(s["customer"], s["agent"], s["start"] // DAY)
    return {key: value[keep] for key, value in s.items()}


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def first_sessions(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, work: np.ndarray,
                   ep: dict[str, np.ndarray], scale: float, customers: Ids) -> dict[str, np.ndarray]:
    """Customer-initiated sessions: main inquiries (first, in episode order), earlier visits, spam, tests."""
    e, day, agent = len(ep["day"]), ep["day"], ep["agent"]
    main = new_sessions(
        kind=np.full(e, INQ, np.int8), agent=agent, customer=ep["customer"], start=ep["start"],
        bursts=np.minimum(2 + rng.poisson(2.2, e), 9), outcome=np.where(ep["buys"], BUY, LOST).astype(np.int8),
        reply=~ep["night"] & ~ep["miss"], auto=ep["night"] | (rng.random(e) < 0.5), night=ep["night"],
        thanks=rng.random(e) < 0.35, ref=np.arange(e), first_delay=ep["first_delay"],
    )
    yesterday = np.maximum(day - 1, 0)
    again = (rng.random(e) < 0.12) & (day >= 1) & work[yesterday, agent]
    helper = other_agent(rng, pre_w, yesterday, agent)
    assisted = (rng.random(e) < 0.12) & (day >= 1) & (helper >= 0)
    earlier = [
        new_sessions(
            kind=np.full(int(mask.sum()), kind, np.int8), agent=who[mask], customer=ep["customer"][mask],
            start=yesterday[mask] * DAY + hours(rng, int(mask.sum()), DAYTIME_WEIGHTS),
            bursts=1 + rng.poisson(1.5, int(mask.sum())), auto=rng.random(int(mask.sum())) < 0.5,
            thanks=rng.random(int(mask.sum())) < 0.3, ref=np.flatnonzero(mask),
        )
        for mask, kind, who in ((again, PREV, agent), (assisted, PRE, helper))
    ]
    spam_w = pre_w + 0.3 * (work & ~staff.presales)
    return _one_per_day(concat([main, *earlier, _spam(rng, cal, spam_w, scale, staff, customers), _tests(rng, cal, work)]))


def _spam(rng: np.random.Generator, cal: Calendar, weights: np.ndarray, scale: float, staff: Staff,
          customers: Ids) -> dict[str, np.ndarray]:
    """Ads and spam: new ids that each message one to three agents once."""
    per_day = rng.poisson(0.06 * RATE * scale * staff.presales.sum(), cal.days)
    day = np.repeat(np.arange(cal.days), per_day)
    spammer = customers.take(len(day))
    hits = 1 + rng.binomial(2, 0.3, len(day))
    day, spammer = np.repeat(day, hits), np.repeat(spammer, hits)
    agent = pick(rng, weights, day)
    once = np.sort(np.unique(spammer * weights.shape[1] + agent, return_index=True)[1])
    day, spammer, agent = day[once], spammer[once], agent[once]
    k = len(day)
    return new_sessions(kind=np.full(k, SPAM, np.int8), agent=agent, customer=spammer,
                     start=day * DAY + hours(rng, k, DAYTIME_WEIGHTS), bursts=np.ones(k), reply=rng.random(k) < 0.4)


def _tests(rng: np.random.Generator, cal: Calendar, work: np.ndarray) -> dict[str, np.ndarray]:
    """The shop's test accounts checking the auto-reply now and then (customer index = account number)."""
    day = np.flatnonzero(rng.random(cal.days) < 0.4)
    k = len(day)
    return new_sessions(kind=np.full(k, TEST, np.int8), agent=pick(rng, work + 1e-9, day),
                     customer=rng.integers(0, len(TEST_ACCOUNTS), k), start=day * DAY + hours(rng, k, DAYTIME_WEIGHTS),
                     bursts=1 + rng.binomial(1, 0.5, k), auto=np.ones(k, bool))


def later_sessions(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, after_w: np.ndarray,
                   o: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sessions that follow orders: another agent's follow-up before payment, after-sales, post-sale questions."""
    k = len(o["created"])
    paid, credited = o["paid"] >= 0, o["agent"] >= 0
    o["refund"] = paid & (rng.random(k) < 0.07)
    early = o["created"] % DAY < 20 * 3600
    follow = o["later"] & credited & early & (rng.random(k) < 0.3) & (o["created"] // DAY < cal.days)
    helper = np.full(k, -1)
    helper[follow] = other_agent(rng, pre_w, o["created"][follow] // DAY, o["agent"][follow])
    follow = np.flatnonzero(follow & (helper >= 0))
    f = len(follow)
    follow_s = new_sessions(kind=np.full(f, FOLLOW, np.int8), agent=helper[follow], customer=o["customer"][follow],
                         start=o["created"][follow] + rng.integers(600, 3600, f), bursts=1 + rng.poisson(1.0, f),
                         thanks=rng.random(f) < 0.4, ref=follow)

    post = np.flatnonzero(paid & (rng.random(k) < np.where(o["refund"], 0.85, 0.25)))
    offset = np.where(rng.random(len(post)) < 0.08, rng.integers(8, 13, len(post)),
                      rng.choice(7, size=len(post), p=[0.1, 0.25, 0.2, 0.15, 0.12, 0.1, 0.08]))
    post_day = o["paid"][post] // DAY + offset
    keep = post_day < cal.days
    post, post_day = post[keep], post_day[keep]
    p = len(post)
    post_s = new_sessions(kind=np.full(p, POST, np.int8), agent=pick(rng, after_w, post_day), customer=o["customer"][post],
                       start=np.maximum(post_day * DAY + hours(rng, p, DAYTIME_WEIGHTS), o["paid"][post] + 600),
                       bursts=1 + rng.poisson(2.0, p), auto=rng.random(p) < 0.5, thanks=rng.random(p) < 0.4, ref=post)

    ask = np.flatnonzero(paid & credited & (rng.random(k) < 0.06))
    ask_day = o["paid"][ask] // DAY + rng.integers(2, 6, len(ask))
    ask, ask_day = ask[ask_day < cal.days], ask_day[ask_day < cal.days]
    q = len(ask)
    ask_s = new_sessions(kind=np.full(q, PPOST, np.int8), agent=o["agent"][ask], customer=o["customer"][ask],
                      start=ask_day * DAY + hours(rng, q, DAYTIME_WEIGHTS), bursts=1 + rng.poisson(1.0, q),
                      thanks=rng.random(q) < 0.4, ref=ask)
    return _one_per_day(concat([follow_s, post_s, ask_s]))
