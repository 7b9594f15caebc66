"""Writing a daily metric table as a realistic platform export (demo data, round-trip tests).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from csana.errors import CsanaError
from csana.exports.complete import WEIGHT_FIELDS
from csana.exports.mapping import load_flavour


def _written(kind: str, column: pl.Expr, text: bool) -> pl.Expr:
    """How an export shows a value: rates in percent, null rates as "-"."""
    if kind == "rate":
        if not text:
            return column
        hundredths = (column * 10_000).round(0).cast(pl.Int64)
        return pl.format("{}.{}%", hundredths // 100, (hundredths % 100).cast(pl.String).str.zfill(2)).fill_null("-")
    if kind == "number":
        return column.round(2)
    if kind == "money":
        return column.round(2)
    return column


def write_export(metrics_daily: pl.DataFrame, path: str | Path, flavour: str = "chitu", fmt: str | None = None,
                 encoding: str = "gbk", shop: str = "csana演示店", weights: bool = True) -> Path:
    """Write a daily agent metrics table (agent_daily_metrics) as a realistic export of ``flavour``:
    a title row with the date range, the flavour's Chinese headers, agents as "店铺:agent_id",
    rates in percent, a 汇总 row at the bottom. ``fmt`` is "xlsx" or "csv" (default: the suffix);
    CSV is written in ``encoding`` (GBK, as 千牛 and Excel write). ``weights`` adds the counts behind
    the time averages (首次响应次数, 响应次数, 接待总时长), which make a round trip exact."""
    mapping = load_flavour(flavour)
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("xlsx", "csv"):
        raise CsanaError(f"unknown export format '{fmt}'", file=str(path), fix="use .xlsx or .csv")
    daily = metrics_daily.sort("date", "agent_id")
    text = fmt == "csv"
    columns: list[pl.Expr] = []
    sums: list[pl.Expr] = []
    for fid, spec in mapping.fields.items():
        header = mapping.header_of(fid)
        if fid == "date":
            columns.append((pl.col("date").dt.strftime("%Y-%m-%d") if text else pl.col("date")).alias(header))
            sums.append(pl.lit(None).alias(header))
        elif fid == "agent":
            columns.append(pl.format("{}:{}", pl.lit(shop), pl.col("agent_id")).alias(header))
            sums.append(pl.lit("汇总").alias(header))
        elif fid in daily.columns and (fid != "team" or daily["team"].is_not_null().any()) and (weights or fid not in WEIGHT_FIELDS):
            columns.append(_written(spec.kind, pl.col(fid), text).alias(header))
            additive = spec.kind in ("count", "money")
            sums.append((pl.col(fid).sum() if additive else pl.lit(None)).alias(header))
    body = daily.select(columns)
    total = daily.select(sums).cast(body.schema)  # type: ignore[arg-type]
    table = pl.concat([body, total])
    start, end = daily["date"].min(), daily["date"].max()
    title = f"{mapping.zh} 统计时间：{start}~{end}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if text:
        content = title + "\n\n" + table.write_csv()
        try:
            path.write_bytes(content.encode(encoding))
        except UnicodeEncodeError as exc:
            raise CsanaError(f"a value cannot be written in {encoding}: {exc.object[exc.start:exc.end]!r}", file=str(path),
                             fix="write with encoding='gb18030' or 'utf-8'") from None
        return path
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as workbook:
        sheet = workbook.add_worksheet("客服绩效")
        sheet.write(0, 0, title)
        rates = {mapping.header_of(f): "0.00%" for f, s in mapping.fields.items() if s.kind == "rate" and mapping.header_of(f) in table.columns}
        table.write_excel(workbook=workbook, worksheet=sheet, position=(2, 0), column_formats=rates,  # type: ignore[arg-type]
                          autofit=False, table_style=None, autofilter=False)
    return path
