"""The full benchmark (README.md "Benchmark"; slow: about 15 minutes on 2 cores; run with ``pytest -m slow tests/bench``).

Generates 1M and 10M messages, checks parity (run_benchmark raises otherwise), times
csana, DuckDB and pandas as whole processes on CSV and Parquet, 3 repeats each, and the
extras. Speed targets are reported by the table's verdict lines rather than asserted,
because wall time depends on what else the machine is doing; memory is asserted against a regression bound (the 1.5 GB target is missed today, see README: 10M CSV
peaks at 4.4–4.6 GB), so a change that makes it worse fails.
"""

from __future__ import annotations

import pytest

pytest.importorskip("pandas")
pytest.importorskip("duckdb")

from csana.bench.runner import run_benchmark  # noqa: E402
from csana.bench.table import markdown  # noqa: E402

PEAK_RSS_BOUND_MB = 5 * 1024
"""Today's 10M peak (4.4–4.6 GB from CSV, 2.35 GB from Parquet) with a margin: a regression guard, not the target."""


@pytest.mark.slow
def test_full_benchmark(tmp_path):
    results = run_benchmark([1_000_000, 10_000_000], tmp_path)
    print(markdown(results))
    assert set(results.checks) == {"1M", "10M"}
    for fmt in ("csv", "parquet"):
        big = results.row("10M", "csana", fmt)
        assert big is not None and big.repeats == 3 and big.peak_rss_mb < PEAK_RSS_BOUND_MB
    assert set(results.extras) == {"rescore", "report"} and set(results.stages) == {f"{s} {f}" for s in ("1M", "10M")
                                                                                     for f in ("csv", "parquet")}
