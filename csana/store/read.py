"""Reading the store: publications, a published month's figures, an agent's history.

Reads open the file read-only and briefly (:func:`reading`): everything a caller needs is fetched
into polars frames, then the file is released for the next publish. Rows come back through plain
DuckDB fetches (no Arrow bridge), typed by the schemas below.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from csana.store.db import open_store
from csana.store.layout import AGENT_TEXT, HEADLINE, MonthFigures, Publication, wide

PUBLICATIONS = {
    "publication_id": pl.Int64, "shop": pl.String, "month": pl.String, "version": pl.Int64,
    "published_at": pl.Datetime("us"), "data": pl.String, "attribution_rule": pl.String, "schemes": pl.String,
    "scheme_hashes": pl.String, "csana_version": pl.String, "note": pl.String, "agents": pl.Int64, "total_pay": pl.Float64,
}


def _frame(cursor, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return pl.DataFrame(cursor.fetchall(), schema=schema, orient="row")


class StoreReader:
    """Queries on an open, read-only store connection (see :func:`reading`)."""

    def __init__(self, con, path: Path) -> None:
        self.con, self.path = con, path

    def publications(self, shop: str | None = None, month: str | None = None) -> pl.DataFrame:
        """Every publication (of ``shop`` and ``month`` when given), oldest first."""
        where, args = [], []
        for column, value in (("shop", shop), ("month", month)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        sql = (f"SELECT {', '.join(PUBLICATIONS)} FROM publications" + (f" WHERE {' AND '.join(where)}" if where else "")
               + " ORDER BY month, shop, version")
        return _frame(self.con.execute(sql, args), PUBLICATIONS)

    def latest(self, shop: str, month: str) -> Publication | None:
        """The latest version of ``month`` for ``shop`` ('' = the whole data), or None when never published."""
        row = self.con.execute(
            "SELECT publication_id FROM publications WHERE shop = ? AND month = ? ORDER BY version DESC LIMIT 1",
            [shop, month]).fetchone()
        return self.publication(row[0]) if row else None

    def publication(self, publication_id: int) -> Publication:
        row = self.con.execute(
            "SELECT publication_id, shop, month, version, published_at, data, source, inputs, params, attribution_rule,"
            " csana_version, note, agents, total_pay FROM publications WHERE publication_id = ?", [publication_id]).fetchone()
        schemes = self.con.execute(
            "SELECT name, content_hash, canonical FROM published_schemes WHERE publication_id = ? ORDER BY position",
            [publication_id]).fetchall()
        pid, shop, month, version, at, data, source, inputs, params, rule, made_by, note, agents, pay = row
        return Publication(pid, shop, month, version, at, data, source, json.loads(inputs or "{}"), json.loads(params or "{}"),
                           rule, tuple(tuple(s) for s in schemes), made_by, note, agents, pay)

    def figures(self, publication_id: int) -> MonthFigures:
        """The figures of one publication, laid out as :func:`csana.store.figures.month_figures` computes them."""
        values = _frame(self.con.execute(
            "SELECT scope, key, id, value FROM published_values WHERE publication_id = ?", [publication_id]),
            {"scope": pl.String, "key": pl.String, "id": pl.String, "value": pl.Float64})
        text = _frame(self.con.execute(
            f"SELECT agent_id, {', '.join(AGENT_TEXT)} FROM published_agents WHERE publication_id = ? ORDER BY agent_id",
            [publication_id]), {"agent_id": pl.String, **dict.fromkeys(AGENT_TEXT, pl.String)})
        agents = text.join(wide(values, "agent").rename({"key": "agent_id"}), on="agent_id", how="left")
        teams = wide(values, "team").rename({"key": "team"})
        shop = wide(values, "shop").drop("key")
        return MonthFigures(agents, shop, teams)

    def agents(self, shop: str | None = None) -> pl.DataFrame:
        """agent_id and name (as last published) of every agent in a publication, by agent_id."""
        rows = self.con.execute(
            "SELECT a.agent_id, arg_max(a.name, p.publication_id)"
            " FROM published_agents a JOIN publications p USING (publication_id)"
            + (" WHERE p.shop = ?" if shop is not None else "") + " GROUP BY a.agent_id ORDER BY a.agent_id",
            [shop] if shop is not None else [])
        return _frame(rows, {"agent_id": pl.String, "name": pl.String})

    def agent_history(self, agent_id: str, ids: Sequence[str], shop: str | None = None) -> pl.DataFrame:
        """One row per published version of a month holding ``agent_id``: month, version, published_at, latest
        (the month's latest version), the agent's text columns, then ``ids`` (headline scores and pay first)."""
        wanted = list(dict.fromkeys([*HEADLINE, *ids]))
        marks = ", ".join("?" for _ in wanted)
        rows = self.con.execute(
            f"""SELECT p.month, p.shop, p.version, p.published_at, p.version = max(p.version) OVER (PARTITION BY p.shop, p.month),
                       a.name, a.team, a.scheme, a.grade, v.id, v.value
                FROM publications p JOIN published_agents a USING (publication_id)
                LEFT JOIN published_values v ON v.publication_id = p.publication_id AND v.scope = 'agent'
                     AND v.key = a.agent_id AND v.id IN ({marks})
                WHERE a.agent_id = ?{' AND p.shop = ?' if shop is not None else ''}""",
            [*wanted, agent_id, *([shop] if shop is not None else [])])
        long = _frame(rows, {"month": pl.String, "shop": pl.String, "version": pl.Int64, "published_at": pl.Datetime("us"),
                             "latest": pl.Boolean, "name": pl.String, "team": pl.String, "scheme": pl.String,
                             "grade": pl.String, "id": pl.String, "value": pl.Float64})
        keys = ["month", "shop", "version", "published_at", "latest", "name", "team", "scheme", "grade"]
        if long.height == 0:
            return pl.DataFrame(schema={**long.drop("id", "value").schema, **dict.fromkeys(wanted, pl.Float64)})
        table = long.filter(pl.col("id").is_not_null()).pivot(on="id", index=keys, values="value", aggregate_function="first")
        table = long.select(keys).unique().join(table, on=keys, how="left", nulls_equal=True)
        missing = [pl.lit(None, pl.Float64).alias(c) for c in wanted if c not in table.columns]
        return table.with_columns(missing).select(*keys, *wanted).sort("month", "shop", "version")


@contextmanager
def reading(path: Path, timeout: float | None = None) -> Iterator[StoreReader]:
    """A read-only :class:`StoreReader` on the store at ``path`` (waiting while a publish holds it)."""
    with open_store(path, read_only=True, timeout=timeout) as con:
        yield StoreReader(con, path)


def published_label(publication: Publication, lang: str) -> str:
    """'2026-09 第 2 版（2026-10-03 18:00 发布）' / '2026-09 version 2 (published 2026-10-03 18:00)'."""
    when = publication.published_at.strftime("%Y-%m-%d %H:%M") if isinstance(publication.published_at, dt.datetime) else ""
    if lang == "zh":
        return f"{publication.month} 第 {publication.version} 版（{when} 发布）"
    return f"{publication.month} version {publication.version} (published {when})"
