"""Monthly report: configs match the notebook, sections escape and show the engine's numbers,
batches survive failures, and the demo report renders to offline HTML and a Chinese PDF in time."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import time
from pathlib import Path

import papermill as pm
import polars as pl
import pytest

from csana.catalogue import label
from csana.cli import main
from csana.demo.generator import demo_dataset, generate_demo, write_demo
from csana.errors import CsanaError
from csana.ingest.dataset import Capability
from csana.metrics.engine import agent_metrics, latest_complete_month
from csana.present.formatting import delta, format_metric, format_value
from csana.report import (
    BatchResult,
    ReportConfig,
    ReportParams,
    batch,
    build_context,
    load_config,
    plan,
    render_all,
    sections,
)
from csana.report.context import for_shop, shops
from csana.report.format import esc, html_table, text_column
from csana.report.render import NOTEBOOK, Rendered

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE = '<script>alert("x")</script>&amp;'


def squash(text: str) -> str:
    """Text without whitespace: pdftotext breaks lines and spaces differently from the HTML."""
    return re.sub(r"\s+", "", text)


# -- tables ------------------------------------------------------------------------------------


def test_html_table_escapes_data_text():
    table = html_table([{"name": HOSTILE}], [text_column("姓名", "name")])
    assert "<script>" not in table and esc(HOSTILE) in table


# -- configurations ----------------------------------------------------------------------------


def notebook_parameters() -> dict[str, object]:
    found = pm.inspect_notebook(str(NOTEBOOK))
    return {name: ast.literal_eval(p["default"]) for name, p in found.items()}


def test_notebook_parameters_match_the_config_fields():
    assert list(notebook_parameters()) == list(ReportParams.model_fields)
    defaults = {name: field.default for name, field in ReportParams.model_fields.items()}
    assert notebook_parameters() == defaults


@pytest.mark.parametrize("path", sorted((ROOT / "params").glob("report*.yaml")), ids=lambda p: p.name)
def test_every_report_config_loads_and_feeds_the_notebook(path):
    config = load_config(path)
    assert set(config.notebook_parameters()) == set(notebook_parameters())
    assert set(config.formats) <= {"html", "pdf"}


def test_default_config_is_the_demo_in_html_and_pdf():
    config = load_config()
    assert (config.data, config.month, config.formats, config.lang) == ("demo", None, ("html", "pdf"), "zh")


def test_config_problems_are_reported_together(tmp_path):
    bad = tmp_path / "report.yaml"
    bad.write_text("name: x\nmonht: 2026-10\nmonth: 2026-13\nformats: [html, docx]\n", encoding="utf-8")
    with pytest.raises(CsanaError) as err:
        load_config(bad)
    text = str(err.value)
    assert str(bad) in text and "monht" in text and "allowed:" in text and "month" in text and "formats" in text


def test_command_line_overrides_the_file():
    config = load_config(None, month="2026-09", formats="html", team=None)
    assert (config.month, config.formats) == ("2026-09", ("html",))


# -- sections on a small demo shop with a hostile name --------------------------------------------


def small_shop():
    dataset = generate_demo(seed=7, agents=6, months=2, scale=0.3)
    agents = dataset.tables["agents"]
    dataset.tables["agents"] = agents.with_columns(
        name=pl.when(pl.col("agent_id") == "a03").then(pl.lit(HOSTILE)).otherwise(pl.col("name"))
    )
    return dataset


@pytest.fixture(scope="module")
def shop():
    return small_shop()


@pytest.fixture(scope="module")
def ctx(shop):
    return build_context(shop, month="2026-10")


def html(section) -> str:
    return section.data


def test_summary_shows_group_totals_against_last_month(ctx):
    text = html(sections.summary(ctx))
    for m in ("received_customers", "sales_amount", "conv_final", "avg_response_s"):
        now, before = ctx.now.totals[m], ctx.before.totals[m]
        assert esc(format_metric(m, now)) in text
        assert esc(delta(m, now, before).text) in text
        assert esc(label(m)) in text
    # the totals are the engine's shop row (customers counted once), not sums of agents
    assert ctx.now.totals["received_customers"] == ctx.now.shop.totals["received_customers"][0]


def test_hostile_names_are_escaped_everywhere(ctx):
    for section in (sections.leaderboard, sections.diagnostics, sections.review, sections.scorecards, sections.summary):
        text = html(section(ctx))
        assert "<script>" not in text
    assert esc(HOSTILE) in html(sections.scorecards(ctx))


def test_one_scorecard_per_agent_with_its_metrics(ctx):
    text = html(sections.scorecards(ctx))
    assert text.count('<section class="scorecard">') == ctx.now.agents.height
    for row in ctx.now.agents.iter_rows(named=True):
        assert esc(format_metric("received_customers", row["received_customers"])) in text


def test_leaderboard_ranks_each_scheme_and_lists_pay(ctx):
    text = html(sections.leaderboard(ctx))
    scored = ctx.ranked_agents().filter(pl.col("scheme").is_not_null())
    assert scored.height == ctx.scores.height > 0
    for row in scored.iter_rows(named=True):
        assert esc(format_value(row["total_pay"], "yuan")) in text
    for _, scheme in ctx.schemes:
        assert esc(scheme.label("zh")) in text


def test_team_report_narrows_agents_and_totals(shop):
    team = build_context(shop, month="2026-10", team="售后组")
    assert set(team.now.agents["team"]) == {"售后组"}
    row = team.now.shop.teams.filter(pl.col("team") == "售后组").row(0, named=True)
    assert team.now.totals["received_customers"] == row["received_customers"]
    assert set(team.scores["agent_id"]) <= set(team.now.agents["agent_id"])


def test_unknown_team_names_the_known_ones(shop):
    with pytest.raises(CsanaError, match="售前一组"):
        build_context(shop, month="2026-10", team="夜班")


def test_first_month_has_no_comparison_and_english_labels(shop):
    first = build_context(shop, month="2026-09", lang="en", scorecards=False)
    assert first.before is None
    text = html(sections.summary(first))
    assert "No data for the previous month" in text and "Summary" in text and label("sales_amount", "en") in text
    assert html(sections.scorecards(first)) == ""


def test_appendix_accounts_for_rows_parameters_and_coverage(ctx):
    text = html(sections.appendix(ctx))
    assert "slow_response_s" in text and "2026-10-01 – 2026-10-31" in text
    assert "没有被剔除的行" in text
    assert esc(label("conv_final")) in text


def test_platform_export_report_counts_customer_days(shop, tmp_path):
    from csana.exports.write import write_export
    from csana.metrics.engine import agent_daily_metrics

    write_export(agent_daily_metrics(shop, "2026-10"), tmp_path / "赤兔_2026-10.csv")
    exported = build_context(str(tmp_path))
    assert not exported.dataset.can(Capability.EVENTS) and exported.month == "2026-10" and exported.before is None
    assert "顾客·天" in html(sections.summary(exported))
    assert "需要聊天记录" in html(sections.funnel_chart(exported))  # exports hold no 'ordered' stage
    cards = html(sections.scorecards(exported))
    assert cards.count('<section class="scorecard">') == exported.now.agents.height


# -- shops, planning and batches -----------------------------------------------------------------


@pytest.fixture(scope="module")
def two_shops(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_shops")
    write_demo(generate_demo(seed=3, agents=4, months=1, scale=0.2, shops=2), folder, "parquet")
    return folder


def test_one_report_per_shop_and_team(two_shops):
    config = load_config(None, data=str(two_shops))
    planned = plan(config, all_teams=True)
    assert {(c.shop, c.team) for c in planned} == {
        ("s01", "s01·售前一组"), ("s01", "s01·售后组"), ("s02", "s02·售前一组"), ("s02", "s02·售后组")}
    assert len({c.month for c in planned}) == 1
    assert len({c.name for c in planned}) == 4 and all(c.name.startswith("monthly_report-s0") for c in planned)


def test_shop_filter_keeps_only_its_rows(two_shops):
    from csana.datasets import open_data

    dataset = open_data(str(two_shops))
    assert shops(dataset) == ["s01", "s02"]
    one = for_shop(dataset, "s02")
    assert set(one.messages["shop_id"]) == {"s02"} and set(one.orders["shop_id"]) == {"s02"}
    assert set(one["agents"]["agent_id"]) == set(one.messages["agent_id"])
    with pytest.raises(CsanaError, match="s01, s02"):
        for_shop(dataset, "s09")


def test_a_failing_report_does_not_stop_the_batch(monkeypatch, tmp_path):
    good, bad = (ReportConfig(name=n, month="2026-10", out=str(tmp_path)) for n in ("good", "bad"))

    def fake_render(config, month, notebook):
        if config.name == "bad":
            raise CsanaError("the report notebook failed in cell 3: boom")
        return Rendered(config, month, {"html": tmp_path / "good.html"}, {"execute": 1.0})

    monkeypatch.setattr(batch, "render", fake_render)
    result = render_all([bad, good], show_progress=False)
    assert isinstance(result, BatchResult) and not result.ok
    assert [r.config.name for r in result.done] == ["good"]
    assert [(c.name, m) for c, m in result.failed] == [("bad", "the report notebook failed in cell 3: boom")]


def test_cli_reports_a_missing_data_folder_in_one_line(capsys, tmp_path):
    assert main(["report", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "nope" in err


# -- the demo report, end to end (papermill → HTML → Chromium PDF) ------------------------------------


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory):
    """`csana report` with no options but --out: the demo's latest complete month in HTML and PDF."""
    out = tmp_path_factory.mktemp("reports")
    start = time.perf_counter()
    code = main(["report", "--out", str(out)])
    seconds = time.perf_counter() - start
    assert code == 0
    month = latest_complete_month(demo_dataset())
    folder = out / month
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "render_seconds.txt").write_text(f"{seconds:.1f}\n", encoding="utf-8")
    return {"folder": folder, "month": month, "seconds": seconds}


