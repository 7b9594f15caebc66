"""Platform exports (docs/exports.md): per-agent performance tables of 赤兔, 千牛 … → the metric table.

Most shops only have the per-agent reports their CS tools export, not chat logs.
This module reads them into a :class:`~csana.ingest.dataset.Dataset` of kind ``"export"``
and aggregates them into the same per-agent table as the raw path, so scoring,
diagnostics, notebooks and reports work on either.

Terms:

*flavour* (source)
    one export format, described by a flavour file ``params/sources/<name>.yaml``
    (:class:`Flavour`): which header spellings mean which canonical field,
    how each is parsed, which rows are totals or peer benchmarks.
*row period*
    the days one export row covers: one day in daily reports, or a range
    (``period_start`` … ``period_end``, both included).
*customer-days*
    a people count summed over daily rows: a customer served on three days
    counts three times. Daily exports cannot give distinct customers per month.

Flow: read each file's cells as text → find the header row below any title rows →
pick the flavour (from the headers, unless given) → parse every cell with the parsers of
:mod:`csana.ingest.cells` → set aside totals, notes and bad rows (rules of
:mod:`csana.ingest.rules`), keep benchmarks apart →
complete each row exactly (counts from rate × base, 回复人数 from 接待 − 未回复) →
:func:`aggregate_export` sums the parts per agent and month and recomputes every
ratio from them, never averaging ratios or daily means."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csana.catalogue import CATALOGUE
from csana.errors import CsanaError, printable
from csana.exports.complete import complete, with_all_columns
from csana.exports.mapping import (
    IDENTITY_KINDS,
    TABLE,
    Flavour,
    flavours,
    load_flavour,
    normalize_header,
)
from csana.exports.read import (
    _data_files,
    _open,
    _parse_file,
    _pick_flavour,
    _report_sheets,
)
from csana.i18n import Note
from csana.ingest.columns import LoadParams
from csana.ingest.dataset import (
    EXPORT_CAPABILITIES,
    FILES_SCHEMA,
    REJECTED_SCHEMA,
    Dataset,
)
from csana.ingest.rows import CAUGHT
from csana.ingest.rules import RULES, TALLY_SCHEMA, tally

PEOPLE_IDS: tuple[str, ...] = tuple(c for c, m in CATALOGUE.items() if m.unit == "people")
"""People counts (measures of distinct customers, and metrics over them): customer-days when summed over days."""


def load_export(path: str | Path, flavour: str | Path | Flavour | None = None, *,
                source: str | Path | Flavour | None = None, params: LoadParams | None = None) -> Dataset:
    """Read one export file, or a folder of them, into a Dataset of kind ``"export"``.

    ``flavour`` (or its older name ``source``) names the export format (a file of
    params/sources/, e.g. ``"chitu"``, or the path of a mapping file); by default each
    file's flavour is detected from its headers. Tables:
    ``agent_period`` (one row per agent per row period: agent_id, name, shop_id, team,
    period_start, period_end, date (= the day, for one-day rows), file, row, flavour (the mapping
    file the row was read by), then every
    catalogue id, null where not given), ``benchmarks`` (peer rows such as 同行同层优秀,
    same columns with ``label``) and ``agents``. ``warnings`` lists unknown headers,
    placeholders, derived counts and that people counts summed over days are customer-days.
    ``params`` (default params/columns.yaml) gives the bound on numbers (``max_number``).
    """
    root = Path(path)
    if not root.exists():
        raise CsanaError("no such file or folder", file=str(path), fix="check the path")
    files = _data_files(root)
    if not files:
        raise CsanaError("no XLSX or CSV files found", file=str(path), fix="point to an export file or a folder of them")
    chosen = flavour if flavour is not None else source
    params = params or LoadParams.load()
    candidates = [load_flavour(chosen)] if chosen is not None else flavours()
    notes: list[str] = []
    parsed, encodings = [], {}
    for file_path in files:
        label = printable(file_path.name if root.is_file() else file_path.relative_to(root))
        sheets = _report_sheets(_open(file_path, label), candidates, label, notes)
        read = []
        for grid, header in sheets:
            headers = [None if c is None else str(c) for c in grid.head[header]]
            picked = candidates[0] if chosen is not None else _pick_flavour(headers, candidates, grid.label, notes)
            if len(sheets) > 1 and not _names_agents(headers, picked) and (read or grid is not sheets[-1][0]):
                headers = " / ".join(v.header for v in picked.fields["agent"].variants())
                notes.append(Note(f"{grid.label}: no agent column ({headers}); sheet not read",
                                  f"{grid.label}：没有客服列（{headers}）；该工作表未读取"))
                continue
            read.append(_parse_file(grid, picked, header, notes, params).with_columns(pl.lit(label).alias("_book")))
            encodings[grid.label] = grid.encoding
        if not read:  # no sheet names its agents: the first one's error says which column is missing
            grid, header = sheets[0]
            _parse_file(grid, candidates[0] if chosen is not None else _pick_flavour(
                [None if c is None else str(c) for c in grid.head[header]], candidates, grid.label, []), header, [], params)
        parsed += read
    rows = pl.concat(parsed, how="diagonal_relaxed").with_row_index("_order")
    return _dataset(rows, str(path), encodings, notes, {m.name: m.underived for m in candidates if m.underived})


def _names_agents(headers: list[str | None], flavour: Flavour) -> bool:
    """Whether a header row has one of the flavour's agent headers."""
    agent = {normalize_header(v.header) for v in flavour.fields["agent"].variants()}
    return any(normalize_header(h) in agent for h in headers if h not in (None, ""))


