"""The load cache (csana/ingest/cache.py): a cached load gives exactly the Dataset a fresh load gives,
a second load of unchanged files neither reads nor checks them, and a changed file is read again alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

import csana.ingest.raw as raw
from csana.cli import cli
from csana.ingest import cache
from csana.ingest.dataset import Dataset
from csana.i18n import in_lang
from csana.ingest.raw import load

DATA = Path(__file__).parents[1] / "data" / "io"
EXPORTS = Path(__file__).parents[1] / "data" / "exports"


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache on, in a folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("CSANA_CACHE_DIR", str(folder))
    monkeypatch.setenv("CSANA_CACHE", "on")
    return folder


def shop(folder: Path) -> Path:
    """Raw logs with rows set aside in several tables and files: duplicates within and across files,
    paid before created, orphan reviews, a GBK chat log, a workbook with title rows."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, as_name in [("messages.csv", "messages.csv"), ("messages_gbk.csv", "messages_gbk.csv"),
                          ("orders_duplicate_ids.csv", "orders.csv"),
                          ("orders_2026-10_part2.csv", "orders_2026-10_part2.csv"), ("reviews_orphans.csv", "reviews.csv"),
                          ("orders_title_rows.xlsx", "orders_title_rows.xlsx"), ("notes.csv", "notes.csv")]:
        shutil.copy(DATA / name, folder / as_name)
    (folder / "orders_b.csv").write_text(ORDERS_B, encoding="utf-8")
    return folder


ORDERS_B = """order_id,customer_id,created_at,paid_at,amount,units
o7,c7,2026-10-02 10:10:00,2026-10-02 10:09:59,99.5,2
o8,c8,2026-10-03 12:00:00,2026-10-03 12:00:00,58,1
o3,c3,2026-10-03 12:00:00,,58,1
"""


def assert_same(a: Dataset, b: Dataset) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        assert_frame_equal(a.tables[name], b.tables[name])
    for part in ("rejected", "files", "tallies"):
        assert_frame_equal(getattr(a, part), getattr(b, part))
    assert a.warnings == b.warnings
    assert [in_lang(w, "zh") for w in a.warnings] == [in_lang(w, "zh") for w in b.warnings]  # each note's Chinese kept
    assert (a.source, a.capabilities) == (b.source, b.capabilities)


def forbid_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args, **_kwargs):
        raise AssertionError("a cached load read or checked a file")
    monkeypatch.setattr(raw, "read_inputs", fail)
    monkeypatch.setattr(raw, "_check_rows", fail)


