"""The progress bulletin as a PDF in the GB/T 9704—2012 layout, drawn with reportlab.

The same :func:`stpi.reports.bulletin.sections` as the Word and HTML writers, in freely licensed
fonts (SIL OFL, :mod:`stpi.reports.pdf_fonts`): Noto Serif CJK SC Bold for the issuing body and
the title (小标宋), Noto Serif CJK SC for the body (仿宋), Noto Sans CJK SC Bold for the first-level
headings (黑体), each embedded as a subset, so the file reads the same on every machine. Page
numbers “— n —” on the outer edge; table headers repeat on every page and rows never split; the
signature centred over the date four characters in from the right; the 版记 at the foot of the
last page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    HRFlowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from stpi.reports.bulletin import DEFAULT_COPY_TO, MAIN_TO, NUMERALS, Bulletin, _opening, centred, column_shares, document_text, sections
from stpi.reports.chinese import arabic_date, text_width
from stpi.reports.pdf_fonts import register_faces

__all__ = ["write_pdf"]

RED = colors.HexColor("#C00000")
MARGINS = {"topMargin": 37 * mm, "bottomMargin": 35 * mm, "leftMargin": 28 * mm, "rightMargin": 26 * mm}  # GB/T 9704—2012
TEXT_WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]  # 156 mm
BODY, LINE = 16.0, 28.95  # 3号 on the fixed line that gives 22 lines a page, as in the Word file
KEEP = 3 * LINE + 60  # a heading or table introduction starts a new page unless this much room is left


def _styles(fonts: dict[str, str]) -> dict[str, ParagraphStyle]:
    def style(name: str, size: float, leading: float, face: str = "body", **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=fonts[face], bulletFontName=fonts[face], fontSize=size, leading=leading, wordWrap="CJK", **kw)  # CJK: break between any two characters

    return {
        "issuer": style("issuer", 26, 36, "title", alignment=TA_CENTER, textColor=RED),
        "docno": style("docno", BODY, LINE, alignment=TA_CENTER),
        "title": style("title", 22, 33, "title", alignment=TA_CENTER, spaceBefore=LINE, spaceAfter=LINE),
        "body": style("body", BODY, LINE, alignment=TA_JUSTIFY, firstLineIndent=2 * BODY),
        "plain": style("plain", BODY, LINE, alignment=TA_LEFT),
        "heading": style("heading", BODY, LINE, "heading", alignment=TA_LEFT, firstLineIndent=2 * BODY),
        "heading2": style("heading2", BODY, LINE, alignment=TA_LEFT, firstLineIndent=2 * BODY),  # 楷体 in Word; the OFL serif here
        "note": style("note", BODY, LINE, alignment=TA_JUSTIFY, firstLineIndent=2 * BODY),
        "th": style("th", 10.5, 14, "heading", alignment=TA_CENTER),
        "td": style("td", 10.5, 14, alignment=TA_LEFT),
        "tdc": style("tdc", 10.5, 14, alignment=TA_CENTER),
        "colophon": style("colophon", 14, 20, alignment=TA_LEFT, leftIndent=14, rightIndent=14),
        "colophon_right": style("colophon_right", 14, 20, alignment=TA_RIGHT, leftIndent=14, rightIndent=14),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], st: dict[str, ParagraphStyle]) -> Table:
    """A grid whose header row repeats on every page and whose rows never split; cells are Paragraphs, so long CJK text wraps."""
    share = column_shares(header, rows)  # as in the Word table
    widths = [TEXT_WIDTH * w / sum(share) for w in share]
    data = [[_p(h, st["th"]) for h in header]]
    data += [[_p(str(c), st["tdc"] if j and centred(str(c)) else st["td"]) for j, c in enumerate(row)] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, spaceBefore=4, spaceAfter=10)  # reportlab splits a table between rows only
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), st["td"].fontName),  # the cells' own font, else each cell selects Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#555555")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEF1F7")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _image(png: bytes, width: float = 150 * mm) -> Image:
    w, h = ImageReader(io.BytesIO(png)).getSize()
    return Image(io.BytesIO(png), width=width, height=width * h / w)


class _Colophon(Flowable):  # type: ignore[misc]  # reportlab has no type hints
    """版记 at the foot of the last page: it takes the rest of the page and draws its rules and lines at the bottom (GB/T 9704—2012 7.4)."""

    def __init__(self, rows: list[tuple[Paragraph, Paragraph | None]]) -> None:
        super().__init__()
        self.rows = rows
        self.heights: list[float] = []
        self.room = 0.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width = availWidth
        self.heights = [max(p.wrap(availWidth * (1 if right is None else 0.55), availHeight)[1], right.wrap(availWidth * 0.45, availHeight)[1] if right else 0) + 8 for p, right in self.rows]
        need = sum(self.heights)
        self.room = max(need, availHeight - 1)  # all the room left on the page, so the last rule sits on the text area's lower edge
        return availWidth, self.room

    def draw(self) -> None:
        c, y = self.canv, sum(self.heights)
        c.setLineWidth(1.0)  # the first and last rules 0.35 mm, the ones between 0.25 mm
        c.line(0, y, self.width, y)
        for k, ((left, right), h) in enumerate(zip(self.rows, self.heights)):
            y -= h
            left.drawOn(c, 0, y + 4)
            if right is not None:
                right.drawOn(c, self.width * 0.55, y + 4)
            c.setLineWidth(1.0 if k == len(self.rows) - 1 else 0.7)
            c.line(0, y, self.width, y)


def _signature(b: Bulletin, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    """发文机关署名 centred over the 成文日期, the date four characters in from the right (7.3.5.1)."""
    when = arabic_date(b.issued)
    shift = max(0.0, 4 + (text_width(when) - text_width(b.issuer)) / 2)
    return [Spacer(1, LINE), _p(b.issuer, ParagraphStyle("sign", parent=st["plain"], alignment=TA_RIGHT, rightIndent=shift * BODY)),
            _p(when, ParagraphStyle("date", parent=st["plain"], alignment=TA_RIGHT, rightIndent=4 * BODY))]


def _colophon(b: Bulletin, st: dict[str, ParagraphStyle]) -> _Colophon:
    copy_to = b.copy_to or DEFAULT_COPY_TO
    rows: list[tuple[Paragraph, Paragraph | None]] = [(_p("抄送：" + "，".join(copy_to) + "。", st["colophon"]), None)] if copy_to else []
    rows.append((_p(b.issuer, st["colophon"]), _p(arabic_date(b.issued) + "印发", st["colophon_right"])))
    return _Colophon(rows)


def _story(b: Bulletin, charts: dict[str, bytes], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    story: list[Flowable] = [
        _p(b.issuer, st["issuer"]),
        _p(b.doc_number, st["docno"]),
        HRFlowable(width="100%", thickness=1.5, color=RED, spaceBefore=2, spaceAfter=0),  # the red separator under the document number
        _p(b.title, st["title"]),
        _p(MAIN_TO, st["plain"]),
        _p(_opening(b), st["body"]),
    ]
    for k, (heading, blocks) in enumerate(sections(b)):
        story += [CondPageBreak(KEEP + 2 * LINE), _p(f"{NUMERALS[k]}、{heading}", st["heading"])]
        for j, (kind, content) in enumerate(blocks):
            if kind == "p":
                # an introduction stays with the first rows of its table; keepWithNext would move a long table whole
                story += [CondPageBreak(KEEP)] if content.endswith(("：", ":")) and j else []
                story.append(_p(content, st["body"]))
            elif kind == "h2":
                story += [CondPageBreak(KEEP), _p(content, st["heading2"])]
            elif kind == "h3":
                title, text = content
                story.append(Paragraph(f'<font face="{st["title"].fontName}">{escape(title)}</font>{escape(text)}', st["body"]))
            elif kind == "note":
                story.append(_p(content, st["note"]))
            elif kind == "table":
                header, rows = content
                story.append(_table(header, rows, st))
            elif kind == "chart" and content in charts:
                story.append(_image(charts[content]))
    # the issuer and date never stand alone on the last page (GB/T 9704): they keep the last block with them
    story.append(KeepTogether([story.pop(), *_signature(b, st)]))
    story.append(_colophon(b, st))
    return story


def _page_number(canvas: Any, doc: Any) -> None:
    """GB/T 9704: “— n —” in 4号 7 mm below the text area, odd pages one character in from the right, even ones from the left."""
    canvas.saveState()
    canvas.setFont(doc.stpi_number_font, 14)
    label, y = f"— {doc.page} —", MARGINS["bottomMargin"] - 7 * mm - 14
    if doc.page % 2:
        canvas.drawRightString(A4[0] - MARGINS["rightMargin"] - 14, y, label)
    else:
        canvas.drawString(MARGINS["leftMargin"] + 14, y, label)
    canvas.restoreState()


def write_pdf(b: Bulletin, path: str | Path, charts: dict[str, bytes]) -> Path:
    """Write the bulletin as an A4 PDF in the GB/T 9704 layout, in the OFL Noto CJK fonts (embedded subsets)."""
    fonts = register_faces(document_text(b))
    st = _styles(fonts)
    path = Path(path)
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=b.title, author=b.issuer, subject=b.label,
                            initialFontName=fonts["body"], **MARGINS)  # else every page also names Helvetica, never used
    doc.stpi_number_font = fonts["body"]
    doc.build(_story(b, charts, st), onFirstPage=_page_number, onLaterPages=_page_number)
    return path
