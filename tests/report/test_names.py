"""Output names: two teams or shops whose names have one file-name form still get two files (never one path twice)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from csana.demo.generator import generate_demo, write_demo
from csana.errors import CsanaError
from csana.ingest.dataset import Dataset
from csana.report import ReportConfig, load_config, plan, render_all
from csana.report.names import check_unique, short_hash, slug, unique_slugs


def test_colliding_slugs_get_a_short_hash_of_the_original_name():
    names = unique_slugs(["售前/一组", "售前:一组", "售后组", "Shop_A", "shop_a"])
    assert names["售后组"] == "售后组"  # unambiguous names stay as they were
    assert names["售前/一组"] == f"售前_一组-{short_hash('售前/一组')}"
    assert names["售前:一组"] == f"售前_一组-{short_hash('售前:一组')}"
    assert names["Shop_A"] != names["shop_a"] and names["Shop_A"].casefold() != names["shop_a"].casefold()
    assert len(set(names.values())) == 5


def test_long_names_cut_to_the_same_prefix_stay_apart():
    a, b = "长" * 70 + "甲", "长" * 70 + "乙"
    assert slug(a) == slug(b)
    names = unique_slugs([a, b])
    assert names[a] != names[b] and all(len(f"monthly_report-{n}.html".encode()) < 255 for n in names.values())


def test_two_teams_with_one_file_name_form_get_two_reports(tmp_path: Path):
    shop = generate_demo(seed=7, agents=6, months=2, scale=0.2)
    teams = {"售前一组": "售前/一组", "售后组": "售前:一组"}
    agents = shop.tables["agents"].with_columns(team=pl.col("team").replace_strict(teams))
    write_demo(Dataset(tables={**shop.tables, "agents": agents}), tmp_path / "data", "parquet")
    planned = plan(load_config(None, data=str(tmp_path / "data")), all_teams=True)
    assert {c.team for c in planned} == {"售前/一组", "售前:一组"}
    assert len({c.name for c in planned}) == 2 and all(c.name.startswith("monthly_report-售前_一组-") for c in planned)


def test_a_batch_never_writes_one_path_twice(tmp_path: Path):
    configs = [ReportConfig(name=n, month="2026-10", out=str(tmp_path)) for n in ("a", "b", "a")]
    with pytest.raises(CsanaError, match="same file"):
        render_all(configs, show_progress=False)
    with pytest.raises(CsanaError, match="same file"):
        check_unique(["x/Report", "x/report"])
    assert not any(tmp_path.iterdir())  # refused before anything was written
