"""Exports neutralise formula starters — ASCII and full-width — in one place, and read back as written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stpi.tables import read_table, safe_cell, write_table

DANGEROUS = ["=1+1", "+SUM(A1)", "-A1", "@SUM(A1)", "\tx", "\rx", "\nx", "＝HYPERLINK(\"x\")", "＋1＋1", "－A1", "＠A1", " =x", "\u3000＝x"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_starters_are_guarded(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12.5", "+3", "I01", "陇南市", "", 12.5, None, "a=b"])
def test_plain_values_stay(value: object) -> None:
    assert safe_cell(value) == value


def test_csv_and_xlsx_exports_are_guarded_and_read_back(tmp_path: Path) -> None:
    rows = [{"note": t, "value": -1.5} for t in DANGEROUS]
    data = write_table(rows, ["note", "value"], tmp_path / "out.csv", fmt="csv").decode()
    assert "\n＝HYPERLINK" not in data and "'＝HYPERLINK" in data and ",-1.5" in data
    book = load_workbook(io.BytesIO(write_table(rows, ["note", "value"], None, fmt="xlsx")))
    cells = [c.value for c in book.active["A"][1:]]
    assert all(isinstance(c, str) and c.startswith("'") for c in cells)
    assert all(c.data_type != "f" for c in book.active["A"])
    (tmp_path / "plain.csv").write_text("note\n'＝x\n'=y\n", encoding="utf-8")
    assert [r["note"] for _, r in read_table(tmp_path / "plain.csv").rows] == ["＝x", "=y"]


def test_write_table_xlsx_prints_on_a4(tmp_path: Path) -> None:
    """A wide table turns landscape, one page wide, its header on every page, the key column frozen, pages numbered."""
    from openpyxl import load_workbook

    from stpi.tables import print_setup, write_table

    columns = [f"列{i}" for i in range(12)]
    path = tmp_path / "t.xlsx"
    write_table([{c: "很长的文字内容" * 2 for c in columns}], columns, path, fmt="xlsx", sheet="数据")
    ws = load_workbook(path)["数据"]
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0) and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "B2" and ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert ws.oddHeader.center.text == "数据"
    write_table([{"a": 1, "b": 2}], ["a", "b"], path, fmt="xlsx")
    narrow = load_workbook(path).active
    assert narrow.page_setup.orientation == "portrait" and not narrow.oddHeader.center.text  # no 'Sheet1' in the page header
    from openpyxl import Workbook

    ws = Workbook().active
    print_setup(ws, header_rows=3, key_columns=0, title="A&B", landscape=True)
    assert ws.print_title_rows == "$1:$3" and ws.freeze_panes == "A4" and ws.oddHeader.center.text == "A&&B" and ws.page_setup.orientation == "landscape"
