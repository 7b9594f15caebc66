"""The conversation simulator: every session's messages, second by second, and their text categories."""

from __future__ import annotations

import numpy as np

from csana.demo.sessions import BUY, FOLLOW, LOST, POST, PRE, SPAM, TEST
from csana.demo.staff import Staff, reply_delay
from csana.demo.texts import CAT
from csana.demo.timeline import DAY

# senders, in the order messages of one second are sorted (csana.facts.derived.SENDER_RANK)
CUSTOMER, AUTO, AGENT = range(3)
SENDERS = ("customer", "auto", "agent")


def groups(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For owners with ``counts`` items each: each item's owner, its position, each owner's first item."""
    first = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - first[owner], first


def within_offsets(gap: np.ndarray, owner: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running sum of ``gap`` within each owner's items (the first item's gap is 0)."""
    total = np.cumsum(gap)
    return total - total[first[owner]]


def simulate(rng: np.random.Generator, s: dict[str, np.ndarray], staff: Staff) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every session's messages (second, session, sender, text category) and each session's end second.

    A burst's customer lines are 3+ s apart; the agent answers ``delay`` after the
    last of them (the first burst of a main inquiry: the delay drawn with its episode), so the burst's response time (first customer line → next agent
    line, see :mod:`csana.facts.derived`) is the lines' span + ``delay``.
    A session that would run past midnight starts earlier.
    """
    n_b = s["bursts"]
    b_sess, b_pos, first_b = groups(n_b)
    b_last = b_pos == (n_b - 1)[b_sess]
    agent = s["agent"][b_sess]
    answered = s["reply"][b_sess] & ~(b_last & s["thanks"][b_sess] & (n_b[b_sess] > 1))
    n_cust = 1 + rng.binomial(2, 0.2, len(b_sess))
    n_agent = np.where(answered, 1 + rng.binomial(2, staff.talk[agent]), 0)
    drawn = s["first_delay"][b_sess]
    delay = np.where((b_pos == 0) & (drawn > 0), drawn, reply_delay(rng, staff.delay[agent]))
    think = np.where(b_last, 0, np.clip(np.rint(rng.lognormal(np.log(30), 0.9)), 3, 3600)).astype(np.int64)

    c_burst, c_pos, c_first = groups(n_cust)
    c_gap = np.where(c_pos == 0, 0, 2 + rng.geometric(1 / 6, len(c_pos)))
    c_off = within_offsets(c_gap, c_burst, c_first)
    a_burst, a_pos, a_first = groups(n_agent)
    a_gap = np.where(a_pos == 0, 0, 3 + rng.geometric(1 / 12, len(a_pos)))
    a_off = within_offsets(a_gap, a_burst, a_first)
    c_span = np.bincount(c_burst, weights=c_gap, minlength=len(b_sess)).astype(np.int64)
    a_span = np.bincount(a_burst, weights=a_gap, minlength=len(b_sess)).astype(np.int64)

    length = c_span + np.where(answered, delay + a_span, 0)
    step = length + think
    b_off = np.cumsum(step) - step
    b_off -= b_off[first_b][b_sess]
    last_b = first_b + n_b - 1
    duration = b_off[last_b] + length[last_b]
    day0 = s["start"] // DAY * DAY
    start = np.maximum(np.minimum(s["start"], day0 + DAY - 1 - duration), day0)

    b_start = start[b_sess] + b_off
    auto = np.flatnonzero(s["auto"])
    msgs = {
        "sec": np.concatenate([b_start[c_burst] + c_off, b_start[a_burst] + c_span[a_burst] + delay[a_burst] + a_off,
                               start[auto] + 1 + rng.integers(0, 2, len(auto))]),
        "session": np.concatenate([b_sess[c_burst], b_sess[a_burst], auto]),
        "sender": np.concatenate([np.full(len(c_burst), CUSTOMER, np.int8), np.full(len(a_burst), AGENT, np.int8),
                                  np.full(len(auto), AUTO, np.int8)]),
        "cat": np.concatenate([
            _customer_lines(rng, s, b_sess[c_burst], b_pos[c_burst], b_last[c_burst], answered[c_burst], c_pos),
            _agent_lines(rng, s, staff, b_sess[a_burst], b_pos[a_burst], b_last[a_burst], a_pos),
            np.where(s["night"][auto], CAT["auto_night"], CAT["auto_day"]),
        ]).astype(np.int16),
    }
    return msgs, start + duration


def _customer_lines(rng: np.random.Generator, s: dict[str, np.ndarray], sess: np.ndarray, b_pos: np.ndarray,
                    b_last: np.ndarray, answered: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Text category of each customer line: opening, question, closing by outcome, thanks, post-sale, spam."""
    kind, outcome = s["kind"][sess], s["outcome"][sess]
    closing = b_last & (b_pos > 0)
    inquiry = kind <= PRE
    close_cat = np.select([outcome == BUY, outcome == LOST], [CAT["c_buy"], CAT["c_lost"]], CAT["c_later"])
    return np.select(
        [kind == SPAM, kind == TEST, closing & ~answered, inquiry & (b_pos == 0) & (pos == 0),
         inquiry & closing & (pos == 0), inquiry, kind == FOLLOW, rng.random(len(sess)) < 0.1],
        [CAT["spam"], CAT["test"], CAT["c_thanks"], CAT["c_open"], close_cat, CAT["c_ask"], CAT["c_follow"], CAT["c_pii"]],
        CAT["c_post"],
    )


def _agent_lines(rng: np.random.Generator, s: dict[str, np.ndarray], staff: Staff, sess: np.ndarray, b_pos: np.ndarray,
                 b_last: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Text category of each agent line: greeting, answer or upsell, closing, post-sale, follow-up, spam."""
    kind = s["kind"][sess]
    upsell = rng.random(len(sess)) < staff.upsell[s["agent"][sess]]
    return np.select(
        [kind == SPAM, kind == TEST, kind == FOLLOW, kind >= POST, (b_pos == 0) & (pos == 0),
         b_last & (b_pos > 0) & (pos == 0), upsell & (pos > 0)],
        [CAT["a_spam"], CAT["a_test"], CAT["a_follow"], CAT["a_post"], CAT["a_greet"], CAT["a_close"], CAT["a_upsell"]],
        CAT["a_answer"],
    )
