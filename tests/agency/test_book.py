"""The book of shops without rendering: layouts, shops tables, labels, per-shop snapshots, input hashes, names."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from agency_book import BROKEN, EXPORT, EXPORT_SHOP, RAW, column_book, folder_book
from polars.testing import assert_frame_equal

from csana.agency import book as book_module
from csana.agency.book import label_from_names, layout_of, read_shops_table
from csana.agency.fingerprint import files_digest, fingerprint, settings_digest
from csana.i18n import Note
from csana.agency.stage import open_book
from csana.agency.task import ShopTask, data_label, one_line, run_shop
from csana.errors import CsanaError
from csana.datasets import open_data
from csana.ingest.snapshot import read_snapshot, snapshot_hash, write_snapshot
from csana.metrics.engine import agent_metrics
from csana.report import build_context, load_config
from csana.report.context import for_shop, shops


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> Path:
    return folder_book(tmp_path_factory.mktemp("folders"))


@pytest.fixture(scope="module")
def column(tmp_path_factory) -> Path:
    return column_book(tmp_path_factory.mktemp("column"), shops=3)


# -- layouts and shops tables ------------------------------------------------------------------


def test_layout_is_column_for_top_level_files_and_folders_for_sub_folders(folders, column, tmp_path):
    assert layout_of(column, None, None) == "column"
    assert layout_of(folders, None, None) == "folders"
    (tmp_path / "empty").mkdir()
    with pytest.raises(CsanaError, match="no data files and no shop sub-folders"):
        layout_of(tmp_path / "empty", None, None)


def test_folder_book_lists_every_sub_folder_but_the_output_folder(folders, tmp_path):
    out, hidden = folders / "reports", folders / ".hidden"
    out.mkdir()
    hidden.mkdir()
    try:
        book = open_book(folders, out)
    finally:
        out.rmdir()
        hidden.rmdir()
    assert book.layout == "folders" and [s.key for s in book.shops] == sorted([BROKEN, EXPORT, RAW])
    assert all(s.shop_id is None and Path(s.data).is_dir() for s in book.shops)


def test_shops_table_in_chinese_gbk_labels_shops_and_lists_shops_without_data(folders, tmp_path):
    table = tmp_path / "店铺.csv"
    table.write_bytes(f"店铺ID,店铺名称,平台,负责人\n{RAW},小美旗舰店,天猫,王经理\n不存在的店,幽灵店,京东,李\n".encode("gbk"))
    book = open_book(folders, tmp_path / "out", table)
    by_key = {s.key: s for s in book.shops}
    assert (by_key[RAW].info.name, by_key[RAW].info.platform, by_key[RAW].info.manager) == ("小美旗舰店", "天猫", "王经理")
    assert "no sub-folder '不存在的店'" in by_key["不存在的店"].problem
    assert any(EXPORT in note for note in book.notes)  # shops the table does not list are named
    assert any(note.zh.startswith("不在店铺表中：") and EXPORT in note.zh for note in book.notes)  # for a Chinese overview


def test_shops_table_errors_name_the_file(tmp_path):
    twice = tmp_path / "shops.csv"
    twice.write_text("shop_id,name\na,甲\na,乙\n", encoding="utf-8")
    with pytest.raises(CsanaError, match=r"shops.csv.*row 3.*listed twice"):
        read_shops_table(twice)
    nameless = tmp_path / "other.csv"
    nameless.write_text("店铺名称,平台\n甲,天猫\n", encoding="utf-8")
    with pytest.raises(CsanaError, match="no shop_id column"):
        read_shops_table(nameless)


def test_shops_table_from_xlsx_with_a_title_row(tmp_path):
    from csana.writers import write_table

    path = write_table(pl.DataFrame({"shop_id": ["s01"], "name": ["一号店"], "platform": ["抖音"]}), tmp_path / "shops.xlsx",
                       title=["店铺清单"])
    assert read_shops_table(path)["s01"].name == "一号店"


def test_shop_labels_from_export_names():
    assert label_from_names(["小米旗舰店-小美", "小米旗舰店-阿强"]) == "小米旗舰店"
    assert label_from_names(["小美", "小米旗舰店-阿强"]) is None  # not every name has a shop part
    assert label_from_names(["甲店-小美", "乙店-阿强"]) is None


def test_export_folder_is_labelled_by_its_shop_prefix_and_raw_logs_by_their_folder(folders):
    assert data_label(open_data(folders / EXPORT)) == EXPORT_SHOP
    assert data_label(open_data(folders / RAW)) is None


def test_a_folder_holding_two_shops_is_refused(column):
    with pytest.raises(CsanaError, match="holds 3 shops"):
        data_label(open_data(column))


def same_figures(mine: dict, theirs: dict) -> bool:
    """Equal totals: counts and text exactly, amounts and rates to 1e-12 (a float sum's last bit
    depends on the order polars adds the rows in, which follows how the frames are chunked)."""
    assert mine.keys() == theirs.keys()
    for key, value in mine.items():
        if isinstance(value, float):
            assert value == pytest.approx(theirs[key], rel=1e-12, abs=1e-12), key
        else:
            assert value == theirs[key], key
    return True


# -- the column layout: one load, per-shop snapshots ------------------------------------------------


def test_snapshot_round_trip_is_exact(column, tmp_path):
    part = for_shop(open_data(column), "s02")
    part.warnings.append(Note("a loading note", "一条加载提示"))  # notes keep both languages
    digest = write_snapshot(part, tmp_path / "snap")
    back = open_data(tmp_path / "snap")
    assert set(back.tables) == set(part.tables)
    for name, frame in part.tables.items():
        assert_frame_equal(back.tables[name], frame)
    assert_frame_equal(back.rejected, part.rejected)
    assert_frame_equal(back.files, part.files)
    assert (back.source, back.capabilities, back.warnings) == (part.source, part.capabilities, part.warnings)
    assert back.warnings[-1].zh == "一条加载提示"
    assert digest == snapshot_hash(tmp_path / "snap") == write_snapshot(part, tmp_path / "again")


def test_broken_snapshot_says_to_rerun(tmp_path):
    write_snapshot(open_data(column_book(tmp_path / "d", shops=1)), tmp_path / "snap")
    (tmp_path / "snap" / "messages.arrow").unlink()
    with pytest.raises(CsanaError, match="run the batch again"):
        read_snapshot(tmp_path / "snap")


def test_column_book_splits_once_and_reuses_the_split(column, tmp_path, monkeypatch):
    out = tmp_path / "out"
    book = open_book(column, out)
    assert book.layout == "column" and [s.key for s in book.shops] == ["s01", "s02", "s03"]
    assert book.shared is not None and book.shared.rows_read > 0 and book.shared.unassigned == {}
    whole = open_data(column)
    for shop in book.shops:
        assert shop.shop_id == shop.key and snapshot_hash(shop.data) == shop.digest
        assert_frame_equal(agent_metrics(open_data(shop.data), "2026-10"), agent_metrics(for_shop(whole, shop.key), "2026-10"))
    from csana.agency import stage

    monkeypatch.setattr(stage, "open_data", lambda *_: pytest.fail("the split should be reused"))
    assert open_book(column, out).shops == book.shops


def test_snapshot_context_equals_the_shop_filter_of_the_whole_folder(column, tmp_path):
    """What a batch's shop report is made of equals `csana report --data DIR --shop s02`."""
    shop = next(s for s in open_book(column, tmp_path / "out").shops if s.key == "s02")
    batch = build_context(shop.data, month="2026-10", shop="s02", scorecards=False)
    direct = build_context(str(column), month="2026-10", shop="s02", scorecards=False)
    assert batch.dataset.source == direct.dataset.source
    for mine, theirs in ((batch.now.totals, direct.now.totals), (batch.before.totals, direct.before.totals)):
        assert same_figures(mine, theirs)
    assert_frame_equal(batch.scores, direct.scores)
    assert_frame_equal(batch.diagnosis.findings, direct.diagnosis.findings)


