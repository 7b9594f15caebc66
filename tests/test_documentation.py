"""The project documents itself: docs/ covers the inputs, and nothing refers to documents outside it."""

from __future__ import annotations

import re
from pathlib import Path

from csana.ingest.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\b[Ss]pec [1-9]\b|§\s?\d")
"""References to specifications that are not in the repository: "spec" or "§" followed by a number."""


def test_inputs_md_names_every_canonical_table_and_column():
    text = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"`{table.name}`" in text, table.name
        for column in table.columns:
            assert f"`{column}`" in text, f"{table.name}.{column}"


def test_docs_link_to_files_that_exist():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target:
                assert (page.parent / target).exists(), f"{page.name} links to {target}"


def test_nothing_refers_to_documents_outside_the_repository():
    roots = [ROOT / "csana", ROOT / "params", ROOT / "notebooks", ROOT / "tests", ROOT / "docs"]
    files = [ROOT / "README.md", *(p for r in roots for p in r.rglob("*")
                                   if p.suffix in (".py", ".md", ".yaml", ".ipynb", ".tpl", ".html"))]
    found = [f"{p.relative_to(ROOT)}:{n}" for p in files if ".venv" not in p.parts
             for n, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if OUTSIDE.search(line)]
    assert found == []
