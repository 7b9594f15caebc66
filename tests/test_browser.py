"""End to end: JupyterLab in headless Chromium runs explore.ipynb, a weight slider re-ranks the leaderboard.

The test starts its own JupyterLab (127.0.0.1, a free port, no token, every Jupyter
folder in a temp dir), opens a fresh copy of the notebook, waits for the kernel to be
Idle, runs all cells, moves the first weight slider with the keyboard, and waits for
the leaderboard to change. A screenshot goes to tests/artifacts/. It also checks that
the page fetched nothing from outside the server (charts must work offline).

It drives Debian's chromium through playwright (playwright's own browser download is
not used); ``python3 -m csana.bootstrap test`` installs chromium, so this test fails
rather than skips when it is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from jupyter_servers import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, serve

from csana.ui.dashboard import voila_args, voila_env

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
LAB_TIMEOUT_MS = 180_000


def lab_args(root: Path) -> list[str]:
    return ["jupyterlab", "--no-browser", "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
            "--allow-root", f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=False"]


@contextmanager
def browser_page(profile: Path, server_url: str) -> Iterator[tuple[Any, list[str]]]:
    """A page of a fresh headless Chromium profile, and the list of URLs it fetched outside ``server_url``."""
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    assert chromium, "chromium not found: run `python3 -m csana.bootstrap test` (it installs it) or set CSANA_CHROMIUM"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(profile), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        outside: list[str] = []
        page = browser.new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server_url, "data:", "blob:")) else None)
        try:
            yield page, outside
        finally:
            browser.close()


@pytest.mark.browser
def test_explore_notebook_in_jupyterlab(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / "explore.ipynb")
    with serve(lab_args(work), tmp_path, "/api/status") as server:
        with browser_page(tmp_path / "chromium", server.url) as (page, outside):
            page.goto(f"{server.url}/lab/tree/explore.ipynb?reset")
            page.locator("#jp-main-statusbar").get_by_text("Idle").first.wait_for(timeout=LAB_TIMEOUT_MS)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            board = page.locator(".csana-leaderboard table")
            board.wait_for(timeout=LAB_TIMEOUT_MS)
            before = board.inner_text()
            assert "↑" not in before and "↓" not in before  # tuned = saved: nobody has moved

            slider = page.locator(".csana-weight").first
            slider.scroll_into_view_if_needed()
            slider.locator(".noUi-handle").focus()
            page.keyboard.press("Home")  # first indicator's weight → 0
            page.wait_for_function(
                "before => document.querySelector('.csana-leaderboard table').innerText !== before", arg=before,
                timeout=60_000,
            )
            after = board.inner_text()
            assert "↑" in after or "↓" in after, after
            page.screenshot(path=str(ARTIFACTS / "explore_jupyterlab.png"), full_page=True)
            assert page.locator(".csana-explorer .vega-embed").count() >= 3  # the charts rendered (offline)
            assert not outside, f"the page fetched from outside the server: {outside[:5]}"


@pytest.mark.browser
def test_dashboard_renders_the_explorer_read_only(tmp_path: Path) -> None:
    args = [a for a in voila_args() if not a.startswith("--port=")]
    with serve(args, tmp_path, "/voila/static/", extra_env=voila_env(base={})) as server:
        with browser_page(tmp_path / "chromium", server.url) as (page, outside):
            page.goto(server.url + "/", timeout=LAB_TIMEOUT_MS)
            board = page.locator(".csana-leaderboard table")
            board.wait_for(timeout=LAB_TIMEOUT_MS)
            assert "排名变化" in board.inner_text()
            assert page.locator(".csana-explorer .vega-embed").count() >= 3
            assert not page.locator(".csana-save").is_visible()  # read-only: no saving from the dashboard
            page.screenshot(path=str(ARTIFACTS / "dashboard_voila.png"), full_page=True)
            assert not outside, f"the dashboard fetched from outside the server: {outside[:5]}"
