"""Output file names from team and shop names: safe on every file system, and never two the same.

A *slug* is the file-name-safe form of a name (:func:`slug`). Different names can share a
slug — ``售前/一组`` and ``售前:一组`` both become ``售前_一组``, two 70-character names that
differ only at the end are cut to the same 60 characters, ``Shop_A`` and ``shop_a`` are one
file on the case-insensitive disks of macOS and Windows. :func:`unique_slugs` keeps the
plain slug where it is unambiguous and appends a short hash of the original name to every
name whose slug collides, so a batch never writes one path twice (:func:`check_unique` is
the last guard before anything is written).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence

from csana.errors import CsanaError

HASH_CHARS = 6
"""Hex digits of the name's SHA-1 appended on a collision (16.7 million values: enough for any batch)."""


def slug(text: str) -> str:
    """A file-name-safe form of a team or shop name (Chinese kept, separators and spaces replaced; control
    and bidi-override characters dropped; at most 60 characters, as a file name holds 255 bytes)."""
    cleaned = re.sub(r'[\\/:*?"<>|\s]+', "_", text.strip())
    visible = "".join(ch for ch in cleaned if not unicodedata.category(ch).startswith("C")).strip("._")
    return visible[:60] or "unnamed"


def short_hash(text: str) -> str:
    """The first :data:`HASH_CHARS` hex digits of the SHA-1 of ``text`` (stable across runs and machines)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]


def unique_slugs(names: Iterable[str]) -> dict[str, str]:
    """Each distinct name → its slug, with ``-<short hash>`` added where two names' slugs are one
    file name (compared case-insensitively, as macOS and Windows disks do)."""
    distinct = list(dict.fromkeys(names))
    holders: dict[str, list[str]] = {}
    for name in distinct:
        holders.setdefault(slug(name).casefold(), []).append(name)
    result = {}
    for name in distinct:
        plain = slug(name)
        result[name] = plain if len(holders[plain.casefold()]) == 1 else f"{plain}-{short_hash(name)}"
    return result


def check_unique(paths: Sequence[str], what: str = "reports") -> None:
    """Refuse a batch in which two outputs would be written to one path (case-insensitively)."""
    seen: set[str] = set()
    for path in paths:
        if path.casefold() in seen:
            raise CsanaError(f"two {what} would be written to the same file: {path}",
                             fix="give them different names (--name), or report them in separate runs")
        seen.add(path.casefold())
