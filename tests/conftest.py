"""Suite-wide settings.

The load cache (csana/ingest/cache.py) is off for the suite, and for the processes it starts:
tests patch the loader to provoke errors, and a cached load would skip the patched code. The
cache's own tests (tests/ingest/test_cache.py) turn it on, in a folder of their own."""

import os

os.environ["CSANA_CACHE"] = "off"
