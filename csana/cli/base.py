"""The ``csana`` command group and the options its commands share."""

from __future__ import annotations

import click

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
    from csana.datasets import open_data

    return open_data(data)


def _no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """``--no-cache``: load afresh and keep nothing. Set in the environment, so that a report's notebook
    kernels (and their loads) see it too."""
    if value:
        import os

        os.environ["CSANA_CACHE"] = "off"


NO_CACHE = click.option("--no-cache", is_flag=True, expose_value=False, callback=_no_cache, is_eager=True,
                        help="parse and check the files afresh; do not use or fill the load cache (csana cache)")
