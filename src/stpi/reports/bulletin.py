"""The progress bulletin (进展通报) as plain data, and its Word (GB/T 9704 layout) and HTML documents.

:class:`Bulletin` holds only numbers and text already gathered (``stpi.queries.bulletin``
gathers them from the store); the writers render it. Word follows GB/T 9704—2012: A4, margins
37/35/28/26 mm, issuing body and title in 小标宋 (方正小标宋简体, 宋体 where it is missing), body
in 3号 仿宋_GB2312 on a 28.95 pt line (22 lines a page), headings 一、二、 in 黑体, the date
written in Chinese. The HTML is one self-contained file: inline CSS, charts as base64 PNG.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["Bulletin", "GroupLine", "Line", "chinese_date", "sections", "write_docx", "write_html"]

XBS, SONG, FANGSONG, HEITI, KAITI = "方正小标宋简体", "宋体", "仿宋_GB2312", "黑体", "楷体_GB2312"
NUMERALS = "一二三四五六七八九十"
LIGHT_TEXT = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "grey": "无法判断"}
STATUS_TEXT = {"reached": "已达标", "on_track": "按进度推进", "moderate": "进展一般", "limited": "进展有限", "deterioration": "倒退", "baseline_only": "仅有基期", "no_data": "无数据",
               "incomplete": "不完整（预估）"}


@dataclass(frozen=True)
class GroupLine:
    """An area (depth 1) or group (depth 2) in the year: score, milestone, light."""

    code: str
    name: str
    depth: int
    value: float | None
    milestone: float | None
    target: float | None
    status: str
    light: str


@dataclass(frozen=True)
class Line:
    """One row of a list in the bulletin: a label, a few cells, and the owners."""

    label: str
    cells: tuple[str, ...]
    owners: str


@dataclass(frozen=True)
class Bulletin:
    """Everything the bulletin says, as plain values."""

    region: str
    year: int
    baseline_year: int
    target_year: int
    issuer: str
    doc_number: str
    issued: date
    illustrative: bool
    parameter_rules: tuple[str, ...]
    policy: str
    index: float | None
    index_milestone: float | None
    index_status: str
    goal_index: float
    goal_at_least: bool
    goal_rank: int
    goal_rank_approx: bool
    goal_regions: int
    with_data: int
    indicators: int
    groups: tuple[GroupLine, ...]
    lights: dict[str, tuple[Line, ...]]
    previous_year: int | None
    change: float | None
    movers: tuple[Line, ...]
    county_year: int | None
    counties: tuple[Line, ...]
    warnings: tuple[Line, ...]
    late: tuple[Line, ...]
    focus: tuple[Line, ...]
    focus_text: str
    path: tuple[tuple[int, float | None, float | None], ...] = field(default=())
    demo: bool = False  # the store holds synthetic demo data
    feedback: tuple[Line, ...] = ()  # own computation against the province's feedback report: node, published, own, difference
    feedback_note: str = ""  # which parameters the own computation used, and the sources
    reweight: float | None = None  # the change's re-weighting term (indicators appearing or disappearing), apart from the movers' own parts
    maps: tuple[tuple[str, Any], ...] = ()  # ("peers" | "counties", map FeatureCollection): drawn as images (stpi.reports.maps)
    complete: bool = True  # every indicator of the year has an approved figure; else the index is an estimate
    missing_count: int = 0  # indicators of the year not yet reported (approved)
    lock_label: str = ""  # 2025年评价已锁定（原因） when the year was locked by force
    changes: tuple[Line, ...] = ()  # what changed since the last bulletin: kind; what; link (stpi.queries.changes)
    changes_text: str = ""  # its one-line summary ("" : not gathered)

    @property
    def title(self) -> str:
        """The document's title (预估 for a year whose figures are not all approved)."""
        return f"关于{self.region}{self.year}年度综合科技进步水平指数提升工作进展情况的通报" + ("" if self.complete else "（预估）")

    @property
    def label(self) -> str:
        """The parameters' label, shown wherever the index is shown."""
        demo = "【演示数据】本通报所用数据为合成演示数据,并非真实统计。" if self.demo else ""
        if not self.illustrative:
            return demo + "参数来源:官方。"
        return demo + "【示意参数】本通报中的权重与标准值为示意参数,并非甘肃省官方数值:" + ";".join(self.parameter_rules) + "。"


def chinese_date(day: date) -> str:
    """``2026-11-27`` → ``二〇二六年十一月二十七日`` (GB/T 9704 writes the date in Chinese)."""
    digits = "〇一二三四五六七八九"

    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")

    return "".join(digits[int(c)] for c in str(day.year)) + f"年{number(day.month)}月{number(day.day)}日"


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None or math.isnan(x) else f"{x:.{digits}f}"


