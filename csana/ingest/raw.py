"""Loading raw logs (docs/inputs.md): files → validated canonical tables, every row accounted for.

:func:`load` reads a folder (or one file, or a list of files) of CSV, XLSX and
Parquet into a :class:`~csana.ingest.dataset.Dataset`:

1. **Find** the files (sub-folders included; hidden files and Excel lock files
   skipped) and read each into input tables (:mod:`csana.ingest.inputs`): each CSV in its
   encoding (UTF-8, UTF-8 with BOM, UTF-16, GBK/GB18030 as Chinese Excel writes it, else
   charset-normalizer's guess), each XLSX sheet and each Parquet file. Title rows and
   merged cells above the header are skipped: the header is the first row naming at least
   two known columns.
2. **Identify** which table each input table is: by file or sheet name (``messages_2026-10.csv``,
   ``10月聊天记录.xlsx``), else by its columns. Several files of one table are stacked.
3. **Map** headers to canonical names through ``params/columns.yaml``
   (:class:`~csana.ingest.columns.LoadParams`). Unknown extra columns are dropped and listed
   in ``Dataset.warnings``.
4. **Parse and check** every value with the parsers of :mod:`csana.ingest.cells` and the row
   rules of :mod:`csana.ingest.rules`. A row that breaks a rule is *rejected*: set aside in
   ``Dataset.rejected`` with its file, spreadsheet row number (header = row 1), column, rule,
   reason and value. A row with several problems is rejected once, for the first problem
   found (columns in canonical order, then row rules, then duplicates, then cross-table
   rules): fix it and load again to see the next. ``Dataset.tallies`` counts, per rule, the
   rows checked and failing (the validation report of ``csana check``).
5. **Cross-check** tables: duplicate unique keys (all but the first valid row are
   rejected, naming the row kept), reminders/reviews/disputes of orders not in the
   orders table (rejected), agents missing from the agents table (a warning).

Counts reconcile per file: ``rows_used + rows_rejected = rows_read``, where rows read
are the data rows below the header that hold at least one value (fully blank rows are
not data and are not counted). Problems that make the whole load meaningless — no
files, an empty file, a missing required column or table, a file whose rows are all
rejected — raise one :class:`~csana.errors.CsanaError` naming the file, column, rows
and fix.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csana.errors import CsanaError, printable
from csana.i18n import Note
from csana.ingest import cells
from csana.ingest.account import file_counts, rejection_lines, rejection_summary, require_usable
from csana.ingest.cache import CachedPiece, FileEntry, PieceCheck, Store, open_store
from csana.ingest.columns import LoadParams, TableAliases, normalize_name
from csana.ingest.dataset import REJECTED_SCHEMA, Dataset
from csana.ingest.inputs import (
    FILE,
    ROW,
    InputTable,
    find_files,
    identify,
    label_of,
    read_inputs,
    require_tables,
)
from csana.ingest.rows import is_summary_label
from csana.ingest.rules import RULES, TALLY_SCHEMA, fix, tally
from csana.ingest.schema import DATETIME, TABLES, Table

__all__ = ["LoadParams", "conform_frame", "load", "rejection_summary"]

NULLABLE = {("orders", "paid_at")}
"""Required columns whose cells may be empty (an unpaid order has no paid_at)."""
FREE_TEXT = {"text", "reason"}
"""Columns where "-" or "无" is content, not a missing value."""
UNKNOWN_SHOWN = 30
"""Unknown columns named in the warning about them (a file may have thousands)."""
PER_AGENT = {"agents", "online", "manual_scores"}
"""Tables of one row per agent (and day or month), where a total row (合计, 总计) may sit among the agents."""
Checked = tuple[pl.DataFrame, pl.DataFrame]
"""Good rows (canonical columns plus ``__row``/``__file``) and rejected rows (REJECTED_SCHEMA)."""


# -- public API --------------------------------------------------------------------------


def load(path: str | Path | Sequence[str | Path], params: LoadParams | None = None, cache: bool | None = None) -> Dataset:
    """Read raw logs (a folder, a file, or a list of files) into a validated :class:`Dataset`.

    ``messages`` and ``orders`` are required; agents, reminders, reviews, disputes,
    manual_scores, lost_reasons and online are used when present. Bad rows are set
    aside with reasons in ``Dataset.rejected``; ``Dataset.files`` counts rows read,
    used and rejected per file; ``Dataset.warnings`` lists ignored columns, agents
    missing from the agents table and one line per kind of rejected row.

    ``cache``: keep and reuse validated tables in the load cache (:mod:`csana.ingest.cache`);
    None (default) uses it unless ``CSANA_CACHE=off``. A cached load gives the same Dataset.
    """
    params = params or LoadParams.load()
    root, paths = find_files(path)
    source = printable(root)
    store = open_store(cache, params.model_dump_json())
    labels = [label_of(p, root) for p in paths]
    keys = [store.file_key(p, label) for p, label in zip(paths, labels, strict=True)] if store else []
    load_key = store.load_key(source, keys) if store else ""
    if store and (hit := store.get_load(load_key)) is not None:
        return Dataset(tables=hit["tables"], source=source, rejected=hit["rejected"], files=hit["files"],
                       warnings=hit["warnings"], tallies=hit["tallies"])
    warnings: list[str] = []
    entries: list[FileEntry] = []
    fresh: dict[int, InputTable | None] = {}
    """The input tables read afresh (not from a file entry), by their entry's piece; None once checked."""
    for i, path_ in enumerate(paths):
        entry = store.get_file(keys[i]) if store else None
        if entry is None:
            read: list[str] = []
            entry = FileEntry(keys[i] if store else "", read, [])
            for piece in read_inputs(path_, root, params, read):
                fresh[id(_remember(entry, piece))] = piece
        warnings += entry.read_warnings
        entries.append(entry)
    remembered = [p for e in entries for p in e.pieces]
    for p in remembered:
        if (piece := fresh.get(id(p))) is not None:
            identify([piece], params, p.identify_warnings)
            p.table = piece.table
        warnings += p.identify_warnings
    by_table: dict[str, list[CachedPiece]] = {}
    for p in remembered:
        if p.table is not None:
            by_table.setdefault(p.table, []).append(p)
    require_tables(by_table, remembered)
    tallies: list[pl.DataFrame] = []
    checked = {name: _check_pieces(name, group, fresh, params, warnings, tallies) for name, group in by_table.items()}
    tables, rejected = _cross_check(checked, warnings, tallies)
    files = file_counts(remembered, rejected)
    require_usable(files, rejected, tables)
    warnings += rejection_lines(rejected)
    dataset = Dataset(tables=tables, source=source, rejected=rejected, files=files, warnings=warnings,
                      tallies=pl.concat(tallies) if tallies else pl.DataFrame(schema=TALLY_SCHEMA))
    if store:
        _store(store, load_key, entries, fresh, by_table, dataset)
    return dataset


