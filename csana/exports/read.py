"""Reading one export file: find the header row below any title rows, pick the flavour, parse every cell.

Each data row comes out with its kind (agent / benchmark / summary / no_agent, see
:mod:`csana.ingest.rows`), its agent, team and period, its fields parsed by
:mod:`csana.ingest.cells`, and the first bad cell of an agent row (its rule, see
:mod:`csana.ingest.rules`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl

from csana.catalogue import CATALOGUE, MEASURE_BY_ID, Metric
from csana.errors import CsanaError
from csana.exports.mapping import IDENTITY_ZH, SOURCES_DIR, Flavour, normalize_header
from csana.i18n import Note
from csana.ingest import cells, rows
from csana.ingest.columns import LoadParams
from csana.ingest.files import (
    EXCEL_SUFFIXES,
    TEXT_SUFFIXES,
    Cells,
    Grid,
    data_files,
    header_row,
    read_grids,
)
from csana.ingest.rows import row_kind
from csana.ingest.rules import CELL_REASONS, CELL_RULES, RULES

HEADER_SEARCH_ROWS = 30


NUMERIC_KINDS = ("count", "money", "rate", "number", "duration")


def _data_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else data_files(path, EXCEL_SUFFIXES + TEXT_SUFFIXES)


def _open(path: Path, label: str) -> list[Grid]:
    """The visible sheets of a workbook, or the one grid of a text file, told apart by content
    (:func:`csana.ingest.files.read_grids`: some platforms save tab-separated text as .xls). Every visible
    sheet is looked at: an export's report may follow a 说明 (notes) sheet; hidden sheets (pivots) are not
    reports. A guessed encoding is not tried (see :func:`csana.ingest.files.decode`). Each grid's label
    names its sheet when the workbook has several visible ones."""
    grids = read_grids(path, label, HEADER_SEARCH_ROWS, guess=False, numbers=True)
    visible = [g for g in grids if not g.hidden]
    for grid in visible:
        if len(visible) > 1:
            grid.label = f"{label}[{grid.sheet}]"
    return visible


def _report_sheets(grids: list[Grid], candidates: list[Flavour], label: str, notes: list[str]) -> list[tuple[Grid, int]]:
    """The grids holding a report, with their header row; other sheets (notes, empty) are named in ``notes``.
    None holding a report is the error of :func:`_header_row`."""
    found = [(g, _header_row(g.head, candidates, g.label, fail=False)) for g in grids]
    reports = [(g, h) for g, h in found if h is not None]
    if not reports:
        _header_row(grids[0].head if grids else [], candidates, label)
    notes += [Note(f"{g.label}: no header row of a per-agent report; sheet not read", f"{g.label}：没有客服报表的表头行；该工作表未读取")
              for g, h in found if h is None]
    for grid, _ in reports:
        notes += grid.notes
    return reports  # type: ignore[return-value]


def _header_row(head: list[Cells], candidates: list[Flavour], label: str, fail: bool = True) -> int | None:
    """The row (within the first rows) naming the most known headers: title rows above it are skipped.
    None, or with ``fail`` an error, when no row does."""
    best = header_row(head, {key for m in candidates for key in m.known()}, normalize_header, most=True)
    if best is None and not fail:
        return None
    if best is None:
        examples = ", ".join(candidates[0].header_of(f) for f in ("agent", "consult_customers", "received_customers")
                             if f in candidates[0].fields)
        raise CsanaError(
            f"no header row found in the first {HEADER_SEARCH_ROWS} rows", file=label,
            fix=f"is this a per-agent export? Its header names columns such as {examples}; add other spellings "
                f"to a mapping file in {SOURCES_DIR}",
        )
    return best


def _pick_flavour(headers: list[str], candidates: list[Flavour], label: str, notes: list[str]) -> Flavour:
    """The flavour whose typical headers (signature), then whose known headers, the file has most of."""
    keys = {normalize_header(h) for h in headers if h not in (None, "")}

    def score(m: Flavour) -> tuple[int, int]:
        return (sum(normalize_header(s) in keys for s in m.signature), sum(k in keys for k in m.known()))

    ranked = sorted(candidates, key=lambda m: (-score(m)[0], -score(m)[1], m.name))
    if len(ranked) > 1 and score(ranked[0]) == score(ranked[1]):
        first, second = ranked[0].name, ranked[1].name
        notes.append(Note(f"{label}: headers fit export flavours {first} and {second} equally; read as {first} (pass flavour= to choose)",
                          f"{label}：表头同样符合导出格式 {first} 和 {second}；按 {first} 读取（用 flavour= 指定）"))
    return ranked[0]


Matched = dict[str, tuple[int, float, str]]
"""Field id (or ``_part<j>`` for a part of a summed field) → (column position, scale, header as written)."""


def _match_columns(headers: list[str | None], flavour: Flavour, label: str, notes: list[str]) -> tuple[Matched, dict[str, str]]:
    """The columns of the fields, and of the parts of summed fields (:class:`~csana.exports.mapping.FieldSum`),
    with the kind of each part (``_part<j>`` → kind); unknown headers go into a note. When two columns mean
    one field, the header listed first under the field wins."""
    lookup = flavour.lookup()
    order = {normalize_header(v.header): k for spec in flavour.fields.values() for k, v in enumerate(spec.variants())}
    parts = {normalize_header(h): spec.kind for spec in flavour.sums.values() for h in (*spec.parts, *spec.optional)}
    ignored = {normalize_header(h) for h in flavour.ignore}
    matched: Matched = {}
    part_kinds: dict[str, str] = {}
    unknown = []
    for i, header in enumerate(headers):
        if header in (None, ""):
            continue
        key = normalize_header(header)
        if key in lookup:
            fid, scale = lookup[key]
            if fid not in matched:
                matched[fid] = (i, scale, str(header))
                continue
            kept, other = (str(header), matched[fid][2]) if order[key] < order[normalize_header(matched[fid][2])] else (matched[fid][2], str(header))
            meaning = CATALOGUE[fid].zh if fid in CATALOGUE else IDENTITY_ZH.get(fid, fid)
            notes.append(Note(f"{label}: columns '{matched[fid][2]}' and '{header}' both mean {fid}; using '{kept}'",
                              f"{label}：列 '{matched[fid][2]}' 和 '{header}' 都表示 {meaning}；使用 '{kept}'"))
            if kept == str(header):
                matched[fid] = (i, scale, str(header))
            del other
        elif key in parts:
            name = f"_part{len(part_kinds)}"
            matched[name], part_kinds[name] = (i, 1.0, str(header)), parts[key]
        elif key not in ignored:
            unknown.append(str(header))
    if unknown:
        shown = ", ".join(unknown[:30])
        more, more_zh = (f" (+{len(unknown) - 30:,} more)", f"（另 {len(unknown) - 30:,} 个）") if len(unknown) > 30 else ("", "")
        notes.append(Note(f"{label}: {len(unknown)} unknown header(s) not used: {shown}{more} — to use or silence "
                          f"them, add them to {flavour.file} (under fields.<id>.headers, or ignore)",
                          f"{label}：{len(unknown)} 个未识别的表头未使用：{shown}{more_zh}——要使用或不再提示，"
                          f"把它们加入 {flavour.file}（fields.<id>.headers 或 ignore 下）"))
    summed = set(_complete_sums(flavour, matched))
    missing = [f for f in dict.fromkeys(("agent", *flavour.required)) if f not in matched and f not in summed]
    if missing:
        names = "; ".join(f"{f} ({' / '.join(_spellings(flavour, f))})" for f in missing)
        raise CsanaError(
            f"missing required column(s) for a {flavour.zh} export: {names}", file=label,
            fix=f"rename the column in the file to one of the headers shown, or add your header under "
                f"fields.<id>.headers in {flavour.file}",
        )
    return matched, part_kinds


def _spellings(flavour: Flavour, fid: str) -> list[str]:
    own = [v.header for v in flavour.fields[fid].variants()] if fid in flavour.fields else []
    return own + ([" + ".join(flavour.sums[fid].parts)] if fid in flavour.sums else [])


def _complete_sums(flavour: Flavour, matched: Matched) -> dict[str, list[str]]:
    """The summed fields whose every (not optional) part is a column of the file: field id → the ``_part<j>``
    names of its parts, the optional parts the file has last."""
    by_header = {normalize_header(h): name for name, (_, _, h) in matched.items() if name.startswith("_part")}
    found = {}
    for fid, spec in flavour.sums.items():
        names = [by_header.get(normalize_header(h)) for h in spec.parts]
        if all(names):
            found[fid] = [n for n in names if n] + [n for h in spec.optional if (n := by_header.get(normalize_header(h)))]
    return found


Problem = tuple[pl.Expr, str, str, str, pl.Expr]
"""A bad-cell test: (condition, header, rule, reason, cell text)."""


def _parse_file(file: Grid, flavour: Flavour, header: int, notes: list[str], params: LoadParams) -> pl.DataFrame:
    """The data rows of one file: kind (agent/benchmark/summary/note/no_agent) and how a summary was caught,
    agent (shop_id, name), team, period, parsed fields, and the first bad cell of an agent row
    (problem_column/rule/reason/value)."""
    header_cells, body = file.below(header)
    matched, part_kinds = _match_columns([None if c is None else str(c) for c in header_cells], flavour, file.label, notes)
    kinds = {**{f: flavour.fields[f].kind for f in matched if f in flavour.fields}, **part_kinds}
    body = body.with_row_index("_line", offset=header + 2).with_columns(pl.col("_line").cast(pl.Int64))
    text_cols = [c for c in body.columns if re.fullmatch(r"c\d+", c)]
    row_text = cells.clean_text(pl.concat_str([pl.col(c) for c in text_cols], separator=" ", ignore_nulls=True))
    body = body.with_columns(row_text.alias("_note")).filter(pl.col("_note").is_not_null())  # blank rows are not data
    body = body.with_columns([cells.clean_text(pl.col(f"c{i}")).alias(f"_t{i}") for i, _, _ in matched.values()])
    values, problems = _field_values(body, flavour, kinds, matched, params.max_number)
    frame = body.with_columns(values)
    frame = frame.with_columns(_summed(flavour, matched)).with_columns(
        pl.lit(file.label).alias("file"), pl.col("_line").alias("row"), pl.lit(flavour.name).alias("_flavour"))
    frame = _with_agent(frame, flavour)
    frame = _with_row_kind(frame, flavour, kinds, matched)
    frame = _with_period(frame, "_date_text" in frame.columns, _file_period(file, header, flavour, notes), flavour,
                         file.label, matched, problems)
    frame = _with_summaries_by_value(frame, flavour, kinds, matched)
    _note_placeholders(frame, file.label, notes)
    return _with_first_problem(frame, problems).drop(
        [c for c in frame.columns if re.fullmatch(r"[cf]\d+|_t\d+|_line|_start|_end|_ph_.*|_part\d+|_v\d+|_u[tm]\d+", c)])


def _file_period(file: Grid, header: int, flavour: Flavour, notes: list[str]) -> tuple[dt.date, dt.date] | None:
    """The days a file without a date column covers: the range in its name or title rows. A single date
    names the last of the flavour's ``file_days`` (京东's weekly WaiterDimWorkload4Jingmai_20241007.xlsx)."""
    period = cells.period_in_text(" ".join([file.path.stem, *(str(c) for row in file.head[:header] for c in row if c)]))
    if period is None or period[0] != period[1] or flavour.file_days == 1:
        return period
    start = period[1] - dt.timedelta(days=flavour.file_days - 1)
    days = flavour.file_days
    notes.append(Note(f"{file.label}: no date column; read as the {days} days {start}~{period[1]} ending on the "
                      f"date in its name ({flavour.zh} files cover {days} days) — add a 日期 column or name "
                      "the file with its range if that is not so",
                      f"{file.label}：没有日期列；按文件名中的日期往前 {days} 天 {start}~{period[1]} 读取"
                      f"（{flavour.zh} 文件覆盖 {days} 天）——若非如此，请加上日期列，或在文件名中写明日期范围"))
    return start, period[1]


def _with_agent(frame: pl.DataFrame, flavour: Flavour) -> pl.DataFrame:
    """The agent cell as written (a placeholder such as "-" is no agent), split into shop_id and name at the
    first of the flavour's ``shop_separators`` ("店铺:小美" → 店铺, 小美; 京东 "麻大师旗舰-小王")."""
    agent = pl.col("agent")
    frame = frame.with_columns(pl.when(~cells.is_mark(agent, flavour.placeholders).fill_null(False)).then(agent).alias("agent"))
    separators = "|".join(re.escape(s) for s in flavour.shop_separators)
    parts = pl.col("agent").str.extract_groups(rf"^(?P<shop>.+?)\s*(?:{separators})\s*(?P<name>.+)$")
    return frame.with_columns(
        parts.struct.field("shop").alias("shop_id"),
        pl.coalesce(parts.struct.field("name"), pl.col("agent")).alias("name"),
    )


