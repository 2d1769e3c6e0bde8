"""The workbook builder, from plain data: read the file back and check it against the engine."""

from __future__ import annotations

import os
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from stpi.analysis.index import compute_index
from stpi.analysis.status import plan_scenarios
from stpi.analysis.track import track
from stpi.analysis.values import Values
from stpi.engine import Aggregate, Recipe
from stpi.framework.embedded import default_framework, default_plan
from stpi.reports import workbook as wb
from stpi.reports.workbook import SHEETS, WorkbookData, display_width, write_workbook
from stpi.service import plan_rows

INJECTION = "=cmd|' /C calc'!A0"
RECIPE = Recipe(aggregate=Aggregate(missing="reweight"))


def _results() -> pd.DataFrame:
    """Two regions, two years, computed by the engine."""
    fw, plan = default_framework(), default_plan()
    scen = plan_scenarios(plan, fw)
    base = np.nan_to_num(scen.data[0], nan=0.01)
    data = np.stack([base, base * np.array([[0.9], [1.1]])])
    values = Values(("陇南市", "演示地区1"), scen.years, scen.indicators, data)
    long = compute_index(fw, values, RECIPE).long()
    return long.assign(name=[fw.node(c).name for c in long["code"]], depth=[fw.depth(c) for c in long["code"]])


def _figures() -> pd.DataFrame:
    row = ["陇南市", "2023", "I01", "indicator", "万人专业技术人员数", 195.5, "人", INJECTION, "备注", "approved", 1, True, False, "admin", datetime(2024, 3, 1, 8, 30)]
    return pd.DataFrame([row], columns=[k for k, _, _ in wb.FIGURE_COLUMNS])


def _progress() -> pd.DataFrame:
    fw, plan = default_framework(), default_plan()
    figures = pd.DataFrame([("陇南市", 2023, i.code, (i.baseline or i.target) * 1.002) for i in plan.indicators], columns=["region", "year", "indicator", "value"])
    frame = track(plan, fw, figures)
    return frame.assign(unit="", lead=frame["lead"].str.replace(";", "、"))


def _data(**changes: Any) -> WorkbookData:
    fw, plan = default_framework(), default_plan()
    cols, rows = plan_rows(plan, fw)
    base: dict[str, Any] = dict(
        framework=fw, plan_title=plan.title, region=plan.region, plan_columns=cols, plan_rows=rows,
        figures=_figures(), results=_results(), progress=_progress(), goal=plan.goal.text,
    )
    return WorkbookData(**(base | changes))


def _rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    book = load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()


@pytest.fixture
def written(tmp_path: Path) -> Path:
    return write_workbook(_data(), tmp_path / "工作簿.xlsx")


def test_sheets_layout_and_formatting(written: Path) -> None:
    book = load_workbook(written)
    assert tuple(book.sheetnames) == SHEETS
    keys = {"说明": "B3", "指标框架": "C3", "实施方案": "C3", "数据": "D3", "结果": "D3", "目标与进度": "D3"}
    for ws in book.worksheets:
        assert ws.freeze_panes == keys.get(ws.title, ws.freeze_panes) and ws.freeze_panes.endswith("3")  # header and key columns stay in view
        assert ws.cell(1, 1).value and ws.cell(2, 1).font.b
        # prints on A4, one page wide, the banner and header on every page, page numbers in the footer
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$2" and "&P" in ws.oddFooter.center.text
    assert book["数据"].page_setup.orientation == "landscape" and book["说明"].page_setup.orientation in ("portrait", "landscape")
    for name in ("指标框架", "实施方案", "数据", "结果", "目标与进度"):
        assert book[name].auto_filter.ref.startswith("A2:")
    names = book["指标框架"]
    assert names.column_dimensions["D"].width >= display_width("  万人专业技术人员数")
    assert book["结果"].cell(3, 6).number_format == "0.00"
    assert book["数据"].cell(3, 6).number_format == "#,##0.00##"
    assert book["数据"].cell(3, 15).value == datetime(2024, 3, 1, 8, 30)
    book.close()


def test_cjk_counts_double() -> None:
    assert display_width("陇南市") == 6 and display_width("ab") == 2 and display_width("Ｉ１") == 4


