"""Interactive explorers for the notebooks and the Voilà dashboard (ipywidgets + altair).

:class:`Explorer` (notebooks/explore.ipynb) lets a manager pick the data, the month,
a team and a role, look at one metric at a time (its spread over agents, the agents
ranked, the daily trend) and tune a scoring scheme with one slider per indicator
weight and tier threshold: the leaderboard is re-scored at every move and shows each
agent's rank change against the saved scheme; the tuned scheme can be saved as a new
YAML file in params/schemes/.

Every control is driven through a method (``set_weight``, ``set_filters``,
``select_metric`` …) that returns the frame it changed, so the logic is tested
without a browser; the widgets only call those methods. Numbers come from the
engine, scores from :mod:`csana.scoring.scorecard`, charts from :mod:`csana.present.charts`: nothing
here computes a metric.

Charts are altair ``JupyterChart`` widgets in offline mode (the vega bundle is sent
from the kernel, no CDN), so tooltips and selections work in JupyterLab and Voilà
without network. Labels are Chinese by default; ``lang="en"`` (or the language
switch) shows English.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as ipw
import polars as pl

from csana.config import PARAMS_DIR
from csana.errors import CsanaError
from csana.i18n import LANG_NAMES, LANGS, Captions, check_lang, list_separator
from csana.ingest.dataset import Dataset
from csana.ingest.open import open_data
from csana.metrics.catalogue import CATALOGUE, PUBLIC_IDS, label
from csana.params import MetricParams
from csana.present.formatting import DASH, format_value, plain_number, short_value

DASHBOARD_ENV = "CSANA_DASHBOARD"
"""Set (to "1") by ``csana dashboard`` for its kernels: the explorer is then read-only."""

ALL = "__all__"
DEFAULT_SCHEME = "presales_traffic"
"""The scheme the explorer opens with when none is named (else the first file in the folder)."""

text = Captions({
    "data": ("数据", "Data"),
    "data_hint": ("文件夹或文件路径；留空 = 演示数据", "folder or file path; empty = demo data"),
    "load": ("加载", "Load"),
    "demo": ("演示数据", "demo data"),
    "month": ("月份", "Month"),
    "team": ("小组", "Team"),
    "role": ("岗位", "Role"),
    "all": ("全部", "All"),
    "lang": ("语言", "Language"),
    "metric": ("指标", "Metric"),
    "agent": ("客服", "Agent"),
    "agents": ("客服人数", "Agents"),
    "median": ("团队中位数", "Team median"),
    "metrics_tab": ("指标探索", "Metric explorer"),
    "scheme_tab": ("考核方案", "Scoring scheme"),
    "scheme": ("方案", "Scheme"),
    "weights": ("权重", "Weights"),
    "thresholds": ("档位门槛", "Tier thresholds"),
    "reset": ("恢复已保存方案", "Reset to saved"),
    "save": ("另存为新方案", "Save as new scheme"),
    "save_name": ("新方案文件名", "New scheme file name"),
    "saved_to": ("已保存：", "Saved: "),
    "read_only": ("只读看板：不能保存方案", "Read-only dashboard: schemes cannot be saved"),
    "rank": ("排名", "Rank"),
    "name": ("客服", "Agent"),
    "total": ("总分", "Score"),
    "percent": ("得分率", "Score %"),
    "saved_rank": ("原方案排名", "Saved rank"),
    "change": ("排名变化", "Rank change"),
    "no_agents": ("没有符合筛选条件的客服", "No agent matches the filters"),
    "no_scheme": ("params/schemes/ 中没有方案", "No scheme in params/schemes/"),
    "status_rows": ("名客服", "agents"),
})
"""The explorer's captions: ``text(key, lang)``."""


def running_in_dashboard() -> bool:
    """Whether this kernel was started by ``csana dashboard`` (Voilà, read-only)."""
    return os.environ.get(DASHBOARD_ENV) == "1"


# -- data ---------------------------------------------------------------------------------


def available_months(dataset: Dataset, params: MetricParams | None = None) -> list[str]:
    """Every calendar month the data touches, oldest first (raw logs and platform exports alike)."""
    from csana.facts import facts_of
    from csana.params import resolve_params

    return facts_of(dataset, resolve_params(params, {})).months_touched()


@dataclass(frozen=True)
class MonthFrames:
    """What the explorer shows for one data × month, computed once: per-agent and per-day metrics."""

    month: str
    metrics: pl.DataFrame
    daily: pl.DataFrame

    @classmethod
    def compute(cls, dataset: Dataset, month: str | None, params: MetricParams | None = None) -> MonthFrames:
        from csana.metrics.engine import (
            agent_daily_metrics,
            agent_metrics,
            latest_complete_month,
        )

        month = month or latest_complete_month(dataset, params)
        return cls(month, agent_metrics(dataset, month, params), agent_daily_metrics(dataset, month, params))


def choices(frame: pl.DataFrame, column: str) -> list[str]:
    """The distinct non-null values of ``column`` (team, role), sorted."""
    if column not in frame.columns:
        return []
    return sorted(frame.get_column(column).drop_nulls().unique().to_list())


def filter_agents(frame: pl.DataFrame, team: str | None = None, role: str | None = None) -> pl.DataFrame:
    """Rows of the agents in ``team`` and ``role`` (None = any)."""
    keep = pl.lit(True)
    if team is not None:
        keep &= pl.col("team") == team
    if role is not None:
        keep &= pl.col("role") == role
    return frame.filter(keep)


def shown_metrics(metrics: pl.DataFrame) -> list[str]:
    """Public metric ids with at least one value this month (catalogue order)."""
    return [m for m in PUBLIC_IDS if m in metrics.columns and metrics.get_column(m).null_count() < metrics.height]


