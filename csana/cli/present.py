"""Commands that present: ``csana report`` (monthly report) and ``csana dashboard`` (Voilà explorer)."""

from __future__ import annotations

import sys

import click

from csana.agency.settings import DEFAULT_MIN_BASE, DEFAULT_RANK_BY
from csana.cli.agency import check_where, report_all_shops, where_options
from csana.cli.base import LANG, MONTH, NO_CACHE, cli
from csana.errors import CsanaError
from csana.i18n import LANGS


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
@click.option("--attribution-compare/--no-attribution-compare", "attribution_compare", default=None,
              help="append the attribution rules side by side (docs/attribution.md)")
@click.option("--store", metavar="PATH", help="published months' store (default: csana.duckdb beside the data, or $CSANA_STORE)")
@where_options
@click.option("--force", is_flag=True, help="with --all-shops: render shops whose report is up to date, too")
@click.option("--rank-by", default=DEFAULT_RANK_BY, show_default=True, metavar="METRIC",
              help="with --all-shops: the metric shops and agents are ranked on in the overview")
@click.option("--min-base", type=click.IntRange(min=0), default=DEFAULT_MIN_BASE, show_default=True, metavar="N",
              help="with --all-shops: agents whose base of that metric is below N are not ranked")
@NO_CACHE
def report_command(config_file: str | None, all_teams: bool, all_shops: bool, workers: int | None, scheduler: str | None,
                   shops_table: str | None, force: bool, rank_by: str, min_base: int, **options: object) -> None:
    """Monthly report: executed notebook, offline HTML and A4 PDF in reports/<month>/.

    With no options: the demo data's latest complete month, in HTML and PDF. With --all-shops:
    every shop's report and the agency overview (OUT/<month>/agency_overview.html/.pdf).
    """
    from csana.report import load_config, plan, render_all

    check_where(all_shops, workers, scheduler, shops_table, **{"--force": force})
    if all_shops:
        if all_teams:
            raise CsanaError("--all-shops makes one report per shop", fix="drop --all-teams (or run --all-teams per shop)")
        report_all_shops(config_file, options, workers=workers, scheduler=scheduler, force=force,
                         shops_table=shops_table, rank_by=rank_by, min_base=min_base)
        return
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
