"""The written template: layout, protection, validation, identity, print setup."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stpi.ingest import TemplateRow, TemplateSpec, write_template
from stpi.ingest.layout import COLUMNS, FORMAT, TEMPLATE_VERSION

from ingest_support import make_spec

DATA_ROWS = range(3, 9)


def test_sheets_and_identity(template: Path) -> None:
    book = load_workbook(template)
    assert book.sheetnames == ["填报", "说明", "_meta"]
    assert book["_meta"].sheet_state == "hidden"
    assert book["填报"].sheet_state == "visible"
    assert book.security is not None and book.security.lockStructure
    meta = book["_meta"]
    keys = {meta.cell(i, 1).value: meta.cell(i, 2).value for i in range(1, 8)}
    assert keys["format"] == FORMAT and keys["version"] == TEMPLATE_VERSION
    assert keys["reporter_code"] == "sci" and keys["year"] == 2024 and keys["change_threshold"] == 0.5
    rows = list(meta.iter_rows(min_row=2, min_col=4, max_col=10, values_only=True))
    assert [r[:3] for r in rows] == [
        ("longnan", "陇南市", "I01"), ("longnan", "陇南市", "I03"), ("longnan", "陇南市", "I08"),
        ("wudu", "武都区", "I01"), ("wudu", "武都区", "I03"), ("wudu", "武都区", "I08"),
    ]
    # counts get 0 as floor, explicit bounds are kept, last year's value is per region
    assert rows[0][4:] == (0, None, 194.76)
    assert rows[1][4:] == (0, 100, 1.49)
    assert rows[2][4:] == (None, None, 366.92)
    assert rows[5][4:] == (None, None, None)


def test_data_sheet_layout(template: Path) -> None:
    ws = load_workbook(template)["填报"]
    assert [c.value for c in ws[2]] == [h for _, h in COLUMNS]
    assert "市科技局" in ws["A1"].value and "2024" in ws["A1"].value
    assert ws.freeze_panes == "D3"
    assert [ws.cell(r, 1).value for r in DATA_ROWS] == ["陇南市"] * 3 + ["武都区"] * 3
    assert [ws.cell(r, 2).value for r in DATA_ROWS] == ["I01", "I03", "I08"] * 2
    assert ws["E3"].value == "牵头" and ws["D4"].value == "%"
    # last year and target per region: a mapping leaves other regions empty
    assert (ws["G5"].value, ws["H5"].value) == (366.92, 605.08)
    assert (ws["G8"].value, ws["H8"].value) == (None, 100.0)
    assert all(ws.cell(r, 9).value is None for r in DATA_ROWS)
    for key, width in (("C", 25), ("F", 25), ("I", 10)):
        assert ws.column_dimensions[key].width >= width
    assert "宋体" == ws["C3"].font.name
    # rows are tall enough for their wrapped text: the long name of I03 takes two lines
    one_line = ws.row_dimensions[5].height
    assert one_line >= 15 and ws.row_dimensions[4].height >= 2 * one_line - 3


def test_protection_and_input_cells(template: Path) -> None:
    ws = load_workbook(template)["填报"]
    assert ws.protection.sheet and not ws.protection.password
    for r in DATA_ROWS:
        for letter in "IJK":
            cell = ws[f"{letter}{r}"]
            assert cell.protection.locked is False
            assert cell.fill.fgColor.rgb.endswith("FFF2CC")
        for letter in "ABCDEFGH":
            assert ws[f"{letter}{r}"].protection.locked is True


def test_value_validation(template: Path) -> None:
    ws = load_workbook(template)["填报"]
    validations = ws.data_validations.dataValidation
    covered: dict[str, tuple[str | None, str | None]] = {}
    for dv in validations:
        assert dv.type == "decimal" and dv.operator == "between"
        assert dv.showErrorMessage and dv.allow_blank and dv.errorStyle == "stop"
        assert "数字" in dv.error and len(dv.error) <= 255 and len(dv.prompt) <= 255
        for rng in dv.sqref.ranges:
            for row, _ in rng.cells:
                covered[f"I{row}"] = (dv.formula1, dv.formula2)
    assert set(covered) == {f"I{r}" for r in DATA_ROWS}
    assert covered["I3"] == ("0", "1000000000000000")  # count: not negative
    assert covered["I4"] == ("0", "100")  # explicit bounds
    assert covered["I5"] == ("-1000000000000000", "1000000000000000")


def test_help_sheet(template: Path) -> None:
    ws = load_workbook(template)["说明"]
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    for needle in ("黄色", "12.3", "0.123", "备注", "50%", "重命名", "万元", "公式", "留空"):
        assert needle in text, needle
    assert ws.protection.sheet


def test_threshold_is_shown(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(make_spec(change_threshold=0.3), path)
    text = "\n".join(str(c.value) for row in load_workbook(path)["说明"].iter_rows() for c in row if c.value)
    assert "30%" in text


def test_print_setup(template: Path) -> None:
    ws = load_workbook(template)["填报"]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$2"


def test_formula_like_text_is_neutralised(tmp_path: Path, spec: TemplateSpec) -> None:
    evil = TemplateRow("X1", '=HYPERLINK("http://x","y")', "个", "@SUM(A1)", role="-1+2")
    path = tmp_path / "t.xlsx"
    write_template(replace(spec, rows=(evil,), title="=cmd|' /C calc'!A0"), path)
    book = load_workbook(path)
    ws = book["填报"]
    cells = [ws["A1"], ws["C3"], ws["F3"], ws["E3"]]
    assert all(c.data_type == "s" and c.value.startswith("'") for c in cells)
    assert not any(c.data_type == "f" for sheet in book for row in sheet.iter_rows() for c in row)


def test_county_template(tmp_path: Path) -> None:
    path = tmp_path / "county.xlsx"
    spec = make_spec(reporter="武都区科技局", reporter_code="wudu", reporter_kind="county", regions=(("wudu", "武都区"),))
    write_template(spec, path)
    ws = load_workbook(path)["填报"]
    assert [ws.cell(r, 1).value for r in range(3, 6)] == ["武都区"] * 3
    assert ws.cell(6, 1).value is None


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"regions": ()}, "no regions"),
        ({"rows": ()}, "no rows"),
        ({"regions": (("a", "甲"), ("a", "乙"))}, "region"),
        ({"regions": (("a", "甲"), ("b", "甲"))}, "region names"),
        ({"rows": (TemplateRow("X", "x", "个"), TemplateRow("X", "y", "个"))}, "code"),
        ({"rows": (TemplateRow("X", "x", "个", lower=5, upper=1),)}, "lower bound"),
    ],
)
def test_inconsistent_spec_is_refused(tmp_path: Path, changes: dict[str, object], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        write_template(make_spec(**changes), tmp_path / "t.xlsx")
    assert not (tmp_path / "t.xlsx").exists()


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_renders_to_pdf(template: Path, tmp_path: Path) -> None:
    assert SOFFICE is not None
    out = tmp_path / "pdf"
    subprocess.run(
        [SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(out), str(template)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = out / "template.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
