"""csana — customer-service (客服) performance analytics for e-commerce shops.

The public API, one function per step of the data flow (ingest → facts → metrics → scoring →
diagnosis → present; README.md "How it is built")::

    ds = csana.load("data/")                     # raw chat logs + orders → validated Dataset
    ds = csana.load_export("赤兔_10月.xlsx")       # or platform performance exports
    m = csana.agent_metrics(ds, month="2026-10")  # one row per agent, canonical metric ids
    card = csana.score(m, csana.load_scheme("params/schemes/presales_traffic.yaml"))
    findings = csana.diagnose(m, ds)

Names are imported lazily so ``import csana`` stays fast and ``python3 -m
csana.bootstrap`` runs before any dependency is installed.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "CsanaError": "csana.errors",
    "Dataset": "csana.ingest.dataset",
    "MetricParams": "csana.params",
    "METRICS": "csana.catalogue",
    "CATALOGUE": "csana.catalogue",
    "metric": "csana.catalogue",
    "load": "csana.ingest.raw",
    "LoadParams": "csana.ingest.columns",
    "rejection_summary": "csana.ingest.raw",
    "load_export": "csana.exports.load",
    "write_export": "csana.exports.write",
    "demo_dataset": "csana.demo.bundled",
    "generate_demo": "csana.demo.generator",
    "write_demo": "csana.demo.generator",
    "derive": "csana.facts.derived",
    "agent_metrics": "csana.metrics.engine",
    "agent_daily_metrics": "csana.metrics.engine",
    "shop_metrics": "csana.metrics.shop",
    "attribution": "csana.metrics.engine",
    "load_scheme": "csana.scoring.scheme",
    "Scheme": "csana.scoring.scheme",
    "score": "csana.scoring.scorecard",
    "compare_rules": "csana.scoring.attribution_compare",
    "publish": "csana.store.publication",
    "diagnose": "csana.diagnosis.findings",
    "Diagnosis": "csana.diagnosis.findings",
    "load_rules": "csana.diagnosis.rules",
    "conversion_drilldown": "csana.diagnosis.drilldown",
    "review_sample": "csana.diagnosis.review",
    "mask_text": "csana.privacy",
    "pseudonymise": "csana.privacy",
    "render_report": "csana.report",
}
__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'csana' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
