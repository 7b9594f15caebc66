"""The benchmark harness keeps working: sizes, run order, whole-process measuring, the parity gate,
the references' whereabouts, and a 100k run through the CLI.

The full 1M/10M run is ``csana bench`` (or ``pytest -m slow tests/bench``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("pandas")
pytest.importorskip("duckdb")

from csana.bench import references as refs  # noqa: E402
from csana.bench.data import parse_size, size_label  # noqa: E402
from csana.bench.extras import RESCORE_AGENTS  # noqa: E402
from csana.bench.process import run_job, run_measured  # noqa: E402
from csana.bench.runner import IMPLS, check_parity, run_order  # noqa: E402
from csana.cli import main  # noqa: E402
from csana.errors import CsanaError  # noqa: E402
from csana.params import MetricParams  # noqa: E402


@pytest.mark.parametrize(("text", "n", "label"), [
    ("100k", 100_000, "100k"), ("1M", 1_000_000, "1M"), ("10m", 10_000_000, "10M"), ("2.5M", 2_500_000, "2.5M"),
    ("250000", 250_000, "250k"),
])
def test_sizes(text, n, label):
    assert parse_size(text) == n
    assert size_label(n) == label


@pytest.mark.parametrize("text", ["many", "1G", "", "12"])
def test_bad_sizes_are_user_errors(text):
    with pytest.raises(CsanaError):
        parse_size(text)


def test_the_order_rotates_and_the_cached_csana_run_follows_the_first():
    orders = [run_order(IMPLS, ("csv", "parquet"), r) for r in range(len(IMPLS))]
    for impl in IMPLS:
        positions = {[i for i, _, _ in order].index(impl) for order in orders}
        assert len(positions) == len(IMPLS), impl  # every implementation goes first, in the middle and last once
    for order in orders:
        assert len(order) == 2 * (len(IMPLS) + 1)
        for at, (impl, fmt, run) in enumerate(order):
            if run == "cached":
                assert order[at - 1] == ("csana", fmt, "first")
    assert [f for _, f, _ in orders[0]][:2] == ["csv", "csv"] and [f for _, f, _ in orders[1]][-1] == "csv"


def test_a_measured_child_reports_its_own_peak_memory(tmp_path):
    """Not the benchmark's: Linux would carry a parent's peak into a child it forks directly."""
    ballast = bytearray(400 * 1024 * 1024)
    ballast[::4096] = b"\1" * len(ballast[::4096])
    small = run_measured([sys.executable, "-c", "pass"], tmp_path / "small.log", "python")
    big = run_measured([sys.executable, "-c", "x = bytearray(200 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"],
                       tmp_path / "big.log", "python")
    del ballast
    assert small["peak_rss_mb"] < 60
    assert 200 < big["peak_rss_mb"] < 300
    assert big["cpu_s"] == pytest.approx(big["user_s"] + big["sys_s"]) and big["wall_s"] > 0


def test_a_failing_run_names_its_log(tmp_path):
    with pytest.raises(CsanaError, match=r"python failed: .*boom") as info:
        run_measured([sys.executable, "-c", "raise SystemExit('boom')"], tmp_path / "fail.log", "python")
    assert str(tmp_path / "fail.log") in str(info.value)


def test_without_a_source_checkout_the_bench_says_so(tmp_path, monkeypatch, capsys):
    with pytest.raises(CsanaError, match="needs a source checkout") as info:
        refs.reference_dir(tmp_path)
    assert "pip install -e '.[test]'" in str(info.value) and "\n" not in str(info.value)
    monkeypatch.setattr(refs, "CHECKOUT", tmp_path)
    assert main(["bench", "--sizes", "1k", "--work-dir", str(tmp_path / "work")]) == 2
    error, *hint = capsys.readouterr().err.strip().splitlines()
    assert error.startswith("csana: error: ") and "tests/reference" in error and "needs a source checkout" in error
    assert hint == ["hint: run with --debug for the full traceback"]


def test_without_the_test_extras_the_bench_says_so(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "duckdb" else real(name, *a))
    with pytest.raises(CsanaError, match=r"needs the test extras: duckdb not installed"):
        refs.reference_dir()


def test_the_parity_gate_fails_when_a_reference_disagrees(tmp_path):
    """Give the references other params than csana: the run must stop, naming agents and orders."""
    folder = tmp_path / "5k"
    meta = run_job(["generate", "5000", str(folder), "7"], folder)
    wrong = refs.write_reference_params(MetricParams.load(slow_response_s=5, attribution_days=0), tmp_path / "wrong.json")
    with pytest.raises(CsanaError, match=r"the implementations disagree: \| .*slow_customers of agent") as info:
        check_parity(folder, meta["month"], refs.reference_dir(), wrong)
    assert "credited to" in str(info.value)


def test_smoke_100k_through_the_cli(tmp_path, capsys):
    """The whole harness on 100k messages: generate, parity, every implementation on CSV and Parquet, stages, re-score."""
    out = tmp_path / "bench.md"
    code = main(["bench", "--sizes", "100k", "--repeats", "1", "--work-dir", str(tmp_path / "work"),
                 "--extras", "stages,rescore", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    results = json.loads(out.with_suffix(".json").read_text())
    rows = {(r["impl"], r["fmt"], r["run"]): r for r in results["rows"]}
    expected = {(i, f, "first") for i in IMPLS for f in ("csv", "parquet")} | {("csana", f, "cached") for f in ("csv", "parquet")}
    assert set(rows) == expected
    for row in rows.values():
        assert 90_000 <= row["messages"] <= 110_000
        assert row["wall_s"] > 0 and row["cpu_s"] > 0 and row["peak_rss_mb"] > 50 and row["repeats"] == 1
    assert len(results["runs"]) == len(expected)
    assert "agree on 4 agents" in results["checks"]["100k"]
    for fmt in ("csv", "parquet"):
        stages = results["stages"][f"100k {fmt}"]
        assert set(stages["stages"]) == {"load", "derive", "metrics", "write"}
        assert sum(s["wall_s"] for s in stages["stages"].values()) < stages["wall_s"]
    assert results["extras"]["rescore"]["agents"] == RESCORE_AGENTS
    assert [x["when"] for x in results["load"]] == ["before 100k", "after 100k", "end"]
    assert "| 100k | 97,797 | CSV | csana, cached run |" in printed
    assert "csana ÷ this, wall" in printed and "| 100k | 97,797 | Parquet | DuckDB |" in printed
    assert out.read_text().strip() == printed.strip()
    assert Path(tmp_path / "work" / "100k" / "runs" / "csana_csv_cached_0.csv").exists()