def _summed(flavour: Flavour, matched: Matched) -> list[pl.Expr]:
    """Each summed field whose parts are all columns: its own column where the file gives it, else the sum of
    its parts (null when a part is empty or a placeholder)."""
    exprs = []
    for fid, parts in _complete_sums(flavour, matched).items():
        needed = parts[:len(flavour.sums[fid].parts)]  # an optional part's empty cell adds nothing
        total = pl.when(pl.all_horizontal([pl.col(p).is_not_null() for p in needed])).then(pl.sum_horizontal(parts))
        own = pl.col(fid) if fid in matched else pl.lit(None)
        exprs.append(pl.coalesce(own, total).cast(pl.Int64 if flavour.sums[fid].kind == "count" else pl.Float64).alias(fid))
    return exprs


def _field_values(body: pl.DataFrame, flavour: Flavour, kinds: dict[str, str], matched: Matched,
                  max_number: float) -> tuple[list[pl.Expr], list[Problem]]:
    """Per matched field (or part), its parsed value (placeholders → null, kept in _ph_<id>) and its bad-cell
    tests (rates are fractions recomputed from their parts: only the other kinds are bounded by ``max_number``)."""
    values: list[pl.Expr] = []
    problems: list[Problem] = []
    for fid, (i, scale, header_text) in matched.items():
        kind = kinds[fid]
        text = pl.col(f"_t{i}")
        if kind in ("agent", "text", "date"):
            values.append(text.alias("_date_text" if kind == "date" else fid))
            continue
        parse = cells.PARSERS[kind]
        parsed = parse(_source(body, i), scale, mm_ss=fid in cells.CLOCK_MMSS) if kind == "duration" else parse(_source(body, i), scale)
        placeholder = cells.is_mark(text, flavour.placeholders)
        values += [pl.when(~placeholder).then(parsed).alias(fid), pl.when(placeholder).then(text).alias(f"_ph_{fid}")]
        bad = text.is_not_null() & pl.col(f"_ph_{fid}").is_null() & pl.col(fid).is_null()
        if kind == "duration" and fid not in cells.CLOCK_MMSS:
            problems.append((bad & cells.two_part_clock(text), header_text, "ambiguous_clock", RULES["ambiguous_clock"].en, text))
        problems.append((bad, header_text, CELL_RULES.get(kind, "bad_cell"), CELL_REASONS[kind][0], text))
        if kind != "rate":
            problems.append((pl.col(fid) > max_number, header_text, "too_large", RULES["too_large"].en, text))
    return values, problems


