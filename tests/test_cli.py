"""The `csana metrics` command and the CLI's error behaviour."""

from __future__ import annotations

import polars as pl
import pytest

from csana.cli import main
from csana.demo.generator import demo_dataset
from csana.metrics import engine


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("metrics", "score", "diagnose", "report", "demo", "bench", "check", "dashboard"):
        assert command in out, command


def test_metrics_to_csv_equals_the_api(tmp_path):
    out = tmp_path / "m.csv"
    assert main(["metrics", "demo", "--month", "2026-10", "--out", str(out)]) == 0
    written = pl.read_csv(out, encoding="utf8-lossy", infer_schema_length=None)
    expected = engine.agent_metrics(demo_dataset(), "2026-10")
    assert written["agent_id"].to_list() == expected["agent_id"].to_list()
    assert written["sales_amount"].to_list() == pytest.approx(expected["sales_amount"].to_list())
    assert written["received_customers"].to_list() == expected["received_customers"].to_list()


def test_metrics_readable_table_with_provisional_note(capsys):
    assert main(["metrics", "demo", "--month", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert "询单→最终付款成功率" in out and "小美" in out
    # the demo runs to Nov 4: conv_final of October is final, repeat_rate (60 days) is not
    assert "回头率 为暂定值" in out and "询单→最终付款成功率 为暂定值" not in out


def test_metrics_params_json_with_flat_filter_keys(tmp_path, capsys):
    params = tmp_path / "p.json"
    params.write_text('{"slow_response_s": 120, "filter_keywords": ["加微信"], "filter_customers": []}', encoding="utf-8")
    out = tmp_path / "m.parquet"
    assert main(["metrics", "demo", "--month", "2026-10", "--params", str(params), "--out", str(out)]) == 0
    slow120 = pl.read_parquet(out)["slow_customers"].sum()
    default = engine.agent_metrics(demo_dataset(), "2026-10")["slow_customers"].sum()
    assert slow120 < default


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["metrics", "demo", "--month", "2026-13"], "is not of the form YYYY-MM"),
        (["metrics", "demo", "--month", "2020-01"], "no receptions or orders in 2020-01"),
        (["metrics", "no/such/folder"], "no such file or folder"),
        (["metrics", "demo", "--out", "x.docx"], "cannot write '.docx' files"),
    ],
)
def test_user_errors_are_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.splitlines()[0].startswith("csana: error:")


def test_debug_shows_the_traceback():
    from csana.errors import CsanaError

    with pytest.raises(CsanaError):
        main(["--debug", "metrics", "demo", "--month", "2026-13"])


def test_metrics_file_says_what_is_provisional(tmp_path):
    out = tmp_path / "m.parquet"
    assert main(["metrics", "demo", "--month", "2026-10", "--out", str(out)]) == 0
    table = pl.read_parquet(out)
    # the demo runs to Nov 4: conv_final (final Nov 3) is final, repeat_rate (Dec 30) is not
    assert table["conv_final_provisional"].unique().to_list() == [False]
    assert table["repeat_rate_provisional"].unique().to_list() == [True]

