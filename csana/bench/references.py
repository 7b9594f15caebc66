"""Where the benchmark finds its competitors: the pandas and DuckDB references in the checkout's tests/reference/.

The references are test code (oracles for csana's metrics), not part of the installed
package, so ``csana bench`` runs from a source checkout with the test extras installed
(``pip install -e '.[test]'``, or ``./csana/bootstrap.py test``). They run as scripts,
each in a fresh process, with the same parameters as csana written as JSON.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from csana.errors import CsanaError
from csana.params import MetricParams

REFERENCES = ("duckdb", "pandas")
SCRIPTS = {"duckdb": "duckdb_metrics.py", "pandas": "pandas_metrics.py"}
NEEDS = {"duckdb": ("duckdb",), "pandas": ("pandas", "pyarrow")}
"""The Python packages (test extras) each reference script imports."""
CHECKOUT = Path(__file__).resolve().parents[2]
"""The folder holding csana/ — a source checkout when tests/reference/ is next to it."""


def reference_dir(checkout: Path | None = None) -> Path:
    """The checkout's tests/reference/, after checking the scripts and the packages they need are there."""
    folder = (checkout or CHECKOUT) / "tests" / "reference"
    if not all((folder / script).is_file() for script in SCRIPTS.values()):
        raise CsanaError(
            "csana bench needs a source checkout: its pandas and DuckDB references are tests/reference/*.py, "
            "which an installed csana does not include", file=str(folder),
            fix="clone the csana repository and run csana bench from its .venv (pip install -e '.[test]')",
        )
    missing = [name for ref in REFERENCES for name in NEEDS[ref] if importlib.util.find_spec(name) is None]
    if missing:
        raise CsanaError(
            f"csana bench needs the test extras: {', '.join(dict.fromkeys(missing))} not installed",
            fix="pip install -e '.[test]' in the checkout (or ./csana/bootstrap.py test)",
        )
    return folder


def reference_params(params: MetricParams) -> dict[str, Any]:
    """``params`` as the references read them: the keys of params/metrics.yaml, service_hours null for all day."""
    data = params.model_dump(mode="json")
    hours = params.service_hours
    data["service_hours"] = None if hours.all_day else [hours.start.isoformat(), hours.end.isoformat()]
    return data


def write_reference_params(params: MetricParams, path: Path) -> Path:
    path.write_text(json.dumps(reference_params(params), ensure_ascii=False), encoding="utf-8")
    return path


def reference_command(ref: str, folder: Path, data: Path, month: str, params_file: Path, out: Path,
                      attribution_out: Path | None = None) -> list[str]:
    """The command line that runs reference ``ref`` on ``data`` (a CSV or Parquet folder)."""
    command = [sys.executable, str(folder / SCRIPTS[ref]), str(data), "--month", month, "--out", str(out),
               "--params", str(params_file)]
    return command + (["--attribution", str(attribution_out)] if attribution_out else [])


def csana_script() -> list[str]:
    """How a user starts csana: the installed console script next to this Python (else ``python -m csana.cli``)."""
    script = Path(sys.executable).with_name("csana")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "csana.cli"]


def csana_command(data: Path, month: str, out: Path, params_file: Path | None = None) -> list[str]:
    """``csana metrics DATA --month MONTH --out OUT`` as a user runs it."""
    extra = ["--params", str(params_file)] if params_file else []
    return [*csana_script(), "metrics", str(data), "--month", month, "--out", str(out), *extra]