# ------------------------------------------------------------------ content shared by the writers


Block = tuple[str, Any]  # ("p", text) | ("table", (header, rows)) | ("chart", key) | ("note", text)


def sections(b: Bulletin) -> list[tuple[str, list[Block]]]:
    """The bulletin's numbered sections: (heading, blocks) in order."""
    lights = {k: len(v) for k, v in b.lights.items()}
    goal = f"{'不低于' if b.goal_at_least else ''}{b.goal_index:g}%"
    rank = f"全省{b.goal_regions}个市州第{b.goal_rank}位{'左右' if b.goal_rank_approx else ''}"
    if b.index is None:
        overall = f"{b.year}年已审核数据不足以计算综合科技进步水平指数(缺失值处理方式:{b.policy})。"
    else:
        overall = (f"{b.year}年{b.region}综合科技进步水平指数为{b.index:.2f}%(32项指标中{b.with_data}项有数据,缺失值处理方式:{b.policy}),"
                   f"当年里程碑为{_num(b.index_milestone)}%,进度状态:{STATUS_TEXT.get(b.index_status, b.index_status)}。")
        if not b.complete:  # a partial year: the estimate, never a progress status
            overall = (f"{b.year}年数据尚不完整（{b.missing_count}项指标未报或未审核通过），综合科技进步水平指数预估为{b.index:.2f}%"
                       f"（未报指标按其最近一年的数值计），当年里程碑为{_num(b.index_milestone)}%，暂不判断进度状态。")
        if b.lock_label:
            overall += b.lock_label + "。"
    out: list[tuple[str, list[Block]]] = [
        *([("上次通报以来的变化", _changes_blocks(b))] if b.changes_text else []),
        ("总体情况", [
            ("p", overall),
            ("p", f"按照实施方案,到{b.target_year}年综合科技进步水平指数达到{goal},排名进入{rank}。"),
            ("p", f"32项三级指标中,绿灯{lights.get('green', 0)}项、黄灯{lights.get('yellow', 0)}项、红灯{lights.get('red', 0)}项、无法判断{lights.get('grey', 0)}项。"),
            ("note", b.label),
            ("chart", "path"),
            ("chart", "map_peers"),
        ]),
        ("一级、二级指标进展", [
            ("table", (["指标", f"{b.year}年得分", "里程碑", f"{b.target_year}年目标得分", "状态"],
                       [[("　" if g.depth == 2 else "") + f"{g.code} {g.name}", _num(g.value), _num(g.milestone), _num(g.target), STATUS_TEXT.get(g.status, g.status)] for g in b.groups])),
            ("chart", "groups"),
        ]),
        *([("与省评价反馈对比", _feedback_blocks(b))] if b.feedback else []),
        ("三级指标进度(红黄绿灯)", _light_blocks(b)),
        ("指数变动分析", _change_blocks(b)),
        ("县区排名", _county_blocks(b)),
        ("部门工作进度", _department_blocks(b)),
        ("下一步工作重点", [("p", b.focus_text)] + ([("table", (["指标", "现值", "建议提升至", "拉动指数(点)", "牵头单位"], [[f.label, *f.cells, f.owners] for f in b.focus]))] if b.focus else [])),
    ]
    return out


def _changes_blocks(b: Bulletin) -> list[Block]:
    rows = [[c.label, *c.cells] for c in b.changes]
    return [("p", b.changes_text)] + ([("table", (["类别", "内容", "链接"], rows))] if rows else [])


def _feedback_blocks(b: Bulletin) -> list[Block]:
    head = f"省里公布的{b.year}年评价反馈与本市按同一方法计算的结果逐项对比如下(差值为本市计算减公布得分)。{b.feedback_note}"
    return [("p", head), ("table", (["指标", "公布得分", "本市计算", "差值"], [[f.label, *f.cells] for f in b.feedback]))]


def _light_blocks(b: Bulletin) -> list[Block]:
    blocks: list[Block] = []
    for light, intro in (("red", "红灯指标(进展有限或倒退)"), ("yellow", "黄灯指标(进展一般)"), ("green", "绿灯指标(按进度推进或已达标)")):
        rows = b.lights.get(light, ())
        blocks.append(("p", f"{intro}{len(rows)}项{':' if rows else '。'}"))
        if rows:
            blocks.append(("table", (["指标", f"{b.year}年值", "里程碑", "状态", "牵头单位"], [[r.label, *r.cells, r.owners] for r in rows])))
    grey = b.lights.get("grey", ())
    if grey:
        blocks.append(("p", f"无法判断{len(grey)}项(无本年数据或仅有基期):" + "、".join(r.label for r in grey) + "。"))
    return blocks


