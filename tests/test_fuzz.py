"""Issue 10 fuzzing: random and hostile messages, orders and agents never crash csana, never reach
a report or widget as live HTML, and never reach a spreadsheet as a formula.

Hostile text goes into every text field a user controls: customer_id, agent_id, order_id, agent
names and teams (agents table) and message text. It includes HTML and script tags, very long
strings, emoji, control and right-to-left characters, regex replacement syntax and CSV/Excel
formula injection (``=cmd|' /C calc'!A0``).

Properties checked:

* the engine (metrics, daily metrics, shop view, attribution), scoring, diagnostics, the drill-down
  and the chat-review sample return or raise :class:`CsanaError`, nothing else;
* every report section, rendered chart (SVG), review excerpt and widget HTML holds only the tags
  and attributes csana writes itself — no ``<script>``, no ``on*=`` handler, no tag from the data;
* every CSV/XLSX cell csana writes (``write_table``, the payroll sheet, ``csana metrics --out``,
  ``csana score --out``, ``csana check --rejected``) that starts with = + - @ tab or CR is
  neutralised, and no XLSX cell is a formula;
* loading any CSV cells, or any bytes, gives a dataset whose rows reconcile, or a CsanaError;
* any edit of a shipped params file loads into a working object or raises a CsanaError.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import ipywidgets as ipw
import polars as pl
import pytest
import vl_convert as vlc
from hostile import HOSTILE, assert_inert_html, assert_inert_svg, report_parts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csana.catalogue import CATALOGUE
from csana.cli import main
from csana.config import read_config, validate
from csana.demo.generator import generate_demo, write_demo
from csana.diagnosis.drilldown import conversion_drilldown
from csana.diagnosis.findings import diagnose
from csana.diagnosis.review import review_sample
from csana.diagnosis.rules import DiagnosticRules, meaning_problems
from csana.errors import CsanaError
from csana.exports.load import load_any
from csana.ingest.dataset import Capability, Dataset
from csana.ingest.raw import LoadParams, load
from csana.metrics import engine
from csana.metrics.shop import shop_metrics
from csana.params import MetricParams
from csana.report import build_context
from csana.report.config import ReportConfig
from csana.scoring.payroll import payroll, write_payroll
from csana.scoring.scheme import Scheme, load_scheme
from csana.scoring.scorecard import score
from csana.ui.diagnoser import Diagnoser, excerpt_html
from csana.ui.explorer import Explorer
from csana.ui.panel import table_html
from csana.writers import write_table

MONTH = "2026-10"
START = dt.datetime(2026, 10, 1)
SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}


def hostile_text(min_size: int = 1) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(min_size=min_size, max_size=40),
        st.tuples(st.sampled_from(HOSTILE), st.text(max_size=8), st.sampled_from(HOSTILE)).map("".join),
    )


IDS = hostile_text().filter(lambda s: s.strip() != "")
"""Ids are never blank (loading rejects blank ids); anything else goes."""


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    """A canonical dataset of October 2026: up to 5 customers, 4 agents, 40 messages, 5 orders, an agents table or not."""
    customers = draw(st.lists(IDS, min_size=1, max_size=5, unique=True))
    agents = draw(st.lists(IDS, min_size=1, max_size=4, unique=True))
    chat = draw(st.lists(
        st.tuples(st.integers(0, 29), st.integers(0, 86_399), st.sampled_from(customers), st.sampled_from(agents),
                  st.sampled_from(["customer", "customer", "agent", "auto"]), st.none() | hostile_text(0)),
        min_size=1, max_size=40,
    ))
    messages = pl.DataFrame(
        [(START + dt.timedelta(days=d, seconds=s), c, a, who, text) for d, s, c, a, who, text in chat],
        schema={"ts": pl.Datetime("us"), "customer_id": pl.String, "agent_id": pl.String, "sender": pl.String,
                "text": pl.String}, orient="row",
    )
    order_ids = draw(st.lists(IDS, max_size=5, unique=True))
    bought = [draw(st.tuples(st.integers(0, 29), st.integers(0, 86_399), st.sampled_from(customers),
                             st.none() | st.integers(0, 5 * 86_400), st.floats(0, 1e5), st.integers(1, 5)))
              for _ in order_ids]
    created = [START + dt.timedelta(days=d, seconds=s) for d, s, *_ in bought]
    orders = pl.DataFrame(
        [(o, c, at, None if pay is None else at + dt.timedelta(seconds=pay), amount, units)
         for o, at, (_, _, c, pay, amount, units) in zip(order_ids, created, bought, strict=True)],
        schema={"order_id": pl.String, "customer_id": pl.String, "created_at": pl.Datetime("us"),
                "paid_at": pl.Datetime("us"), "amount": pl.Float64, "units": pl.Int64}, orient="row",
    )
    tables = {"messages": messages, "orders": orders}
    listed = draw(st.lists(st.sampled_from(agents), unique=True))
    if listed:
        tables["agents"] = pl.DataFrame(
            [(a, draw(hostile_text()), draw(st.sampled_from(["售前一组", "售后组"]) | hostile_text()),
              draw(st.sampled_from(["presales", "aftersales", None]))) for a in listed],
            schema={"agent_id": pl.String, "name": pl.String, "team": pl.String, "role": pl.String}, orient="row",
        )
    return Dataset(tables=tables, source="fuzz")


def metrics_or_none(dataset: Dataset) -> pl.DataFrame | None:
    """The month's agent metrics; None when the month has no reception or order (the one CsanaError allowed)."""
    try:
        return engine.agent_metrics(dataset, MONTH)
    except CsanaError as exc:
        assert "no receptions or orders in 2026-10" in str(exc)
        return None


