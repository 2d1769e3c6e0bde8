"""The progress bulletin as a PDF in the GB/T 9704 layout, drawn with reportlab.

The same :func:`stpi.reports.bulletin.sections` as the Word and HTML writers. Every glyph comes
from SimHei.ttf shipped by the PyPI package ``mplfonts`` (found without importing it, as
``stpi.reports.charts`` does) and is embedded as a subset, so the file reads the same on every
machine. reportlab embeds TrueType outlines only; ``mplfonts``' Noto/Source Han fonts are CFF
(.otf) and cannot be used, so the whole document is in 黑体 rather than 小标宋/仿宋.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
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

from stpi.reports.bulletin import NUMERALS, Bulletin, chinese_date, sections
from stpi.reports.charts import packaged_font

__all__ = ["PDF_FONT_FILE", "pdf_font", "write_pdf"]

PDF_FONT_FILE = "SimHei.ttf"  # the one TrueType (glyf) CJK font in mplfonts
FONT = "SimHei"
RED = colors.HexColor("#C00000")
MARGINS = {"topMargin": 37 * mm, "bottomMargin": 35 * mm, "leftMargin": 28 * mm, "rightMargin": 26 * mm}  # GB/T 9704—2012
TEXT_WIDTH = A4[0] - MARGINS["leftMargin"] - MARGINS["rightMargin"]  # 156 mm
BODY, LINE = 16.0, 28.95  # 3号 on the fixed line that gives 22 lines a page, as in the Word file
KEEP = 3 * LINE + 60  # a heading or table introduction starts a new page unless this much room is left


@cache
def pdf_font() -> str:
    """Register the packaged CJK TrueType font with reportlab and return its name."""
    pdfmetrics.registerFont(TTFont(FONT, str(packaged_font(PDF_FONT_FILE))))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = pdf_font()

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(name, fontName=font, bulletFontName=font, fontSize=size, leading=leading, wordWrap="CJK", **kw)  # CJK: break between any two characters

    return {
        "issuer": style("issuer", 26, 36, alignment=TA_CENTER, textColor=RED),
        "docno": style("docno", BODY, LINE, alignment=TA_CENTER),
        "title": style("title", 22, 33, alignment=TA_CENTER, spaceBefore=LINE, spaceAfter=LINE),
        "body": style("body", BODY, LINE, alignment=TA_JUSTIFY, firstLineIndent=2 * BODY),
        "plain": style("plain", BODY, LINE, alignment=TA_LEFT),
        "heading": style("heading", BODY, LINE, alignment=TA_LEFT, firstLineIndent=2 * BODY),
        "note": style("note", 14, 22, alignment=TA_LEFT, backColor=colors.HexColor("#FFF4CE"), borderPadding=3, spaceBefore=4, spaceAfter=6),
        "sign": style("sign", BODY, LINE, alignment=TA_RIGHT, rightIndent=2 * BODY),
        "th": style("th", 10.5, 14, alignment=TA_CENTER),
        "td": style("td", 10.5, 14, alignment=TA_LEFT),
        "tdc": style("tdc", 10.5, 14, alignment=TA_CENTER),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], st: dict[str, ParagraphStyle]) -> Table:
    """A grid whose header row repeats on every page; cells are Paragraphs, so long CJK text wraps."""
    share = [2.4 if j == 0 else 1.8 if "单位" in h else 1.0 for j, h in enumerate(header)]  # as in the Word table
    widths = [TEXT_WIDTH * w / sum(share) for w in share]
    data = [[_p(h, st["th"]) for h in header]]
    data += [[_p(str(c), st["td"] if j == 0 else st["tdc"]) for j, c in enumerate(row)] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1, spaceBefore=4, spaceAfter=10)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), pdf_font()),  # the cells' own font, else each cell selects Helvetica
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


def _story(b: Bulletin, charts: dict[str, bytes]) -> list[Flowable]:
    st = _styles()
    story: list[Flowable] = [
        _p(b.issuer, st["issuer"]),
        _p(b.doc_number, st["docno"]),
        HRFlowable(width="100%", thickness=1.5, color=RED, spaceBefore=2, spaceAfter=0),  # the red separator under the document number
        _p(b.title, st["title"]),
        _p("各县区人民政府,市直有关部门:", st["plain"]),
        _p(f"现将{b.region}{b.year}年度综合科技进步水平指数提升工作进展情况通报如下。", st["body"]),
    ]
    for k, (heading, blocks) in enumerate(sections(b)):
        story += [CondPageBreak(KEEP + 2 * LINE), _p(f"{NUMERALS[k]}、{heading}", st["heading"])]
        for j, (kind, content) in enumerate(blocks):
            if kind == "p":
                # an introduction stays with the first rows of its table; keepWithNext would move a long table whole
                story += [CondPageBreak(KEEP)] if content.endswith(":") and j else []
                story.append(_p(content, st["body"]))
            elif kind == "note":
                story.append(_p(content, st["note"]))
            elif kind == "table":
                header, rows = content
                story.append(_table(header, rows, st))
            elif kind == "chart" and content in charts:
                story.append(_image(charts[content]))
    # the issuer and date never stand alone on the last page (GB/T 9704): they keep the last block with them
    story.append(KeepTogether([story.pop(), Spacer(1, LINE), _p(b.issuer, st["sign"]), _p(chinese_date(b.issued), st["sign"])]))
    return story


def _page_number(canvas: Any, doc: Any) -> None:
    """GB/T 9704: “— n —” 7 mm below the text area, odd pages on the right, even on the left."""
    canvas.saveState()
    canvas.setFont(pdf_font(), 14)
    label, y = f"— {doc.page} —", MARGINS["bottomMargin"] - 7 * mm - 14
    if doc.page % 2:
        canvas.drawRightString(A4[0] - MARGINS["rightMargin"] - 14, y, label)
    else:
        canvas.drawString(MARGINS["leftMargin"] + 14, y, label)
    canvas.restoreState()


def write_pdf(b: Bulletin, path: str | Path, charts: dict[str, bytes]) -> Path:
    """Write the bulletin as an A4 PDF in the GB/T 9704 layout, the CJK font embedded."""
    path = Path(path)
    doc = SimpleDocTemplate(str(path), pagesize=A4, title=b.title, author=b.issuer, subject=b.label,
                            initialFontName=pdf_font(), **MARGINS)  # else every page also names Helvetica, never used
    doc.build(_story(b, charts), onFirstPage=_page_number, onLaterPages=_page_number)
    return path
