"""The store of published months: a real DuckDB file (no mocks) — versions, reading back, history, parallel
publishes, a publish killed half-way, schema versions. The shop is tests/support/credit_shop.py; its October
pay under the test scheme (sales ≥ ¥250 → 10 points else 5; ¥1,000 + 10% of sales): a1 ¥1,020, a2 ¥1,030,
a3 ¥1,000.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest
from credit_shop import credit_shop

from csana.cli import main
from csana.demo.generator import generate_demo, write_demo
from csana.errors import CsanaError
from csana.datasets import open_data
from csana.params import MetricParams
from csana.scoring.scheme import Scheme
from csana.store import SCHEMA_VERSION, publish, reading, store_path
from csana.store.db import connect, migrate
from csana.store.publication import sha256

ROOT = Path(__file__).resolve().parents[2]
SCHEME_YAML = """\
name: 测试
pay: {base: 1000}
commission: {metric: sales_amount, rate: 0.1}
indicators:
  - {metric: sales_amount, weight: 1, tiers: [{min: 250, score: 10}, {max: 250, score: 5}]}
"""
PAY = {"a1": 1020.0, "a2": 1030.0, "a3": 1000.0}


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The shop written as CSV files, and the scheme beside them."""
    folder = tmp_path / "shop"
    write_demo(credit_shop(), folder)
    (tmp_path / "scheme.yaml").write_text(SCHEME_YAML, encoding="utf-8")
    return folder


def schemes(folder: Path) -> list[tuple[str, Scheme]]:
    from csana.scoring.scheme import load_scheme

    return [("scheme.yaml", load_scheme(folder.parent / "scheme.yaml"))]


def publish_shop(folder: Path, **kwargs) -> object:
    return publish(open_data(folder), "2026-10", schemes(folder), MetricParams(), store_path(folder), data=str(folder), **kwargs)