# -- the engine never crashes ------------------------------------------------------------------


@settings(max_examples=40, **SETTINGS)
@given(datasets())
def test_engine_scoring_and_diagnostics_never_crash(dataset: Dataset) -> None:
    metrics = metrics_or_none(dataset)
    if metrics is None:
        return
    ids = set(dataset.messages["agent_id"]) | set(dataset["agents"]["agent_id"])
    assert set(metrics["agent_id"]) <= ids
    assert metrics["agent_id"].n_unique() == metrics.height
    for m in CATALOGUE.values():
        if m.unit == "ratio" and getattr(m, "share", False) and m.id in metrics.columns:
            values = metrics[m.id].drop_nulls()
            assert ((values >= 0) & (values <= 1 + 1e-9)).all(), m.id
    daily = engine.agent_daily_metrics(dataset, MONTH)
    assert set(daily["agent_id"]) == set(metrics["agent_id"])
    shop = shop_metrics(dataset, MONTH)
    assert shop.totals.height == 1
    credited = engine.attribution(dataset, MONTH)["credited_agent"].drop_nulls()
    assert set(credited) <= set(metrics["agent_id"])
    for name in ("presales_traffic", "aftersales_returns"):
        assert score(metrics, load_scheme(name)).height <= metrics.height  # applies_to picks by role
    diagnosis = diagnose(metrics, dataset)
    conversion_drilldown(dataset, MONTH, diagnosis=diagnosis)
    review_sample(dataset, diagnosis, MONTH)


# -- no tag from the data in any HTML -------------------------------------------------------------

@settings(max_examples=10, **SETTINGS)
@given(datasets())
def test_report_sections_and_charts_hold_no_tag_from_the_data(dataset: Dataset) -> None:
    if metrics_or_none(dataset) is None:
        return
    html, svgs = report_parts(build_context(dataset, month=MONTH))
    for part in html:
        assert_inert_html(part)
    for svg in svgs:
        assert_inert_svg(svg)


def hostile_shop() -> Dataset:
    """A small realistic shop (weak agents, conversions, reminders, reviews) with hostile text in every
    user-controlled field: ids carry tags and formula starts, names and teams carry tags, every message
    ends in a script tag, a phone number, a formula, an address and an ID-card number."""
    ds = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    prefix = {"customer_id": '<img src=x onerror="alert(1)">', "agent_id": "=cmd|' /C calc'!A0<script>a</script>",
              "order_id": "+<iframe src=//evil.example>"}
    tables = {}
    for name, frame in ds.tables.items():
        frame = frame.with_columns([(pl.lit(p) + pl.col(c)).alias(c) for c, p in prefix.items() if c in frame.columns])
        if name == "agents":
            frame = frame.with_columns(name=pl.lit("<script>alert('n')</script>") + pl.col("name"),
                                       team=pl.lit("@<b onmouseover=alert(1)>") + pl.col("team"))
        if name == "messages":
            frame = frame.with_columns(text=pl.col("text") + " <script>alert('m')</script> 13812345678 =1+1 \u202e😀"
                                       " 寄到广州市天河区体育西路101号 身份证110101199003071234")
        tables[name] = frame
    return Dataset(tables=tables, source="hostile")


