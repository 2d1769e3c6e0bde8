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
