"""The published-months panel (notebooks/explore.ipynb): an agent's published months as a trend, with versions.

:class:`History` reads the store of published months (:mod:`csana.store`, read-only and briefly at
each choice) and shows, for the chosen agent and number (pay, score, rank or a catalogue metric),
the trend over the months' latest versions with earlier versions as hollow points, and every version
in a table. Without a store it says how to publish a month. Like the other panels, every control
calls a method (``select_agent``, ``select_metric``) that returns the frame it shows, so the logic
is tested without a browser.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import ipywidgets as ipw
import polars as pl

from csana.errors import CsanaError
from csana.i18n import Captions, check_lang
from csana.catalogue import PUBLIC_IDS
from csana.present.formatting import format_metric, format_value
from csana.present.history import SCORE_IDS, published_trend, value_label
from csana.ui.dashboard import running_in_dashboard
from csana.ui.panel import Panel, chart_widget, dropdown, lang_switch, on_change, relabel, table_html

text = Captions({
    "heading": ("已发布月份与修订", "Published months and restatements"),
    "agent": ("客服", "Agent"),
    "metric": ("指标", "Number"),
    "none": ("尚未发布任何月份（{path}）。发布：csana publish 数据 --month 月份 --scheme 方案",
             "No month published yet ({path}). Publish one: csana publish DATA --month M --scheme S"),
    "month": ("月份", "Month"), "version": ("版本", "Version"), "published_at": ("发布时间", "Published"),
    "grade": ("等级", "Grade"), "note": ("说明", "Note"),
})
SHOWN = (*SCORE_IDS, *PUBLIC_IDS)


class History(Panel):
    """Agent × number → the published months' trend and versions (see the module docstring)."""

    def __init__(self, path: Path, *, lang: str = "zh", agent: str | None = None, metric: str = "total_pay") -> None:
        check_lang(lang)
        self.path, self.lang, self.metric = Path(path), lang, metric
        self.agents = self._agents()
        self.agent_id = agent if agent is not None else (self.agents["agent_id"][0] if self.agents.height else None)
        self.w_lang = lang_switch(lang)
        choices = [(a, a) for a in self.agents["agent_id"]] or [("", "")]
        self.w_agent = dropdown(choices, self.agent_id or "", "csana-history-agent")
        self.w_metric = dropdown([(value_label(m, lang), m) for m in SHOWN], metric, "csana-history-metric")
        self.h_title, self.h_table, self.c_trend = ipw.HTML(), ipw.HTML(), chart_widget()
        on_change(self.w_lang, lambda v: self.set_lang(v))
        on_change(self.w_agent, lambda v: self.select_agent(v) if not self._quiet and v else None)
        on_change(self.w_metric, lambda v: self.select_metric(v) if not self._quiet else None)
        controls = ipw.HBox([self.w_agent, self.w_metric, self.w_lang])
        self.widget = ipw.VBox([self.h_title, controls, self.c_trend, self.h_table])
        self.widget.add_class("csana-history")
        self._show_lang()

    @classmethod
    def open(cls, data: str | Path | None = None, *, store: str | Path | None = None, lang: str = "zh", **kwargs: Any) -> History:
        """The panel on the store of ``data`` (see :func:`csana.store.store_path`; under ``csana dashboard`` the data
        and language of the command line)."""
        from csana.store import store_path

        if running_in_dashboard():
            data = data if data is not None else os.environ.get("CSANA_DATA") or None
            lang = os.environ.get("CSANA_LANG") or lang
        return cls(store_path(data, store), lang=lang, **kwargs)

    # -- what tests and callers read ------------------------------------------------------

    def history(self) -> pl.DataFrame:
        """Every published version of a month holding the chosen agent (empty without a store or an agent)."""
        from csana.store import reading

        if self.agent_id is None or not self.path.exists():
            return pl.DataFrame()
        with reading(self.path) as store:
            return store.agent_history(self.agent_id, [m for m in SHOWN if m not in SCORE_IDS])

    def select_agent(self, agent_id: str) -> pl.DataFrame:
        if agent_id not in self.agents["agent_id"].to_list():
            raise CsanaError(f"agent '{agent_id}' is in no published month", file=str(self.path))
        self.agent_id = agent_id
        with self._batch():
            self.w_agent.value = agent_id
        self._refresh()
        return self.history()

    def select_metric(self, metric: str) -> pl.DataFrame:
        if metric not in SHOWN:
            raise CsanaError(f"'{metric}' is not shown here", fix=f"use one of: {', '.join(SHOWN)}")
        self.metric = metric
        with self._batch():
            self.w_metric.value = metric
        self._refresh()
        return self.history()

    # -- drawing ----------------------------------------------------------------------------

    def _agents(self) -> pl.DataFrame:
        from csana.store import reading

        if not self.path.exists():
            return pl.DataFrame(schema={"agent_id": pl.String, "name": pl.String})
        with reading(self.path) as store:
            return store.agents()

    def _show_lang(self) -> None:
        lang = self.lang
        self.h_title.value = f"<h3>{html.escape(text('heading', lang))}</h3>"
        self.w_agent.description, self.w_metric.description = text("agent", lang), text("metric", lang)
        with self._batch():
            relabel(self.w_agent, [(f"{n or a} ({a})", a) for a, n in self.agents.iter_rows()] or [("", "")])
            relabel(self.w_metric, [(value_label(m, lang), m) for m in SHOWN])
        self._refresh()

    def _refresh(self) -> None:
        lang = self.lang
        if self.agent_id is None:
            self.h_table.value = f"<p>{html.escape(text('none', lang, path=str(self.path)))}</p>"
            self.c_trend.layout.display = "none"
            return
        rows = self.history()
        self.c_trend.layout.display = None
        self.c_trend.chart = published_trend(rows, self.metric, lang)
        headers = {"month": text("month", lang), "version": text("version", lang), "published_at": text("published_at", lang),
                   "grade": text("grade", lang), self.metric: value_label(self.metric, lang)}
        if self.metric != "total_pay":
            headers["total_pay"] = value_label("total_pay", lang)

        def number(column: str) -> Any:
            if column == "total_pay":
                return lambda v: format_value(v, "yuan", lang)
            if column in ("total", "rank"):
                return lambda v: format_value(v, "score" if column == "total" else "units", lang)
            return lambda v: format_metric(column, v, lang)

        shown = rows.with_columns(pl.col("published_at").dt.strftime("%Y-%m-%d %H:%M"),
                                  pl.format("{}{}", pl.col("version"), pl.when(pl.col("latest")).then(pl.lit(" ★"))
                                            .otherwise(pl.lit(""))).alias("version"))
        self.h_table.value = table_html(shown, headers, "csana-history-table",
                                        {c: number(c) for c in headers if c not in ("month", "version", "published_at", "grade")})
