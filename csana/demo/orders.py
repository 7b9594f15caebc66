"""Orders of the demo shop: who buys what, and how (and whether) it is paid and refunded."""

from __future__ import annotations

import numpy as np

from csana.demo.sessions import FOLLOW, RATE, Ids, concat, earlier_buyers
from csana.demo.staff import Staff, pick
from csana.demo.timeline import DAY, DAYTIME_WEIGHTS, WEEKDAY_FACTOR, Calendar, hours

PRICES = np.array([69, 99, 129, 159, 199, 259, 329, 399, 599], dtype=float)
PRICE_WEIGHTS = np.array([0.08, 0.14, 0.14, 0.14, 0.16, 0.12, 0.1, 0.08, 0.04])


def make_orders(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, ep: dict[str, np.ndarray],
                main_end: np.ndarray, scale: float, customers: Ids) -> dict[str, np.ndarray]:
    """Orders of converted episodes (agent = the intended credit), silent orders and come-backs (agent -1)."""
    buys = np.flatnonzero(ep["buys"])
    next_day = rng.random(len(buys)) < 0.2
    created = np.where(next_day, (ep["day"][buys] + 1) * DAY + hours(rng, len(buys), DAYTIME_WEIGHTS),
                       main_end[buys] + rng.integers(60, 1200, len(buys)))
    served = {"customer": ep["customer"][buys], "created": created, "agent": ep["agent"][buys]}
    double = rng.random(len(buys)) < 0.04
    extra = {key: value[double] for key, value in served.items()}
    extra["created"] = extra["created"] + rng.integers(30, 180, int(double.sum()))

    weekday = cal.weekdays()
    lam = 0.18 * RATE * scale * staff.presales.sum() * WEEKDAY_FACTOR[weekday]
    silent_day = np.repeat(np.arange(cal.days), rng.poisson(lam))
    silent_customer = customers.take(len(silent_day))
    again = (rng.random(len(silent_day)) < 0.2) & (silent_day >= 12)
    silent_customer[again] = earlier_buyers(rng, silent_day[again], ep["day"][buys], ep["customer"][buys], customers)
    lost = np.flatnonzero(~ep["buys"] & (rng.random(len(ep["buys"])) < 0.05))
    back_day = ep["day"][lost] + rng.integers(4, 9, len(lost))
    days = np.concatenate([silent_day, back_day])
    silent = {"customer": np.concatenate([silent_customer, ep["customer"][lost]]),
              "created": days * DAY + hours(rng, len(days), DAYTIME_WEIGHTS), "agent": np.full(len(days), -1)}
    o = concat([served, extra, silent])
    k = len(o["created"])
    credited = o["agent"] >= 0
    skill = np.where(credited, staff.upsell[np.maximum(o["agent"], 0)], 0.2)
    o["units"] = 1 + rng.binomial(2, 0.1 + 0.35 * skill)
    price = rng.choice(PRICES, size=k, p=PRICE_WEIGHTS / PRICE_WEIGHTS.sum())
    discount = rng.choice([1.0, 0.95, 0.9], size=k, p=[0.6, 0.25, 0.15])
    o["amount"] = np.round(price * o["units"] * discount - rng.choice([0, 0, 5, 10, 20], size=k), 2)
    return _payments(rng, staff, pre_w, o)


def _payments(rng: np.random.Generator, staff: Staff, pre_w: np.ndarray, o: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Paid at once, later unaided, after a next-morning reminder, or never (``paid`` = -1)."""
    k, created = len(o["created"]), o["created"]
    credited = o["agent"] >= 0
    u = rng.random(k)
    instant = u < np.where(credited, 0.72, 0.85)
    later = ~instant & (u < np.where(credited, 0.80, 0.92))
    push = ~instant & ~later
    morning = (created // DAY + 1) * DAY
    reminder_agent = np.where(credited, o["agent"], pick(rng, pre_w, np.minimum(created // DAY + 1, len(pre_w) - 1)))
    reminded = push & (rng.random(k) < np.where(credited, staff.remind[np.maximum(o["agent"], 0)], 0.5))
    reminder = morning + rng.integers(int(9.5 * 3600), 12 * 3600, k)
    recovered = reminded & (rng.random(k) < 0.6)
    unaided = push & ~reminded & (rng.random(k) < 0.15)
    paid = np.select(
        [instant, later, recovered, unaided],
        [created + rng.integers(30, 1800, k), created + rng.integers(3 * 3600, 40 * 3600, k),
         reminder + rng.integers(300, 6 * 3600, k), created + rng.integers(30 * 3600, 70 * 3600, k)],
        -1,
    )
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
