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