def _source(body: pl.DataFrame, i: int) -> pl.Expr:
    """Column ``i`` as parsed: a workbook's number at full precision where the cell holds one, else its text."""
    text = pl.col(f"_t{i}")
    return pl.coalesce(pl.col(f"f{i}").cast(pl.String), text) if f"f{i}" in body.columns else text


def _with_first_problem(frame: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
    """problem_column / problem_rule / problem_reason / problem_value of an agent row's first bad cell (null
    when none), and ``_fail_<rule>``: whether an agent row breaks the rule at all (for the rule tallies)."""
    names = ("problem_column", "problem_rule", "problem_reason", "problem_value")
    if not problems:
        return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in names)
    agent = pl.col("kind") == "agent"
    first = pl.coalesce([pl.when(cond).then(pl.lit(k)) for k, (cond, *_) in enumerate(problems)])
    by_rule: dict[str, list[pl.Expr]] = {}
    for cond, _, rule, _, _ in problems:
        by_rule.setdefault(rule, []).append(cond.fill_null(False))
    frame = frame.with_columns(pl.when(agent).then(first).alias("_problem"),
                               *[(agent & pl.any_horizontal(c)).alias(f"_fail_{r}") for r, c in by_rule.items()])
    pick = pl.col("_problem")
    return frame.with_columns(
        *[pick.replace_strict({k: p[j] for k, p in enumerate(problems)}, default=None, return_dtype=pl.String).alias(name)
          for j, name in ((1, "problem_column"), (2, "problem_rule"), (3, "problem_reason"))],
        pl.coalesce([pl.when(pick == k).then(p[4]) for k, p in enumerate(problems)]).alias("problem_value"),
    ).drop("_problem")


