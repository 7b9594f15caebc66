"""One shop's task: fingerprint → (skip) → load → month → figures → render → record; it never raises.

:func:`run_shop` is what a Dask worker (or the serial loop) runs for each shop. Everything
it needs travels in its :class:`ShopTask` (small: paths and settings, never data), and all it
reads is the shop's own folder or snapshot, so no shop's data meets another's. Whatever goes
wrong — broken files, a failing notebook, a missing Chromium — comes back as a failed
:class:`ShopOutcome` with a one-line error, and the batch carries on.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from csana.agency.book import Shop, label_from_names
from csana.agency.fingerprint import (
    files_digest,
    find_record,
    fingerprint,
    settings_digest,
    write_record,
)
from csana.agency.summary import shop_summary
from csana.errors import CsanaError
from csana.ingest.dataset import Dataset
from csana.report.config import ReportConfig

Status = Literal["done", "skipped", "failed"]
ERROR_CHARS = 400
"""A failed shop's error is one line of at most this many characters in the overview (the full text is in its record)."""


@dataclass(frozen=True)
class ShopTask:
    """What one shop's task needs: the shop, the batch's report settings, and the client's csana version."""

    shop: Shop
    config: ReportConfig
    """The batch's settings (scheme, params, lang, formats, out, name prefix, month asked for or None)."""
    version: str
    force: bool = False

    @property
    def name(self) -> str:
        """The shop's report file stem: ``<name>-<stem>``."""
        return f"{self.config.name}-{self.shop.stem}"


@dataclass(frozen=True)
class ShopOutcome:
    """How a shop's task ended, with its figures (done or skipped) or its error (failed)."""

    key: str
    status: Status
    month: str | None = None
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    """Output kind → file name inside ``<out>/<month>/``."""
    summary: dict[str, Any] | None = None
    seconds: float = 0.0
    worker: str = ""
    """host:pid of the process that ran the task."""
    peak_rss_mib: float = 0.0
    """Peak resident memory of that process so far (its own, not its children's)."""
    children_peak_mib: float = 0.0
    """Peak resident memory of the processes the task started, together (the report's kernel and
    Chromium), sampled every :data:`SAMPLE_S` seconds."""


def one_line(error: BaseException) -> str:
    """An error as one line: CsanaError text as is, anything else with its type; whitespace folded, cut short."""
    text = str(error) if isinstance(error, CsanaError) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def run_shop(task: ShopTask) -> ShopOutcome:
    """Run one shop's task (see the module docstring); never raises."""
    start = time.perf_counter()
    with ChildrenMemory() as children:
        try:
            outcome = _run(task)
        except Exception as exc:  # noqa: BLE001 — one broken shop must not stop the batch
            outcome = ShopOutcome(task.shop.key, "failed", task.config.month, one_line(exc))
    return replace(outcome, seconds=time.perf_counter() - start, worker=f"{socket.gethostname()}:{os.getpid()}",
                   peak_rss_mib=own_peak_mib(), children_peak_mib=children.peak_mib)


SAMPLE_S = 0.2


class ChildrenMemory:
    """While open, samples the resident memory of this process's descendants (together) in a thread."""

    def __init__(self) -> None:
        self.peak_mib = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="csana-memory", daemon=True)

    def __enter__(self) -> ChildrenMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.wait(SAMPLE_S):
            total = 0
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:  # ended between listing and reading
                    continue
            self.peak_mib = max(self.peak_mib, total / 2**20)


def own_peak_mib() -> float:
    """This process's peak resident memory so far: Linux's VmHWM (ru_maxrss would carry a parent's peak
    across exec), else ru_maxrss (KiB; bytes on macOS), else 0 where neither exists (Windows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:
        return 0.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)


def _run(task: ShopTask) -> ShopOutcome:
    from csana import __version__

    shop, config = task.shop, task.config
    if task.version != __version__:
        raise CsanaError(f"this worker runs csana {__version__}, the batch was started with {task.version}",
                         fix="install the same csana version on every worker and on the machine starting the batch")
    if shop.problem:
        raise CsanaError(shop.problem)
    if not Path(shop.data).exists():
        raise CsanaError(f"the shop's data is not visible on {socket.gethostname()}", file=shop.data,
                         fix="put the data and the output folder on shared storage that every worker mounts at the same path")
    out = Path(config.out)
    base = config.model_copy(update={"data": shop.data, "shop": shop.shop_id, "shop_name": shop.info.name, "name": task.name})
    wanted = fingerprint(shop.digest or files_digest(Path(shop.data)), settings_digest(base))
    if not task.force:
        record = find_record(out, config.month, task.name, wanted)
        if record is not None:
            return ShopOutcome(shop.key, "skipped", record["month"], files=record["files"], summary=record["summary"])
    return _render(task, base, wanted)


def _render(task: ShopTask, base: ReportConfig, wanted: str) -> ShopOutcome:
    from csana.datasets import open_data
    from csana.report.batch import resolve_month
    from csana.report.context import build_context
    from csana.report.render import render

    shop = task.shop
    dataset = open_data(shop.data)
    # a sub-folder's shop is named by the shops table, else by its export's shop names, else by the folder
    found = data_label(dataset) or shop.key if shop.shop_id is None else None
    label = shop.info.name or found
    config = resolve_month(base.model_copy(update={"shop_name": label}), dataset)
    month = config.month or ""
    ctx = build_context(dataset, month=month, team=config.team, shop=config.shop, shop_name=label, scheme=config.scheme,
                        metrics=config.metrics, lang=config.lang, scorecards=False, excerpts=config.excerpts)
    summary = shop_summary(ctx, key=shop.key, shared=shop.shop_id is not None)
    rendered = render(config, month)
    files = {kind: path.name for kind, path in rendered.files.items()}
    summary["report"] = {kind: name for kind, name in files.items() if kind != "ipynb"}
    write_record(Path(config.out), month, task.name, {
        "fingerprint": wanted, "month": month, "requested_month": task.config.month, "files": files,
        "summary": summary, "seconds": rendered.seconds, "shop": shop.key,
    })
    return ShopOutcome(shop.key, "done", month, files=files, summary=summary)


def data_label(dataset: Dataset) -> str | None:
    """The shop's name as a platform export gives it: the shop part of its ``店铺:客服`` names, else the
    ``店铺-`` part shared by every agent name; None for raw logs (their shop_id is an id, the folder
    name says more). A folder that holds several shops is refused: its report would mix them."""
    from csana.ingest.dataset import Capability
    from csana.report.context import shops

    found = shops(dataset)
    if len(found) > 1:
        raise CsanaError(f"the shop's folder holds {len(found)} shops ({', '.join(found[:5])})", file=dataset.source,
                         fix="give each shop its own sub-folder, or put these files directly in the book's folder")
    if dataset.can(Capability.EVENTS):
        return None
    if found:
        return found[0]
    names = dataset["agents"]["name"].drop_nulls().to_list() if dataset.has("agents", "name") else []
    return label_from_names(names)
