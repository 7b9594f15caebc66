"""Every notebook in notebooks/ runs top to bottom with its default parameters, and is stored clean.

Each notebook runs under nbval (``pytest --nbval-lax``: every cell must run without
error; outputs are not compared) in a pytest subprocess, so the default ``pytest``
run — whose testpaths are only tests/ — includes them, one test per notebook, each
in a fresh kernel of this environment with its Jupyter/IPython folders in a temp dir.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_servers import isolated_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_NOTEBOOKS = ("explore.ipynb", "diagnose_conversion.ipynb")
"""Notebooks that only call a csana.ui panel (Explorer, Diagnoser): a few short cells, no logic."""


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_the_notebooks_exist() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"explore.ipynb", "monthly_report.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [n for n, c in enumerate(notebook["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs — clear them (Edit → Clear Outputs of All Cells) before committing"
    assert "widgets" not in notebook["metadata"], f"{path.name}: saved widget state in metadata — clear it before committing"


@pytest.mark.parametrize("name", WIDGET_NOTEBOOKS)
def test_widget_notebooks_are_short_calls_without_logic(name: str) -> None:
    path = ROOT / "notebooks" / name
    if not path.exists():
        pytest.fail(f"{name} is missing")
    code = ["".join(c["source"]) for c in cells(path) if c["cell_type"] == "code"]
    assert 1 <= len(code) <= 4
    for source in code:
        assert len(source.splitlines()) <= 6, source
        assert not any(line.lstrip().startswith(("def ", "class ", "for ", "while ")) for line in source.splitlines()), source
    first = next(c for c in cells(path) if c["cell_type"] == "code")
    assert "parameters" in first.get("metadata", {}).get("tags", []), "the first code cell holds the parameters"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_with_default_parameters(path: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=600",
         "-p", "no:cacheprovider", "-q", "--no-header", str(path)],
        cwd=ROOT, env=isolated_env(tmp_path), capture_output=True, text=True, timeout=900,
    )
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert result.returncode == 0, f"{path.name} failed under nbval:\n{plain[-8000:]}"
