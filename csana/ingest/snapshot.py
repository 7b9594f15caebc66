"""Dataset snapshots: a loaded :class:`Dataset` written to a folder and read back unchanged.

A batch of shops that share one data folder (a ``shop_id`` column, or ``店铺:客服`` names in
one export) loads it once and writes each shop's part as a snapshot, so every shop's report
(in another process, or on another machine of a cluster) reads only its own rows. A
snapshot keeps everything a report shows: the tables with their exact types (Arrow IPC
files), the source label, the capabilities, the warnings, and the account of rows read and
rejected — so a report from a snapshot of ``for_shop(data, X)`` equals the report of
``data`` with ``shop=X``. :func:`open_data` recognises a snapshot folder by its manifest.

Layout: ``<folder>/csana-snapshot.json`` (format version, source, capabilities, warnings,
table names, and each file's SHA-256), ``<table>.arrow`` per table, ``_rejected.arrow``,
``_files.arrow``.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import polars as pl

from csana.errors import CsanaError
from csana.i18n import kept, unkept
from csana.ingest.dataset import Capability, Dataset

MANIFEST = "csana-snapshot.json"
FORMAT = 1
_BOOKKEEPING = {"_rejected": "rejected", "_files": "files"}


def is_snapshot(path: str | Path) -> bool:
    """Whether ``path`` is a snapshot folder (holds the manifest)."""
    return (Path(path) / MANIFEST).is_file()


def _arrow_bytes(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="zstd")
    return buffer.getvalue()


def write_snapshot(dataset: Dataset, folder: str | Path) -> str:
    """Write ``dataset`` to ``folder`` (created; files of an older snapshot there are replaced).

    Returns the snapshot's content hash: the SHA-256 over its manifest, which names each
    file's SHA-256, so equal data gives an equal hash (the batch's skip test uses it).
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    frames = {**dataset.tables, "_rejected": dataset.rejected, "_files": dataset.files}
    digests = {}
    for name, frame in frames.items():
        data = _arrow_bytes(frame)
        digests[name] = hashlib.sha256(data).hexdigest()
        (target / f"{name}.arrow").write_bytes(data)
    manifest = {
        "format": FORMAT, "source": dataset.source, "capabilities": sorted(c.value for c in dataset.capabilities),
        "warnings": kept(dataset.warnings), "tables": sorted(dataset.tables), "sha256": digests,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True)
    (target / MANIFEST).write_text(text, encoding="utf-8")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def snapshot_hash(folder: str | Path) -> str:
    """The content hash :func:`write_snapshot` returned for this snapshot."""
    return hashlib.sha256((Path(folder) / MANIFEST).read_bytes()).hexdigest()


def read_snapshot(folder: str | Path) -> Dataset:
    """The dataset a snapshot holds, exactly as it was written (no re-validation: it was validated on load)."""
    root = Path(folder)
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CsanaError(f"unreadable dataset snapshot: {exc}", file=str(root / MANIFEST),
                         fix="delete the folder and run the batch again (it is rewritten from the data)") from None
    if manifest.get("format") != FORMAT:
        raise CsanaError(f"dataset snapshot format {manifest.get('format')!r}, this csana reads {FORMAT}",
                         file=str(root), fix="delete the folder and run the batch again")

    def frame(name: str) -> pl.DataFrame:
        path = root / f"{name}.arrow"
        try:
            return pl.read_ipc(path)
        except OSError as exc:
            raise CsanaError(f"dataset snapshot is incomplete: {exc}", file=str(path),
                             fix="delete the folder and run the batch again") from None

    extra = {field: frame(name) for name, field in _BOOKKEEPING.items()}
    return Dataset(
        tables={name: frame(name) for name in manifest["tables"]}, source=manifest["source"],
        capabilities=frozenset(Capability(c) for c in manifest["capabilities"]),
        warnings=unkept(manifest["warnings"]), **extra,
    )