def _dataset(rows: pl.DataFrame, source: str, encodings: dict[str, str | None], notes: list[str],
             underived: dict[str, tuple[str, ...]]) -> Dataset:
    rows = _with_agent_ids(with_all_columns(rows.with_columns(
        *[pl.lit(None, pl.String).alias(c) for c in ("agent", "team", "caught", "_caught_rows", "_caught_scope")
          if c not in rows.columns])))
    bad = rows.filter(pl.col("problem_column").is_not_null())
    merged = _merge_sheets(rows.filter(pl.col("kind").is_in(["agent", "benchmark"]) & pl.col("problem_column").is_null()))
    kept, duplicates = _without_duplicates(merged)
    agents = kept.filter(pl.col("kind") == "agent")
    _check_overlaps(agents)
    if agents.height == 0:
        raise CsanaError("no agent rows could be used", file=source,
                         fix="see the rejected rows: every row was a total, a benchmark or had a bad value")
    completed, derived_notes = complete(agents, underived)
    duplicates = duplicates.explode("_members").with_columns(
        pl.col("_members").struct.field("file").alias("file"), pl.col("_members").struct.field("row").alias("row"))
    rejected = _rejected(rows, bad, duplicates)
    notes += derived_notes + _customer_days_note(completed)
    identity = ["agent_id", "name", "shop_id", "team", "period_start", "period_end", "date", "file", "row", "flavour"]
    completed = completed.with_columns(
        pl.when(pl.col("period_start") == pl.col("period_end")).then(pl.col("period_start")).alias("date"),
        pl.col("_flavour").alias("flavour"),
    ).sort("period_start", "agent_id").select([*identity, *CATALOGUE])
    benchmarks = kept.filter(pl.col("kind") == "benchmark").select(
        pl.col("agent").alias("label"), "period_start", "period_end", "file", "row", *CATALOGUE)
    agent_table = completed.group_by("agent_id", maintain_order=True).agg(
        pl.col("name").first(), pl.col("team").drop_nulls().first()).sort("agent_id")
    return Dataset(
        tables={TABLE: completed, "benchmarks": benchmarks, "agents": agent_table},
        source=source, capabilities=EXPORT_CAPABILITIES, rejected=rejected,
        files=_files_table(rows, kept.select(pl.col("_members").explode().struct.field("file")), rejected, encodings),
        warnings=list(dict.fromkeys(notes)), tallies=_tallies(rows, duplicates),
    )


