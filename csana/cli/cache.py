"""``csana cache``: where the load cache is, what it holds, and emptying it (:mod:`csana.ingest.cache`)."""

from __future__ import annotations

import click

from csana.cli.base import cli


@cli.group("cache")
def cache_group() -> None:
    """The load cache: validated tables of raw logs, and the facts derived from them per metric params, kept as
    Parquet, so a second run on unchanged files skips parsing, checking and deriving (folder: $CSANA_CACHE_DIR,
    else ~/.cache/csana; off: --no-cache or CSANA_CACHE=off)."""


@cache_group.command("info")
def cache_info() -> None:
    """Where the cache is and how much it holds."""
    from csana.ingest.cache import cache_dir, enabled, usage

    entries, size = usage()
    state = "on" if enabled() else "off (CSANA_CACHE)"
    click.echo(f"{cache_dir()}: {entries} entr{'y' if entries == 1 else 'ies'}, {size / 1e6:,.1f} MB; cache {state}")


@cache_group.command("clear")
def cache_clear() -> None:
    """Remove every entry (the next load of each folder parses its files afresh)."""
    from csana.ingest.cache import cache_dir, clear

    entries, size = clear()
    click.echo(f"removed {entries} entr{'y' if entries == 1 else 'ies'} ({size / 1e6:,.1f} MB) from {cache_dir()}")
