"""The assessment's XLSX and DOCX read back: words instead of rule ids, one language per cell, print setup, 无数据 for an empty year."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import docx
import pandas as pd
import pytest
from openpyxl import load_workbook

from stpi.analysis.assessment import assess, load_rules
from stpi.i18n import get_lang, set_lang
from stpi.reports.assessment_doc import DOCUMENT_SUMMARY, write_assessment
from tests.analysis.test_assessment import DEFAULT, PLAN, STATUS, SUBS

RULE_ID = re.compile(r"\b[ATQBCD]-[a-z_]+")


@pytest.fixture
def english() -> Iterator[None]:
    before = get_lang()
    set_lang("en")
    yield
    set_lang(before)


def _assessment(empty: bool = False):  # type: ignore[no-untyped-def]
    if empty:
        return assess(PLAN, STATUS.iloc[:0], SUBS.iloc[:0], load_rules(DEFAULT), year=2023)
    return assess(PLAN, STATUS, SUBS, load_rules(DEFAULT), year=2023)


def _cells(ws) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def test_xlsx_words_and_print_setup(tmp_path: Path) -> None:
    path = write_assessment(_assessment(), PLAN, tmp_path / "考核.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "明细", "计分规则"]
    summary, detail, legend = (book[n] for n in book.sheetnames)
    head = _cells(summary)[1]
    assert head[:3] == ("名次", "部门", "总分") and head[3] == "折算得分"  # 总分 beside the name: on the first printed page
    assert _cells(summary)[2][:3] == (1, "甲局", pytest.approx(100 * 13 / 14 + 2))
    assert any(isinstance(r[0], str) and r[0].startswith("折算得分 = 实得分 ÷ 应得分 × 100") for r in _cells(summary))
    rows = _cells(detail)
    assert rows[1] == ("部门", "指标代码", "指标", "角色", "考核项", "规则", "依据", "计算", "得分", "满分")
    b_bonus = next(r for r in rows[2:] if r[0] == "乙局" and r[1] == "I01" and r[4] == "加分")
    assert b_bonus[5:8] == ("提前达标加分", "2023年已达到目标值，早于目标年2026年", "提前达标 2 分 × 责任权重 0.3 = 0.60")
    assert b_bonus[8] == pytest.approx(0.6) and b_bonus[9] is None
    text = [str(c) for r in rows[2:] + _cells(legend)[2:] for c in r if isinstance(c, str)]
    assert not [t for t in text if RULE_ID.search(t) or re.search(r"[A-Za-z]{3,}", t)]  # no rule ids, no English words
    assert {r[1] for r in _cells(legend)[2:]} >= {"已达标", "进展一般", "逾期报送", "数据被退回", "提前达标加分"}
    for ws, key in ((summary, "C3"), (detail, "B3")):
        assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$2" and ws.freeze_panes == key
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页" and "部门考核结果" in ws.oddHeader.center.text
    assert legend.page_setup.orientation == "portrait"  # narrow: stays upright
    # the rows are tall enough for their wrapped text (Excel and WPS do not refit them)
    long = next(i for i, r in enumerate(rows, start=1) if r[0] == "乙局" and r[4] == "报送及时" and r[1] == "I02")
    assert detail.row_dimensions[long].height >= 30


def test_docx_words_repeated_headers_and_page_numbers(tmp_path: Path) -> None:
    path = write_assessment(_assessment(), PLAN, tmp_path / "考核.docx", today=date(2024, 4, 20))
    doc = docx.Document(str(path))
    summary, legend, first = doc.tables[0], doc.tables[1], doc.tables[2]
    assert [c.text for c in summary.rows[0].cells][:3] == ["名次", "部门", "总分"] and len(summary.rows[0].cells) == len(DOCUMENT_SUMMARY)
    assert [c.text for c in legend.rows[0].cells] == ["考核项", "规则", "规则说明"]
    assert [c.text for c in first.rows[0].cells] == ["指标代码", "指标", "角色", "考核项", "规则", "依据", "计算", "得分", "满分"]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "达成分 10 分 × 100% × 牵头权重 1 = 10.00" in cells and "（质量分 2 分 − 退回 1 次 × 1 分） × 牵头权重 1 = 1.00" in cells
    assert not [t for t in cells if RULE_ID.search(t)]
    for table in doc.tables:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.xml.count("w:tblHeader") == 1 and all("w:cantSplit" in tr.trPr.xml for tr in rows)
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("— ") and "PAGE" in footer._p.xml  # GB/T 9704 page numbers
    assert any("折算得分 = 实得分 ÷ 应得分 × 100" in p.text for p in doc.paragraphs)
    assert doc.paragraphs[2].text == "2024年4月20日"  # GB/T 9704—2012 7.3.5.1: the date in Arabic numerals


def test_english_documents_are_english(tmp_path: Path, english: None) -> None:
    book = load_workbook(write_assessment(_assessment(), PLAN, tmp_path / "a.xlsx"))
    assert book.sheetnames == ["Summary", "Detail", "Scoring rules"]
    rows = _cells(book["Detail"])
    assert rows[1][:3] == ("Department", "Code", "Indicator")
    bonus = next(r for r in rows[2:] if r[1] == "I01" and r[4] == "bonus" and r[3] == "responsible")
    assert bonus[5:8] == ("early-target bonus", "target reached in 2023, before the target year 2026", "2 early-target points × responsible weight 0.3 = 0.60")
    words = [c for r in rows[2:] for c in r if isinstance(c, str)]
    assert not [w for w in words if re.search(r"[\u4e00-\u9fff]", w) and w not in {"甲局", "乙局"} and not w.startswith("指标")]
    assert book["Detail"].oddFooter.center.text == "Page &P of &N"


def test_a_year_without_data_says_so(tmp_path: Path) -> None:
    a = _assessment(empty=True)
    assert a.empty
    book = load_workbook(write_assessment(a, PLAN, tmp_path / "空.xlsx"))
    assert book.sheetnames == ["汇总"]
    cells = [c for r in _cells(book["汇总"]) for c in r if c is not None]
    assert cells[1] == "无数据" and "2023年度尚无任何指标数据" in cells[2] and len(cells) == 3  # no table of zeros
    doc = docx.Document(str(write_assessment(a, PLAN, tmp_path / "空.docx")))
    assert not doc.tables and any("无法考核" in p.text for p in doc.paragraphs)
    assert any(p.text == "无数据" for p in doc.paragraphs)


def test_caps_show_in_words(tmp_path: Path) -> None:
    rules = load_rules(DEFAULT)
    a = assess(PLAN, STATUS, SUBS, rules.__class__(**{**rules.__dict__, "bonus_cap": 1.0, "total_cap": 93.0}), year=2023)
    rows = _cells(load_workbook(write_assessment(a, PLAN, tmp_path / "c.xlsx"))["汇总"])
    assert rows[2][1] == "甲局" and rows[2][-1] == "加分封顶、总分封顶"
    pd.testing.assert_series_equal(a.summary["total"], a.summary["total"].clip(upper=93.0))
