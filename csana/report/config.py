"""Report configurations: the notebook's parameters plus where and how to render it.

A configuration is a YAML file in ``params/`` (``params/report.yaml`` is the default,
``params/report_*.yaml`` are named variants). Its keys are exactly the fields of
:class:`ReportConfig`: the notebook parameters (:class:`ReportParams`, which must match
the ``parameters`` cell of ``notebooks/monthly_report.ipynb``) and the rendering
options (``name``, ``formats``, ``out``). Command-line options override the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from csana.config import PARAMS_DIR, Frozen, read_config, validate

DEFAULT_CONFIG = PARAMS_DIR / "report.yaml"
Format = Literal["html", "pdf"]


class ReportParams(Frozen):
    """What the report notebook is asked to show (papermill parameters)."""

    data: str = Field("demo", description="data folder or file; 'demo' = the bundled demo shop")
    month: str | None = Field(None, description="YYYY-MM; default: the data's latest complete month")
    team: str | None = Field(None, description="only this team's agents; default: every agent")
    shop: str | None = Field(None, description="only this shop (shop_id); default: every shop")
    shop_name: str | None = Field(None, description="the shop's display name (from a shops table or export); "
                                                    "default: the shop_id")
    scheme: str = Field("presales_traffic,aftersales_returns",
                        description="scoring schemes, comma-separated: names in params/schemes/ or YAML paths; "
                                    "each agent is scored by the first one that applies to it")
    metrics: str | None = Field(None, description="metric parameters YAML; default: params/metrics.yaml")
    lang: Literal["zh", "en"] = Field("zh", description="report language")
    scorecards: bool = Field(True, description="append one printable scorecard page per agent")
    excerpts: bool | None = Field(None, description="chat-review excerpts (masked message text); false leaves them out; "
                                                    "default: review.excerpts of params/diagnostics.yaml")
    attribution_compare: bool = Field(False, description="append the attribution rules side by side (credit, score, "
                                                         "pay; docs/attribution.md); raw data only")
    store: str | None = Field(None, description="the published months' DuckDB store; default: csana.duckdb beside "
                                                "the data, or $CSANA_STORE (read-only; none: no 数据修订 section)")

    @field_validator("month")
    @classmethod
    def _month_format(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            raise ValueError("month must look like 2026-10 (YYYY-MM)")
        return value


def shop_label(shop: str | None, name: str | None) -> str | None:
    """How a report names its shop: 'name (shop_id)', or whichever of the two is given."""
    if name and shop and name != shop:
        return f"{name} ({shop})"
    return name or shop


class ReportConfig(ReportParams):
    """A named report: its notebook parameters and its outputs."""

    name: str = Field("monthly_report", description="file name stem of the outputs")
    formats: tuple[Format, ...] = Field(("html", "pdf"), description="html, pdf or both")
    out: str = Field("reports", description="output folder; files go to <out>/<month>/<name>.*")

    @field_validator("formats", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("name")
    @classmethod
    def _safe_name(cls, value: str) -> str:
        if not value.strip() or re.search(r'[\\/:*?"<>|]', value):
            raise ValueError('name must be a non-empty file name without \\ / : * ? " < > |')
        return value.strip()

    def notebook_parameters(self) -> dict[str, Any]:
        """The values injected into the notebook's ``parameters`` cell."""
        return self.model_dump(include=set(ReportParams.model_fields))


def load_config(path: str | Path | None = None, **overrides: Any) -> ReportConfig:
    """Read a report configuration (default ``params/report.yaml``) and apply non-None overrides.

    Every problem (unknown key, bad month, unknown format) is reported at once, naming the
    file and key.
    """
    source = Path(path) if path is not None else DEFAULT_CONFIG
    data = read_config(source) if path is not None or source.exists() else {}
    data.update({key: value for key, value in overrides.items() if value is not None})
    return validate(ReportConfig, data, source)
