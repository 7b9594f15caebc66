"""docs/metrics.md, generated from the catalogue: every metric down to its measures, expressions and test.

One section per metric of :data:`csana.catalogue.METRICS`: its names, unit,
direction, type and definition; its formula over measures and how it combines; each
measure with its fact table, aggregation, polars expression and the fact columns it
reads; which inputs provide it (raw logs, and each export flavour of params/sources/);
and the test that pins it. The fact tables follow, then the measures no metric reads.
What an export flavour provides is found by running the loader's own completion
(:func:`csana.exports.complete.complete`) on a row holding every field the flavour maps,
so this file says what the code does.

``python -m csana.metrics.docs`` writes docs/metrics.md; ``--check`` exits 1 when the
file differs from what the catalogue generates (the test suite checks the same). The
output is deterministic: no dates, catalogue order, flavours by name.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from csana.catalogue import (
    CATALOGUE,
    FACT_TABLES,
    MEASURE_BY_ID,
    MEASURES,
    METRIC_BY_ID,
    METRICS,
    TEST_FILE,
    Measure,
    Metric,
    combinable,
)
from csana.config import PARAMS_DIR
from csana.exports.complete import COMPLETIONS, complete, with_all_columns
from csana.exports.mapping import Flavour, flavours
from csana.facts.export import weighted
from csana.i18n import Note

DOCS_FILE = PARAMS_DIR.parent / "docs" / "metrics.md"

RAW_INPUTS: dict[str, str] = {
    "contacts": "messages (receptions), orders (inquiries, credit)",
    "receptions": "messages",
    "responses": "messages",
    "sales": "orders, messages (credit)",
    "created": "orders, messages (credit)",
    "assists": "messages, orders",
    "reminders": "reminders, orders",
    "reviews": "reviews (orders and messages give the credited agent when a review names none)",
    "disputes": "disputes (orders and messages give the credited agent when a dispute names none)",
    "online": "online",
}
"""The canonical tables of raw logs (docs/inputs.md) each fact table is built from (csana.facts.raw)."""

COMBINES = {
    "count": "adds up exactly over days, agents and teams",
    "sum": "adds up exactly over days, agents and teams",
    "distinct": "distinct customers per agent × period: from raw logs a month, a team or the shop is recounted "
                "(each customer once); summed rows (the days of an export) give customer-days, and a team of "
                "summed agents counts a customer once per agent",
    "quantile": "cannot be combined: computed from the fact rows of one agent × period; a group of several "
                "rows (export days, a team of exports) has none",
}
DIRECTIONS = {"higher": "higher is better", "lower": "lower is better", "neutral": "neutral (read in context)"}


# -- readable polars expressions --------------------------------------------------------------------


QUANTILE_METHOD = re.compile(r'"Quantile":\{"method":"(\w+)"\}')


def readable(expr: pl.Expr) -> str:
    """A polars expression as code one can read (its repr, tidied: ``pl.col``, ``cast``, literals)."""
    text = str(expr)
    text = re.sub(r"\[?dyn (?:int|float): ([^\]\)]+)\]?", r"\1", text)
    text = text.replace("strict_cast(", "cast(pl.").replace(".not()", ".not_()").replace("[false]", "False")
    text = re.sub(r"(?<![\w.])col\(", "pl.col(", text)
    text = re.sub(r"(?<![\w.])len\(\)", "pl.len()", text)
    text = text.replace("[(", "((").replace(")]", "))")
    simple = r"pl\.col\(\"[^\"]+\"\)(?:\.\w+\([^()]*\))*|[\d.]+"
    text = re.sub(rf"(?<!\w)\(({simple})\)", r"\1", text)
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1]
    method = QUANTILE_METHOD.search(expr.meta.serialize(format="json"))
    if method:  # the repr leaves the interpolation out
        text = re.sub(r"quantile\(([^()]*)\)", rf'quantile(\1, interpolation="{method[1].lower()}")', text)
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


# -- what each export flavour provides ----------------------------------------------------------------


@dataclass(frozen=True)
class Provision:
    """What one export flavour provides: ids given by a header, ids rebuilt (how), time averages weighted."""

    mapping: Flavour
    given: dict[str, str]
    rebuilt: dict[str, str]
    weighted: dict[str, str]

    @property
    def name(self) -> str:
        return f"{self.mapping.zh} (`{self.mapping.name}`)"

    def exact(self, id: str) -> bool:
        return id in self.given or id in self.rebuilt


DERIVED_NOTE = (re.compile(r"\((\w+)\) derived as .+ on \d+ row\(s\)"), re.compile(r" 由 (.+) 推算，共 \d+ 行"))
WEIGHT_NOTE = (re.compile(r"\((\w+)\) is given without .+ on \d+ row\(s\): days are weighted by"), re.compile(r"各天改按 (\S+) 加权"))
"""The completion's notes, read for the id (English) and how, in the exports' own words (Chinese)."""


def _noted(pattern: tuple[re.Pattern[str], re.Pattern[str]], notes: list[Note]) -> dict[str, str]:
    """id → how, from the notes matching ``pattern``."""
    found = ((pattern[0].search(n), pattern[1].search(n.zh)) for n in notes)
    return {en[1]: zh[1] for en, zh in found if en and zh}


def provision(mapping: Flavour) -> Provision:
    """Run the loader's completion on one row holding every field the flavour maps."""
    fields = [f for f in mapping.fields if f in CATALOGUE]
    row = with_all_columns(pl.DataFrame({f: [1] for f in fields}))
    done, notes = complete(row)
    rebuilt = _noted(DERIVED_NOTE, notes)
    rebuilt |= {c: "rebuilt" for c in CATALOGUE if row[c].is_null().all() and done[c].is_not_null().all() and c not in rebuilt}
    after = weighted(done)
    weights = {k: v for k, v in _noted(WEIGHT_NOTE, notes).items() if after[k].is_not_null().all()}
    given = {f: " / ".join(v.header for v in mapping.fields[f].variants()) for f in fields}
    return Provision(mapping, given, rebuilt, weights)


