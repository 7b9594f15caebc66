"""The full benchmark (README.md "Benchmark"; slow: about 10 minutes on 2 cores; run with ``pytest -m slow tests/bench``).

Generates 1M and 10M messages, times csana, pandas and DuckDB, checks that they
agree (run_benchmark raises otherwise), and times the extras. Speed targets are
reported by the table's verdict lines rather than asserted, because wall time
depends on what else the machine is doing; memory is asserted.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")
pytest.importorskip("duckdb")

from csana.bench import runner as bench  # noqa: E402


@pytest.mark.slow
def test_full_benchmark(tmp_path):
    results = bench.run_benchmark([1_000_000, 10_000_000], tmp_path, extras=("rescore", "load", "report"))
    print(bench.markdown(results))
    assert set(results.checks) == {"1M", "10M"}
    big = results.row("10M", "csana")
    assert big is not None and big.peak_rss_mb < bench.TARGETS["peak_rss_mb"]
