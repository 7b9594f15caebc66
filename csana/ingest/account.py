"""The account of the rows a load read: counts per file, the usable-rows check, and summaries of
the rows set aside (for :func:`csana.ingest.raw.load`'s warnings, ``csana check`` and the report)."""

from __future__ import annotations

from typing import Any

import polars as pl

from csana.errors import CsanaError, located, printable
from csana.i18n import Note
from csana.ingest import cells
from csana.ingest.dataset import FILES_SCHEMA, Dataset
from csana.ingest.rules import RULES, fix, reason_in
from csana.ingest.schema import TABLES


def rejection_summary(dataset: Dataset | pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Rejected rows (of a dataset, or a rejected-rows frame) by file, column and reason: count, first rows, fix
    (reason and fix in ``lang``).

    Reasons naming one row (the row a duplicate repeats) are grouped under the rule's reason."""
    rejected = dataset.rejected if isinstance(dataset, Dataset) else dataset
    return _in_lang(_by_reason(rejected), lang).drop("rule")


def _by_reason(rejected: pl.DataFrame) -> pl.DataFrame:
    """Rejected rows grouped as :func:`rejection_summary` groups them, with each group's rule and English reason."""
    kind = (pl.when(pl.col("rule") == "duplicate_row").then(pl.lit(RULES["duplicate_row"].en))
            .otherwise(pl.col("reason").str.replace(r"\s*\(kept row .*\)$", "")))
    return (
        rejected.with_columns(kind.alias("kind"))
        .group_by("file", "table", "column", "kind", maintain_order=True)
        .agg(pl.len().alias("rows"), pl.col("row").sort().head(5).alias("first_rows"), pl.col("value").first().alias("example"),
             pl.col("rule").first().alias("rule"))
        .rename({"kind": "reason"})
    )


def _in_lang(summary: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Grouped rejected rows (:func:`_by_reason`) with their reason and fix in ``lang``."""
    fixes = [fix(r, c, lang) for r, c in zip(summary["rule"], summary["column"], strict=True)]
    return summary.with_columns(reason_in(lang).alias("reason"), pl.Series("fix", fixes, dtype=pl.String))


def file_counts(pieces: list[Any], rejected: pl.DataFrame) -> pl.DataFrame:
    """Rows read, used and rejected per file (used = read − rejected); ``pieces`` (input tables as a load
    remembers them) give each file's label, table, encoding and ``rows_read``."""
    counted = rejected.group_by("file").agg(pl.len().cast(pl.Int64).alias("rows_rejected"))
    files = pl.DataFrame(
        [{"file": p.label, "table": p.table, "encoding": p.encoding, "rows_read": p.rows_read}
         for p in pieces if p.table is not None],
        schema={k: FILES_SCHEMA[k] for k in ("file", "table", "encoding", "rows_read")},
    )
    return (
        files.join(counted, on="file", how="left")
        .with_columns(pl.col("rows_rejected").fill_null(0))
        .with_columns((pl.col("rows_read") - pl.col("rows_rejected")).alias("rows_used"))
        .select(list(FILES_SCHEMA))
        .cast(FILES_SCHEMA)
    )


def require_usable(files: pl.DataFrame, rejected: pl.DataFrame, tables: dict[str, pl.DataFrame]) -> None:
    """A file whose rows were all rejected, or a required table with no rows, is an error."""
    dead = files.filter(pl.col("rows_read") > 0, pl.col("rows_used") == 0)
    if dead.height:
        label, read = dead["file"][0], dead["rows_read"][0]
        bad = rejected.filter(pl.col("file") == label)
        top = bad.group_by("column", "rule", "reason").agg(pl.col("row").sort(), pl.col("value").first()).with_columns(
            pl.col("row").list.len().alias("n")).sort("n", descending=True).row(0, named=True)
        raise CsanaError(
            f"no usable rows: all {read} rows were set aside; most often: {top['reason']} "
            f"({top['n']} rows, e.g. {top['value']!r}{_looks_like(top['rule'], top['value'])})",
            file=label, column=top["column"], rows=top["row"], fix=fix(top["rule"], top["column"]),
        )
    for name, spec in TABLES.items():
        if spec.needed and tables[name].height == 0:
            raise CsanaError(
                f"the {name} table ({spec.zh}) has no data rows",
                file=", ".join(files.filter(pl.col("table") == name)["file"].to_list()),
                fix=f"export the {spec.zh} again with the rows of the period to analyse",
            )


def rejection_lines(rejected: pl.DataFrame) -> list[Note]:
    """One warning line per file × column × reason, in CsanaError's format (:func:`csana.errors.located`)."""
    if rejected.height == 0:
        return []
    grouped = _by_reason(rejected)
    english, chinese = _in_lang(grouped, "en"), _in_lang(grouped, "zh")

    def line(r: dict[str, Any], lang: str) -> str:
        found = _looks_like(r["rule"], r["example"], lang)
        said = (f"{r['rows']} 行被搁置：{r['reason']}" + (f"（如 {r['example']!r}{found}）" if found else "")) if lang == "zh" \
            else f"{r['rows']} row(s) set aside: {r['reason']}" + (f" (e.g. {r['example']!r}{found})" if found else "")
        return located(printable(said), file=printable(r["file"]), column=printable(r["column"]) if r["column"] else None,
                       rows=r["first_rows"], fix=printable(r["fix"]), lang=lang)
    return [Note(line(en, "en"), line(zh, "zh"))
            for en, zh in zip(english.iter_rows(named=True), chinese.iter_rows(named=True), strict=True)]


def _looks_like(rule: str | None, value: str | None, lang: str = "en") -> str:
    """": a day-first date …" — what an unreadable timestamp or date looks like (in ``lang``), or nothing."""
    what = cells.timestamp_found(value, lang) if rule in ("bad_timestamp", "bad_date") else None
    return ("：" if lang == "zh" else ": ") + what if what else ""