def _leaves(id: str) -> list[str]:
    """The measures behind a metric or measure id (a ratio's part may be a derived metric)."""
    if id in MEASURE_BY_ID and id not in METRIC_BY_ID:
        return [id]
    m = METRIC_BY_ID[id]
    if m.type in ("simple", "quantile"):
        return [m.measures[0]]
    parts = [*m.measures, *([m.spread] if m.spread else [])]
    return [leaf for part in parts for leaf in _leaves(part)]


def measure_from(p: Provision, id: str) -> str | None:
    """How a flavour provides one measure, or None."""
    if id in p.given:
        return f"{p.name}: `{p.given[id]}`"
    if id in p.rebuilt:
        return f"{p.name}: rebuilt as {p.rebuilt[id]}"
    return None


def metric_from(p: Provision, m: Metric) -> str:
    """How a flavour provides one metric."""
    header = p.given.get(m.id)
    if m.type == "simple":
        return measure_from(p, m.measures[0]) or f"{p.name}: not provided"
    if m.type != "quantile" and all(p.exact(x) for x in _leaves(m.id) if x != m.spread):
        own = ""
        if header and m.type == "derived":
            own = f" (its own column `{header}` is taken where a row gives it)"
        elif header:
            own = f" (its own column `{header}` counts only for a group of one row that lacks them)"
        return f"{p.name}: computed from its measures, exactly{own}"
    if m.id in p.weighted:
        return (f"{p.name}: `{header}` given without what it averages over: days are weighted by "
                f"{p.weighted[m.id]} (close, not exact)")
    if header:
        return (f"{p.name}: `{header}` given as a value: kept for a group of one row (a row covering the "
                "whole period), left empty when rows are combined")
    return f"{p.name}: not provided"


