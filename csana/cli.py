"""The ``csana`` command line: one sub-command per job, all calling the public API.

User errors (:class:`csana.errors.CsanaError`) end the program with exit code 2
and one line naming the problem and its fix; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from csana.errors import CsanaError
from csana.i18n import LANGS

MONTH = click.option("--month", "-m", metavar="YYYY-MM", help="calendar month (default: the data's latest complete month)")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="show the full traceback on errors")
@click.version_option(package_name="csana")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """csana — 客服绩效分析: metrics, KPI pay, diagnostics and monthly reports."""
    ctx.obj = {"debug": debug}


DATA = click.argument("data", metavar="DATA")
LANG = click.option("--lang", type=click.Choice(LANGS), default="zh", show_default=True, help="label language")
PARAMS = click.option("--params", "params_file", type=click.Path(dir_okay=False), help="metric params YAML/JSON (default params/metrics.yaml)")


def load_data(data: str):
    """DATA on the command line: 'demo' (the built-in demo), raw logs, or platform exports."""
    from csana.ingest.open import open_data

    return open_data(data)


@cli.command("metrics")
@DATA
@MONTH
@PARAMS
@click.option("--out", type=click.Path(dir_okay=False), help="write FILE.csv, .xlsx or .parquet (canonical ids as columns)")
@click.option("--daily", is_flag=True, help="one row per agent per day instead of per month")
@LANG
def metrics_command(data: str, month: str | None, params_file: str | None, out: str | None, daily: bool, lang: str) -> None:
    """Per-agent metrics of a month (the metric catalogue), from raw logs or platform exports."""
    from csana.metrics import engine
    from csana.params import MetricParams

    dataset = load_data(data)
    params = MetricParams.load(params_file)
    compute = engine.agent_daily_metrics if daily else engine.agent_metrics
    table = compute(dataset, month, params)
    if dataset.kind == "export":  # unknown headers, derived counts, people counts as customer-days
        for note in dataset.warnings:
            click.echo(f"注意: {note}" if lang == "zh" else f"note: {note}", err=True)
    if out:
        from csana.writers import write_table

        table = engine.with_provisional(table, dataset, params)
        notes: list[str] = []
        click.echo(f"wrote {write_table(table, out, notes=notes)} ({table.height} rows)")
        for note in notes:
            click.echo(f"note: {note}", err=True)
        return
    print_metrics(table, "date" if daily else "month", lang)
    if dataset.kind == "raw":
        month = month or engine.latest_complete_month(dataset, params)
        print_provisional(engine.provisional(dataset, month, params), lang)


def print_metrics(table, period: str, lang: str) -> None:
    """A readable table: one row per metric, one column per agent (and day, when daily).

    The terminal tables here show user data (agent names, file names): rich's markup and emoji
    codes are off, so a name like "[/]" or ":cat:" prints as written instead of failing or changing."""
    from rich.console import Console
    from rich.table import Table

    from csana.metrics.catalogue import PUBLIC_IDS, metric
    from csana.present.formatting import format_value

    for (when,), part in table.group_by(period, maintain_order=True):
        grid = Table(title=f"{when}", show_lines=False)
        grid.add_column("指标" if lang == "zh" else "metric")
        names = [(n or a) for a, n in zip(part["agent_id"], part["name"])]
        for name in names:
            grid.add_column(str(name), justify="right")
        for metric_id in PUBLIC_IDS:
            m = metric(metric_id)
            grid.add_row(m.label(lang), *[format_value(v, m.unit, lang) for v in part[metric_id]])
        Console(width=max(100, 14 * (len(names) + 2)), markup=False, emoji=False).print(grid)


def print_provisional(flags, lang: str) -> None:
    """One line per delayed metric that is not final yet."""
    from csana.metrics.catalogue import label

    for row in flags.filter(flags["provisional"]).iter_rows(named=True):
        name = label(row["metric"], lang)
        if lang == "zh":
            click.echo(f"注意: {name} 为暂定值(数据截至 {row['data_end']}), {row['final_on']} 后确定")
        else:
            click.echo(f"note: {name} is provisional (data ends {row['data_end']}); final on {row['final_on']}")


@cli.command("score")
@DATA
@MONTH
@click.option("--scheme", "scheme_file", required=True, metavar="FILE",
              help="scheme YAML, or a ready-made name (presales_traffic, example_289, …)")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="targets CSV/XLSX: indicator, target [, agent_id, team, month]")
@PARAMS
@click.option("--out", type=click.Path(dir_okay=False), help="write the payroll sheet: FILE.xlsx or FILE.csv")
@LANG
def score_command(data: str, month: str | None, scheme_file: str, targets_file: str | None, params_file: str | None,
                  out: str | None, lang: str) -> None:
    """KPI scores and pay per agent by a scheme: the payroll sheet for finance."""
    from csana.metrics import engine
    from csana.params import MetricParams
    from csana.scoring.payroll import payroll, write_payroll
    from csana.scoring.scorecard import load_scheme, read_targets, score

    scheme = load_scheme(scheme_file)
    targets = read_targets(targets_file) if targets_file else None
    dataset = load_data(data)
    table = engine.agent_metrics(dataset, month, MetricParams.load(params_file))
    manual = dataset["manual_scores"] if dataset.has("manual_scores") else None
    scored = score(table, scheme, targets, manual)
    if out:
        notes: list[str] = []
        click.echo(f"wrote {write_payroll(scored, scheme, out, lang, notes)} ({scored.height} agents, "
                   f"scheme {scheme.label(lang)} {scheme.content_hash})")
        for note in notes:
            click.echo(f"note: {note}", err=True)
        return
    print_payroll(payroll(scored, scheme, lang), scheme, lang)


def print_payroll(sheet, scheme, lang: str) -> None:
    """The pay columns of the payroll sheet as a terminal table."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from csana.scoring.scorecard import PAY_PARTS, SUMMARY, score_labels

    labels = score_labels(scheme, lang)
    keep = [labels[c] for c in ("agent_id", "name", "total", "grade", "rank") if labels[c] in sheet.columns]
    keep += [c for c in sheet.columns if c.startswith(labels["percent"])]
    keep += [labels[p] for p, _, _ in PAY_PARTS] + [labels[c] for c, _, _ in SUMMARY if c in ("status", "gates")]
    grid = Table(title=f"{scheme.label(lang)} ({scheme.content_hash})")
    for col in keep:
        grid.add_column(col, justify="left" if sheet.schema[col] == pl.String else "right")
    for row in sheet.select(keep).iter_rows():
        grid.add_row(*["—" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    Console(width=max(120, 12 * len(keep)), markup=False, emoji=False).print(grid)


@cli.command("diagnose")
@DATA
@MONTH
@LANG
@PARAMS
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help="diagnostic rules YAML (default params/diagnostics.yaml)")
@click.option("--all", "show_ok", is_flag=True, help="also list the indicators that are fine")
def diagnose_command(data: str, month: str | None, lang: str, params_file: str | None, rules_file: str | None, show_ok: bool) -> None:
    """Weak indicators per agent with evidence, factors and actions, and the team training plan."""
    from csana.diagnose.findings import diagnose, print_diagnosis
    from csana.diagnose.rules import load_rules
    from csana.metrics import engine
    from csana.params import MetricParams

    rules = load_rules(rules_file)
    params = MetricParams.load(params_file)
    dataset = load_data(data)
    table = engine.agent_metrics(dataset, month, params)
    print_diagnosis(diagnose(table, dataset, rules, lang=lang, params=params), show_ok=show_ok)


@cli.command("dashboard")
@click.argument("data", metavar="[DATA]", required=False)
@MONTH
@LANG
@click.option("--port", type=int, default=8866, show_default=True, help="port to serve on")
@click.option("--ip", default="127.0.0.1", show_default=True, help="address to listen on (0.0.0.0 = the whole network)")
@click.option("--open/--no-open", "open_browser", default=True, show_default=True, help="open a browser tab")
def dashboard_command(data: str | None, month: str | None, lang: str, port: int, ip: str, open_browser: bool) -> None:
    """Serve the explore notebook read-only (Voilà) for managers: DATA folder, or the demo shop."""
    from csana.ui.dashboard import serve

    code = serve(data, month, lang, port=port, ip=ip, open_browser=open_browser)
    if code:
        raise SystemExit(code)


@cli.command("demo")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="folder to write the tables into")
@click.option("--seed", type=int, default=2026, show_default=True, help="random seed (same seed, same files)")
@click.option("--agents", type=int, default=12, show_default=True, help="agents per shop (about a quarter after-sales)")
@click.option("--months", type=int, default=2, show_default=True, help="complete months, ending with --end-month")
@click.option("--scale", type=float, default=1.0, show_default=True, help="customer volume multiplier (1 ≈ 2,000 messages per agent-month)")
@click.option("--shops", type=int, default=1, show_default=True, help="shops (shop_id s01, s02, …), each with its own agents")
@click.option("--end-month", default="2026-10", show_default=True, metavar="YYYY-MM", help="last complete month (data runs 4 days past it)")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True, help="file format")
def demo_command(out_dir: str, seed: int, agents: int, months: int, scale: float, shops: int, end_month: str, fmt: str) -> None:
    """Write a realistic demo shop (chat logs, orders, agents, reminders, reviews, …) to OUT, one file per table."""
    from csana.demo.generator import generate_demo, write_demo

    dataset = generate_demo(seed, agents, months, scale, shops=shops, end_month=end_month)
    for path in write_demo(dataset, out_dir, fmt):
        click.echo(f"{path}  {dataset.tables[path.stem].height:,} rows")


