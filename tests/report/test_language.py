"""One language per report: the Chinese report holds no English words and the English one no Chinese,
outside the data's own text (agent and team names, lost reasons, chat excerpts, filter keywords), ids and
file names — on the demo (raw logs) and on a platform export (every flavour: tests/report/test_export_report.py).

Each report is rendered in-process from the report notebook's own list of sections (every
``sections.<name>(ctx)`` cell, in order): HTML sections as they are, charts as the SVG the report
embeds, so the text checked is the text printed.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from one_language import (
    CJK,
    LATIN_WORD,
    data_text,
    foreign,
    notebook_sections,
    strip_known,
)

from csana.demo.generator import generate_demo
from csana.report import build_context


@pytest.fixture(scope="module")
def export_folder(tmp_path_factory) -> Path:
    """Two months of a small demo shop written as one 赤兔 export, with a peer-benchmark row (同行同层平均) per
    October day (a01's numbers), so the shop findings compare with a benchmark whose label is Chinese."""
    from csana.exports.write import write_export
    from csana.metrics.engine import agent_daily_metrics

    ds = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    daily = pl.concat([agent_daily_metrics(ds, m) for m in ("2026-09", "2026-10")])
    folder = tmp_path_factory.mktemp("export")
    path = folder / "赤兔_2026-09_2026-10.csv"
    write_export(daily, path)
    lines = path.read_text(encoding="gbk").splitlines()
    peers = [line.replace(",csana演示店:a01,", ",同行同层平均,", 1) for line in lines
             if line.startswith("2026-10-") and ",csana演示店:a01," in line]
    total = next(i for i, line in enumerate(lines) if line.startswith(",汇总,"))
    path.write_text("\n".join([*lines[:total], *peers, *lines[total:]]) + "\n", encoding="gbk")
    return folder


def test_the_notebook_lists_every_section():
    assert notebook_sections()[:2] == ["header", "summary"]
    assert {"leaderboard", "restatements", "diagnostics", "scorecards", "appendix", "attribution_appendix",
            "trend_chart"} <= set(notebook_sections())


@pytest.fixture(scope="module")
def demo_contexts() -> dict[str, object]:
    """The demo report's context per language, each built once for the module."""
    return {}


def demo_context(contexts: dict[str, object], lang: str):
    if lang not in contexts:
        contexts[lang] = build_context("demo", lang=lang)
    return contexts[lang]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_demo_report_speaks_one_language(demo_contexts, lang: str):
    assert foreign(demo_context(demo_contexts, lang)) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_export_report_speaks_one_language(export_folder: Path, lang: str):
    ctx = build_context(str(export_folder), month="2026-10", lang=lang)
    assert ctx.diagnosis.shop.filter(pl.col("baseline_kind") == "benchmark").height > 0  # the peer rows were read
    assert foreign(ctx) == []


def test_the_check_finds_a_word_of_the_other_language(demo_contexts):
    ctx = demo_context(demo_contexts, "zh")
    lines = ["负责 agent", "小美 a01 · C-0123456789ab · agents.parquet", "首次响应 ≤20秒"]
    hits = [line for line in lines if LATIN_WORD.search(strip_known(line, data_text(ctx)))]
    assert hits == ["负责 agent"]


def test_every_definition_has_both_languages():
    from csana.catalogue import CATALOGUE

    for m in CATALOGUE.values():
        assert m.definition and m.definition_zh, m.id
        assert not CJK.search(m.definition + m.en), m.id
        assert not LATIN_WORD.search(m.definition_zh + m.zh.replace("P90", "")), m.id
