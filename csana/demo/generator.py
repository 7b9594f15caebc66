"""Demo data: a deterministic, realistic shop — chat logs, orders and every side table.

``generate_demo`` builds, in memory and from a seed, what a Taobao-style shop's
customer-service (客服) export would hold: a pre-sales team (售前) and an
after-sales team (售后), agents of different skill, ads and spam, auto-replies,
customers served by several agents, post-sale questions, silent orders, unpaid
orders with payment reminders (催付), refunds, reviews, disputes, manual scores,
lost reasons and online hours, running a few days past the last month's end so
the last month's conversion is final. ``write_demo`` writes one file per table;
``demo_dataset`` loads the small pre-built demo shipped in ``csana/data/demo/``.

How it is made (everything vectorised with numpy, so millions of messages take
seconds):

episode
    one customer's visit that may lead to an order: a main inquiry *session* with
    pre-sales agent A (chosen among the agents on duty that day), sometimes preceded,
    the day before, by a session with A (a second look) or with another agent B (B
    then assists, 协助下单). The agent's ``close`` skill decides whether the
    customer orders (the same day or the next).
session
    the messages of one customer with one agent on one day: bursts of 1–3 customer
    lines, each answered after the agent's ``delay`` (lognormal around the agent's
    median) with 1–3 lines; the last burst is sometimes an unanswered "thanks".
    Night sessions (00:00–08:00) get only an auto-reply. Sessions never cross
    midnight and one customer never has two sessions with one agent on one day, so
    each session is exactly one reception of spec 1 §2.
order
    paid within minutes, later without help, after a reminder the next morning, or
    never; some are followed by another agent before payment (协助跟进), by an
    after-sales session, a refund, a review or a dispute. Silent orders (静默下单)
    come with no chat, or from customers who chatted too long before.

Skills of the first pre-sales agents are fixed so diagnostics have something to
find: a01 fast and a strong closer, a02 a slow responder, a03 a weak closer, a04 a
new hire with a tiny sample; the others vary around the norms of spec 1 §4
(responses 20–60 s, conversion 40–55 %, order value a few hundred yuan).
Timestamps are shop-local naive datetimes; all texts are Chinese.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from csana.errors import CsanaError
from csana.ingest.dataset import Dataset
from csana.ingest.schema import TABLES

DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
"""The pre-built demo shipped with the package (parquet, one file per table)."""

DAY = 86_400
RATE = 5.5
"""Pre-sales episodes per pre-sales agent per day at scale 1 (spread over the agents on duty)."""

MESSAGES_PER_PRESALES_DAY = 93
"""Measured: messages per pre-sales agent per day at scale 1 (used by :func:`scale_for`)."""

TEST_ACCOUNTS = ("test_001", "test_002")
"""The shop's internal test accounts: blacklisted in params/metrics.yaml ``filter.customers``."""
FILTER_KEYWORDS = ("加微信", "加[vV威]", "[vV][xX]\\d", "刷单", "刷信誉", "代刷", "兼职", "代运营")
"""Regexes matching the demo's ads and spam: params/metrics.yaml ``filter.keywords``."""

LOST_REASONS = {
    "价格太贵": 0.24, "没有优惠": 0.14, "对比其他店铺": 0.15, "尺码规格不合适": 0.12,
    "担心质量": 0.10, "只是看看": 0.10, "发货太慢": 0.08, "库存不足": 0.07,
}

