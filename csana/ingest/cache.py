"""The load cache: validated tables of raw logs kept as Parquet, so a repeated load skips parsing.

Reading and checking a 500 MB chat log takes seconds; reading the same rows back from Parquet
takes a fraction of one. :func:`csana.ingest.raw.load` (so ``csana metrics``, ``csana report``,
``csana check`` and the notebooks) keeps two kinds of entries here:

*file entry*
    what one input file gave: its input tables' good rows, rejected rows and tallies, and the
    warnings its reading and checking wrote. Keyed by the file's *content hash* (XXH3-128 of its
    bytes), its label (path relative to the folder loaded: labels go into rejected rows and
    warnings), the load params (``params/columns.yaml``) and the loader's code. A changed file
    misses its own entry only: the other files' entries are used as they are, and the steps
    that span files (duplicates across files, orders referred to, agents listed) run again.
*load entry*
    the whole :class:`~csana.ingest.dataset.Dataset` of a folder: keyed by the folder's name and
    every file's key. It stores only what the file entries do not hold (rejected rows, counts,
    tallies, warnings, and a table only when the steps across files removed rows from it), so
    an unchanged folder is read back without any checking.
*derived entry*
    the derived tables of a loaded folder under one set of metric params (receptions, responses,
    attribution, credits, assists: :func:`csana.facts.derived.derive`), so a repeated
    ``csana metrics`` neither sorts the messages nor rebuilds receptions. Keyed by the load
    entry's key (so by every file's content and the load params), the metric params (every
    field: ``params/metrics.yaml`` and overrides), the code of ``csana/facts`` and
    ``csana/params.py``, and the polars version. Used only for a dataset whose messages and
    orders are still the tables its load gave (:meth:`csana.ingest.dataset.Dataset.loaded_key`).
    Its tables are read when first used, and the *measure rows* of each window and grouping
    computed from them are kept next to it (``rows/``; :mod:`csana.facts.stored`).

A cached load's tables are read back when first used (:class:`~csana.ingest.dataset.Tables`), so a
repeated ``csana metrics`` of a month whose measure rows are kept never reads the messages. Whether
each file of a folder is a platform export (asked before every load) is remembered by the file's
content hash, the flavours' mapping files and the reading code (:meth:`Store.verdict`).

A cached load gives exactly the Dataset a fresh load gives (tables, rejected rows, counts,
tallies and warnings; tests/ingest/test_cache.py), and cached derived tables exactly the metrics a
fresh derivation gives (tests/facts/test_derived_cache.py). The content hash of a file is itself
remembered by path, size, inode and modification time (as git's index does), and only for a
file last modified more than :data:`SETTLED_S` seconds before it was hashed, so a file
rewritten within the same clock tick is hashed again.

Where: ``$CSANA_CACHE_DIR``, else ``$XDG_CACHE_HOME/csana``, else ``~/.cache/csana``.
Off: ``CSANA_CACHE=off`` (``--no-cache`` on the command line sets it). Emptied by
``csana cache clear``; entries of changed files stay until then.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import polars as pl
import xxhash

from csana.errors import CsanaError
from csana.i18n import kept, unkept
from csana.ingest.dataset import Deferred, Tables
from csana.ingest.inputs import FILE

FORMAT = 2
"""The layout of entries; raise it when it changes (older entries are then never read)."""
SETTLED_S = 2.0
"""A file's remembered hash is trusted only if the file was last modified this long before hashing."""
OFF = ("0", "off", "no", "false")
CODE = ("account.py", "cells.py", "columns.py", "dataset.py", "files.py", "inputs.py", "raw.py", "rows.py", "rules.py",
        "schema.py", "workbook.py", "cache.py")
"""The loader's modules: a change to any of them changes every key."""
DERIVED_CODE = ("facts", "params.py", "catalogue.py", "periods.py")
"""What derivation and the measures run (csana/facts/*.py and these modules): a change to any of it changes
every derived key."""
KINDS = ("files", "loads", "derived", "rows")
"""The kinds of entries (sub-folders of the cache folder)."""
COMPRESSION = "lz4"
"""Fast to write and read back; the cache is for speed, not for small files."""


