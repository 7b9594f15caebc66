"""The small pre-built demo shipped in ``csana/data/demo/``, loaded like user data.

Apart from :mod:`csana.demo.generator` (which built it and needs numpy), so that opening the demo
(``csana report``, the notebooks, ``open_data("demo")``) imports neither numpy nor the generator.
"""

from __future__ import annotations

from pathlib import Path

from csana.errors import CsanaError
from csana.ingest.dataset import Dataset

DEMO_DIR = Path(__file__).resolve().parents[1] / "data" / "demo"
"""The pre-built demo shipped with the package (parquet, one file per table)."""


def demo_dataset() -> Dataset:
    """The small pre-built demo shipped with csana: :func:`~csana.demo.generator.generate_demo` with its
    defaults, loaded like user data.

    One shop, 售前一组 (9 agents) and 售后组 (3), September and October 2026 plus
    1–4 November, about 47,000 messages.
    """
    from csana.ingest.raw import load

    if not DEMO_DIR.joinpath("messages.parquet").exists():
        raise CsanaError("the pre-built demo is missing", file=str(DEMO_DIR), fix="reinstall csana, or run `csana demo --out DIR`")
    return load(DEMO_DIR)
