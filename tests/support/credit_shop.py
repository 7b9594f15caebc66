"""A hand-built October 2026 shop where each attribution rule credits the orders differently.

Every reception is one customer message answered 30 s later. Defaults: attribution_days 3,
final_pay_days 3, postsale_days 7.

c1  Oct 2 10:00 a1 (inquiry), Oct 3 10:00 a2 (inquiry); o1 created Oct 3 12:00, paid Oct 3 18:00, ¥300;
    Oct 3 15:00 a3 (a follow-up: received after the order, before payment — post-sale, not an inquiry)
c2  Oct 10 09:00 a2 (inquiry); o2 created Oct 10 10:00, never paid, ¥100; Oct 10 11:00 a3 (follow-up)
c3  Oct 15 09:00 a1 and a3 at the same second (both inquiries); o3 created Oct 15 12:00, paid Oct 16 09:00, ¥200
c4  o4 created Oct 20 10:00, paid Oct 21 10:00, ¥50; Oct 20 20:00 a1 (follow-up; no inquiry at all)

Credit by rule (o1, o2, o3, o4):
  last_inquiry         a2, a2, a1 (tie → smaller id), silent
  first_inquiry        a1, a2, a1, silent
  last_before_payment  a3 (its follow-up is the latest before payment), a2 (unpaid: last_inquiry), a1, a1
  split                a1 ½ + a2 ½, a2, a1 ½ + a3 ½, silent
"""

from __future__ import annotations

from builders import dataset, messages, orders, table

RECEPTIONS = [
    ("02 10:00:00", "c1", "a1"), ("03 10:00:00", "c1", "a2"), ("03 15:00:00", "c1", "a3"),
    ("10 09:00:00", "c2", "a2"), ("10 11:00:00", "c2", "a3"),
    ("15 09:00:00", "c3", "a1"), ("15 09:00:00", "c3", "a3"),
    ("20 20:00:00", "c4", "a1"),
]
ORDERS = [
    ("o1", "c1", "03 12:00:00", "03 18:00:00", 300),
    ("o2", "c2", "10 10:00:00", None, 100),
    ("o3", "c3", "15 12:00:00", "16 09:00:00", 200),
    ("o4", "c4", "20 10:00:00", "21 10:00:00", 50),
]

CREDIT = {
    "last_inquiry": {"o1": ["a2"], "o2": ["a2"], "o3": ["a1"], "o4": []},
    "first_inquiry": {"o1": ["a1"], "o2": ["a2"], "o3": ["a1"], "o4": []},
    "last_before_payment": {"o1": ["a3"], "o2": ["a2"], "o3": ["a1"], "o4": ["a1"]},
    "split": {"o1": ["a1", "a2"], "o2": ["a2"], "o3": ["a1", "a3"], "o4": []},
}
"""The agents sharing each order's credit, by rule."""

FIGURES = ("created_orders", "sales_amount", "buyers", "ordered_customers", "conv_final_customers",
           "conv_base_customers", "conv_final", "assist_customers")
EXPECTED = {
    # agent: created, sales, buyers, ordered, conv_final_customers, conv_base, conv_final, assisted
    "last_inquiry": {
        "a1": (1, 200.0, 1, 1, 1, 1, 1.0, 1),   # o3; c1 assisted (not in its base); assisted o1
        "a2": (2, 300.0, 1, 2, 1, 2, 0.5, 0),   # o1 paid, o2 unpaid
        "a3": (0, 0.0, 0, 0, 0, 0, None, 2),    # assisted o1 (follow-up) and o3 (pre-order): no base left
    },
    "first_inquiry": {
        "a1": (2, 500.0, 2, 2, 2, 2, 1.0, 0),
        "a2": (1, 0.0, 0, 1, 0, 1, 0.0, 1),     # only o2 (unpaid); c1 assisted
        "a3": (0, 0.0, 0, 0, 0, 0, None, 2),
    },
    "last_before_payment": {
        "a1": (2, 250.0, 2, 1, 1, 1, 1.0, 1),   # o3 and o4; c4 was never its inquiry: a sale, not a conversion
        "a2": (1, 0.0, 0, 1, 0, 1, 0.0, 1),     # o2 (unpaid keeps its last_inquiry credit); assisted o1
        "a3": (1, 300.0, 1, 0, 0, 0, None, 1),  # o1 by its follow-up; assisted o3
    },
    "split": {
        "a1": (1.0, 250.0, 1.0, 1.0, 1.0, 2, 0.5, 0),   # ½ o1 + ½ o3
        "a2": (1.5, 150.0, 0.5, 1.5, 0.5, 2, 0.25, 0),  # ½ o1 + o2
        "a3": (0.5, 100.0, 0.5, 0.5, 0.5, 1, 0.5, 1),   # ½ o3; follow-up of o1 is an assist
    },
}
"""Per agent and rule, October: the FIGURES in order."""

SHOP = {
    # created, sales, buyers (each customer once in the shop)
    "last_inquiry": (3, 500.0, 2), "first_inquiry": (3, 500.0, 2),
    "last_before_payment": (4, 550.0, 3), "split": (3.0, 500.0, 2.0),
}


def credit_chat():
    """The receptions above as messages (customer, then the agent 30 s later)."""
    rows = []
    for stamp, customer, agent in RECEPTIONS:
        rows.append((stamp, customer, agent, "customer"))
        rows.append((stamp[:-2] + "30", customer, agent, "agent"))
    return messages(*rows)


def credit_shop(**others):
    """The shop as a Dataset (agents a1–a3, one team)."""
    agents = table("agents", ("a1", "小一"), ("a2", "小二"), ("a3", "小三"), columns=["agent_id", "name"])
    return dataset(credit_chat(), orders(*ORDERS), agents=agents, **others)
