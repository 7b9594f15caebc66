"""How files and columns are recognised: ``params/columns.yaml`` as :class:`LoadParams`.

Raw logs name their columns in many ways (时间, 发送时间, time …): the file lists, per canonical
table (:mod:`csana.ingest.schema`), the words in a file or sheet name that mark it and the
headers accepted for each column, plus the sender spellings, the missing marks and a few limits.
Headers are compared after :func:`normalize_name`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from csana.config import PARAMS_DIR, Frozen, read_config, validate
from csana.ingest.cells import MISSING_MARKS
from csana.ingest.schema import SENDERS, TABLES


@functools.lru_cache(maxsize=65_536)
def normalize_name(name: str) -> str:
    """Header/file-name key for matching: lower case, no spaces, ``_`` or ``-``, ASCII parentheses."""
    return re.sub(r"[\s_\-]+", "", str(name).lower().replace("（", "(").replace("）", ")"))


class TableAliases(Frozen):
    """The names under which one canonical table and its columns appear in users' files."""

    files: tuple[str, ...] = Field(default=(), description="words in a file or sheet name marking this table")
    columns: dict[str, tuple[str, ...]] = Field(default_factory=dict, description="canonical column → accepted headers")


class LoadParams(Frozen):
    """How files and columns are recognised (``params/columns.yaml``)."""

    tables: dict[str, TableAliases] = Field(default_factory=dict)
    senders: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    missing_values: tuple[str, ...] = MISSING_MARKS
    default_units: int | None = Field(1, ge=1, description="units per order when orders have no units column")
    header_search_rows: int = Field(20, ge=1, description="rows searched for the header row")
    timezone: str = Field("Asia/Shanghai", description="the shop's time zone: timestamps with an offset or in epoch "
                          "seconds are converted to its wall clock")
    max_number: float = Field(1e9, gt=0, description="largest amount, count, score or duration accepted in a cell; "
                              "larger values are set aside (rule too_large) so sums stay finite")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (use an IANA name such as Asia/Shanghai)") from None
        return value

    @field_validator("tables")
    @classmethod
    def _known_tables_and_columns(cls, value: dict[str, TableAliases]) -> dict[str, TableAliases]:
        problems = []
        for name, aliases in value.items():
            if name not in TABLES:
                problems.append(f"unknown table '{name}' (allowed: {', '.join(TABLES)})")
                continue
            allowed = TABLES[name].columns
            problems += [f"tables.{name}.columns: unknown column '{c}' (allowed: {', '.join(allowed)})"
                         for c in aliases.columns if c not in allowed]
            problems += [f"tables.{name}.columns: header '{h}' given for both {a} and {b}"
                         for h, a, b in _clashes({c: (c, *aliases.columns.get(c, ())) for c in allowed})]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @field_validator("missing_values")
    @classmethod
    def _lower_case(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value)

    @field_validator("senders")
    @classmethod
    def _known_senders(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        problems = [f"unknown sender '{s}' (allowed: {', '.join(SENDERS)})" for s in value if s not in SENDERS]
        problems += [f"sender value '{v}' given for both {a} and {b}" for v, a, b in _clashes(value, key=str.lower)]
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @classmethod
    def load(cls, path: str | Path | None = None) -> LoadParams:
        """Read a columns file (default: params/columns.yaml; built-in defaults if absent)."""
        source = Path(path) if path is not None else PARAMS_DIR / "columns.yaml"
        if path is None and not source.exists():
            return cls()
        return _load_params(source.resolve(), source.stat().st_mtime_ns if source.exists() else 0)

    def column_map(self, table: str) -> dict[str, tuple[str, int]]:
        """Normalised header → (canonical column, preference rank; the canonical name ranks first)."""
        out: dict[str, tuple[str, int]] = {}
        aliases = self.tables.get(table, TableAliases()).columns
        for column in TABLES[table].columns:
            for rank, header in enumerate((column, *aliases.get(column, ()))):
                out.setdefault(normalize_name(header), (column, rank))
        return out

    def sender_map(self) -> dict[str, str]:
        """Lower-cased sender spelling → canonical sender (the canonical values always count)."""
        out = {s: s for s in SENDERS}
        out.update({v.strip().lower(): s for s, values in self.senders.items() for v in values})
        return out

    def known_headers(self) -> set[str]:
        """Every normalised header of every table, for finding the header row."""
        return {h for table in TABLES for h in self.column_map(table)}


@functools.lru_cache(maxsize=8)
def _load_params(source: Path, mtime: int) -> LoadParams:
    """Parsed once per file version: ``raw.from_frames`` runs this for every table."""
    return validate(LoadParams, read_config(source), source)


def _clashes(groups: dict[str, Iterable[str]], key: Any = normalize_name) -> list[tuple[str, str, str]]:
    """Values listed under two different keys: (value, first key, second key)."""
    seen: dict[str, str] = {}
    out = []
    for group, values in groups.items():
        for v in values:
            owner = seen.setdefault(key(v), group)
            if owner != group:
                out.append((v, owner, group))
    return out
