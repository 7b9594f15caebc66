"""Opening DATA as users name it: the one place that turns a name into a :class:`Dataset`.

The command line, the notebooks' widgets and the report all take DATA the same way:
``demo`` (or nothing) for the bundled demo shop, a folder or file of raw chat logs and
orders, or a folder or file of platform exports (told apart by their headers), a dataset
snapshot (:mod:`csana.ingest.snapshot`: one shop of a batch), or a :class:`Dataset` already loaded.
"""

from __future__ import annotations

from pathlib import Path

from csana.errors import CsanaError
from csana.exports.load import load_any
from csana.ingest.dataset import Dataset
from csana.ingest.snapshot import is_snapshot, read_snapshot

DEMO = "demo"


def open_data(data: str | Path | Dataset | None) -> Dataset:
    """The dataset ``data`` names: a Dataset as is; None, '' or 'demo' the demo shop; else a path."""
    if isinstance(data, Dataset):
        return data
    if data is None or str(data).strip().lower() in ("", DEMO):
        from csana.demo.bundled import demo_dataset

        return demo_dataset()
    path = Path(str(data).strip()).expanduser()
    if not path.exists():
        raise CsanaError("no such file or folder", file=str(path),
                         fix="give a folder of CSV/XLSX/Parquet files (raw logs or platform exports), or demo")
    if is_snapshot(path):
        return read_snapshot(path)
    return load_any(path)
