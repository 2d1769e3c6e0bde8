"""Word parts python-docx has no call for: table header rows that repeat, rows that never split, page numbers."""

from __future__ import annotations

from typing import Any

__all__ = ["keep_rows", "page_numbers"]


def keep_rows(table: Any, *, header_rows: int = 1) -> None:
    """Repeat the first ``header_rows`` rows on every page and keep every row on one page (no split rows)."""
    from docx.oxml import OxmlElement

    for k, row in enumerate(table.rows):
        props = row._tr.get_or_add_trPr()
        props.append(OxmlElement("w:cantSplit"))  # the schema's order: cantSplit before tblHeader
        if k < header_rows:
            props.append(OxmlElement("w:tblHeader"))


def page_numbers(section: Any, *, lang: str = "zh", font: str = "宋体", size: float = 14) -> None:
    """Centred page numbers in the footer: '— 1 —' (GB/T 9704 style) in Chinese, 'Page 1' in English."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, after = ("— ", " —") if lang == "zh" else ("Page ", "")

    def run(text: str = "") -> Any:
        r = p.add_run(text)
        r.font.name, r.font.size = font, Pt(size)
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        return r

    run(before)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        r = run()
        if kind:
            mark = OxmlElement("w:fldChar")
            mark.set(qn("w:fldCharType"), kind)
            r._element.append(mark)
        else:
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            r._element.append(code)
    run(after)
