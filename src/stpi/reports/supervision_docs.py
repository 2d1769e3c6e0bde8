"""The 督办台账 (ledger of supervision notices, XLSX, prints on A4) and the 督办通知 (one notice, Word in the GB/T 9704 layout)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from stpi.defaults import ISSUER
from stpi.reports.bulletin import FANGSONG, HEITI, XBS, _para, _red_rule
from stpi.reports.chinese import arabic_date
from stpi.reports.gbt9704 import signature

__all__ = ["LEDGER_COLUMNS", "ledger_xlsx", "notice_docx", "STATUS_WORDS", "ORIGIN_WORDS"]

STATUS_WORDS = {"open": ("待反馈", "awaiting reply"), "replied": ("已反馈", "replied"), "returned": ("已退回", "sent back"), "closed": ("已办结", "closed")}
ORIGIN_WORDS = {"warning": ("预警", "early warning"), "indicator": ("进度滞后指标", "off-track indicator"), "task": ("逾期任务", "overdue task"), "free": ("自行发起", "free")}
LEDGER_COLUMNS = ("督办编号", "督办单位", "事项", "督办要求", "来源", "下发日期", "截止日期", "状态", "是否逾期", "反馈日期", "按时反馈", "整改措施", "预期效果", "办结日期")


def _ledger_rows(items: Sequence[Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for x in items:
        replies = [st for st in x.steps if st.kind == "reply"]
        last = replies[-1] if replies else None
        origin = ORIGIN_WORDS.get(x.origin, (x.origin, ""))[0] + (f"（{x.origin_ref}）" if x.origin_ref else "")
        rows.append([x.number, x.department_name, x.subject, x.request, origin, x.issued_at.date(), x.deadline, STATUS_WORDS[x.status][0], "逾期" if x.overdue else "",
                     x.replied_at.date() if x.replied_at else None, "" if x.replied_on_time is None else ("是" if x.replied_on_time else "否"),
                     last.measures if last else "", last.effect if last else "", x.closed_at.date() if x.closed_at else None])
    return rows


def ledger_xlsx(items: Sequence[Any], *, title: str, demo_note: str = "") -> bytes:
    """The ledger: one row per notice (its latest reply), set to print on A4 landscape, one page wide, the header on every page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from stpi.tables import print_setup

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "督办台账"
    ws.append([title + (f"  {demo_note}" if demo_note else "")])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(LEDGER_COLUMNS))
    for cell in ws[2]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in _ledger_rows(items):
        ws.append(row)
    widths = (16, 14, 24, 28, 16, 11, 11, 9, 8, 11, 8, 34, 24, 11)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    for row_cells in ws.iter_rows(min_row=3):
        for cell in row_cells:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    print_setup(ws, header_rows=2, key_columns=2, title=title)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def notice_docx(x: Any, *, issuer: str = ISSUER, today: date | None = None) -> bytes:
    """One notice as the bureau sends it: red masthead, number under a red rule, title, addressee, body, what is asked, deadline, signature."""
    import docx
    from docx.shared import Mm

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    _para(doc, issuer, XBS, 26, align="center", colour="C00000", exact=False)
    _red_rule(_para(doc, x.number, FANGSONG, 16, align="center"))
    _para(doc, "", FANGSONG, 16)
    _para(doc, f"关于{x.subject}的督办通知", XBS, 22, align="center", exact=False)
    _para(doc, "", FANGSONG, 16)
    _para(doc, f"{x.department_name}：", FANGSONG, 16)
    origin = ORIGIN_WORDS.get(x.origin, (x.origin, ""))[0]
    basis = f"根据综合科技进步水平指数提升工作监测情况（{origin}{'：' + x.origin_ref if x.origin_ref else ''}），现就“{x.subject}”事项进行督办。"
    _para(doc, basis, FANGSONG, 16, indent=True)
    _para(doc, "一、督办要求", HEITI, 16, indent=True)
    _para(doc, x.request.rstrip("。") + "。", FANGSONG, 16, indent=True)
    _para(doc, "二、反馈时限", HEITI, 16, indent=True)
    _para(doc, f"请于{arabic_date(x.deadline)}前通过系统反馈办理情况（已采取的措施、预期效果及有关材料）。逾期未反馈的，将予以通报，并纳入年度考核。", FANGSONG, 16, indent=True)
    signature(doc, issuer, x.issued_at.date() if today is None else today)  # GB/T 9704—2012 7.3.5.1: the date in Arabic numerals, 右空四字
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