def daily_with_median(daily: pl.DataFrame, metric_id: str, agent_id: str | None, lang: str) -> pl.DataFrame:
    """The chosen agent's daily values next to the median over agents of each day, as named series."""
    median = daily.group_by("date").agg(pl.col(metric_id).cast(pl.Float64).median()).with_columns(
        name=pl.lit(text("median", lang)))
    series = [median.select("date", "name", metric_id)]
    if agent_id is not None:
        mine = daily.filter(pl.col("agent_id") == agent_id).select(
            "date", pl.coalesce("name", "agent_id").alias("name"), pl.col(metric_id).cast(pl.Float64))
        series.append(mine)
    return pl.concat(series).sort("date", "name")


# -- widgets plumbing -------------------------------------------------------------------------


def chart_widget(chart: Any = None) -> ipw.DOMWidget:
    """An altair JupyterChart in offline mode (vega sent from the kernel, no CDN)."""
    import altair as alt

    import csana.present.charts  # noqa: F401  (registers the csana theme)

    if not getattr(chart_widget, "_offline", False):
        alt.JupyterChart.enable_offline()
        chart_widget._offline = True  # type: ignore[attr-defined]
    return alt.JupyterChart(chart if chart is not None else alt.Chart(pl.DataFrame({"x": []})).mark_point())


def dropdown(options: list[tuple[str, Any]], value: Any, css: str) -> ipw.Dropdown:
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


# -- scheme tuning (pure functions; the sliders call them) -------------------------------------


def boundaries(scheme: Any, indicator_id: str) -> list[float]:
    """The tier boundaries of an indicator (each tier's max = the next tier's min), low to high."""
    tiers = scheme.indicator(indicator_id).tiers
    return [t.max for t in tiers[:-1]]


def with_boundary(scheme: Any, indicator_id: str, index: int, value: float) -> Any:
    """A copy of ``scheme`` with boundary ``index`` of an indicator moved to ``value``.

    The boundary is the max of tier ``index`` and the min of tier ``index + 1``; it must
    stay strictly between its neighbours so tiers keep covering every value without gaps.
    """
    indicator = scheme.indicator(indicator_id)
    cuts = boundaries(scheme, indicator_id)
    if not 0 <= index < len(cuts):
        raise CsanaError(f"indicator '{indicator_id}' has {len(cuts)} tier boundaries, not {index + 1}",
                         file=scheme.name, fix=f"use an index from 0 to {len(cuts) - 1}")
    low = cuts[index - 1] if index > 0 else None
    high = cuts[index + 1] if index + 1 < len(cuts) else None
    if (low is not None and value <= low) or (high is not None and value >= high):
        raise CsanaError(f"boundary {index} of '{indicator_id}' must lie between {low} and {high} (got {value})",
                         file=scheme.name, fix="move the neighbouring boundary first")
    tiers = list(indicator.tiers)
    tiers[index] = tiers[index].model_copy(update={"max": float(value)})
    tiers[index + 1] = tiers[index + 1].model_copy(update={"min": float(value)})
    moved = indicator.model_copy(update={"tiers": tuple(tiers)})
    return scheme.model_copy(update={"indicators": tuple(moved if i.id == indicator_id else i for i in scheme.indicators)})


def boundary_range(cuts: list[float], index: int) -> tuple[float, float, float]:
    """(min, max, step) of a boundary slider: strictly between its neighbours, open ends padded by the span."""
    span = (cuts[-1] - cuts[0]) if len(cuts) > 1 else (abs(cuts[0]) or 1.0)
    step = _nice(span / 100)
    low = cuts[index - 1] + step if index > 0 else cuts[0] - span
    high = cuts[index + 1] - step if index + 1 < len(cuts) else cuts[-1] + span
    if cuts[0] >= 0 and index == 0:
        low = max(low, 0.0)
    return low, high, step


def _nice(raw: float) -> float:
    """The 1-2-5 step nearest above ``raw`` (0.01, 0.02, 0.05, 0.1 …)."""
    if raw <= 0:
        return 0.01
    power = 10.0 ** (len(str(int(1 / raw))) * -1 if raw < 1 else len(str(int(raw))) - 1)
    for factor in (1, 2, 5, 10):
        if factor * power >= raw:
            return round(factor * power, 10)
    return round(10 * power, 10)


def weight_range(weight: float) -> tuple[float, float, float]:
    """(min, max, step) of a weight slider: 0 to twice the saved weight (at least 1)."""
    top = max(1.0, 2 * weight)
    return 0.0, top, _nice(top / 100)


def leaderboard(scores: pl.DataFrame, saved_scores: pl.DataFrame) -> pl.DataFrame:
    """Agents in the order of the tuned scheme, with their rank under the saved scheme.

    ``scores`` and ``saved_scores`` are :func:`scheme_scores` frames (rank 1 = best by
    score percent, as :func:`csana.scoring.scorecard.score` ranks). ``change`` = saved rank −
    rank: positive means the agent moves up under the tuned scheme.
    """
    saved = saved_scores.select("agent_id", saved_rank="rank", saved_percent="percent")
    return (
        scores.join(saved, on="agent_id", how="left")
        .with_columns(change=pl.col("saved_rank") - pl.col("rank"))
        .sort("rank", "agent_id", nulls_last=True)
        .select("rank", "agent_id", "name", "team", "total", "percent", "saved_rank", "change", "saved_percent")
    )


def change_text(change: int | None) -> str:
    """'↑2', '↓1', '–' (unchanged) for a rank change."""
    if change is None:
        return DASH
    return f"↑{change}" if change > 0 else f"↓{-change}" if change < 0 else "–"


def scheme_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.yaml"))


