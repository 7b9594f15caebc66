"""What the notebook panels share: the :class:`Panel` base (language switch, quiet batches) and widget helpers.

Charts are altair ``JupyterChart`` widgets in offline mode (the vega bundle is sent
from the kernel, no CDN), so tooltips and selections work in JupyterLab and Voilà
without network. Tables are HTML with every cell escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ipywidgets as ipw
import polars as pl

from csana.i18n import LANG_NAMES, LANGS, check_lang
from csana.present.formatting import DASH


def chart_widget(chart: Any = None) -> ipw.DOMWidget:
    """An altair JupyterChart in offline mode (vega sent from the kernel, no CDN)."""
    import altair as alt

    import csana.present.charts  # noqa: F401  (registers the csana theme)

    if not getattr(chart_widget, "_offline", False):
        alt.JupyterChart.enable_offline()
        chart_widget._offline = True  # type: ignore[attr-defined]
    return alt.JupyterChart(chart if chart is not None else alt.Chart(pl.DataFrame({"x": []})).mark_point())


def dropdown(options: list[tuple[str, Any]], value: Any, css: str) -> ipw.Dropdown:
    """A dropdown of (label, value) ``options`` with CSS class ``css``, on ``value`` if offered (else the first)."""
    widget = ipw.Dropdown(options=options, value=value if value in [v for _, v in options] else options[0][1])
    widget.add_class(css)
    return widget


def relabel(widget: ipw.Dropdown, options: list[tuple[str, Any]]) -> None:
    """Replace a dropdown's options, keeping its value when it is still offered (call inside a quiet batch)."""
    value = widget.value
    widget.options = options
    widget.value = value if value in [v for _, v in options] else options[0][1]


def lang_switch(lang: str) -> ipw.ToggleButtons:
    """中文 | English toggle buttons."""
    widget = ipw.ToggleButtons(options=[(LANG_NAMES[code], code) for code in LANGS], value=lang)
    widget.add_class("csana-lang")
    return widget


def on_change(widget: ipw.Widget, callback: Callable[[Any], Any]) -> None:
    """Call ``callback(new value)`` whenever ``widget``'s value changes."""
    widget.observe(lambda change: callback(change["new"]), names="value")


def table_html(frame: pl.DataFrame, headers: dict[str, str], css: str, formats: dict[str, Callable[[Any], str]] | None = None) -> str:
    """An HTML table of ``frame``'s ``headers`` columns, every cell escaped; null shows as '—'."""
    formats = formats or {}
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers.values())
    rows = []
    for row in frame.select(list(headers)).iter_rows(named=True):
        cells = []
        for col, value in row.items():
            shown = DASH if value is None else formats.get(col, str)(value)
            cells.append(f'<td data-col="{col}">{html.escape(shown)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="{css}" style="border-collapse:collapse"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


class Panel:
    """A notebook panel with a language switch: :attr:`widget` is what the notebook shows.

    Subclasses build ``widget`` and ``w_lang`` and redraw every caption in :meth:`_show_lang`.
    Controls moved by code inside :meth:`_batch` fire no action (``_quiet``).
    """

    lang: str
    widget: ipw.Box
    w_lang: ipw.ToggleButtons
    _quiet: bool = False

    def set_lang(self, lang: str) -> None:
        """Show every caption in ``lang``; a call from code moves the switch, whose observer calls back here."""
        check_lang(lang)
        if self.w_lang.value != lang:
            self.w_lang.value = lang
            return
        self.lang = lang
        self._show_lang()

    def _show_lang(self) -> None:
        raise NotImplementedError

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Context in which widget changes made by code fire no actions."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)
