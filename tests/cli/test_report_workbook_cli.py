"""stpi report workbook on a real SQLite store: read the XLSX back and check it against the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import stpi.cli.report_workbook  # noqa: F401  (registers the command)
from stpi import service
from stpi.analysis.status import plan_status
from stpi.analysis.track import track
from stpi.cli import app
from stpi.engine import Aggregate, Recipe
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.readkit import read, plan_fw

runner = CliRunner()
INJECTION = "=cmd|' /C calc'!A0"


def _export(path: Path, *args: str) -> dict[str, list[tuple[Any, ...]]]:
    result = runner.invoke(app, ["report", "workbook", "--output", str(path), *args])
    assert result.exit_code == 0, (result.output, result.exception)
    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def _by_key(rows: list[tuple[Any, ...]], *cols: int) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {tuple(r[c] for c in cols): r for r in rows[2:]}


def _fill(store: Store) -> None:
    """2023 figures for the city (one with a formula-like source) and a peer; one figure left as draft."""
    plan = store.plan()
    city = [Entry("621200", i.code, "2023", (i.baseline or i.target) + (i.target - (i.baseline or i.target)) / 4, source=INJECTION if i.no == 1 else "统计年鉴") for i in plan.indicators]
    peer = [Entry("620500", i.code, "2023", i.target * 1.1) for i in plan.indicators]
    ob.write(store, city + peer, actor="admin")
    ob.transition(store, "approve", actor="admin")
    ob.write(store, [Entry("621200", "I01", "2024", 200.0)], actor="admin", status="draft")


def test_without_figures_the_plan_scenarios_are_shown(tmp_path: Path) -> None:
    sheets = _export(tmp_path / "wb.xlsx")
    status = plan_status(*plan_fw(None), missing="reweight")
    results = _by_key(sheets["结果"], 1, 2)
    assert "情景" in sheets["结果"][0][0] and "示意参数" in sheets["结果"][0][0]
    assert results[(2022, "INDEX")][5] == pytest.approx(status.index_baseline)
    assert results[(2026, "INDEX")][5] == pytest.approx(status.index_target)
    assert results[(2026, "INDEX")][6] is None
    assert len(sheets["数据"]) == 2 and "暂无" in sheets["数据"][0][0]
    assert sheets["考核"][2][0].startswith("年度考核结果:待考核规则配置后生成")
    assert len(sheets["实施方案"]) - 2 == 32 and sheets["实施方案"][2][8] == "市人社局"


def test_figures_results_and_progress_match_the_engine(tmp_path: Path, store: Store) -> None:
    _fill(store)
    sheets = _export(tmp_path / "wb.xlsx")
    data = sheets["数据"]
    assert len(data) - 2 == 64  # the draft is not approved, so not shown
    first = _by_key(data, 0, 2)[("陇南市", "I01")]
    assert first[7] == "'" + INJECTION and first[9].startswith("已通过") and first[13] == "admin"
    results, _ = service.compute_store(read(None), Recipe(aggregate=Aggregate(missing="reweight")))
    expected = pd.concat([r.long() for r in results])
    got = _by_key(sheets["结果"], 0, 1, 2)
    assert len(got) == len(expected)
    for r in expected.itertuples():
        row = got[(r.region, r.year, r.code)]
        assert row[5] == pytest.approx(r.value) and row[6] == int(r.rank)
    assert got[("陇南市", 2023, "INDEX")][6] == 2  # the peer is at 110% of every target
    plan, fw = plan_fw(None)
    progress = track(plan, fw, read(None).figures())
    rows = _by_key(sheets["目标与进度"], 0, 1)
    for r in progress.itertuples():
        row = rows[(r.year, r.code)]
        assert (row[8] is None and pd.isna(r.ratio)) or row[8] == pytest.approx(r.ratio * 100)
    assert rows[(2023, "I01")][9].startswith("按进度推进") and rows[(2023, "I01")][11] == "市人社局"


def test_history_and_year(tmp_path: Path, store: Store) -> None:
    _fill(store)
    ob.write(store, [Entry("621200", "I02", "2023", 50.0, source="修订")], actor="admin")
    ob.transition(store, "approve", actor="admin", codes=["I02"])
    current = _by_key(_export(tmp_path / "a.xlsx")["数据"], 0, 2, 10)
    assert ("陇南市", "I02", 1) not in current and current[("陇南市", "I02", 2)][5] == 50.0
    history = _export(tmp_path / "b.xlsx", "--history")["数据"]
    old = _by_key(history, 0, 2, 10)[("陇南市", "I02", 1)]
    assert old[11].startswith("否") and len(history) - 2 == 65
    only = _export(tmp_path / "c.xlsx", "--year", "2022")
    assert {r[1] for r in only["结果"][2:]} == set() and {r[0] for r in only["目标与进度"][2:]} == {2022}


def test_demo_label_and_bad_output(tmp_path: Path) -> None:
    sheets = _export(tmp_path / "demo.xlsx", "--demo")
    assert all("演示数据" in rows[0][0] for rows in sheets.values())
    bad = runner.invoke(app, ["report", "workbook", "--output", str(tmp_path / "wb.csv")])
    assert bad.exit_code == 2 and not (tmp_path / "wb.csv").exists()


def test_assessment_sheet_matches_the_assessment_report(store: Store, tmp_path: Path) -> None:
    import json as _json

    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from stpi.cli import app
    from stpi.store import Entry
    from stpi.store import observations as _ob

    plan = store.plan()
    _ob.write(store, [Entry("621200", i.code, "2023", i.target) for i in plan.indicators], actor="admin")
    _ob.transition(store, "approve", actor="admin")
    runner = CliRunner()
    assert runner.invoke(app, ["report", "workbook", "--output", str(tmp_path / "w.xlsx")]).exit_code == 0
    report = _json.loads(runner.invoke(app, ["report", "assessment", "--year", "2023", "--json"]).stdout)
    book = load_workbook(tmp_path / "w.xlsx", read_only=True)
    rows = list(book["考核"].iter_rows(min_row=3, values_only=True))
    book.close()
    totals = {r[2]: r[10] for r in rows}
    expected = {d["name"]: d["total"] for d in report["summary"]}
    assert totals == pytest.approx(expected) and len(rows) == len(expected) > 0
    assert all("示意规则" in r[-1] for r in rows)
