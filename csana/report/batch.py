"""Which reports to render, and rendering them: one, or a batch with a progress bar.

:func:`plan` expands one configuration into the reports it stands for: one per team
with ``all_teams``, and one per shop when the data holds several shops and no shop
was chosen. Every planned report gets the same, already resolved month.
:func:`render_all` renders them one after another; a failing report does not stop
the others, and the failures are returned (and printed by the CLI) at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from csana.datasets import open_data
from csana.errors import CsanaError
from csana.ingest.dataset import Dataset
from csana.params import MetricParams
from csana.report.config import ReportConfig, load_config
from csana.report.context import for_shop, shops
from csana.report.names import check_unique, unique_slugs
from csana.report.render import NOTEBOOK, Rendered, render, title


@dataclass
class BatchResult:
    """Rendered reports and the failures, each with its configuration and message."""

    done: list[Rendered] = field(default_factory=list)
    failed: list[tuple[ReportConfig, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan(config: ReportConfig, all_teams: bool = False) -> list[ReportConfig]:
    """The reports one configuration stands for, each with the month resolved (see module docstring).

    Output names get the shop and team: ``monthly_report-shop_a-售前一组``; names whose slugs collide
    (``售前/一组`` and ``售前:一组``) get a short hash each (:mod:`csana.report.names`).
    """
    from csana.metrics.engine import agent_metrics

    dataset = open_data(config.data)
    found = shops(dataset)
    shop_list: list[str | None] = found if config.shop is None and len(found) > 1 else [config.shop]
    planned = []
    shop_slugs = unique_slugs(s for s in shop_list if s is not None)
    for shop in shop_list:
        resolved = resolve_month(config.model_copy(update={"shop": shop}), dataset)
        teams: list[str | None] = [config.team]
        if all_teams:
            metrics = agent_metrics(_scoped(dataset, shop), resolved.month, _params(config))
            teams = metrics["team"].unique().drop_nulls().sort().to_list()
            if not teams:
                raise CsanaError("--all-teams: the agents table gives no team", file=dataset.source,
                                 fix="add a 'team' column to the agents table, or drop --all-teams")
        team_slugs = unique_slugs(t for t in teams if t is not None)
        for team in teams:
            suffix = "".join(f"-{slugs[part]}" for slugs, part in ((shop_slugs, shop), (team_slugs, team)) if part is not None)
            planned.append(resolved.model_copy(update={"team": team, "name": config.name + suffix}))
    return planned


def _params(config: ReportConfig) -> MetricParams:
    return MetricParams.load(config.metrics)


def _scoped(dataset: Dataset, shop: str | None) -> Dataset:
    return for_shop(dataset, shop) if shop is not None else dataset


def resolve_month(config: ReportConfig, dataset: Dataset | None = None) -> ReportConfig:
    """The configuration with ``month`` set: as given, else the data's (or shop's) latest complete month."""
    if config.month is not None:
        return config
    from csana.metrics.engine import latest_complete_month

    data = _scoped(dataset if dataset is not None else open_data(config.data), config.shop)
    return config.model_copy(update={"month": latest_complete_month(data, _params(config))})


def render_report(config: ReportConfig | str | Path | None = None, notebook: Path = NOTEBOOK, **overrides: object) -> Rendered:
    """Render one report: a ReportConfig, or a config file (default params/report.yaml) with overrides.

    ``csana.render_report()`` renders the demo data's latest complete month as HTML and PDF.
    """
    if not isinstance(config, ReportConfig):
        config = load_config(config, **overrides)
    elif overrides:
        config = load_config(None, **{**config.model_dump(), **overrides})
    config = resolve_month(config)
    return render(config, config.month or "", notebook)


def render_all(configs: list[ReportConfig], notebook: Path = NOTEBOOK, *, show_progress: bool = True) -> BatchResult:
    """Render each planned report with a rich progress bar; failures are collected, not raised.

    Two configurations with one output path are refused before anything is written."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    check_unique([str(Path(c.out) / (c.month or "") / c.name) for c in configs])
    result = BatchResult()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, disable=not show_progress, transient=False) as progress:
        task = progress.add_task("csana report", total=len(configs))
        for config in configs:
            progress.update(task, description=title(config, config.month or ""))
            try:
                result.done.append(render(config, config.month or "", notebook))
            except CsanaError as exc:
                result.failed.append((config, str(exc)))
            except Exception as exc:  # noqa: BLE001 — one broken report must not stop the batch
                result.failed.append((config, f"{type(exc).__name__}: {exc}"))
            progress.advance(task)
    return result
