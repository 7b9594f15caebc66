"""The demo's side tables: reviews, disputes, manual scores, lost reasons and online hours."""

from __future__ import annotations

import numpy as np
import polars as pl

from csana.demo.sessions import POST
from csana.demo.staff import Staff, pick
from csana.demo.tables import agent_or_null, customer_ids, order_ids
from csana.demo.texts import LOST_REASONS, QUOTE_REASONS
from csana.demo.timeline import DAY, Calendar, datetimes, month_masks


def feedback(rng: np.random.Generator, o: dict[str, np.ndarray], later: dict[str, np.ndarray], staff: Staff,
             cal: Calendar, cut: int) -> dict[str, pl.DataFrame]:
    """Reviews and disputes of paid orders; given to the after-sales agent who handled the order, if any."""
    k = len(o["paid"])
    handler = np.full(k, -1)
    post = later["kind"] == POST
    handler[later["ref"][post]] = later["agent"][post]
    agent = lambda rows: agent_or_null(staff, handler[rows])  # noqa: E731
    paid, refund = o["paid"] >= 0, o["refund"]
    reviewed = np.flatnonzero(paid & (rng.random(k) < np.where(refund, 0.5, 0.35)))
    review_ts = o["paid"][reviewed] + rng.integers(3 * DAY, 15 * DAY, len(reviewed))
    happy = rng.choice([5, 4, 3, 2, 1], size=len(reviewed), p=[0.82, 0.12, 0.04, 0.01, 0.01])
    unhappy = rng.choice([5, 4, 3, 2, 1], size=len(reviewed), p=[0.4, 0.2, 0.15, 0.1, 0.15])
    score = np.where(refund[reviewed], unhappy, happy)
    low = (score <= 2) | ((score == 3) & (rng.random(len(reviewed)) < 0.3))
    keep = review_ts < cut
    reviewed, review_ts, score, low = reviewed[keep], review_ts[keep], score[keep], low[keep]
    order = np.lexsort((o["id"][reviewed], review_ts))
    reviews = pl.DataFrame({
        "order_id": order_ids(o, reviewed[order]), "ts": datetimes(cal, review_ts[order]),
        "service_score": score[order].astype(float), "low_quality": low[order], "agent_id": agent(reviewed[order]),
    })
    disputed = np.flatnonzero(paid & (rng.random(k) < np.where(refund, 0.12, 0.003)))
    dispute_ts = np.where(refund[disputed], o["refunded"][disputed], o["paid"][disputed] + 4 * DAY) + rng.integers(0, 2 * DAY, len(disputed))
    disputed, dispute_ts = disputed[dispute_ts < cut], dispute_ts[dispute_ts < cut]
    order = np.lexsort((o["id"][disputed], dispute_ts))
    disputes = pl.DataFrame({"order_id": order_ids(o, disputed[order]), "ts": datetimes(cal, dispute_ts[order]),
                             "agent_id": agent(disputed[order])})
    return {"reviews": reviews, "disputes": disputes}


def manual_scores(rng: np.random.Generator, cal: Calendar, staff: Staff, work: np.ndarray, scheduled: np.ndarray) -> pl.DataFrame:
    """Monthly manual scores (ids of :data:`csana.scoring.indicators.MANUAL_INDICATORS`), in line with each agent's skill.

    Every agent gets chat_review, typing_speed, product_test, attendance and
    daily_conduct; after-sales agents also review_handling.
    """
    rows = []
    for label, days in month_masks(cal):
        sched = scheduled[days].sum(axis=0)
        active = np.flatnonzero(sched > 0)
        n = len(active)
        close, talk = staff.close[active], staff.talk[active]
        values = {
            "chat_review": np.clip(60 + 30 * close + 20 * talk + rng.normal(0, 3, n), 0, 100).round(1),
            "typing_speed": np.clip(150 - staff.delay[active] + rng.normal(0, 5, n), 30, 200).round(0),
            "product_test": np.clip(55 + 50 * close + rng.normal(0, 4, n), 0, 100).round(0),
            "attendance": (work[days].sum(axis=0)[active] / sched[active]).round(3),
            "daily_conduct": np.clip(88 + 10 * talk + rng.normal(0, 3, n), 0, 100).round(0),
            "review_handling": np.where(staff.presales[active], np.nan, np.clip(70 + 40 * talk + rng.normal(0, 4, n), 0, 100).round(0)),
        }
        for indicator, value in values.items():
            given = ~np.isnan(value)
            rows.append(pl.DataFrame({"agent_id": staff.frame["agent_id"].gather(active[given]), "month": label,
                                      "indicator": indicator, "value": value[given].astype(float)}))
    return pl.concat(rows).sort("month", "agent_id", maintain_order=True)


def lost_reasons(rng: np.random.Generator, ep: dict[str, np.ndarray], staff: Staff, cal: Calendar) -> pl.DataFrame:
    """Why half of the lost inquiries did not buy, as the agent recorded it.

    A weak closer loses customers once the price is on the table: the quote-stage reasons
    (:data:`~csana.demo.texts.QUOTE_REASONS`) weigh more for an agent whose ``close`` is
    below 0.5, the further below the more (four times at 0.25).
    """
    lost = np.flatnonzero(~ep["buys"] & ~ep["night"] & (rng.random(len(ep["buys"])) < 0.5))
    reasons = np.array(list(LOST_REASONS))
    base = np.array(list(LOST_REASONS.values()))
    quote = np.isin(reasons, QUOTE_REASONS)
    boost = 1 + 6 * np.clip(0.5 - staff.close, 0, None) / 0.5
    weights = base[None, :] * np.where(quote[None, :], boost[:, None], 1.0)
    reason = reasons[pick(rng, weights, ep["agent"][lost])]
    return pl.DataFrame({
        "customer_id": customer_ids(ep["customer"][lost]),
        "agent_id": staff.frame["agent_id"].gather(ep["agent"][lost]),
        "date": pl.Series(cal.date(ep["day"][lost])).cast(pl.Date),
        "reason": reason,
    })


def online(rng: np.random.Generator, cal: Calendar, staff: Staff, work: np.ndarray) -> pl.DataFrame:
    """Seconds logged in (about 8 h) and hung up (挂起) per agent per working day."""
    day, agent = np.nonzero(work)
    logged_in = np.clip(rng.normal(8.2 * 3600, 1800, len(day)), 4 * 3600, 11 * 3600).round()
    return pl.DataFrame({
        "agent_id": staff.frame["agent_id"].gather(agent),
        "date": pl.Series(cal.date(day)).cast(pl.Date),
        "online_s": logged_in,
        "hung_up_s": rng.integers(300, 2700, len(day)).astype(float),
    })
