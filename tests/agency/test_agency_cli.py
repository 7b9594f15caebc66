"""`csana report --all-shops` and `csana metrics --all-shops` on a folder whose shops are a shop_id column:
every shop's report and the overview in HTML and a Chinese PDF, the same figures as `--shop X`, --force, errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from agency_book import column_book, visible_text
from polars.testing import assert_frame_equal

from csana.agency import cluster
from csana.cli import main
from csana.datasets import open_data
from csana.metrics.engine import agent_metrics
from csana.report.context import for_shop


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return column_book(tmp_path_factory.mktemp("column"), shops=2)


@pytest.fixture(scope="module")
def batch(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    code = main(["report", "--data", str(data), "--all-shops", "--out", str(out), "--no-scorecards", "--month", "2026-10"])
    return {"code": code, "out": out, "folder": out / "2026-10"}


def test_all_shops_writes_every_report_and_the_overview_in_html_and_pdf(batch, capsys):
    assert batch["code"] == 0
    names = sorted(p.name for p in batch["folder"].iterdir() if p.is_file())
    assert names == ["agency_overview-agents.xlsx", "agency_overview.html", "agency_overview.pdf",
                     *[f"monthly_report-{s}.{k}" for s in ("s01", "s02") for k in ("html", "ipynb", "pdf")]]
    text = squash(subprocess.run(["pdftotext", str(batch["folder"] / "agency_overview.pdf"), "-"],
                                 capture_output=True, text=True, check=True).stdout)
    assert "代运营店铺总览2026-10" in text and "询单→最终付款" in text and "s01" in text and "s02" in text


def test_a_shop_of_the_batch_equals_its_report_with_shop(batch, data, tmp_path):
    assert main(["report", "--data", str(data), "--shop", "s01", "--out", str(tmp_path), "--no-scorecards",
                 "--month", "2026-10", "--format", "html"]) == 0
    alone = visible_text((tmp_path / "2026-10" / "monthly_report-s01.html").read_text(encoding="utf-8"))
    mine = visible_text((batch["folder"] / "monthly_report-s01.html").read_text(encoding="utf-8"))
    differing = [(a, b) for a, b in zip(mine, alone, strict=True) if a != b]
    # only the report parameter "data" differs: the batch read the shop's snapshot of the same folder
    assert len(differing) == 1 and differing[0][1] == str(data) and "/.csana/staged/" in differing[0][0]


def test_force_renders_up_to_date_shops_again(batch, data, monkeypatch, capsys):
    from csana.report import render as render_module

    rendered = []

    def fake_render(config, month, notebook=None):  # the real one ran in the fixture; here only the count matters
        rendered.append(config.name)
        raise RuntimeError("not rendered in this test")

    monkeypatch.setattr(render_module, "render", fake_render)
    common = ["report", "--data", str(data), "--all-shops", "--out", str(batch["out"]), "--no-scorecards", "--month", "2026-10"]
    assert main([*common, "--format", "html,pdf"]) == 0 and rendered == []
    assert "0 rendered, 2 unchanged (skipped), 0 failed" in capsys.readouterr().out
    with pytest.raises(SystemExit) as failed:  # a failed shop makes the command exit 1
        main([*common, "--force"])
    assert failed.value.code == 1
    assert sorted(rendered) == ["monthly_report-s01", "monthly_report-s02"]
    assert "failed s01: RuntimeError: not rendered in this test" in capsys.readouterr().err


def test_metrics_of_all_shops_in_one_table_with_a_shop_column(data, tmp_path, capsys):
    out = tmp_path / "all.parquet"
    assert main(["metrics", str(data), "--all-shops", "--month", "2026-10", "--out", str(out)]) == 0
    assert "2 shops" in capsys.readouterr().out
    table = pl.read_parquet(out)
    assert table.columns[:4] == ["shop", "shop_name", "platform", "manager"]
    whole = open_data(str(data))
    for shop in ("s01", "s02"):
        mine = table.filter(pl.col("shop") == shop).drop("shop", "shop_name", "platform", "manager", "provisional", strict=False)
        theirs = agent_metrics(for_shop(whole, shop), "2026-10")
        assert_frame_equal(mine.select(theirs.columns), theirs)


def test_agency_options_without_all_shops_and_bad_choices_are_refused(data, tmp_path, capsys):
    assert main(["report", "--data", str(data), "--workers", "2", "--out", str(tmp_path)]) == 2
    assert "--workers need --all-shops" in capsys.readouterr().err
    assert main(["report", "--data", str(data), "--all-shops", "--rank-by", "nope", "--out", str(tmp_path)]) == 2
    assert "cannot rank on 'nope'" in capsys.readouterr().err
    assert main(["report", "--data", str(data), "--all-shops", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1",
                 "--out", str(tmp_path)]) == 2
    assert "exclude each other" in capsys.readouterr().err
    assert main(["metrics", str(data), "--all-shops"]) == 2
    assert "--all-shops needs --out" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_one_line(data, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
    assert main(["report", "--data", str(data), "--all-shops", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err and "dask scheduler" in err