@cli.command("check")
@DATA
@click.option("--columns", "columns_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="column-name mapping YAML for raw logs (default params/columns.yaml)")
@click.option("--rejected", "rejected_out", type=click.Path(dir_okay=False), metavar="FILE.csv",
              help="write every rejected row (file, row, column, rule, reason, value) to this CSV")
@LANG
def check_command(data: str, columns_file: str | None, rejected_out: str | None, lang: str) -> None:
    """Load raw logs or platform exports and report rows read/used/rejected per file, then one row per
    row rule: rows checked, passed and set aside, and the fix."""
    from rich.console import Console

    from csana.exports.load import load_any
    from csana.ingest.columns import LoadParams
    from csana.ingest.raw import rejection_summary
    from csana.ingest.rules import report

    dataset = load_any(data, LoadParams.load(columns_file))
    console = Console(width=140, markup=False, emoji=False)
    console.print(terminal_table("files", dataset.files))
    kept = {"benchmark_row": dataset["benchmarks"].height} if dataset.kind == "export" and dataset.has("benchmarks") else {}
    console.print(terminal_table("rules", report(dataset.tallies, dataset.rejected, lang, kept)))
    if dataset.kind == "export":
        print_not_agents(console, dataset, lang)
    for line in dataset.warnings:
        click.echo(f"warning: {line}")
    if rejected_out:
        from csana.writers import write_table

        write_table(dataset.rejected, rejected_out)  # values are raw user data: formulas neutralised
        click.echo(f"wrote {rejected_out} ({dataset.rejected.height} rows)")
    kinds = rejection_summary(dataset).height
    click.echo(f"{dataset.files['rows_used'].sum():,} rows used, {dataset.rejected.height:,} rejected"
               + (f" ({kinds} kind(s) of problem, listed above)" if kinds else ""))


def terminal_table(title: str, frame):
    """A rich table of a frame: numbers right-aligned with thousands separators, missing values as —."""
    from rich.table import Table

    grid = Table(title=title)
    for name, dtype in frame.schema.items():
        grid.add_column(name.replace("_", " "), justify="right" if dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        grid.add_row(*["—" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row])
    return grid


def print_not_agents(console, dataset, lang: str) -> None:
    """The rows of an export that are not agents: totals, notes and rows without an agent (set aside) and
    peer benchmarks (kept apart), each with its label and reason."""
    import polars as pl

    from csana.ingest.rules import reason

    kinds = ["summary_row", "note_row", "no_agent"]
    aside = dataset.rejected.filter(pl.col("rule").is_in(kinds)).select(
        "file", "row", pl.col("value").alias("label"),
        pl.col("rule").replace_strict({k: reason(k, lang) for k in kinds}, return_dtype=pl.String).alias("reason"))
    bench = dataset["benchmarks"].select("file", "row", "label", pl.lit(reason("benchmark_row", lang)).alias("reason")) \
        if dataset.has("benchmarks") else aside.clear()
    rows = pl.concat([aside, bench.cast(aside.schema)]).sort("file", "row")
    if rows.height:
        console.print(terminal_table("rows that are not agents", rows))


@cli.command("report")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="report configuration YAML (default params/report.yaml); the options below override it")
@click.option("--data", metavar="DATA", help="data folder or file, or 'demo' (the bundled demo shop)")
@MONTH
@click.option("--team", metavar="TEAM", help="only this team's agents")
@click.option("--shop", metavar="SHOP", help="only this shop_id (default: one report per shop when there are several)")
@click.option("--scheme", metavar="NAMES", help="scoring schemes, comma-separated names or YAML paths")
@click.option("--params", "metrics", type=click.Path(dir_okay=False), help="metric params YAML (default params/metrics.yaml)")
@click.option("--lang", type=click.Choice(LANGS), help="report language (default zh)")
@click.option("--format", "formats", metavar="html,pdf", help="output formats (default html,pdf)")
@click.option("--out", type=click.Path(file_okay=False), help="output folder (default reports/); files go to OUT/<month>/")
@click.option("--name", help="output file name stem (default monthly_report)")
@click.option("--all-teams", is_flag=True, help="one report per team")
@click.option("--scorecards/--no-scorecards", default=None, help="one printable scorecard page per agent (default on)")
@click.option("--excerpts/--no-excerpts", default=None,
              help="chat-review message excerpts (masked); default: review.excerpts of params/diagnostics.yaml")
def report_command(config_file: str | None, all_teams: bool, **options: object) -> None:
    """Monthly report: executed notebook, offline HTML and A4 PDF in reports/<month>/.

    With no options: the demo data's latest complete month, in HTML and PDF.
    """
    from csana.report import load_config, plan, render_all

    configs = plan(load_config(config_file, **options), all_teams=all_teams)
    result = render_all(configs, show_progress=len(configs) > 1 or sys.stderr.isatty())
    for done in result.done:
        files = ", ".join(str(path) for kind, path in done.files.items() if kind != "ipynb")
        click.echo(f"{files}  ({done.total_seconds:.1f} s; executed notebook: {done.files['ipynb']})")
    if len(configs) == 1 and result.failed:
        raise CsanaError(result.failed[0][1])
    if result.failed:
        click.echo(f"{len(result.failed)} of {len(configs)} reports failed:", err=True)
        for config, message in result.failed:
            click.echo(f"  {config.name}: {message}", err=True)
        raise SystemExit(1)


@cli.command("bench")
@click.option("--sizes", default="1M,10M", show_default=True, metavar="N,N", help="message counts, e.g. 100k,1M,10M")
@click.option("--impl", "impls", default="csana,pandas,duckdb", show_default=True, help="implementations to time")
@click.option("--extras", default="rescore,load,report", show_default=True,
              help="also time: rescore (500 agents), load (CSV and Parquet), report (demo, end to end); '' for none")
@click.option("--work-dir", type=click.Path(file_okay=False), help="where data and results go (kept; reused on the next run)")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--out", type=click.Path(dir_okay=False), help="also write the table as markdown (and FILE.json)")
def bench_command(sizes: str, impls: str, extras: str, work_dir: str | None, seed: int, out: str | None) -> None:
    """Benchmark csana's engine against pandas and DuckDB on generated demo data (needs the test extras)."""
    import tempfile

    from csana.bench.runner import markdown as to_markdown
    from csana.bench.runner import parse_size, run_benchmark

    def split(text: str) -> list[str]:
        return [part.strip() for part in text.split(",") if part.strip()]

    folder = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="csana-bench-"))
    results = run_benchmark([parse_size(s) for s in split(sizes)], folder, split(impls), split(extras), seed,
                            echo=lambda line: click.echo(line, err=True))
    table = to_markdown(results)
    click.echo(table)
    if out:
        Path(out).write_text(table + "\n", encoding="utf-8")
        Path(out).with_suffix(".json").write_text(results.to_json(), encoding="utf-8")
    click.echo(f"data and per-implementation results: {folder}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    for stream in (sys.stdout, sys.stderr):  # a path that is not UTF-8 prints escaped instead of failing
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        cli.main(args=argv, prog_name="csana", standalone_mode=False)
    except CsanaError as exc:
        if debug:
            raise
        click.echo(f"csana: error: {exc}", err=True)
        click.echo("hint: run with --debug for the full traceback", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