def test_a_cached_load_is_the_fresh_load(tmp_path: Path, cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shop(tmp_path / "shop")
    fresh = load(folder, cache=False)
    assert fresh.rejected.height >= 4 and fresh.warnings and not cached.exists()
    first = load(folder)
    assert_same(fresh, first)
    cache.settle()  # entries are written on the cache's writer thread
    assert len(list((cached / "files").iterdir())) == 8 and len(list((cached / "loads").iterdir())) == 1
    forbid_reading(monkeypatch)
    assert_same(fresh, load(folder))
    monkeypatch.undo()
    shutil.rmtree(cached / "loads")  # from the file entries alone: duplicates and orphans found again
    monkeypatch.setenv("CSANA_CACHE_DIR", str(cached))
    forbid_reading(monkeypatch)
    assert_same(fresh, load(folder, cache=True))


def test_parquet_input_and_a_single_file(tmp_path: Path, cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shop(tmp_path / "shop")
    fresh = load(folder, cache=False)
    out = tmp_path / "pq"
    out.mkdir()
    for name, frame in fresh.tables.items():
        frame.write_parquet(out / f"{name}.parquet")
    assert_same(load(out, cache=False), load(out))
    assert_same(load(out, cache=False), load(out))
    files = [folder / "messages.csv", folder / "orders.csv"]
    assert_same(load(files, cache=False), load(files))
    assert_same(load(files, cache=False), load(files))


def test_a_changed_file_is_read_again_alone(tmp_path: Path, cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shop(tmp_path / "shop")
    load(folder)
    with (folder / "orders_b.csv").open("a", encoding="utf-8") as handle:
        handle.write("o1,c9,2026-10-03 09:00:00,2026-10-03 09:01:00,10,1\n")  # a duplicate across files
    read: list[str] = []
    original = raw.read_inputs

    def counting(path, *args, **kwargs):
        read.append(path.name)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(raw, "read_inputs", counting)
    again = load(folder)
    assert read == ["orders_b.csv"]
    monkeypatch.undo()
    fresh = load(folder, cache=False)
    assert_same(fresh, again)
    assert "o1" in fresh.rejected.filter(fresh.rejected["file"] == "orders_b.csv")["value"].to_list()


def test_params_and_off_switch(tmp_path: Path, cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shop(tmp_path / "shop")
    load(folder)
    monkeypatch.setenv("CSANA_CACHE", "off")
    assert not cache.enabled()
    forbid_reading(monkeypatch)
    with pytest.raises(AssertionError, match="cached load read"):
        load(folder)  # off: read afresh
    monkeypatch.setenv("CSANA_CACHE", "on")
    from csana.ingest.columns import LoadParams

    with pytest.raises(AssertionError, match="cached load read"):
        load(folder, LoadParams(missing_values=("n/a",)))  # other params: other keys


def test_cli_cache_commands_and_no_cache(tmp_path: Path, cached: Path) -> None:
    folder = shop(tmp_path / "shop")
    runner = CliRunner()
    out = tmp_path / "m.csv"
    first = runner.invoke(cli, ["metrics", str(folder), "--month", "2026-10", "--out", str(out), "--no-cache"])
    assert first.exit_code == 0, first.output
    assert not cached.exists()  # --no-cache keeps nothing
    import os

    os.environ["CSANA_CACHE"] = "on"  # the flag set it off for this process
    second = runner.invoke(cli, ["metrics", str(folder), "--month", "2026-10", "--out", str(tmp_path / "m2.csv")])
    assert second.exit_code == 0, second.output
    assert (tmp_path / "m2.csv").read_bytes() == out.read_bytes()
    third = runner.invoke(cli, ["metrics", str(folder), "--month", "2026-10", "--out", str(tmp_path / "m3.csv")])
    assert third.exit_code == 0, third.output  # the load, derived and measure-row entries read back
    assert (tmp_path / "m3.csv").read_bytes() == out.read_bytes()
    info = runner.invoke(cli, ["cache", "info"])  # 8 files, the load, its derived tables and their measure rows
    assert info.exit_code == 0 and f"{cached}: 11 entries" in info.output
    cleared = runner.invoke(cli, ["cache", "clear"])
    assert cleared.exit_code == 0 and cleared.output.startswith("removed 11 entries")
    assert runner.invoke(cli, ["cache", "info"]).output.startswith(f"{cached}: 0 entries, 0.0 MB")


def test_metrics_says_what_it_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    shutil.copy(DATA / "messages.csv", folder / "messages.csv")
    shutil.copy(DATA / "orders_duplicate_ids.csv", folder / "orders.csv")
    (folder / "orders_b.csv").write_text(ORDERS_B.replace("o3,c3", "o9,c9"), encoding="utf-8")
    runner = CliRunner()
    en = runner.invoke(cli, ["metrics", str(folder), "--out", str(tmp_path / "m.csv"), "--lang", "en"])
    assert en.exit_code == 0, en.output
    assert f"3 rows set aside (duplicate order_id 2, paid before created 1) — csana check {folder} lists them" in en.output
    zh = runner.invoke(cli, ["metrics", str(folder), "--out", str(tmp_path / "m.csv")])
    assert f"3 行被搁置（重复的 order_id 2, 付款早于下单 1）— csana check {folder} 列出这些行" in zh.output
    exports = runner.invoke(cli, ["metrics", str(EXPORTS), "--out", str(tmp_path / "e.csv"), "--lang", "en"])
    assert exports.exit_code == 0, exports.output
    assert "4 rows set aside (summary row 2, 接待人数 unreadable 1, 销售量 unreadable 1)" not in exports.output
    assert (f"4 rows set aside (summary row 2, unreadable 接待人数 1, unreadable 销售量 1) — csana check {EXPORTS} lists them"
            in exports.output)


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = shop(tmp_path / "shop")
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CSANA_CACHE_DIR", str(blocked))
    monkeypatch.setenv("CSANA_CACHE", "on")
    assert_same(load(folder, cache=False), load(folder))
    assert blocked.read_text() == "a file where the cache folder would be"


def test_no_half_written_entries_are_left(tmp_path: Path, cached: Path) -> None:
    load(shop(tmp_path / "shop"))
    cache.settle()
    assert not [p for p in cached.rglob(".new-*")]


def test_a_load_right_after_the_first_waits_for_its_entries(tmp_path: Path, cached: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # the first load's entries are still being written on the writer thread: the second load of
    # this process waits for them instead of reading the files again
    folder = shop(tmp_path / "shop")
    first = load(folder)
    forbid_reading(monkeypatch)
    assert_same(first, load(folder))
