"""One language per report: the Chinese report holds no English words and the English one no Chinese,
outside the data's own text (agent and team names, lost reasons, chat excerpts, filter keywords), ids and
file names — on the demo (raw logs) and on a platform export.

Each report is rendered in-process from the report notebook's own list of sections (every
``sections.<name>(ctx)`` cell, in order): HTML sections as they are, charts as the SVG the report
embeds, so the text checked is the text printed.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from IPython.display import HTML

from csana.demo.generator import generate_demo
from csana.present import charts
from csana.report import build_context, sections
from csana.report.render import NOTEBOOK

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
IDS = (
    re.compile(r"\bC-[0-9a-f]{12}\b"),  # customer pseudonyms
    re.compile(r"\b[0-9a-f]{12}\b"),  # scheme content hashes
    re.compile(r"\b[as]\d{2,}\b"),  # agent and shop ids
    re.compile(r"\bo\d{9}\b"),  # order ids
    re.compile(r"(?:/[\w.\-]+)+/?"),  # paths
    re.compile(r"[\w\-\u4e00-\u9fff]+\.(?:csv|xlsx|parquet)\b"),  # file names
)


def notebook_sections() -> list[str]:
    """The section functions the report notebook calls, in order."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    found = [re.fullmatch(r"sections\.(\w+)\(ctx\)", "".join(c["source"]).strip()) for c in cells if c["cell_type"] == "code"]
    return [m.group(1) for m in found if m]


class Text(HTMLParser):
    """Visible text of a page: text nodes outside <code>, <pre class="excerpt">, <style>; SVG <text> included."""

    SKIP = ("code", "style", "pre")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag in self.SKIP and (tag != "pre" or ("class", "excerpt") in attrs):
            self.skipping += 1

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):  # noqa: ANN001
        if not self.skipping and data.strip():
            self.parts.append(data.strip())


def rendered(ctx) -> list[str]:
    """The text lines of every section of the report, charts as their SVG text."""
    charts.use_svg(ctx.lang)
    parser = Text()
    for name in notebook_sections():
        out = getattr(sections, name)(ctx)
        if isinstance(out, HTML):
            parser.feed(out.data)
        else:
            bundle = out._repr_mimebundle_()
            parser.feed((bundle[0] if isinstance(bundle, tuple) else bundle)["image/svg+xml"])
    return parser.parts


def data_text(ctx) -> list[str]:
    """Text that comes from the data and is shown as it is (longest first, so parts do not hide wholes)."""
    ds = ctx.dataset
    values: set[str] = set()
    for table, columns in (("agents", ("agent_id", "name", "team")), ("lost_reasons", ("reason",))):
        if ds.has(table):
            for column in columns:
                if column in ds[table].columns:
                    values |= {str(v) for v in ds[table][column].drop_nulls().unique()}
    values |= {str(v) for v in ctx.now.agents["agent_id"]} | {str(v) for v in ctx.now.agents["name"].drop_nulls()}
    values |= {str(v) for v in ctx.now.agents["team"].drop_nulls()}
    values |= set(ctx.params.filter.keywords)
    values.add(ds.source)
    # the loaders' own messages about the files (rejection reasons, fixes, loading notes) are English-only:
    # they belong to csana.ingest / csana.exports and are not report labels
    if ds.rejected.height:
        from csana.ingest.raw import rejection_summary

        summary = rejection_summary(ds)
        values |= {str(v) for c in ("reason", "fix") for v in summary[c].drop_nulls()}
    values |= set(ds.warnings)
    values |= {name for name, _ in ctx.schemes}  # schemes as named in the configuration (file names)
    return sorted(values, key=len, reverse=True)


def foreign(ctx) -> list[str]:
    """Lines holding words of the other language, once the data's own text and ids are taken out."""
    found = []
    known = data_text(ctx)
    for line in rendered(ctx):
        rest = _strip(line, known)
        if (LATIN_WORD if ctx.lang == "zh" else CJK).search(rest):
            found.append(line)
    return found


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
    hits = [line for line in lines if LATIN_WORD.search(_strip(line, data_text(ctx)))]
    assert hits == ["负责 agent"]


def _strip(line: str, known: list[str]) -> str:
    """The line without the data's own text and ids: long texts first (a loader's note names a file), then ids,
    then short values (an agent id such as a08 may sit inside a pseudonym's hex digits)."""
    for value in (v for v in known if len(v) > 4):
        line = line.replace(value, " ")
    for pattern in IDS:
        line = pattern.sub(" ", line)
    for value in (v for v in known if len(v) <= 4):
        line = line.replace(value, " ")
    return line


def test_every_definition_has_both_languages():
    from csana.catalogue import CATALOGUE

    for m in CATALOGUE.values():
        assert m.definition and m.definition_zh, m.id
        assert not CJK.search(m.definition + m.en), m.id
        assert not LATIN_WORD.search(m.definition_zh + m.zh.replace("P90", "")), m.id