def _change_blocks(b: Bulletin) -> list[Block]:
    if b.previous_year is None:
        return [("p", f"目前只有基期({b.baseline_year}年)数据,尚无法分析指数变动。")]
    if b.change is None:
        return [("p", f"{b.previous_year}年或{b.year}年的指数无法计算,尚无法分析指数变动。")]
    head = (f"与{b.previous_year}年相比,综合指数{'上升' if b.change >= 0 else '下降'}{abs(b.change):.2f}个点,按指标精确分解"
            "(各指标的拉动为其自身得分变动的影响,得分上升的指标不会为负;指标出现或缺失引起的权重重新分配单列一项;各项之和等于总变动),变动最大的指标如下:")
    rows = [[m.label, *m.cells, m.owners] for m in b.movers]
    if b.reweight is not None and abs(b.reweight) > 5e-4:
        rows.append(["权重重新分配(指标出现或缺失,同级权重重新归一)", f"{b.reweight:+.3f}", "—"])
    return [("p", head), ("table", (["指标", "拉动(点)", "牵头单位"], rows))]


def _county_blocks(b: Bulletin) -> list[Block]:
    if not b.counties:
        return [("p", "数据库中尚无审核通过的县区数据,暂不排名。")]
    header = ["名次", "县区", "综合指数(%)", "有数据指标"] + (["达到县区目标"] if b.counties[0].cells[3:] else [])
    return [("p", f"{b.county_year}年各县区综合科技进步水平指数及县区间排名如下(达到县区目标:按县区实施方案的目标计,未设定的按全市方案的县区目标或全市目标):"),
            ("table", (header, [[c.label, *c.cells] for c in b.counties])),
            ("chart", "map_counties")]


def _department_blocks(b: Bulletin) -> list[Block]:
    blocks: list[Block] = []
    if b.year <= b.baseline_year:
        blocks.append(("p", "目前只有基期数据,尚无法判断各部门进度。"))
    elif b.warnings:
        blocks.append(("p", f"以下{len(b.warnings)}项指标低于里程碑或进展有限、倒退,请牵头单位加快推进:"))
        blocks.append(("table", (["指标", "预警级别", "与里程碑差距(指数点)", "牵头单位"], [[w.label, *w.cells, w.owners] for w in b.warnings])))
    else:
        blocks.append(("p", "本年度没有需要预警的指标。"))
    if b.late:
        blocks.append(("p", f"以下{len(b.late)}个牵头单位尚有{b.year}年指标数据未报送或未审核通过:"))
        blocks.append(("table", (["牵头单位", "未有数据的指标"], [[d.owners, d.label] for d in b.late])))
    return blocks


# ------------------------------------------------------------------ Word