def test_export_rows_split_by_the_shop_part_of_names(tmp_path):
    from csana.demo.generator import generate_demo
    from csana.exports.write import write_export
    from csana.metrics.engine import agent_daily_metrics

    for shop, seed in (("甲店", 1), ("乙店", 2)):
        write_export(agent_daily_metrics(generate_demo(seed=seed, agents=3, months=1, scale=0.2), "2026-10"),
                     tmp_path / f"赤兔_{shop}.csv", shop=shop)
    dataset = open_data(tmp_path)
    assert shops(dataset) == ["乙店", "甲店"]
    one = for_shop(dataset, "甲店")
    assert set(one["agent_period"]["shop_id"]) == {"甲店"} and one.source.endswith("[shop 甲店]")
    assert set(one["agents"]["agent_id"]) == set(one["agent_period"]["agent_id"])
    assert for_shop(one, "甲店").source == one.source  # narrowing twice names the shop once


# -- input hashes and tasks ---------------------------------------------------------------------


def test_fingerprint_follows_data_params_and_scheme(folders, tmp_path):
    config = load_config(None, out=str(tmp_path))
    base = fingerprint(files_digest(folders / RAW), settings_digest(config))
    assert base == fingerprint(files_digest(folders / RAW), settings_digest(config))
    assert base != fingerprint(files_digest(folders / EXPORT), settings_digest(config))
    assert base != fingerprint(files_digest(folders / RAW), settings_digest(config.model_copy(update={"scheme": "generalist"})))
    params = tmp_path / "metrics.yaml"
    params.write_text("slow_response_s: 61\n", encoding="utf-8")
    assert base != fingerprint(files_digest(folders / RAW), settings_digest(config.model_copy(update={"metrics": str(params)})))
    assert base != fingerprint(files_digest(folders / RAW), settings_digest(config.model_copy(update={"month": "2026-09"})))