def test_the_store_lives_beside_the_data(shop: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("CSANA_STORE", raising=False)
    assert store_path(shop) == shop / "csana.duckdb"
    assert store_path(shop / "orders.csv") == shop / "csana.duckdb"
    assert store_path(shop, tmp_path / "x.duckdb") == tmp_path / "x.duckdb"
    monkeypatch.setenv("CSANA_STORE", str(tmp_path / "env.duckdb"))
    assert store_path(shop) == tmp_path / "env.duckdb"
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CSANA_STORE")
    assert store_path("demo") == tmp_path / "csana.duckdb"


def test_publish_records_figures_scheme_params_and_inputs(shop: Path) -> None:
    done = publish_shop(shop, note="first payroll")
    assert (done.month, done.version, done.shop, done.agents) == ("2026-10", 1, "", 3)
    assert done.total_pay == pytest.approx(sum(PAY.values()))
    assert done.inputs["orders.csv"] == sha256(shop / "orders.csv") and "messages.csv" in done.inputs
    with duckdb.connect(str(shop / "csana.duckdb"), read_only=True) as con:  # a real DuckDB file, readable by anyone
        assert con.execute("SELECT max(version) FROM csana_schema").fetchone()[0] == SCHEMA_VERSION
        row = con.execute("SELECT month, version, attribution_rule, note, scheme_hashes FROM publications").fetchone()
    assert row[:4] == ("2026-10", 1, "last_inquiry", "first payroll") and schemes(shop)[0][1].content_hash in row[4]
    with reading(shop / "csana.duckdb") as store:
        latest = store.latest("", "2026-10")
        figures = store.figures(latest.publication_id)
    assert latest.metric_params() == MetricParams()
    assert latest.scheme_objects()[0][1].content_hash == schemes(shop)[0][1].content_hash
    agents = figures.agents.sort("agent_id")
    assert dict(zip(agents["agent_id"], agents["total_pay"])) == pytest.approx(PAY)
    assert agents.schema["buyers"] == pl.Int64 and agents["buyers"].to_list() == [1, 1, 0]
    assert agents["name"].to_list() == ["小一", "小二", "小三"]
    assert figures.shop["sales_amount"][0] == pytest.approx(500.0) and figures.shop["buyers"][0] == 2


def test_every_version_is_kept_and_history_shows_them(shop: Path, capsys) -> None:
    publish_shop(shop)
    orders = pl.read_csv(shop / "orders.csv", try_parse_dates=True)
    orders.with_columns(paid_at=pl.when(pl.col("order_id") == "o2").then(pl.lit("2026-10-12 10:00:00").str.to_datetime())
                        .otherwise(pl.col("paid_at"))).write_csv(shop / "orders.csv")
    again = publish_shop(shop, note="o2 paid late")
    assert again.version == 2
    with reading(shop / "csana.duckdb") as store:
        versions = store.publications("", "2026-10")
        history = store.agent_history("a2", ["sales_amount", "buyers"])
    assert versions["version"].to_list() == [1, 2] and versions["note"].to_list() == [None, "o2 paid late"]
    assert history.select("version", "latest", "sales_amount", "buyers", "total_pay").rows() == [
        (1, False, 300.0, 1.0, 1030.0), (2, True, 400.0, 2.0, 1040.0)]
    assert main(["history", str(shop), "--agent", "a2", "--metrics", "sales_amount,buyers"]) == 0
    out = capsys.readouterr().out
    assert "小二 (a2)" in out and "2 ★" in out and "¥1,030.00" in out and "¥1,040.00" in out
    assert "应发合计:" not in out  # one month: no trend line yet


def test_cli_publish_twice_names_the_pay_difference(shop: Path, capsys) -> None:
    scheme = str(shop.parent / "scheme.yaml")
    assert main(["publish", str(shop), "--month", "2026-10", "--scheme", scheme, "--lang", "en"]) == 0
    assert "published 2026-10 version 1" in capsys.readouterr().out
    orders = pl.read_csv(shop / "orders.csv", try_parse_dates=True)
    orders.with_columns(amount=pl.when(pl.col("order_id") == "o1").then(350.0).otherwise(pl.col("amount"))).write_csv(
        shop / "orders.csv")
    assert main(["publish", str(shop), "--month", "2026-10", "--scheme", scheme, "--lang", "en"]) == 0
    assert "against version 1: 1 agents' pay changed, +¥5.00 in total" in capsys.readouterr().out
    assert main(["store", "list", str(shop)]) == 0
    listed = capsys.readouterr().out
    assert "版本" in listed and "应发合计" in listed and "¥3,050.00" in listed and "¥3,055.00" in listed
    assert main(["history", str(shop), "--agent", "nobody"]) == 2
    assert "is in no published month" in capsys.readouterr().err


def test_exports_publish_too(tmp_path: Path) -> None:
    export = next((ROOT / "tests" / "data" / "exports").glob("*.csv"))
    dataset = open_data(export)
    from csana.scoring.scheme import load_scheme

    done = publish(dataset, "2024-10", [("presales_traffic", load_scheme("presales_traffic"))], MetricParams(),
                   tmp_path / "s.duckdb", data=str(export))
    assert done.agents == dataset["agent_period"]["agent_id"].n_unique() and done.inputs == {export.name: sha256(export)}
    assert done.attribution_rule == "platform"  # the platform credited the orders by its own setting
    with reading(tmp_path / "s.duckdb") as store:
        figures = store.figures(done.publication_id)
    assert figures.agents["received_customers"].to_list() == open_data(export)["agent_period"].group_by("agent_id").agg(
        pl.col("received_customers").sum()).sort("agent_id")["received_customers"].to_list()


PUBLISH = textwrap.dedent("""
    import sys
    from csana.cli import main
    sys.exit(main(["publish", sys.argv[1], "--month", "2026-10", "--scheme", sys.argv[2], "--note", sys.argv[3]]))
""")
HOLDING = textwrap.dedent("""
    # publish, but hold the transaction open (rows written, not committed) until the other run has found the
    # store busy: the two runs then overlap for certain
    import pathlib, sys, time
    import csana.store.publication as publishing
    from csana.cli import main

    waiting = pathlib.Path(sys.argv[4])
    real = publishing._insert
    def insert_and_hold(con, table, frame, folder):
        real(con, table, frame, folder)
        if table == "published_values":
            print("holding", flush=True)
            deadline = time.monotonic() + 120
            while not waiting.exists():
                if time.monotonic() > deadline:
                    sys.exit("the other publish never found the store busy")
                time.sleep(0.02)
    publishing._insert = insert_and_hold
""") + PUBLISH
WAITING = textwrap.dedent("""
    # publish, noting (in a file) when the store is found busy
    import pathlib, sys
    import duckdb

    busy = pathlib.Path(sys.argv[4])
    real = duckdb.connect
    def connect(*args, **kwargs):
        try:
            return real(*args, **kwargs)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                busy.touch()
            raise
    duckdb.connect = connect
""") + PUBLISH


def test_two_publishes_at_once_take_turns(shop: Path) -> None:
    """Run 1 holds its publish transaction open until run 2 has found the file busy; run 2 waits, then publishes."""
    scheme, busy = str(shop.parent / "scheme.yaml"), shop.parent / "busy"
    first = subprocess.Popen([sys.executable, "-c", HOLDING, str(shop), scheme, "run 1", str(busy)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.stdout.readline().strip() == "holding", first.communicate(timeout=300)
    second = subprocess.Popen([sys.executable, "-c", WAITING, str(shop), scheme, "run 2", str(busy)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [run.communicate(timeout=300) for run in (first, second)]
    assert [run.returncode for run in (first, second)] == [0, 0], results
    assert busy.exists()  # run 2 really met run 1's open transaction
    with reading(shop / "csana.duckdb") as store:
        versions = store.publications("", "2026-10")
        assert versions.select("version", "note").rows() == [(1, "run 1"), (2, "run 2")]
        for pid in versions["publication_id"]:
            agents = store.figures(pid).agents.sort("agent_id")
            assert dict(zip(agents["agent_id"], agents["total_pay"])) == pytest.approx(PAY)


KILLED = textwrap.dedent("""
    import os, signal, sys
    import csana.store.publication as publishing
    from csana.cli import main

    real = publishing._insert
    def insert_then_die(con, table, frame, folder):
        real(con, table, frame, folder)
        if table == "published_values":  # rows written, transaction not committed
            os.kill(os.getpid(), signal.SIGKILL)
    publishing._insert = insert_then_die
    sys.exit(main(["publish", sys.argv[1], "--month", "2026-10", "--scheme", sys.argv[2]]))
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_publish_leaves_the_previous_version_intact(shop: Path) -> None:
    publish_shop(shop, note="v1")
    store = shop / "csana.duckdb"
    with reading(store) as reader:
        before = reader.figures(1).agents
    run = subprocess.run([sys.executable, "-c", KILLED, str(shop), str(shop.parent / "scheme.yaml")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == -signal.SIGKILL, run.stderr
    with reading(store) as reader:
        assert reader.publications()["version"].to_list() == [1]
        assert reader.figures(1).agents.equals(before)
    with duckdb.connect(str(store), read_only=True) as con:
        assert con.execute("SELECT DISTINCT publication_id FROM published_values").fetchall() == [(1,)]
    assert publish_shop(shop).version == 2


def test_schema_versions(tmp_path: Path, capsys) -> None:
    old = tmp_path / "old.duckdb"
    with connect(old, read_only=False) as con:
        assert migrate(con, old, upto=1) == (0, 1)  # a store as the first schema left it
    with pytest.raises(CsanaError, match=r"older csana \(schema version 1 of 2\).*csana store migrate"):
        with reading(old):
            pass
    assert main(["store", "migrate", str(old)]) == 0
    assert "schema version 1 → 2" in capsys.readouterr().out
    with reading(old) as reader:
        assert reader.publications().height == 0
    with duckdb.connect(str(old)) as con:
        con.execute("INSERT INTO csana_schema VALUES (99, current_timestamp, 'future')")
    with pytest.raises(CsanaError, match="newer than this csana"):
        with reading(old):
            pass
    foreign = tmp_path / "foreign.duckdb"
    with duckdb.connect(str(foreign)) as con:
        con.execute("CREATE TABLE sales (x INTEGER)")
    with pytest.raises(CsanaError, match="not a csana store"):
        with reading(foreign):
            pass
    for other in (tmp_path / "orders.csv", tmp_path / "empty.duckdb"):  # refused before DuckDB reads (or writes) them
        other.write_text("order_id,amount\no1,10\n" if other.suffix == ".csv" else "", encoding="utf-8")
        for read_only in (True, False):
            with pytest.raises(CsanaError, match="not a DuckDB database"):
                with connect(other, read_only=read_only):
                    pass
    assert (tmp_path / "orders.csv").read_text(encoding="utf-8") == "order_id,amount\no1,10\n"
    with pytest.raises(CsanaError, match="no store at this path"):
        with reading(tmp_path / "missing.duckdb"):
            pass


def test_a_busy_store_waits_then_says_so(tmp_path: Path) -> None:
    path = tmp_path / "busy.duckdb"
    with connect(path, read_only=False) as con:
        migrate(con, path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(path)!r})
        print("held", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(CsanaError, match="the store is busy"):
            with connect(path, read_only=True, timeout=0.5):
                pass
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    with reading(path) as reader:  # free again once the other process is gone
        assert reader.publications().height == 0
    assert os.path.exists(path)


def test_data_with_several_shops_publishes_each_shop(tmp_path: Path, capsys) -> None:
    """As ``csana report`` makes one report per shop, ``csana publish`` makes one version per shop (or --shop)."""
    folder = tmp_path / "shops"
    write_demo(generate_demo(seed=3, agents=4, months=1, scale=0.1, shops=2), folder)
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME_YAML, encoding="utf-8")
    assert main(["publish", str(folder), "--month", "2026-10", "--scheme", str(scheme)]) == 0
    assert main(["publish", str(folder), "--month", "2026-10", "--scheme", str(scheme), "--shop", "s02"]) == 0
    out = capsys.readouterr().out
    assert "已发布 2026-10 [s01] 第 1 版" in out and "已发布 2026-10 [s02] 第 1 版" in out and "[s02] 第 2 版" in out
    with reading(folder / "csana.duckdb") as store:
        listed = store.publications()
        s01 = store.figures(store.latest("s01", "2026-10").publication_id)
    assert listed.select("shop", "version").rows() == [("s01", 1), ("s02", 1), ("s02", 2)]
    whole = open_data(folder)
    mine = whole.messages.filter(pl.col("shop_id") == "s01")["agent_id"].unique().sort().to_list()
    assert s01.agents["agent_id"].to_list() == mine


def test_single_shop_folders_sharing_one_store_keep_their_own_versions(tmp_path: Path) -> None:
    """With one store for several single-shop folders ($CSANA_STORE), each publication is filed under the data's
    shop_id: the shops' versions never mix, and each report finds its own shop's months."""
    from csana.report.restatements import published
    from csana.store.publication import shop_key

    def shop_named(name: str):
        base = credit_shop()
        tables = {t: base[t].with_columns(shop_id=pl.lit(name)) for t in ("messages", "orders")}
        return type(base)(tables={**base.tables, **tables}, source=name)

    store = tmp_path / "shared.duckdb"
    a, b = shop_named("shop_a"), shop_named("shop_b")
    assert (shop_key(a, None), shop_key(a, "x"), shop_key(credit_shop(), None)) == ("shop_a", "x", "")
    for dataset in (a, b, a):
        publish(dataset, "2026-10", schemes_of(SCHEME_YAML, tmp_path), MetricParams(), store, data="<memory>")
    with reading(store) as reader:
        assert reader.publications().select("shop", "version").rows() == [("shop_a", 1), ("shop_a", 2), ("shop_b", 1)]
    view = published(b, None, "2026-10", MetricParams(), str(store), None, None)
    assert [(p.publication.shop, p.publication.version) for p in view.restatements] == [("shop_b", 1)]


def schemes_of(text: str, folder: Path) -> list[tuple[str, Scheme]]:
    from csana.scoring.scheme import load_scheme

    (folder / "scheme.yaml").write_text(text, encoding="utf-8")
    return [("scheme.yaml", load_scheme(folder / "scheme.yaml"))]