def _with_period(frame: pl.DataFrame, has_date: bool, period: tuple[dt.date, dt.date] | None,
                 flavour: Flavour, label: str, matched: dict, problems: list) -> pl.DataFrame:
    """period_start/period_end of every row: its date cell (an agent row's blank cell under a merged
    date takes the date above), else the range in the file name or title rows."""
    if not has_date and period is None:
        raise CsanaError(
            "cannot tell which days the rows cover: no date column and no date range in the file name or title rows",
            file=label, fix=f"add a {flavour.header_of('date') if 'date' in flavour.fields else '日期'} column, or name the "
                            "file with its range, e.g. 赤兔_2024-10-01_2024-10-31.xlsx",
        )
    file_start = pl.lit(period[0] if period else None, pl.Date)
    file_end = pl.lit(period[1] if period else None, pl.Date)
    if not has_date:
        return frame.with_columns(file_start.alias("period_start"), file_end.alias("period_end"), pl.lit(False).alias("_undated"))
    text = pl.col("_date_text")
    start, end = cells.period(text)
    frame = frame.with_columns(start.alias("_start"), end.alias("_end"), text.is_null().alias("_undated"))
    merged = text.is_null() & (pl.col("kind") == "agent")
    frame = frame.with_columns(
        pl.when(merged).then(pl.col("_start").forward_fill()).otherwise(pl.col("_start")).fill_null(file_start).alias("period_start"),
        pl.when(merged).then(pl.col("_end").forward_fill()).otherwise(pl.col("_end")).fill_null(file_end).alias("period_end"),
    )
    header = matched["date"][2]
    problems.insert(0, (text.is_not_null() & pl.col("_start").is_null(), header, "bad_date", CELL_REASONS["date"][0], text))
    problems.insert(1, (pl.col("period_start").is_null(), header, "no_date", RULES["no_date"].en, text))
    return frame


