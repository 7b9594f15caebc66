"""The payroll sheet: one row per agent, every pay part a column, the scheme traced, formulas neutralised."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from csana.cli import main
from csana.scoring.columns import PAY_PARTS
from csana.scoring.payroll import payroll, write_payroll
from csana.scoring.scheme import Scheme, load_scheme
from csana.scoring.scorecard import score

SCHEME = Scheme.parse({
    "name": "测试方案", "name_en": "Test scheme",
    "pay": {"base": 3000, "post": 500, "performance": 1000},
    "indicators": [{"metric": "reply_rate", "weight": 2,
                    "tiers": [{"min": "95%", "score": 10}, {"max": "95%", "score": 5}]}],
    "gates": [{"id": "floor", "zh": "回复率过低", "en": "Reply rate too low", "metric": "reply_rate", "lt": "50%"}],
    "penalties": [{"id": "slow", "zh": "慢响应扣款", "en": "Slow replies", "metric": "slow_customers", "per_unit": 10}],
})


def scored() -> pl.DataFrame:
    m = pl.DataFrame({
        "agent_id": ["a1", "a2", "a3"],
        "name": ["=HYPERLINK(\"http://x\")", "+1-555", "小美"],  # hostile names must stay text
        "team": ["@team", "-组", "售前一组"], "month": ["2026-10"] * 3,
        "reply_rate": [0.99, 0.4, None], "slow_customers": [2, 0, 1],
    })
    return score(m, SCHEME)


def test_sheet_has_one_row_per_agent_and_every_pay_part_in_zh() -> None:
    sheet = payroll(scored(), SCHEME)
    assert sheet.height == 3
    for _, zh, _ in PAY_PARTS:
        assert zh in sheet.columns
    assert sheet["应发合计"].to_list() == [
        3000 + 500 + 1000 - 20,   # 10·2 of 20 → full performance pay; 2 slow × ¥10
        3000 + 500 + 0,           # 5·2 of 20 → 500, but reply rate 40% < 50%: gate, no performance pay
        3000 + 500 + 0 - 10,      # no reply-rate data: not scored
    ]
    assert sheet["得分率(%)"].to_list() == [100.0, 50.0, None]
    assert sheet["状态"].to_list() == ["正常", "正常", "未评分"]
    assert sheet["未过门槛"].to_list() == [None, "回复率过低", None]
    assert sheet["数据不足指标"].to_list() == [None, None, "回复率"]
    assert sheet["回复率得分"].to_list() == [10, 5, None]


def test_sheet_in_english() -> None:
    sheet = payroll(scored(), SCHEME, "en")
    for _, _, en in PAY_PARTS:
        assert en in sheet.columns
    assert {"Agent ID", "Score (%)", "Gates failed"} <= set(sheet.columns)
    assert sheet["Status"].to_list() == ["ok", "ok", "not scored"]
    assert sheet["Indicators lacking data"][2] == "Reply rate"


def test_csv_carries_scheme_and_hash_and_neutralises_formulas(tmp_path: Path) -> None:
    path = write_payroll(scored(), SCHEME, tmp_path / "payroll.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["方案"] for r in rows] == ["测试方案"] * 3
    assert [r["方案版本"] for r in rows] == [SCHEME.content_hash] * 3
    assert rows[0]["姓名"] == "'=HYPERLINK(\"http://x\")"
    assert rows[1]["姓名"] == "'+1-555"
    assert rows[0]["组别"] == "'@team" and rows[1]["组别"] == "'-组"
    assert rows[2]["姓名"] == "小美"
    assert float(rows[0]["扣罚"]) == 20  # numbers stay numbers


def test_xlsx_has_title_rows_naming_scheme_and_hash(tmp_path: Path) -> None:
    path = write_payroll(scored(), SCHEME, tmp_path / "payroll.xlsx")
    cells = pl.read_excel(path, has_header=False, infer_schema_length=0)
    lines = cells[cells.columns[0]].to_list()
    assert lines[0] == "绩效工资表 — 测试方案 (2026-10)"
    assert lines[1] == f"方案版本 sha256: {SCHEME.content_hash}"
    header = lines.index("客服ID")
    assert lines[header + 1:] == ["a1", "a2", "a3"]
    names = cells[cells.columns[1]].to_list()[header + 1:]
    assert names == ["'=HYPERLINK(\"http://x\")", "'+1-555", "小美"]


def test_cli_writes_the_payroll_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "payroll.csv"
    targets = tmp_path / "targets.csv"
    targets.write_text("indicator,agent_id,target\nsales_completion,a01,30000\n", encoding="utf-8")
    code = main(["score", "demo", "--month", "2026-10", "--scheme", "presales_traffic", "--targets", str(targets),
                 "--out", str(out)])
    assert code == 0
    scheme = load_scheme("presales_traffic")
    assert scheme.content_hash in capsys.readouterr().out
    sheet = pl.read_csv(out, infer_schema_length=0)
    assert set(sheet["岗位"]) == {"presales"}
    assert set(sheet["方案版本"]) == {scheme.content_hash}
    assert sheet.filter(pl.col("客服ID") == "a01")["销售额完成率值"].cast(pl.Float64)[0] > 1  # vs the 30000 target


def test_cli_reports_a_bad_scheme_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nindicators:\n  - metric: conv_finall\n    weight: 1\n    tiers: [{score: 1}]\n", encoding="utf-8")
    assert main(["score", "demo", "--scheme", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "did you mean conv_final?" in err


def test_a_gate_without_data_is_said_in_words_and_its_policy_applies() -> None:
    def scheme(undetermined: str) -> Scheme:
        gate = {**SCHEME.gates[0].model_dump(exclude_defaults=True), "indicator": "reply_rate", "undetermined": undetermined}
        gate.pop("metric")
        data = SCHEME.model_dump(exclude_defaults=True) | {"gates": [gate]}
        data["indicators"][0]["min_sample"] = 10
        data["indicators"][0]["sample_column"] = "received_customers"
        return Scheme.parse(data)

    m = pl.DataFrame({
        "agent_id": ["a1", "a2", "a3"], "month": ["2026-10"] * 3, "reply_rate": [0.99, 0.4, 0.3],
        "received_customers": [100, 100, 5], "slow_customers": [0, 0, 0],
    })
    agents = pl.DataFrame({"agent_id": ["a1", "a2", "a3"],
                           "hired_at": [dt.date(2024, 1, 1), dt.date(2024, 1, 1), dt.date(2026, 10, 20)]})
    # a3 has 5 received customers (< 10): its reply rate is not scored and the gate cannot be judged
    waived = score(m, scheme("waive"), agents=agents)
    assert waived["gates"].to_list() == [None, "floor", None]
    assert waived["gates_undetermined"].to_list() == [None, None, "floor"]
    assert waived["gate_unjudged.floor"].to_list() == [None, None, "waived"]
    sheet = payroll(waived, scheme("waive"))
    assert sheet["门槛未判定"].to_list() == [None, None, "回复率过低：门槛未判定: 样本不足, 按方案不执行"]
    assert payroll(waived, scheme("waive"), "en")["Gates not judged"][2] == \
        "Reply rate too low: gate not judged: too little data; not applied, as the scheme says"
    # apply: the unjudged gate counts as failed
    applied = score(m, scheme("apply"), agents=agents)
    assert applied["gates"].to_list() == [None, "floor", "floor"]
    assert payroll(applied, scheme("apply"))["门槛未判定"][2] == "回复率过低：门槛未判定: 样本不足, 按方案视为未达标"
    # newcomer: a3 joined 11 days before the month's end (within 30): waived; an old hand would be held to it
    newcomer = score(m, scheme("newcomer"), agents=agents)
    assert newcomer["gate_unjudged.floor"].to_list() == [None, None, "newcomer"]
    veteran = score(m, scheme("newcomer"), agents=agents.with_columns(hired_at=pl.lit(dt.date(2024, 1, 1))))
    assert veteran["gate_unjudged.floor"].to_list() == [None, None, "applied"] and veteran["gates"][2] == "floor"



def test_gate_notes_say_what_a_gate_did_to_the_pay() -> None:
    from csana.scoring.columns import gate_notes

    rows = scored().sort("agent_id").to_dicts()
    # a1 passed: nothing to say; a2 failed (reply rate 40% < 50%): its score 10 of 20 would have earned 1000 × 10/20
    assert gate_notes(SCHEME, rows[0]) == []
    assert gate_notes(SCHEME, rows[1]) == ["回复率过低：未过门槛；本月不发绩效工资（按得分应得 ¥500.00）"]
    assert gate_notes(SCHEME, rows[1], "en") == [
        "Reply rate too low: gate failed; no performance pay this month (the score alone would earn ¥500.00)"]
    # a3 has no reply rate: the gate could not be judged and is waived by default — its performance pay is paid as scored
    waived = {**rows[2], "gate_unjudged.floor": "waived", "performance_pay": 250.0}
    assert gate_notes(SCHEME, waived) == ["回复率过低：门槛未判定: 样本不足, 按方案不执行；绩效工资按得分照发（¥250.00）"]
    # applied as failed: the gate's effect, and what the score alone would have earned (5 of 20 → 250)
    applied = {**rows[2], "gate_unjudged.floor": "applied", "total": 5.0, "full_score": 20.0}
    assert gate_notes(SCHEME, applied) == [
        "回复率过低：门槛未判定: 样本不足, 按方案视为未达标；本月不发绩效工资（按得分应得 ¥250.00）"]
    flag = Scheme.parse(SCHEME.model_dump(exclude_defaults=True)
                        | {"gates": [{**SCHEME.gates[0].model_dump(exclude_defaults=True), "effect": "flag"}]})
    assert gate_notes(flag, rows[1], "en") == ["Reply rate too low: gate failed; flagged only, pay unchanged"]

def test_a_newcomer_scheme_scores_only_agents_hired_within_its_days() -> None:
    newcomers = Scheme.parse(SCHEME.model_dump(exclude_defaults=True) | {"applies_to": {"hired_within_days": 30}})
    m = pl.DataFrame({"agent_id": ["a1", "a2", "a3"], "month": ["2026-10"] * 3, "reply_rate": [0.99, 0.9, 0.8],
                      "slow_customers": [0, 0, 0]})
    # a1 hired 1 October (30 days before the 31st: within), a2 in 2024, a3 unknown (no newcomer)
    agents = pl.DataFrame({"agent_id": ["a1", "a2"], "hired_at": [dt.date(2026, 10, 1), dt.date(2024, 1, 1)]})
    assert score(m, newcomers, agents=agents)["agent_id"].to_list() == ["a1"]
    # a hired_at column of the metric table is read too; without hire dates nobody is a newcomer
    assert score(m.join(agents, on="agent_id", how="left"), newcomers)["agent_id"].to_list() == ["a1"]
    assert score(m, newcomers).height == 0


def test_the_ready_made_newcomer_scheme_takes_the_demo_newcomer_only() -> None:
    from csana.datasets import open_data
    from csana.metrics.engine import agent_metrics

    demo = open_data("demo")
    metrics = agent_metrics(demo, "2026-10")
    newcomers = score(metrics, load_scheme("presales_newcomer"), manual=demo["manual_scores"], agents=demo["agents"])
    # 小林 (a04) joined on 29 October; every other pre-sales agent was hired long before
    assert newcomers["agent_id"].to_list() == ["a04"]
    assert newcomers["gates_undetermined"].to_list() == [None]  # no conversion gate to leave unjudged
