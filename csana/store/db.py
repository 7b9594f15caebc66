"""The store's DuckDB file: where it lives, opening it safely, and its schema versions.

Location (:func:`store_path`): ``--store PATH`` (or ``store=`` in a report configuration), else
``$CSANA_STORE``, else ``csana.duckdb`` beside the data (in a data folder, or next to a data file;
for the bundled demo, in the current folder).

Concurrency. DuckDB lets one process write a file, and no other process read it meanwhile. Every
connection here is short (open, one transaction, close) and :func:`connect` waits for a busy file
— retrying until ``timeout`` seconds (default 120, ``$CSANA_STORE_TIMEOUT``) — instead of failing,
so two ``csana publish`` runs at once take turns and a report waits for a publish to finish. A
publish is one transaction: a run killed half-way leaves the previous versions as they were.

Schema versions. ``csana_schema`` records each applied migration (version, time, csana version).
Opening for writing applies the missing migrations in one transaction; opening read-only a store
of an older schema says how to migrate (``csana store migrate PATH``); a store of a newer schema
asks for a newer csana.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from csana.errors import CsanaError

FILE_NAME = "csana.duckdb"
ENV_STORE = "CSANA_STORE"
ENV_TIMEOUT = "CSANA_STORE_TIMEOUT"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: publications and their figures
        """CREATE TABLE publications (
            publication_id INTEGER PRIMARY KEY, shop VARCHAR NOT NULL, month VARCHAR NOT NULL, version INTEGER NOT NULL,
            published_at TIMESTAMP NOT NULL, data VARCHAR, source VARCHAR, inputs VARCHAR, params VARCHAR,
            attribution_rule VARCHAR, schemes VARCHAR, scheme_hashes VARCHAR, csana_version VARCHAR, note VARCHAR,
            agents INTEGER, total_pay DOUBLE, UNIQUE (shop, month, version))""",
        """CREATE TABLE published_agents (
            publication_id INTEGER NOT NULL, agent_id VARCHAR NOT NULL, name VARCHAR, team VARCHAR, role VARCHAR,
            scheme VARCHAR, grade VARCHAR, status VARCHAR, PRIMARY KEY (publication_id, agent_id))""",
        """CREATE TABLE published_values (
            publication_id INTEGER NOT NULL, scope VARCHAR NOT NULL, key VARCHAR NOT NULL, id VARCHAR NOT NULL,
            value DOUBLE, PRIMARY KEY (publication_id, scope, key, id))""",
    ),
    (  # 2: the schemes' content, so a restatement re-scores with the scheme that was published
        """CREATE TABLE published_schemes (
            publication_id INTEGER NOT NULL, position INTEGER NOT NULL, name VARCHAR NOT NULL,
            content_hash VARCHAR NOT NULL, canonical VARCHAR NOT NULL, PRIMARY KEY (publication_id, position))""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
"""The schema this csana writes and reads."""


def csana_version() -> str:
    try:
        return version("csana")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


def store_path(data: str | Path | None = None, store: str | Path | None = None) -> Path:
    """Where the store is (see the module docstring); the file need not exist yet."""
    if store:
        return Path(store)
    if os.environ.get(ENV_STORE):
        return Path(os.environ[ENV_STORE])
    if data is None or str(data) == "demo":
        return Path.cwd() / FILE_NAME
    place = Path(data)
    return (place if place.is_dir() else place.parent) / FILE_NAME


def _timeout(timeout: float | None) -> float:
    if timeout is not None:
        return timeout
    try:
        return float(os.environ.get(ENV_TIMEOUT, "120"))
    except ValueError:
        raise CsanaError(f"${ENV_TIMEOUT} is not a number of seconds", fix=f"unset it or set e.g. {ENV_TIMEOUT}=60") from None


def is_duckdb_file(path: Path) -> bool:
    """Whether ``path`` starts as a DuckDB database does (``DUCK`` after an 8-byte checksum); an empty file
    does not. Checked before DuckDB opens it, since DuckDB would read some other files (CSV) as views."""
    with path.open("rb") as handle:
        return handle.read(12)[8:] == b"DUCK"


@contextmanager
def connect(path: Path, read_only: bool, timeout: float | None = None) -> Iterator:
    """A DuckDB connection to the store, waiting while another process holds the file; closed on exit."""
    import duckdb

    if read_only and not path.exists():
        raise CsanaError("no store at this path", file=str(path),
                         fix="publish a month first: csana publish DATA --month M --scheme S")
    if path.is_file() and not is_duckdb_file(path):
        raise CsanaError("this file is not a DuckDB database, so not a csana store", file=str(path),
                         fix="choose another --store path (csana creates the file; its default name is csana.duckdb)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + _timeout(timeout)
    pause = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise CsanaError(f"cannot open the store ({exc})", file=str(path),
                                 fix="check that the file is a csana store (a DuckDB database)") from None
            if time.monotonic() >= deadline:
                raise CsanaError("the store is busy: another csana process keeps it open", file=str(path),
                                 fix=f"wait for it to finish and try again (or raise ${ENV_TIMEOUT})") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)
        except duckdb.Error as exc:
            raise CsanaError(f"cannot open the store ({exc})", file=str(path),
                             fix="check that the file is a csana store (a DuckDB database)") from None
    try:
        yield con
    finally:
        con.close()


def schema_version(con, path: Path | None = None) -> int:
    """The store's schema version: 0 for an empty file; an error for a DuckDB file that is not a csana store."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "csana_schema" in tables:
        return int(con.execute("SELECT max(version) FROM csana_schema").fetchone()[0] or 0)
    if tables:
        raise CsanaError(f"this DuckDB file holds other tables ({', '.join(sorted(tables)[:5])}), not a csana store",
                         file=str(path) if path else None, fix="choose another --store path")
    return 0


def migrate(con, path: Path, upto: int = SCHEMA_VERSION) -> tuple[int, int]:
    """Apply the missing migrations (up to ``upto``) in one transaction; returns (from, to) versions."""
    found = schema_version(con, path)
    if found > SCHEMA_VERSION:
        raise newer_schema(path, found)
    if found >= upto:
        return found, found
    con.execute("BEGIN TRANSACTION")
    try:
        if found == 0:
            con.execute("CREATE TABLE csana_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMP, csana_version VARCHAR)")
        for number in range(found + 1, upto + 1):
            for statement in MIGRATIONS[number - 1]:
                con.execute(statement)
            con.execute("INSERT INTO csana_schema VALUES (?, current_timestamp, ?)", [number, csana_version()])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return found, upto


def newer_schema(path: Path, found: int) -> CsanaError:
    return CsanaError(f"the store has schema version {found}, newer than this csana's ({SCHEMA_VERSION})", file=str(path),
                      fix="upgrade csana (pip install -U csana) to read it")


def check_readable(con, path: Path) -> None:
    """Refuse a store whose schema this csana cannot read, saying how to fix it."""
    found = schema_version(con, path)
    if found > SCHEMA_VERSION:
        raise newer_schema(path, found)
    if found < SCHEMA_VERSION:
        raise CsanaError(f"the store was written by an older csana (schema version {found} of {SCHEMA_VERSION})",
                         file=str(path), fix=f"migrate it once: csana store migrate {path}")


@contextmanager
def open_store(path: Path, read_only: bool = True, timeout: float | None = None) -> Iterator:
    """A connection to a store of the current schema: migrated when writable, checked when read-only."""
    with connect(path, read_only, timeout) as con:
        if read_only:
            check_readable(con, path)
        else:
            migrate(con, path)
        yield con