def _font(run: Any, name: str, size: float, *, bold: bool = False, colour: str | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = SONG if name == XBS else name  # Latin slot: a font every Word has
    run.font.size = Pt(size)
    run.font.bold = bold
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # Chinese text uses the East Asian slot


def _para(doc: Any, text: str, font: str, size: float, *, align: str = "justify", bold: bool = False, indent: bool = False, colour: str | None = None, exact: bool = True) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.shared import Pt

    p = doc.add_paragraph()
    p.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT, "left": WD_ALIGN_PARAGRAPH.LEFT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
    fmt = p.paragraph_format
    fmt.keep_with_next = text.endswith(":")  # an introduction stays on the page of its table
    fmt.space_before = fmt.space_after = Pt(0)
    if exact:
        fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(28.95)
    if indent:
        fmt.first_line_indent = Pt(2 * size)  # two characters
    _font(p.add_run(text), font, size, bold=bold, colour=colour)
    return p


def _red_rule(p: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    border, bottom = OxmlElement("w:pBdr"), OxmlElement("w:bottom")
    for key, value in (("val", "single"), ("sz", "12"), ("space", "4"), ("color", "C00000")):
        bottom.set(qn(f"w:{key}"), value)
    border.append(bottom)
    p._p.get_or_add_pPr().append(border)


def _docx_table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    share = [2.4 if j == 0 else 1.8 if "单位" in h else 1.0 for j, h in enumerate(header)]  # names and owners need the room
    widths = [Mm(156 * w / sum(share)) for w in share]  # 156 mm: A4 less the 28 + 26 mm margins
    for cell, text in zip(table.rows[0].cells, header):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(cell.paragraphs[0].add_run(text), HEITI, 10.5)
    for row in rows:
        table.add_row()
    for column, width in zip(table.columns, widths):
        column.width = width  # the grid (LibreOffice/WPS read it), and each cell (Word reads those)
    for row_cells in table.rows:
        for cell, width in zip(row_cells.cells, widths):
            cell.width = width
    for r, row in enumerate(rows, start=1):
        for j, (cell, text) in enumerate(zip(table.rows[r].cells, row)):
            if j:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            _font(cell.paragraphs[0].add_run(str(text)), FANGSONG, 10.5)
    doc.add_paragraph()


def write_docx(b: Bulletin, path: str | Path, charts: dict[str, bytes]) -> Path:
    """Write the bulletin as a Word document in the GB/T 9704 layout."""
    import docx
    from docx.shared import Mm

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    _font(doc.styles["Normal"], FANGSONG, 16)
    _para(doc, b.issuer, XBS, 26, align="center", colour="C00000", exact=False)
    _red_rule(_para(doc, b.doc_number, FANGSONG, 16, align="center"))
    _para(doc, "", FANGSONG, 16)
    _para(doc, b.title, XBS, 22, align="center", exact=False)
    _para(doc, "", FANGSONG, 16)
    _para(doc, "各县区人民政府,市直有关部门:", FANGSONG, 16)
    _para(doc, f"现将{b.region}{b.year}年度综合科技进步水平指数提升工作进展情况通报如下。", FANGSONG, 16, indent=True)
    for k, (heading, blocks) in enumerate(sections(b)):
        _para(doc, f"{NUMERALS[k]}、{heading}", HEITI, 16, indent=True)
        for kind, content in blocks:
            if kind == "p":
                _para(doc, content, FANGSONG, 16, indent=True)
            elif kind == "note":
                _para(doc, content, KAITI, 14, align="left", bold=True)
            elif kind == "table":
                _docx_table(doc, *content)
            elif kind == "chart" and content in charts:
                doc.add_picture(io.BytesIO(charts[content]), width=Mm(150))
    _para(doc, "", FANGSONG, 16)
    _para(doc, b.issuer, FANGSONG, 16, align="right")
    _para(doc, chinese_date(b.issued), FANGSONG, 16, align="right")
    path = Path(path)
    doc.save(str(path))
    return path


# ------------------------------------------------------------------ HTML

CSS = """body{font-family:"仿宋_GB2312","FangSong","STFangsong","Noto Serif CJK SC",serif;max-width:860px;margin:2em auto;line-height:1.8;font-size:16px;color:#222}
.issuer{color:#c00000;text-align:center;font-size:30px;font-family:"方正小标宋简体","宋体","SimSun",serif;letter-spacing:2px}
.docno{text-align:center;border-bottom:2px solid #c00000;padding-bottom:.4em}
h1{text-align:center;font-size:24px;font-family:"方正小标宋简体","宋体","SimSun",serif;font-weight:normal;margin:1.2em 0}
h2{font-family:"黑体","SimHei","Noto Sans CJK SC",sans-serif;font-size:17px;font-weight:normal}
p{text-indent:2em;margin:.3em 0}.note{font-weight:bold;background:#fff4ce;padding:.4em;text-indent:0}
table{border-collapse:collapse;margin:.6em 0 1em;width:100%;font-size:14px}th,td{border:1px solid #555;padding:.2em .5em}th{background:#eef1f7}
td:not(:first-child){text-align:center}img{max-width:100%}.sign{text-align:right;text-indent:0}"""


def write_html(b: Bulletin, path: str | Path, charts: dict[str, bytes]) -> Path:
    """Write the bulletin as one self-contained HTML file (inline CSS, base64 PNG charts, no links)."""
    e = html.escape
    parts = [f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(b.title)}</title><style>{CSS}</style></head><body>',
             f'<div class="issuer">{e(b.issuer)}</div><div class="docno">{e(b.doc_number)}</div><h1>{e(b.title)}</h1>']
    for k, (heading, blocks) in enumerate(sections(b)):
        parts.append(f"<h2>{NUMERALS[k]}、{e(heading)}</h2>")
        for kind, content in blocks:
            if kind == "p":
                parts.append(f"<p>{e(content)}</p>")
            elif kind == "note":
                parts.append(f'<p class="note">{e(content)}</p>')
            elif kind == "table":
                header, rows = content
                head = "".join(f"<th>{e(h)}</th>" for h in header)
                body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows)
                parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif kind == "chart" and content in charts:
                data = base64.b64encode(charts[content]).decode("ascii")
                parts.append(f'<img alt="{e(content)}" src="data:image/png;base64,{data}">')
    parts.append(f'<p class="sign">{e(b.issuer)}</p><p class="sign">{e(chinese_date(b.issued))}</p></body></html>')
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