def _remember(entry: FileEntry, piece: InputTable) -> CachedPiece:
    """Add a freshly read input table to its file's entry (checked later)."""
    kept = CachedPiece(piece.label, None, piece.encoding, piece.frame.height, piece.header_only, [], None)
    entry.pieces.append(kept)
    return kept


def _store(store: Store, load_key: str, entries: list[FileEntry], fresh: dict[int, InputTable | None],
           by_table: dict[str, list[CachedPiece]], dataset: Dataset) -> None:
    """Write the entries of the files read afresh, then the load's entry: a table whose rows are exactly
    its input tables' good rows stacked (nothing removed across files) points to the file entries."""
    for entry in entries:
        if any(id(p) in fresh for p in entry.pieces):
            store.put_file(entry, TALLY_SCHEMA)
    where = {id(p): (e.key, i) for e in entries for i, p in enumerate(e.pieces)}
    parts: dict[str, list[tuple[str, int]] | None] = {}
    for name, group in by_table.items():
        stacked = sum(p.check.good.height for p in group if p.check is not None)
        parts[name] = [where[id(p)] for p in group] if stacked == dataset.tables[name].height else None
    store.put_load(load_key, dataset.tables, parts, dataset.rejected, dataset.files, dataset.tallies, dataset.warnings)


