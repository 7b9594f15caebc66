"""The benchmark's data: demo shops of about N messages, written as CSV and as Parquet.

Sizes are message counts (``100k``, ``1M``, ``10M``); more messages means more agents
(about 600 messages per agent per day, as in a busy shop), not busier ones. The shop
covers September–October 2026 plus 4 days of November; October is measured.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

from csana.errors import CsanaError

MESSAGES_PER_AGENT = 37_800
"""Messages per agent over the benchmark's 2 months + 4 days: a busy shop, about 600 per agent per day. Bigger
sizes mean more agents, as in real shops; the demo's scale for the wanted size comes from
:func:`csana.demo.generator.scale_for`, which follows the generator's own traffic."""
DEMO_MONTHS, DEMO_END = 2, "2026-10"
FORMATS = ("csv", "parquet")


def parse_size(text: str) -> int:
    """'100k' → 100_000, '1M' → 1_000_000, '2.5M', '250000'."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise CsanaError(f"size {text!r} is not a number of messages", fix="e.g. --sizes 100k,1M,10M")
    value = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    if value < 1_000:
        raise CsanaError(f"size {text!r} is too small to benchmark", fix="use at least 1k messages")
    return int(value)


def size_label(n: int) -> str:
    """1_000_000 → '1M', 100_000 → '100k' (the inverse of parse_size for round sizes)."""
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div:
            return f"{n / div:g}{unit}"
    return str(n)


def generate(n_messages: int, folder: Path, seed: int = 2026) -> dict[str, Any]:
    """Write a demo shop of about ``n_messages`` messages to ``folder``/csv and /parquet; returns its facts.

    Reuses the files when ``folder``/meta.json says they were made with the same size,
    seed and generator (a digest of the modules of csana/demo/).
    """
    from csana.demo import generator as demo

    meta_path = folder / "meta.json"
    sources = sorted(Path(demo.__file__).parent.glob("*.py"))  # the generator spans the demo package's modules
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:12]
    wanted = {"target": n_messages, "seed": seed, "generator": digest}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if {k: meta.get(k) for k in wanted} == wanted and all((folder / fmt).is_dir() for fmt in FORMATS):
            return meta
    agents = max(4, round(n_messages / MESSAGES_PER_AGENT))
    scale = demo.scale_for(n_messages, agents=agents, months=DEMO_MONTHS)
    started = time.perf_counter()
    dataset = demo.generate_demo(seed=seed, agents=agents, months=DEMO_MONTHS, scale=scale, end_month=DEMO_END)
    generate_s = time.perf_counter() - started
    for fmt in FORMATS:
        demo.write_demo(dataset, folder / fmt, fmt)
    meta = {**wanted, "agents": agents, "scale": round(scale, 3), "messages": dataset.messages.height,
            "orders": dataset.orders.height, "month": DEMO_END, "generate_s": round(generate_s, 2)}
    meta_path.write_text(json.dumps(meta))
    return meta
