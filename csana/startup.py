"""Start-up work of third-party imports that csana's report processes do not need.

Two optional modules are imported by libraries the report uses, for features it never uses:

- ``rfc3987_syntax``: jsonschema (imported by nbformat, papermill, nbconvert and altair) loads it, when
  installed (``jsonschema[format-nongpl]``, required by jupyter-events), for two format checkers,
  ``iri`` and ``iri-reference``; it builds about 40 Earley parsers as it is imported: about 0.8 CPU s
  in every process, paid twice by each report (the ``csana report`` process and the notebook's
  kernel). Nothing csana runs checks those formats: nbformat validates without a format checker,
  and altair's format checker meets only ``color-hex``, ``uri`` and ``uri-reference`` in the
  Vega-Lite schema (``uri`` checks come from rfc3986-validator, which stays).
- ``pyarrow``: papermill imports it, when installed, for ``hdfs://`` notebook paths (about 0.15 CPU s,
  numpy included); the report's notebooks are local files.

:func:`light_import` imports modules with these hidden for the duration of that import: jsonschema's
checkers then lack the two IRI formats and papermill its HDFS handler, as when the packages are not
installed. The packages themselves stay importable afterwards, and a module imported before is left
as it is.
"""

from __future__ import annotations

import importlib
import sys

UNUSED = ("rfc3987_syntax", "pyarrow")
"""Optional modules hidden while :func:`light_import` imports (see the module docstring)."""

KERNEL_LINE = "__import__('csana.startup').startup.light_import('jsonschema')"
"""What the report's kernel runs before the notebook (one line; it binds no name in the notebook)."""


def light_import(*names: str) -> None:
    """Import ``names`` (jsonschema, papermill, nbformat …) with the :data:`UNUSED` modules hidden."""
    hidden = [name for name in UNUSED if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # `import` of a None entry raises ImportError
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
