"""stpi report warnings and stpi report counties on a real SQLite store; files read back."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import stpi.cli.report_checks  # noqa: F401  (registers the commands)
from stpi import service
from stpi.analysis.counties import county_index
from stpi.analysis.track import track
from stpi.analysis.warnings import early_warnings
from stpi.cli import app
from stpi.reports.checks import Sheet, write_xlsx
from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.readkit import read, plan_fw

runner = CliRunner()
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
COUNTIES = {"621202": "武都区", "621221": "成县", "621222": "文县"}


def out(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.output, result.exception)
    return ANSI.sub("", result.stdout)


def fill_city(store: Store) -> None:
    """2023 on the milestone path except I01 (flat: limited), I02 (moderate), I03 (below baseline)."""
    off = {"I01": 194.76, "I02": 42.1, "I03": 1.40}
    entries = [Entry("621200", i.code, "2023", off.get(i.code, i.target if i.baseline is None else i.baseline + (i.target - i.baseline) * 0.25)) for i in store.plan().indicators]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")


def test_warnings_before_any_progress_year() -> None:
    text = out("report", "warnings")
    assert "只有基期数据" in text and "示意参数" in text


def test_warnings_json_console_and_files(store: Store, tmp_path: Path) -> None:
    fill_city(store)
    payload = json.loads(out("report", "warnings", "--json"))
    assert payload["year"] == 2023 and payload["illustrative_parameters"] is True
    rows = {r["code"]: r for r in payload["rows"]}
    assert [r["code"] for r in payload["rows"]] == ["I03", "I01", "I02"]
    assert rows["I01"]["gap"] == pytest.approx(0.565) and rows["I01"]["gap_points"] == pytest.approx(100 * 0.565 * 0.4326 / 197.02 / 45)
    assert rows["I01"]["lead_names"] == "市人社局" and rows["I02"]["severity"] == "yellow"
    text = out("report", "warnings")
    assert "预警 3 项:红色 2 项,黄色 1 项" in text and "倒退" in text and "市人社局" in text and "示意参数" in text
    assert "没有需要预警的指标" in out("report", "warnings", "--years", "2")

    xlsx = tmp_path / "预警.xlsx"
    out("report", "warnings", "--output", str(xlsx))
    plan, fw = plan_fw(None)
    engine = early_warnings(track(plan, fw, read(None).figures()), plan, fw).set_index("code")
    book = load_workbook(xlsx, read_only=False)
    try:
        ws = book.worksheets[0]
        assert ws.freeze_panes == "C2" and ws.column_dimensions["C"].width > 20
        header = [c.value for c in ws[1]]
        assert "示意参数" in header[12] and header[1] == "代码 Code"
        body = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        assert [r[1] for r in body] == ["I03", "I01", "I02"]
        for r in body:
            assert r[11] == pytest.approx(engine.loc[r[1], "gap"]) and r[12] == pytest.approx(engine.loc[r[1], "gap_points"])
        assert body[1][14] == "市人社局" and body[1][9] == "红色"
        assert ws["A2"].fill.start_color.rgb.endswith("FFC7CE") and ws["A4"].fill.start_color.rgb.endswith("FFEB9C")
        assert "示意参数" in book["说明 Notes"]["A2"].value
    finally:
        book.close()

    csv_path = tmp_path / "预警.csv"
    out("report", "warnings", "--output", str(csv_path), "--year", "2023")
    with csv_path.open(encoding="utf-8") as f:
        lines = list(csv.DictReader(f))
    assert [r["代码 Code"] for r in lines] == ["I03", "I01", "I02"]
    assert float(lines[1]["与里程碑差距(指标单位) Gap (unit)"]) == pytest.approx(0.565)
    out("report", "warnings", "--output", str(tmp_path / "x.docx"), code=2)


def test_xlsx_is_formula_safe(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    write_xlsx([Sheet("s", ["a", "b"], [["=HYPERLINK(\"x\")", -1.5]], ["red"])], ["note"], str(path))
    book = load_workbook(path, read_only=True)
    try:
        row = next(book["s"].iter_rows(min_row=2, values_only=True))
        assert row == ("'=HYPERLINK(\"x\")", -1.5)
    finally:
        book.close()


def fill_counties(store: Store) -> None:
    """武都区 at the targets, 成县 at the baselines, 文县 at half the targets; sums: one off, one right."""
    entries = []
    for i in store.plan().indicators:
        entries.append(Entry("621202", i.code, "2023", i.target))
        if i.baseline is not None:
            entries.append(Entry("621221", i.code, "2023", i.baseline))
        entries.append(Entry("621222", i.code, "2023", i.target / 2))
    raw = {"resident_population": (240.0, [100.0, 80.0, 60.0]), "rd_personnel": (1000.0, [500.0, 400.0, 50.0])}
    for code, (city, parts) in raw.items():
        entries.append(Entry("621200", code, "2023", city))
        entries += [Entry(region, code, "2023", v) for region, v in zip(COUNTIES, parts)]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")


def test_counties_json_console_and_workbook(store: Store, tmp_path: Path) -> None:
    fill_counties(store)
    payload = json.loads(out("report", "counties", "--json"))
    assert len(payload["counties"]) == 9 and payload["tolerance"] == 0.005
    idx = {r["region"]: r for r in payload["index"]}
    assert [r["region"] for r in payload["index"]] == ["武都区", "成县", "文县"]
    assert idx["武都区"]["index"] == pytest.approx(43.26) and idx["文县"]["index"] == pytest.approx(21.63)
    assert [r["rank"] for r in payload["index"]] == [1, 2, 3]
    i13 = [r for r in payload["targets"] if r["region"] == "成县" and r["code"] == "I13"][0]
    assert i13["target"] == 1.1 and i13["value"] == 0.74 and i13["met"] is False
    sums = {r["variable"]: r for r in payload["sums"]}
    assert sums["rd_personnel"]["status"] == "mismatch" and sums["rd_personnel"]["difference"] == -50.0
    assert sums["resident_population"]["status"] == "ok"
    assert "宕昌县" in sums["rd_personnel"]["counties_missing"]
    text = out("report", "counties")
    assert "示意参数" in text and "43.26" in text and "1 项不一致" in text and "1 项一致" in text and "I13" in text

    xlsx = tmp_path / "县区.xlsx"
    out("report", "counties", "--year", "2023", "--output", str(xlsx))
    figures = read(None).figures()
    engine = county_index(plan_fw(None)[1], figures, list(COUNTIES.values())).set_index("region")
    book = load_workbook(xlsx)
    try:
        assert book.sheetnames == ["县区指数 Index", "县区目标 Targets", "县区合计核对 Sums", "说明 Notes"]
        ws = book["县区指数 Index"]
        assert ws.freeze_panes == "C2" and "示意参数" in ws["C1"].value
        for r in ws.iter_rows(min_row=2, values_only=True):
            assert r[2] == pytest.approx(engine.loc[r[0], "index"]) and r[3] == engine.loc[r[0], "rank"]
        sums_ws = book["县区合计核对 Sums"]
        first = [c.value for c in sums_ws[2]]
        assert first[2] == "rd_personnel" and first[6] == 1000.0 and first[7] == 950.0 and first[12] == "不一致 mismatch"
        assert sums_ws["A2"].fill.start_color.rgb.endswith("FFC7CE") and sums_ws["A3"].fill.fill_type is None
        assert book["县区目标 Targets"].max_row == 1 + 9 * 32
    finally:
        book.close()
    assert "2 项一致,0 项不一致" in out("report", "counties", "--tolerance", "0.1")  # 50 of 1000 short: within 10%
    out("report", "counties", "--output", str(tmp_path / "x.csv"), code=2)
