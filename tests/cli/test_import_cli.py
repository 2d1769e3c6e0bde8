"""Templates and imports end to end: template → filled by a user → import → store."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from stpi.cli import app
from stpi.store import Store
from stpi.store import observations as ob
from tests.cli.clitools import run_main as fails

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
runner = CliRunner()


def ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return ANSI.sub("", result.stdout)


def fill(path: Path, out: Path, values: dict[str, object], notes: dict[str, str] | None = None) -> Path:
    """Type values into the 本年值 column as a user would (by indicator code)."""
    book = load_workbook(path)
    ws = book["填报"]
    header = [c.value for c in ws[2]]
    code_col, value_col, note_col = header.index("代码"), header.index("本年值"), header.index("备注")
    for row in ws.iter_rows(min_row=3):
        code = row[code_col].value
        if code in values:
            row[value_col].value = values[code]
            row[note_col].value = (notes or {}).get(str(code))
    book.save(out)
    return out


def test_department_template_lists_its_indicators_and_raw_statistics(tmp_path: Path) -> None:
    out = ok("template", "--year", "2023", "--department", "hrss", "-o", str(tmp_path / "t.xlsx"))
    assert "市人社局" in out
    ws = load_workbook(tmp_path / "t.xlsx")["填报"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    codes = [r[1] for r in rows]
    assert codes[:7] == ["I01", "I03", "I07", "I10", "I11", "I16", "I17"]  # lead first (I03 is co-led), then responsible
    names = {r[1]: r[2] for r in rows}
    assert names["I01-1"] == "专业技术人员数" and names["I01-2"] == "年末常住人口"  # raw statistics by a short code and their Chinese name
    assert not any("_" in str(c) for c in codes)
    i01 = rows[0]
    assert i01[0] == "陇南市" and i01[4] == "牵头" and i01[6] == 194.76 and i01[7] == 197.02  # last year = 2022 baseline


def test_county_template(tmp_path: Path) -> None:
    ok("template", "--year", "2024", "--county", "武都区", "-o", str(tmp_path / "wd.xlsx"))
    ws = load_workbook(tmp_path / "wd.xlsx")["填报"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert {r[0] for r in rows} == {"武都区"} and sum(1 for r in rows if re.fullmatch(r"I\d\d", str(r[1]))) == 32


def test_template_needs_department_or_county(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = fails(monkeypatch, capsys, "template", "--year", "2023", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "--department" in out and not (tmp_path / "x.xlsx").exists()


def test_bad_template_changes_nothing_then_fixed_imports(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ok("template", "--year", "2023", "--department", "hrss", "-o", str(tmp_path / "t.xlsx"))
    bad = fill(tmp_path / "t.xlsx", tmp_path / "bad.xlsx", {"I01": "约200", "I07": 52.0, "I03": -1.0, "I10": 3.9})
    code, out = fails(monkeypatch, capsys, "import", str(bad))
    assert code == 2
    assert "bad.xlsx:填报" in out and "约" in out  # located: file, sheet, row, column and reason
    assert ob.observations(store) == [] and ob.uploads(store) == []
    good = fill(tmp_path / "t.xlsx", tmp_path / "good.xlsx", {"I01": "196.5", "I07": 52.0, "I03": "1.55%", "I10": 3.9})
    assert "已导入 4 条数据" in ok("import", str(good))
    got = {o.code: (o.value, o.status) for o in ob.observations(store)}
    assert got == {"I01": (196.5, "submitted"), "I07": (52.0, "submitted"), "I03": (1.55, "submitted"), "I10": (3.9, "submitted")}
    (upload,) = ob.uploads(store)
    assert upload.filename == "good.xlsx" and upload.rows == 4
    assert "0 条数据" in ok("import", str(good))  # the same file again changes nothing


def test_department_may_not_import_others_indicators(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    ok("user", "add", "hr", "--role", "department", "--department", "hrss", "--password", "secret-123")
    (tmp_path / "d.csv").write_text("region,year,indicator,value\n陇南市,2023,I12,0.4\n陇南市,2023,I01,196\n", encoding="utf-8")
    code, out = fails(monkeypatch, capsys, "import", str(tmp_path / "d.csv"), "--user", "hr")
    assert code == 1 and "I12" in out
    assert ob.observations(store) == []
    (tmp_path / "mine.csv").write_text("region,year,indicator,value\n陇南市,2023,I01,196\n", encoding="utf-8")
    ok("import", str(tmp_path / "mine.csv"), "--user", "hr")
    assert [o.created_by for o in ob.observations(store)] == ["hr"]


def test_long_csv_with_every_problem_listed(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    text = "region,year,indicator,value\n陇南市,2023,I01,196\n陇南市,20x3,I02,1\n火星市,2023,I03,1\n陇南市,2023,I99,1\n陇南市,2023,I01,197\n陇南市,2023,I04,abc\n"
    (tmp_path / "d.csv").write_text(text, encoding="utf-8")
    code, out = fails(monkeypatch, capsys, "import", str(tmp_path / "d.csv"))
    assert code == 2
    for row, word in ((3, "year"), (4, "火星市"), (5, "I99"), (6, "重复"), (7, "abc")):
        assert re.search(rf"d\.csv:{row}:", out), row
        assert word in out
    assert ob.observations(store) == []


def test_locked_year_needs_a_revision_with_reason(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.csv").write_text("region,year,indicator,value\n陇南市,2023,I01,196\n", encoding="utf-8")
    ok("import", str(tmp_path / "a.csv"))
    ok("approve", "--year", "2023")
    ok("lock", "--year", "2023")
    (tmp_path / "b.csv").write_text("region,year,indicator,value,note\n陇南市,2023,I01,197,统计局年报修订\n", encoding="utf-8")
    code, out = fails(monkeypatch, capsys, "import", str(tmp_path / "b.csv"))
    assert code == 2 and "锁定" in out
    ok("import", str(tmp_path / "b.csv"), "--revise", "--reason", "统计局年报修订")
    history = ob.observations(store, code="I01", history=True)
    assert [(o.value, o.status, o.evaluated) for o in history] == [(196.0, "locked", True), (197.0, "submitted", False)]


def test_formula_like_text_is_stored_as_text(store: Store, tmp_path: Path) -> None:
    evil = "=cmd|' /C calc'!A0"
    (tmp_path / "e.csv").write_text(f'region,year,indicator,value,source,note\n陇南市,2023,I01,196,"{evil}","+SUM(A1:A2)"\n陇南市,2023,rd_personnel,900,@x,\n', encoding="utf-8")
    ok("import", str(tmp_path / "e.csv"))
    got = {o.code: (o.source, o.note) for o in ob.observations(store)}
    assert got["I01"] == (evil, "+SUM(A1:A2)") and got["rd_personnel"] == ("@x", "")
    out = ok("values")
    assert "原始数据" in out and "指标" in out and "陇南市" in out
    from stpi.tables import safe_cell

    assert safe_cell(evil) == "'" + evil and safe_cell("@x") == "'@x" and safe_cell("-5") == "-5"


def test_template_states_formulas_in_words() -> None:
    from stpi.framework.embedded import embedded_variables
    from stpi.submissions import readable_formula

    variables, formulas = embedded_variables()
    assert readable_formula(formulas["I10"], variables) == "R&D人员(人) ÷ 年末常住人口(万人)"
    assert readable_formula(formulas["I12"], variables) == "R&D经费内部支出(万元) ÷ (地区生产总值(亿元) × 10000) × 100"