def cache_dir() -> Path:
    """The cache folder (see the module's docs)."""
    if os.environ.get("CSANA_CACHE_DIR"):
        return Path(os.environ["CSANA_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "csana"


def enabled(flag: bool | None = None) -> bool:
    """Whether to use the cache: ``flag`` when given, else unless ``CSANA_CACHE`` says off."""
    if flag is not None:
        return flag
    return os.environ.get("CSANA_CACHE", "on").strip().lower() not in OFF


def clear(folder: Path | None = None) -> tuple[int, int]:
    """Remove every entry; returns (entries, bytes) removed."""
    settle()
    folder = folder or cache_dir()
    entries = size = 0
    for kind in (*KINDS, "hashes"):
        sub = folder / kind
        if not sub.is_dir():
            continue
        for entry in sub.iterdir():
            entries += kind != "hashes"
            size += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file()) if entry.is_dir() else entry.stat().st_size
        shutil.rmtree(sub, ignore_errors=True)
    return entries, size


def usage(folder: Path | None = None) -> tuple[int, int]:
    """(entries, bytes) the cache holds."""
    settle()
    folder = folder or cache_dir()
    entries = size = 0
    for kind in KINDS:
        sub = folder / kind
        if sub.is_dir():
            for entry in sub.iterdir():
                entries += 1
                size += sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
    return entries, size


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _code_digest() -> str:
    here = Path(__file__).parent
    return _digest(*(hashlib.blake2b((here / name).read_bytes(), digest_size=16).hexdigest() for name in CODE))


def code_digest(*paths: Path) -> str:
    """A digest of files' names and contents (of the ``*.py`` and ``*.yaml`` files of a folder given)."""
    files: list[Path] = []
    for path in paths:
        files += sorted([*path.glob("*.py"), *path.glob("*.yaml")]) if path.is_dir() else [path]
    return _digest(*(f"{f.name}:{hashlib.blake2b(f.read_bytes(), digest_size=16).hexdigest()}" for f in files))


def _derived_code_digest() -> str:
    package = Path(__file__).parents[1]
    return _digest(pl.__version__, code_digest(*(package / name for name in DERIVED_CODE)))


@dataclass
class PieceCheck:
    """What checking one input table gave: its good and rejected rows, tallies and warnings."""

    good: pl.DataFrame
    bad: pl.DataFrame
    tallies: list[pl.DataFrame]
    warnings: list[str]


@dataclass
class CachedPiece:
    """An input table as remembered: what :func:`csana.ingest.raw.load` needs of it without its rows."""

    label: str
    table: str | None
    encoding: str | None
    rows_read: int
    header_only: bool
    identify_warnings: list[str]
    check: PieceCheck | None


@dataclass
class FileEntry:
    """One file's entry: its reading's warnings and its input tables."""

    key: str
    read_warnings: list[str]
    pieces: list[CachedPiece] = field(default_factory=list)


class Store:
    """The cache folder's entries (see the module's docs)."""

    def __init__(self, folder: Path, params_json: str) -> None:
        self.folder = folder
        self.salt = _digest(str(FORMAT), _code_digest(), params_json)

    # -- keys --------------------------------------------------------------------------------

    def content_hash(self, path: Path) -> str:
        """XXH3-128 of the file's bytes, remembered by path, size, inode and modification time.

        A cache key, not a signature: XXH3 reads at memory speed (0.1 s for a 780 MB chat log where
        BLAKE2b took 1 s, on the first load of a folder), and its 128 bits make two different files
        of one name meeting by chance out of the question."""
        stat = path.stat()
        memo = self.folder / "hashes" / _digest(str(path.resolve()), str(stat.st_size), str(stat.st_ino), str(stat.st_mtime_ns))
        try:
            return memo.read_text(encoding="ascii").strip()
        except OSError:
            pass
        started = time.time()
        digest = xxhash.xxh3_128()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                digest.update(chunk)
        value = digest.hexdigest()
        if stat.st_mtime < started - SETTLED_S:
            _write_atomic(memo, value)
        return value

    def verdict(self, path: Path, salt: str, judge: Callable[[Path], bool]) -> bool:
        """``judge(path)``, remembered by the file's content hash and ``salt`` (everything else the answer
        depends on): whether a file of a folder is a platform export, asked before every load."""
        memo = self.folder / "hashes" / _digest("verdict", salt, self.content_hash(path))
        try:
            return memo.read_text(encoding="ascii").strip() == "1"
        except OSError:
            pass
        value = judge(path)
        _write_atomic(memo, "1" if value else "0")
        return value

    def file_key(self, path: Path, label: str) -> str:
        return _digest(self.salt, "file", label, self.content_hash(path))

    def load_key(self, source: str, file_keys: Sequence[str]) -> str:
        return _digest(self.salt, "load", source, *file_keys)

    # -- file entries ------------------------------------------------------------------------

    def get_file(self, key: str) -> FileEntry | None:
        folder = self.folder / "files" / key
        settle(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            pieces = []
            for i, p in enumerate(meta["pieces"]):
                check = None
                if p["checked"]:
                    tallies = pl.read_parquet(folder / f"{i}.tallies.parquet")
                    good = pl.read_parquet(folder / f"{i}.good.parquet").with_columns(pl.lit(p["label"], pl.String).alias(FILE))
                    check = PieceCheck(good, pl.read_parquet(folder / f"{i}.bad.parquet"), [tallies] if tallies.height else [],
                                       unkept(p["check_warnings"]))
                pieces.append(CachedPiece(p["label"], p["table"], p["encoding"], p["rows_read"], p["header_only"],
                                          unkept(p["identify_warnings"]), check))
        except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
            return None  # absent, or half-removed by a concurrent clear: load afresh
        return FileEntry(key, unkept(meta["read_warnings"]), pieces)

    def put_file(self, entry: FileEntry, tally_schema: dict[str, pl.DataType]) -> None:
        checked = [(i, p.label, p.check.good, p.check.bad, list(p.check.tallies)) for i, p in enumerate(entry.pieces) if p.check]
        meta = json.dumps({"read_warnings": kept(entry.read_warnings), "pieces": [
            {"label": p.label, "table": p.table, "encoding": p.encoding, "rows_read": p.rows_read,
             "header_only": p.header_only, "identify_warnings": kept(p.identify_warnings), "checked": p.check is not None,
             "check_warnings": kept(p.check.warnings) if p.check else []} for p in entry.pieces]}, ensure_ascii=False)

        def write(folder: Path) -> None:
            for i, label, good_rows, bad, tallies in checked:
                # the file's label in every row is the piece's label: stored once, in the meta
                good = good_rows.drop(FILE) if good_rows.columns[-1:] == [FILE] else good_rows
                if good.width == good_rows.width or (good_rows[FILE] != label).any():
                    raise OSError("not a loader's good rows")  # never store what could not be read back as it was
                good.write_parquet(folder / f"{i}.good.parquet", compression=COMPRESSION, statistics=False)
                bad.write_parquet(folder / f"{i}.bad.parquet", compression=COMPRESSION, statistics=False)
                (pl.concat(tallies) if tallies else pl.DataFrame(schema=tally_schema)).write_parquet(
                    folder / f"{i}.tallies.parquet", compression=COMPRESSION)
            (folder / "meta.json").write_text(meta, encoding="utf-8")

        self._put(self.folder / "files" / entry.key, write)

    # -- load entries ------------------------------------------------------------------------

    def get_load(self, key: str) -> dict | None:
        """The load entry: ``meta`` (warnings, which tables are the file entries' rows) and frames; the tables
        (:class:`~csana.ingest.dataset.Tables`) are read when first used."""
        folder = self.folder / "loads" / key
        settle()  # the file entries it names too
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            frames = {name: pl.read_parquet(folder / f"{name}.parquet") for name in ("rejected", "files", "tallies")}
            tables: dict[str, Deferred] = {}
            for name, parts in meta["tables"].items():
                if parts is None:
                    files = [folder / f"table.{name}.parquet"]
                else:
                    files = [self.folder / "files" / k / f"{i}.good.parquet" for k, i in parts]
                if not all(f.is_file() for f in files):
                    return None
                tables[name] = Deferred(partial(_stacked, files, meta["schemas"][name], parts is not None))
        except (OSError, ValueError, KeyError, pl.exceptions.PolarsError):
            return None
        return {"tables": Tables(tables, key), "warnings": unkept(meta["warnings"]), **frames}

    def put_load(self, key: str, tables: dict[str, pl.DataFrame], parts: dict[str, list[tuple[str, int]] | None],
                 rejected: pl.DataFrame, files: pl.DataFrame, tallies: pl.DataFrame, warnings: list[str]) -> None:
        """Store a load; ``parts[name]`` names the file entries whose good rows, stacked, are table ``name``
        (None: the table is stored itself)."""
        meta = json.dumps({"warnings": kept(warnings), "tables": {name: parts.get(name) for name in tables},
                           "schemas": {name: list(frame.columns) for name, frame in tables.items()}}, ensure_ascii=False)
        whole = {name: frame for name, frame in tables.items() if parts.get(name) is None}

        def write(folder: Path) -> None:
            for name, frame in (("rejected", rejected), ("files", files), ("tallies", tallies)):
                frame.write_parquet(folder / f"{name}.parquet", compression=COMPRESSION)
            for name, frame in whole.items():
                frame.write_parquet(folder / f"table.{name}.parquet", compression=COMPRESSION, statistics=False)
            (folder / "meta.json").write_text(meta, encoding="utf-8")

        self._put(self.folder / "loads" / key, write)

    # -- derived entries ---------------------------------------------------------------------

    def derived_key(self, load_key: str, params_json: str) -> str:
        """The key of the derived tables of a load under metric params (see the module's docs)."""
        return _digest(str(FORMAT), "derived", load_key, _derived_code_digest(), params_json)

    def get_derived(self, key: str) -> tuple[dict[str, Path], dict] | None:
        """The derived entry's frames (as files, read when needed) and its values (what is not a table), or None."""
        folder = self.folder / "derived" / key
        settle(folder)
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            frames = {name: folder / f"{name}.parquet" for name in meta["frames"]}
            if not all(f.is_file() for f in frames.values()):
                return None
        except (OSError, ValueError, KeyError):
            return None
        return frames, meta["values"]

    def put_derived(self, key: str, frames: dict[str, pl.DataFrame], values: dict) -> None:
        """Store derived frames and JSON ``values`` under ``key``."""
        frames = dict(frames)
        meta = json.dumps({"frames": list(frames), "values": values}, ensure_ascii=False)

        def write(folder: Path) -> None:
            for name, frame in frames.items():
                frame.write_parquet(folder / f"{name}.parquet", compression=COMPRESSION, statistics=False)
            (folder / "meta.json").write_text(meta, encoding="utf-8")

        self._put(self.folder / "derived" / key, write)

    def get_rows(self, key: str, part: str) -> pl.DataFrame | None:
        """The measure rows ``part`` (a window and grouping) of derived entry ``key``, or None."""
        try:
            return pl.read_parquet(self.folder / "rows" / key / f"{_digest(part)}.parquet")
        except (OSError, pl.exceptions.PolarsError):
            return None

    def put_rows(self, key: str, part: str, frame: pl.DataFrame) -> None:
        """Store measure rows next to the others of derived entry ``key`` (written whole, then moved into place)."""
        folder = self.folder / "rows" / key
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".new-", suffix=".parquet", dir=folder)
            os.close(fd)
        except OSError:
            return
        try:
            frame.write_parquet(tmp, compression=COMPRESSION)
            os.replace(tmp, folder / f"{_digest(part)}.parquet")
        except (OSError, pl.exceptions.PolarsError):
            Path(tmp).unlink(missing_ok=True)

    def _put(self, final: Path, write: Callable[[Path], None]) -> None:
        """Write an entry into a fresh folder, then move it into place (readers never see half an entry),
        on the cache's writer thread (:func:`in_background`)."""
        if final.exists() or final in _WRITES:
            return
        in_background(final, partial(_write_entry, final, write))


def _write_entry(final: Path, write: Callable[[Path], None]) -> None:
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".new-", dir=final.parent))
    except OSError:  # a read-only or full disk: the cache is an optimisation, never an error
        return
    try:
        write(staging)
        staging.rename(final)
    except (OSError, pl.exceptions.PolarsError):  # a full disk, or another process stored the same entry meanwhile
        shutil.rmtree(staging, ignore_errors=True)