def customer_ids_in(shop: Dataset, page: str) -> list[str]:
    """The shop's customer ids (without the hostile prefix, so escaped copies count too) found in ``page``."""
    ids = set(shop.messages["customer_id"].str.replace(r"^<img src=x onerror=\"alert\(1\)\">", ""))
    assert len(ids) > 100 and not [i for i in ids if "<img" in i]
    return [i for i in ids if i in page]


@pytest.fixture(scope="module")
def hostile() -> Dataset:
    return hostile_shop()


def test_hostile_shop_report_is_inert_and_shows_the_data_as_text(hostile: Dataset) -> None:
    ctx = build_context(hostile, month=MONTH)
    html, svgs = report_parts(ctx)
    for part in html + [excerpt_html(ctx.review, "zh")]:
        assert_inert_html(part)
    for svg in svgs:
        assert_inert_svg(svg)
    page = "".join(html)
    assert "&lt;script&gt;alert(&#x27;n&#x27;)&lt;/script&gt;" in page  # the hostile name, shown as text
    assert ctx.review is not None and ctx.review["excerpt"].drop_nulls().len() > 0
    assert "&lt;script&gt;alert(&#x27;m&#x27;)&lt;/script&gt;" in page  # a message excerpt, shown as text
    for personal, token in (("13812345678", "[手机号]"), ("体育西路", "[地址]"), ("110101199003071234", "[身份证号]")):
        assert personal not in page and token in page  # masked in the excerpts
    assert not customer_ids_in(hostile, page)  # pseudonymised, neither raw nor escaped


def test_hostile_names_in_ranking_and_trend_charts_stay_svg_text(hostile: Dataset) -> None:
    from csana.present import charts

    metrics = engine.agent_metrics(hostile, MONTH)
    daily = engine.agent_daily_metrics(hostile, MONTH)
    for chart in (charts.ranking(metrics, "sales_amount"), charts.metric_distribution(metrics, "conv_final"),
                  charts.daily_trend(daily, "sales_amount", color="name")):
        svg = vlc.vegalite_to_svg(chart.to_dict())
        assert_inert_svg(svg)
    assert "alert('n')" in "".join(ET.fromstring(vlc.vegalite_to_svg(charts.ranking(metrics, "sales_amount").to_dict())).itertext())


def test_report_file_names_from_hostile_team_names_stay_in_the_output_folder(tmp_path: Path) -> None:
    """`csana report --all-teams` names files after teams: no path separator, NUL, bidi override or
    over-long name may reach the file system (a NUL or a 300-character team made the report fail)."""
    from csana.report import load_config, plan

    shop = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    teams = {"售前一组": "../../etc/passwd\x00", "售后组": "\u202egpj.exe" + "长" * 300}
    agents = shop.tables["agents"].with_columns(team=pl.col("team").replace_strict(teams))
    write_demo(Dataset(tables={**shop.tables, "agents": agents}), tmp_path / "data", "parquet")
    names = [c.name for c in plan(load_config(None, data=str(tmp_path / "data")), all_teams=True)]
    assert len(names) == len(set(names)) == 2
    for name in names:
        assert Path(name).name == name and "\x00" not in name and "\u202e" not in name
        assert len(f"{name}.html".encode()) < 255


def widget_html(widget: ipw.Widget) -> list[str]:
    """Every HTML string shown by a widget tree (HTML widgets' values, recursively through boxes)."""
    found = [widget.value] if isinstance(widget, (ipw.HTML, ipw.HTMLMath)) else []
    for child in getattr(widget, "children", ()):
        found += widget_html(child)
    return found


def test_widgets_show_hostile_data_as_text(hostile: Dataset, tmp_path: Path) -> None:
    diagnoser = Diagnoser(hostile, month=MONTH)
    shown = widget_html(diagnoser.widget)
    for agent in diagnoser.metrics["agent_id"].head(3):
        diagnoser.select_agent(agent)
        shown += widget_html(diagnoser.widget)
    explorer = Explorer(hostile, month=MONTH)
    shown += widget_html(explorer.widget)
    assert any("alert(&#x27;n&#x27;)" in page for page in shown)  # hostile names reached the widgets, escaped
    for page in shown:
        assert_inert_html(page)
    assert not customer_ids_in(hostile, "".join(shown))
    table = table_html(pl.DataFrame({"x": HOSTILE}), {"x": "<script>h</script>"}, "t")
    assert_inert_html(table)


