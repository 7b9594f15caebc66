"""The full benchmark (README.md "Benchmark"; slow: about 15 minutes on 2 cores; run with ``pytest -m slow tests/bench``).

Generates 1M and 10M messages, checks parity (run_benchmark raises otherwise), times
csana, DuckDB and pandas as whole processes on CSV and Parquet, 3 repeats each, and the
extras. Speed targets are reported by the table's verdict lines rather than asserted,
because wall time depends on what else the machine is doing; memory is asserted.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")
pytest.importorskip("duckdb")

from csana.bench.runner import run_benchmark  # noqa: E402
from csana.bench.table import TARGETS, markdown  # noqa: E402


@pytest.mark.slow
def test_full_benchmark(tmp_path):
    results = run_benchmark([1_000_000, 10_000_000], tmp_path)
    print(markdown(results))
    assert set(results.checks) == {"1M", "10M"}
    for fmt in ("csv", "parquet"):
        big = results.row("10M", "csana", fmt)
        assert big is not None and big.repeats == 3 and big.peak_rss_mb < TARGETS["peak_rss_mb"]
    assert set(results.extras) == {"rescore", "report"} and set(results.stages) == {f"{s} {f}" for s in ("1M", "10M")
                                                                                     for f in ("csv", "parquet")}
