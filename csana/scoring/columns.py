"""The score table's columns: status codes, summary and pay columns, working columns, display labels.

:func:`csana.scoring.scorecard.score` lists every column of the score table;
columns starting with ``__`` are the plan's working columns and never reach it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from csana.scoring.indicators import Indicator
from csana.scoring.scheme import Scheme

OK, NO_DATA, NO_TARGET = "ok", "insufficient data", "no target"
STATUS: dict[str, tuple[str, str]] = {
    OK: ("正常", "ok"),
    NO_DATA: ("数据不足", "insufficient data"),
    NO_TARGET: ("无目标", "no target"),
    "incomplete": ("部分指标数据不足", "incomplete"),
    "not scored": ("未评分", "not scored"),
}
"""Status codes of the score table and their (zh, en) display text."""

PAY_PARTS: tuple[tuple[str, str, str], ...] = (
    ("base_pay", "底薪", "Base pay"),
    ("post_pay", "岗位工资", "Post pay"),
    ("performance_pay", "绩效工资", "Performance pay"),
    ("commission", "提成", "Commission"),
    ("ladders", "阶梯奖励", "Ladder bonus"),
    ("awards", "单项奖", "Awards"),
    ("rewards", "奖励", "Rewards"),
    ("penalties", "扣罚", "Penalties"),
    ("team_bonus", "团体奖励", "Team bonus share"),
    ("total_pay", "应发合计", "Total pay"),
)
"""Pay columns in order: (id, zh, en). total_pay = the parts with penalties subtracted."""

SUMMARY: tuple[tuple[str, str, str], ...] = (
    ("total", "总分", "Total score"),
    ("full_score", "满分", "Full score"),
    ("percent", "得分率", "Score %"),
    ("rank", "排名", "Rank"),
    ("grade", "等级", "Grade"),
    ("status", "状态", "Status"),
    ("missing", "数据不足指标", "Indicators lacking data"),
    ("gates", "未过门槛", "Gates failed"),
    ("gates_undetermined", "门槛未判定", "Gates not judged"),
)
"""Summary columns in order: (id, zh, en)."""

ID_COLUMNS = ("agent_id", "name", "team", "role", "month")
"""The identifying columns of the metric table the score table keeps (those present)."""

GATE_UNJUDGED: dict[str, tuple[str, str]] = {
    "waived": ("门槛未判定: 样本不足, 按方案不执行", "gate not judged: too little data; not applied, as the scheme says"),
    "applied": ("门槛未判定: 样本不足, 按方案视为未达标", "gate not judged: too little data; applied as failed, as the scheme says"),
    "newcomer": ("门槛未判定: 样本不足, 新人免于执行", "gate not judged: too little data; waived for a newcomer"),
}
"""What happened to a gate that could not be judged (``gate_unjudged.<id>``), in words (zh, en)."""
GATE_FAILED = ("未过门槛", "gate failed")
GATE_EFFECT: dict[str, tuple[str, str]] = {
    "no_performance_pay": ("本月不发绩效工资", "no performance pay this month"),
    "no_bonus": ("本月不发绩效工资，也不发阶梯奖励、单项奖、奖励和团体奖励",
                 "no performance pay, ladder bonus, awards, rewards or team bonus this month"),
    "flag": ("仅作标记，薪酬不受影响", "flagged only, pay unchanged"),
}
"""What a gate that holds (failed, or not judged and applied) does to the pay, by ``effect``, in words (zh, en)."""
GATE_NOT_APPLIED = ("绩效工资按得分照发", "performance pay by score as usual")
"""The pay consequence of a gate that could not be judged and was not applied (waived, or a newcomer)."""

TENURE = "__tenure_days"
"""Working column: days from the agent's hire date to the end of the scored month (null when unknown)."""
TEAM = "__team"
"""Working column: the agent's team as text, '' when unknown (team means, team awards and goals group by it)."""
F64 = pl.Float64


def manual_col(name: str) -> str:
    """Working column holding manual indicator ``name`` (null where an agent has no score)."""
    return f"__manual.{name}"


def target_col(ind: Indicator) -> str:
    """Output column holding the target of a target-basis indicator."""
    return f"{ind.id}.target"


