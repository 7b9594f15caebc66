"""The diagnose_conversion notebook's panel: the shop's training plan and drill-down, then one agent at a time.

:class:`Diagnoser` shows what :mod:`csana.diagnosis` found: weak indicators with their
evidence, training actions, opportunity estimates and the chat-review sample, whose
excerpts are masked upstream and escaped here. Nothing here computes a metric or a finding.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import ipywidgets as ipw
import polars as pl

from csana.datasets import open_data
from csana.errors import CsanaError
from csana.i18n import check_lang, list_separator
from csana.ingest.dataset import Dataset
from csana.params import MetricParams
from csana.present.formatting import short_value
from csana.ui.captions import diag_text, text
from csana.ui.panel import Panel, chart_widget, lang_switch, table_html


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


class Diagnoser(Panel):
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
        from csana.facts import SHOP

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
        from csana.facts import SHOP
        from csana.present import charts

        lang = self.lang
        owners = {a: action.owner_label(lang) for a, action in self.diagnosis.rules.actions.items()}
        plan = self.diagnosis.plan.with_columns(pl.col("names").list.join(list_separator(lang)),
                                                pl.col("action").replace_strict(owners, return_dtype=pl.String).alias("owner"))
        headers = {"action_label": diag_text("action", lang), "owner": diag_text("owner", lang),
                   "agents_needing": diag_text("agents_needing", lang), "names": diag_text("names", lang)}
        self.w_status.value = html.escape(f"{self.month} · {self.metrics.height} {text('status_rows', lang)}")
        traffic = self.diagnosis.shop_weak.with_columns(pl.col("actions").list.join(list_separator(lang)))
        shop_headers = {"scope_label": diag_text("scope", lang), "metric_label": diag_text("metric", lang),
                        "note": diag_text("note", lang), "actions": diag_text("ops_actions", lang)}
        self.w_shop.value = (f"<h3>{html.escape(diag_text('plan', lang))}</h3>"
                             + table_html(plan, headers, "csana-plan")
                             + (f"<h3>{html.escape(diag_text('shop_findings', lang))}</h3>"
                                + table_html(traffic, shop_headers, "csana-shop") if traffic.height else ""))
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
