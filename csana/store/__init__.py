"""Published months (发布): a DuckDB store of what was announced, its versions, and restatements.

``csana publish`` records a month's figures — per-agent metrics, scores and pay, shop and team
totals — with the scheme (content hash and content), the metric params, the input files' hashes and
the time, as a new version (:mod:`csana.store.publication`). The monthly report reads last month from
the latest published version and lists what today's data changes in published months
(:mod:`csana.store.restate`); ``csana history`` shows an agent's published months
(:mod:`csana.store.read`). The file, its location, locking and schema versions:
:mod:`csana.store.db`; the layout of the figures: :mod:`csana.store.figures`.
"""

from __future__ import annotations

from csana.store.db import SCHEMA_VERSION, store_path
from csana.store.publication import Publication, publish
from csana.store.read import StoreReader, reading
from csana.store.restate import Restatement, restatement

__all__ = ["SCHEMA_VERSION", "Publication", "Restatement", "StoreReader", "publish", "reading", "restatement", "store_path"]