def test_terminal_tables_print_names_as_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """rich reads "[...]" as markup and ":cat:" as an emoji code: a name "[/]" used to crash `csana metrics`."""
    ds = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    names = {"a01": "[/]小王", "a02": ":cat:", "a03": "[bold]李"}
    tables = {**ds.tables, "agents": ds.tables["agents"].with_columns(
        name=pl.col("agent_id").replace_strict(names, default=pl.col("name")),
        team=pl.lit("[/x]") + pl.col("team"))}
    write_demo(Dataset(tables=tables), tmp_path)
    for command in (["metrics"], ["score", "--scheme", "presales_traffic"], ["diagnose", "--all"]):
        assert main([*command, str(tmp_path), "--month", MONTH]) == 0
        out = capsys.readouterr().out
        assert "[/]小王" in out and ":cat:" in out and "🐱" not in out, command


# -- spreadsheets never run a formula from the data ---------------------------------------------------

FORMULA = re.compile(r"^[=+\-@\t\r]")


def spreadsheet_text(path: Path) -> list[str]:
    """Every text cell (and header) of a CSV, or every string of an XLSX (asserting it holds no formula)."""
    if path.suffix == ".csv":
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8", has_header=False, truncate_ragged_lines=True)
        return [v for column in frame.columns for v in frame[column].to_list() if v is not None]
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    book = zipfile.ZipFile(path)
    texts = []
    for name in book.namelist():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            sheet = ET.fromstring(book.read(name))
            assert not list(sheet.iter(f"{ns}f")), f"{path.name}: a formula cell"
            texts += ["".join(cell.itertext()) for cell in sheet.iter(f"{ns}is")]
    if "xl/sharedStrings.xml" in book.namelist():
        texts += ["".join(si.itertext()) for si in ET.fromstring(book.read("xl/sharedStrings.xml")).iter(f"{ns}si")]
    return texts


def assert_neutralised(path: Path) -> list[str]:
    texts = spreadsheet_text(path)
    live = [t for t in texts if FORMULA.match(t)]
    assert not live, f"{path.name}: {live[:3]}"
    return texts


@settings(max_examples=25, **SETTINGS)
@given(datasets())
def test_exported_tables_and_payroll_neutralise_formulas(dataset: Dataset) -> None:
    metrics = metrics_or_none(dataset)
    if metrics is None:
        return
    scheme = load_scheme("presales_traffic")
    scored = score(metrics, scheme)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for suffix in ("csv", "xlsx"):
            assert_neutralised(write_table(metrics, out / f"metrics.{suffix}"))
            assert_neutralised(write_payroll(scored, scheme, out / f"payroll.{suffix}"))
            assert_neutralised(write_table(engine.attribution(dataset, MONTH), out / f"attribution.{suffix}"))


def test_cli_exports_of_a_hostile_folder_neutralise_formulas(hostile: Dataset, tmp_path: Path) -> None:
    data = tmp_path / "data"
    write_demo(hostile, data)
    for args, out in [(["metrics"], "m.csv"), (["metrics"], "m.xlsx"),
                      (["score", "--scheme", "presales_traffic"], "p.csv"), (["score", "--scheme", "presales_traffic"], "p.xlsx")]:
        assert main([*args, str(data), "--month", MONTH, "--out", str(tmp_path / out)]) == 0
        texts = assert_neutralised(tmp_path / out)
        assert any(t.startswith("'=cmd|") for t in texts), out  # the agent ids are there, as text


def test_check_rejected_rows_file_neutralises_formulas(tmp_path: Path) -> None:
    """Rejected values are the user's raw cells: the file of them must not run them in Excel."""
    (tmp_path / "messages.csv").write_text(
        "ts,customer_id,agent_id,sender,text\n"
        "2026-10-01 09:00:00,c1,a1,customer,hi\n"
        "2026-10-01 09:00:20,c1,a1,agent,hello\n"
        "=cmd|' /C calc'!A0,c1,a1,agent,x\n"
        "2026-10-01 09:01:00,c1,a1,@SUM(A1),x\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text(
        "order_id,customer_id,created_at,paid_at,amount,units\no1,c1,2026-10-01 09:05:00,,+10+1,1\no2,c1,2026-10-01 09:05:00,,10,1\n",
        encoding="utf-8")
    out = tmp_path / "rejected.csv"
    assert main(["check", str(tmp_path), "--rejected", str(out)]) == 0
    texts = assert_neutralised(out)
    assert {"'=cmd|' /C calc'!A0", "'@SUM(A1)", "'+10+1"} <= set(texts)


