"""``csana score``: KPI scores and the payroll sheet."""

from __future__ import annotations

import click

from csana.cli.base import DATA, LANG, MONTH, PARAMS, cli, load_data


@cli.command("score")
@DATA
@MONTH
@click.option("--scheme", "scheme_file", required=True, metavar="FILE",
              help="scheme YAML, or a ready-made name (presales_traffic, example_289, …)")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="targets CSV/XLSX: indicator, target [, agent_id, team, month]")
@PARAMS
@click.option("--out", type=click.Path(dir_okay=False), help="write the payroll sheet: FILE.xlsx or FILE.csv")
@LANG
def score_command(data: str, month: str | None, scheme_file: str, targets_file: str | None, params_file: str | None,
                  out: str | None, lang: str) -> None:
    """KPI scores and pay per agent by a scheme (keys: params/schemes/README.md): the payroll sheet for finance."""
    from csana.metrics import engine
    from csana.params import MetricParams
    from csana.scoring.inputs import read_targets
    from csana.scoring.payroll import payroll, write_payroll
    from csana.scoring.scheme import load_scheme
    from csana.scoring.scorecard import score

    scheme = load_scheme(scheme_file)
    targets = read_targets(targets_file) if targets_file else None
    dataset = load_data(data)
    table = engine.agent_metrics(dataset, month, MetricParams.load(params_file))
    manual = dataset["manual_scores"] if dataset.has("manual_scores") else None
    agents = dataset["agents"] if dataset.has("agents") else None
    scored = score(table, scheme, targets, manual, agents)
    if out:
        notes: list[str] = []
        click.echo(f"wrote {write_payroll(scored, scheme, out, lang, notes)} ({scored.height} agents, "
                   f"scheme {scheme.label(lang)} {scheme.content_hash})")
        for note in notes:
            click.echo(f"note: {note}", err=True)
        return
    print_payroll(payroll(scored, scheme, lang), scheme, lang)


def print_payroll(sheet, scheme, lang: str) -> None:
    """The pay columns of the payroll sheet as a terminal table."""
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from csana.scoring.columns import PAY_PARTS, SUMMARY, score_labels

    labels = score_labels(scheme, lang)
    keep = [labels[c] for c in ("agent_id", "name", "total", "grade", "rank") if labels[c] in sheet.columns]
    keep += [c for c in sheet.columns if c.startswith(labels["percent"])]
    keep += [labels[p] for p, _, _ in PAY_PARTS] + [labels[c] for c, _, _ in SUMMARY if c in ("status", "gates", "gates_undetermined")]
    grid = Table(title=f"{scheme.label(lang)} ({scheme.content_hash})")
    for col in keep:
        grid.add_column(col, justify="left" if sheet.schema[col] == pl.String else "right")
    for row in sheet.select(keep).iter_rows():
        grid.add_row(*["—" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row])
    Console(width=max(120, 12 * len(keep)), markup=False, emoji=False).print(grid)
