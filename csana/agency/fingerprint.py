"""Whether a shop's report is already up to date: the input hash of a report, and its record beside the report.

A shop's *fingerprint* is the SHA-256 of everything its report is made from: the content of
its data files (or of its dataset snapshot), the resolved metric parameters, the content of
each scoring scheme, the diagnostic rules, the column and export mappings, the report's
settings (month asked for, language, formats, name, excerpts, scorecards, shop label), the
report notebook and templates, and csana's version. After a report is rendered its *record*
``<out>/<month>/.csana/<name>.json`` keeps the fingerprint, the output files and the figures
of the agency overview; a later run whose fingerprint equals a record's, with every output
file still there, skips the shop and takes the overview's figures from the record.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from csana.agency.book import DATA_SUFFIXES
from csana.config import PARAMS_DIR
from csana.ingest.files import data_files
from csana.report.config import ReportConfig
from csana.report.render import NOTEBOOK, TEMPLATES

RECORD_DIR = ".csana"
CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB chunks (a shop's chat logs can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_digest(root: Path, suffixes: tuple[str, ...] = DATA_SUFFIXES) -> str:
    """SHA-256 over the relative names and contents of the data files under ``root`` (or of ``root`` itself)."""
    files = [root] if root.is_file() else data_files(root, suffixes)
    digest = hashlib.sha256()
    for path in files:
        name = path.name if path == root else path.relative_to(root).as_posix()
        digest.update(f"{name}\0{file_sha256(path)}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def loading_digest() -> str:
    """The mappings that decide how files are read: params/columns.yaml and params/sources/*.yaml."""
    files = [PARAMS_DIR / "columns.yaml", *sorted((PARAMS_DIR / "sources").glob("*.yaml"))]
    return _digest({p.name: file_sha256(p) for p in files if p.is_file()})


def settings_digest(config: ReportConfig) -> str:
    """Everything but the data that a report of ``config`` depends on (see the module docstring)."""
    from csana import __version__
    from csana.diagnosis.rules import DEFAULT_FILE
    from csana.params import MetricParams
    from csana.report.context import scheme_names
    from csana.scoring.scheme import load_scheme

    settings: dict[str, Any] = {
        "csana": __version__,
        "report": config.model_dump(mode="json", exclude={"data", "out"}),
        "metrics": MetricParams.load(config.metrics).model_dump(mode="json"),
        "schemes": [load_scheme(name).content_hash for name in scheme_names(config.scheme)],
        "diagnostics": file_sha256(DEFAULT_FILE),
        "loading": loading_digest(),
        "notebook": file_sha256(NOTEBOOK),
        "templates": files_digest(TEMPLATES, (".j2", ".css", ".json")),
    }
    return _digest(settings)


def fingerprint(data: str, settings: str) -> str:
    """A report's input hash from the digests of its data and of its settings."""
    return _digest({"data": data, "settings": settings})


def _digest(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def record_path(out: Path, month: str, name: str) -> Path:
    """Where the record of report ``name`` of ``month`` lives."""
    return out / month / RECORD_DIR / f"{name}.json"


def write_record(out: Path, month: str, name: str, record: dict[str, Any]) -> Path:
    """Write a report's record (atomically: a crash mid-write leaves the old record or none)."""
    path = record_path(out, month, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(record, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    partial.replace(path)
    return path


def find_record(out: Path, month: str | None, name: str, wanted: str) -> dict[str, Any] | None:
    """The record of report ``name`` with fingerprint ``wanted`` whose outputs all exist, else None.

    With no month asked for, every month folder is looked at: the fingerprint holds "no month
    asked", and the same data always resolves to the same latest complete month.
    """
    candidates = [record_path(out, month, name)] if month else sorted(out.glob(f"*/{RECORD_DIR}/{name}.json"))
    for path in candidates:
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        folder = path.parent.parent
        if record.get("fingerprint") == wanted and all((folder / f).is_file() for f in record.get("files", {}).values()):
            return record
    return None
