"""read_submission on filled templates and long tables: exact values, every problem located."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ingest_support import fill_cells
from openpyxl import Workbook, load_workbook

from stpi.errors import InputError, Problem
from stpi.ingest import Submission, read_submission
from stpi.tables import write_table

VALUE = "本年值(I)"
NOTE = "备注(K)"
# Values within every bound and within 50% of last year's (194.76, 1.49, 366.92 / none).
GOOD = {"I3": 200, "I4": 1.5, "I5": 400.25, "I6": 190, "I7": 1.6, "I8": 0}


def at(sub: Submission, row: int | None, field: str | None = None) -> list[Problem]:
    """The problems at one row (and column)."""
    return [p for p in sub.problems if p.row == row and (field is None or p.field == field)]


def test_round_trip(template: Path) -> None:
    fill_cells(template, {**GOOD, "J3": "统计年鉴2025", "K4": "口径调整"})
    sub = read_submission(template)
    assert sub.ok and sub.kind == "template", sub.problems
    assert sub.identity is not None and sub.identity.reporter_code == "sci" and sub.identity.year == 2024
    assert sub.identity.regions == (("longnan", "陇南市"), ("wudu", "武都区"))
    got = {(r.region, r.code): r.value for r in sub.rows}
    assert got == {
        ("longnan", "I01"): 200.0, ("longnan", "I03"): 1.5, ("longnan", "I08"): 400.25,
        ("wudu", "I01"): 190.0, ("wudu", "I03"): 1.6, ("wudu", "I08"): 0.0,
    }
    first = sub.rows[0]
    assert (first.year, first.sheet, first.row, first.source, first.text) == (2024, "填报", 3, "统计年鉴2025", "200")
    assert sub.rows[1].note == "口径调整"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0, 1e15), min_size=6, max_size=6),
    st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_round_trip_is_exact(template_bytes: bytes, values: list[float], as_text: list[bool]) -> None:
    """Any value a user can type (Excel keeps 15 significant digits) reads back bit for bit."""
    values = [float(f"{v:.15g}") for v in values]
    values[1] = float(f"{values[1] % 100:.15g}")  # I03 is bounded to 0..100
    values[4] = float(f"{values[4] % 100:.15g}")
    cells: dict[str, object] = {}
    for i, (value, text) in enumerate(zip(values, as_text)):
        cells[f"I{3 + i}"] = f"{value:,}" if text else value
        cells[f"K{3 + i}"] = "说明"  # big changes need a note
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.xlsx"
        path.write_bytes(template_bytes)
        sub = read_submission(fill_cells(path, cells))
    assert sub.ok, sub.problems
    assert [r.value for r in sub.rows] == values


def test_blank_values_are_missing(template: Path) -> None:
    fill_cells(template, {"I3": 200, "I4": "—", "K4": "暂无数据"})
    sub = read_submission(template)
    assert sub.ok
    assert [r.value for r in sub.rows] == [200.0] + [None] * 5


def test_percent_formatted_cell(template: Path) -> None:
    """Typing 1.5% into a General cell makes Excel store 0.015 formatted as 0.0%."""
    fill_cells(template, {"I4": 0.015, "I5": 0.5}, formats={"I4": "0.0%", "I5": "0.0%"})
    sub = read_submission(template)
    assert [r.value for r in sub.rows if r.code == "I03"][0] == 1.5
    assert [p.reason for p in at(sub, 5, VALUE)] and "百分比格式" in at(sub, 5, VALUE)[0].reason


def test_quoted_percent_format_does_not_scale(template: Path) -> None:
    fill_cells(template, {"I4": 1.5}, formats={"I4": '0.0"%"'})
    assert read_submission(template).rows[1].value == 1.5


def test_every_cell_problem_is_located(template: Path) -> None:
    fill_cells(template, {
        "I3": "=1+2",  # formula
        "I4": "约1.5",  # approximate
        "I5": "1.2万",  # multiplier
        "I6": -3,  # negative count
        "I7": 250,  # above the bound of 100
        "I8": 2e15,  # huge
        "K3": "=A1",  # formula in a note
    })
    sub = read_submission(template)
    assert not sub.rows or all(r.row not in range(3, 9) for r in sub.rows)
    expected = {
        (3, VALUE): "公式", (4, VALUE): "约数", (5, VALUE): "万/亿", (6, VALUE): "负数",
        (7, VALUE): "上限", (8, VALUE): "过大", (3, NOTE): "公式",
    }
    for (row, field), word in expected.items():
        found = at(sub, row, field)
        assert found and word in found[0].reason, (row, field, sub.problems)
        assert found[0].file.endswith("template.xlsx:填报")


def test_wrong_cell_types(template: Path) -> None:
    fill_cells(template, {"I3": True, "I4": dt.datetime(2024, 5, 1), "I5": "abc", "I6": "N/A"})
    sub = read_submission(template)
    reasons = {row: at(sub, row, VALUE)[0].reason for row in (3, 4, 5, 6)}
    assert "逻辑值" in reasons[3] and "日期" in reasons[4] and "不是数字" in reasons[5] and "不是数字" in reasons[6]


def test_change_needs_a_note(template: Path) -> None:
    fill_cells(template, {"I3": 400, "I4": 1.49, "I5": 1, "K5": "去年含一次性大额合同"})
    sub = read_submission(template)
    assert len(sub.problems) == 1
    problem = sub.problems[0]
    assert (problem.row, problem.field) == (3, NOTE) and "备注" in problem.reason
    # the caller's previous values and threshold take precedence over the template's
    sub = read_submission(template, previous={("longnan", "I01"): 390.0}, change_threshold=0.1)
    assert sub.ok
    sub = read_submission(template, change_threshold=2.0)
    assert sub.ok


def test_change_from_zero(template: Path) -> None:
    fill_cells(template, {"I6": 5})
    sub = read_submission(template, previous={("wudu", "I01"): 0.0})
    assert at(sub, 6, NOTE) and "∞" in at(sub, 6, NOTE)[0].reason


def test_known_codes_regions_and_rules(template: Path) -> None:
    fill_cells(template, {**GOOD, "I5": 500})
    sub = read_submission(template, known_codes={"I01", "I03"}, known_regions={"longnan"}, rules={"I08": (0, 450)})
    assert "未知指标代码" in at(sub, 5, "代码(B)")[0].reason
    assert "未知地区" in at(sub, 6, "地区(A)")[0].reason
    assert "上限" in at(sub, 5, "本年值(I)")[0].reason  # every problem of the row, not only the first
    sub = read_submission(template, rules={"I08": (0, 450)})
    assert "上限" in at(sub, 5, VALUE)[0].reason


def test_expected_reporter_and_year(template: Path) -> None:
    sub = read_submission(template, expect_reporter="edu", expect_year=2025)
    fields = {p.field for p in sub.problems}
    assert fields == {"reporter_code", "year"}
    assert all(p.file.endswith(":_meta") for p in sub.problems)
    with pytest.raises(InputError):
        sub.raise_for_problems()


def test_structure_problems(template: Path, tmp_path: Path) -> None:
    book = load_workbook(template)
    ws = book["填报"]
    ws.merge_cells("J4:K4")
    ws.append(["陇南市", "I01"])  # a duplicate of row 3
    ws.append(["兰州市", "I01"])  # a row that is not in the template
    ws.delete_rows(8)  # 武都区 I08 is gone
    book.save(template)
    sub = read_submission(template)
    assert "合并" in at(sub, 4, "J4:K4")[0].reason
    assert "重复" in at(sub, 8)[0].reason
    assert "不符" in at(sub, 9)[0].reason
    assert any("删除" in p.reason and p.value == "wudu I08" for p in sub.problems)


def test_changed_header(template: Path) -> None:
    fill_cells(template, {"I2": "数值", "I3": "=bad"})
    sub = read_submission(template)
    assert [(p.row, p.field, p.value) for p in sub.problems] == [(2, "I", "数值")]


@pytest.mark.parametrize("sheet", ["填报", "_meta"])
def test_renamed_or_deleted_sheets(template: Path, sheet: str) -> None:
    book = load_workbook(template)
    book[sheet].title = "Sheet1"
    book.save(template)
    sub = read_submission(template)
    assert len(sub.problems) == 1 and sheet in sub.problems[0].reason and not sub.rows
    book = load_workbook(template)
    del book["Sheet1"]
    book.save(template)
    assert any(sheet in p.reason for p in read_submission(template).problems)


def test_empty_data_sheet(template: Path) -> None:
    book = load_workbook(template)
    book["填报"].delete_rows(3, 10)
    book.save(template)
    reasons = [p.reason for p in read_submission(template).problems]
    assert any("没有数据行" in r for r in reasons) and sum("删除" in r for r in reasons) == 6


def test_tampered_meta(template: Path) -> None:
    book = load_workbook(template)
    book["_meta"]["B6"] = "2024年"
    book.save(template)
    sub = read_submission(template)
    assert sub.problems and sub.problems[0].file.endswith(":_meta") and not sub.rows


@pytest.mark.parametrize(
    ("content", "name", "word"),
    [
        (b"", "x.xlsx", "损坏"),
        (b"not a zip at all", "x.xlsx", "损坏"),
        (b"PK\x03\x04garbage", "x.xlsx", "损坏"),
        (b"\xd0\xcf\x11\xe0", "x.xls", ".xlsx"),
        (b"{}", "x.json", "不支持"),
    ],
)
def test_corrupt_or_unsupported_files(tmp_path: Path, content: bytes, name: str, word: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    sub = read_submission(path)
    assert len(sub.problems) == 1 and word in sub.problems[0].reason


def test_truncated_template(template: Path) -> None:
    data = template.read_bytes()
    template.write_bytes(data[: len(data) // 2])
    sub = read_submission(template)
    assert len(sub.problems) == 1 and not sub.rows


def test_missing_file(tmp_path: Path) -> None:
    sub = read_submission(tmp_path / "nope.csv")
    assert "不存在" in sub.problems[0].reason and sub.kind == "unknown"


def test_empty_workbook(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    sub = read_submission(path)
    assert sub.kind == "long" and len(sub.problems) == 1 and "为空" in sub.problems[0].reason
    assert sub.problems[0].file.endswith("empty.xlsx:Sheet")


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_long_csv(tmp_path: Path, encoding: str) -> None:
    text = "地区,年份,代码,数值,数据来源,备注\n陇南市,2024,I01,\"1,234.5\",年鉴,\n陇南市,2024年,I03,12.3%,,\n武都区,2024,I03,—,,暂缺\n"
    sub = read_submission(write_csv(tmp_path / "d.csv", text, encoding), units={"I03": "%"})
    assert sub.ok and sub.kind == "long", sub.problems
    assert [(r.region, r.year, r.code, r.value, r.sheet, r.row) for r in sub.rows] == [
        ("陇南市", 2024, "I01", 1234.5, None, 2),
        ("陇南市", 2024, "I03", 12.3, None, 3),
        ("武都区", 2024, "I03", None, None, 4),
    ]
    assert sub.rows[0].source == "年鉴" and sub.rows[2].note == "暂缺"


def test_long_csv_problems(tmp_path: Path) -> None:
    text = (
        "region,year,indicator,value\n"
        "陇南市,2024,I01,1\n陇南市,2024,I01,2\n陇南市,24,I01,3\n,2024,I02,x\n"
        "陇南市,2024,I05,-1\n陇南市,2024,I02,1e16\n陇南市,2024,I03,12%\n"
    )
    sub = read_submission(write_csv(tmp_path / "d.csv", text), units={"I05": "个"}, expect_year=2024)
    located = {(p.row, p.field) for p in sub.problems}
    assert located == {
        (3, "indicator"), (4, "year"), (5, "region"), (5, "value"), (6, "value"), (7, "value"), (8, "value"),
    }
    assert [r.row for r in sub.rows] == [2]


def test_long_csv_missing_columns_and_empty(tmp_path: Path) -> None:
    sub = read_submission(write_csv(tmp_path / "a.csv", "region,value\n陇南市,1\n"))
    assert {p.field for p in sub.problems} == {"year", "indicator"}
    sub = read_submission(write_csv(tmp_path / "b.csv", "region,year,indicator,value\n"))
    assert "没有数据行" in sub.problems[0].reason
    sub = read_submission(write_csv(tmp_path / "c.csv", ""))
    assert sub.problems and not sub.rows


def test_long_xlsx(tmp_path: Path) -> None:
    rows = [
        {"region": "陇南市", "year": 2024, "indicator": "I01", "value": 194.5, "note": "=x"},
        {"region": "陇南市", "year": 2024, "indicator": "I03", "value": "1,234.5"},
    ]
    path = tmp_path / "long.xlsx"
    write_table(rows, ["region", "year", "indicator", "value", "note"], path, fmt="xlsx", sheet="数据")
    sub = read_submission(path)
    assert sub.ok, sub.problems  # safe_cell kept "=x" as text, and it reads back as text
    assert [(r.value, r.sheet, r.row) for r in sub.rows] == [(194.5, "数据", 2), (1234.5, "数据", 3)]
    assert sub.rows[0].note == "=x"
    book = load_workbook(path)
    ws = book["数据"]
    ws["D2"] = "=1+1"
    ws["E3"] = "=A1"
    ws.merge_cells("A4:B4")
    ws["C4"], ws["D4"] = "I05", 1
    book.save(path)
    sub = read_submission(path)
    assert {(p.row, p.field) for p in sub.problems} >= {(2, "value(D)"), (3, "note(E)"), (4, "A4:B4")}
    assert all(p.file.endswith("long.xlsx:数据") for p in sub.problems)
