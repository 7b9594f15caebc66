"""``csana dashboard``: Voilà serves explore.ipynb read-only, offline, with its widgets rendered."""

from __future__ import annotations

import os
import re
import urllib.request
from pathlib import Path

from click.testing import CliRunner
from jupyter_servers import serve

from csana.cli import cli
from csana.ui.dashboard import NOTEBOOK, TEMPLATES, voila_args, voila_env


def test_voila_args_serve_the_notebook_without_sources_or_browser() -> None:
    args = voila_args(port=9999)
    assert args[:2] == ["voila", str(NOTEBOOK)]
    assert {"--port=9999", "--Voila.ip=127.0.0.1", "--template=csana", "--strip_sources=True", "--no-browser"} <= set(args)
    assert "--no-browser" not in voila_args(open_browser=True)


def test_voila_env_sets_dashboard_mode_and_the_chosen_data(tmp_path: Path) -> None:
    env = voila_env(str(tmp_path), "2026-09", "en", base={"JUPYTER_PATH": "/x", "CSANA_MONTH": "old"})
    assert env["CSANA_DASHBOARD"] == "1"
    assert env["CSANA_DATA"] == str(tmp_path.resolve())
    assert (env["CSANA_MONTH"], env["CSANA_LANG"]) == ("2026-09", "en")
    assert env["JUPYTER_PATH"] == os.pathsep.join([str(TEMPLATES), "/x"])
    assert "CSANA_MONTH" not in voila_env(base={"CSANA_MONTH": "old"})  # a stale value never leaks in
    assert (TEMPLATES / "voila" / "templates" / "csana" / "conf.json").exists()


def test_cli_rejects_a_missing_data_folder() -> None:
    result = CliRunner().invoke(cli, ["dashboard", "/no/such/folder", "--no-open"])
    assert result.exit_code != 0
    assert "no such file or folder" in str(result.exception)


def test_voila_serves_the_explorer(tmp_path: Path) -> None:
    args = [a for a in voila_args() if not a.startswith("--port=")]
    with serve(args, tmp_path, "/voila/static/", extra_env=voila_env(base={})) as server:
        with urllib.request.urlopen(server.url + "/", timeout=300) as response:
            status, page = response.status, response.read().decode("utf-8")
        log = server.log_text()
    assert status == 200
    assert "CS performance explorer" in page  # the notebook's heading (Chinese is HTML-escaped)
    views = re.findall(r'"application/vnd\.jupyter\.widget-view\+json": \{"model_id": "[0-9a-f]{32}"', page)
    assert views, "no widget rendered:\n" + page[-3000:]
    assert "Explorer.open" not in page  # sources stripped: managers see widgets, not code
    assert "Traceback" not in page and "CsanaError" not in page, page[-3000:] + log[-3000:]
    external = re.findall(r'<(?:link|script)[^>]+(?:href|src)="(https?://[^"]+)"', page)
    assert not external, f"the dashboard page loads from the network: {external}"