def test_results_match_the_engine(written: Path) -> None:
    rows = _rows(written, "结果")
    assert rows[1][:3] == ("地区 Region", "年度 Year", "代码 Code")
    expected = _results()
    assert len(rows) - 2 == len(expected)
    for got, (_, exp) in zip(rows[2:], expected.iterrows()):
        assert got[0] == exp["region"] and got[1] == exp["year"] and got[2] == exp["code"] and got[3] == exp["name"]
        assert got[5] == pytest.approx(exp["value"], rel=1e-12, nan_ok=True) if got[5] is not None else np.isnan(exp["value"])
        assert got[6] == (None if pd.isna(exp["rank"]) else int(exp["rank"]))


def test_framework_sheet_carries_parameters_and_provenance(written: Path) -> None:
    fw = default_framework()
    rows = {r[1]: r for r in _rows(written, "指标框架")[2:]}
    leaf = fw.leaves[0]
    got = rows[leaf.code]
    assert got[6] == pytest.approx(leaf.weight) and got[9] == pytest.approx(leaf.standard)
    assert got[8] == str(leaf.weight_provenance) and got[11] == str(leaf.standard_provenance)
    assert got[7] == pytest.approx(float(fw.tree.effective_weight[list(fw.tree.codes).index(leaf.code)]))
    assert got[10].startswith("正向")
    assert rows[fw.root.code][6] is None  # the root has no weight


def test_labels(tmp_path: Path, written: Path) -> None:
    for sheet in ("说明", "指标框架", "结果", "目标与进度"):
        assert "示意参数" in _rows(written, sheet)[0][0]
    assert "演示数据" not in "".join(str(_rows(written, s)[0][0]) for s in SHEETS)
    demo = write_workbook(_data(demo=True, scenarios=True), tmp_path / "demo.xlsx")
    for sheet in SHEETS:
        assert "演示数据" in _rows(demo, sheet)[0][0]
    assert "情景" in _rows(demo, "结果")[0][0]
    readme = "\n".join(str(c) for r in _rows(written, "说明") for c in r)
    assert all(name in readme for name in SHEETS[1:]) and "assumed:" in readme


def test_text_is_formula_safe(written: Path) -> None:
    book = load_workbook(written)
    cell = book["数据"].cell(3, 8)
    assert cell.data_type == "s" and cell.value == "'" + INJECTION
    book.close()
    with zipfile.ZipFile(written) as z:
        assert not any("<f>" in z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_progress_ratio_in_percent_and_lights(written: Path) -> None:
    book = load_workbook(written)
    ws = book["目标与进度"]
    expected = _progress()
    fills = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE", "grey": "D9D9D9"}
    for i, (_, exp) in enumerate(expected.iterrows(), start=3):
        assert ws.cell(i, 2).value == exp["code"]
        ratio = ws.cell(i, 9).value
        assert (ratio is None and pd.isna(exp["ratio"])) or ratio == pytest.approx(exp["ratio"] * 100)
        assert ws.cell(i, 10).fill.fgColor.rgb.endswith(fills[exp["light"]])
        assert ws.cell(i, 6).value == pytest.approx(exp["value"]) if not pd.isna(exp["value"]) else ws.cell(i, 6).value is None
    assert {"绿灯", "黄灯", "红灯"} & {ws.cell(i, 11).value for i in range(3, ws.max_row + 1)}  # one language per cell
    book.close()


def test_assessment_pending_or_given(tmp_path: Path, written: Path) -> None:
    assert _rows(written, "考核")[2][0].startswith("年度考核结果:待考核规则配置后生成")
    table = pd.DataFrame({"部门 Department": ["市科技局"], "得分 Score": [91.5]})
    given = write_workbook(_data(assessment=table), tmp_path / "a.xlsx")
    assert _rows(given, "考核")[2] == ("市科技局", 91.5)


def test_a_failed_export_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")

    def broken(self: Any, filename: str) -> None:
        Path(filename).write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr("openpyxl.workbook.workbook.Workbook.save", broken)
    with pytest.raises(OSError):
        write_workbook(_data(), target)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]
    monkeypatch.undo()
    new = tmp_path / "new.xlsx"
    write_workbook(_data(), new)
    umask = os.umask(0)
    os.umask(umask)
    assert new.stat().st_mode & 0o777 == 0o666 & ~umask  # not the temporary file's private mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.xlsx", "out.xlsx"]
