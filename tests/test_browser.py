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
from pathlib import Path

import pytest
from jupyter_servers import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, serve

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
LAB_TIMEOUT_MS = 180_000


def lab_args(root: Path) -> list[str]:
    return ["jupyterlab", "--no-browser", "--ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
            "--allow-root", f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--ServerApp.disable_check_xsrf=False"]


@pytest.mark.browser
def test_explore_notebook_in_jupyterlab(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    assert chromium, "chromium not found: run `python3 -m csana.bootstrap test` (it installs it) or set CSANA_CHROMIUM"
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / "explore.ipynb")
    ARTIFACTS.mkdir(exist_ok=True)
    with serve(lab_args(work), tmp_path, "/api/status") as server, sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium"), executable_path=chromium, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        outside: list[str] = []
        page = browser.new_page()
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((server.url, "data:", "blob:")) else None)
        try:
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
        finally:
            browser.close()