def test_files_digest_changes_with_one_byte(tmp_path):
    (tmp_path / "a.csv").write_text("x\n1\n", encoding="utf-8")
    before = files_digest(tmp_path)
    (tmp_path / "a.csv").write_text("x\n2\n", encoding="utf-8")
    assert files_digest(tmp_path) != before


def test_a_task_never_raises_and_reports_one_line(folders, tmp_path):
    book = open_book(folders, tmp_path / "out")
    broken = next(s for s in book.shops if s.key == BROKEN)
    config = load_config(None, out=str(tmp_path / "out"))
    outcome = run_shop(ShopTask(broken, config, "0.1.0"))
    assert outcome.status == "failed" and "required table(s) missing: orders" in outcome.error and "\n" not in outcome.error
    other = run_shop(ShopTask(broken, config, "9.9.9"))
    assert other.status == "failed" and "same csana version on every worker" in other.error
    assert one_line(ValueError("a\n  b")) == "ValueError: a b"


def test_shop_without_data_visible_to_the_worker_fails_with_the_fix(tmp_path):
    shop = book_module.Shop("x", str(tmp_path / "elsewhere"), None, "x")
    outcome = run_shop(ShopTask(shop, load_config(None, out=str(tmp_path)), "0.1.0"))
    assert outcome.status == "failed" and "shared" in outcome.error and "same path" in outcome.error


def test_metrics_of_a_folder_book_name_shops_and_list_the_broken_one(folders, tmp_path):
    from csana.agency import book_metrics

    table = tmp_path / "shops.csv"
    table.write_text(f"shop_id,name,platform\n{RAW},小美旗舰店,天猫\n", encoding="utf-8")
    found, failed = book_metrics(folders, "2026-10", shops_table=table)
    assert set(found["shop"]) == {RAW, EXPORT} and list(failed) == [BROKEN]
    names = dict(found.select("shop", "shop_name").unique().iter_rows())
    assert names == {RAW: "小美旗舰店", EXPORT: EXPORT_SHOP}
    assert set(found.filter(found["shop"] == RAW)["platform"]) == {"天猫"}
    raw = agent_metrics(open_data(folders / RAW), "2026-10")
    assert found.filter(found["shop"] == RAW).height == raw.height


def _fails_on_two(i: int) -> int:
    if i == 2:
        raise MemoryError("worker killed")
    return i * 10


@pytest.mark.xdist_group("dask")  # one Dask scheduler at a time (see tests/agency/test_cluster.py)
def test_dask_runner_yields_every_result_and_a_lost_task_as_its_error():
    from distributed import Client

    from csana.agency.cluster import on_dask, serial

    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        found = dict(on_dask(client)(_fails_on_two, [1, 2, 3]))
    assert found[1] == 10 and found[3] == 30 and isinstance(found[2], MemoryError)
    assert list(serial(lambda i: i + 1, [1, 2])) == [(1, 2), (2, 3)]
