"""The agency batch's defaults, in a module without heavy imports (the command line reads them for its help)."""

from __future__ import annotations

DEFAULT_RANK_BY = "conv_final"
"""The metric shops and agents are ranked on in the overview: 询单→最终付款."""
DEFAULT_MIN_BASE = 30
"""Same as the diagnostics' default min_count: an agent whose base is below it is "not enough data", never ranked."""
OVERVIEW_NAME = "agency_overview"
"""File stem of the overview (HTML, PDF) and of its agent ranking (``-agents.xlsx``)."""
