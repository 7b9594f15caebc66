"""The ``csana`` command line: one sub-command per job, all calling the public API.

User errors (:class:`csana.errors.CsanaError`) end the program with exit code 2
and one line naming the problem and its fix; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from csana.errors import CsanaError

MONTH = click.option("--month", "-m", metavar="YYYY-MM", help="calendar month (default: the data's latest complete month)")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="show the full traceback on errors")
@click.version_option(package_name="csana")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """csana — 客服绩效分析: metrics, KPI pay, diagnostics and monthly reports."""
    ctx.obj = {"debug": debug}


DATA = click.argument("data", metavar="DATA")
LANG = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="label language")
PARAMS = click.option("--params", "params_file", type=click.Path(dir_okay=False), help="metric params YAML/JSON (default params/metrics.yaml)")


def load_data(data: str):
    """DATA on the command line: 'demo' (the built-in demo), raw logs, or platform exports."""
    if data == "demo":
        from csana.demo import demo_dataset

        return demo_dataset()
    if not Path(data).exists():
        raise CsanaError("no such file or folder", file=data, fix="give a folder of CSV/XLSX/Parquet files, or 'demo'")
    from csana.exports import load_any

    return load_any(data)


@cli.command("metrics")
@DATA
@MONTH
@PARAMS
@click.option("--out", type=click.Path(dir_okay=False), help="write FILE.csv, .xlsx or .parquet (canonical ids as columns)")
@click.option("--daily", is_flag=True, help="one row per agent per day instead of per month")
@LANG
def metrics_command(data: str, month: str | None, params_file: str | None, out: str | None, daily: bool, lang: str) -> None:
    """Per-agent metrics of a month (spec 1 §3), from raw logs or platform exports."""
    from csana import engine
    from csana.params import MetricParams

    dataset = load_data(data)
    params = MetricParams.load(params_file)
    compute = engine.agent_daily_metrics if daily else engine.agent_metrics
    table = compute(dataset, month, params)
    if out:
        from csana.writers import write_table

        click.echo(f"wrote {write_table(table, out)} ({table.height} rows)")
        return
    print_metrics(table, "date" if daily else "month", lang)
    if dataset.kind == "raw":
        month = month or engine.latest_complete_month(dataset, params)
        print_provisional(engine.provisional(dataset, month, params), lang)


def print_metrics(table, period: str, lang: str) -> None:
    """A readable table: one row per metric, one column per agent (and day, when daily)."""
    from rich.console import Console
    from rich.table import Table

    from csana.metrics import PUBLIC_IDS, format_value, metric

    for (when,), part in table.group_by(period, maintain_order=True):
        grid = Table(title=f"{when}", show_lines=False)
        grid.add_column("指标" if lang == "zh" else "metric")
        names = [(n or a) for a, n in zip(part["agent_id"], part["name"])]
        for name in names:
            grid.add_column(str(name), justify="right")
        for metric_id in PUBLIC_IDS:
            m = metric(metric_id)
            grid.add_row(m.label(lang), *[format_value(v, m.unit) for v in part[metric_id]])
        Console(width=max(100, 14 * (len(names) + 2))).print(grid)


def print_provisional(flags, lang: str) -> None:
    """One line per delayed metric that is not final yet."""
    from csana.metrics import label

    for row in flags.filter(flags["provisional"]).iter_rows(named=True):
        name = label(row["metric"], lang)
        if lang == "zh":
            click.echo(f"注意: {name} 为暂定值(数据截至 {row['data_end']}), {row['final_on']} 后确定")
        else:
            click.echo(f"note: {name} is provisional (data ends {row['data_end']}); final on {row['final_on']}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
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