PHRASES: dict[str, tuple[str, ...]] = {
    "c_open": ("在吗", "你好", "在不在", "亲，在吗", "有人吗", "你好，请问这个有货吗", "这个有货吗", "这款还有吗",
               "老板在吗", "你好，想咨询一下"),
    "c_ask": ("什么时候发货", "能便宜点吗", "有优惠券吗", "包邮吗", "这个和另一款有什么区别", "尺码怎么选",
              "我身高165体重100斤选什么码", "是正品吗", "有赠品吗", "几天能到", "发什么快递", "质量怎么样", "能开发票吗",
              "可以用花呗吗", "有没有别的颜色", "满减活动还有吗", "买两件能便宜吗", "适合送人吗", "保修多久", "会不会掉色",
              "能发顺丰吗", "今天下单今天发吗", "材质是什么的", "洗了会缩水吗", "别家比你们便宜，还能少点吗"),
    "c_buy": ("好的，那我拍了", "行，我下单了", "拍了，尽快发货哦", "已拍，麻烦快点发", "好的，现在就拍", "那我拍两件"),
    "c_lost": ("我再看看", "好吧，我考虑一下", "太贵了，算了", "那算了", "嗯嗯，我再对比一下", "有点贵，再说吧"),
    "c_later": ("我明天再来看看", "好的，我想想", "我先收藏了", "等活动再买吧", "我问问家里人"),
    "c_thanks": ("好的谢谢", "谢谢", "嗯嗯", "好的", "OK", "谢谢亲"),
    "c_follow": ("我拍了，能改价吗", "刚拍的能便宜点吗", "付款的时候优惠券用不了", "帮我备注一下尽快发货", "拍错颜色了能改吗",
                 "怎么付款不了"),
    "c_post": ("我的快递到哪了", "怎么还没发货", "什么时候能到", "可以退货吗", "收到的东西有破损", "尺码不合适能换吗", "我要退款",
               "发票怎么开", "少发了一件", "物流好几天没更新了", "怎么申请售后", "质量有问题，怎么处理"),
    "c_pii": ("地址改成北京市朝阳区建国路12号，电话13812345678", "收件人换成王女士，手机13987654321",
              "帮我改下地址：上海市浦东新区世纪大道88号", "电话写错了，应该是15900001111",
              "寄到广州市天河区体育西路101号，电话18612345678"),
    "spam": ("加微信领红包，vx13579", "刷单兼职，日结300元", "招聘兼职打字员，加V详聊", "店铺代运营推广，包上首页",
             "专业刷信誉，加微信咨询", "兼职日结，手机就能做", "低价代刷销量好评"),
    "test": ("测试", "测试一下", "test", "测试消息请忽略"),
    "a_greet": ("亲，在的哦~", "您好，很高兴为您服务~", "在的亲，请问有什么可以帮您？", "亲亲您好，在的呢"),
    "a_answer": ("亲，现货的哦，今天下单48小时内发货", "亲，默认发中通快递，一般2-3天到", "亲，店铺现在有满199减20的活动哦",
                 "可以领取页面上的优惠券哦", "亲，这款是正品，支持专柜验货", "按您的身高体重建议选M码哦", "亲，支持七天无理由退换",
                 "价格已经是活动价了哦亲", "这款有黑、白、灰三种颜色", "亲，支持开电子发票的", "可以用花呗分期的哦",
                 "亲，下单送小礼物的", "这款面料是纯棉的，不起球", "亲，可以加5元升级顺丰哦", "两款主要是材质不一样，这款更耐用"),
    "a_upsell": ("亲，搭配这款一起买更划算哦", "现在下单还送运费险哦", "活动今晚结束，建议您尽快下单哦", "买两件再减10元，很划算的",
                 "这款是店里的爆款，回购率很高哦"),
    "a_close": ("感谢亲的支持，有问题随时找我哦~", "好的亲，拍下后会尽快为您安排发货", "不客气亲，祝您生活愉快~",
                "好的亲，有需要随时联系我们", "收到亲，马上为您安排"),
    "a_follow": ("亲，已经帮您改好价格了，可以付款了", "好的亲，已经备注尽快发货", "亲，刷新一下页面再付款试试", "可以的亲，已经帮您修改了"),
    "a_post": ("亲，帮您查询了，快递已经在路上了", "亲，已经为您催促仓库尽快发货", "亲，可以申请退货的，寄回地址发您了",
               "非常抱歉给您带来不便，马上为您处理", "好的亲，已经帮您修改地址了", "亲，退款已经为您处理了，请注意查收",
               "麻烦亲拍一下照片，我们核实一下", "亲，为您申请补发，请耐心等待"),
    "a_spam": ("不需要，谢谢", "亲，请问有什么可以帮您？", "您好，这里是店铺客服"),
    "a_test": ("收到", "测试正常"),
    "auto_day": ("您好，欢迎光临本店！客服马上为您服务~", "【自动回复】亲，请问有什么可以帮您？", "亲，欢迎光临，有任何问题都可以咨询我哦"),
    "auto_night": ("亲，现在是非工作时间，客服上线后会第一时间回复您", "【自动回复】客服工作时间为8:00-24:00，请留言"),
    "reminder": ("亲，您拍下的宝贝还没付款哦，库存紧张，尽快付款哦~", "亲，您的订单还没有支付，今天付款今天发货哦",
                 "亲，看到您有一笔订单未付款，有什么疑问可以问我哦"),
}
CAT = {name: i for i, name in enumerate(PHRASES)}
_SIZES = np.array([len(p) for p in PHRASES.values()])
_OFFSETS = np.concatenate([[0], np.cumsum(_SIZES)[:-1]])
_TEXTS = [text for pool in PHRASES.values() for text in pool]

NAMES = ("小美", "小雨", "阿杰", "小林", "糖糖", "小七", "安安", "木木", "小鱼", "小夏", "阿星", "小白", "乐乐", "甜甜", "小北",
         "可可", "小舟", "阿宁", "豆豆", "小满", "晴晴", "小橙", "阿朗", "果果", "小艺", "小诺", "阿福", "米粒", "小智", "悠悠")
HOUR_WEIGHTS = np.array([1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.6, 1.5, 3, 5, 7, 7, 5, 5, 6, 6, 6, 5, 5, 6, 8, 9, 7, 4])
DAYTIME_WEIGHTS = np.where(np.arange(24) >= 9, HOUR_WEIGHTS, 0.0) * (np.arange(24) <= 21)
WEEKDAY_FACTOR = np.array([1.05, 1.0, 1.0, 0.95, 1.0, 1.1, 1.15])
PRICES = np.array([69, 99, 129, 159, 199, 259, 329, 399, 599], dtype=float)
PRICE_WEIGHTS = np.array([0.08, 0.14, 0.14, 0.14, 0.16, 0.12, 0.1, 0.08, 0.04])

