"""The explore notebook's panel (notebooks/explore.ipynb, also served by ``csana dashboard``).

:class:`Explorer` lets a manager pick the data, the month, a team and a role, look at
one metric at a time (its spread over agents, the agents ranked, the daily trend) and
tune a scoring scheme with one slider per indicator weight and tier threshold: the
leaderboard is re-scored at every move and shows each agent's rank and pay change against the
saved scheme; the tuned scheme can be saved as a new YAML file in params/schemes/. The *credit
rule* selector (docs/attribution.md) re-credits the orders: metrics, charts, leaderboard and pay
are re-computed, and the changes stay against the saved scheme under the shop's own rule
(``attribution_rule`` of the params), so a manager sees what a rule would do to each agent.

Every control is driven through a method (``set_weight``, ``set_filters``,
``select_metric`` …) that returns the frame it changed, so the logic is tested
without a browser; the widgets only call those methods. Numbers come from the
engine (via :mod:`csana.ui.frames`), scores and slider maths from :mod:`csana.ui.tuning`,
charts from :mod:`csana.present.charts`: nothing here computes a metric.

Charts are altair ``JupyterChart`` widgets in offline mode (the vega bundle is sent
from the kernel, no CDN), so tooltips and selections work in JupyterLab and Voilà
without network. Labels are Chinese by default; ``lang="en"`` (or the language
switch) shows English.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as ipw
import polars as pl

from csana.catalogue import CATALOGUE, PUBLIC_IDS, label
from csana.config import PARAMS_DIR
from csana.datasets import open_data
from csana.diagnosis.rules import load_rules
from csana.errors import CsanaError
from csana.facts.credit import RULES
from csana.i18n import check_lang
from csana.ingest.dataset import Capability, Dataset
from csana.params import MetricParams, resolve_params
from csana.present.formatting import format_value, plain_number, signed_value
from csana.scoring.attribution_compare import rule_label
from csana.ui.captions import text
from csana.ui.dashboard import running_in_dashboard
from csana.ui.frames import (
    MonthFrames,
    available_months,
    choices,
    daily_with_median,
    filter_agents,
    ranked,
    shown_metrics,
)
from csana.ui.panel import (
    Panel,
    chart_widget,
    dropdown,
    lang_switch,
    on_change,
    relabel,
    table_html,
)
from csana.ui.tuning import (
    boundaries,
    boundary_range,
    change_text,
    leaderboard,
    save_scheme,
    scheme_files,
    scheme_scores,
    weight_range,
    with_boundary,
)

ALL = "__all__"
DEFAULT_SCHEME = "presales_traffic"
"""The scheme the explorer opens with when none is named (else the first file in the folder)."""


class Explorer(Panel):
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
        self.shop_rule = self.rule = resolve_params(params, {}).attribution_rule
        self._reference: tuple[str, pl.DataFrame] | None = None
        """(month, metrics under the shop's rule) — the leaderboard's reference while another rule is selected."""
        self.frames = MonthFrames.compute(dataset, month, params)
        self.rules = load_rules()
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
        reference = agents if self.rule == self.shop_rule else filter_agents(self._shop_rule_metrics(), self.team, self.role)
        return leaderboard(scheme_scores(agents, self.tuned, self.dataset), scheme_scores(reference, self.saved, self.dataset))

    def _ruled(self) -> MetricParams:
        """The params with the selected credit rule."""
        base = resolve_params(self.params, {})
        return base if self.rule == base.attribution_rule else base.with_overrides(attribution_rule=self.rule)

    def _shop_rule_metrics(self) -> pl.DataFrame:
        """The month's metrics under the shop's own rule (the leaderboard's reference), computed once per month."""
        from csana.metrics.engine import agent_metrics

        if self._reference is None or self._reference[0] != self.frames.month:
            self._reference = (self.frames.month, agent_metrics(self.dataset, self.frames.month, resolve_params(self.params, {})))
        return self._reference[1]

    # -- actions (each control calls one) ---------------------------------------------------

    def load(self, data: str | Path | Dataset | None) -> pl.DataFrame:
        """Switch to other data (None or '' = the demo shop), at its latest complete month.

        Not offered on the read-only dashboard, whose data is chosen on the command line.
        """
        self.dataset = open_data(data)
        self._reference = None
        if not self.dataset.can(Capability.ORDERS):
            self.rule = self.shop_rule
        self.frames = MonthFrames.compute(self.dataset, None, self._ruled())
        self._sync_choices()
        self._refresh_all()
        return self.frames.metrics

    def set_month(self, month: str) -> pl.DataFrame:
        if self.w_month.value != month:
            self.w_month.value = month
            return self.frames.metrics
        self.frames = MonthFrames.compute(self.dataset, month, self._ruled())
        self._sync_choices()
        self._refresh_all()
        return self.frames.metrics

    def set_rule(self, rule: str) -> pl.DataFrame:
        """Credit orders by ``rule`` (docs/attribution.md); returns the re-computed leaderboard (else the agents).

        Metrics, charts, scores and pay follow the rule; rank and pay changes stay against the saved
        scheme under the shop's rule. Platform exports have no orders to re-credit.
        """
        if rule not in RULES:
            raise CsanaError(f"unknown credit rule '{rule}'", fix=f"use one of: {', '.join(RULES)}")
        if rule != self.shop_rule:
            self.dataset.require(Capability.ORDERS, "changing the credit rule")
        if self.w_rule.value != rule:
            self.w_rule.value = rule
        else:
            self.rule = rule
            self.frames = MonthFrames.compute(self.dataset, self.frames.month, self._ruled())
            self._sync_choices()
            self._refresh_all()
        return self.leaderboard() if self.tuned is not None else self.agents()

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
        from csana.catalogue import metric

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
        self.w_rank_note = ipw.HTML()
        self.w_rank_note.add_class("csana-rank-note")
        self.h_metrics, self.h_scheme = ipw.HTML(), ipw.HTML()
        self.w_scheme = dropdown([("", "")], "", "csana-scheme")
        self.w_rule = dropdown([(r, r) for r in RULES], self.rule, "csana-rule")
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
        scheme_controls = ipw.VBox([self.w_scheme, self.w_rule, self.w_weights, self.w_cuts, ipw.HBox([self.w_reset]), save_row],
                                   layout=ipw.Layout(width="46%"))
        data_row = [] if self.read_only else [self.w_data, self.w_load]
        self.widget = ipw.VBox([
            ipw.HBox([*data_row, self.w_month, self.w_lang]),
            ipw.HBox([self.w_team, self.w_role, self.w_status]),
            self.h_metrics,
            ipw.HBox([self.w_metric, self.w_agent]),
            ipw.HBox([self.c_dist, ipw.VBox([self.c_rank, self.w_rank_note])]),
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
        on_change(self.w_rule, lambda v: self._safely(self.set_rule, v))
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
            relabel(self.w_rule, [(rule_label(r, lang), r) for r in RULES])
            self.w_rule.value = self.rule
        self.w_rule.disabled = not self.dataset.can(Capability.ORDERS)
        self.w_rule.tooltip = "" if self.dataset.can(Capability.ORDERS) else text("rule_needs_orders", lang)
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
                            (self.w_metric, "metric"), (self.w_agent, "agent"), (self.w_scheme, "scheme"),
                            (self.w_rule, "credit_rule")):
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
        shown, left_out = ranked(agents, metric_id, self.rules, lang)
        shown = shown.with_columns(who=pl.coalesce("name", "agent_id") + pl.when("small").then(pl.lit(" *")).otherwise(pl.lit("")))
        self.c_dist.chart = charts.metric_distribution(shown, metric_id, lang)
        self.c_rank.chart = charts.ranking(shown, metric_id, lang, name="who", highlight=self.agent_id).add_params(pick)
        self.w_rank_note.value = rank_note(shown, left_out, self.rules.sample_of(metric_id)[1], lang)
        self.c_rank.selections.observe(self._on_pick, ["pick"])
        daily = filter_agents(self.frames.daily, self.team, self.role)
        self.c_trend.chart = charts.daily_trend(daily_with_median(daily, metric_id, self.agent_id, lang), metric_id, lang, color="name")

    def ranking_rows(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The filtered agents the ranking of the chosen metric shows, and those it leaves out with the reason."""
        return ranked(self.agents(), self.metric_id, self.rules, self.lang)

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
        headers = {k: text(k, lang) for k in ("rank", "name", "team", "total", "percent", "saved_rank", "change",
                                              "total_pay", "pay_change")}
        shown = board.with_columns(pl.coalesce("name", "agent_id").alias("name"))
        style = ("<style>.csana-board td,.csana-board th{padding:2px 10px;border-bottom:1px solid #eceff1;text-align:left}"
                 ".csana-board td[data-col=change]{font-weight:bold}</style>")
        note = f'<p style="font-size:smaller">{html.escape(text("board_note", lang, rule=rule_label(self.shop_rule, lang)))}</p>'
        self.w_board.value = style + note + table_html(shown, headers, "csana-board", {
            "total": lambda v: format_value(v, "score"), "percent": lambda v: format_value(v, "ratio"), "change": change_text,
            "total_pay": lambda v: format_value(v, "yuan", lang), "pay_change": lambda v: signed_value(v, "yuan", lang)})


def rank_note(shown: pl.DataFrame, left_out: pl.DataFrame, least: int, lang: str) -> str:
    """Under the ranking: the agents left out with the reason, and what the * of a small sample means."""
    lines = []
    if left_out.height:
        items = [f"{r['name'] or r['agent_id']}（{r['reason']}）" if lang == "zh" else f"{r['name'] or r['agent_id']} ({r['reason']})"
                 for r in left_out.iter_rows(named=True)]
        lines.append(text("left_out", lang, items=("、" if lang == "zh" else ", ").join(items)))
    if shown.height and shown.get_column("small").any():
        lines.append(text("small_note", lang, n=least))
    return "".join(f"<div class='csana-note'>{html.escape(line)}</div>" for line in lines)
