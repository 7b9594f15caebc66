"""``csana dashboard``: the explore notebook served read-only with Voilà, for managers who never open JupyterLab.

Voilà runs notebooks/explore.ipynb in a kernel and shows its widgets without the
code. The kernel sees CSANA_DASHBOARD=1 (the explorer hides saving schemes) and the
data, month and language given on the command line (CSANA_DATA, CSANA_MONTH,
CSANA_LANG). The page loads nothing from the network: charts are offline altair
widgets and the ``csana`` Voilà template drops the stock template's CDN links.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from csana.errors import CsanaError

DASHBOARD_ENV = "CSANA_DASHBOARD"
"""Set (to "1") by ``csana dashboard`` for its kernels: the explorer is then read-only."""
NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "explore.ipynb"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
"""Holds voila/templates/csana; put on JUPYTER_PATH so Voilà finds the template by name."""
DEFAULT_PORT = 8866


def running_in_dashboard() -> bool:
    """Whether this kernel was started by ``csana dashboard`` (Voilà, read-only)."""
    return os.environ.get(DASHBOARD_ENV) == "1"


def voila_args(notebook: Path = NOTEBOOK, *, port: int = DEFAULT_PORT, ip: str = "127.0.0.1", open_browser: bool = False) -> list[str]:
    """The ``python -m voila`` arguments serving ``notebook`` read-only with the offline template."""
    return [
        "voila", str(notebook), f"--port={port}", f"--Voila.ip={ip}", "--template=csana", "--theme=light",
        "--strip_sources=True", "--show_tracebacks=False", *([] if open_browser else ["--no-browser"]),
    ]


def voila_env(data: str | None = None, month: str | None = None, lang: str | None = None,
              base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Voilà and its kernels: dashboard mode, the chosen data, the template path."""
    env = dict(os.environ if base is None else base)
    env[DASHBOARD_ENV] = "1"
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATES), env.get("JUPYTER_PATH", "")) if p)
    for key, value in (("CSANA_DATA", data), ("CSANA_MONTH", month), ("CSANA_LANG", lang)):
        if value:
            env[key] = str(Path(value).resolve()) if key == "CSANA_DATA" and value != "demo" else value
        else:
            env.pop(key, None)
    return env


def serve(data: str | None = None, month: str | None = None, lang: str = "zh", *, port: int = DEFAULT_PORT,
          ip: str = "127.0.0.1", open_browser: bool = True, notebook: Path = NOTEBOOK) -> int:
    """Run Voilà in the foreground until Ctrl-C; returns its exit code."""
    if not notebook.exists():
        raise CsanaError("the explore notebook is missing", file=str(notebook), fix="run csana from a checkout of the project")
    if data and data != "demo" and not Path(data).exists():
        raise CsanaError("no such file or folder", file=data, fix="give a folder of CSV/XLSX/Parquet files, or 'demo'")
    if month:  # checked here: inside Voilà a bad month would only show in the browser
        from csana.periods import month_window

        month_window(month)
    cmd = [sys.executable, "-m", *voila_args(notebook, port=port, ip=ip, open_browser=open_browser)]
    try:
        return subprocess.call(cmd, env=voila_env(data, month, lang))
    except KeyboardInterrupt:
        return 0
