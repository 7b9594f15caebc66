"""Suite-wide settings.

The load cache (csana/ingest/cache.py) is off for the suite, and for the processes it starts:
tests patch the loader to provoke errors, and a cached load would skip the patched code. The
cache's own tests (tests/ingest/test_cache.py) turn it on, in a folder of their own.

Under pytest-xdist (the README's test command runs two workers, ``--dist loadgroup``), the tests of a
module that use one of its module-scoped fixtures (a rendered report, a cluster's batch, a generated
shop) run on one worker, so the fixture is built once; every other test goes to whichever worker is
free."""

import os

import pytest

os.environ["CSANA_CACHE"] = "off"


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    """Whether ``item`` uses (directly or through another fixture) a fixture of its own module that outlives one test."""
    info, module = getattr(item, "_fixtureinfo", None), getattr(item, "module", None)
    if info is None or module is None:
        return False
    return any(defs[-1].scope != "function" and getattr(defs[-1].func, "__module__", None) == module.__name__
               for name, defs in info.name2fixturedefs.items() if defs and name in item.fixturenames)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if _shares_a_module_fixture(item) and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