def conform_frame(table_name: str, df: pl.DataFrame, source: str = "<memory>", params: LoadParams | None = None,
                  warnings: list[str] | None = None) -> pl.DataFrame:
    """One in-memory table in canonical columns and types (for :func:`from_frames`).

    Headers may be canonical or any alias of ``params/columns.yaml``; values are
    parsed as by :func:`load`. Unknown extra columns are dropped. A frame built in
    code has no business holding bad rows, so any row :func:`load` would set aside
    raises :class:`CsanaError` here, naming the column, the rows (0-based frame index)
    and the reason. Notes such as ignored columns are appended to ``warnings``.
    """
    if table_name not in TABLES:
        raise CsanaError(f"unknown table '{table_name}'", file=source, fix=f"use one of: {', '.join(TABLES)}")
    params = params or LoadParams.load()
    frame = df.with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64), pl.lit(source).alias(FILE))
    renamed = _map_columns(table_name, frame, source, params, warnings if warnings is not None else [])
    good, bad = _check_rows(TABLES[table_name], renamed, params)
    good, dup = _dedupe(TABLES[table_name], good)
    bad = pl.concat([bad, dup])
    if bad.height:
        first = bad.sort("row").row(0, named=True)
        same = bad.filter(pl.col("reason") == first["reason"], pl.col("column") == first["column"])
        raise CsanaError(
            f"{bad.height} bad row(s) in table '{table_name}' (rows counted from 0); "
            f"first: {first['reason']} (value {first['value']!r})",
            file=source, column=first["column"], rows=same["row"].sort().to_list(),
            fix=fix(first["rule"], first["column"]),
        )
    return good.drop(ROW, FILE)


# -- mapping headers -------------------------------------------------------------------------


def _map_columns(table: str, frame: pl.DataFrame, label: str, params: LoadParams, warnings: list[str]) -> pl.DataFrame:
    """Rename the file's headers to canonical names; drop (and report) the rest."""
    mapping = params.column_map(table)
    chosen: dict[str, tuple[str, int]] = {}
    for header in frame.columns:
        if header in (ROW, FILE) or normalize_name(header) not in mapping:
            continue
        column, rank = mapping[normalize_name(header)]
        if column not in chosen or rank < chosen[column][1]:
            chosen[column] = (header, rank)
    spec = TABLES[table]
    missing = [c for c in spec.required if c not in chosen and not (c == "units" and params.default_units)]
    if missing:
        raise CsanaError(
            f"missing required column(s) {', '.join(missing)} for table {table}; "
            f"found: {', '.join(c for c in frame.columns if c not in (ROW, FILE)) or 'no columns'}",
            file=label, column=missing[0],
            fix="rename the header to one of: " + "; ".join(
                f"{c} = " + ", ".join([c, *params.tables.get(table, TableAliases()).columns.get(c, ())][:6])
                for c in missing),
        )
    used = {header for header, _ in chosen.values()}
    extras = [c for c in frame.columns if c not in used and c not in (ROW, FILE)]
    unknown = [c for c in extras if normalize_name(c) not in mapping]
    if unknown:
        more = f" (+{len(unknown) - UNKNOWN_SHOWN:,} more)" if len(unknown) > UNKNOWN_SHOWN else ""
        more_zh = f"（另 {len(unknown) - UNKNOWN_SHOWN:,} 列）" if len(unknown) > UNKNOWN_SHOWN else ""
        shown = ", ".join(unknown[:UNKNOWN_SHOWN])
        warnings.append(Note(f"{label}: unknown columns ignored: {shown}{more}", f"{label}：未识别的列已忽略：{shown}{more_zh}"))
    unknown_set = set(unknown)
    for c in extras:
        if c not in unknown_set:
            meant = mapping[normalize_name(c)][0]
            warnings.append(Note(f"{label}: column {c} also names {meant}; used {chosen[meant][0]}",
                                 f"{label}：列 {c} 也表示 {meant}；已使用 {chosen[meant][0]}"))
    renamed = frame.select([pl.col(h).alias(c) for c, (h, _) in chosen.items()] + [pl.col(ROW), pl.col(FILE)])
    if table == "orders" and "units" not in chosen:
        warnings.append(Note(f"{label}: no units column (数量); every order counts {params.default_units} unit(s)",
                             f"{label}：没有数量列；每笔订单按 {params.default_units} 件计"))
        renamed = renamed.with_columns(pl.lit(params.default_units, pl.Int64).alias("units"))
    order = [c for c in spec.columns if c in renamed.columns]
    return renamed.select([*order, ROW, FILE])


# -- parsing values --------------------------------------------------------------------------


@dataclass(frozen=True)
class AppliedRule:
    """A row rule applied to one column: ``failed`` is a boolean expression over parsed (and raw) columns."""

    column: str
    rule: str
    failed: pl.Expr

    @property
    def reason(self) -> str:
        return RULES[self.rule].en


