"""A whole book of shops in one run: every shop's report, then the agency overview over them.

:func:`render_book` opens the book (:mod:`csana.agency.stage`), runs one task per shop
(:mod:`csana.agency.task`) in this process or on a Dask cluster (:mod:`csana.agency.cluster`)
with a progress bar counting shops done, skipped and failed with an ETA, and writes the
overview (:mod:`csana.agency.overview`, :mod:`csana.agency.page`) into the month's folder
next to the shops' reports. A failed shop is in the overview with its one-line error; the
batch itself fails only when the book cannot be opened at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from csana.agency.book import Book
from csana.agency.cluster import runner
from csana.agency.overview import (
    Overview,
    build_overview,
    check_rank_metric,
    overview_month,
)
from csana.agency.page import write_overview
from csana.agency.settings import DEFAULT_MIN_BASE, DEFAULT_RANK_BY, OVERVIEW_NAME
from csana.agency.stage import open_book
from csana.agency.task import ShopOutcome, ShopTask, one_line, run_shop
from csana.errors import CsanaError
from csana.report.config import ReportConfig
from csana.report.names import check_unique


@dataclass(frozen=True)
class BookResult:
    """The outcome of each shop (in book order), the overview and its files, and the run's wall time."""

    book: Book
    outcomes: tuple[ShopOutcome, ...]
    overview: Overview
    files: dict[str, Path]
    seconds: float
    problems: tuple[str, ...] = field(default=())
    """What went wrong after the shops ran (the overview's PDF could not be printed)."""

    def status(self, status: str) -> list[ShopOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def ok(self) -> bool:
        return not self.status("failed") and not self.problems


def render_book(data: str | Path, config: ReportConfig, *, workers: int | None = None, scheduler: str | None = None,
                force: bool = False, shops_table: str | Path | None = None, rank_by: str = DEFAULT_RANK_BY,
                min_base: int = DEFAULT_MIN_BASE, show_progress: bool = True) -> BookResult:
    """Every shop's report of ``data`` (a folder, see :mod:`csana.agency.book`) and the overview.

    ``config`` holds the batch's report settings (scheme, params, language, formats, output
    folder, name prefix, month or None for each shop's latest complete month). ``force``
    re-renders shops whose report is up to date (the split of a shared folder is kept: it is
    keyed by the folder's content).
    """
    from csana import __version__

    check_rank_metric(rank_by)
    start = time.perf_counter()
    book = open_book(data, config.out, shops_table)
    tasks = [ShopTask(shop, config, __version__, force) for shop in book.shops]
    check_unique([t.name for t in tasks] + [OVERVIEW_NAME], "reports")
    outcomes: dict[str, ShopOutcome] = {}
    with runner(workers, scheduler) as run, progress(len(tasks), show_progress) as tick:
        for task, result in run(run_shop, tasks):
            outcome = result if isinstance(result, ShopOutcome) else ShopOutcome(
                task.shop.key, "failed", config.month, f"the worker running it was lost: {one_line(result)}")
            outcomes[task.shop.key] = outcome
            tick(outcome)
    ordered = tuple(outcomes[s.key] for s in book.shops)
    month = overview_month(ordered, config.month)
    overview = build_overview(book, ordered, month, rank_by, min_base)
    folder = Path(config.out) / month if month else Path(config.out)
    problems: list[str] = []
    try:
        files = write_overview(overview, book.root, folder, OVERVIEW_NAME, config.lang, config.formats)
    except CsanaError as exc:  # the HTML is written before the PDF is printed
        files = {"html": folder / f"{OVERVIEW_NAME}.html"}
        problems.append(f"overview PDF: {one_line(exc)}")
    return BookResult(book, ordered, overview, files, time.perf_counter() - start, tuple(problems))


@contextmanager
def progress(total: int, show: bool) -> Iterator[Callable[[ShopOutcome], None]]:
    """A rich progress bar over the shops: done / skipped / failed so far, elapsed time and ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    tally = {"done": 0, "skipped": 0, "failed": 0}
    columns = (TextColumn("shops"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[tally]}"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, disable=not show, transient=False) as bar:
        task = bar.add_task("shops", total=total, tally=_tally(tally))

        def tick(outcome: ShopOutcome) -> None:
            tally[outcome.status] += 1
            bar.update(task, advance=1, tally=_tally(tally))

        yield tick


def _tally(tally: dict[str, int]) -> str:
    return f"done {tally['done']} · skipped {tally['skipped']} · failed {tally['failed']}"


def summary_lines(result: BookResult) -> Sequence[str]:
    """What the command line prints after a run: counts, the overview's files, each failed shop's error."""
    counts = {s: len(result.status(s)) for s in ("done", "skipped", "failed")}
    lines = [f"{len(result.outcomes)} shops: {counts['done']} rendered, {counts['skipped']} unchanged (skipped), "
             f"{counts['failed']} failed  ({result.seconds:.1f} s)"]
    lines += [f"overview: {', '.join(str(p) for k, p in result.files.items() if k in ('html', 'pdf'))}",
              f"agents ranked across shops: {result.files.get('agents', '—')}"]
    lines += [f"  failed {o.key}: {o.error}" for o in result.status("failed")]
    lines += [f"  {p}" for p in result.problems]
    return lines
