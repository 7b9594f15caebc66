"""Scoring and pay: a validated :class:`~csana.scoring.scheme.Scheme` applied to the per-agent metric table.

The scheme keys, and how tiers, insufficient data, bases, awards, ladders, team goals
and ranks are read, are described in params/schemes/README.md.

:func:`score` returns one row per agent (per month, when the table holds several):

* per indicator ``<id>.value`` (the basis value: the metric itself, value / team
  mean, or value / target), ``<id>.raw`` and ``<id>.target`` when the basis is not
  absolute, ``<id>.tier`` (the tier's label or its interval), ``<id>.score``,
  ``<id>.weighted`` (score × weight) and ``<id>.status``;
* ``total`` = Σ weighted, ``full_score`` = Σ top tier score × weight over the
  indicators counted, ``percent`` = total / full_score, ``rank`` (1 = best by
  percent, ties share the better rank), ``grade``, ``status``, ``missing``, ``gates``
  (failed), ``gates_undetermined`` (gates that could not be judged: too little data);
* the pay parts (:data:`~csana.scoring.columns.PAY_PARTS`) and ``total_pay``;
* detail columns ``gate.<id>`` (bool: failed, or not judged and applied), ``gate_unjudged.<id>``
  (null when judged, else waived / applied / newcomer: what the gate's ``undetermined`` did), ``ladder.<id>``, ``award.<id>``,
  ``reward.<id>``, ``penalty.<id>``, ``team_goal.<id>`` (amounts).

Insufficient data. An indicator whose value is null, whose sample column is below
``min_sample``, or (basis target) which has no target, gets status
``insufficient data`` / ``no target`` instead of a silent zero. The scheme's
``insufficient`` rule says how the total treats it: ``rebase`` (default) leaves it
out of both total and full score, so the agent is scored on the remaining
indicators and performance pay = full pay × total / the agent's own full score;
``zero`` scores it 0 against the unchanged full score; ``lowest`` gives it the
worst tier's score. Either way ``status`` says ``incomplete`` and ``missing``
names the indicators; an agent with no scored indicator is ``not scored`` (percent
null, performance pay 0).

Everything is one lazy polars plan of expressions (:mod:`csana.scoring.plan`): no
Python loop runs over agents, so re-scoring after a weight change
(``scheme.with_weight``) is fast. Amounts are rounded to 0.01 (each detail column,
then each part as the sum of its details) and ``total_pay`` is the sum of the
rounded parts, so the payroll sheet adds up. Column names and their display labels
are in :mod:`csana.scoring.columns`; checking and joining the input tables in
:mod:`csana.scoring.inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from csana.scoring.columns import TEAM
from csana.scoring.inputs import (
    applicable,
    check_metrics,
    join_manual,
    join_targets,
    with_tenure,
)
from csana.scoring.plan import Plan
from csana.scoring.scheme import Scheme

__all__ = ["score", "score_schemes"]


def score(
    metrics: pl.DataFrame,
    scheme: Scheme,
    targets: pl.DataFrame | None = None,
    manual: pl.DataFrame | None = None,
    agents: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Score every agent of ``metrics`` by ``scheme`` and compute each pay part.

    Only the agents the scheme ``applies_to`` (by role/team) are scored.
    ``metrics``: one row per agent (and month), as :func:`csana.agent_metrics` returns:
    ``agent_id``, optional ``name``/``team``/``role``/``month``, and the metric
    columns the scheme reads. ``targets``: ``indicator``, ``target`` and optionally
    ``agent_id``, ``team``, ``month`` (a team row is every team member's target, a
    row with neither is the shop's; per-agent beats team beats shop beats the
    scheme's ``target``; a row with a month beats one without). ``manual``: the
    manual_scores table (``agent_id``, ``month``, ``indicator``, ``value``). ``agents``: the agents
    table, whose ``hired_at`` a newcomer scheme or a gate waived for newcomers reads (a ``hired_at``
    column of ``metrics`` wins).
    """
    frame = applicable(with_tenure(check_metrics(metrics, scheme), scheme, agents), scheme)
    months = ["month"] if "month" in frame.columns else []
    lf = frame.lazy().with_columns(
        (pl.col("team").cast(pl.String).fill_null("") if "team" in frame.columns else pl.lit("")).alias(TEAM)
    )
    lf = join_manual(lf, frame, scheme, manual)
    lf = join_targets(lf, frame, scheme, targets)
    plan = Plan(scheme, months)
    for stage in plan.stages():
        lf = lf.with_columns(stage)
    return lf.select(plan.output(frame.columns)).collect()


def score_schemes(
    metrics: pl.DataFrame,
    schemes: Sequence[tuple[str, Scheme]],
    targets: pl.DataFrame | None = None,
    manual: pl.DataFrame | None = None,
    agents: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Each agent scored by the first of ``schemes`` (name as given, scheme) whose ``applies_to`` selects it.

    Column ``scheme`` holds that name; rank and grade are among the agents of that scheme.
    Agents no scheme applies to are left out. ``agents`` (the agents table) gives hire dates to
    newcomer schemes and gates (see :func:`score`).
    """
    parts = [score(metrics, scheme, targets, manual, agents).with_columns(scheme=pl.lit(name)) for name, scheme in schemes]
    return pl.concat(parts, how="diagonal_relaxed").unique("agent_id", keep="first", maintain_order=True)
