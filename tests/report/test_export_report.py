"""The report, scoring and diagnostics on every platform export flavour (tests/support/flavour_files.py),
and the reproduction of the bug that made a 汇总值 row an agent: three daily 千牛 汇总分析 files ending in
汇总值 and 平均值 rendered with ``csana report`` — the total must never be an agent, ranked, paid or part of
a team median. The report is rendered once (HTML only); the other flavours are checked section by section.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import flavour_files as ff
import pytest
from one_language import foreign

from csana.catalogue import label
from csana.cli import main
from csana.report import build_context, sections
from csana.report.context import ReportContext

MONTH = "2024-10"
SCHEME = "example_289"
SUMMARY_LABELS = ("汇总值", "平均值", "店铺汇总值", "店铺平均值", "总计", "平均")


def text(section) -> str:
    return section.data if hasattr(section, "data") else str(section)


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    found = {}
    for name, write in ff.WRITERS.items():
        folder = tmp_path_factory.mktemp(name)
        write(folder)
        found[name] = folder
    return found


@pytest.fixture(scope="module")
def contexts(folders) -> dict[str, ReportContext]:
    return {name: build_context(str(folder), month=MONTH, scheme=SCHEME) for name, folder in folders.items()}


@pytest.fixture(scope="module")
def rendered(folders, tmp_path_factory) -> str:
    """`csana report` on the three daily 千牛 汇总分析 files, as a user runs it (HTML only)."""
    out = tmp_path_factory.mktemp("report")
    code = main(["report", "--data", str(folders["qianniu"]), "--month", MONTH, "--scheme", SCHEME, "--format", "html",
                 "--out", str(out)])
    assert code == 0
    return (out / MONTH / "monthly_report.html").read_text(encoding="utf-8")


AGENTS = {"sycm": {"小美", "阿杰", "小林"}, "qianniu_service": {"小美", "阿杰", "小林"}, "jd": {"小王", "小李", "小赵"},
          "jd_workload": {"小王", "小李", "小赵"}, "doudian": {"小美", "阿杰", "小林"},
          "pdd": {"水密码客服小樱", "水密码客服小美", "水密码客服阿杰"}, "qianniu": {"小美", "阿杰", "小林"}}


@pytest.mark.parametrize("name", list(ff.WRITERS))
def test_every_flavour_is_scored_diagnosed_and_reported(contexts, name):
    ctx = contexts[name]
    assert set(ctx.now.agents["agent_id"]) == AGENTS[name]
    assert set(ctx.scores["agent_id"]) == AGENTS[name]  # scored and paid: the agents, nothing else
    assert ctx.scores["total_pay"].drop_nulls().len() == len(AGENTS[name])
    assert set(ctx.diagnosis.findings["agent_id"]) <= AGENTS[name]
    for section in (sections.summary, sections.leaderboard, sections.diagnostics, sections.scorecards, sections.appendix):
        page = text(section(ctx))
        assert "Traceback" not in page
    summary = text(sections.summary(ctx))
    tiles = re.findall(r'<div class="value">([^<]*)</div>', summary)
    assert tiles and "—" not in tiles  # a metric the export lacks is named in one line, not shown as a dash
    assert "本月数据没有这些指标" in summary
    cards = text(sections.scorecards(ctx))
    assert cards.count('<section class="scorecard">') == len(AGENTS[name])
    appendix = text(sections.appendix(ctx))
    assert "平台导出数据（没有聊天记录和订单）" in appendix and "聊天记录</dt>" not in appendix


@pytest.mark.parametrize("name", list(ff.WRITERS))
def test_every_flavour_report_speaks_one_language(contexts, name):
    """The Chinese report of each flavour (summary rows set aside, values derived, notes on customer-days)
    holds no English word: set-aside reasons, fixes and loading notes included."""
    ctx = contexts[name]
    assert ctx.dataset.rejected.height and ctx.dataset.warnings  # the appendix has reasons and notes to show
    assert foreign(ctx) == []


def test_the_english_report_of_an_export_holds_no_chinese(folders):
    ctx = build_context(str(folders["qianniu"]), month=MONTH, scheme=SCHEME, lang="en")
    assert foreign(ctx) == []


def test_the_platform_metrics_of_each_flavour_are_in_the_summary(contexts):
    # the flavours that give a platform's rates show them as KPIs (one total over the agents' parts)
    shown = {name: text(sections.summary(ctx)) for name, ctx in contexts.items()}
    assert label("reply_3min_rate", "zh") in shown["pdd"] and label("answer_30s_rate", "zh") in shown["jd"]
    assert label("satisfaction_rate", "zh") in shown["doudian"] and label("conv_order", "zh") in shown["jd"]
    # 京东: 3分钟人工回复率 over the shop = Σ rate × 接待量 / Σ 接待量 = (24 + 15 + 10 + 9 + 4 + 4.9998) / (40 + 20 + 11)
    jd = contexts["jd"].now.totals
    assert jd["reply_3min_rate"] == pytest.approx((0.96 * 25 + 15 + 10 + 0.9 * 10 + 0.8 * 5 + 0.8333 * 6) / 71)


def test_a_summary_row_is_never_an_agent_ranked_paid_or_in_a_median(contexts, rendered):
    ctx = contexts["qianniu"]
    # 接待人数 of the month: 小美 36 + 45 + 40 = 121, 阿杰 28 + 24 + 30 = 82 (售前), 小林 18 + 15 + 10 = 43 (售后). Each
    # scorecard compares with its team's median of agents: 售前 (121 + 82) / 2 = 101.5, 售后 43 — 汇总值 (246) and
    # 平均值 (82) would have moved both
    assert sorted(ctx.now.agents["received_customers"]) == [43, 82, 121]
    cards = re.findall(r"<td>接待人数</td><td class=\"num\">([\d.,]+)</td><td class=\"num\">([\d.,]+)</td>", rendered)
    assert sorted(cards) == [("121", "101.50"), ("43", "43"), ("82", "101.50")]
    assert statistics.median([121, 82]) == 101.5
    ranks = dict(zip(ctx.scores["agent_id"], ctx.scores["rank"]))
    assert sorted(ranks) == ["小林", "小美", "阿杰"] and sorted(ranks.values()) == [1, 2, 3]
    board = rendered[rendered.index("绩效排行榜"):rendered.index("附录")]
    for summary_label in ("汇总值", "平均值"):
        assert summary_label not in board  # not on the leaderboard, the cards, the diagnostics or the pay lines
    appendix = rendered[rendered.index("附录"):]
    # the rejected-rows table: per file, 2 rows set aside by their label, rows 6 and 7 (below the title and header)
    assert appendix.count("汇总行（合计或平均，不是客服），按名称</td><td class=\"num\">2</td><td class=\"\">6, 7</td>") == 3


@pytest.mark.parametrize("command", ["score", "diagnose", "check"])
def test_the_cli_on_a_folder_mixing_every_flavour(folders, tmp_path, capsys, command):
    for name in ("sycm", "jd", "doudian", "pdd"):
        ff.WRITERS[name](tmp_path)
    args = {"score": ["score", str(tmp_path), "--month", MONTH, "--scheme", SCHEME],
            "diagnose": ["diagnose", str(tmp_path), "--month", MONTH], "check": ["check", str(tmp_path)]}[command]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "水密码客服小樱" in out or command == "check"
    for summary_label in ("汇总值", "店铺汇总值", "总计"):
        if command != "check":
            assert summary_label not in out
    if command == "check":
        assert "按名称" in out and "按形状：没有客服名却有数字" in out  # the test that caught each total
        assert all(re.search(rf"{re.escape(file)}.*│ {flavour} +│", out)  # the flavour each file was read as
                   for file, flavour in (("客服绩效20241001.xlsx", "sycm"), ("飞鸽_客服数据_2024-10-02.xlsx", "doudian"),
                                         ("拼多多客服数据_2024-10-01.xlsx", "pdd"), ("京东客服数据_2024-10-01_2024-10-02.xlsx", "jd")))


PLATFORM_SCHEME = """
name: 平台考核
pay: {base: 3000, post: 500, performance: 1000}
indicators:
  - metric: reply_3min_rate
    weight: 1
    tiers:
      - {min: 95%, score: 10}
      - {min: 90%, max: 95%, score: 6}
      - {max: 90%, score: 0}
  - metric: satisfaction_rate
    weight: 1
    tiers:
      - {min: 80%, score: 10}
      - {max: 80%, score: 4}