def save_scheme(scheme: Any, stem: str, directory: Path) -> Path:
    """Write ``scheme`` as ``directory/<stem>.yaml`` (never overwriting) and check it loads back the same."""
    import re

    import yaml

    from csana.scoring.scheme import load_scheme

    stem = stem.strip().removesuffix(".yaml")
    if not re.fullmatch(r"[\w\-]+", stem):
        raise CsanaError(f"'{stem}' is not a usable file name", file=str(directory),
                         fix="use letters, digits, '_' or '-' (Chinese is fine), e.g. presales_tuned")
    path = directory / f"{stem}.yaml"
    if path.exists():
        raise CsanaError("a scheme with this name exists already", file=str(path), fix="choose another name")
    renamed = scheme.model_copy(update={"name": stem, "name_en": stem})
    body = yaml.safe_dump(renamed.model_dump(mode="json", exclude_defaults=True), allow_unicode=True, sort_keys=False)
    header = (f"# Tuned in the csana explorer from '{scheme.name}' on {dt.date.today().isoformat()}.\n"
              "# Edit freely; `csana score --scheme` validates it on load.\n")
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(header + body, encoding="utf-8")
    if load_scheme(path).canonical() != renamed.canonical():
        path.unlink()
        raise CsanaError("the saved scheme did not load back identically", file=str(path), fix="report this as a bug")
    return path


def scheme_scores(metrics: pl.DataFrame, scheme: Any, dataset: Dataset | None = None) -> pl.DataFrame:
    """agent_id, name, team, total, percent and rank of every agent in ``metrics`` under ``scheme``.

    Manual indicators (chat review, typing speed…) read the dataset's manual_scores table.
    """
    from csana.scoring.scorecard import score

    manual = dataset["manual_scores"] if dataset is not None and dataset.has("manual_scores") else None
    card = score(metrics, scheme, manual=manual)
    return card.select("agent_id", "name", "team", "total", "percent", "rank")


# -- what the explorer and the diagnoser share ------------------------------------------------------


class _Panel:
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


# -- the explorer -----------------------------------------------------------------------------------