def test_demo_report_writes_notebook_html_and_pdf_in_under_a_minute(demo_report):
    folder = demo_report["folder"]
    for suffix in ("ipynb", "html", "pdf"):
        assert (folder / f"monthly_report.{suffix}").stat().st_size > 0
    assert demo_report["seconds"] < 60, f"rendering took {demo_report['seconds']:.1f} s"


def test_html_is_self_contained(demo_report):
    page = (demo_report["folder"] / "monthly_report.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.I)
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//|@import""", page, re.I)
    assert "<script" not in page.lower()
    assert len(re.findall(r'<img[^>]*src="data:image/svg\+xml;base64,', page)) >= 4  # the four charts, inline
    assert "sections.summary" not in page  # input cells hidden


def test_pdf_text_has_chinese_metric_names_and_agent_numbers(demo_report):
    pdf = demo_report["folder"] / "monthly_report.pdf"
    text = squash(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    for m in ("received_customers", "conv_final", "first_response_s", "sales_amount", "aov"):
        assert squash(label(m, "zh")) in text
    metrics = agent_metrics(demo_dataset(), demo_report["month"]).sort("agent_id").head(3)
    for row in metrics.iter_rows(named=True):
        assert squash(row["name"]) in text
        for m in ("received_customers", "sales_amount", "conv_final", "first_response_s"):
            assert squash(format_metric(m, row[m])) in text, (row["agent_id"], m)



def test_the_pay_of_a_failing_agent_and_of_an_unjudged_newcomer_is_explained_in_words(demo_report):
    """阿杰 fails the conversion gate and gets no performance pay; 小林 (10 inquiries) cannot be judged and, by the
    scheme's default, is paid by her score: the leaderboard and both scorecards say so, with the amounts."""
    pdf = demo_report["folder"] / "monthly_report.pdf"
    text = squash(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    failed = squash("转化率低于40%不合格：未过门槛；本月不发绩效工资（按得分应得 ¥960.00）")
    waived = squash("转化率低于40%不合格：门槛未判定: 样本不足, 按方案不执行；绩效工资按得分照发（¥600.00）")
    assert squash("阿杰：") + failed in text and squash("小林：") + waived in text  # under the leaderboard
    assert text.count(failed) >= 2 and text.count(waived) == 2  # and on the scorecards
    assert squash("默认不执行；也可改为视为未达标，或仅对新人不执行") in text

def test_first_page_renders_to_png_artifact(demo_report):
    pdf = demo_report["folder"] / "monthly_report.pdf"
    target = demo_report["folder"] / "monthly_report_page1"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)], check=True)
    png = target.with_suffix(".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for made in (png, pdf):
        shutil.copy(made, ARTIFACTS / made.name)


def test_pdf_only_keeps_no_html_and_chromium_can_be_chosen(demo_report, monkeypatch, tmp_path):
    from csana.report import render

    executed = demo_report["folder"] / "monthly_report.ipynb"
    monkeypatch.setattr(render, "execute", lambda config, month, target, notebook: shutil.copy(executed, target))
    monkeypatch.setenv("CSANA_CHROMIUM", shutil.which("chromium") or shutil.which("google-chrome") or "")
    config = ReportConfig(name="only_pdf", formats=("pdf",), out=str(tmp_path), lang="en")
    done = render.render(config, demo_report["month"])
    assert set(done.files) == {"ipynb", "pdf"} and set(done.seconds) == {"execute", "html", "pdf"}
    assert sorted(p.name for p in (tmp_path / demo_report["month"]).iterdir()) == ["only_pdf.ipynb", "only_pdf.pdf"]
    monkeypatch.setenv("CSANA_CHROMIUM", str(tmp_path / "no-such-chrome"))
    with pytest.raises(CsanaError, match="CSANA_CHROMIUM"):
        render.chromium()


def test_excerpt_switch_per_report_leaves_message_text_out():
    from csana.report import build_context, load_config

    shown = build_context(excerpts=True).review
    hidden = build_context(excerpts=False).review
    assert shown["excerpt"].drop_nulls().len() > 0
    assert hidden["excerpt"].drop_nulls().len() == 0
    assert hidden.height == shown.height  # the same receptions are listed, without their text
    assert load_config(None, excerpts=False).excerpts is False