# -- loading: any cells, any bytes ---------------------------------------------------------------------

GOOD_MESSAGES = "ts,customer_id,agent_id,sender,text\n2026-10-01 09:00:00,c1,a1,customer,hi\n2026-10-01 09:00:20,c1,a1,agent,ok\n"
GOOD_ORDERS = "order_id,customer_id,created_at,paid_at,amount,units\no1,c1,2026-10-01 09:05:00,2026-10-01 09:06:00,10,1\n"
COLUMNS = {
    "messages": ["ts", "customer_id", "agent_id", "sender", "text", "备注"],
    "orders": ["order_id", "customer_id", "created_at", "paid_at", "amount", "units"],
    "agents": ["agent_id", "name", "team", "role", "hired_at", "x"],
}
CELL = hostile_text(0) | st.sampled_from(["2026-10-02 10:00:00", "c1", "a1", "customer", "agent", "auto", "12", "¥1,299.00", "", "-5"])


def assert_reconciled(ds: Dataset) -> None:
    files = ds.files
    assert (files["rows_used"] + files["rows_rejected"] == files["rows_read"]).all()
    assert files["rows_rejected"].sum() == ds.rejected.height


@settings(max_examples=80, **SETTINGS)
@given(st.sampled_from(list(COLUMNS)), st.lists(st.lists(CELL, min_size=6, max_size=6), max_size=8),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_loading_hostile_cells_reconciles_or_explains(table: str, rows: list[list[str]], encoding: str) -> None:
    frame = pl.DataFrame(rows, schema=COLUMNS[table], orient="row") if rows else pl.DataFrame(schema=dict.fromkeys(COLUMNS[table], pl.String))
    try:
        body = frame.write_csv().encode(encoding)
    except UnicodeEncodeError:  # e.g. emoji or surrogates in GB18030's unmapped range: cannot be such a file
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
        (root / "orders.csv").write_text(GOOD_ORDERS, encoding="utf-8")
        (root / f"{table}_extra.csv").write_bytes(body)
        try:
            ds = load(root)
        except CsanaError as exc:
            assert "\n" not in exc.message
            return
    assert_reconciled(ds)
    engine.agent_metrics(ds, MONTH)


def test_headers_that_polars_reads_as_patterns_are_plain_names(tmp_path: Path) -> None:
    """Found by the bytes fuzz test: a header "*" was pl.col's wildcard (and "^x$" a regex), which pulled the row
    numbers into a text check and raised a polars SchemaError. They are unknown columns like any other."""
    (tmp_path / "messages.csv").write_text(
        "ts,customer_id,agent_id,sender,text,*,^x$\n2026-10-01 09:00:00,c1,a1,customer,hi,1,2\n"
        "2026-10-01 09:00:20,c1,a1,agent,ok,,\n", encoding="utf-8")
    (tmp_path / "orders.csv").write_text("*\n", encoding="utf-8")
    with pytest.raises(CsanaError, match=r"orders.csv, column 'order_id': missing required column\(s\).*found: \*"):
        load(tmp_path)
    (tmp_path / "orders.csv").write_text(GOOD_ORDERS, encoding="utf-8")
    assert load(tmp_path).warnings == ["messages.csv: unknown columns ignored: *, ^x$"]


@settings(max_examples=60, **SETTINGS)
@given(st.binary(max_size=400), st.sampled_from(["orders.csv", "orders.xlsx", "orders.parquet", "orders.tsv"]))
def test_any_bytes_as_a_file_give_a_dataset_or_a_clear_error(raw: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
        (root / name).write_bytes(raw)
        try:
            ds = load(root)
        except CsanaError:
            return
    assert_reconciled(ds)


EXPORT = Path(__file__).resolve().parent / "data" / "exports" / "赤兔_客服绩效_2024-10-01_2024-10-03.csv"
EXPORT_CELL = hostile_text(0) | st.sampled_from(["", "-", "1,234", "50%", "00:99:99", "1E20", "1E21", "inf", "-5", "汇总", "合计"])


@settings(max_examples=40, **SETTINGS)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 22), EXPORT_CELL), max_size=6),
       st.sampled_from(["gb18030", "utf-8"]))
