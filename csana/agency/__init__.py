"""Agencies (代运营 / 客服外包): every shop's monthly report in one run, and an overview across them.

``csana report --data DIR --all-shops`` (or :func:`render_book`) finds the shops of ``DIR``
(:mod:`~csana.agency.book`: a shop_id column, or one sub-folder per shop; names from a shops
table or the exports), opens them (:mod:`~csana.agency.stage`: one load split into per-shop
snapshots, or nothing to do for sub-folders), runs one task per shop
(:mod:`~csana.agency.task`: load → metrics → score → diagnose → render) in this process or
on a Dask distributed cluster (:mod:`~csana.agency.cluster`), skips shops whose report is up
to date (:mod:`~csana.agency.fingerprint`), and writes the agency overview
(:mod:`~csana.agency.summary` → :mod:`~csana.agency.overview` → :mod:`~csana.agency.page`).
:mod:`~csana.agency.metrics` is ``csana metrics --all-shops``.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {"BookResult": "csana.agency.run", "render_book": "csana.agency.run", "book_metrics": "csana.agency.metrics"}
__all__ = ["BookResult", "book_metrics", "render_book"]


def __getattr__(name: str) -> Any:
    """Names imported on first use, so the command line's --help stays fast."""
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'csana.agency' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
