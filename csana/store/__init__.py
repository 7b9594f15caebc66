"""Published months (发布): a DuckDB store of what was announced, its versions, and restatements.

``csana publish`` records a month's figures — per-agent metrics, scores and pay, shop and team
totals — with the scheme (content hash and content), the metric params, the input files' hashes and
the time, as a new version (:mod:`csana.store.publication`). The monthly report reads last month from
the latest published version and lists what today's data changes in published months
(:mod:`csana.store.restate`); ``csana history`` shows an agent's published months
(:mod:`csana.store.read`). The file, its location, locking and schema versions:
:mod:`csana.store.db`; the records: :mod:`csana.store.layout`; computing the figures:
:mod:`csana.store.figures`. docs/publishing.md describes it for users.

Names are imported lazily: reading the store needs no metric engine.
"""

from __future__ import annotations

import importlib
from typing import Any

_API = {
    "SCHEMA_VERSION": "csana.store.db", "store_path": "csana.store.db",
    "Publication": "csana.store.layout", "publish": "csana.store.publication",
    "StoreReader": "csana.store.read", "reading": "csana.store.read",
    "Restatement": "csana.store.restate", "restatement": "csana.store.restate",
}
__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'csana.store' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
