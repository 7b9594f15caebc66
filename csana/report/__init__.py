"""Monthly reports: a papermill notebook rendered to offline HTML and an A4 PDF.

``csana report`` (or :func:`render_report`) runs ``notebooks/monthly_report.ipynb`` with
the parameters of a report configuration (``params/report.yaml``), keeps the executed
notebook for audit, converts it to one self-contained HTML file and prints that to PDF
with headless Chromium. Modules: :mod:`~csana.report.config` (configurations),
:mod:`~csana.report.context` (what a report shows, computed once),
:mod:`~csana.report.sections` (the notebook's building blocks),
:mod:`~csana.report.format` (escaped HTML tables), :mod:`~csana.report.render`
(papermill → nbconvert → Chromium), :mod:`~csana.report.batch` (several reports).
"""

from __future__ import annotations

from csana.datasets import open_data
from csana.report.batch import (
    BatchResult,
    plan,
    render_all,
    render_report,
    resolve_month,
)
from csana.report.config import ReportConfig, ReportParams, load_config
from csana.report.context import ReportContext, build_context
from csana.report.render import Rendered

__all__ = [
    "BatchResult", "Rendered", "ReportConfig", "ReportContext", "ReportParams", "build_context", "load_config",
    "open_data", "plan", "render_all", "render_report", "resolve_month",
]
