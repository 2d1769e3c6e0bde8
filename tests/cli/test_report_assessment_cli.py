"""stpi report assessment on a real store: scores by hand, XLSX and DOCX read back, bad rules."""

from __future__ import annotations

import re
import json
from pathlib import Path

import docx
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import stpi.cli.report_assessment
from stpi.cli import app
from stpi.errors import InputError
from stpi.store import Entry, Store
from stpi.store import observations as ob

runner = CliRunner()
RULES_ON_TIME = Path(__file__).parents[2] / "src" / "stpi" / "data" / "assessment-rules.yaml"


def _seed(store: Store) -> None:
    """I01 on its 2023 milestone (returned once, then resubmitted), I28 at its target; all approved."""
    ob.write(store, [Entry("621200", "I01", "2023", 194.76 + (197.02 - 194.76) / 4), Entry("621200", "I28", "2023", 0.013)], actor="admin")
    ob.transition(store, "return", actor="admin", codes=["I01"], comment="口径有误")
    ob.transition(store, "submit", actor="admin", codes=["I01"])
    ob.transition(store, "approve", actor="admin")


def _json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["report", "assessment", "--year", "2023", "--json", *args])
    assert result.exit_code == 0, (result.output, result.exception)
    payload: dict[str, object] = json.loads(result.stdout)
    return payload


def test_scores_with_the_default_rules(store: Store) -> None:
    _seed(store)
    payload = _json()
    totals = {r["department"]: r for r in payload["summary"]}  # type: ignore[attr-defined]
    # hrss leads I01 (on track; late: batch after 2024-03-31; returned once): 10 + 1 + 1 = 12 of
    # 3 × 14 + 4 × 0.3 × 14 = 58.8 possible
    assert totals["hrss"]["total"] == pytest.approx(100 * 12 / 58.8) and totals["hrss"]["rank"] == 1
    # forest: responsible for I01 (0.3 × 12) and I28 (0.3 × 13, bonus 0.3 × 2) of 2 × 14 + 14 × 4.2
    assert totals["forest"]["total"] == pytest.approx(100 * 7.5 / 86.8 + 0.6) and totals["forest"]["rank"] == 2
    # miit leads I28 (reached before 2026: 10 + 1 + 2, bonus 2) of 14 × 14 + 11 × 4.2
    assert totals["miit"]["total"] == pytest.approx(100 * 13 / 242.2 + 2)
    assert totals["nres"]["total"] == 0 and totals["nres"]["rank"] == len(totals) - sum(t["total"] == 0 for t in totals.values()) + 1
    rules = {(r["department"], r["code"], r["part"]): r["rule"] for r in payload["detail"]}  # type: ignore[attr-defined]
    assert rules[("hrss", "I01", "A")] == "A-on_track" and rules[("hrss", "I01", "Q")] == "Q-returned"
    assert rules[("miit", "I28", "B")] == "B-early" and rules[("hrss", "I03", "T")] == "T-missing"


def test_own_rules_file(store: Store, tmp_path: Path) -> None:
    _seed(store)
    rules = tmp_path / "规则.yaml"
    rules.write_text(RULES_ON_TIME.read_text(encoding="utf-8").replace('deadline: "03-31"', "deadline: 2099-12-31"), encoding="utf-8")
    totals = {r["department"]: r["total"] for r in _json("--rules", str(rules))["summary"]}  # type: ignore[index]
    assert totals["hrss"] == pytest.approx(100 * 13 / 58.8)


def test_xlsx_and_docx_read_back(store: Store, tmp_path: Path) -> None:
    _seed(store)
    xlsx, docx_path = tmp_path / "考核.xlsx", tmp_path / "考核.docx"
    for out in (xlsx, docx_path):
        result = runner.invoke(app, ["report", "assessment", "--year", "2023", "--output", str(out)])
        assert result.exit_code == 0, (result.output, result.exception)
    book = load_workbook(xlsx, read_only=True)
    try:
        assert book.sheetnames == ["汇总", "明细", "计分规则"]
        summary = [r for r in book["汇总"].iter_rows(values_only=True)]
        detail = [r for r in book["明细"].iter_rows(values_only=True)]
    finally:
        book.close()
    assert "示意规则" in summary[0][0] and summary[1][:3] == ("名次", "部门", "总分")
    assert summary[2][:3] == (1, "市人社局", pytest.approx(100 * 12 / 58.8))
    assert detail[1][5:8] == ("规则", "依据", "计算")
    first = [r for r in detail[2:] if r[0] == "市人社局" and r[1] == "I01"]
    assert [r[5] for r in first] == ["按进度推进", "逾期报送", "数据被退回"] and [r[8] for r in first] == [10, 1, 1]
    assert first[2][6:8] == ("数据被退回 1 次", "（质量分 2 分 − 退回 1 次 × 1 分） × 牵头权重 1 = 1.00")
    with pytest.raises(KeyError):
        load_workbook(xlsx)["说明"]
    doc = docx.Document(str(docx_path))
    text = [p.text for p in doc.paragraphs]
    assert "部门考核结果" in text[0] and "综合考核领导小组办公室" in text[1] and re.fullmatch(r"20[0-9]{2}年[1-9][0-9]?月[1-9][0-9]?日", text[2])  # GB/T 9704—2012 7.3.5.1: Arabic numerals
    assert doc.paragraphs[0].runs[0].font.name == "黑体" and doc.styles["Normal"].font.name == "仿宋_GB2312"
    departments = [r for r in summary[2:] if isinstance(r[0], int)]
    assert len(doc.tables) == 2 + len(departments)  # the summary, the rules applied, then one table per department
    assert doc.tables[0].rows[1].cells[1].text == "市人社局" and doc.tables[0].rows[1].cells[2].text == f"{100 * 12 / 58.8:.2f}"
    assert any(c.text == "按进度推进" for c in doc.tables[2].rows[1].cells)


def test_terminal_table_and_bad_inputs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "assessment", "--year", "2023"])
    assert result.exit_code == 0 and "示意规则" in result.stdout and "市科技局" in result.stdout
    bad = runner.invoke(app, ["report", "assessment", "--year", "2023", "--output", str(tmp_path / "x.pdf")])
    assert bad.exit_code == 2 and not (tmp_path / "x.pdf").exists()
    rules = tmp_path / "bad.yaml"
    rules.write_text("roles: {lead: 2}\n", encoding="utf-8")
    failed = runner.invoke(app, ["report", "assessment", "--year", "2023", "--rules", str(rules), "-o", str(tmp_path / "y.xlsx")])
    assert isinstance(failed.exception, InputError) and not (tmp_path / "y.xlsx").exists()
    fields = {p.field for p in failed.exception.problems}
    assert {"roles.lead", "roles.responsible", "meta", "total"} <= fields


def test_chinese_official_dates() -> None:
    from datetime import date

    from stpi.reports.bulletin import chinese_date

    assert chinese_date(date(2026, 11, 27)) == "二〇二六年十一月二十七日"
    assert chinese_date(date(2024, 1, 3)) == "二〇二四年一月三日"
    assert chinese_date(date(2025, 10, 20)) == "二〇二五年十月二十日"