def _without_duplicates(rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(first rows, later duplicates) per agent or benchmark and period, in load order: the same
    report exported twice into one folder is counted once."""
    keys = ["kind", "agent_id", "period_start", "period_end"]
    ranked = rows.sort("_order").with_columns(
        pl.col("file").first().over(keys).alias("_first_file"), pl.col("row").first().over(keys).alias("_first_row"),
        pl.int_range(pl.len()).over(keys).alias("_dup"),
    )
    return ranked.filter(pl.col("_dup") == 0), ranked.filter(pl.col("_dup") > 0)


def _merge_sheets(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows of one agent (or benchmark) and period from different sheets of one workbook, as one row: each
    field from the first sheet giving it (京东's WaiterDimWorkload4Jingmai keeps workload, attendance and
    daily-report columns on separate sheets). ``_members`` lists the (file, row) of the rows merged; rows of
    other workbooks, and repeats within a sheet, are not merged (they are duplicates)."""
    keys = ["_book", "kind", "agent_id", "period_start", "period_end"]
    ranked = rows.sort("_order").with_columns(pl.int_range(pl.len()).over([*keys, "file"]).alias("_rank"))
    others = [c for c in ranked.columns if c not in (*keys, "_rank", "_order", "file", "row")]
    return ranked.group_by([*keys, "_rank"], maintain_order=True).agg(
        pl.col("_order").min(), pl.col("file").first(), pl.col("row").first(),
        pl.struct("file", "row").alias("_members"),
        *[pl.col(c).drop_nulls().first() for c in others],
    ).drop("_rank").sort("_order")


def _with_agent_ids(rows: pl.DataFrame) -> pl.DataFrame:
    """agent_id = the name after the shop prefix ("店铺名:小美" → 小美; split by the reader, per flavour), kept
    whole when that name appears under several shops (an agency serving many shops) or in the files of several
    flavours (a folder mixing platforms: 生意参谋's 旗舰店:小美 is not 抖店's 小美); a name without a shop in such
    a folder is prefixed with its flavour (doudian:小美)."""
    shops = pl.col("shop_id").drop_nulls().n_unique().over("name") > 1
    platforms = pl.col("_flavour").n_unique().over("name") > 1
    return rows.with_columns(
        pl.when(~(shops | platforms)).then(pl.col("name"))
        .when(pl.col("shop_id").is_not_null()).then(pl.col("agent"))
        .when(platforms).then(pl.concat_str(pl.col("_flavour"), pl.lit(":"), pl.col("name")))
        .otherwise(pl.col("name")).alias("agent_id"))


def _check_overlaps(agents: pl.DataFrame) -> None:
    """Rows of one agent whose periods overlap (a monthly file next to daily files) would count twice."""
    ordered = agents.sort("agent_id", "period_start", "period_end").with_columns(
        pl.col("period_end").cum_max().shift(1).over("agent_id").alias("_prev_end"),
        pl.col("file").shift(1).over("agent_id").alias("_prev_file"),
        pl.col("row").shift(1).over("agent_id").alias("_prev_row"),
    )
    clash = ordered.filter(pl.col("period_start") <= pl.col("_prev_end"))
    if clash.height:
        r = clash.row(0, named=True)
        raise CsanaError(
            f"rows of agent {r['agent_id']} cover overlapping days ({r['period_start']}…{r['period_end']} in {r['file']} "
            f"row {r['row']}, and {r['_prev_file']} row {r['_prev_row']}); they would be counted twice",
            file=r["file"], rows=[r["row"]], fix="load either the daily files or the period files, not both",
        )


def _first_text(rows: pl.DataFrame) -> pl.Expr:
    """A note row's text when it is in neither the agent nor the date column (its first cell, e.g. 序号)."""
    return pl.col("_note") if "_note" in rows.columns else pl.lit(None, pl.String)


def _rejected(rows: pl.DataFrame, bad: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    def shaped(frame: pl.DataFrame, column: pl.Expr, rule: pl.Expr, reason: pl.Expr, value: pl.Expr) -> pl.DataFrame:
        return frame.select(pl.col("file"), pl.lit(TABLE).alias("table"), pl.col("row").cast(pl.Int64), column.alias("column"),
                            rule.alias("rule"), reason.alias("reason"), value.cast(pl.String).alias("value"))

    def by_kind(kind: str, rule: str, value: pl.Expr) -> pl.DataFrame:
        return shaped(rows.filter(pl.col("kind") == kind), pl.lit("agent"), pl.lit(rule), pl.lit(RULES[rule].en), value)

    label = pl.coalesce(pl.col("agent"), pl.col("_date_text") if "_date_text" in rows.columns else pl.lit(None, pl.String))
    summaries = rows.filter(pl.col("kind") == "summary")
    parts = [
        shaped(summaries, pl.lit("agent"), pl.lit("summary_row"), summary_reason(), label),
        by_kind("note", "note_row", pl.coalesce(label, _first_text(rows))),
        by_kind("no_agent", "no_agent", pl.lit(None, pl.String)),
        shaped(bad, pl.col("problem_column"), pl.col("problem_rule"), pl.col("problem_reason"), pl.col("problem_value")),
        shaped(duplicates, pl.lit("agent"), pl.lit("duplicate_row"),
               pl.format("duplicate: same agent and period as {} row {}", pl.col("_first_file"), pl.col("_first_row")),
               pl.col("agent")),
    ]
    return pl.concat(parts).cast(REJECTED_SCHEMA).sort("file", "row")  # type: ignore[arg-type]


def summary_reason() -> pl.Expr:
    """The reason of a summary row: the rule's, and how it was caught (:data:`csana.ingest.rows.CAUGHT`) — for
    a total or mean by value, of how many rows ("…the sum of the other agent rows (3 rows of 2024-10-01)")."""
    how = pl.col("caught").replace_strict({k: v[0] for k, v in CAUGHT.items()}, default=None, return_dtype=pl.String)
    day = pl.when(pl.col("period_start") == pl.col("period_end")).then(pl.col("period_start").cast(pl.String)) \
        .otherwise(pl.format("{}~{}", pl.col("period_start"), pl.col("period_end")))
    scope = pl.coalesce(pl.col("_caught_scope"), day)
    detail = pl.when(pl.col("_caught_rows").is_not_null()).then(pl.format(" ({} rows of {})", pl.col("_caught_rows"), scope)) \
        .otherwise(pl.lit(""))
    return pl.format("{}, {}{}", pl.lit(RULES["summary_row"].en), how.fill_null("by its label"), detail)


KIND_RULES = {"summary": "summary_row", "benchmark": "benchmark_row", "note": "note_row", "no_agent": "no_agent"}
"""The row rule of each kind of row that is not an agent's (see :mod:`csana.ingest.rows`)."""


def _tallies(rows: pl.DataFrame, duplicates: pl.DataFrame) -> pl.DataFrame:
    """Rows checked and failing per file and rule: the row kinds over every row read, the cell rules over
    agent rows, duplicates over the agent and benchmark rows left."""
    cell_rules = [c.removeprefix("_fail_") for c in rows.columns if c.startswith("_fail_")]
    per_file = rows.group_by("file", maintain_order=True).agg(
        pl.len().alias("_read"), (pl.col("kind") == "agent").sum().alias("_agents"),
        *[(pl.col("kind") == kind).sum().alias(rule) for kind, rule in KIND_RULES.items()],
        *[pl.col(f"_fail_{r}").sum().alias(r) for r in cell_rules],
        (pl.col("kind").is_in(["agent", "benchmark"]) & pl.col("problem_column").is_null()).sum().alias("_unique"),
    )
    repeats = dict(duplicates.group_by("file").len().iter_rows())
    out = []
    for r in per_file.iter_rows(named=True):
        out += [tally(r["file"], TABLE, r["_read"], {rule: r[rule] for rule in KIND_RULES.values()}),
                tally(r["file"], TABLE, r["_agents"], {rule: r[rule] for rule in cell_rules}),
                tally(r["file"], TABLE, r["_unique"], {"duplicate_row": repeats.get(r["file"], 0)})]
    return pl.concat(out) if out else pl.DataFrame(schema=TALLY_SCHEMA)


def _files_table(rows: pl.DataFrame, used: pl.DataFrame, rejected: pl.DataFrame, encodings: dict[str, str | None]) -> pl.DataFrame:
    """Per file: rows read (non-blank rows below the header) = rows used + rows rejected."""
    labels = pl.DataFrame({"file": list(encodings), "encoding": list(encodings.values())}, schema={"file": pl.String, "encoding": pl.String})
    counts = [rows.group_by("file").len("rows_read"), used.group_by("file").len("rows_used"),
              rejected.group_by("file").len("rows_rejected")]
    table = labels.with_columns(pl.lit(TABLE).alias("table"))
    for part in counts:
        table = table.join(part, on="file", how="left")
    return table.with_columns(pl.col("rows_read", "rows_used", "rows_rejected").fill_null(0)).select(list(FILES_SCHEMA)).cast(FILES_SCHEMA)  # type: ignore[arg-type]


def _customer_days_note(rows: pl.DataFrame) -> list[Note]:
    months = rows.group_by("agent_id", pl.col("period_start").dt.strftime("%Y-%m")).len()
    if months.filter(pl.col("len") > 1).height == 0:
        return []
    given = [CATALOGUE[m] for m in PEOPLE_IDS if rows[m].is_not_null().any()]
    names, names_en = "、".join(m.zh for m in given), ", ".join(m.en for m in given)
    return [Note(f"people counts ({names_en}) summed over several rows per month are customer-days, not distinct "
                 "customers: a customer served on three days counts three times",
                 f"人数（{names}）按月把多行相加，是“人天”而不是去重的人数：一位顾客在三天里被接待就计三次")]


def _looks_like_export(path: Path, candidates: list[Flavour]) -> bool:
    """A file with a visible sheet whose first rows hold an agent header and at least two metric headers
    of a flavour."""
    try:
        grids = _open(path, printable(path.name))
    except CsanaError:
        return False
    for flavour in candidates:
        lookup = flavour.lookup()
        for row in (row for grid in grids for row in grid.head):
            fields = {lookup[k][0] for k in (normalize_header(c) for c in row if c not in (None, "")) if k in lookup}
            if "agent" in fields and len(fields - set(IDENTITY_KINDS)) >= 2:
                return True
    return False


def is_export(path: str | Path) -> bool:
    """Whether ``path`` (a file, or a folder whose files all are) is a platform export."""
    files = _data_files(Path(path)) if Path(path).exists() else []
    candidates = flavours()
    return bool(files) and all(_looks_like_export(f, candidates) for f in files)


def load_any(path: str | Path, params: LoadParams | None = None) -> Dataset:
    """Load DATA of ``csana metrics``: platform exports with :func:`load_export`, else raw logs
    with :func:`csana.ingest.raw.load` (read with ``params``, default params/columns.yaml)."""
    root = Path(path)
    files = _data_files(root) if root.exists() else []
    candidates = flavours()
    flags = [_looks_like_export(f, candidates) for f in files]
    if flags and all(flags):
        return load_export(root, params=params)
    if any(flags):
        exports = [f.name for f, e in zip(files, flags, strict=True) if e]
        raise CsanaError(f"the folder mixes platform exports ({', '.join(exports[:3])}) with other files",
                         file=str(path), fix="put exports and raw chat logs/orders in separate folders")
    from csana.ingest.raw import load

    return load(root, params)