# session kinds
INQ, PREV, PRE, FOLLOW, POST, PPOST, SPAM, TEST = range(8)
# how the last customer burst of an inquiry session ends
BUY, LOST, LATER = range(3)
# senders, in spec 1 §2 tie order
CUSTOMER, AUTO, AGENT = range(3)
SENDERS = ("customer", "auto", "agent")


@dataclass(frozen=True)
class Archetype:
    """An agent's skills: median reply delay (s), chance an inquiry orders, lines per answer, …"""

    delay: float
    close: float
    talk: float
    upsell: float
    remind: float
    miss: float
    weight: float = 1.0


ARCHETYPES = (
    Archetype(delay=11, close=0.86, talk=0.55, upsell=0.45, remind=0.95, miss=0.002),  # a01: fast, strong closer
    Archetype(delay=80, close=0.55, talk=0.30, upsell=0.25, remind=0.70, miss=0.03),  # a02: slow responder
    Archetype(delay=28, close=0.33, talk=0.15, upsell=0.10, remind=0.30, miss=0.01),  # a03: weak closer
    Archetype(delay=40, close=0.50, talk=0.30, upsell=0.20, remind=0.60, miss=0.02, weight=0.5),  # a04: new hire
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
    weight: np.ndarray
    hired: np.ndarray
    """Index of the hiring day in the calendar (negative: hired before the data starts)."""


@dataclass
class Calendar:
    """The days covered: whole months up to ``end_month`` plus ``tail_days`` of the next."""

    start: dt.date
    days: int
    month_ends: list[int]
    """Index of the first day after each complete month."""

    def date(self, index: np.ndarray) -> np.ndarray:
        return np.datetime64(self.start, "D") + index.astype("timedelta64[D]")


# -- public API ---------------------------------------------------------------------------


def generate_demo(
    seed: int = 2026, agents: int = 12, months: int = 2, scale: float = 1.0, *,
    shops: int = 1, end_month: str = "2026-10", tail_days: int = 4,
) -> Dataset:
    """A demo dataset, identical for identical arguments.

    ``agents`` per shop (about a quarter after-sales), ``months`` complete months
    ending with ``end_month`` plus ``tail_days`` of the next month; ``scale``
    multiplies the customer volume (at 1 about 93 messages per pre-sales agent and
    day, so the default shop has ~54,000 messages; :func:`scale_for` finds the
    scale for a wanted size: 12 agents × 2 months × scale 185 ≈ 10 million).
    """
    _check(agents, months, scale, shops, tail_days)
    cal = _calendar(end_month, months, tail_days)
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
    days = _calendar("2026-10", months, tail_days).days
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


def demo_dataset() -> Dataset:
    """The small pre-built demo shipped with csana: :func:`generate_demo` with its defaults, loaded like user data.

    One shop, 售前一组 (9 agents) and 售后组 (3), September and October 2026 plus
    1–4 November, about 54,000 messages.
    """
    from csana.ingest.raw import load

    if not DEMO_DIR.joinpath("messages.parquet").exists():
        raise CsanaError("the pre-built demo is missing", file=str(DEMO_DIR), fix="reinstall csana, or run `csana demo --out DIR`")
    return load(DEMO_DIR)


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


def _calendar(end_month: str, months: int, tail_days: int) -> Calendar:
    try:
        end = dt.datetime.strptime(end_month, "%Y-%m").date()
    except ValueError:
        raise CsanaError(f"end month {end_month!r} is not YYYY-MM", fix="e.g. 2026-10") from None
    firsts = []
    year, month = end.year, end.month
    for _ in range(months):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    start = firsts[-1]
    after = end + dt.timedelta(days=calendar.monthrange(end.year, end.month)[1])
    ends = [(f - start).days for f in reversed(firsts[:-1])] + [(after - start).days]
    return Calendar(start=start, days=ends[-1] + tail_days, month_ends=ends)


def _staff(rng: np.random.Generator, cal: Calendar, n: int, shop: int, shops: int) -> Staff:
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
    arr = {f: np.array([getattr(s, f) for s in skills]) for f in ("delay", "close", "talk", "upsell", "remind", "miss", "weight")}
    return Staff(frame=frame, presales=np.arange(n) < n_pre, hired=hired, **arr)


def _random_archetype(rng: np.random.Generator, after: bool = False) -> Archetype:
    return Archetype(
        delay=float(rng.uniform(30, 55) if after else rng.uniform(18, 42)), close=float(rng.uniform(0.50, 0.62)),
        talk=float(rng.uniform(0.25, 0.45)), upsell=float(rng.uniform(0.2, 0.35)), remind=float(rng.uniform(0.6, 0.9)),
        miss=0.01, weight=float(rng.uniform(0.85, 1.15)),
    )


def _rota(rng: np.random.Generator, cal: Calendar, staff: Staff) -> tuple[np.ndarray, np.ndarray]:
    """Who is scheduled and who works which day (days × agents).

    Two rest days a week, nobody before hiring, 2 % absences; every day keeps at
    least one pre-sales and one after-sales agent at work.
    """
    n = len(staff.hired)
    weekday = (np.arange(cal.days) + cal.start.weekday()) % 7
    rest = (weekday[:, None] == np.arange(n) % 7) | (weekday[:, None] == (np.arange(n) + 4) % 7)
    hired = np.arange(cal.days)[:, None] >= staff.hired[None, :]
    scheduled = ~rest & hired
    work = scheduled & (rng.random((cal.days, n)) > 0.02)
    for role in (staff.presales, ~staff.presales):
        idle = ~work[:, role].any(axis=1)
        work[np.ix_(idle, role)] = hired[np.ix_(idle, role)]
        scheduled[np.ix_(idle, role)] |= work[np.ix_(idle, role)]
    return work, scheduled


def _pick(rng: np.random.Generator, weights: np.ndarray, day: np.ndarray) -> np.ndarray:
    """For each event, an agent drawn in proportion to ``weights[day]`` (days × agents), vectorised."""
    n = weights.shape[1]
    cum = np.cumsum(weights, axis=1)
    cum = cum / cum[:, -1:]
    flat = (cum + np.arange(len(weights))[:, None]).ravel()
    hit = np.searchsorted(flat, day + rng.random(len(day)), side="right")
    return np.minimum(hit - day * n, n - 1).astype(np.int32)


def _hours(rng: np.random.Generator, size: int, weights: np.ndarray) -> np.ndarray:
    """Seconds into the day, drawn from an hourly profile."""
    hour = rng.choice(24, size=size, p=weights / weights.sum())
    return hour * 3600 + rng.integers(0, 3600, size)


# -- one shop ---------------------------------------------------------------------------------


class Ids:
    """Hands out consecutive integer ids (customers, orders) across the shops of one dataset."""

    def __init__(self, first: int = 0) -> None:
        self.next = first

    def take(self, count: int) -> np.ndarray:
        ids = np.arange(self.next, self.next + count, dtype=np.int64)
        self.next += count
        return ids


def _shop(rng: np.random.Generator, cal: Calendar, n: int, scale: float, shop: int, shops: int,
          customers: Ids, order_ids: Ids) -> dict[str, pl.DataFrame]:
    """Every table of one shop."""
    staff = _staff(rng, cal, n, shop, shops)
    work, scheduled = _rota(rng, cal, staff)
    pre_w = work * (staff.weight * staff.presales)[None, :]
    after_w = work * (staff.weight * ~staff.presales)[None, :]
    ep = _episodes(rng, cal, staff, pre_w, scale, customers)
    first = _first_sessions(rng, cal, staff, pre_w, work, ep, scale, customers)
    msgs1, end1 = _simulate(rng, first, staff)
    orders = _orders(rng, cal, staff, pre_w, ep, end1[: len(ep["day"])], scale, customers)
    orders["id"] = np.empty(len(orders["created"]), np.int64)
    orders["id"][np.argsort(orders["created"], kind="stable")] = order_ids.take(len(orders["created"]))
    later = _later_sessions(rng, cal, staff, pre_w, after_w, orders)
    msgs2, end2 = _simulate(rng, later, staff)
    orders = _settle(rng, orders, later, end2)
    cut = cal.days * DAY
    shop_id = f"s{shop + 1:02d}"
    return {
        "messages": _messages_frame(rng, [(msgs1, first), (msgs2, later)], orders, staff, cal, cut, shop_id),
        "orders": _orders_frame(orders, cal, cut, shop_id),
        "agents": staff.frame,
        "reminders": _reminders_frame(orders, staff, cal, cut),
        **_feedback(rng, orders, later, staff, cal, cut),
        "manual_scores": _manual_scores(rng, cal, staff, work, scheduled),
        "lost_reasons": _lost_reasons(rng, ep, staff, cal),
        "online": _online(rng, cal, staff, work),
    }


def _episodes(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, scale: float,
              customers: Ids) -> dict[str, np.ndarray]:
    """Pre-sales episodes in day order: agent, start second, night flag, whether the customer orders, customer."""
    weekday = (np.arange(cal.days) + cal.start.weekday()) % 7
    lam = RATE * scale * staff.presales.sum() * WEEKDAY_FACTOR[weekday]
    day = np.repeat(np.arange(cal.days), rng.poisson(lam)).astype(np.int64)
    agent = _pick(rng, pre_w, day)
    second = _hours(rng, len(day), HOUR_WEIGHTS)
    night = second < 8 * 3600
    buys = rng.random(len(day)) < staff.close[agent] * np.where(night, 0.5, 1.0)
    customer = customers.take(len(day))
    repeat = (rng.random(len(day)) < 0.08) & (day >= 12)
    customer[repeat] = _earlier_buyers(rng, day[repeat], day[buys & ~repeat], customer[buys & ~repeat], customers)
    clash = _repeated(customer, agent, day)
    customer[clash] = customers.take(int(clash.sum()))
    return {"day": day, "agent": agent, "start": day * DAY + second, "night": night, "buys": buys, "customer": customer}


def _earlier_buyers(rng: np.random.Generator, day: np.ndarray, buy_day: np.ndarray, buyer: np.ndarray, customers: Ids) -> np.ndarray:
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


def _sessions(**columns: np.ndarray) -> dict[str, np.ndarray]:
    """Session columns with defaults: ``ref`` points back to the episode or order it belongs to."""
    size = len(columns["agent"])
    defaults = {"outcome": np.full(size, LATER, np.int8), "reply": np.ones(size, bool), "auto": np.zeros(size, bool),
                "night": np.zeros(size, bool), "thanks": np.zeros(size, bool), "ref": np.full(size, -1, np.int64)}
    columns["bursts"] = columns["bursts"].astype(np.int64)
    return defaults | columns


def _one_per_day(s: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Drops sessions of a customer with an agent on a day that already has one (earlier sessions win)."""
    keep = ~_repeated(s["customer"], s["agent"], s["start"] // DAY)
    return {key: value[keep] for key, value in s.items()}


def _concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _other_agent(rng: np.random.Generator, weights: np.ndarray, day: np.ndarray, agent: np.ndarray) -> np.ndarray:
    """An agent on duty that day other than ``agent`` (two draws; -1 when both hit ``agent``)."""
    first, second = _pick(rng, weights, day), _pick(rng, weights, day)
    other = np.where(first == agent, second, first)
    return np.where(other == agent, -1, other)


def _first_sessions(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, work: np.ndarray,
                    ep: dict[str, np.ndarray], scale: float, customers: Ids) -> dict[str, np.ndarray]:
    """Customer-initiated sessions: main inquiries (first, in episode order), earlier visits, spam, tests."""
    e, day, agent = len(ep["day"]), ep["day"], ep["agent"]
    miss = rng.random(e) < staff.miss[agent]
    main = _sessions(
        kind=np.full(e, INQ, np.int8), agent=agent, customer=ep["customer"], start=ep["start"],
        bursts=np.minimum(2 + rng.poisson(2.2, e), 9), outcome=np.where(ep["buys"], BUY, LOST).astype(np.int8),
        reply=~ep["night"] & ~miss, auto=ep["night"] | (rng.random(e) < 0.5), night=ep["night"],
        thanks=rng.random(e) < 0.35, ref=np.arange(e),
    )
    yesterday = np.maximum(day - 1, 0)
    again = (rng.random(e) < 0.12) & (day >= 1) & work[yesterday, agent]
    helper = _other_agent(rng, pre_w, yesterday, agent)
    assisted = (rng.random(e) < 0.12) & (day >= 1) & (helper >= 0)
    earlier = [
        _sessions(
            kind=np.full(int(mask.sum()), kind, np.int8), agent=who[mask], customer=ep["customer"][mask],
            start=yesterday[mask] * DAY + _hours(rng, int(mask.sum()), DAYTIME_WEIGHTS),
            bursts=1 + rng.poisson(1.5, int(mask.sum())), auto=rng.random(int(mask.sum())) < 0.5,
            thanks=rng.random(int(mask.sum())) < 0.3, ref=np.flatnonzero(mask),
        )
        for mask, kind, who in ((again, PREV, agent), (assisted, PRE, helper))
    ]
    spam_w = pre_w + 0.3 * (work & ~staff.presales)
    return _one_per_day(_concat([main, *earlier, _spam(rng, cal, spam_w, scale, staff, customers), _tests(rng, cal, work)]))


def _spam(rng: np.random.Generator, cal: Calendar, weights: np.ndarray, scale: float, staff: Staff,
          customers: Ids) -> dict[str, np.ndarray]:
    """Ads and spam: new ids that each message one to three agents once."""
    per_day = rng.poisson(0.06 * RATE * scale * staff.presales.sum(), cal.days)
    day = np.repeat(np.arange(cal.days), per_day)
    spammer = customers.take(len(day))
    hits = 1 + rng.binomial(2, 0.3, len(day))
    day, spammer = np.repeat(day, hits), np.repeat(spammer, hits)
    agent = _pick(rng, weights, day)
    once = np.sort(np.unique(spammer * weights.shape[1] + agent, return_index=True)[1])
    day, spammer, agent = day[once], spammer[once], agent[once]
    k = len(day)
    return _sessions(kind=np.full(k, SPAM, np.int8), agent=agent, customer=spammer,
                     start=day * DAY + _hours(rng, k, DAYTIME_WEIGHTS), bursts=np.ones(k), reply=rng.random(k) < 0.4)


def _tests(rng: np.random.Generator, cal: Calendar, work: np.ndarray) -> dict[str, np.ndarray]:
    """The shop's test accounts checking the auto-reply now and then (customer index = account number)."""
    day = np.flatnonzero(rng.random(cal.days) < 0.4)
    k = len(day)
    return _sessions(kind=np.full(k, TEST, np.int8), agent=_pick(rng, work + 1e-9, day),
                     customer=rng.integers(0, len(TEST_ACCOUNTS), k), start=day * DAY + _hours(rng, k, DAYTIME_WEIGHTS),
                     bursts=1 + rng.binomial(1, 0.5, k), auto=np.ones(k, bool))


# -- conversation simulator -------------------------------------------------------------------


def _groups(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For owners with ``counts`` items each: each item's owner, its position, each owner's first item."""
    first = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - first[owner], first


def _within_offsets(gap: np.ndarray, owner: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Running sum of ``gap`` within each owner's items (the first item's gap is 0)."""
    total = np.cumsum(gap)
    return total - total[first[owner]]


def _simulate(rng: np.random.Generator, s: dict[str, np.ndarray], staff: Staff) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Every session's messages (second, session, sender, text category) and each session's end second.

    A burst's customer lines are 3+ s apart; the agent answers ``delay`` after the
    last of them, so the response time of spec 1 is the lines' span + ``delay``.
    A session that would run past midnight starts earlier.
    """
    n_b = s["bursts"]
    b_sess, b_pos, first_b = _groups(n_b)
    b_last = b_pos == (n_b - 1)[b_sess]
    agent = s["agent"][b_sess]
    answered = s["reply"][b_sess] & ~(b_last & s["thanks"][b_sess] & (n_b[b_sess] > 1))
    n_cust = 1 + rng.binomial(2, 0.2, len(b_sess))
    n_agent = np.where(answered, 1 + rng.binomial(2, staff.talk[agent]), 0)
    delay = np.clip(np.rint(rng.lognormal(np.log(staff.delay[agent]), 0.6)), 3, 1800).astype(np.int64)
    think = np.where(b_last, 0, np.clip(np.rint(rng.lognormal(np.log(30), 0.9)), 3, 3600)).astype(np.int64)

    c_burst, c_pos, c_first = _groups(n_cust)
    c_gap = np.where(c_pos == 0, 0, 2 + rng.geometric(1 / 6, len(c_pos)))
    c_off = _within_offsets(c_gap, c_burst, c_first)
    a_burst, a_pos, a_first = _groups(n_agent)
    a_gap = np.where(a_pos == 0, 0, 3 + rng.geometric(1 / 12, len(a_pos)))
    a_off = _within_offsets(a_gap, a_burst, a_first)
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


# -- orders ----------------------------------------------------------------------------------


def _orders(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, ep: dict[str, np.ndarray],
            main_end: np.ndarray, scale: float, customers: Ids) -> dict[str, np.ndarray]:
    """Orders of converted episodes (agent = the intended credit), silent orders and come-backs (agent -1)."""
    buys = np.flatnonzero(ep["buys"])
    next_day = rng.random(len(buys)) < 0.2
    created = np.where(next_day, (ep["day"][buys] + 1) * DAY + _hours(rng, len(buys), DAYTIME_WEIGHTS),
                       main_end[buys] + rng.integers(60, 1200, len(buys)))
    served = {"customer": ep["customer"][buys], "created": created, "agent": ep["agent"][buys]}
    double = rng.random(len(buys)) < 0.04
    extra = {key: value[double] for key, value in served.items()}
    extra["created"] = extra["created"] + rng.integers(30, 180, int(double.sum()))

    weekday = (np.arange(cal.days) + cal.start.weekday()) % 7
    lam = 0.18 * RATE * scale * staff.presales.sum() * WEEKDAY_FACTOR[weekday]
    silent_day = np.repeat(np.arange(cal.days), rng.poisson(lam))
    silent_customer = customers.take(len(silent_day))
    again = (rng.random(len(silent_day)) < 0.2) & (silent_day >= 12)
    silent_customer[again] = _earlier_buyers(rng, silent_day[again], ep["day"][buys], ep["customer"][buys], customers)
    lost = np.flatnonzero(~ep["buys"] & (rng.random(len(ep["buys"])) < 0.05))
    back_day = ep["day"][lost] + rng.integers(4, 9, len(lost))
    days = np.concatenate([silent_day, back_day])
    silent = {"customer": np.concatenate([silent_customer, ep["customer"][lost]]),
              "created": days * DAY + _hours(rng, len(days), DAYTIME_WEIGHTS), "agent": np.full(len(days), -1)}
    o = _concat([served, extra, silent])
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
    reminder_agent = np.where(credited, o["agent"], _pick(rng, pre_w, np.minimum(created // DAY + 1, len(pre_w) - 1)))
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


def _later_sessions(rng: np.random.Generator, cal: Calendar, staff: Staff, pre_w: np.ndarray, after_w: np.ndarray,
                    o: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sessions that follow orders: another agent's follow-up before payment, after-sales, post-sale questions."""
    k = len(o["created"])
    paid, credited = o["paid"] >= 0, o["agent"] >= 0
    o["refund"] = paid & (rng.random(k) < 0.07)
    early = o["created"] % DAY < 20 * 3600
    follow = o["later"] & credited & early & (rng.random(k) < 0.3) & (o["created"] // DAY < cal.days)
    helper = np.full(k, -1)
    helper[follow] = _other_agent(rng, pre_w, o["created"][follow] // DAY, o["agent"][follow])
    follow = np.flatnonzero(follow & (helper >= 0))
    f = len(follow)
    follow_s = _sessions(kind=np.full(f, FOLLOW, np.int8), agent=helper[follow], customer=o["customer"][follow],
                         start=o["created"][follow] + rng.integers(600, 3600, f), bursts=1 + rng.poisson(1.0, f),
                         thanks=rng.random(f) < 0.4, ref=follow)

    post = np.flatnonzero(paid & (rng.random(k) < np.where(o["refund"], 0.85, 0.25)))
    offset = np.where(rng.random(len(post)) < 0.08, rng.integers(8, 13, len(post)),
                      rng.choice(7, size=len(post), p=[0.1, 0.25, 0.2, 0.15, 0.12, 0.1, 0.08]))
    post_day = o["paid"][post] // DAY + offset
    keep = post_day < cal.days
    post, post_day = post[keep], post_day[keep]
    p = len(post)
    post_s = _sessions(kind=np.full(p, POST, np.int8), agent=_pick(rng, after_w, post_day), customer=o["customer"][post],
                       start=np.maximum(post_day * DAY + _hours(rng, p, DAYTIME_WEIGHTS), o["paid"][post] + 600),
                       bursts=1 + rng.poisson(2.0, p), auto=rng.random(p) < 0.5, thanks=rng.random(p) < 0.4, ref=post)

    ask = np.flatnonzero(paid & credited & (rng.random(k) < 0.06))
    ask_day = o["paid"][ask] // DAY + rng.integers(2, 6, len(ask))
    ask, ask_day = ask[ask_day < cal.days], ask_day[ask_day < cal.days]
    q = len(ask)
    ask_s = _sessions(kind=np.full(q, PPOST, np.int8), agent=o["agent"][ask], customer=o["customer"][ask],
                      start=ask_day * DAY + _hours(rng, q, DAYTIME_WEIGHTS), bursts=1 + rng.poisson(1.0, q),
                      thanks=rng.random(q) < 0.4, ref=ask)
    return _one_per_day(_concat([follow_s, post_s, ask_s]))


def _settle(rng: np.random.Generator, o: dict[str, np.ndarray], later: dict[str, np.ndarray], end: np.ndarray) -> dict[str, np.ndarray]:
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


# -- frames ------------------------------------------------------------------------------------


def _datetime(cal: Calendar, seconds: np.ndarray) -> pl.Series:
    """Seconds since the calendar's first midnight → naive datetimes; negative seconds → null."""
    origin = (cal.start - dt.date(1970, 1, 1)).days * DAY
    stamps = pl.Series((seconds.astype(np.int64) + origin) * 1_000_000).cast(pl.Datetime("us"))
    return pl.DataFrame({"ts": stamps, "ok": seconds >= 0}).select(pl.when("ok").then("ts")).to_series()


def _customer_ids(index: np.ndarray) -> pl.Series:
    """Customer ids: the test accounts for indices 0 and 1, else 'c' and eight digits (formatted once per customer)."""
    count = int(index.max()) + 1 if len(index) else len(TEST_ACCOUNTS)
    regular = "c" + pl.Series(np.arange(1, max(count - len(TEST_ACCOUNTS), 0) + 1)).cast(pl.String).str.zfill(8)
    return pl.concat([pl.Series(TEST_ACCOUNTS), regular]).gather(index)


def _messages_frame(rng: np.random.Generator, parts: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
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
    c["text"] = _OFFSETS[c["cat"]] + (rng.random(len(c["cat"])) * _SIZES[c["cat"]]).astype(np.int64)
    codes = pl.DataFrame({key: c[key] for key in ("sec", "customer", "agent", "sender", "text")})
    codes = codes.filter(pl.col("sec") < cut).sort("sec", maintain_order=True)
    return pl.DataFrame({
        "ts": _datetime(cal, codes["sec"].to_numpy()),
        "customer_id": _customer_ids(codes["customer"].to_numpy()),
        "agent_id": staff.frame["agent_id"].gather(codes["agent"]),
        "sender": pl.Series(SENDERS).gather(codes["sender"]),
        "shop_id": pl.repeat(shop_id, codes.height, eager=True),
        "text": pl.Series(_TEXTS).gather(codes["text"]),
    })


def _orders_frame(o: dict[str, np.ndarray], cal: Calendar, cut: int, shop_id: str) -> pl.DataFrame:
    """Orders created before ``cut``; payments and refunds after it are not known yet (null)."""
    keep = np.flatnonzero(o["created"] < cut)
    keep = keep[np.lexsort((o["id"][keep], o["created"][keep]))]
    paid = np.where(o["paid"][keep] < cut, o["paid"][keep], -1)
    refunded = np.where((paid >= 0) & (o["refunded"][keep] < cut), o["refunded"][keep], -1)
    return pl.DataFrame({
        "order_id": "o" + pl.Series(o["id"][keep] + 1).cast(pl.String).str.zfill(9),
        "customer_id": _customer_ids(o["customer"][keep]),
        "created_at": _datetime(cal, o["created"][keep]),
        "paid_at": _datetime(cal, paid),
        "amount": o["amount"][keep],
        "units": o["units"][keep].astype(np.int64),
        "shop_id": pl.repeat(shop_id, len(keep), eager=True),
        "refund_amount": pl.Series(np.where(refunded >= 0, o["refund_amount"][keep], np.nan), nan_to_null=True),
        "refunded_at": _datetime(cal, refunded),
    })


def _order_ids(o: dict[str, np.ndarray], rows: np.ndarray) -> pl.Series:
    return "o" + pl.Series(o["id"][rows] + 1).cast(pl.String).str.zfill(9)


def _agent_or_null(staff: Staff, index: np.ndarray) -> pl.Series:
    """Agent ids for agent positions; -1 → null."""
    ids = staff.frame["agent_id"].gather(np.maximum(index, 0))
    return pl.DataFrame({"id": ids, "ok": index >= 0}).select(pl.when("ok").then("id")).to_series()


def _reminders_frame(o: dict[str, np.ndarray], staff: Staff, cal: Calendar, cut: int) -> pl.DataFrame:
    """One reminder (催付) per reminded order, the next morning, by the credited (or an on-duty) agent."""
    rows = np.flatnonzero(o["reminded"] & (o["reminder"] < cut))
    rows = rows[np.lexsort((o["id"][rows], o["reminder"][rows]))]
    return pl.DataFrame({
        "ts": _datetime(cal, o["reminder"][rows]),
        "agent_id": staff.frame["agent_id"].gather(o["reminder_agent"][rows]),
        "order_id": _order_ids(o, rows),
    })


def _feedback(rng: np.random.Generator, o: dict[str, np.ndarray], later: dict[str, np.ndarray], staff: Staff,
              cal: Calendar, cut: int) -> dict[str, pl.DataFrame]:
    """Reviews and disputes of paid orders; given to the after-sales agent who handled the order, if any."""
    k = len(o["paid"])
    handler = np.full(k, -1)
    post = later["kind"] == POST
    handler[later["ref"][post]] = later["agent"][post]
    agent = lambda rows: _agent_or_null(staff, handler[rows])  # noqa: E731
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
        "order_id": _order_ids(o, reviewed[order]), "ts": _datetime(cal, review_ts[order]),
        "service_score": score[order].astype(float), "low_quality": low[order], "agent_id": agent(reviewed[order]),
    })
    disputed = np.flatnonzero(paid & (rng.random(k) < np.where(refund, 0.12, 0.003)))
    dispute_ts = np.where(refund[disputed], o["refunded"][disputed], o["paid"][disputed] + 4 * DAY) + rng.integers(0, 2 * DAY, len(disputed))
    disputed, dispute_ts = disputed[dispute_ts < cut], dispute_ts[dispute_ts < cut]
    order = np.lexsort((o["id"][disputed], dispute_ts))
    disputes = pl.DataFrame({"order_id": _order_ids(o, disputed[order]), "ts": _datetime(cal, dispute_ts[order]),
                             "agent_id": agent(disputed[order])})
    return {"reviews": reviews, "disputes": disputes}


def _month_masks(cal: Calendar) -> list[tuple[str, np.ndarray]]:
    """Each complete month's label and its days as a boolean mask."""
    days = np.arange(cal.days)
    bounds = [0, *cal.month_ends]
    labels = [str(cal.date(np.array([b]))[0])[:7] for b in bounds[:-1]]
    return [(label, (days >= lo) & (days < hi)) for label, lo, hi in zip(labels, bounds[:-1], bounds[1:])]


def _manual_scores(rng: np.random.Generator, cal: Calendar, staff: Staff, work: np.ndarray, scheduled: np.ndarray) -> pl.DataFrame:
    """Monthly manual scores (ids of :data:`csana.scoring.scheme.MANUAL_INDICATORS`), in line with each agent's skill.

    Every agent gets chat_review, typing_speed, product_test, attendance and
    daily_conduct; after-sales agents also review_handling.
    """
    rows = []
    for label, days in _month_masks(cal):
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


def _lost_reasons(rng: np.random.Generator, ep: dict[str, np.ndarray], staff: Staff, cal: Calendar) -> pl.DataFrame:
    """Why half of the lost inquiries did not buy, as the agent recorded it."""
    lost = np.flatnonzero(~ep["buys"] & ~ep["night"] & (rng.random(len(ep["buys"])) < 0.5))
    reasons = np.array(list(LOST_REASONS))
    weights = np.array(list(LOST_REASONS.values()))
    reason = reasons[rng.choice(len(reasons), size=len(lost), p=weights / weights.sum())]
    return pl.DataFrame({
        "customer_id": _customer_ids(ep["customer"][lost]),
        "agent_id": staff.frame["agent_id"].gather(ep["agent"][lost]),
        "date": pl.Series(cal.date(ep["day"][lost])).cast(pl.Date),
        "reason": reason,
    })


def _online(rng: np.random.Generator, cal: Calendar, staff: Staff, work: np.ndarray) -> pl.DataFrame:
    """Seconds logged in (about 8 h) and hung up (挂起) per agent per working day."""
    day, agent = np.nonzero(work)
    online = np.clip(rng.normal(8.2 * 3600, 1800, len(day)), 4 * 3600, 11 * 3600).round()
    return pl.DataFrame({
        "agent_id": staff.frame["agent_id"].gather(agent),
        "date": pl.Series(cal.date(day)).cast(pl.Date),
        "online_s": online,
        "hung_up_s": rng.integers(300, 2700, len(day)).astype(float),
    })