def score_labels(scheme: Scheme, lang: str = "zh") -> dict[str, str]:
    """Display names of the score table's columns in ``lang`` (for sheets, widgets, reports)."""
    zh = lang == "zh"
    labels = {"agent_id": "客服ID" if zh else "Agent ID", "name": "姓名" if zh else "Name",
              "team": "组别" if zh else "Team", "role": "岗位" if zh else "Role", "month": "月份" if zh else "Month"}
    parts = {
        "value": ("值", "value"), "raw": ("原值", "raw"), "target": ("目标", "target"), "tier": ("档次", "tier"),
        "score": ("得分", "score"), "weighted": ("加权分", "weighted"), "status": ("状态", "status"),
    }
    manual = scheme.manual_catalogue
    for ind in scheme.indicators:
        name = ind.label(lang, manual)
        for key, (pzh, pen) in parts.items():
            labels[f"{ind.id}.{key}"] = f"{name}{pzh}" if zh else f"{name} {pen}"
    for col, lzh, len_ in (*SUMMARY, *PAY_PARTS):
        labels[col] = lzh if zh else len_
    details = (("gate", scheme.gates, "门槛", "gate"), ("gate_unjudged", scheme.gates, "门槛未判定", "gate not judged"),
               ("ladder", scheme.ladders, "阶梯", "ladder"),
               ("award", scheme.awards, "奖", "award"), ("reward", scheme.rewards, "奖励", "reward"),
               ("penalty", scheme.penalties, "扣罚", "penalty"), ("team_goal", scheme.team_goals, "团体奖", "team goal"))
    for prefix, items, pzh, pen in details:
        for item in items:
            labels[f"{prefix}.{item.id}"] = f"{pzh}:{item.label(lang)}" if zh else f"{pen}: {item.label(lang)}"
    return labels


def gate_notes(scheme: Scheme, row: Mapping[str, Any], lang: str = "zh") -> list[str]:
    """Each gate of ``scheme`` that failed or could not be judged for a score-table row, with what it did to the pay:
    '转化率低于40%不合格：未过门槛；本月不发绩效工资' or '…：门槛未判定: 样本不足, 按方案不执行；薪酬照常计算'.
    So a pay that looks surprising (a newcomer paid more than a failing old hand) is explained in words."""
    zh = lang == "zh"
    notes = []
    for gate in scheme.gates:
        unjudged = row.get(f"gate_unjudged.{gate.id}")
        if unjudged is not None:
            outcome = GATE_UNJUDGED[unjudged]
            consequence = GATE_EFFECT[gate.effect] if unjudged == "applied" else GATE_NOT_APPLIED
        elif row.get(f"gate.{gate.id}"):
            outcome, consequence = GATE_FAILED, GATE_EFFECT[gate.effect]
        else:
            continue
        if consequence is GATE_NOT_APPLIED:
            paid = row.get("performance_pay")
            forgone = "" if paid is None else (f"（¥{paid:,.2f}）" if zh else f" (¥{paid:,.2f})")
        else:
            forgone = _forgone(scheme, row, lang) if gate.effect != "flag" else ""
        notes.append(f"{gate.label(lang)}{'：' if zh else ': '}{outcome[0 if zh else 1]}{'；' if zh else '; '}"
                     f"{consequence[0 if zh else 1]}{forgone}")
    return notes


def _forgone(scheme: Scheme, row: Mapping[str, Any], lang: str) -> str:
    """The performance pay the score alone would have earned (proportional mode): '（按得分应得 ¥960.00）'."""
    total, full = row.get("total"), row.get("full_score")
    if scheme.pay.performance_mode != "proportional" or total is None or not full:
        return ""
    amount = f"¥{scheme.pay.performance * total / full:,.2f}"
    return f"（按得分应得 {amount}）" if lang == "zh" else f" (the score alone would earn {amount})"


def unjudged_text(scheme: Scheme, lang: str = "zh") -> pl.Expr:
    """The gates a row's agent could not be judged on, spelled out: '<gate>: 门槛未判定: 样本不足, …' joined by
    '; ' (null when every gate was judged). Reads the ``gate_unjudged.<id>`` columns."""
    pick = 0 if lang == "zh" else 1
    texts = {code: pair[pick] for code, pair in GATE_UNJUDGED.items()}
    parts = [
        pl.when(pl.col(f"gate_unjudged.{g.id}").is_not_null()).then(
            pl.lit(f"{g.label(lang)}{'：' if lang == 'zh' else ': '}")
            + pl.col(f"gate_unjudged.{g.id}").replace_strict(texts, return_dtype=pl.String))
        for g in scheme.gates
    ]
    if not parts:
        return pl.lit(None, pl.String)
    joined = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    return pl.when(joined != "").then(joined)