# -- the writer thread ---------------------------------------------------------------------------

_WRITES: dict[Path, Future[None]] = {}
"""The entries being written, by their final folder."""
_LOCK = threading.Lock()
_WRITER: list[ThreadPoolExecutor] = []


def in_background(final: Path, work: Callable[[], None]) -> None:
    """Run ``work`` (writing the entry ``final``) on the cache's one writer thread, in the order asked.

    Writing the validated messages of a first load takes a second or two at 10M messages; polars
    writes Parquet without holding the GIL, so the run goes on deriving beside it. A read of an entry
    of this process waits for its writing (:func:`settle`), and so does the end of the process and
    the start of another one that reads the cache (a report's kernel: :func:`settle` with no entry)."""
    with _LOCK:
        if not _WRITER:
            _WRITER.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="csana-cache"))
            atexit.register(settle)
        _WRITES[final] = _WRITER[0].submit(work)


def settle(*finals: Path) -> None:
    """Wait until the entries ``finals`` (none: every entry) being written in this process are written."""
    with _LOCK:
        waiting = [(p, f) for p, f in _WRITES.items() if not finals or p in finals]
    for path, future in waiting:
        try:
            future.result()
        except Exception:  # noqa: BLE001 — the cache is an optimisation: an entry not written is simply absent
            pass
        with _LOCK:
            if _WRITES.get(path) is future:
                del _WRITES[path]


def _stacked(files: list[Path], columns: list[str], parts: bool) -> pl.DataFrame:
    """A table of a load entry: stored whole, or (``parts``) the good rows of file entries stacked as the
    loader stacks them, without row numbers and labels."""
    try:
        if not parts:
            return pl.read_parquet(files[0])
        frames = [pl.read_parquet(f, columns=[c for c in pl.read_parquet_schema(f) if c in columns]) for f in files]
        stacked = frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal_relaxed")
        return stacked.select(columns)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise CsanaError(f"the load cache changed while this run read it ({type(exc).__name__})", file=str(files[0]),
                         fix="run the command again, or with --no-cache (CSANA_CACHE=off)") from None


def _write_atomic(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".new-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError:
        return


def open_store(flag: bool | None, params_json: str) -> Store | None:
    """The cache store, or None when the cache is off."""
    return Store(cache_dir(), params_json) if enabled(flag) else None


def derived_store() -> Store | None:
    """The cache store for derived entries (whose keys hold the load's key), or None when the cache is off."""
    return Store(cache_dir(), "") if enabled() else None
