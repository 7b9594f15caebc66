"""The demo shop's agents: who they are, how good they are, and who works which day.

Skills of the first pre-sales agents are fixed so diagnostics have something to
find (see :data:`ARCHETYPES`); the others vary around typical shop norms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl

from csana.demo.timeline import Calendar
from csana.ingest.schema import TABLES

NAMES = ("小美", "小雨", "阿杰", "小林", "糖糖", "小七", "安安", "木木", "小鱼", "小夏", "阿星", "小白", "乐乐", "甜甜", "小北",
         "可可", "小舟", "阿宁", "豆豆", "小满", "晴晴", "小橙", "阿朗", "果果", "小艺", "小诺", "阿福", "米粒", "小智", "悠悠")
"""Agents' names in order (a numeral is added once they run out)."""


@dataclass(frozen=True)
class Archetype:
    """An agent's skills.

    ``delay`` median reply delay (s); ``close`` chance an inquiry answered at once orders
    (slower first answers lower it, see :func:`csana.demo.sessions.order_chance`); ``talk``
    chance of each extra line in an answer; ``upsell`` chance an answer line upsells
    (it also raises units per order); ``remind`` chance an unpaid order is reminded;
    ``prompt`` chance such a reminder goes out within minutes of the order rather than the
    next morning; ``miss`` chance an inquiry goes unanswered; ``weight`` share of the day's
    customers relative to the other agents on duty (routing).
    """

    delay: float
    close: float
    talk: float
    upsell: float
    remind: float
    miss: float
    prompt: float = 0.5
    weight: float = 1.0


ARCHETYPES = (
    Archetype(delay=11, close=0.9, talk=0.55, upsell=0.45, remind=0.95, miss=0.002, prompt=0.9),  # a01: fast, strong closer
    Archetype(delay=80, close=0.7, talk=0.30, upsell=0.25, remind=0.70, miss=0.03, prompt=0.4),  # a02: slow responder
    Archetype(delay=28, close=0.38, talk=0.15, upsell=0.10, remind=0.30, miss=0.01, prompt=0.15),  # a03: weak closer
    Archetype(delay=40, close=0.62, talk=0.30, upsell=0.20, remind=0.60, miss=0.02, weight=0.5),  # a04: new hire
)


@dataclass
class Staff:
    """The agents table plus their skills as arrays indexed by agent position."""

    frame: pl.DataFrame
    presales: np.ndarray
    delay: np.ndarray
    close: np.ndarray
    talk: np.ndarray
    upsell: np.ndarray
    remind: np.ndarray
    miss: np.ndarray
    prompt: np.ndarray
    weight: np.ndarray
    hired: np.ndarray
    """Index of the hiring day in the calendar (negative: hired before the data starts)."""


def make_staff(rng: np.random.Generator, cal: Calendar, n: int, shop: int, shops: int) -> Staff:
    """Agents of one shop: about three pre-sales for each after-sales, archetypes first."""
    n_after = max(1, n // 4)
    n_pre = n - n_after
    first = shop * n
    width = max(2, len(str(n * shops)))
    ids = [f"a{first + i + 1:0{width}d}" for i in range(n)]
    names = [NAMES[(first + i) % len(NAMES)] + ("" if first + i < len(NAMES) else str((first + i) // len(NAMES) + 1))
             for i in range(n)]
    prefix = f"s{shop + 1:02d}·" if shops > 1 else ""
    team_no = "一二三四五六七八九十"
    pre_teams = [f"{prefix}售前{team_no[min(i // 10, 9)]}组" for i in range(n_pre)]
    after_teams = [f"{prefix}售后组" if n_after <= 10 else f"{prefix}售后{team_no[min(i // 10, 9)]}组" for i in range(n_after)]
    skills = [ARCHETYPES[i] if i < len(ARCHETYPES) else _random_archetype(rng) for i in range(n_pre)]
    skills += [_random_archetype(rng, after=True) for _ in range(n_after)]
    hired = rng.integers(-1100, -60, n)
    if n_pre > 3:
        hired[3] = cal.month_ends[-1] - 3
    hired_dates = cal.date(hired).astype(dt.date)
    frame = pl.DataFrame({
        "agent_id": ids, "name": names, "team": pre_teams + after_teams,
        "role": ["presales"] * n_pre + ["aftersales"] * n_after, "hired_at": list(hired_dates),
    }, schema=TABLES["agents"].columns)
    arr = {f: np.array([getattr(s, f) for s in skills]) for f in ("delay", "close", "talk", "upsell", "remind", "miss", "prompt",
                                                                 "weight")}
    return Staff(frame=frame, presales=np.arange(n) < n_pre, hired=hired, **arr)


def _random_archetype(rng: np.random.Generator, after: bool = False) -> Archetype:
    return Archetype(
        delay=float(rng.uniform(30, 55) if after else rng.uniform(18, 42)), close=float(rng.uniform(0.58, 0.72)),
        talk=float(rng.uniform(0.25, 0.45)), upsell=float(rng.uniform(0.2, 0.35)), remind=float(rng.uniform(0.6, 0.9)),
        miss=0.01, prompt=float(rng.uniform(0.35, 0.8)), weight=float(rng.uniform(0.85, 1.15)),
    )


def reply_delay(rng: np.random.Generator, median: np.ndarray) -> np.ndarray:
    """Seconds an agent takes to answer a burst: lognormal around the agent's median, 3 s to 30 min."""
    return np.clip(np.rint(rng.lognormal(np.log(median), 0.6)), 3, 1800).astype(np.int64)


def rota(rng: np.random.Generator, cal: Calendar, staff: Staff) -> tuple[np.ndarray, np.ndarray]:
    """Who is scheduled and who works which day (days × agents).

    Two rest days a week, nobody before hiring, 2 % absences; every day keeps at
    least one pre-sales and one after-sales agent at work.
    """
    n = len(staff.hired)
    weekday = cal.weekdays()
    rest = (weekday[:, None] == np.arange(n) % 7) | (weekday[:, None] == (np.arange(n) + 4) % 7)
    hired = np.arange(cal.days)[:, None] >= staff.hired[None, :]
    scheduled = ~rest & hired
    work = scheduled & (rng.random((cal.days, n)) > 0.02)
    for role in (staff.presales, ~staff.presales):
        idle = ~work[:, role].any(axis=1)
        work[np.ix_(idle, role)] = hired[np.ix_(idle, role)]
        scheduled[np.ix_(idle, role)] |= work[np.ix_(idle, role)]
    return work, scheduled


def pick(rng: np.random.Generator, weights: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each event, an agent drawn in proportion to ``weights[day]`` (days × agents), vectorised."""
    n = weights.shape[1]
    cum = np.cumsum(weights, axis=1)
    cum = cum / cum[:, -1:]
    flat = (cum + np.arange(len(weights))[:, None]).ravel()
    hit = np.searchsorted(flat, day + rng.random(len(day)), side="right")
    return np.minimum(hit - day * n, n - 1).astype(np.int32)


def other_agent(rng: np.random.Generator, weights: np.ndarray, day: np.ndarray, agent: np.ndarray) -> np.ndarray:
    """An agent on duty that day other than ``agent`` (two draws; -1 when both hit ``agent``)."""
    first, second = pick(rng, weights, day), pick(rng, weights, day)
    other = np.where(first == agent, second, first)
    return np.where(other == agent, -1, other)
