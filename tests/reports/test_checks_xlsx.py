"""The warnings workbook read back: one language per cell, set to print on A4."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from stpi.framework import embedded_framework
from stpi.i18n import get_lang, set_lang
from stpi.reports.checks import WARN_FIELDS, write_warnings


def _table() -> pd.DataFrame:
    row = dict(no=1, code="I01", name="万人专业技术人员数", unit="人", year=2024, value=1.0, milestone=2.0, target=3.0, status="limited", severity="red",
               years_off_track=2, gap=1.0, gap_points=0.5, effective_weight=0.03, lead_names="市人社局", responsible_names="市科技局")
    return pd.DataFrame([row, {**row, "no": 2, "code": "I02", "status": "moderate", "severity": "yellow"}], columns=WARN_FIELDS)


def test_warnings_cells_in_one_language_and_print_setup(tmp_path: Path) -> None:
    path = tmp_path / "预警.xlsx"
    write_warnings(_table(), embedded_framework(), 2024, str(path))
    book = load_workbook(path)
    ws = book.worksheets[0]
    assert [ws.cell(r, 10).value for r in (2, 3)] == ["红色", "黄色"] and [ws.cell(r, 9).value for r in (2, 3)] == ["进展有限", "进展一般"]
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1" and "&P" in sheet.oddFooter.center.text
    assert ws.page_setup.orientation == "landscape" and ws.freeze_panes == "C2"
    before = get_lang()
    set_lang("en")
    try:
        write_warnings(_table(), embedded_framework(), 2024, str(path))
    finally:
        set_lang(before)
    ws = load_workbook(path).worksheets[0]
    assert [ws.cell(r, 10).value for r in (2, 3)] == ["red", "yellow"] and ws.cell(2, 9).value == "limited"