def _with_row_kind(frame: pl.DataFrame, flavour: Flavour, kinds: dict[str, str], matched: Matched) -> pl.DataFrame:
    """kind (agent / summary / benchmark / note / no_agent) and ``caught`` (:func:`csana.ingest.rows.row_kind`),
    from the agent cell, the date cell (a total labelled under 日期) and the cells of the numeric fields."""
    numeric = [pl.col(f"_t{i}") for fid, (i, _, _) in matched.items() if kinds[fid] in NUMERIC_KINDS]
    labels = [pl.col("_date_text")] if "_date_text" in frame.columns else []
    kind, caught = row_kind(pl.col("agent"), labels, numeric, flavour.placeholders, flavour.summary_rows, flavour.benchmark_rows)
    return frame.with_columns(kind.alias("kind"), caught.alias("caught"))


def _additive(fid: str) -> bool:
    """Whether an export field adds up over agents: a count, amount or duration (not a rate or an average)."""
    found = CATALOGUE.get(fid)
    if isinstance(found, Metric):
        return found.type == "derived" or (found.type == "simple" and MEASURE_BY_ID[fid].combinable)
    return found is not None and found.combinable


def _with_summaries_by_value(frame: pl.DataFrame, flavour: Flavour, kinds: dict[str, str], matched: Matched) -> pl.DataFrame:
    """Agent rows whose additive cells are the sum or the mean of the other agent rows of the same date — then,
    for a row without a date cell of its own (a total under the last day), of the whole file — are summary rows
    (:func:`csana.ingest.rows.summary_by_value`). Cells are read as plain numbers here (a mean row's 8.5 is not
    a whole number of people), with the rounding they are written with."""
    additive = [(fid, i) for fid, (i, _, _) in matched.items()
                if kinds[fid] in ("count", "money", "duration") and (fid.startswith("_part") or _additive(fid))]
    columns: list[pl.Expr] = []
    values: list[tuple[str, str, str]] = []
    for fid, i in additive:
        scale = matched[fid][1]
        number = (cells.seconds(_source(frame, i), pl.String, scale, mm_ss=True) if kinds[fid] == "duration"
                  else cells.decimal(_source(frame, i), pl.String, scale))
        number = pl.when(~cells.is_mark(pl.col(f"_t{i}"), flavour.placeholders)).then(number)
        written = pl.col(f"_t{i}")
        columns += [number.alias(f"_v{i}"), (rows.written_rounding(written, kinds[fid] == "count") * scale).alias(f"_ut{i}"),
                    (rows.written_rounding(written, False) * scale).alias(f"_um{i}")]
        values.append((f"_v{i}", f"_ut{i}", f"_um{i}"))
    frame = frame.with_columns(columns)
    frame = rows.summary_by_value(frame, ["file", "period_start", "period_end"], values)
    if frame.select(pl.struct("period_start", "period_end").n_unique()).item() > 1:
        frame = rows.summary_by_value(frame, ["file"], values, scope="the file", tested="_undated")
    return frame.drop("_undated")


def _note_placeholders(frame: pl.DataFrame, label: str, notes: list[str]) -> None:
    columns = [c for c in frame.columns if c.startswith("_ph_")]
    if not columns:
        return
    found = (
        frame.filter(pl.col("kind") == "agent")
        .select(pl.concat_list(columns).alias("v")).explode("v").drop_nulls()
        .group_by("v").len().sort("len", "v", descending=[True, False])
    )
    if found.height:
        listed = ", ".join(f"'{v}' ×{n}" for v, n in found.iter_rows())
        late = next((v for v in ("延时统计", "延迟统计") if v in found["v"].to_list()), None)
        pending = f" ('{late}': the platform has not finished counting — export again later for final numbers)" if late else ""
        pending_zh = f"（'{late}'：平台尚未统计完——稍后重新导出可得最终数字）" if late else ""
        n = found["len"].sum()
        notes.append(Note(f"{label}: {n} cell(s) hold no number ({listed}): read as empty{pending}",
                          f"{label}：{n} 个单元格没有数字（{listed}）：按空值读取{pending_zh}"))