def test_editing_cells_of_a_platform_export_reconciles_or_explains(edits: list[tuple[int, int, str]], encoding: str) -> None:
    """Any cells of a 赤兔 export replaced (title, header, agent rows, the 汇总 row): the export loads with its rows
    reconciled and gives metrics, or a CsanaError says why (counts of 1E20 and rates of 1E21 % used to overflow)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(EXPORT.read_bytes().decode("gb18030"))))
    for r, c, value in edits:
        if r < len(rows) and c < len(rows[r]):
            rows[r][c] = value
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    try:
        body = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / EXPORT.name
        path.write_bytes(body)
        try:
            ds = load_any(path)
        except CsanaError:
            return
    assert_reconciled(ds)
    try:
        engine.agent_metrics(ds)
    except CsanaError:
        pass


# -- configuration files: any edit gives a working object or a CsanaError -----------------------------

PARAMS = Path(__file__).resolve().parent.parent / "params"


def _rules(data: dict, source: Path) -> DiagnosticRules:
    rules = validate(DiagnosticRules, data, source)
    if meaning_problems(rules):
        raise CsanaError("meaning problems", file=str(source))
    return rules


CONFIGS = [*[(p, Scheme.parse) for p in sorted((PARAMS / "schemes").glob("*.yaml"))],
           (PARAMS / "metrics.yaml", lambda d, s: validate(MetricParams, d, s)), (PARAMS / "diagnostics.yaml", _rules),
           (PARAMS / "columns.yaml", lambda d, s: validate(LoadParams, d, s)),
           (PARAMS / "report.yaml", lambda d, s: validate(ReportConfig, d, s))]
YAML_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=8)
    | st.sampled_from(["", "-", "nan", "presales", "conv_final", "08:00-22:00", "25:00"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6) | st.sampled_from(["id", "metric", "weight"]), inner, max_size=3),
    max_leaves=6,
)


def _paths(value: object, at: tuple = ()) -> list[tuple]:
    found = [at]
    if isinstance(value, dict):
        found += [p for k, v in value.items() for p in _paths(v, (*at, k))]
    elif isinstance(value, list):
        found += [p for i, v in enumerate(value) for p in _paths(v, (*at, i))]
    return found


def _nudged(draw: st.DrawFn, old: object) -> object:
    """A plausible edit of one value: numbers to 0, −1, huge, halves; text to other ids; lists shortened or doubled."""
    if isinstance(old, bool):
        return not old
    if isinstance(old, (int, float)):
        return draw(st.sampled_from([0, -1, 1, 10**9, 0.5, old * 2, old / 3, -old]))
    if isinstance(old, str):
        return draw(st.sampled_from(["", f"{old}x", old.upper(), "conv_final", "presales", "00:00", "99:99", "售前一组"]))
    if isinstance(old, list):
        return draw(st.sampled_from([[], old[:1], old + old, old[::-1]]))
    return draw(st.sampled_from([{}, dict(list(old.items())[:1])])) if isinstance(old, dict) else old


@st.composite
def edited_configs(draw: st.DrawFn) -> tuple[Path, object, dict]:
    """A shipped params file with one value nudged, replaced by random YAML, deleted, or one known key added."""
    path, parse = draw(st.sampled_from(CONFIGS))
    data = read_config(path)
    places = _paths(data)[1:]
    where = draw(st.sampled_from(places))
    how = draw(st.sampled_from(["nudge", "nudge", "replace", "delete", "add"]))
    parent: object = data
    for key in where[:-1]:
        parent = parent[key]  # type: ignore[index]
    if how == "delete" and isinstance(parent, dict):
        del parent[where[-1]]
    elif how == "add":
        known = sorted({str(k) for p in _paths(data) for k in p if isinstance(k, str)} | {"manual_indicators", "applies_to"})
        target = parent if isinstance(parent, dict) else data
        target[draw(st.sampled_from(known))] = draw(YAML_VALUE)
    else:
        old = parent[where[-1]]  # type: ignore[index]
        parent[where[-1]] = _nudged(draw, old) if how == "nudge" else draw(YAML_VALUE)  # type: ignore[index]
    return path, parse, data


@pytest.fixture(scope="module")
def small_shop() -> tuple[Dataset, pl.DataFrame]:
    shop = generate_demo(seed=3, agents=4, months=1, scale=0.1)
    return shop, engine.agent_metrics(shop, engine.latest_complete_month(shop))


@settings(max_examples=150, **{**SETTINGS, "suppress_health_check": [*SETTINGS["suppress_health_check"],
                                                                     HealthCheck.function_scoped_fixture]})
@given(edited_configs())
def test_edited_config_files_load_and_work_or_explain(small_shop: tuple[Dataset, pl.DataFrame],
                                                       edited: tuple[Path, object, dict]) -> None:
    """Every problem is a CsanaError (a scheme with manual_indicators: 5 used to raise TypeError), and a
    config that loads also runs: metric params through the engine, schemes through scoring and payroll,
    rules through diagnostics, the drill-down and the review sample."""
    path, parse, data = edited
    try:
        loaded = parse(data, path)  # type: ignore[operator]
    except CsanaError:
        return
    shop, metrics = small_shop
    month = metrics["month"][0]
    try:
        if isinstance(loaded, MetricParams):
            shop.cache.clear()
            diagnose(engine.agent_metrics(shop, month, loaded), shop, params=loaded)
            shop_metrics(shop, month, loaded)
        elif isinstance(loaded, Scheme):
            payroll(score(metrics, loaded), loaded)
        elif isinstance(loaded, DiagnosticRules):
            diagnosis = diagnose(metrics, shop, loaded)
            conversion_drilldown(shop, month, rules=loaded, diagnosis=diagnosis)
            review_sample(shop, diagnosis, month, rules=loaded)
    except CsanaError:
        pass


# -- files as they arrive: any file name, any Unicode encoding, any sheet layout ----------------------------------

ORDER_TABLE = [line.split(",") for line in GOOD_ORDERS.splitlines()] + [["o2", "c1", "2026-10-02 10:00:00", "", "5", "2"]]
NAME_BYTES = st.binary(min_size=1, max_size=12).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")).map(
    lambda b: b"f" + b if b.startswith((b".", b"~$", b"__")) else b)
"""Any bytes a file name may hold (not "/" or NUL); names of hidden files (.x, ~$x, __x) are skipped by design."""


def assert_printable(ds: Dataset) -> None:
    """Every label csana stores can be printed and put in a table: UTF-8, no control characters."""
    for text in [*ds.files["file"].to_list(), *ds.warnings, ds.source]:
        text.encode("utf-8")
        assert not re.search(r"[\x00-\x1f\x7f]", text), text


@settings(max_examples=40, **SETTINGS)
@given(NAME_BYTES, st.sampled_from([".csv", ".xlsx", ".tsv"]), st.sampled_from(["", "orders_", "订单".encode("gbk").decode("latin-1")]))
def test_any_file_name_loads_and_prints(name: bytes, suffix: str, prefix: str) -> None:
    """GBK bytes in names (a Windows zip unpacked on Linux), invalid UTF-8, spaces, control bytes: the file loads
    (when its name or columns say it is the orders table), every stored label is printable, `csana check` prints."""
    import io
    import os
    from contextlib import redirect_stderr, redirect_stdout

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
        path = root / os.fsdecode(prefix.encode("latin-1") + name + suffix.encode())
        if suffix == ".xlsx":
            pl.DataFrame(ORDER_TABLE[1:], schema=ORDER_TABLE[0], orient="row").write_excel(path)
        else:
            sep = "\t" if suffix == ".tsv" else ","
            path.write_text("\n".join(sep.join(r) for r in ORDER_TABLE) + "\n", encoding="utf-8")
        ds = load(root)
        assert_reconciled(ds)
        assert_printable(ds)
        assert ds.orders["order_id"].to_list() == ["o1", "o2"]
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            assert main(["check", str(root)]) == 0, err.getvalue()


UNICODE = ["utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]


@settings(max_examples=60, **SETTINGS)
@given(st.sampled_from(UNICODE), st.lists(st.sampled_from(["张三", "李四", "c1", "Zoë", "😀", "a,b", "ｃ２"]), min_size=1, max_size=4),
       st.sampled_from([",", "\t", ";"]))
def test_any_encoding_reads_the_same_rows(encoding: str, customers: list[str], separator: str) -> None:
    """The same orders in any encoding Chinese and Western tools write, with or without a byte-order mark,
    read as the same rows (UTF-16 without BOM used to pass as GB18030 and fill the headers with NULs)."""
    rows = [ORDER_TABLE[0]] + [[f"o{i}", c, "2026-10-01 09:00:00", "", "10", "1"] for i, c in enumerate(customers)]
    text = "\n".join(separator.join(f'"{v}"' if separator in v else v for v in r) for r in rows) + "\n"
    try:
        body = text.encode(encoding)
    except UnicodeEncodeError:
        return
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
        (root / "orders.csv").write_bytes(body)
        ds = load(root)
    assert_reconciled(ds)
    assert ds.orders["customer_id"].to_list() == customers
    expected = "utf-8" if encoding == "gb18030" and text.isascii() else encoding
    assert ds.files.filter(pl.col("table") == "orders")["encoding"].item() == expected


@st.composite
def sheet_layouts(draw: st.DrawFn) -> dict:
    return {
        "title_rows": draw(st.integers(0, 3)),
        "blank_rows": draw(st.lists(st.integers(0, 2), max_size=2)),
        "notes_sheet": draw(st.sampled_from([None, "before", "after"])),
        "hidden_sheet": draw(st.booleans()),
        "junk": draw(st.lists(st.tuples(st.sampled_from([1_048_575, 2_000, 0]), st.sampled_from([16_383, 300, 0])), max_size=3)),
        "footer": draw(st.sampled_from([None, "注：数据截至导出时间", "合计"])),
    }


def _layout_workbook(path: Path, layout: dict, header: list, rows: list[list]) -> None:
    import xlsxwriter

    with xlsxwriter.Workbook(str(path)) as book:
        if layout["notes_sheet"] == "before":
            book.add_worksheet("说明").write(0, 0, "导出说明：数据仅供参考")
        sheet = book.add_worksheet("数据")
        r = 0
        for i in range(layout["title_rows"]):
            sheet.write(r, 0, f"报表标题 {i}")
            r += 1
        sheet.write_row(r, 0, header)
        r += 1
        for i, row in enumerate(rows):
            if i in layout["blank_rows"]:
                r += 1
            sheet.write_row(r, 0, row)
            r += 1
        if layout["footer"]:
            sheet.write(r + 1, 0, layout["footer"])
        for jr, jc in layout["junk"]:
            if jr >= r + 2 or jc >= len(header) + 1:
                sheet.write(jr, jc, "备注")
        if layout["notes_sheet"] == "after":
            book.add_worksheet("说明").write(0, 0, "导出说明")
        if layout["hidden_sheet"]:
            hidden = book.add_worksheet("透视")
            hidden.write_row(0, 0, [header[0], "合计"])
            hidden.write_row(1, 0, ["总计", 99])
            hidden.hide()


@settings(max_examples=30, **SETTINGS)
@given(sheet_layouts())
def test_any_sheet_layout_of_a_raw_workbook_reads_the_same_orders(layout: dict) -> None:
    """Title rows, blank rows, a notes sheet before or after, a hidden pivot, junk far out, a note or total below:
    the orders are the same two; every other row is accounted for."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "messages.csv").write_text(GOOD_MESSAGES, encoding="utf-8")
        _layout_workbook(root / "订单.xlsx", layout, ORDER_TABLE[0], ORDER_TABLE[1:])
        try:
            ds = load(root)
        except CsanaError as exc:
            raise AssertionError(f"{layout}: {exc}") from None
    assert_reconciled(ds)
    assert_printable(ds)
    assert ds.orders["order_id"].to_list() == ["o1", "o2"]


@settings(max_examples=30, **SETTINGS)
@given(sheet_layouts(), st.sampled_from(["合计", "总计", "全店合计", "Total", "TOTAL:", "Average", "合计（10月）", "汇总值", ""]))
def test_any_sheet_layout_of_an_export_gives_the_same_agents(layout: dict, total: str) -> None:
    """The same for a 千牛 export: a notes sheet before the report, totals and notes below are never agents."""
    header = ["客服昵称", "接待人数", "询单人数", "询单最终付款人数", "旺旺回复率"]
    rows = [["店:a", 10, 8, 4, "90%"], ["店:b", 6, 5, 2, "80%"], [total, 16, 13, 6, "85%"]]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "千牛客服绩效_2026-10-01_2026-10-31.xlsx"
        _layout_workbook(path, layout, header, rows)
        try:
            ds = load_any(path)
        except CsanaError as exc:
            raise AssertionError(f"{layout}: {exc}") from None
    assert ds.has("agent_period") and not ds.can(Capability.EVENTS)
    assert ds["agent_period"]["agent_id"].to_list() == ["a", "b"]
    assert_reconciled(ds)
    assert_printable(ds)
