"""Rendering pipeline: execute the report notebook (papermill), convert it (nbconvert), print it (Chromium).

``notebooks/monthly_report.ipynb`` → ``<out>/<month>/<name>.ipynb`` (executed, kept for
audit) → ``<name>.html`` (self-contained: input cells hidden, charts inline as SVG, no
script and no external resource) → ``<name>.pdf`` (Chromium headless prints the HTML,
honouring the CSS ``@page`` A4 rules; Chinese comes from the system's CJK font).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from csana.errors import CsanaError
from csana.report.config import ReportConfig, shop_label
from csana.startup import KERNEL_LINE, light_import

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "monthly_report.ipynb"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TEMPLATE = "csana_report"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "msedge")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--no-pdf-header-footer",
    "--disable-extensions", "--mute-audio",
)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", f"--IPKernelApp.exec_lines={KERNEL_LINE}"]
"""The kernel's own start-up chatter (a local TCP connection warning) is not for report readers; before the
notebook runs, the kernel imports jsonschema without the IRI parsers nothing uses (:mod:`csana.startup`)."""
_TITLES = {"zh": "客服月度绩效报告", "en": "Customer-service monthly report"}


@dataclass(frozen=True)
class Rendered:
    """One rendered report: its configuration, month, output files and wall time per step."""

    config: ReportConfig
    month: str
    files: dict[str, Path]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


def title(config: ReportConfig, month: str) -> str:
    """The report's title: kind, month, and the team or shop it covers."""
    scope = " · ".join(part for part in (shop_label(config.shop, config.shop_name), config.team) if part)
    return f"{_TITLES[config.lang]} {month}" + (f" · {scope}" if scope else "")


def execute(config: ReportConfig, month: str, target: Path, notebook: Path = NOTEBOOK) -> None:
    """Run the report notebook with the configuration's parameters into ``target`` (the audit copy).

    A failing cell becomes a CsanaError that quotes the notebook's own error (a bad data
    folder raises CsanaError inside the kernel: its message is passed on unchanged).
    """
    light_import("papermill")
    import papermill as pm

    from csana.ingest.cache import settle

    settle()  # the kernel reads the load cache this process may still be writing
    parameters = {**config.notebook_parameters(), "month": month}
    try:
        pm.execute_notebook(
            str(notebook), str(target), parameters=parameters, progress_bar=False, kernel_name="python3",
            cwd=str(Path.cwd()), start_timeout=120, extra_arguments=KERNEL_ARGUMENTS,
        )
    except pm.PapermillExecutionError as exc:
        reason = exc.evalue if exc.ename == "CsanaError" else f"{exc.ename}: {exc.evalue}"
        raise CsanaError(
            f"the report notebook failed in cell {exc.exec_count}: {reason}", file=str(target),
            fix="open the executed notebook to see the full traceback",
        ) from None


def to_html(notebook: Path, target: Path, lang: str, heading: str) -> None:
    """Convert an executed notebook to one self-contained HTML file without code or prompts."""
    light_import("nbformat")
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import Preprocessor

    class DropStderr(Preprocessor):
        """Warnings printed by a cell belong to the audit notebook, not the manager's report."""

        def preprocess_cell(self, cell, resources, index):  # noqa: ANN001, ANN201
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.output_type == "stream" and o.name == "stderr")]
            return cell, resources

    exporter = HTMLExporter(
        template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)], exclude_input=True, exclude_markdown=True,
        exclude_input_prompt=True, exclude_output_prompt=True, language_code=lang,
        sanitize_html=False,
    )
    exporter.register_preprocessor(DropStderr(), enabled=True)
    nb = nbformat.read(notebook, as_version=4)
    nb.metadata["title"] = heading
    body, _ = exporter.from_notebook_node(nb, resources={"chart_alt": "图表" if lang == "zh" else "chart"})
    target.write_text(body, encoding="utf-8")


def chromium() -> str:
    """The Chromium (or Chrome) executable: $CSANA_CHROMIUM, else the first one on PATH."""
    configured = os.environ.get("CSANA_CHROMIUM")
    if configured:
        if not Path(configured).exists() and not shutil.which(configured):
            raise CsanaError(f"CSANA_CHROMIUM points to {configured!r}, which does not exist",
                             fix="set CSANA_CHROMIUM to the chromium/chrome executable, or unset it")
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    mac = Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")
    if sys.platform == "darwin" and mac.exists():
        return str(mac)
    raise CsanaError("Chromium is needed to print the PDF and was not found",
                     fix="run `python3 -m csana.bootstrap setup`, install chromium, or set CSANA_CHROMIUM; "
                         "or ask only for HTML with --format html")


def to_pdf(html: Path, target: Path, timeout_s: float = 120) -> None:
    """Print ``html`` to an A4 PDF with headless Chromium, offline, in a throw-away profile."""
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="csana-chromium-") as profile:
        cmd = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={target.resolve()}",
               html.resolve().as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
        except subprocess.TimeoutExpired:
            raise CsanaError(f"Chromium did not finish printing within {timeout_s:.0f} s", file=str(html)) from None
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise CsanaError(f"Chromium could not print the PDF (exit {done.returncode}): {' | '.join(detail)}",
                         file=str(html), fix="check that chromium runs: chromium --headless --version")


def render(config: ReportConfig, month: str, notebook: Path = NOTEBOOK) -> Rendered:
    """Execute, convert and print one report for an already resolved ``month``."""
    folder = Path(config.out) / month
    folder.mkdir(parents=True, exist_ok=True)
    files = {"ipynb": folder / f"{config.name}.ipynb"}
    seconds: dict[str, float] = {}

    def timed(step: str, action: Callable[[], None]) -> None:
        start = time.perf_counter()
        action()
        seconds[step] = time.perf_counter() - start

    timed("execute", lambda: execute(config, month, files["ipynb"], notebook))
    heading = title(config, month)
    with tempfile.TemporaryDirectory(prefix="csana-report-") as tmp:
        html = folder / f"{config.name}.html" if "html" in config.formats else Path(tmp) / f"{config.name}.html"
        timed("html", lambda: to_html(files["ipynb"], html, config.lang, heading))
        if "html" in config.formats:
            files["html"] = html
        if "pdf" in config.formats:
            files["pdf"] = folder / f"{config.name}.pdf"
            timed("pdf", lambda: to_pdf(html, files["pdf"]))
    return Rendered(config, month, files, seconds)