# -- rendering -------------------------------------------------------------------------------------------


def formula(m: Metric) -> str:
    """The metric over its measures, and how it is evaluated for a group of rows."""
    if m.type == "simple":
        part = m.measures[0]
        what = "the measure itself" if part == m.id else f"`{part}`"
        return f"`{m.id} = Σ {part}` — {what}, summed over the rows combined"
    if m.type == "quantile":
        what = "the measure itself" if m.measures[0] == m.id else f"the measure `{m.measures[0]}`"
        return f"`{m.id}` — {what}: one quantile of the fact rows of an agent × period, not combinable"
    if m.type == "derived":
        assert m.expr is not None
        return (f"`{m.id} = {readable(m.expr)}` — evaluated per row (or taken as an export row gives it), then "
                "summed: linear in its measures, so it adds up as they do")
    num, den = m.measures
    text = (f"`{m.id} = Σ {num} / Σ {den}` — Σ over the rows combined (agent × day, × month, a team …) that give "
            f"both; null when Σ {den} = 0 (never NaN, inf or 0)")
    if m.type == "mean":
        text += f"; the mean over what `{den}` counts"
    return text


def _fact_anchor(fact: str) -> str:
    return f"[{fact}](#fact-table-{fact})"


def _metric_link(id: str) -> str:
    return f"[{id}](#{id})"


def measure_lines(measure: Measure, provisions: list[Provision]) -> list[str]:
    """One measure as a bullet list: its fact table, aggregation, expression, columns and inputs."""
    fact = FACT_TABLES[measure.fact]
    lines = [f"- **`{measure.id}`** {measure.zh} · {measure.en} ({measure.unit}) — {measure.definition}",
             f"  - fact table: {_fact_anchor(measure.fact)} — {fact.grain}",
             f"  - aggregation: {measure.agg} — {COMBINES[measure.agg]}",
             f"  - expression: `{readable(measure.expr)}`"]
    for column in measure.expr.meta.root_names():
        lines.append(f"  - reads `{column}`: {fact.columns.get(column, 'a column of the fact table')}")
    needs = f"; needs `{measure.requires}` (null for everyone when it is not given)" if measure.requires else ""
    lines.append(f"  - raw logs: {RAW_INPUTS[measure.fact]}{needs}")
    exports = [text for p in provisions if (text := measure_from(p, measure.id))]
    people = " — summed over days: customer-days" if measure.agg == "distinct" and exports else ""
    lines.append(f"  - platform exports: {'; '.join(exports) if exports else 'not provided'}{people}")
    return lines


def metric_section(m: Metric, provisions: list[Provision]) -> list[str]:
    """One metric: names, unit, type, definition, formula, its measures and the test that pins it."""
    file = m.test.partition("::")[0]
    rows = [
        ("unit", m.unit), ("direction", DIRECTIONS[m.direction]), ("type", m.type),
        ("definition", m.definition), ("formula", formula(m)),
        ("combinable", "yes: recomputed from its measures for a month, a team or the shop" if combinable(m.id)
         else "no: a group of several rows has none"),
    ]
    if m.spread:
        spread = (f"`{m.spread}` (Σ x² of the events averaged): their standard deviation, behind the "
                  "confidence intervals of diagnostics")
        rows.append(("spread", spread))
    if m.requires:
        rows.append(("needs", f"`{m.requires}`: null for everyone when it is not given"))
    rows.append(("platform exports", "<br>".join(metric_from(p, m) for p in provisions)))
    rows.append(("test", f"[`{m.test}`](../{file})"))
    lines = [f"### {m.id}", "", f"**{m.zh}** · {m.en}", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in rows]
    lines += ["", "Measures:", ""]
    for part in m.measures:
        if part in METRIC_BY_ID and part not in MEASURE_BY_ID:
            lines.append(f"- **`{part}`** — a derived metric: see {_metric_link(part)}")
    seen: list[str] = []
    for leaf in _leaves(m.id):
        if leaf not in seen:
            seen.append(leaf)
            lines += measure_lines(MEASURE_BY_ID[leaf], provisions)
    return [*lines, ""]


