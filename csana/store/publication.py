"""Publishing a month: its figures, how they were made, and when — one new version, in one transaction.

A publication records a month's figures (:mod:`csana.store.figures`: per-agent metrics, scores and
pay; shop and team totals), the scheme names with their content hash and content, the metric
params (JSON, attribution rule included), each input file's sha256, csana's version and the time.
Publishing a month again adds version 2, 3 … and keeps every earlier one: a payout made from
version 1 stays traceable after late payments or a platform's recalculation restate the month.
Versions count per shop × month; the shop is :func:`shop_key`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from csana.ingest.dataset import Capability, Dataset, shops
from csana.params import MetricParams
from csana.scoring.scheme import Scheme
from csana.store.db import csana_version, open_store
from csana.store.figures import long_values, month_figures
from csana.store.layout import AGENT_TEXT, MonthFigures, Publication

PLATFORM_RULE = "platform"


def shop_key(dataset: Dataset, shop: str | None) -> str:
    """The shop a publication is filed under: ``shop`` when given, else the data's shop_id when it has exactly one,
    else ``''`` (data without shop_id, or several shops published together). So two single-shop folders sharing
    one store ($CSANA_STORE) never count each other's versions, and a report finds its shop's months."""
    if shop is not None:
        return shop
    found = shops(dataset)
    return found[0] if len(found) == 1 else ""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_hashes(dataset: Dataset, data: str | Path) -> dict[str, str]:
    """Each input file the dataset was read from → its sha256 (empty for data built in memory)."""
    base = Path(dataset.source) if str(data) == "demo" else Path(data)
    folder = base if base.is_dir() else base.parent
    found = {}
    for name in dict.fromkeys(dataset.files["file"].to_list() if dataset.files.height else []):
        path = Path(name) if Path(name).is_absolute() else folder / name
        if path.is_file():
            found[str(name)] = sha256(path)
    return found


def _insert(con, table: str, frame: pl.DataFrame, folder: Path) -> None:
    """Insert a polars frame by way of a Parquet file (DuckDB reads it natively; no Arrow bridge needed)."""
    if frame.height == 0:
        return
    path = folder / f"{table}.parquet"
    frame.write_parquet(path)
    con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet(?)", [str(path)])


def write_publication(con, figures: MonthFigures, *, shop: str, month: str, data: str, source: str, inputs: dict[str, str],
                      params: MetricParams, schemes: Sequence[tuple[str, Scheme]], note: str | None,
                      rule: str) -> tuple[int, int, dt.datetime]:
    """Insert one publication in one transaction; returns (publication_id, version, published_at)."""
    agents = figures.agents
    total_pay = float(agents["total_pay"].sum()) if agents["total_pay"].null_count() < agents.height else None
    now = dt.datetime.now().replace(microsecond=0)
    con.execute("BEGIN TRANSACTION")
    try:
        pid = con.execute("SELECT coalesce(max(publication_id), 0) + 1 FROM publications").fetchone()[0]
        version = con.execute("SELECT coalesce(max(version), 0) + 1 FROM publications WHERE shop = ? AND month = ?",
                              [shop, month]).fetchone()[0]
        con.execute(
            "INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [pid, shop, month, version, now, data, source, json.dumps(inputs, ensure_ascii=False),
             json.dumps(params.model_dump(mode="json"), ensure_ascii=False), rule,
             ",".join(name for name, _ in schemes), json.dumps([s.content_hash for _, s in schemes]), csana_version(),
             note, agents.height, total_pay],
        )
        with tempfile.TemporaryDirectory(prefix="csana-publish-") as tmp:
            folder = Path(tmp)
            _insert(con, "published_agents", agents.select(pl.lit(pid, pl.Int32).alias("publication_id"), "agent_id",
                                                           *AGENT_TEXT), folder)
            _insert(con, "published_values", long_values(figures).select(pl.lit(pid, pl.Int32).alias("publication_id"),
                                                                           pl.all()), folder)
            _insert(con, "published_schemes", pl.DataFrame(
                [(pid, i, name, s.content_hash, s.canonical()) for i, (name, s) in enumerate(schemes)],
                schema={"publication_id": pl.Int32, "position": pl.Int32, "name": pl.String, "content_hash": pl.String,
                        "canonical": pl.String}, orient="row"), folder)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return pid, version, now


def publish(dataset: Dataset, month: str, schemes: Sequence[tuple[str, Scheme]], params: MetricParams, path: Path, *,
            data: str | Path, shop: str | None = None, note: str | None = None, timeout: float | None = None) -> Publication:
    """Compute ``month`` and store it as the next version in the store at ``path`` (created when missing).

    ``data`` is the data as given ('demo' or a path: the inputs are hashed from it); ``shop`` names the
    shop when ``dataset`` is one shop of a multi-shop dataset (default: :func:`shop_key`). Scores use no targets file, as the report's do.
    """
    shop = shop_key(dataset, shop)
    figures = month_figures(dataset, month, params, schemes)
    inputs = input_hashes(dataset, data)
    rule = params.attribution_rule if dataset.can(Capability.ORDERS) else PLATFORM_RULE
    with open_store(path, read_only=False, timeout=timeout) as con:
        pid, version, now = write_publication(con, figures, shop=shop, month=month, data=str(data),
                                              source=dataset.source, inputs=inputs, params=params, schemes=schemes,
                                              note=note, rule=rule)
    pay = figures.agents["total_pay"]
    return Publication(pid, shop, month, version, now, str(data), dataset.source, inputs,
                       params.model_dump(mode="json"), rule,
                       tuple((name, s.content_hash, s.canonical()) for name, s in schemes), csana_version(), note,
                       figures.agents.height, float(pay.sum()) if pay.null_count() < pay.len() else None)