def _parsed(column: str, dtype: pl.DataType, source: pl.DataType, params: LoadParams) -> tuple[pl.Expr, str]:
    """The expression turning one column (of dtype ``source``) into ``dtype``, and the rule a cell breaks
    when it does not parse."""
    expr = pl.col(column)
    if column == "sender":
        return cells.sender(expr, source, params.sender_map()), "unknown_sender"
    if column == "month":
        return cells.month(expr, source), "bad_month"
    if dtype == pl.String:
        return (cells.identifier(expr, source) if column.endswith("_id") else cells.text(expr, source)), "bad_text"
    if dtype == DATETIME:
        return cells.timestamp(expr, source, params.timezone), "bad_timestamp"
    if dtype == pl.Date:
        return cells.timestamp(expr, source, params.timezone).dt.date(), "bad_date"
    if dtype == pl.Int64:
        return cells.whole(expr, source), "bad_whole_number"
    if dtype == pl.Boolean:
        return cells.boolean(expr, source), "bad_boolean"
    if column.endswith("_s"):
        return cells.seconds(expr, source, mm_ss=column in cells.CLOCK_MMSS), "bad_duration"
    return cells.decimal(expr, source), "bad_number"


def _parse_cells(table: Table, staged: pl.DataFrame, params: LoadParams) -> pl.DataFrame:
    """Add, for every column present, what each cell is: ``__miss_<column>`` (empty or a missing-value
    mark), ``__val_<column>`` (the cell parsed; null when it does not parse) and, for text ids,
    ``__mangled_<column>`` (an id Excel turned into 1.23E+11).

    These depend on the cell alone, so text columns whose values repeat (ids, senders, teams:
    a chat log's millions of rows hold thousands of them) are parsed once per distinct value
    (:func:`_by_value`; the distinct values of all such columns are found in one parallel pass);
    other columns cell by cell. Whether a cell is missing is decided from its parsed value where
    that is exact: free text is missing when stripped empty, and a column no missing mark can parse
    in (:func:`_marks_never_parse`) tests only the cells that did not parse.
    """
    values: list[pl.Expr] = []
    missing: list[pl.Expr] = []
    unparsed: list[str] = []
    by_value: dict[str, list[pl.Expr]] = {}
    for column, dtype in table.columns.items():
        if column not in staged.columns:
            continue
        raw = pl.col(f"__raw_{column}")
        source = staged.schema[f"__raw_{column}"]
        value, rule = _parsed(column, dtype, staged.schema[column], params)
        miss = cells.is_missing(raw, source, params.missing_values, column in FREE_TEXT).alias(f"__miss_{column}")
        cell = [miss, value.alias(f"__val_{column}")]
        if column.endswith("_id") and source == pl.String:
            cell.append(cells.mangled_id(raw).alias(f"__mangled_{column}"))
        if staged.schema[column] == pl.String and _repeats(staged[f"__raw_{column}"]):
            by_value[column] = cell
            continue
        values += cell[1:]
        if source != pl.String:
            values.append(miss)
        elif column in FREE_TEXT and staged.schema[column] == pl.String:  # parsed = stripped text
            missing.append((pl.col(f"__val_{column}").is_null() | (pl.col(f"__val_{column}") == "")).alias(f"__miss_{column}"))
        elif _marks_never_parse(rule, params.missing_values):
            unparsed.append(column)
        else:
            values.append(miss)
    distinct = _distinct(staged, [f"__raw_{c}" for c in by_value])
    per_value = [part for column, cell in by_value.items() for part in _by_value(staged, column, cell, distinct[f"__raw_{column}"])]
    staged = staged.with_columns(values + per_value).with_columns(missing)
    staged = staged.with_columns([_missing_where_unparsed(staged, column, params.missing_values) for column in unparsed])
    return _own_senders(staged) if "sender" in staged.columns else staged


NO_MARK_RULES = frozenset({"bad_timestamp", "bad_date", "bad_number", "bad_whole_number", "bad_duration"})
"""Rules of parsers that accept only text holding a digit (every layout of a timestamp, date, number or
duration has one): a missing mark without digits never parses there."""


def _marks_never_parse(rule: str, marks: Sequence[str]) -> bool:
    """Whether no cell that is a missing mark can parse under ``rule``'s parser: then a cell that parsed
    is not missing, and only the cells that did not parse need the missing-mark test."""
    if rule == "bad_boolean":
        return not set(marks) & set(cells.TRUTH)
    folded = [m + unicodedata.normalize("NFKC", m) for m in marks]
    return rule in NO_MARK_RULES and not any(ch.isdigit() or ch.isnumeric() for m in folded for ch in m)