class Explorer(_Panel):
    """The explore notebook's widget: data × month × filters → metric charts and a live scheme panel.

    Build it with :meth:`open` (a path, a Dataset, or None for the demo shop) and
    display it as the last expression of a cell. ``read_only`` hides saving (the
    Voilà dashboard).
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        month: str | None = None,
        lang: str = "zh",
        scheme: str | Path | None = None,
        schemes_dir: Path | None = None,
        read_only: bool = False,
        params: MetricParams | None = None,
        data_label: str = "",
    ) -> None:
        check_lang(lang)
        self.dataset, self.params, self.lang, self.read_only = dataset, params, lang, read_only
        self.schemes_dir = Path(schemes_dir) if schemes_dir is not None else PARAMS_DIR / "schemes"
        self.frames = MonthFrames.compute(dataset, month, params)
        self.team: str | None = None
        self.role: str | None = None
        self.agent_id: str | None = None
        metrics = shown_metrics(self.frames.metrics)
        self.metric_id = "conv_final" if "conv_final" in metrics else (metrics[0] if metrics else PUBLIC_IDS[0])
        self.saved: Any = None
        self.tuned: Any = None
        self.scheme_path: Path | None = None
        self._build(data_label)
        files = scheme_files(self.schemes_dir)
        if scheme is None and files:
            scheme = next((p for p in files if p.stem == DEFAULT_SCHEME), files[0])
        if scheme is not None:
            self.select_scheme(scheme)
        else:
            self._refresh_board()
        self._refresh_charts()

    @classmethod
    def open(cls, data: str | Path | Dataset | None = None, *, month: str | None = None, lang: str = "zh",
             scheme: str | Path | None = None, read_only: bool | None = None, **kwargs: Any) -> Explorer:
        """Load ``data`` and build the explorer.

        Under ``csana dashboard`` (Voilà) the arguments left at None come from the
        command line (environment CSANA_DATA, CSANA_MONTH, CSANA_LANG) and the explorer
        is read-only; otherwise None means the demo shop and its latest complete month.
        """
        if running_in_dashboard():
            data = data if data is not None else os.environ.get("CSANA_DATA") or None
            month = month or os.environ.get("CSANA_MONTH") or None
            lang = os.environ.get("CSANA_LANG") or lang
        dataset = open_data(data)
        label = str(data) if data is not None and not isinstance(data, Dataset) else ""
        read_only = running_in_dashboard() if read_only is None else read_only
        return cls(dataset, month=month, lang=lang, scheme=scheme, read_only=read_only, data_label=label, **kwargs)

    # -- what tests and callers read ------------------------------------------------------

    def agents(self) -> pl.DataFrame:
        """Per-agent metrics of the month for the agents passing the team and role filters."""
        return filter_agents(self.frames.metrics, self.team, self.role)

    def leaderboard(self) -> pl.DataFrame:
        """The filtered agents ranked under the tuned scheme, with their saved-scheme rank and change."""
        if self.tuned is None:
            raise CsanaError("no scheme loaded", file=str(self.schemes_dir), fix="add a scheme YAML or pass scheme=...")
        agents = self.agents()
        return leaderboard(scheme_scores(agents, self.tuned, self.dataset), scheme_scores(agents, self.saved, self.dataset))

    # -- actions (each control calls one) ---------------------------------------------------

    def load(self, data: str | Path | Dataset | None) -> pl.DataFrame:
        """Switch to other data (None or '' = the demo shop), at its latest complete month.

        Not offered on the read-only dashboard, whose data is chosen on the command line.
        """
        self.dataset = open_data(data)
        self.frames = MonthFrames.compute(self.dataset, None, self.params)
        self._sync_choices()
        self._refresh_all()
        return self.frames.metrics

    def set_month(self, month: str) -> pl.DataFrame:
        if self.w_month.value != month:
            self.w_month.value = month
            return self.frames.metrics
        self.frames = MonthFrames.compute(self.dataset, month, self.params)
        self._sync_choices()
        self._refresh_all()
        return self.frames.metrics

    def _show_lang(self) -> None:
        self._relabel()
        self._refresh_all()

    def set_filters(self, team: str | None = None, role: str | None = None) -> pl.DataFrame:
        """Keep only agents of ``team`` and ``role`` (None = all); returns their metrics."""
        for column, value in (("team", team), ("role", role)):
            known = choices(self.frames.metrics, column)
            if value is not None and value not in known:
                raise CsanaError(f"no {column} '{value}' in {self.frames.month}", fix=f"allowed: {', '.join(known) or 'none'}")
        with self._batch():
            self.w_team.value = team if team is not None else ALL
            self.w_role.value = role if role is not None else ALL
        self.team, self.role = team, role
        self._refresh_all()
        return self.agents()

    def select_metric(self, metric_id: str) -> pl.DataFrame:
        """Show ``metric_id`` in the explorer; returns the filtered agents ranked on it (best first)."""
        from csana.metrics.catalogue import metric

        found = metric(metric_id)
        if self.w_metric.value != metric_id:
            self.w_metric.value = metric_id
        else:
            self.metric_id = metric_id
            self._refresh_charts()
        return self.agents().sort(metric_id, descending=found.direction != "lower", nulls_last=True)

    def select_agent(self, agent_id: str | None) -> pl.DataFrame:
        """Highlight one agent (ranking bar, trend line); returns that agent's daily rows."""
        if self.w_agent.value != (agent_id or ALL):
            self.w_agent.value = agent_id or ALL
        else:
            self.agent_id = agent_id
            self._refresh_charts()
        return self.frames.daily.filter(pl.col("agent_id") == agent_id)

    def select_scheme(self, scheme: str | Path) -> pl.DataFrame:
        """Load a scheme (a path, or a name in the schemes folder) as the saved reference; returns the leaderboard."""
        from csana.scoring.scheme import load_scheme

        path = Path(scheme)
        if not path.exists() and (self.schemes_dir / f"{path.stem}.yaml").exists():
            path = self.schemes_dir / f"{path.stem}.yaml"
        self.saved = self.tuned = load_scheme(path)
        self.scheme_path = path
        with self._batch():
            options = self._scheme_options()
            if str(path) not in [v for _, v in options]:
                options.append((path.stem, str(path)))
            self.w_scheme.options = options
            self.w_scheme.value = str(path)
        self._build_scheme_controls()
        self._refresh_board()
        return self.leaderboard()

    def set_weight(self, indicator: str, value: float) -> pl.DataFrame:
        """Change one indicator's weight in the tuned scheme; returns the re-ranked leaderboard."""
        self._require_scheme()
        slider = self._weight_sliders[self.tuned.indicator(indicator).id]
        if value > slider.max:
            slider.max = value
        slider.value = value
        return self.leaderboard()

    def set_threshold(self, indicator: str, index: int, value: float) -> pl.DataFrame:
        """Move tier boundary ``index`` of an indicator; returns the re-ranked leaderboard."""
        self._require_scheme()
        self.tuned = with_boundary(self.tuned, indicator, index, value)
        slider = self._cut_sliders[(indicator, index)]
        with self._batch():
            slider.min, slider.max = min(slider.min, value), max(slider.max, value)
            slider.value = value
        self._update_cut_ranges(indicator)
        self._refresh_board()
        return self.leaderboard()

    def reset_scheme(self) -> pl.DataFrame:
        """Back to the saved scheme (every slider to its saved value)."""
        self._require_scheme()
        self.tuned = self.saved
        self._build_scheme_controls()
        self._refresh_board()
        return self.leaderboard()

    def save_scheme(self, name: str) -> Path:
        """Save the tuned scheme as a new YAML in the schemes folder and make it the saved reference."""
        self._require_scheme()
        if self.read_only:
            raise CsanaError("this dashboard is read-only", fix="open notebooks/explore.ipynb in JupyterLab to save schemes")
        path = save_scheme(self.tuned, name, self.schemes_dir)
        self.select_scheme(path)
        self.w_status.value = html.escape(text("saved_to", self.lang) + str(path))
        return path

    # -- display ----------------------------------------------------------------------------

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    # -- construction -------------------------------------------------------------------------

    def _build(self, data_label: str) -> None:
        self._weight_sliders: dict[str, ipw.FloatSlider] = {}
        self._cut_sliders: dict[tuple[str, int], ipw.FloatSlider] = {}
        wide = {"description_width": "initial"}
        self.w_data = ipw.Text(value=data_label, style=wide, layout=ipw.Layout(width="360px"))
        self.w_load = ipw.Button(icon="folder-open")
        self.w_month = dropdown([(m, m) for m in self._months()], self.frames.month, "csana-month")
        self.w_lang = lang_switch(self.lang)
        self.w_team = dropdown([("", ALL)], ALL, "csana-team")
        self.w_role = dropdown([("", ALL)], ALL, "csana-role")
        self.w_metric = dropdown([("", self.metric_id)], self.metric_id, "csana-metric")
        self.w_agent = dropdown([("", ALL)], ALL, "csana-agent")
        self.w_status = ipw.HTML()
        self.w_status.add_class("csana-status")
        self.c_dist, self.c_rank, self.c_trend = chart_widget(), chart_widget(), chart_widget()
        self.h_metrics, self.h_scheme = ipw.HTML(), ipw.HTML()
        self.w_scheme = dropdown([("", "")], "", "csana-scheme")
        self.w_weights = ipw.VBox()
        self.w_cuts = ipw.Accordion()
        self.w_reset = ipw.Button(icon="undo")
        self.w_save_name = ipw.Text(layout=ipw.Layout(width="240px"))
        self.w_save = ipw.Button(icon="save", button_style="primary")
        self.w_save.add_class("csana-save")
        self.w_board = ipw.HTML()
        self.w_board.add_class("csana-leaderboard")
        self._wire()
        save_row = ipw.HBox([self.w_save_name, self.w_save], layout=ipw.Layout(display="none" if self.read_only else None))
        scheme_controls = ipw.VBox([self.w_scheme, self.w_weights, self.w_cuts, ipw.HBox([self.w_reset]), save_row],
                                   layout=ipw.Layout(width="46%"))
        data_row = [] if self.read_only else [self.w_data, self.w_load]
        self.widget = ipw.VBox([
            ipw.HBox([*data_row, self.w_month, self.w_lang]),
            ipw.HBox([self.w_team, self.w_role, self.w_status]),
            self.h_metrics,
            ipw.HBox([self.w_metric, self.w_agent]),
            ipw.HBox([self.c_dist, self.c_rank]),
            self.c_trend,
            self.h_scheme,
            ipw.HBox([scheme_controls, ipw.Box([self.w_board], layout=ipw.Layout(width="54%", overflow="auto"))]),
        ])
        self.widget.add_class("csana-explorer")
        self._sync_choices()
        self._relabel()

    def _wire(self) -> None:
        self.w_load.on_click(lambda _: self._safely(self.load, self.w_data.value))
        on_change(self.w_month, lambda v: self._safely(self.set_month, v))
        on_change(self.w_lang, lambda v: self._safely(self.set_lang, v))
        on_change(self.w_team, lambda v: self._safely(self._on_filter))
        on_change(self.w_role, lambda v: self._safely(self._on_filter))
        on_change(self.w_metric, lambda v: self._safely(self._on_metric, v))
        on_change(self.w_agent, lambda v: self._safely(self._on_agent, v))
        on_change(self.w_scheme, lambda v: self._safely(self.select_scheme, v) if v else None)
        self.w_reset.on_click(lambda _: self._safely(self.reset_scheme))
        self.w_save.on_click(lambda _: self._safely(self.save_scheme, self.w_save_name.value))

    def _safely(self, action: Callable[..., Any], *args: Any) -> None:
        """Run a control's action; a user error shows in the status line instead of a traceback."""
        if self._quiet:
            return
        try:
            action(*args)
        except CsanaError as exc:
            self.w_status.value = f'<span style="color:#c62828">{html.escape(str(exc))}</span>'

    def _require_scheme(self) -> None:
        if self.tuned is None:
            raise CsanaError("no scheme loaded", file=str(self.schemes_dir), fix="add a scheme YAML or pass scheme=...")

    def _months(self) -> list[str]:
        months = available_months(self.dataset, self.params)
        return months if self.frames.month in months else sorted({*months, self.frames.month})

    def _scheme_options(self) -> list[tuple[str, str]]:
        return [(p.stem, str(p)) for p in scheme_files(self.schemes_dir)]

    # -- keeping controls in step -----------------------------------------------------------

    def _on_filter(self) -> None:
        self.team = None if self.w_team.value == ALL else self.w_team.value
        self.role = None if self.w_role.value == ALL else self.w_role.value
        self._refresh_all()

    def _on_metric(self, metric_id: str) -> None:
        self.metric_id = metric_id
        self._refresh_charts()

    def _on_agent(self, agent_id: str) -> None:
        self.agent_id = None if agent_id == ALL else agent_id
        self._refresh_charts()

    def _sync_choices(self) -> None:
        """Months, teams, roles, metrics and agents offered for the current data, labelled in the current language."""
        lang, metrics = self.lang, self.frames.metrics
        every = (text("all", lang), ALL)
        with self._batch():
            relabel(self.w_month, [(m, m) for m in self._months()])
            self.w_month.value = self.frames.month
            relabel(self.w_team, [every, *[(t, t) for t in choices(metrics, "team")]])
            relabel(self.w_role, [every, *[(r, r) for r in choices(metrics, "role")]])
            shown = shown_metrics(metrics) or [self.metric_id]
            relabel(self.w_metric, [(label(m, lang), m) for m in shown])
            people = self.agents().select("agent_id", pl.coalesce("name", "agent_id").alias("who")).sort("agent_id")
            relabel(self.w_agent, [(text("median", lang), ALL), *[(f"{w} ({a})", a) for a, w in people.iter_rows()]])
        self.team = None if self.w_team.value == ALL else self.w_team.value
        self.role = None if self.w_role.value == ALL else self.w_role.value
        self.metric_id = self.w_metric.value
        self.agent_id = None if self.w_agent.value == ALL else self.w_agent.value

    def _relabel(self) -> None:
        lang = self.lang
        self.w_data.description = text("data", lang)
        self.w_data.placeholder = text("data_hint", lang)
        self.w_load.description = text("load", lang)
        for widget, key in ((self.w_month, "month"), (self.w_team, "team"), (self.w_role, "role"),
                            (self.w_metric, "metric"), (self.w_agent, "agent"), (self.w_scheme, "scheme")):
            widget.description = text(key, lang)
        self.h_metrics.value = f"<h3>{html.escape(text('metrics_tab', lang))}</h3>"
        self.h_scheme.value = f"<h3>{html.escape(text('scheme_tab', lang))}</h3>" + (
            f"<p><i>{html.escape(text('read_only', lang))}</i></p>" if self.read_only else "")
        self.w_reset.description = text("reset", lang)
        self.w_save.description = text("save", lang)
        self.w_save_name.placeholder = text("save_name", lang)
        self._sync_choices()
        if self.tuned is not None:
            self._label_scheme_controls()

    def _build_scheme_controls(self) -> None:
        """One weight slider per indicator and, per indicator with several tiers, one slider per boundary."""
        self._weight_sliders, self._cut_sliders = {}, {}
        weights, sections = [], []
        for ind in self.tuned.indicators:
            low, high, step = weight_range(ind.weight)
            slider = ipw.FloatSlider(value=ind.weight, min=low, max=high, step=step, readout_format=".1f",
                                     continuous_update=False, style={"description_width": "12em"},
                                     layout=ipw.Layout(width="95%"))
            slider.add_class("csana-weight")
            slider.add_class(f"csana-weight-{ind.id}")
            slider.observe(lambda c, i=ind.id: self._safely(self._on_weight, i, c["new"]), names="value")
            self._weight_sliders[ind.id] = slider
            weights.append(slider)
            cuts = boundaries(self.tuned, ind.id)
            if cuts:
                sections.append(ipw.VBox([self._cut_slider(ind, cuts, k) for k in range(len(cuts))]))
        self.w_weights.children = weights
        self.w_cuts.children = sections
        self._cut_owner = [ind.id for ind in self.tuned.indicators if boundaries(self.tuned, ind.id)]
        self._label_scheme_controls()

    def _cut_slider(self, ind: Any, cuts: list[float], index: int) -> ipw.FloatSlider:
        low, high, step = boundary_range(cuts, index)
        fmt = ".0%" if ind.metric and CATALOGUE[ind.metric].unit == "ratio" and ind.basis == "absolute" else ".2f"
        slider = ipw.FloatSlider(value=cuts[index], min=low, max=high, step=step, readout_format=fmt,
                                 continuous_update=False, style={"description_width": "8em"}, layout=ipw.Layout(width="95%"))
        slider.add_class("csana-threshold")
        slider.observe(lambda c, i=ind.id, k=index: self._safely(self._on_cut, i, k, c["new"]), names="value")
        self._cut_sliders[(ind.id, index)] = slider
        return slider

    def _label_scheme_controls(self) -> None:
        lang = self.lang
        for ind in self.tuned.indicators:
            self._weight_sliders[ind.id].description = ind.label(lang, self.tuned.manual_catalogue)
        for n, owner in enumerate(self._cut_owner):
            ind = self.tuned.indicator(owner)
            self.w_cuts.set_title(n, f"{text('thresholds', lang)} · {ind.label(lang, self.tuned.manual_catalogue)}")
            for k, tier in enumerate(ind.tiers[:-1]):
                nxt = ind.tiers[k + 1]
                self._cut_sliders[(owner, k)].description = f"{plain_number(tier.score)} | {plain_number(nxt.score)}"

    def _on_weight(self, indicator: str, value: float) -> None:
        self.tuned = self.tuned.with_weight(indicator, float(value))
        self._refresh_board()

    def _on_cut(self, indicator: str, index: int, value: float) -> None:
        self.tuned = with_boundary(self.tuned, indicator, index, float(value))
        self._update_cut_ranges(indicator)
        self._refresh_board()

    def _update_cut_ranges(self, indicator: str) -> None:
        cuts = boundaries(self.tuned, indicator)
        with self._batch():
            for k in range(len(cuts)):
                low, high, _ = boundary_range(cuts, k)
                slider = self._cut_sliders[(indicator, k)]
                slider.min, slider.max = min(low, slider.value), max(high, slider.value)

    # -- redrawing ------------------------------------------------------------------------------

    def _refresh_all(self) -> None:
        self._refresh_charts()
        self._refresh_board()

    def _refresh_charts(self) -> None:
        from csana.present import charts

        agents, lang, metric_id = self.agents(), self.lang, self.metric_id
        self.w_status.value = html.escape(f"{self.frames.month} · {agents.height} {text('status_rows', lang)}")
        if agents.height == 0:
            self.w_status.value = html.escape(text("no_agents", lang))
            return
        import altair as alt

        pick = alt.selection_point(name="pick", fields=["agent_id"], on="click", clear="dblclick")
        self.c_dist.chart = charts.metric_distribution(agents, metric_id, lang)
        self.c_rank.chart = charts.ranking(agents, metric_id, lang, highlight=self.agent_id).add_params(pick)
        self.c_rank.selections.observe(self._on_pick, ["pick"])
        daily = filter_agents(self.frames.daily, self.team, self.role)
        self.c_trend.chart = charts.daily_trend(daily_with_median(daily, metric_id, self.agent_id, lang), metric_id, lang, color="name")

    def _on_pick(self, change: dict[str, Any]) -> None:
        """A click on a ranking bar selects that agent (the trend then shows their line)."""
        picked = [row.get("agent_id") for row in (change["new"].value or [])]
        if picked and picked[0] != self.agent_id:
            self._safely(self.select_agent, picked[0])

    def _refresh_board(self) -> None:
        if self.tuned is None:
            self.w_board.value = f"<p>{html.escape(text('no_scheme', self.lang))}</p>"
            return
        if self.agents().height == 0:
            self.w_board.value = f"<p>{html.escape(text('no_agents', self.lang))}</p>"
            return
        board = self.leaderboard()
        lang = self.lang
        headers = {k: text(k, lang) for k in ("rank", "name", "team", "total", "percent", "saved_rank", "change")}
        shown = board.with_columns(pl.coalesce("name", "agent_id").alias("name"))
        style = ("<style>.csana-board td,.csana-board th{padding:2px 10px;border-bottom:1px solid #eceff1;text-align:left}"
                 ".csana-board td[data-col=change]{font-weight:bold}</style>")
        self.w_board.value = style + table_html(shown, headers, "csana-board", {
            "total": lambda v: format_value(v, "score"), "percent": lambda v: format_value(v, "ratio"), "change": change_text})


