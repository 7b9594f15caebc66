"""The one error type users see.

Every problem a user can fix (a bad file, a wrong parameter, a month with no data)
is raised as :class:`CsanaError`, whose text names the file, the column or key, the
first offending rows and the fix. The CLI prints it as one line; ``--debug`` shows
the traceback. Anything else escaping is a bug in csana.
"""

from __future__ import annotations

import re
from collections.abc import Sequence


class CsanaError(Exception):
    """A user-fixable problem, described well enough to fix without reading code."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        column: str | None = None,
        rows: Sequence[int] | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = printable(message)
        self.file = printable(file) if file is not None else None
        self.column = printable(column) if column is not None else None
        self.rows = list(rows) if rows is not None else None
        self.fix = printable(fix) if fix is not None else None
        super().__init__(str(self))

    def __str__(self) -> str:
        return located(self.message, file=self.file, column=self.column, rows=self.rows, fix=self.fix)


def located(message: str, *, file: str | None = None, column: str | None = None, rows: Sequence[int] | None = None,
            fix: str | None = None, lang: str = "en") -> str:
    """A message with where it is and its fix, on one line: "FILE, column 'C', rows 2, 5: MESSAGE — fix: FIX"
    (in Chinese: "FILE，列 'C'，第 2、5 行：MESSAGE——处理：FIX"). Rows beyond the fifth are counted."""
    zh = lang == "zh"
    where = []
    if file:
        where.append(str(file))
    if column:
        where.append(f"列 '{column}'" if zh else f"column '{column}'")
    if rows:
        shown = ("、" if zh else ", ").join(str(r) for r in rows[:5])
        more = (f"（另 {len(rows) - 5} 行）" if zh else f" (+{len(rows) - 5} more)") if len(rows) > 5 else ""
        where.append(f"第 {shown} 行{more}" if zh else f"row{'s' if len(rows) > 1 else ''} {shown}{more}")
    text = ("：" if zh else ": ").join([("，" if zh else ", ").join(where), message]) if where else message
    if fix:
        text += f"——处理：{fix}" if zh else f" — fix: {fix}"
    return text


_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """Text that prints on any terminal, fits in a polars table and stays on one line.

    File names that are not UTF-8 (GBK names from a Windows zip unpacked on Linux) reach Python as
    "surrogate escapes", which can be neither printed nor stored: each part of a path holding them is
    decoded as GB18030 when its bytes are valid GB18030, else its odd bytes are shown as ``\\xNN``.
    Line breaks become `` | ``; other control characters (the NUL bytes of UTF-16 text read as
    something else, a bell) are shown as ``\\xNN``.
    """
    value = str(text)
    if _SURROGATE.search(value):
        value = "/".join(_decoded(part) for part in value.split("/"))
    value = re.sub(r"\s*(?:\r\n|\n|\r)\s*", " | ", value.strip("\r\n"))  # a line break: the text stays on one line
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)


def _decoded(part: str) -> str:
    """One path part holding surrogate escapes, decoded (see :func:`printable`)."""
    if not _SURROGATE.search(part):
        return part
    try:
        raw = part.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return part.encode("utf-8", "backslashreplace").decode("utf-8")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "backslashreplace")
