"""Small agency books for the agency tests: one sub-folder per shop (raw logs, a platform export, broken
files) and one folder of several shops in a shop_id column."""

from __future__ import annotations

import html
import re
from pathlib import Path

from csana.demo.generator import generate_demo, write_demo
from csana.exports.write import write_export
from csana.metrics.engine import agent_daily_metrics

MONTHS = ("2026-09", "2026-10")
BROKEN = "坏数据店"
RAW = "旗舰店A"
EXPORT = "京东店B"
EXPORT_SHOP = "京东店B官方"
"""The shop part of the export's ``店铺:客服`` names (its label in the overview)."""


def folder_book(root: Path) -> Path:
    """Three shop sub-folders: raw logs, a 赤兔 export of two months, and a folder of broken files."""
    write_demo(generate_demo(seed=11, agents=4, months=2, scale=0.25), root / RAW, "parquet")
    source = generate_demo(seed=12, agents=4, months=2, scale=0.25)
    for month in MONTHS:
        write_export(agent_daily_metrics(source, month), root / EXPORT / f"赤兔_{month}.csv", shop=EXPORT_SHOP)
    broken = root / BROKEN
    broken.mkdir(parents=True)
    (broken / "messages.csv").write_text("ts,customer_id\nnot a time,c1\n", encoding="utf-8")
    return root


def column_book(root: Path, shops: int = 2) -> Path:
    """One folder of raw logs of several shops (shop_id s01, s02, …)."""
    write_demo(generate_demo(seed=13, agents=4, months=2, scale=0.25, shops=shops), root, "parquet")
    return root


def visible_text(page: str) -> list[str]:
    """A report's text lines, without charts, styles and markup (to compare two reports' figures)."""
    page = re.sub(r"<style[^>]*>.*?</style>|<img[^>]*>", "", page, flags=re.DOTALL)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    return [line.strip() for line in text.splitlines() if line.strip()]
