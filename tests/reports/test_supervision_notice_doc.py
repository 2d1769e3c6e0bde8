"""The 督办单 (notice_docx) read back: its dates in Arabic numerals (GB/T 9704—2012 7.3.5.1)."""

from __future__ import annotations

import io
from datetime import date, datetime
from types import SimpleNamespace

import docx

from stpi.reports.supervision_docs import notice_docx


def test_the_notice_writes_its_dates_in_arabic_numerals() -> None:
    notice = SimpleNamespace(number="督办〔2025〕3号", department_name="市科技局", subject="技术合同登记进度滞后", request="说明原因并提出整改措施",
                             deadline=date(2026, 1, 10), issued_at=datetime(2025, 12, 20, 9, 30), origin="free", origin_ref="", status="open")
    d = docx.Document(io.BytesIO(notice_docx(notice, today=date(2025, 12, 20))))
    text = "\n".join(p.text for p in d.paragraphs) + "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert "2025年12月20日" in text and "请于2026年1月10日前" in text
    assert "〇" not in text and "二十日" not in text
