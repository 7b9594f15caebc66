"""The payroll sheet (绩效工资表): the score table laid out for finance.

One row per agent: who, each indicator's value and score, total, percent, grade,
rank, status, then every pay part as its own column and the total pay. The sheet
names the scheme and its content hash so a payout traces to the exact scheme that
produced it: in XLSX as title rows above the table, in CSV as columns (a CSV has no
title rows). Text cells that a spreadsheet would run as formulas (= + - @) are
neutralised by :mod:`csana.writers`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csana.scoring.columns import PAY_PARTS, STATUS, score_labels, unjudged_text
from csana.scoring.scheme import Scheme
from csana.writers import write_table

DETAILS = ("ladder", "award", "reward", "penalty", "team_goal")


def payroll(scored: pl.DataFrame, scheme: Scheme, lang: str = "zh") -> pl.DataFrame:
    """The score table with display headers in ``lang``, one row per agent.

    Ratios stay numbers (percent as 0–100 with 2 decimals); statuses, missing
    indicators, failed gates and gates that could not be judged (门槛未判定: what the
    scheme did then) are spelled out in ``lang``.
    """
    labels = score_labels(scheme, lang)
    zh = lang == "zh"
    cols: list[pl.Expr] = [pl.col(c) for c in ("agent_id", "name", "team", "role", "month") if c in scored.columns]
    for ind in scheme.indicators:
        cols += [pl.col(f"{ind.id}.value").round(4), pl.col(f"{ind.id}.score")]
    cols += [pl.col("total").round(4), pl.col("full_score").round(4),
             (pl.col("percent") * 100).round(2).alias("percent"), pl.col("rank"), pl.col("grade"),
             _status(pl.col("status"), lang), _names(pl.col("missing"), _indicator_names(scheme, lang), lang),
             _names(pl.col("gates"), {g.id: g.label(lang) for g in scheme.gates}, lang),
             unjudged_text(scheme, lang).alias("gates_undetermined")]
    cols += [pl.col(p) for p, _, _ in PAY_PARTS]
    cols += [pl.col(c) for c in scored.columns if c.split(".", 1)[0] in DETAILS]
    table = scored.select(cols)
    headers = {c: labels.get(c, c) for c in table.columns}
    headers["percent"] = "得分率(%)" if zh else "Score (%)"
    return table.rename(headers)


def write_payroll(scored: pl.DataFrame, scheme: Scheme, path: str | Path, lang: str = "zh",
                  notes: list[str] | None = None) -> Path:
    """Write the payroll sheet (.xlsx with title rows, or .csv with scheme columns); notes about cells
    left empty (numbers that are not finite) go into ``notes``."""
    path = Path(path)
    table = payroll(scored, scheme, lang)
    months = sorted(set(scored["month"].drop_nulls().to_list())) if "month" in scored.columns else []
    zh = lang == "zh"
    if path.suffix.lower() == ".xlsx":
        title = [
            f"{'绩效工资表' if zh else 'Payroll'} — {scheme.label(lang)}" + (f" ({', '.join(months)})" if months else ""),
            f"{'方案版本' if zh else 'Scheme version'} sha256: {scheme.content_hash}",
            f"{'满分' if zh else 'Full score'} {scheme.full_score:g}; "
            + ("绩效工资 = 绩效满额 × 总分 / 满分" if zh else "performance pay = full performance pay × total / full score"),
        ]
        return write_table(table, path, title=title, sheet="绩效工资" if zh else "payroll", notes=notes)
    table = table.with_columns(pl.lit(scheme.label(lang)).alias("方案" if zh else "scheme"),
                               pl.lit(scheme.content_hash).alias("方案版本" if zh else "scheme_hash"))
    return write_table(table, path, notes=notes)


def _indicator_names(scheme: Scheme, lang: str) -> dict[str, str]:
    manual = scheme.manual_catalogue
    return {i.id: i.label(lang, manual) for i in scheme.indicators}


def _names(ids: pl.Expr, names: dict[str, str], lang: str) -> pl.Expr:
    """A comma-joined id list spelled out with display names."""
    if not names:
        return ids
    joined = ids.str.split(", ").list.eval(pl.element().replace(names)).list.join("、" if lang == "zh" else ", ")
    return joined.alias(ids.meta.output_name())


def _status(status: pl.Expr, lang: str) -> pl.Expr:
    index = 0 if lang == "zh" else 1
    return status.replace({code: text[index] for code, text in STATUS.items()})
