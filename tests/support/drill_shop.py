"""A tiny October-2026 shop for the drill-down and chat-review tests, every number countable by hand.

Receptions (agent, customer, day, first response → bucket, outcome):

    a1  张三 01 09:00  10 s  ≤20s     order o1 01 09:05, paid 09:06, ¥100      converted
    a1  李四 02 10:00  25 s  20–30s   no order                                  lost
    a1  spam 08 12:00  filtered (blacklisted customer): consult only
    a2  张三 02 11:00  post-sale (o1 the day before): received, not an inquiry
    a2  王五 03 11:00  45 s  30–60s   order o3 03 11:10, never paid; reminded 12:00   lost
    a2  赵六 04 14:00  90 s  60–120s  order o4 04 14:10, reminded 20:00, paid 05 09:00, ¥200  converted
    a3  钱七 05 15:00  180 s >120s    no order                                  lost
    a3  孙八 06 16:00  no reply  —    no order                                  lost

Silent orders (no chat): o7 07 10:00 paid 10:01 ¥50; o9 09 10:00 paid 10 10:00 ¥80.
Lost reasons: 李四 价格太贵, 钱七 价格太贵, 孙八 只是看看, and one in September (not counted).
"""

from __future__ import annotations

import datetime as dt

from builders import dataset, messages, orders, table

from csana.ingest.dataset import Dataset
from csana.params import MetricParams

PARAMS = MetricParams().with_overrides(filter={"customers": ["spam"]})
MONTH = "2026-10"


def shop() -> Dataset:
    msgs = messages(
        ("01 09:00:00", "张三", "a1", "customer", "这件有货吗"),
        ("01 09:00:10", "张三", "a1", "agent", "有的亲"),
        ("01 09:00:40", "张三", "a1", "customer", "好的，寄到浙江省杭州市西湖区文三路90号，电话13812345678"),
        ("01 09:01:00", "张三", "a1", "agent", "收到"),
        ("02 10:00:00", "李四", "a1", "customer", "能便宜点吗"),
        ("02 10:00:25", "李四", "a1", "agent", "已经是最低价了"),
        ("02 10:01:00", "李四", "a1", "customer", "那算了"),
        ("02 10:01:30", "李四", "a1", "customer", "我再看看"),
        ("08 12:00:00", "spam", "a1", "customer", "加微信领红包"),
        ("02 11:00:00", "张三", "a2", "customer", "什么时候发货"),
        ("02 11:00:20", "张三", "a2", "agent", "今天发"),
        ("03 11:00:00", "王五", "a2", "customer", "在吗"),
        ("03 11:00:45", "王五", "a2", "agent", "在的"),
        ("04 14:00:00", "赵六", "a2", "customer", "这个尺码偏大吗"),
        ("04 14:01:30", "赵六", "a2", "agent", "正常尺码"),
        ("05 15:00:00", "钱七", "a3", "customer", "有优惠吗"),
        ("05 15:03:00", "钱七", "a3", "agent", "没有哦"),
        ("06 16:00:00", "孙八", "a3", "customer", "身份证11010519491231002X可以实名吗"),
    )
    ords = orders(
        ("o1", "张三", "01 09:05:00", "01 09:06:00", 100),
        ("o3", "王五", "03 11:10:00", None, 120),
        ("o4", "赵六", "04 14:10:00", "05 09:00:00", 200),
        ("o7", "周九", "07 10:00:00", "07 10:01:00", 50),
        ("o9", "吴十", "09 10:00:00", "10 10:00:00", 80),
    )
    reminders = table("reminders", ("03 12:00:00", "a2", "o3"), ("04 20:00:00", "a2", "o4"))
    lost = table(
        "lost_reasons",
        ("李四", "a1", dt.date(2026, 10, 2), "价格太贵"),
        ("钱七", "a3", dt.date(2026, 10, 5), "价格太贵"),
        ("孙八", "a3", dt.date(2026, 10, 6), "只是看看"),
        ("李四", "a1", dt.date(2026, 9, 20), "发货太慢"),
    )
    agents = table("agents", ("a1", "小一", "T", "presales"), ("a2", "小二", "T", "presales"),
                   ("a3", "小三", "T", "presales"), columns=["agent_id", "name", "team", "role"])
    return dataset(msgs, ords, reminders=reminders, lost_reasons=lost, agents=agents)