def _missing_where_unparsed(staged: pl.DataFrame, column: str, marks: Sequence[str]) -> pl.Series:
    """``__miss_<column>`` of a text column in which no missing mark parses (see :func:`_marks_never_parse`):
    a null cell is missing, a cell that parsed is not, and the rest are tested for being a missing mark."""
    raw, value = staged[f"__raw_{column}"], staged[f"__val_{column}"]
    miss = raw.is_null()
    rows = (value.is_null() & raw.is_not_null()).arg_true()
    if rows.len():
        marked = raw.gather(rows).to_frame("v").select(cells.is_missing(pl.col("v"), pl.String, marks)).to_series()
        miss = miss.scatter(rows, marked)
    return miss.alias(f"__miss_{column}")


def _distinct(staged: pl.DataFrame, columns: list[str]) -> dict[str, pl.DataFrame]:
    """The distinct values of each of ``columns`` (one frame each), found in parallel."""
    if not columns:
        return {}
    frames = pl.collect_all([staged.lazy().select(pl.col(c).unique()) for c in columns])
    return dict(zip(columns, frames, strict=True))


def _by_value(staged: pl.DataFrame, column: str, cell: list[pl.Expr], distinct: pl.DataFrame) -> list[pl.Expr | pl.Series]:
    """The ``cell`` columns of a text column, computed once per distinct value (``distinct``) and joined
    back to the rows.

    When every value is already as canonical as it gets (not a missing mark, parses to itself,
    not mangled: clean ids and senders, typical of Parquet), the results are the column itself
    and no join is needed.
    """
    raw = f"__raw_{column}"
    values = distinct.with_columns(pl.col(raw).alias(column)).select(raw, *cell)
    val, miss, mangled = (f"__{part}_{column}" for part in ("val", "miss", "mangled"))
    has_mangled = mangled in values.columns
    as_written = (~pl.col(miss) & (pl.col(val) == pl.col(raw)) & (~pl.col(mangled) if has_mangled else True)).fill_null(False)
    if values.schema[val] == pl.String and values.filter(pl.col(raw).is_not_null()).select(as_written.all()).item():
        same = [pl.col(raw).is_null().alias(miss), pl.col(raw).alias(val)]
        return same + ([pl.lit(False).alias(mangled)] if has_mangled else [])
    joined = staged.select(raw).join(values, on=raw, how="left", nulls_equal=True, maintain_order="left")
    return joined.drop(raw).get_columns()


def _repeats(values: pl.Series, sample: int = 10_000) -> bool:
    """Whether at most half of the first ``sample`` values are distinct: then parsing each distinct value
    once and joining back is cheaper than parsing every cell (unique order ids and free text are not)."""
    head = values.head(sample)
    return head.len() > 0 and head.n_unique() * 2 <= head.len()


def _own_senders(staged: pl.DataFrame) -> pl.DataFrame:
    """A sender cell that is no known spelling but holds the row's own customer or agent id (chat
    exports that name the sender's nickname) counts as that side. Tested on those rows only."""
    rows = staged.select((pl.col("__val_sender").is_null() & ~pl.col("__miss_sender")).arg_true()).to_series()
    if rows.len() == 0:
        return staged
    sender = cells.text(pl.col("sender"), staged.schema["sender"])
    own = (pl.when(sender == pl.col("__raw_customer_id").cast(pl.String).str.strip_chars()).then(pl.lit("customer"))
           .when(sender == pl.col("__raw_agent_id").cast(pl.String).str.strip_chars()).then(pl.lit("agent")))
    found = staged[rows].select(own).to_series()
    return staged.with_columns(staged["__val_sender"].scatter(rows, found))


# -- row rules -------------------------------------------------------------------------------


