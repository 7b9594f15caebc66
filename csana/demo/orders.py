"""Orders of the demo shop: who buys what, and how (and whether) it is paid and refunded."""

from __future__ import annotations

import numpy as np

from csana.demo.sessions import FOLLOW, RATE, Ids, concat, earlier_buyers
from csana.demo.staff import Staff, pick
from csana.demo.timeline import DAY, DAYTIME_WEIGHTS, Calendar, hours

PRICES = np.array([69, 99, 129, 159, 199, 259, 329, 399, 599], dtype=float)
PRICE_WEIGHTS = np.array([0.08, 0.14, 0.14, 0.14, 0.16, 0.12, 0.1, 0.08, 0.04])


def make_orders(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, ep: dict[str, np.ndarray],
                main_end: np.ndarray, scale: float, customers: Ids, first: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Orders of converted episodes (agent = the intended credit), silent orders and come-backs (agent -1).

    ``first`` are the customer-initiated sessions: a reminder never goes to a customer on a day
    the reminding agent has a chat with it (it would answer that chat's unanswered lines, hours late).
    """
    buys = np.flatnonzero(ep["buys"])
    next_day = rng.random(len(buys)) < 0.3
    created = np.where(next_day, (ep["day"][buys] + 1) * DAY + hours(rng, len(buys), DAYTIME_WEIGHTS),
                       main_end[buys] + rng.integers(60, 1200, len(buys)))
    served = {"customer": ep["customer"][buys], "created": created, "agent": ep["agent"][buys], "chatted": ~next_day}
    double = rng.random(len(buys)) < 0.04
    extra = {key: value[double] for key, value in served.items()}
    extra["created"] = extra["created"] + rng.integers(30, 180, int(double.sum()))

    lam = 0.18 * RATE * scale * staff.presales.sum() * cal.traffic()
    silent_day = np.repeat(np.arange(cal.days), rng.poisson(lam))
    silent_customer = customers.take(len(silent_day))
    again = (rng.random(len(silent_day)) < 0.2) & (silent_day >= 12)
    silent_customer[again] = earlier_buyers(rng, silent_day[again], ep["day"][buys], ep["customer"][buys], customers)
    lost = np.flatnonzero(~ep["buys"] & (rng.random(len(ep["buys"])) < 0.05))
    back_day = ep["day"][lost] + rng.integers(4, 9, len(lost))
    days = np.concatenate([silent_day, back_day])
    silent = {"customer": np.concatenate([silent_customer, ep["customer"][lost]]),
              "created": days * DAY + hours(rng, len(days), DAYTIME_WEIGHTS), "agent": np.full(len(days), -1),
              "chatted": np.zeros(len(days), bool)}
    o = concat([served, extra, silent])
    k = len(o["created"])
    credited = o["agent"] >= 0
    skill = np.where(credited, staff.upsell[np.maximum(o["agent"], 0)], 0.2)
    o["units"] = 1 + rng.binomial(2, 0.1 + 0.35 * skill)
    price = rng.choice(PRICES, size=k, p=PRICE_WEIGHTS / PRICE_WEIGHTS.sum())
    discount = rng.choice([1.0, 0.95, 0.9], size=k, p=[0.6, 0.25, 0.15])
    o["amount"] = np.round(price * o["units"] * discount - rng.choice([0, 0, 5, 10, 20], size=k), 2)
    return _payments(rng, staff, pre_w, o, first)


INSTANT = (0.72, 0.85)
"""Chance an order is paid within 25 minutes unaided: (credited to an agent, silent)."""
UNAIDED = 0.3
"""Chance an order not paid at once is paid later (2–40 h) without a reminder."""
SILENT_REMIND = 0.8
"""Chance a silent order (no agent credited) is reminded by an agent on duty, and that it is done promptly."""
LIFT = {"prompt": 0.6, "morning": 0.2}
"""Chance a reminder makes a still-unpaid order pay (or pay sooner): sent within minutes of the order, or the
next morning. A timely reminder works better, which the landmark comparison of the drill-down shows."""


def _chats(first: dict[str, np.ndarray], agent: np.ndarray, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether ``agent`` has a session with ``customer`` on ``day`` among the sessions ``first``."""
    size = int(max(customer.max(initial=0), first["customer"].max(initial=0))) + 1
    agents = int(max(agent.max(initial=0), first["agent"].max(initial=0))) + 1

    def key(a: np.ndarray, c: np.ndarray, d: np.ndarray) -> np.ndarray:
        return (d.astype(np.int64) * agents + a) * size + c

    return np.isin(key(agent, customer, day), key(first["agent"], first["customer"], first["start"] // DAY))


def _payments(rng: np.random.Generator, staff: Staff, pre_w: np.ndarray, o: dict[str, np.ndarray],
              first: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Paid at once, later unaided, after a reminder, or never (``paid`` = -1).

    Each order first gets its unaided payment time (``natural``). The reminding agent (the
    credited one, else one on duty) wants to remind with its ``remind`` chance, promptly (5–25
    minutes after the order, by day, when it has not chatted with the customer that day: a reminder is
    outreach, never a line inside a chat) with its ``prompt`` chance, else the next morning; the
    reminder is sent only while the order is still unpaid, and then pays it (sooner) with
    the chance of :data:`LIFT` (half an hour to eight hours after a prompt one: customers pay
    once they are back at their phone). So whether an order is reminded does not depend on its
    outcome, only on the agent and on the order being unpaid at that moment. No reminder goes out on a
    day the reminding agent chats with the customer (promptly: it waits for the next morning; the next
    morning: none), so a reminder never stands in for the answer to a customer's line.
    """
    k, created = len(o["created"]), o["created"]
    credited = o["agent"] >= 0
    who = np.maximum(o["agent"], 0)
    instant = rng.random(k) < np.where(credited, *INSTANT)
    unaided = rng.random(k) < UNAIDED
    natural = np.select([instant, unaided], [created + rng.integers(30, 1500, k), created + rng.integers(2 * 3600, 40 * 3600, k)], -1)
    reminder_agent = np.where(credited, o["agent"], pick(rng, pre_w, np.minimum(created // DAY + 1, len(pre_w) - 1)))
    wants = rng.random(k) < np.where(credited, staff.remind[who], SILENT_REMIND)
    day = created // DAY
    can = (created % DAY >= 8 * 3600) & ~o["chatted"] & ~_chats(first, reminder_agent, o["customer"], day)
    prompt = can & (rng.random(k) < np.where(credited, staff.prompt[who], SILENT_REMIND))
    wants &= prompt | ~_chats(first, reminder_agent, o["customer"], day + 1)
    morning = (day + 1) * DAY + rng.integers(int(9.5 * 3600), 12 * 3600, k)
    reminder = np.where(prompt, created + rng.integers(5 * 60, 25 * 60, k), morning)
    reminded = wants & ((natural < 0) | (natural > reminder))
    works = reminded & (rng.random(k) < np.where(prompt, LIFT["prompt"], LIFT["morning"]))
    after = reminder + np.where(prompt, rng.integers(1800, 8 * 3600, k), rng.integers(300, 6 * 3600, k))
    paid = np.where(works, np.where(natural >= 0, np.minimum(natural, after), after), natural)
    later = ~instant & (paid >= 0) & ~reminded
    return o | {"paid": paid, "later": later, "reminded": reminded, "reminder": reminder, "reminder_agent": reminder_agent}


def settle(rng: np.random.Generator, o: dict[str, np.ndarray], later: dict[str, np.ndarray], end: np.ndarray) -> dict[str, np.ndarray]:
    """Followed-up orders are paid right after that chat; refunds get their amounts and times."""
    follow = later["kind"] == FOLLOW
    paid = o["paid"].copy()
    paid[later["ref"][follow]] = end[follow] + rng.integers(60, 900, int(follow.sum()))
    k = len(paid)
    partial = np.round(o["amount"] * rng.uniform(0.1, 0.5, k), 2)
    refund_amount = np.where(rng.random(k) < 0.7, o["amount"], partial)
    refunded = paid + rng.integers(2 * DAY, 12 * DAY, k)
    return o | {"paid": paid, "refund_amount": np.where(o["refund"], refund_amount, np.nan),
                "refunded": np.where(o["refund"], refunded, -1)}
