"""Hostile text and the checks that it stays inert, shared by tests/test_fuzz.py and tests/test_robustness.py.

"Inert" HTML holds only the tags csana writes itself, no event-handler attribute and no
``javascript:`` URL; an inert SVG is well-formed XML (no data text broke out of its element)
without script or foreign HTML. A page is *offline* when nothing in it loads from the network:
no http(s) or protocol-relative URL in src/href/url()/@import (XML namespace names such as
``xmlns="http://www.w3.org/2000/svg"`` are identifiers, not loads).
"""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import vl_convert as vlc

from csana.report import ReportContext, sections

HOSTILE = [
    "<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "<iframe src=//evil.example>",
    '"><svg onload=alert(1)>', "<b onmouseover=alert(1)>bold</b>", "<details open ontoggle=alert(1)>",
    "javascript:alert(1)", "=cmd|' /C calc'!A0", '=HYPERLINK("http://evil.example","x")', "+1+2", "-1-2",
    "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "😀🎉👍🏽", "\u202eevil\u202c", "עברית ومرحبا", "\x00\x07\x1b[31m\x7f",
    "a\nb\r\nc", "&amp;&lt;&#x3c;", "${1}$0\\1", "'", '"', "x" * 3000, "客服小王", "  spaced  ", "NULL", "—",
    "{{ 7*7 }}", "]]>", "<!-- c -->", "%s%n", "13812345678",
]
"""Hostile values: tags and handlers, formula starts, emoji, bidi and control characters, regex
replacement syntax, a long string, a phone number."""

REPORT_TAGS = {
    "h1", "h2", "h3", "h4", "p", "span", "div", "table", "thead", "tbody", "tr", "th", "td", "ul", "li", "dl", "dt",
    "dd", "b", "i", "pre", "code", "section", "header", "details", "summary", "style",
}
"""Every tag csana's report sections and widgets write."""

LOADS = re.compile(r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*(?:https?:)?//""", re.I)
"""An attribute, CSS url() or @import that would fetch from the network."""


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += attrs


def assert_inert_html(page: str) -> None:
    """Only csana's own tags, no event-handler attribute, no javascript: URL, no script anywhere."""
    parser = _Tags()
    parser.feed(page)
    parser.close()
    assert parser.tags <= REPORT_TAGS, parser.tags - REPORT_TAGS
    assert not [name for name, _ in parser.attrs if name.startswith("on")]
    assert not [v for _, v in parser.attrs if v and v.strip().lower().startswith("javascript:")]
    assert "<script" not in page.lower()


def assert_inert_svg(svg: str) -> None:
    """A well-formed SVG (so no text broke out of its element) without script, foreign HTML or handlers."""
    root = ET.fromstring(svg)
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1]
        assert local not in ("script", "foreignObject", "iframe"), local
        assert not [a for a in element.attrib if a.rsplit("}", 1)[-1].startswith("on")]
        assert not [v for v in element.attrib.values() if v.strip().lower().startswith("javascript:")]


def network_loads(page: str) -> list[str]:
    """Every place ``page`` (HTML, or SVG inlined as base64 data URLs) would load from the network."""
    found = [m.group(0) for m in LOADS.finditer(page)]
    for encoded in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page):
        found += network_loads(base64.b64decode(encoded).decode("utf-8"))
    return found


def report_parts(ctx: ReportContext) -> tuple[list[str], list[str]]:
    """(HTML of every section, SVG of every chart) as the report notebook shows them."""
    html = [section(ctx).data for section in (sections.header, sections.summary, sections.leaderboard,
                                              sections.charts_heading, sections.diagnostics, sections.review,
                                              sections.scorecards, sections.appendix)]
    svgs = []
    for chart in (sections.response_chart, sections.funnel_chart, sections.trend_chart, sections.value_chart):
        made = chart(ctx)
        if hasattr(made, "to_dict"):
            svgs.append(vlc.vegalite_to_svg(made.to_dict()))
        else:
            html.append(made.data)
    return html, svgs