# -- the conversion diagnoser ---------------------------------------------------------------------

diag_text = Captions({
    "shop": ("全店", "Shop"),
    "plan": ("团队培训计划（按需要的客服人数排序）", "Team training plan (most needed first)"),
    "action": ("培训动作", "Action"),
    "agents_needing": ("需要人数", "Agents needing it"),
    "names": ("客服", "Agents"),
    "weak": ("偏弱指标与证据", "Weak indicators and evidence"),
    "none_weak": ("没有偏弱指标（或样本不足以判断）", "No weak indicator (or too little data to tell)"),
    "actions": ("建议动作", "Suggested actions"),
    "opportunity": ("提升空间（估算）", "Opportunity (estimate)"),
    "review": ("抽查聊天记录", "Chat-review sample"),
    "best": ("优秀成交示例（全队）", "Best conversions to copy (team)"),
    "no_sample": ("没有需要抽查的接待", "No reception to review"),
    "rule": ("问题", "Problem"),
    "metric": ("指标", "Metric"),
    "status": ("判断", "Status"),
    "value": ("本人", "Agent"),
    "benchmark": ("基准", "Benchmark"),
    "gap": ("差距", "Gap"),
    "n": ("样本量", "Sample"),
    "interval": ("置信区间", "Interval"),
    "factors": ("影响因素", "Factors"),
    "note": ("说明", "Note"),
    "unpaid": ("下单未付款与催付", "Unpaid orders and reminders"),
    "lost": ("未成交原因", "Lost reasons"),
    "weak_mark": ("⚠ ", "⚠ "),
    "extra_paid": ("付款人数", "paid customers"),
    "extra_sales": ("销售额", "sales"),
})
"""The diagnoser's captions: ``diag_text(key, lang)``."""


