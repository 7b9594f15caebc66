"""``csana diagnose``: weak indicators, causes and training actions in the terminal."""

from __future__ import annotations

import click

from csana.cli.base import DATA, LANG, MONTH, PARAMS, cli, load_data


@cli.command("diagnose")
@DATA
@MONTH
@LANG
@PARAMS
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False), help="diagnostic rules YAML (default params/diagnostics.yaml)")
@click.option("--all", "show_ok", is_flag=True, help="also list the indicators that are fine")
def diagnose_command(data: str, month: str | None, lang: str, params_file: str | None, rules_file: str | None, show_ok: bool) -> None:
    """Weak indicators per agent with evidence, factors and actions, and the team training plan (rules: params/diagnostics.yaml)."""
    from csana.diagnosis.findings import diagnose, print_diagnosis
    from csana.diagnosis.rules import load_rules
    from csana.metrics import engine
    from csana.params import MetricParams

    rules = load_rules(rules_file)
    params = MetricParams.load(params_file)
    dataset = load_data(data)
    table = engine.agent_metrics(dataset, month, params)
    print_diagnosis(diagnose(table, dataset, rules, lang=lang, params=params), show_ok=show_ok)