def _column_rules(table: Table, frame: pl.DataFrame, params: LoadParams) -> tuple[list[pl.Expr], list[AppliedRule]]:
    """Parsing expressions for every column present, and the rules on each cell."""
    parsed, applied = [], []
    if table.name in PER_AGENT and "agent_id" in frame.columns:
        applied.append(AppliedRule("agent_id", "summary_row", is_summary_label(pl.col("__raw_agent_id").cast(pl.String))))
    for column, dtype in table.columns.items():
        if column not in frame.columns:
            continue
        missing = pl.col(f"__miss_{column}")
        _, rule = _parsed(column, dtype, frame.schema[column], params)
        parsed.append(pl.when(~missing).then(pl.col(f"__val_{column}")).cast(dtype).alias(column))
        if column in table.required and (table.name, column) not in NULLABLE:
            applied.append(AppliedRule(column, "missing_value", missing))
        if f"__mangled_{column}" in frame.columns:
            applied.append(AppliedRule(column, "mangled_id", pl.col(f"__mangled_{column}")))
        if rule == "bad_duration" and column not in cells.CLOCK_MMSS and frame.schema[f"__raw_{column}"] == pl.String:
            applied.append(AppliedRule(column, "ambiguous_clock", ~missing & cells.two_part_clock(pl.col(f"__raw_{column}"))))
        applied.append(AppliedRule(column, rule, ~missing & pl.col(column).is_null()))
    return parsed, applied + _value_rules(table, frame, params)


def _value_rules(table: Table, frame: pl.DataFrame, params: LoadParams) -> list[AppliedRule]:
    """Rules on parsed values (ranges, order of times)."""
    present = set(frame.columns)
    out = [AppliedRule(c, "negative_value", pl.col(c) < 0) for c in ("amount", "refund_amount", "online_s", "hung_up_s")
           if c in present and c in table.columns]
    out += [AppliedRule(c, "too_large", pl.col(c).abs() > params.max_number) for c, dtype in table.columns.items()
            if c in present and dtype.is_numeric()]
    if "units" in present and "units" in table.columns:
        out.append(AppliedRule("units", "units_below_one", pl.col("units") < 1))
    if table.name == "reviews" and "service_score" in present:
        out.append(AppliedRule("service_score", "score_out_of_range", ~pl.col("service_score").is_between(1, 5)))
    if table.name == "orders":
        out.append(AppliedRule("paid_at", "paid_before_created", pl.col("paid_at") < pl.col("created_at")))
    return out


def _check_rows(table: Table, frame: pl.DataFrame, params: LoadParams, tallies: list[pl.DataFrame] | None = None) -> Checked:
    """Parse every column; split rows into good (canonical types) and rejected (with rules and reasons).

    ``frame`` holds the rows of one file. Every rule's test runs over every row in one pass; the rows
    failing any are the rejected ones, and only on those is the first rule broken looked up, with its
    column, reason and raw value. With ``tallies``, the rows checked and failing per rule are appended
    to it (one frame for the file).
    """
    columns = [c for c in frame.columns if c not in (ROW, FILE)]
    frame = _parseable(table, frame)
    staged = _parse_times(frame.with_columns([pl.col(c).alias(f"__raw_{c}") for c in columns]), table, params.timezone)
    staged = _parse_cells(table, staged, params)
    parsed, applied = _column_rules(table, staged, params)
    tests = [a.failed.fill_null(False).alias(f"__fail{i}") for i, a in enumerate(applied)]
    staged = staged.lazy().with_columns(parsed).with_columns(tests).collect()
    failing = pl.any_horizontal([pl.col(f"__fail{i}") for i in range(len(applied))]) if applied else pl.repeat(False, pl.len())
    if tallies is not None and staged.height:
        _tally_rows(table.name, staged, applied, tallies)
    n_bad = staged.select(failing.sum()).item()
    if not n_bad:
        return staged.select([*columns, ROW, FILE]), pl.DataFrame(schema=REJECTED_SCHEMA)
    good = staged.filter(~failing).select([*columns, ROW, FILE])
    first = pl.coalesce([pl.when(pl.col(f"__fail{i}")).then(pl.lit(i, pl.Int32)) for i in range(len(applied))])
    failed = staged.filter(failing).with_columns(first.alias("__rule"))
    value = pl.coalesce([pl.when(pl.col("__rule") == i).then(pl.col(f"__raw_{a.column}").cast(pl.String))
                         for i, a in enumerate(applied)])

    def lookup(attribute: str) -> pl.Expr:
        return pl.col("__rule").replace_strict({i: getattr(a, attribute) for i, a in enumerate(applied)},
                                               return_dtype=pl.String).alias(attribute)

    bad = failed.select(
        pl.col(FILE).alias("file"), pl.lit(table.name).alias("table"), pl.col(ROW).alias("row"),
        lookup("column"), lookup("rule"), lookup("reason"), pl.when(value.str.strip_chars() != "").then(value).alias("value"),
    )
    return good, bad.cast(REJECTED_SCHEMA)


