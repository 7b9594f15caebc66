#!/usr/bin/env python3
"""Set-up in one step, with nothing but the standard library: ``./csana/bootstrap.py report|test``
(the same as ``python3 -m csana.bootstrap report|test``).

It installs what csana needs on a fresh machine — Debian packages (Chromium for
PDF and browser tests, poppler-utils, a CJK font) when missing, and a virtual
environment in ``.venv`` with the project and its test extras (with uv, or pip
when uv cannot be had) — then runs the main job (``report``: the demo monthly
report) or the test suite (``test``: pytest on one worker per CPU).
A second run skips whatever is already installed. Extra arguments are passed on
(``python3 -m csana.bootstrap test -k metrics``).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("CSANA_VENV", ROOT / ".venv"))
DEBIAN_PACKAGES = ("chromium", "poppler-utils", "fonts-noto-cjk")
MANUAL_HELP = """\
csana needs, besides Python ≥ 3.11:
  - Chromium or Google Chrome (PDF rendering and browser tests),
  - poppler (pdftotext, pdftoppm) for the PDF tests,
  - a CJK font (Noto Sans CJK SC) so Chinese renders in charts and PDFs.
  macOS:   brew install --cask chromium && brew install poppler && brew install --cask font-noto-sans-cjk-sc
  Windows: winget install Hibbiki.Chromium; install poppler (e.g. conda install -c conda-forge poppler);
           Chinese fonts ship with Windows (Microsoft YaHei). Set CSANA_CHROMIUM to chrome.exe if needed.
"""


TEST_WORKERS = ("-n", "logical", "--maxprocesses", "4", "--dist", "loadgroup")
"""pytest-xdist: one worker per CPU (at most 4); a module's tests that share a module-scoped fixture stay on
one worker (tests/conftest.py). ``test -n 0`` runs in one process."""


def run(cmd: list[str], **kwargs) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def missing_system_packages() -> list[str]:
    """The Debian packages whose commands or fonts are not on this machine."""
    missing = []
    if not (shutil.which("chromium") or os.environ.get("CSANA_CHROMIUM")):
        missing.append("chromium")
    if not shutil.which("pdftotext"):
        missing.append("poppler-utils")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True) if shutil.which("fc-list") else None
    if fonts is None or "Noto Sans CJK" not in fonts.stdout:
        missing.append("fonts-noto-cjk")
    return missing


def install_system_packages() -> None:
    """apt-get what is missing (Debian/Ubuntu); elsewhere, say what to install by hand."""
    missing = missing_system_packages()
    if not missing:
        return
    if platform.system() != "Linux" or not shutil.which("apt-get"):
        print(f"Missing: {', '.join(missing)}. Install them by hand:\n{MANUAL_HELP}", file=sys.stderr)
        return
    sudo = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if sudo is None:
        print(f"Missing {', '.join(missing)} and not root: run  apt-get install -y {' '.join(missing)}", file=sys.stderr)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([*sudo, "apt-get", "update", "-q"], env=env)
    run([*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing, "fontconfig"], env=env)


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def install_with_uv(target: str) -> bool:
    """Install ``target`` (editable) into .venv with uv (pip-installed into .venv first): it fetches and unpacks
    the ~130 packages in parallel, about ten times faster than pip on a fresh machine. False when uv
    cannot be had or fails (then pip does the work); ``CSANA_INSTALLER=pip`` skips it (for instance
    where pip is configured for a package mirror that uv does not read)."""
    if os.environ.get("CSANA_INSTALLER", "uv") == "pip":
        return False
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    uv = VENV / ("Scripts/uv.exe" if os.name == "nt" else "bin/uv")
    try:
        if not uv.exists():
            run([*pip, "uv>=0.5"])
        # --compile-bytecode: as pip does; where PYTHONDONTWRITEBYTECODE is set, nothing else ever compiles the
        # packages, and every process (each report's kernel, each test's subprocess) would compile them anew
        run([str(uv), "pip", "install", "-q", "--compile-bytecode", "--python", str(venv_python()), "-e", target])
    except (subprocess.CalledProcessError, OSError) as exc:
        print(f"uv could not install ({exc}); installing with pip instead", file=sys.stderr, flush=True)
        return False
    return True


def install_python_packages() -> None:
    """Create .venv and install the project editable with its test extras, once per pyproject version."""
    stamp = VENV / ".csana-installed"
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and venv_python().exists():
        return
    if not venv_python().exists():
        run([sys.executable, "-m", "venv", str(VENV)])
    target = f"{ROOT}[test]"
    if not install_with_uv(target):
        run([str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", target])
    stamp.write_text(wanted)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"report", "test", "setup"}:
        print(__doc__)
        return 2
    if sys.version_info < (3, 11):
        print("csana needs Python ≥ 3.11", file=sys.stderr)
        return 2
    install_system_packages()
    install_python_packages()
    job, rest = argv[0], argv[1:]
    if job == "setup":
        return 0
    bin_dir = venv_python().parent
    cmd = [str(bin_dir / "csana"), "report", *rest] if job == "report" else [str(venv_python()), "-m", "pytest", *TEST_WORKERS, *rest]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
