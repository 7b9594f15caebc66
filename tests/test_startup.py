"""csana.startup: jsonschema and papermill imported without the optional modules the report never uses keep
every format check csana's validations meet, leave those modules importable, and the report's kernel runs
it before the notebook."""

from __future__ import annotations

import json
import subprocess
import sys

from csana.report.render import KERNEL_ARGUMENTS
from csana.startup import KERNEL_LINE

PROBE = """
import json, sys
{setup}
import jsonschema, papermill
checks = sorted(jsonschema.FormatChecker().checkers)
skipped = sorted(m for m in ("rfc3987_syntax", "pyarrow") if m not in sys.modules)
import rfc3987_syntax, pyarrow.fs
print(json.dumps({{"checks": checks, "skipped": skipped, "importable": [rfc3987_syntax.__name__, pyarrow.fs.__name__]}}))
"""


def probe(setup: str) -> dict[str, object]:
    """Import jsonschema and papermill in a fresh interpreter (this one has imported them already)."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(setup=setup)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_only_the_iri_checks_are_left_out_and_the_hidden_modules_stay_importable():
    plain = probe("")
    light = probe("from csana.startup import light_import; light_import('papermill')")
    assert plain["skipped"] == [] and light["skipped"] == ["pyarrow", "rfc3987_syntax"]
    assert set(plain["checks"]) - set(light["checks"]) == {"iri", "iri-reference"}
    assert {"uri", "uri-reference"} <= set(light["checks"])  # the formats of the Vega-Lite schema altair checks
    assert light["importable"] == ["rfc3987_syntax", "pyarrow.fs"]


def test_the_report_kernel_runs_it_before_the_notebook_without_binding_a_name():
    assert f"--IPKernelApp.exec_lines={KERNEL_LINE}" in KERNEL_ARGUMENTS
    namespace: dict[str, object] = {}
    exec(KERNEL_LINE, namespace)  # noqa: S102 — the kernel's own start-up line
    assert set(namespace) == {"__builtins__"}
