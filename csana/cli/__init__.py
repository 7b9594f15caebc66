"""The ``csana`` command line: one sub-command per job, all calling the public API.

User errors (:class:`csana.errors.CsanaError`) end the program with exit code 2
and one line naming the problem and its fix; ``--debug`` shows the traceback.
Commands live in the modules of this package, grouped by what they are about.
"""

from __future__ import annotations

import sys

import click

from csana.cli import agency, bench, cache, credit, data, diagnose, pay, present, store  # noqa: F401  (each registers its commands)
from csana.cli.base import cli
from csana.errors import CsanaError

__all__ = ["cli", "main"]


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
