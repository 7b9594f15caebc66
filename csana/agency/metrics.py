"""Every shop's per-agent metrics in one table, with the shop's columns first (``csana metrics --all-shops``).

The book is opened as for the reports (:mod:`csana.agency.book`) but nothing is staged: in
the ``column`` layout the folder is loaded once here and split by shop; in the ``folders``
layout each sub-folder is loaded by its own task, in this process or on a Dask cluster.
A shop whose data cannot be read is left out of the table and named in the failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csana.agency.book import (
    ShopInfo,
    book_folder,
    shop_folders,
)
from csana.agency.cluster import runner
from csana.agency.task import data_label, one_line
from csana.errors import CsanaError
from csana.ingest.dataset import Dataset
from csana.params import MetricParams

SHOP_COLUMNS = ("shop", "shop_name", "platform", "manager")


@dataclass(frozen=True)
class MetricsJob:
    """One shop's metrics task: its folder, the month asked for, the params file, per day or per month."""

    key: str
    folder: str
    month: str | None
    params_file: str | None
    daily: bool


def book_metrics(data: str | Path, month: str | None = None, params_file: str | None = None, *, daily: bool = False,
                 shops_table: str | Path | None = None, workers: int | None = None,
                 scheduler: str | None = None) -> tuple[pl.DataFrame, dict[str, str]]:
    """(every shop's agent metrics with the shop's columns first, failed shop → one-line error)."""
    folder = book_folder(data, shops_table, None)
    root, layout, infos = folder.root, folder.layout, folder.infos
    if layout == "column":
        parts, failed = _column_parts(root, month, params_file, daily)
    else:
        jobs = [MetricsJob(f.name, str(f.resolve()), month, params_file, daily) for f in shop_folders(root, None)]
        parts: Parts = {}
        failed: dict[str, str] = {}
        with runner(workers, scheduler) as run:
            for job, result in run(shop_metrics_job, jobs):
                if isinstance(result, tuple):
                    parts[job.key] = result
                else:
                    failed[job.key] = result if isinstance(result, str) else one_line(result)
    failed |= {k: "listed in the shops table, but no data was found" for k in infos if k not in parts and k not in failed}
    frames = [_with_shop(frame, k, infos.get(k, ShopInfo()).name or label or k, infos.get(k, ShopInfo()))
              for k, (frame, label) in sorted(parts.items())]
    return (pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame(schema={c: pl.String for c in SHOP_COLUMNS})), failed


def _metrics(dataset: Dataset, month: str | None, params_file: str | None, daily: bool) -> pl.DataFrame:
    from csana.metrics import engine, provisional

    params = MetricParams.load(params_file)
    compute = engine.agent_daily_metrics if daily else engine.agent_metrics
    return provisional.with_provisional(compute(dataset, month, params), dataset, params)


def shop_metrics_job(job: MetricsJob) -> tuple[pl.DataFrame, str | None] | str:
    """One shop folder's metrics and the shop's name in its data, or its one-line error (never raises:
    a Dask task of the batch)."""
    from csana.datasets import open_data

    try:
        dataset = open_data(job.folder)
        return _metrics(dataset, job.month, job.params_file, job.daily), data_label(dataset)
    except Exception as exc:  # noqa: BLE001 — one broken shop must not stop the others
        return one_line(exc)


Parts = dict[str, tuple[pl.DataFrame, str | None]]
"""Shop key → (its metrics, the shop's name in its data when the data names it)."""


def _column_parts(root: Path, month: str | None, params_file: str | None, daily: bool) -> tuple[Parts, dict[str, str]]:
    from csana.datasets import open_data
    from csana.report.context import for_shop, shops

    dataset = open_data(root)
    found = shops(dataset)
    if not found:
        return {root.stem or root.name: (_metrics(dataset, month, params_file, daily), None)}, {}
    parts, failed = {}, {}
    for shop_id in found:
        try:
            parts[shop_id] = (_metrics(for_shop(dataset, shop_id), month, params_file, daily), None)
        except CsanaError as exc:  # e.g. a shop without data in the month asked for
            failed[shop_id] = one_line(exc)
    return parts, failed


def _with_shop(frame: pl.DataFrame, key: str, name: str, info: ShopInfo) -> pl.DataFrame:
    shop = [pl.lit(key).alias("shop"), pl.lit(name).alias("shop_name"),
            pl.lit(info.platform, pl.String).alias("platform"), pl.lit(info.manager, pl.String).alias("manager")]
    return frame.select(*shop, pl.exclude(*SHOP_COLUMNS))

