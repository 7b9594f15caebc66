"""Start-up work of third-party imports that csana's report processes do not need.

jsonschema, which nbformat, papermill, nbconvert and altair import, loads rfc3987-syntax when it is
installed (``jsonschema[format-nongpl]``, required by jupyter-events) for two format checkers,
``iri`` and ``iri-reference``; that module builds about 40 Earley parsers as it is imported: about
0.8 CPU s in every process, paid twice by each report (the ``csana report`` process and the
notebook's kernel). Nothing csana runs checks those formats: nbformat validates without a format
checker, and altair's format checker meets only ``color-hex``, ``uri`` and ``uri-reference`` in the
Vega-Lite schema (``uri`` checks come from rfc3986-validator, which stays).

:func:`import_jsonschema` imports jsonschema with rfc3987-syntax hidden for that one import, so
jsonschema's checkers lack the two IRI formats, as when the package is not installed; the package
itself stays importable afterwards. A process that already imported jsonschema is left as it is.
"""

from __future__ import annotations

import importlib
import sys

SKIPPED = "rfc3987_syntax"
"""The optional module jsonschema's format checkers import and csana's processes never use."""

KERNEL_LINE = "__import__('csana.startup').startup.import_jsonschema()"
"""The same, as one line a Jupyter kernel runs before the notebook (it binds no name in the notebook)."""


def import_jsonschema() -> None:
    """Import jsonschema without building rfc3987-syntax's IRI parsers (see the module docstring)."""
    if "jsonschema" in sys.modules or SKIPPED in sys.modules:
        return
    sys.modules[SKIPPED] = None  # type: ignore[assignment]  # `import` of a None entry raises ImportError
    try:
        importlib.import_module("jsonschema")
    finally:
        if sys.modules.get(SKIPPED, "") is None:
            del sys.modules[SKIPPED]
