"""The one-language check of a report: the text of every section the report notebook calls, and the lines
holding words of the other language once the data's own text, ids and file names are taken out
(tests/report/test_language.py, tests/report/test_export_report.py)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from IPython.display import HTML

from csana.present import charts
from csana.report import sections
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
    # the loaders' messages (set-aside reasons, fixes, loading notes) are in the report's language; what they
    # quote of the data is data: file names, column headers as written, the rejected values
    values |= {str(v) for v in ds.files["file"]} if ds.files.height else set()
    values |= {str(v) for c in ("file", "column", "value") for v in ds.rejected[c].drop_nulls().unique()}
    values |= {name for name, _ in ctx.schemes}  # schemes as named in the configuration (file names)
    return sorted(values, key=len, reverse=True)


def foreign(ctx) -> list[str]:
    """Lines holding words of the other language, once the data's own text and ids are taken out."""
    found = []
    known = data_text(ctx)
    for line in rendered(ctx):
        rest = strip_known(line, known)
        if (LATIN_WORD if ctx.lang == "zh" else CJK).search(rest):
            found.append(line)
    return found


def strip_known(line: str, known: list[str]) -> str:
    """The line without the data's own text and ids: long texts first (a loader's note names a file), then ids,
    then short values (an agent id such as a08 may sit inside a pseudonym's hex digits)."""
    for value in (v for v in known if len(v) > 4):
        line = line.replace(value, " ")
    for pattern in IDS:
        line = pattern.sub(" ", line)
    for value in (v for v in known if len(v) <= 4):
        line = line.replace(value, " ")
    return line
