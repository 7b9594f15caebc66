"""A real local Dask cluster (2 worker processes on 127.0.0.1) renders a book of three shops — raw logs, a
platform export, broken files — and the overview; a second run, on a scheduler that was already running,
skips every shop; the overview's figures are the shops' own reports' figures; a shop's report from the batch
equals the one `csana report` makes alone."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from agency_book import BROKEN, EXPORT, EXPORT_SHOP, RAW, folder_book, visible_text
from distributed import LocalCluster

from csana.agency import render_book
from csana.agency.overview import HEADLINE
from csana.catalogue import label
from csana.present.formatting import format_metric
from csana.report import build_context, load_config, render_report

pytestmark = pytest.mark.xdist_group("dask")
"""Every test that starts a Dask scheduler runs on one xdist worker, one after the other: a scheduler serves HTTP
on 127.0.0.1:8787, and when that port is taken Dask warns and leaks the socket of its failed attempt."""

TILE = re.compile(r'<div class="kpi"><div class="name">([^<]*).*?</div><div class="value">([^<]*)</div>', re.DOTALL)


def kpi_tiles(page: str) -> dict[str, str]:
    """The summary tiles of a shop's report: metric label → value as shown."""
    return {html.unescape(name): html.unescape(value) for name, value in TILE.findall(page)}


def shop_row(page: str, report: str) -> str:
    """The overview table row that links to ``report``."""
    rows = [r for r in re.findall(r"<tr>.*?</tr>", page, re.DOTALL) if f'href="{report}"' in r]
    assert len(rows) == 1, report
    return html.unescape(rows[0])


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return folder_book(tmp_path_factory.mktemp("book"))


@pytest.fixture(scope="module")
def runs(book, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    config = load_config(None, data=str(book), out=str(out), formats="html", scorecards=False)
    first = render_book(book, config, workers=2, show_progress=False)
    # the second run goes through --scheduler: a cluster that was running before the batch
    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as running:
        second = render_book(book, config, scheduler=running.scheduler_address, show_progress=False)
    return {"out": out, "config": config, "first": first, "second": second}


def test_the_cluster_renders_the_good_shops_and_reports_the_broken_one(runs):
    first = runs["first"]
    status = {o.key: o.status for o in first.outcomes}
    assert status == {RAW: "done", EXPORT: "done", BROKEN: "failed"}
    broken = next(o for o in first.outcomes if o.key == BROKEN)
    assert "required table(s) missing: orders" in broken.error
    assert len({o.worker for o in first.outcomes}) >= 1 and all(o.worker for o in first.outcomes)
    folder = runs["out"] / "2026-10"
    for key in (RAW, EXPORT):
        done = next(o for o in first.outcomes if o.key == key)
        assert (folder / done.files["html"]).stat().st_size > 10_000 and (folder / done.files["ipynb"]).exists()
    page = (folder / "agency_overview.html").read_text(encoding="utf-8")
    assert BROKEN in page and "required table(s) missing: orders" in page
    assert EXPORT_SHOP in page  # the export's shop name labels it
    assert not first.ok and first.files["agents"].exists()


def test_the_second_run_on_a_running_scheduler_skips_every_good_shop(runs):
    second = runs["second"]
    assert {o.key: o.status for o in second.outcomes} == {RAW: "skipped", EXPORT: "skipped", BROKEN: "failed"}
    first = {o.key: o.summary for o in runs["first"].outcomes}
    assert all(o.summary == first[o.key] for o in second.outcomes if o.status == "skipped")
    assert second.seconds < runs["first"].seconds / 3


def test_overview_figures_equal_each_shops_report(runs, book):
    folder = runs["out"] / "2026-10"
    page = (folder / "agency_overview.html").read_text(encoding="utf-8")
    view = runs["first"].overview
    for outcome in runs["first"].outcomes:
        if outcome.status != "done":
            continue
        report = (folder / outcome.files["html"]).read_text(encoding="utf-8")
        tiles, row = kpi_tiles(report), shop_row(page, outcome.files["html"])
        figures = view.shops.filter(view.shops["key"] == outcome.key).row(0, named=True)
        for metric in HEADLINE:
            shown = format_metric(metric, figures[metric], "zh")
            assert tiles[label(metric, "zh")] == shown, (outcome.key, metric)
            assert shown in row, (outcome.key, metric)
        ctx = build_context(str(book / outcome.key), month="2026-10", scheme=runs["config"].scheme, scorecards=False)
        assert figures["pay_total"] == pytest.approx(ctx.scores["total_pay"].drop_nulls().sum())


def test_a_batch_report_equals_the_report_of_the_shop_alone(runs, book, tmp_path):
    """`csana report --data DIR/旗舰店A` shows the same figures as the batch's report of that shop."""
    alone = render_report(load_config(None, data=str(book / RAW), out=str(tmp_path), formats="html", scorecards=False,
                                      shop_name=RAW, name="alone"))
    batch = next(o for o in runs["first"].outcomes if o.key == RAW)
    mine = visible_text((runs["out"] / "2026-10" / batch.files["html"]).read_text(encoding="utf-8"))
    theirs = visible_text(alone.files["html"].read_text(encoding="utf-8"))
    differing = [(a, b) for a, b in zip(mine, theirs, strict=True) if a != b]
    assert differing == [], differing[:5]