def fact_section(name: str) -> list[str]:
    fact = FACT_TABLES[name]
    lines = [f"### fact table: {name}", "", f"{fact.grain}. Built from: {RAW_INPUTS[name]}.", ""]
    if fact.columns:
        lines += ["| column | meaning |", "|---|---|", *[f"| `{c}` | {text} |" for c, text in fact.columns.items()]]
    else:
        lines.append("No columns beyond `agent_id` and `period`: its measures count rows.")
    lines.append("")
    users = [m.id for m in MEASURES if m.fact == name]
    return [*lines, f"Measures: {', '.join(f'`{u}`' for u in users)}.", ""]


HEADER = """# 指标口径 Metrics

<!-- Generated by `python -m csana.metrics.docs` from csana/catalogue.py: do not edit by hand.
     `python -m csana.metrics.docs --check` (and the test suite) fails when this file is stale. -->

Every per-agent number csana computes, declared once in `csana/catalogue.py` in three layers:

- a **fact table** holds the raw-log facts of one period, one row per agent × period × thing (a
  customer, a reception, a response, an order …), built by `csana/facts/raw.py` from the building
  blocks of [docs/inputs.md](inputs.md) (receptions, bursts, inquiries, attribution, assists);
- a **measure** is one aggregate of a fact table: a count, a sum, a count of distinct customers or a
  quantile. Counts and sums add up over days, agents and teams; distinct customers summed over days
  are customer-days; quantiles do not combine. A platform export gives measures directly, or
  metrics they are rebuilt from ([docs/exports.md](exports.md));
- a **metric** is what users read, typed over measures: `simple` (one measure), `ratio`
  (Σ numerator / Σ denominator, null when the denominator is 0), `mean` (a total over the count it
  averages over), `quantile` and `derived` (a linear expression of measures).

For any group of rows — an agent's days, a month, a team — the engine (`csana/metrics/engine.py`)
sums each measure and divides the sums: a monthly rate is never a mean of daily rates. Each metric
names the test that pins it on a hand-computed fixture, in `{test_file}`.
"""


def render() -> str:
    """The whole of docs/metrics.md."""
    provisions = [provision(m) for m in flavours()]
    lines = [HEADER.format(test_file=TEST_FILE), "## Index", "",
             "| id | 中文 | English | unit | type | test |", "|---|---|---|---|---|---|"]
    lines += [f"| {_metric_link(m.id)} | {m.zh} | {m.en} | {m.unit} | {m.type} | `{m.test.partition('::')[2]}` |"
              for m in METRICS]
    lines += ["", "## Metrics", ""]
    for m in METRICS:
        lines += metric_section(m, provisions)
    lines += ["## Fact tables", "", "Every fact table also holds `agent_id` and `period` (a month or a day).", ""]
    for name in FACT_TABLES:
        lines += fact_section(name)
    read = {leaf for m in METRICS for leaf in _leaves(m.id)}
    others = [m for m in MEASURES if m.id not in read]
    lines += ["## Other measures", "",
              "Measures no metric reads, for the funnel, order audits and exports:", ""]
    for measure in others:
        lines += measure_lines(measure, provisions)
    lines += ["", "## Exact relations used to complete export rows", ""]
    lines += [f"- `{target} = {readable(expr)}` ({how})" for target, expr, how in COMPLETIONS]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m csana.metrics.docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is not what the catalogue generates")
    parser.add_argument("--out", type=Path, default=DOCS_FILE, help="the file to write or check (default: docs/metrics.md)")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is stale: run python -m csana.metrics.docs", file=sys.stderr)
            return 1
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
