"""The one error type users see.

Every problem a user can fix (a bad file, a wrong parameter, a month with no data)
is raised as :class:`CsanaError`, whose text names the file, the column or key, the
first offending rows and the fix. The CLI prints it as one line; ``--debug`` shows
the traceback. Anything else escaping is a bug in csana.
"""

from __future__ import annotations

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
        self.message = message
        self.file = file
        self.column = column
        self.rows = list(rows) if rows is not None else None
        self.fix = fix
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.column:
            where.append(f"column '{self.column}'")
        if self.rows:
            shown = ", ".join(str(r) for r in self.rows[:5])
            more = f" (+{len(self.rows) - 5} more)" if len(self.rows) > 5 else ""
            where.append(f"row{'s' if len(self.rows) > 1 else ''} {shown}{more}")
        text = (": ".join([", ".join(where), self.message]) if where else self.message)
        if self.fix:
            text += f" — fix: {self.fix}"
        return text