def findings_table(findings: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Weak findings as display strings: problem, metric, value, benchmark, gap, sample, interval, factors, note."""
    def fmt(column: str) -> pl.Expr:
        return pl.struct(value=column, unit="unit").map_elements(lambda r: short_value(r["value"], r["unit"]),
                                                                  return_dtype=pl.String)

    return findings.select(
        pl.col("rule_label").alias("rule"), pl.col("metric_label").alias("metric"),
        fmt("value").alias("value"), fmt("benchmark").alias("benchmark"), fmt("gap").alias("gap"),
        pl.col("n").cast(pl.String).alias("n"),
        pl.format("{} – {}", fmt("ci_low"), fmt("ci_high")).alias("interval"),
        pl.col("factors").list.join(list_separator(lang)).alias("factors"), pl.col("note"),
    )


def excerpt_html(sample: pl.DataFrame, lang: str) -> str:
    """Each sampled reception as a collapsible block: kind, day, facts, then the masked excerpt (escaped)."""
    if sample.height == 0:
        return f"<p>{html.escape(diag_text('no_sample', lang))}</p>"
    blocks = []
    for row in sample.iter_rows(named=True):
        first = short_value(row["first_response_s"], "seconds")
        head = f"{row['kind_label']} · {row['name'] or row['agent_id']} · {row['day']} · {row['customer']} · {first}"
        body = html.escape(row["excerpt"] or "")
        blocks.append(f"<details><summary>{html.escape(head)}</summary><pre style='white-space:pre-wrap'>{body}</pre></details>")
    return "".join(blocks)


class Diagnoser(_Panel):
    """The diagnose_conversion notebook's widget: the shop's drill-down and training plan, then one agent at a time.

    Pick an agent → its funnel (next to the shop's), its weak indicators with evidence
    (value, benchmark, gap, sample size, interval), the suggested actions, the
    opportunity estimate, and its chat-review sample with masked excerpts.
    """

    def __init__(self, dataset: Dataset, *, month: str | None = None, lang: str = "zh",
                 params: MetricParams | None = None) -> None:
        check_lang(lang)
        from csana.metrics.engine import latest_complete_month

        self.dataset, self.params, self.lang = dataset, params, lang
        self.month = month or latest_complete_month(dataset, params)
        self.agent_id: str | None = None
        self._compute()
        self._build()
        weak = self.diagnosis.weak_agents()
        self.select_agent(weak[0] if weak else self.metrics.get_column("agent_id")[0])

    @classmethod
    def open(cls, data: str | Path | Dataset | None = None, *, month: str | None = None, lang: str = "zh",
             **kwargs: Any) -> Diagnoser:
        """Load ``data`` (None = the demo shop) and build the diagnoser."""
        return cls(open_data(data), month=month, lang=lang, **kwargs)

    def _compute(self) -> None:
        from csana.diagnosis.drilldown import conversion_drilldown
        from csana.diagnosis.findings import diagnose
        from csana.diagnosis.review import review_sample
        from csana.metrics.engine import agent_metrics

        self.metrics = agent_metrics(self.dataset, self.month, self.params)
        self.diagnosis = diagnose(self.metrics, self.dataset, lang=self.lang, params=self.params)
        self.drill = conversion_drilldown(self.dataset, self.month, self.params, diagnosis=self.diagnosis, lang=self.lang)
        self.sample = review_sample(self.dataset, self.diagnosis, self.month, self.params, lang=self.lang)

    # -- what tests and callers read --------------------------------------------------------

    def weak_findings(self, agent_id: str | None = None) -> pl.DataFrame:
        """The weak findings of an agent (default: the selected one)."""
        return self.diagnosis.weak.filter(pl.col("agent_id") == (agent_id or self.agent_id))

    def actions(self, agent_id: str | None = None) -> list[str]:
        """The distinct training actions the agent's weak indicators call for, in rule order."""
        return self.weak_findings(agent_id).get_column("actions").explode().drop_nulls().unique(maintain_order=True).to_list()

    def review(self, agent_id: str | None = None) -> pl.DataFrame:
        """The agent's chat-review sample (lost inquiries, slow receptions)."""
        return self.sample.filter((pl.col("agent_id") == (agent_id or self.agent_id)) & (pl.col("kind") != "best"))

    def funnel(self, agent_id: str | None = None) -> pl.DataFrame:
        from csana.diagnosis.drilldown import SHOP

        return self.drill.funnel.filter(pl.col("agent_id") == (agent_id or SHOP))

    # -- actions ------------------------------------------------------------------------------

    def select_agent(self, agent_id: str) -> pl.DataFrame:
        """Show one agent; returns its weak findings."""
        known = self.metrics.get_column("agent_id").to_list()
        if agent_id not in known:
            raise CsanaError(f"no agent '{agent_id}' in {self.month}", fix=f"use one of: {', '.join(known)}")
        if self.w_agent.value != agent_id:
            self.w_agent.value = agent_id
            return self.weak_findings()
        self.agent_id = agent_id
        self._refresh_agent()
        return self.weak_findings()

    def _show_lang(self) -> None:
        self._compute()
        self._label_agents()
        self._refresh_shop()
        self._refresh_agent()

    # -- widgets -----------------------------------------------------------------------------

    def _build(self) -> None:
        self.w_agent = ipw.Dropdown(options=[("", "")], style={"description_width": "initial"})
        self.w_agent.add_class("csana-agent")
        self.w_lang = lang_switch(self.lang)
        self.w_status = ipw.HTML()
        self.w_shop, self.w_findings, self.w_review, self.w_best = ipw.HTML(), ipw.HTML(), ipw.HTML(), ipw.HTML()
        self.w_findings.add_class("csana-findings")
        self.w_review.add_class("csana-review")
        self.c_shop_funnel, self.c_funnel = chart_widget(), chart_widget()
        self.c_by_response, self.c_by_hour, self.c_agent_response = chart_widget(), chart_widget(), chart_widget()
        self._label_agents()
        self.w_agent.observe(lambda c: self._pick(c["new"]), names="value")
        self.w_lang.observe(lambda c: self.set_lang(c["new"]), names="value")
        self.widget = ipw.VBox([
            ipw.HBox([self.w_lang, self.w_status]),
            self.w_shop,
            ipw.HBox([self.c_shop_funnel, self.c_by_response]),
            self.c_by_hour,
            self.w_agent,
            ipw.HBox([self.c_funnel, self.c_agent_response]),
            self.w_findings,
            self.w_review,
            self.w_best,
        ])
        self.widget.add_class("csana-diagnoser")
        self._refresh_shop()

    def _pick(self, agent_id: str) -> None:
        if not self._quiet and agent_id and agent_id != self.agent_id:
            self.agent_id = agent_id
            self._refresh_agent()

    def _label_agents(self) -> None:
        """Agents for the dropdown, weak ones first and marked."""
        weak = set(self.diagnosis.weak_agents())
        people = self.metrics.select("agent_id", pl.coalesce("name", "agent_id").alias("who")).rows()
        mark = diag_text("weak_mark", self.lang)
        options = [(f"{mark if a in weak else ''}{w} ({a})", a) for a, w in sorted(people, key=lambda p: (p[0] not in weak, p[0]))]
        value = self.agent_id
        with self._batch():
            self.w_agent.options = options
            self.w_agent.value = value if value in dict(options).values() else options[0][1]
        self.w_agent.description = text("agent", self.lang)

    def _refresh_shop(self) -> None:
        from csana.diagnosis.drilldown import SHOP
        from csana.present import charts

        lang = self.lang
        plan = self.diagnosis.plan.with_columns(pl.col("names").list.join(list_separator(lang)))
        headers = {"action_label": diag_text("action", lang), "agents_needing": diag_text("agents_needing", lang),
                   "names": diag_text("names", lang)}
        self.w_status.value = html.escape(f"{self.month} · {self.metrics.height} {text('status_rows', lang)}")
        self.w_shop.value = (f"<h3>{html.escape(diag_text('plan', lang))}</h3>"
                             + table_html(plan, headers, "csana-plan"))
        self.c_shop_funnel.chart = charts.funnel(self.funnel(SHOP), lang).properties(title=diag_text("shop", lang))
        self.c_by_response.chart = charts.conversion_rates(self.drill.by_response.filter(pl.col("agent_id") == SHOP), "bucket", lang)
        self.c_by_hour.chart = charts.conversion_rates(self.drill.by_hour.filter(pl.col("agent_id") == SHOP), "hour", lang)
        best = self.sample.filter(pl.col("kind") == "best")
        self.w_best.value = f"<h3>{html.escape(diag_text('best', lang))}</h3>" + excerpt_html(best, lang)

    def _refresh_agent(self) -> None:
        from csana.present import charts

        lang, agent = self.lang, self.agent_id
        who = self.metrics.filter(pl.col("agent_id") == agent).select(pl.coalesce("name", "agent_id")).item()
        self.c_funnel.chart = charts.funnel(self.funnel(agent), lang).properties(title=f"{charts.text('funnel_title', lang)} · {who}")
        own = self.drill.by_response.filter(pl.col("agent_id") == agent)
        self.c_agent_response.chart = charts.conversion_rates(own, "bucket", lang).properties(
            title=f"{charts.text('by_response', lang)} · {who}")
        weak = self.weak_findings()
        keys = ("rule", "metric", "value", "benchmark", "gap", "n", "interval", "factors", "note")
        parts = [f"<h3>{html.escape(diag_text('weak', lang))} · {html.escape(who)}</h3>"]
        if weak.height:
            parts.append(table_html(findings_table(weak, lang), {k: diag_text(k, lang) for k in keys}, "csana-weak"))
            items = "".join(f"<li>{html.escape(a)}</li>" for a in self.actions())
            parts.append(f"<h4>{html.escape(diag_text('actions', lang))}</h4><ul class='csana-actions'>{items}</ul>")
        else:
            parts.append(f"<p>{html.escape(diag_text('none_weak', lang))}</p>")
        chance = self.drill.opportunity.filter(pl.col("agent_id") == agent)
        if chance.height:
            paid, sales = diag_text("extra_paid", lang), diag_text("extra_sales", lang)
            lines = "".join(
                f"<li><b>+{r['extra_paid']:,.1f} {paid}, +¥{r['extra_sales']:,.0f} {sales}</b> — {html.escape(r['method'])}</li>"
                for r in chance.iter_rows(named=True))
            parts.append(f"<h4>{html.escape(diag_text('opportunity', lang))}</h4><ul>{lines}</ul>")
        self.w_findings.value = "".join(parts)
        self.w_review.value = (f"<h3>{html.escape(diag_text('review', lang))} · {html.escape(who)}</h3>"
                               + excerpt_html(self.review(), lang))