"""


def test_a_scheme_scores_the_platform_metrics_of_an_export(folders, tmp_path):
    scheme = tmp_path / "platform.yaml"
    scheme.write_text(PLATFORM_SCHEME, encoding="utf-8")
    ctx = build_context(str(folders["doudian"]), month=MONTH, scheme=str(scheme), scorecards=False)
    scores = {r["agent_id"]: r for r in ctx.scores.iter_rows(named=True)}
    # 小美: 工作时间3分钟回复率 28/30 = 93.3% → 6, 满意率 5/7 = 71.4% → 4: 10 of 20 → half of 1,000 performance pay
    # 阿杰: 19/20 = 95% → 10, 3/3 → 10: 20 of 20
    assert (scores["小美"]["reply_3min_rate.score"], scores["小美"]["satisfaction_rate.score"]) == (6, 4)
    assert (scores["小美"]["total"], scores["阿杰"]["total"]) == (10, 20)
    # 小林 has no evaluation (满意率 "--" and 0): scored on the indicator it has, out of 10
    assert (scores["小林"]["satisfaction_rate.score"], scores["小林"]["full_score"]) == (None, 10)
    assert (scores["小美"]["total_pay"], scores["阿杰"]["total_pay"]) == (3000 + 500 + 500, 3000 + 500 + 1000)