def _tally_rows(name: str, staged: pl.DataFrame, applied: list[AppliedRule], tallies: list[pl.DataFrame]) -> None:
    """Rows checked and failing per rule of one file (a row failing two tests of one rule counts once)."""
    by_rule: dict[str, list[str]] = {}
    for i, a in enumerate(applied):
        by_rule.setdefault(a.rule, []).append(f"__fail{i}")
    counts = staged.select(*[pl.any_horizontal(c).sum().alias(r) for r, c in by_rule.items()]).row(0, named=True) if by_rule else {}
    tallies.append(tally(staged[FILE][0], name, staged.height, counts))


def _parseable(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Cast columns the parsers do not take (e.g. booleans meant as numbers, categoricals, nulls) to text."""
    casts = []
    for column, target in table.columns.items():
        dtype = frame.schema.get(column)
        if dtype is None:
            continue
        if dtype.is_nested():
            raise CsanaError(f"column holds {dtype} values instead of single values", file=frame[FILE][0] if frame.height else None,
                             column=column, fix="store one plain value per cell")
        if isinstance(dtype, pl.Duration):  # polars cannot cast durations to text; seconds columns take them
            if not column.endswith("_s"):
                raise CsanaError(f"column holds durations ({dtype}) instead of {target} values", column=column,
                                 file=frame[FILE][0] if frame.height else None, fix="store plain values, not time spans")
            casts.append((pl.col(column).dt.total_microseconds() / 1_000_000).alias(column))
            continue
        temporal = isinstance(dtype, pl.Datetime) or dtype == pl.Date
        takes = (dtype == pl.String or dtype.is_numeric()
                 or (temporal and (target.is_temporal() or target == pl.String))
                 or (dtype == pl.Boolean and target in (pl.Boolean, pl.String)))
        if not takes:
            casts.append(pl.col(column).cast(pl.String))
    return frame.with_columns(casts)


def _parse_times(frame: pl.DataFrame, table: Table, timezone: str) -> pl.DataFrame:
    """Parse the text timestamp and date columns (:func:`csana.ingest.cells.timestamps`: the usual layout
    over every row, then every accepted layout over the rows it missed)."""
    out = [cells.timestamps(frame[column], timezone) for column, dtype in table.columns.items()
           if dtype in (DATETIME, pl.Date) and frame.schema.get(column) == pl.String]
    return frame.with_columns(out)


def _dedupe(table: Table, frame: pl.DataFrame, tallies: list[pl.DataFrame] | None = None) -> Checked:
    """Keep the first row of each unique key; reject the others, naming the row kept."""
    if not table.unique or frame.height == 0:
        return frame, pl.DataFrame(schema=REJECTED_SCHEMA)
    key = list(table.unique)
    first = frame.select(pl.struct(key).is_first_distinct()).to_series()
    if tallies is not None:
        _tally_column(table.name, "duplicate_key", frame, ~first, tallies)
    if first.all():
        return frame, pl.DataFrame(schema=REJECTED_SCHEMA)
    kept = frame.filter(first).select(*key, pl.col(ROW).alias("__kept_row"), pl.col(FILE).alias("__kept_file"))
    marked = frame.filter(~first).join(kept, on=key, how="left", nulls_equal=True, maintain_order="left")
    bad = marked.select(
        pl.col(FILE).alias("file"), pl.lit(table.name).alias("table"), pl.col(ROW).alias("row"),
        pl.lit(key[0]).alias("column"), pl.lit("duplicate_key").alias("rule"),
        pl.format("duplicate {} (kept row {} of {})", pl.lit(key[0]), "__kept_row", "__kept_file").alias("reason"),
        pl.col(key[0]).cast(pl.String).alias("value"),
    )
    return frame.filter(first), bad


def _tally_column(name: str, rule: str, frame: pl.DataFrame, failed: pl.Series, tallies: list[pl.DataFrame]) -> None:
    """Tally one rule over the rows of ``frame`` (``failed``: which rows break it), per file."""
    counts = frame.select(FILE).with_columns(failed.alias("__f")).group_by(FILE, maintain_order=True).agg(pl.len(), pl.col("__f").sum())
    tallies += [tally(f, name, n, {rule: k}) for f, n, k in counts.iter_rows()]


def _check_pieces(name: str, pieces: list[CachedPiece], fresh: dict[int, InputTable | None], params: LoadParams,
                  warnings: list[str], tallies: list[pl.DataFrame]) -> Checked:
    """All input tables of one canonical table: mapped, parsed, checked (those read afresh; the others
    as their file entries remember), stacked and de-duplicated."""
    table = TABLES[name]
    for piece in pieces:
        if piece.check is None:
            piece.check = _check_piece(name, fresh[id(piece)], params)
            fresh[id(piece)] = None  # the text as read is no longer needed: free it before the next table
        warnings += piece.check.warnings
        tallies += piece.check.tallies
    goods = [p.check.good for p in pieces if p.check is not None]
    good, dup = _dedupe(table, goods[0] if len(goods) == 1 else pl.concat(goods, how="diagonal_relaxed"), tallies)
    return good, pl.concat([*(p.check.bad for p in pieces if p.check is not None), dup])


def _check_piece(name: str, piece: InputTable, params: LoadParams) -> PieceCheck:
    """One input table mapped, parsed and checked, with the warnings and tallies that gave."""
    warnings: list[Note] = []
    tallies: list[pl.DataFrame] = []
    if piece.header_only:
        warnings.append(Note(f"{piece.label}: header but no data rows; read as an empty {name} table",
                             f"{piece.label}：只有表头没有数据行；按空的 {TABLES[name].zh} 表读取"))
    mapped = _map_columns(name, piece.frame, piece.label, params, warnings)
    good, bad = _check_rows(TABLES[name], mapped, params, tallies)
    return PieceCheck(good, bad, tallies, warnings)


# -- cross-table rules and bookkeeping --------------------------------------------------------


def _cross_check(checked: dict[str, Checked], warnings: list[str],
                 tallies: list[pl.DataFrame]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Reject rows referring to orders that are not there; warn about agents not in the agents table."""
    tables = {name: good for name, (good, _) in checked.items()}
    rejected = [bad for _, bad in checked.values()]
    order_ids = tables["orders"]["order_id"].unique().implode()
    for name in ("reminders", "reviews", "disputes"):
        if name not in tables:
            continue
        frame = tables[name]
        orphan = frame.select(~pl.col("order_id").is_in(order_ids)).to_series()
        _tally_column(name, "orphan_order", frame, orphan, tallies)
        rejected.append(frame.filter(orphan).select(
            pl.col(FILE).alias("file"), pl.lit(name).alias("table"), pl.col(ROW).alias("row"),
            pl.lit("order_id").alias("column"), pl.lit("orphan_order").alias("rule"),
            pl.lit(RULES["orphan_order"].en).alias("reason"), pl.col("order_id").alias("value"),
        ))
        tables[name] = frame.filter(~orphan)
    if "agents" in tables:
        listed = tables["agents"]["agent_id"].implode()
        unlisted = tables["messages"].filter(~pl.col("agent_id").is_in(listed))["agent_id"].unique().sort()
        if unlisted.len():
            shown = ", ".join(unlisted.head(10).to_list()) + (f" (+{unlisted.len() - 10} more)" if unlisted.len() > 10 else "")
            shown_zh = "、".join(unlisted.head(10).to_list()) + (f"（另 {unlisted.len() - 10} 名）" if unlisted.len() > 10 else "")
            warnings.append(Note(f"{unlisted.len()} agent(s) in messages are missing from the agents table: {shown}; "
                                 "they are analysed without name or team — add them to the agents file",
                                 f"聊天记录中有 {unlisted.len()} 名客服不在客服表中：{shown_zh}；分析时没有姓名和团队——请把他们加入客服表"))
    tables = {name: frame.drop(ROW, FILE) for name, frame in tables.items()}
    return tables, pl.concat(rejected).sort("file", "row")


def from_frames(source: str = "<memory>", **tables: pl.DataFrame | dict | None) -> Dataset:
    """A dataset from in-memory frames (tests, notebooks), cast to canonical types as :func:`load` would.

    Raises CsanaError on a missing required column or a bad row, like loading a file would;
    notes such as ignored columns end up in ``warnings``.
    """
    warnings: list[str] = []
    frames = {name: conform_frame(name, pl.DataFrame(t) if isinstance(t, dict) else t, source, warnings=warnings)
              for name, t in tables.items() if t is not None}
    return Dataset(tables=frames, source=source, warnings=warnings)
