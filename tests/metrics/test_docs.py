"""docs/metrics.md is generated from the catalogue (csana.metrics.docs) and must be up to date."""

from __future__ import annotations

import polars as pl

from csana.exports.mapping import load_flavour
from csana.metrics import docs
from csana.catalogue import MEASURES, METRICS


def test_docs_metrics_md_is_up_to_date():
    # regenerate with: python -m csana.metrics.docs
    assert docs.DOCS_FILE.read_text(encoding="utf-8") == docs.render()


def test_check_fails_on_a_stale_file_and_passes_once_written(tmp_path, capsys):
    stale = tmp_path / "metrics.md"
    stale.write_text("old\n", encoding="utf-8")
    assert docs.main(["--check", "--out", str(stale)]) == 1
    assert "is stale" in capsys.readouterr().err
    assert docs.main(["--out", str(stale)]) == 0
    assert docs.main(["--check", "--out", str(stale)]) == 0
    assert docs.main(["--check", "--out", str(tmp_path / "missing.md")]) == 1


def test_every_metric_and_measure_is_documented_with_its_test():
    text = docs.render()
    for m in METRICS:
        section = text.split(f"\n### {m.id}\n", 1)[1].split("\n### ", 1)[0]
        assert m.test in section and m.definition in section, m.id
    for measure in MEASURES:
        assert f"**`{measure.id}`**" in text, measure.id
    assert "\n### fact table: contacts\n" in text


def test_readable_expressions():
    assert docs.readable(pl.col("a").sum().cast(pl.Int64)) == 'pl.col("a").sum().cast(pl.Int64)'
    assert docs.readable(pl.col("a") - pl.col("b")) == 'pl.col("a") - pl.col("b")'
    assert docs.readable((pl.col("a") * pl.col("b")).sum()) == '(pl.col("a") * pl.col("b")).sum()'
    assert docs.readable(pl.col("s") / 3600) == 'pl.col("s") / 3600'
    assert docs.readable(pl.len().cast(pl.Int64)) == "pl.len().cast(pl.Int64)"
    assert docs.readable(pl.col("r").quantile(0.9, interpolation="linear")) == \
        'pl.col("r").quantile(0.9, interpolation="linear")'


def test_provision_runs_the_loaders_completion():
    qianniu = docs.provision(load_flavour("qianniu"))
    # 千牛 gives 接待人数 and 未回复人数, not 回复人数: rebuilt exactly
    assert qianniu.given["received_customers"].startswith("接待人数")
    assert qianniu.rebuilt["replied_customers"] == "接待人数 − 未回复人数"
    # and its response times come without their counts: weighted by a base, close, not exact
    assert qianniu.weighted["avg_response_s"] == "回复人数"
    chitu = docs.provision(load_flavour("chitu"))
    assert "avg_response_s" not in chitu.weighted and chitu.exact("response_total_s")
