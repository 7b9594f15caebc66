"""Derived entries of the load cache (csana/ingest/cache.py): a cached derivation gives exactly the
metrics, attribution and derived tables of a fresh one, under every params that change derivation;
a changed param, file or table misses the entry."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import csana.facts.derived as derived
from csana.demo.generator import generate_demo, write_demo
from csana.ingest.dataset import Deferred, Tables
from csana.ingest.raw import load
from csana.metrics.engine import agent_daily_metrics, agent_metrics, attribution
from csana.params import MetricParams

MONTH = "2026-10"
PARAMS = {
    "default": {},
    "split": {"attribution_rule": "split", "repeat_days": 30},
    "bots and filters": {"count_auto_reply": True, "filter": {"keywords": ["优惠券", "^http"], "customers": ["c1"]},
                         "service_hours": ["08:00", "22:00"], "slow_response_s": 30, "max_gap_s": 120},
    "windows": {"postsale_days": 2, "attribution_days": 1, "final_pay_days": 0,
                "attribution_rule": "last_before_payment", "data_end": "2026-10-20"},
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shop")
    write_demo(generate_demo(scale=0.25, months=2), out, "csv")
    return out


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CSANA_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CSANA_CACHE", "on")
    return tmp_path / "cache"


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the derivations run (not read from the cache)."""
    calls: list[int] = []
    real = derived._derive

    def spy(dataset, params):
        calls.append(1)
        return real(dataset, params)

    monkeypatch.setattr(derived, "_derive", spy)
    return calls


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """A derived table without ``rec`` (an internal join key whose numbers follow the categorical codes of
    the process) in a canonical row order."""
    frame = frame.drop("rec", strict=False)
    return frame.sort([c for c, t in frame.schema.items() if not isinstance(t, pl.List)], nulls_last=True)


def params_of(name: str) -> MetricParams:
    return MetricParams.load(None, **PARAMS[name])


@pytest.mark.parametrize("name", list(PARAMS))
def test_a_cached_derivation_gives_the_fresh_metrics(folder: Path, cached: Path, monkeypatch: pytest.MonkeyPatch,
                                                     name: str) -> None:
    params = params_of(name)
    fresh = load(folder, cache=False)
    expected = [agent_metrics(fresh, MONTH, params), agent_daily_metrics(fresh, MONTH, params),
                attribution(fresh, None, params)]
    calls = counting(monkeypatch)
    agent_metrics(load(folder), MONTH, params)  # fills the load and derived entries
    again = load(folder)
    got = [agent_metrics(again, MONTH, params), agent_daily_metrics(again, MONTH, params), attribution(again, None, params)]
    assert len(calls) == 1, "the second load's derivation is read from the cache"
    for want, have in zip(expected, got, strict=True):
        assert_frame_equal(have, want)
    tables_fresh, tables_cached = derived.derive(fresh, params), derived.derive(again, params)
    for table in derived.TABLES:
        assert_frame_equal(canonical(tables_cached.tables[table]), canonical(tables_fresh.tables[table]))
    assert (tables_cached.data_start, tables_cached.data_end) == (tables_fresh.data_start, tables_fresh.data_end)


def test_a_changed_param_misses_the_entry(folder: Path, cached: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = counting(monkeypatch)
    agent_metrics(load(folder), MONTH, MetricParams.load())
    slower = MetricParams.load(None, slow_response_s=120)
    got = agent_metrics(load(folder), MONTH, slower)
    assert len(calls) == 2
    assert_frame_equal(got, agent_metrics(load(folder, cache=False), MONTH, slower))
    agent_metrics(load(folder), MONTH, MetricParams.load(None, filter={"keywords": ["优惠"]}))
    assert len(calls) == 4  # the fresh load's derivation, then this param's
    agent_metrics(load(folder), MONTH, slower)
    assert len(calls) == 4


def test_a_changed_file_or_table_misses_the_entry(tmp_path: Path, folder: Path, cached: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    for f in folder.iterdir():
        (shop / f.name).write_bytes(f.read_bytes())
    calls = counting(monkeypatch)
    params = MetricParams.load()
    before = agent_metrics(load(shop), MONTH, params)
    orders = shop / "orders.csv"
    lines = orders.read_text(encoding="utf-8").splitlines(keepends=True)
    orders.write_text("".join(lines[: len(lines) // 2]), encoding="utf-8")
    changed = agent_metrics(load(shop), MONTH, params)
    assert len(calls) == 2
    assert not changed.equals(before)
    assert_frame_equal(changed, agent_metrics(load(shop, cache=False), MONTH, params))
    replaced = load(shop)
    replaced.tables["orders"] = replaced.tables["orders"].head(10)
    assert replaced.loaded_key("messages", "orders") == ""
    agent_metrics(replaced, MONTH, params)
    assert len(calls) == 4  # 3: the fresh load's


def test_a_repeated_run_reads_neither_the_messages_nor_sniffs_them(folder: Path, cached: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The second run of a month reads its measure rows: the messages stay in the cache unread, and whether
    each file is a platform export is remembered by its content."""
    import csana.exports.load as exports

    sniffed: list[Path] = []
    real = exports._looks_like_export
    monkeypatch.setattr(exports, "_looks_like_export", lambda p, c: sniffed.append(p) or real(p, c))
    params = MetricParams.load()
    first = agent_metrics(exports.load_any(folder), MONTH, params)
    files = len(sniffed)
    again = exports.load_any(folder)
    assert_frame_equal(agent_metrics(again, MONTH, params), first)
    assert len(sniffed) == files > 0
    assert isinstance(again.tables, Tables) and isinstance(again.tables._frames["messages"], Deferred)
    assert again.messages.height == load(folder, cache=False).messages.height  # read when asked for
    again.tables["agents"] = again.tables["agents"].head(1)
    assert again.loaded_key("agents") == "" and again.loaded_key("messages", "orders") != ""
