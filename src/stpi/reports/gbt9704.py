"""Word building blocks of a GB/T 9704—2012 document (党政机关公文格式), with python-docx.

A4, margins 37/35/28/26 mm, issuing body and title in 小标宋 (方正小标宋简体; 宋体 where it is
missing), body in 3号 仿宋_GB2312 on a 28.95 pt line (22 lines a page), the four heading levels
一、 （一） 1. （1） in 黑体, 楷体, 仿宋 and 仿宋; page numbers “— 1 —” in 4号 半角宋体 7 mm below
the text, odd pages right and even pages left, one character in (7.5); the signature centred
over the date, the date four characters in from the right (7.3.5.1); the 版记 (抄送, 印发机关 and
印发日期 between rules, 4号 仿宋) at the foot of the last page (7.4). Table header rows repeat on
each page and rows never split across pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from stpi.reports.chinese import arabic_date, text_width

__all__ = ["BODY", "FANGSONG", "HEITI", "KAITI", "LINE", "SONG", "XBS", "colophon", "font", "page_numbers", "para", "red_rule", "signature", "table_rows_fixed"]

XBS, SONG, FANGSONG, HEITI, KAITI = "方正小标宋简体", "宋体", "仿宋_GB2312", "黑体", "楷体_GB2312"
BODY, LINE = 16.0, 28.95  # 3号 on the fixed line that gives 22 lines a page
TEXT_MM = 156  # A4 less the 28 + 26 mm margins
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def font(run: Any, name: str, size: float, *, bold: bool = False, colour: str | None = None) -> None:
    """Set a run's (or style's) font: the East Asian slot for Chinese, a font every Word has for Latin."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = SONG if name == XBS else name
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def para(doc: Any, text: str, face: str, size: float, *, align: str = "justify", bold: bool = False, indent: bool = False, colour: str | None = None,
         exact: bool = True, right_chars: float = 0.0, left_chars: float = 0.0) -> Any:
    """A paragraph of one run; ``indent``: two characters in on the first line; ``right_chars``/``left_chars``: 右空/左空 in characters."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    fmt = p.paragraph_format
    fmt.keep_with_next = text.endswith((":", "："))  # an introduction stays on the page of its table
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE)
    if indent:
        fmt.first_line_indent = Pt(2 * size)
    if right_chars:
        fmt.right_indent = Pt(right_chars * size)
    if left_chars:
        fmt.left_indent = Pt(left_chars * size)
    if text:
        font(p.add_run(text), face, size, bold=bold, colour=colour)
    return p


def red_rule(p: Any) -> None:
    """The red separator line under the document number (版头中的分隔线)."""
    _border(p._p.get_or_add_pPr(), "pBdr", "bottom", size=12, colour="C00000", space=4)


def _border(parent: Any, container: str, side: str, *, size: int, colour: str = "000000", space: int = 0) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    box = parent.find(qn(f"w:{container}"))
    if box is None:
        box = OxmlElement(f"w:{container}")
        parent.append(box)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", str(space)), ("color", colour)):
        edge.set(qn(f"w:{key}"), value)
    box.append(edge)


def _field(p: Any, instruction: str, face: str, size: float) -> None:
    """A field (PAGE …) as Word writes it: begin, instruction, separate, a placeholder result, end."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind in ("begin", "instr", "separate", "result", "end"):
        run = p.add_run("1" if kind == "result" else "")
        font(run, face, size)
        if kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {instruction} "
            run._r.append(instr)
        elif kind != "result":
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)


def page_numbers(doc: Any, section: Any) -> None:
    """“— n —” in 4号 宋体 7 mm under the text area: odd pages one character in from the right, even pages from the left."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    doc.settings.odd_and_even_pages_header_footer = True
    section.footer_distance = section.bottom_margin - Mm(7) - Pt(14)  # the number's top 7 mm below the text area
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        fmt = p.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(14)
        else:
            fmt.left_indent = Pt(14)
        font(p.add_run("— "), SONG, 14)
        _field(p, "PAGE", SONG, 14)
        font(p.add_run(" —"), SONG, 14)


def table_rows_fixed(table: Any, *, header_rows: int = 1) -> None:
    """Header rows repeat at the top of every page (w:tblHeader); no row splits across pages (w:cantSplit)."""
    from docx.oxml import OxmlElement

    for i, row in enumerate(table.rows):
        props = row._tr.get_or_add_trPr()
        flags = ["w:cantSplit"] + (["w:tblHeader"] if i < header_rows else [])
        for flag in flags:
            props.append(OxmlElement(flag))


def signature(doc: Any, issuer: str, day: date) -> None:
    """发文机关署名 centred over the 成文日期, the date four characters in from the right (7.3.5.1)."""
    when = arabic_date(day)
    para(doc, "", FANGSONG, BODY)
    shift = 4 + (text_width(when) - text_width(issuer)) / 2  # the centre of the signature over the centre of the date
    para(doc, issuer, FANGSONG, BODY, align="right", right_chars=max(0.0, shift))
    para(doc, when, FANGSONG, BODY, align="right", right_chars=4)


def colophon(doc: Any, copy_to: Sequence[str], printer: str, day: date) -> None:
    """版记 at the foot of the last page: 抄送, then 印发机关 and 印发日期, between a thick, a thin and a thick rule (7.4)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    para(doc, "", FANGSONG, BODY)  # where the table stays in the text (LibreOffice sets a full-width floating table inline)
    rows = ([("抄送：" + "，".join(copy_to) + "。", "")] if copy_to else []) + [(printer, arabic_date(day) + "印发")]
    table = doc.add_table(rows=len(rows), cols=2)
    table.autofit = False
    props = table._tbl.tblPr
    place = OxmlElement("w:tblpPr")  # floating, anchored to the bottom of the text area: the last rule on its lower edge
    for key, value in (("leftFromText", "0"), ("rightFromText", "0"), ("vertAnchor", "margin"), ("horzAnchor", "margin"), ("tblpYSpec", "bottom"), ("tblpXSpec", "center")):
        place.set(qn(f"w:{key}"), value)
    style = props.find(qn("w:tblStyle"))
    props.insert(0 if style is None else 1, place)
    widths = (Mm(TEXT_MM * 0.55), Mm(TEXT_MM * 0.45))
    for j, width in enumerate(widths):
        table.columns[j].width = width
    for r, (left, right) in enumerate(rows):
        cells = table.rows[r].cells
        if not right:
            cells = [cells[0].merge(cells[1])]
        for cell, text, align in zip(cells, (left, right), (WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT)):
            p = cell.paragraphs[0]
            p.alignment = align
            fmt = p.paragraph_format
            fmt.space_before = fmt.space_after = Pt(4)
            fmt.left_indent = fmt.right_indent = Pt(14)  # 左空一字 / 右空一字 in 4号
            font(p.add_run(text), FANGSONG, 14)
            tc = cell._tc.get_or_add_tcPr()
            # the first and last rules 0.35 mm (sz 8 = 1 pt), the ones between 0.25 mm (sz 6 = 0.75 pt)
            if r == 0:
                _border(tc, "tcBorders", "top", size=8)
            _border(tc, "tcBorders", "bottom", size=8 if r == len(rows) - 1 else 6)
        for cell, width in zip(cells, widths if right else (Mm(TEXT_MM),)):
            cell.width = width
    table_rows_fixed(table, header_rows=0)
    anchor = doc.add_paragraph()  # a floating table is anchored to the paragraph after it (and a body ends with a paragraph)
    anchor.paragraph_format.space_before = anchor.paragraph_format.space_after = Pt(0)
    font(anchor.add_run(""), FANGSONG, 1)
