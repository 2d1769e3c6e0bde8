"""The store's commands: db, submit/approve/return/lock, audit, values, user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from stpi.cli import app
from stpi.store import Entry, Store
from stpi.store.db import head_revision
from stpi.store import observations as ob
from tests.cli.clitools import plain, run_main

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
runner = CliRunner()


def run(*args: str, ok: bool = True) -> Result:
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.output, result.exception)
    return result


def test_db_upgrade_and_info(tmp_path: Path) -> None:
    out = plain(run("db", "upgrade").stdout)
    assert head_revision() in out and (tmp_path / "home" / "stpi.db").exists()
    info = plain(run("db", "info").stdout)
    assert "24" in info and "2022" in info


def test_database_option_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.db"
    run("db", "upgrade", "--database", f"sqlite:///{other}")
    assert other.exists()
    third = tmp_path / "third.db"
    monkeypatch.setenv("STPI_DATABASE_URL", f"sqlite:///{third}")
    run("status", "--json")
    assert third.exists()


def test_workflow_from_the_command_line(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ob.write(store, [Entry("621200", "I01", "2023", 200.0), Entry("621200", "I02", "2023", 40.0)], actor="admin")
    code, out = run_main(monkeypatch, capsys, "return", "--year", "2023", "--code", "I02")
    assert code == 2 and "--comment" in out
    assert "退回:1 条数据" in plain(run("return", "--year", "2023", "--code", "I02", "--comment", "口径不对").stdout)
    assert "审核通过:1 条数据" in plain(run("approve", "--year", "2023").stdout)
    code, out = run_main(monkeypatch, capsys, "lock", "--year", "2023")
    assert code == 1 and "returned" in out
    assert "报送:1 条数据" in plain(run("submit", "--year", "2023", "--region", "陇南市").stdout)
    run("approve", "--year", "2023")
    assert "2023年评价已锁定:2 条数据" in plain(run("lock", "--year", "2023").stdout)
    values = plain(run("values", "--year", "2023").stdout)
    assert "已锁定" in values and "I01" in values and "200.0000" in values
    audit = plain(run("audit", "--action", "return").stdout)
    assert "口径不对" in audit and "621200/I02/2023" in audit


def test_only_the_admin_approves(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run("user", "add", "hr", "--role", "department", "--department", "市人社局", "--password", "secret-123")
    ob.write(store, [Entry("621200", "I01", "2023", 200.0)], actor="hr")
    code, out = run_main(monkeypatch, capsys, "approve", "--year", "2023", "--user", "hr")
    assert code == 1 and "管理员" in out
    monkeypatch.setenv("STPI_USER", "hr")
    code, out = run_main(monkeypatch, capsys, "lock", "--year", "2023")
    assert code == 1 and "管理员" in out
    assert [o.status for o in ob.observations(store)] == ["submitted"]


def test_user_add_list_disable(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run("user", "add", "wd", "--role", "county", "--region", "武都区", "--name", "武都区科技局", "--password", "secret-123")
    listing = plain(run("user", "list").stdout)
    assert "wd" in listing and "621202" in listing and "武都区科技局" in listing
    from stpi.store.accounts import verify_password

    assert verify_password(store, "wd", "secret-123") and not verify_password(store, "wd", "wrong-pass")
    run("user", "disable", "wd")
    assert not verify_password(store, "wd", "secret-123")
    code, out = run_main(monkeypatch, capsys, "user", "add", "x", "--role", "boss", "--password", "secret-123")
    assert code == 2 and "role" in out
    code, out = run_main(monkeypatch, capsys, "user", "add", "wd", "--role", "viewer", "--password", "secret-123")
    assert code == 1 and "已存在" in out


def test_backup_and_restore(store: Store, tmp_path: Path) -> None:
    ob.write(store, [Entry("621200", "I01", "2023", 200.0)], actor="admin")
    assert "已备份" in plain(run("db", "backup", str(tmp_path / "b.zip")).stdout)
    ob.write(store, [Entry("621200", "I01", "2023", 300.0)], actor="admin")
    assert "恢复(" in plain(run("db", "restore", str(tmp_path / "b.zip"), "--yes").stdout)
    assert [o.value for o in ob.observations(store)] == [200.0]
    ob.write(store, [Entry("621200", "I01", "2023", 400.0)], actor="admin")
    declined = runner.invoke(app, ["db", "restore", str(tmp_path / "b.zip")], input="n\n")
    assert declined.exit_code == 1 and [o.value for o in ob.observations(store)] == [400.0]


def test_compute_from_the_store_with_derived_indicators(store: Store, tmp_path: Path) -> None:
    plan = store.plan()
    entries = [Entry("621200", i.code, "2023", i.target) for i in plan.indicators if i.code not in ("I10", "I12")]
    entries += [
        Entry("621200", "rd_personnel", "2023", 4.54 * 240),  # I10 = R&D personnel / population (万人) = 4.54
        Entry("621200", "resident_population", "2023", 240.0),
        Entry("621200", "rd_expenditure", "2023", 0.65 * 600 * 100),  # I12 = 0.65 %: 万元 / (亿元 × 10000) × 100
        Entry("621200", "gdp", "2023", 600.0),
    ]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin", year=2023)
    result = run("compute", "--output", str(tmp_path / "out.csv"))
    assert "2 个指标值由原始变量按公式计算:I10, I12" in plain(result.stderr)
    import pandas as pd

    out = pd.read_csv(tmp_path / "out.csv")
    root = out[(out["code"] == "INDEX") & (out["region"] == "陇南市")]
    assert root["value"].iloc[0] == pytest.approx(43.26, abs=1e-9)  # every target met, two of them derived
    assert '"store": "stpi"' in (tmp_path / "out.recipe.json").read_text(encoding="utf-8")


def test_compute_from_an_empty_store_says_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_main(monkeypatch, capsys, "compute")
    assert code == 1 and "还没有审核通过的数据" in out


def test_progress_notes_and_published_results(store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    run("progress", "add", "--department", "市科技局", "--code", "12", "--period", "2024Q2", "--text", "落实研发费用加计扣除政策宣讲 6 场", "--date", "2024-06-30", "--by", "成果科")
    listing = plain(run("progress", "list", "--department", "sci").stdout)
    assert "加计扣除" in listing and "I12" in listing and "2024Q2" in listing
    from stpi.store import notes

    assert [n.code for n in notes.progress_notes(store, code="I12")] == ["I12"]
    code, out = run_main(monkeypatch, capsys, "progress", "add", "--department", "火星局", "--code", "I12", "--period", "2024", "--text", "x")
    assert code == 1 and "火星局" in out
    run("published", "add", "--region", "嘉峪关市", "--year", "2022", "--index", "65.61", "--source", "省科技厅公布(2023)", "--note", "较上年提高 13.13")
    run("published", "add", "--region", "嘉峪关市", "--year", "2022", "--index", "65.61", "--rank", "2", "--source", "省科技厅公布(2023)")
    assert [(r.region, r.index_value, r.rank) for r in notes.published_results(store)] == [("620200", 65.61, 2)]
    assert "嘉峪关市" in plain(run("published", "list").stdout)
    code, out = run_main(monkeypatch, capsys, "published", "add", "--region", "嘉峪关市", "--year", "2022", "--source", " ")
    assert code == 2 and "出处" in out
    assert len(store.audit(entity="published_result")) == 2


def test_each_year_is_computed_under_the_framework_valid_in_it(store: Store, tmp_path: Path) -> None:
    plan = store.plan()
    entries = [Entry("621200", i.code, str(y), i.target) for y in (2023, 2024) for i in plan.indicators]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")
    from stpi.framework.io import export_framework, framework_rows
    from stpi.tables import write_table

    rows = framework_rows(store.framework())
    for r in rows:  # official standards twice as high from 2024 on: every score halves
        if r["standard"] != "":
            r["standard"] = float(r["standard"]) * 2
    write_table(rows, list(rows[0]), tmp_path / "official.csv", fmt="csv")
    run("framework", "import", str(tmp_path / "official.csv"), "--source", "省厅 2024", "--valid-from", "2024")
    run("compute", "-o", str(tmp_path / "out.csv"))
    import pandas as pd

    out = pd.read_csv(tmp_path / "out.csv")
    root = out[out["code"] == "INDEX"].set_index("year")["value"]
    assert root[2023] == pytest.approx(43.26) and root[2024] == pytest.approx(43.26 / 2)
    # a past year recomputed under another version
    export_framework(store.framework(2024), "yaml", tmp_path / "v2024.yaml")
    run("compute", "-f", str(tmp_path / "v2024.yaml"), "-o", str(tmp_path / "again.csv"))
    again = pd.read_csv(tmp_path / "again.csv")
    assert again[again["code"] == "INDEX"].set_index("year")["value"][2023] == pytest.approx(43.26 / 2)
