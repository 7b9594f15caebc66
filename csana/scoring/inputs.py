"""The inputs of a score: the metric table checked, and manual scores and targets joined to it as columns.

``score`` reads three tables (see :func:`csana.scoring.scorecard.score`): the
per-agent metric table, the manual_scores table (``agent_id``, ``month``,
``indicator``, ``value``) and the targets table (``indicator``, ``target`` and
optionally ``agent_id``, ``team``, ``month``). Each problem is one CsanaError
naming the table, the column, the rows and the fix (rows of manual_scores and
targets are numbered as a spreadsheet shows them: the header is row 1).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from csana.catalogue import CATALOGUE
from csana.errors import CsanaError
from csana.scoring.columns import F64, TENURE, manual_col, target_col
from csana.scoring.rules import team_formula
from csana.scoring.scheme import Scheme

__all__ = ["applicable", "check_metrics", "join_manual", "join_targets", "read_targets", "with_tenure"]


def _needed_columns(scheme: Scheme) -> list[str]:
    """Metric columns the scheme reads, in first-use order."""
    cols: list[str] = []
    for ind in scheme.indicators:
        cols += [c for c in (ind.metric, ind.sample_column) if c]
    for item in scheme.value_rules:
        kind, name = item.ref
        if kind == "metric":
            cols.append(name)
    if scheme.commission is not None:
        cols.append(scheme.commission.metric)
    for goal in scheme.team_goals:
        cols += list(team_formula(goal.metric) or ())
    return list(dict.fromkeys(cols))


def check_metrics(metrics: pl.DataFrame, scheme: Scheme) -> pl.DataFrame:
    """``metrics`` when it holds every numeric column the scheme reads and one row per agent (and month)."""
    if not isinstance(metrics, pl.DataFrame):
        raise CsanaError(f"metrics must be a polars DataFrame, got {type(metrics).__name__}",
                         fix="pass the table csana.agent_metrics returns")
    missing = [c for c in ("agent_id", *_needed_columns(scheme)) if c not in metrics.columns]
    if missing:
        raise CsanaError(f"the metric table lacks column(s) {', '.join(missing)} that scheme '{scheme.name}' reads",
                         column=missing[0],
                         fix="compute it with csana.agent_metrics (every catalogue metric, with components), "
                             "or remove those lines from the scheme")
    text = [c for c in _needed_columns(scheme) if not (metrics.schema[c].is_numeric() or metrics.schema[c] == pl.Null)]
    if text:
        raise CsanaError(f"column(s) {', '.join(text)} hold {metrics.schema[text[0]]}, not numbers", column=text[0],
                         fix="convert them to numbers (csana.agent_metrics yields numbers)")
    keys = ["agent_id", *(["month"] if "month" in metrics.columns else [])]
    if metrics.select(pl.struct(keys).is_duplicated().any()).item():
        dupes = metrics.filter(pl.struct(keys).is_duplicated())
        rows = (metrics.with_row_index("row", offset=1).filter(pl.struct(keys).is_duplicated())["row"].to_list())
        raise CsanaError(f"agent(s) {', '.join(map(str, dupes['agent_id'].unique().to_list()[:5]))} appear more than once"
                         f" per {' and '.join(keys[1:]) or 'table'}", column="agent_id", rows=rows,
                         fix="give one row per agent (and month)")
    return metrics


def with_tenure(frame: pl.DataFrame, scheme: Scheme, agents: pl.DataFrame | None) -> pl.DataFrame:
    """The metric table with the working column TENURE (days from hire to the scored month's last day) when the
    scheme reads it: from a ``hired_at`` column of the table, else from ``agents`` (agent_id, hired_at). Null
    where the hire date or the month is unknown."""
    if not scheme.needs_tenure:
        return frame
    hired = frame.select("agent_id", "hired_at") if "hired_at" in frame.columns else None
    if hired is None and agents is not None and {"agent_id", "hired_at"} <= set(agents.columns):
        hired = agents.select(pl.col("agent_id").cast(pl.String), "hired_at").unique("agent_id", keep="first")
    if hired is None or "month" not in frame.columns:
        return frame.with_columns(pl.lit(None, pl.Int64).alias(TENURE))
    month_end = pl.col("month").cast(pl.String).str.to_date("%Y-%m", strict=False).dt.month_end()
    joined = frame.join(hired.rename({"hired_at": "__hired"}), on="agent_id", how="left", maintain_order="left") \
        if "hired_at" not in frame.columns else frame.with_columns(pl.col("hired_at").alias("__hired"))
    days = (month_end - pl.col("__hired").cast(pl.Date)).dt.total_days()
    return joined.with_columns(days.cast(pl.Int64).alias(TENURE)).drop("__hired")


def applicable(frame: pl.DataFrame, scheme: Scheme) -> pl.DataFrame:
    """The agents ``applies_to`` selects (unknown role or team kept; a newcomer scheme keeps only agents hired
    within its days, so an unknown hire date is left out)."""
    keep = [pl.col(column).is_null() | pl.col(column).cast(pl.String).is_in(list(wanted))
            for column, wanted in (("role", scheme.applies_to.roles), ("team", scheme.applies_to.teams))
            if wanted and column in frame.columns]
    within = scheme.applies_to.hired_within_days
    if within is not None:
        keep.append((pl.col(TENURE) <= within).fill_null(False))
    return frame.filter(keep) if keep else frame


def _manual_used(scheme: Scheme) -> list[str]:
    """Manual indicators the scheme reads (indicators and value references), in first-use order."""
    used = [ind.manual for ind in scheme.indicators if ind.manual]
    used += [item.ref[1] for item in scheme.value_rules if item.ref[0] == "manual"]
    return list(dict.fromkeys(used))


def join_manual(lf: pl.LazyFrame, frame: pl.DataFrame, scheme: Scheme, manual: pl.DataFrame | None) -> pl.LazyFrame:
    """Attach each used manual indicator as a column (null where an agent has no score)."""
    used = _manual_used(scheme)
    if not used:
        return lf
    nulls = [pl.lit(None, dtype=F64).alias(manual_col(m)) for m in used]
    if manual is None or manual.height == 0:
        return lf.with_columns(nulls)
    _require(manual, ("agent_id", "indicator", "value"), "manual_scores")
    rows = manual.with_row_index("__row", offset=2).filter(pl.col("indicator").is_in(used))
    by_month = "month" in frame.columns and "month" in manual.columns
    if not by_month and "month" in rows.columns and rows["month"].n_unique() > 1:
        raise CsanaError(f"manual_scores hold months {', '.join(sorted(rows['month'].drop_nulls().unique()))} "
                         "but the metric table has no month column", file="manual_scores", column="month",
                         fix="pass only the scored month's manual scores")
    keys = ["agent_id", *(["month"] if by_month else [])]
    dupes = rows.filter(pl.struct([*keys, "indicator"]).is_duplicated())
    if dupes.height:
        raise CsanaError("an agent has more than one score for the same indicator and month", file="manual_scores",
                         column="indicator", rows=dupes["__row"].to_list(), fix="keep one value per agent, month and indicator")
    values = _as_float(rows, "value", "manual_scores")
    wide = (values.select(*keys, "indicator", "value")
            .pivot(on="indicator", index=keys, values="value")
            .rename({m: manual_col(m) for m in used if m in set(values["indicator"].to_list())}))
    wide = wide.with_columns([n for n, m in zip(nulls, used) if manual_col(m) not in wide.columns])
    wide = wide.with_columns(pl.col(keys).cast(pl.String), pl.col(manual_col(m) for m in used).cast(F64))
    return lf.join(wide.lazy(), on=keys, how="left", maintain_order="left")


def join_targets(lf: pl.LazyFrame, frame: pl.DataFrame, scheme: Scheme, targets: pl.DataFrame | None) -> pl.LazyFrame:
    """Attach ``<id>.target`` for target-basis indicators: agent > team > shop > scheme default."""
    wanted = [ind for ind in scheme.indicators if ind.basis == "target"]
    if not wanted:
        return lf
    defaults = [pl.lit(ind.target, dtype=F64).alias(target_col(ind)) for ind in wanted]
    if targets is None or targets.height == 0:
        return lf.with_columns(defaults)
    _require(targets, ("indicator", "target"), "targets")
    known = {ind.id for ind in scheme.indicators} | set(CATALOGUE) | set(scheme.manual_catalogue)
    unknown = targets.with_row_index("__row", offset=2).filter(~pl.col("indicator").is_in(sorted(known)))
    if unknown.height:
        raise CsanaError(f"unknown indicator(s) {', '.join(sorted(set(unknown['indicator'].cast(pl.String).to_list()), key=str))}",
                         file="targets", column="indicator", rows=unknown["__row"].to_list(),
                         fix=f"use the scheme's indicator ids: {', '.join(i.id for i in wanted)}")
    t = _as_float(targets.with_row_index("__row", offset=2), "target", "targets")
    for col in ("agent_id", "team", "month"):
        t = t.with_columns((pl.col(col).cast(pl.String) if col in t.columns else pl.lit(None, dtype=pl.String)).alias(col))
    t = t.filter(pl.col("indicator").is_in([i.id for i in wanted]))
    dupes = t.filter(pl.struct("agent_id", "team", "month", "indicator").is_duplicated())
    if dupes.height:
        raise CsanaError("more than one target for the same agent/team, month and indicator", file="targets",
                         rows=dupes["__row"].to_list(), fix="keep one target per row key")
    base = frame.select("agent_id", *(["month"] if "month" in frame.columns else []),
                        (pl.col("team").cast(pl.String) if "team" in frame.columns else pl.lit(None, dtype=pl.String)).alias("team"))
    if "month" not in base.columns:
        base = base.with_columns(pl.lit(None, dtype=pl.String).alias("month"))
        t = t.with_columns(pl.lit(None, dtype=pl.String).alias("month"))
    levels = (
        t.filter(pl.col("agent_id").is_not_null()).join(base.select("agent_id", pl.col("month").alias("m")), on="agent_id")
        .with_columns(pl.lit(0).alias("level")),
        t.filter(pl.col("agent_id").is_null() & pl.col("team").is_not_null()).drop("agent_id")
        .join(base.select("agent_id", "team", pl.col("month").alias("m")), on="team")
        .with_columns(pl.lit(2).alias("level")),
        t.filter(pl.col("agent_id").is_null() & pl.col("team").is_null()).drop("agent_id")
        .join(base.select("agent_id", pl.col("month").alias("m")), how="cross")
        .with_columns(pl.lit(4).alias("level")),
    )
    cols = ["agent_id", "m", "month", "indicator", "target", "level"]
    cand = pl.concat([lv.select(cols) for lv in levels])
    cand = (cand.filter(pl.col("month").is_null() | pl.col("m").is_null() | (pl.col("month") == pl.col("m")))
            .with_columns(pl.col("level") + pl.col("month").is_null().cast(pl.Int32))
            .sort("level").group_by("agent_id", "m", "indicator", maintain_order=True).first())
    keys = ["agent_id", *(["month"] if "month" in frame.columns else [])]
    wide = (cand.rename({"m": "__m"}).select("agent_id", "__m", "indicator", "target")
            .pivot(on="indicator", index=["agent_id", "__m"], values="target"))
    present = set(wide.columns)
    wide = wide.rename({"__m": "month"}) if "month" in keys else wide.drop("__m")
    wide = wide.rename({i.id: f"__t.{i.id}" for i in wanted if i.id in present})
    lf = lf.join(wide.lazy().with_columns(pl.col(keys).cast(pl.String)), on=keys, how="left", maintain_order="left")
    return lf.with_columns(
        (pl.coalesce(pl.col(f"__t.{i.id}").cast(F64), pl.lit(i.target, dtype=F64)) if i.id in present
         else pl.lit(i.target, dtype=F64)).alias(target_col(i))
        for i in wanted
    )


def read_targets(path: str | Path) -> pl.DataFrame:
    """Read a targets table (CSV in UTF-8/GBK, or XLSX): indicator, target [, agent_id, team, month]."""
    path = Path(path)
    if not path.exists():
        raise CsanaError("targets file not found", file=str(path), fix="check the path")
    text_cols = {"agent_id": pl.String, "team": pl.String, "month": pl.String, "indicator": pl.String}
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xls", ".csv", ".txt"):
        raise CsanaError(f"cannot read '{suffix}' targets", file=str(path), fix="use a .csv or .xlsx file")
    try:
        if suffix in (".xlsx", ".xls"):
            frame = pl.read_excel(path)
            frame = frame.with_columns(pl.col(c).cast(pl.String) for c in text_cols if c in frame.columns)
        else:
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030")
            frame = pl.read_csv(io.StringIO(text), schema_overrides=text_cols, infer_schema_length=None)
    except Exception as exc:  # noqa: BLE001 — decoding, polars and fastexcel each raise their own types
        detail = " ".join(str(exc).split())[:200]
        raise CsanaError(f"not a readable targets table ({type(exc).__name__}: {detail})", file=str(path),
                         fix="save it from Excel as .xlsx or CSV UTF-8 with columns indicator, target") from None
    _require(frame, ("indicator", "target"), str(path))
    return frame


def _require(frame: pl.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CsanaError(f"missing column(s) {', '.join(missing)}", file=name, column=missing[0],
                         fix=f"{name} needs columns {', '.join(columns)}")


def _as_float(frame: pl.DataFrame, column: str, name: str) -> pl.DataFrame:
    cast = frame.with_columns(pl.col(column).cast(F64, strict=False).alias("__num"))
    bad = cast.filter(pl.col("__num").is_null() & pl.col(column).is_not_null())
    if bad.height:
        rows = bad["__row"].to_list() if "__row" in bad.columns else None
        raise CsanaError("not a number", file=name, column=column, rows=rows, fix="write plain numbers")
    return cast.with_columns(pl.col("__num").alias(column)).drop("__num")
