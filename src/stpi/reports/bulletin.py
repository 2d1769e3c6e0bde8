"""The progress bulletin (进展通报) as plain data, and its Word (GB/T 9704—2012) and HTML documents.

:class:`Bulletin` holds only numbers and text already gathered (``stpi.queries.bulletin``
gathers them from the store); :func:`sections` turns it into numbered sections of paragraphs,
sub-headings, tables and charts, in Chinese as an official document writes it (full-width
punctuation, 百分点 for changes of percentages, no English: :mod:`stpi.reports.chinese`); the
writers lay them out. Word follows GB/T 9704—2012 (:mod:`stpi.reports.gbt9704`); the HTML is one
self-contained file: inline CSS, charts as base64 PNG.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stpi.numbers import number
from stpi.reports.chinese import arabic_date, fullwidth, text_width, zh_only
from stpi.reports.gbt9704 import BODY, FANGSONG, HEITI, KAITI, SONG, XBS, colophon, font, page_numbers, para, red_rule, signature, table_rows_fixed

__all__ = ["Bulletin", "DEFAULT_COPY_TO", "GroupLine", "Line", "MAIN_TO", "arabic_date", "by_department", "centred", "chinese_date", "column_shares", "document_text", "note", "sections",
           "write_docx", "write_html"]

_font, _para, _red_rule = font, para, red_rule  # the names other GB/T 9704 documents import from here
__all__ += ["FANGSONG", "HEITI", "KAITI", "SONG", "XBS"]
NUMERALS = "一二三四五六七八九十"
LIGHT_TEXT = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "grey": "无法判断"}
STATUS_TEXT = {"reached": "已达标", "on_track": "按进度推进", "moderate": "进展一般", "limited": "进展有限", "deterioration": "倒退", "baseline_only": "仅有基期", "no_data": "无数据",
               "incomplete": "不完整（预估）"}
POLICY_TEXT = {"reweight": "缺失指标不计入，其权重由同级其他指标按比例分担", "zero": "缺失指标按0分计", "propagate": "有指标缺失的上级指标不计算"}
MAIN_TO = "各县区人民政府，市直有关部门："
DEFAULT_COPY_TO = ("省科技厅", "市委办公室", "市人大常委会办公室", "市政府办公室", "市政协办公室")
REPLY_DAYS, DATA_DAYS = 15, 10  # 工作要求: days from the 成文日期 to the replies on red and yellow indicators, and to the missing figures


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
    rank: int | None = None  # the city's place among the province's regions in the year (1 = highest), when known
    rank_regions: int | None = None  # among how many regions
    rank_source: str = ""  # where the rank comes from (省评价反馈 / 按同一方法对各市州的测算)
    supervision: tuple[Line, ...] = ()  # open 督办: subject; (status, deadline); department
    copy_to: tuple[str, ...] = ()  # 抄送机关 of the 版记 (none: DEFAULT_COPY_TO)

    @property
    def title(self) -> str:
        """The document's title (预估 for a year whose figures are not all approved)."""
        return f"关于{self.region}{self.year}年度综合科技进步水平指数提升工作进展情况的通报" + ("" if self.complete else "（预估）")

    @property
    def label(self) -> str:
        """The one short note on the data and parameters (empty for real data and official parameters)."""
        return note(self.demo, self.illustrative)


def note(demo: bool, illustrative: bool, language: str = "zh") -> str:
    """The bulletin's 注 on synthetic data and illustrative parameters, in the document's language ("" when neither)."""
    if language == "en":
        what = " and ".join(w for w, on in (("demo data", demo), ("illustrative parameters", illustrative)) if on)
        return f"Note: this bulletin uses {what}; it is not an official evaluation." if what else ""
    what = "和".join(w for w, on in (("演示数据", demo), ("示意参数", illustrative)) if on)
    return f"注：本通报使用{what}，不代表正式评价结果。" if what else ""


def chinese_date(day: date) -> str:
    """``2026-11-27`` → ``二〇二六年十一月二十七日``: the pre-2012 way; GB/T 9704—2012 writes the 成文日期 with :func:`arabic_date`."""
    digits = "〇一二三四五六七八九"

    def number(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")

    return "".join(digits[int(c)] for c in str(day.year)) + f"年{number(day.month)}月{number(day.day)}日"


def _num(x: float | None) -> str:
    return number(x)  # numbers for people: one rule everywhere (stpi.numbers)


def _policy(text: str) -> str:
    """The missing-value policy in words: ``reweight(…)`` (the option's name and its gloss) → the Chinese description."""
    key = re.match(r"[a-z]+", text)
    return POLICY_TEXT.get(key.group(0), zh_only(text)) if key else zh_only(text)


def column_shares(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Each column's share of the table's width: its longest line in characters (between 2 and 14), and 1.5 for the cell's padding."""
    lines = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    return [1.5 + min(14.0, max(2.0, *(max((text_width(x) for x in row[j].split("\n")), default=0.0) for row in lines if j < len(row)))) for j in range(len(header))]


def centred(text: str) -> bool:
    """A short cell (a number, a status) is centred; names and lists read from the left."""
    return "\n" not in text and text_width(text) <= 8


def _uncoded(label: str) -> str:
    """``　A2 科技活动投入`` → ``　科技活动投入``: a node's code (A2, INDEX) dropped before its name."""
    return re.sub(r"^(\s*)[A-Z][A-Z0-9_.]*\s+", r"\1", label)


# ------------------------------------------------------------------ content shared by the writers


Block = tuple[str, Any]  # ("p", text) | ("h2", text) | ("h3", (title, text)) | ("table", (header, rows)) | ("chart", key) | ("note", text)


def sections(b: Bulletin, *, links: bool = False) -> list[tuple[str, list[Block]]]:
    """The bulletin's numbered sections: (heading, blocks) in order, every text as a Chinese document writes it.

    ``links``: the changes table keeps its 链接 column (the HTML); paper (Word, PDF) prints no addresses.
    """
    out: list[tuple[str, list[Block]]] = [
        *([("上次通报以来的变化", _changes_blocks(b, links=links))] if b.changes_text else []),
        ("总体情况", _overall_blocks(b)),
        ("一级、二级指标进展", [
            ("table", (["指标", f"{b.year}年得分", "里程碑", f"{b.target_year}年目标得分", "状态"],
                       [[("　" if g.depth == 2 else "") + g.name, _num(g.value), _num(g.milestone), _num(g.target), STATUS_TEXT.get(g.status, g.status)] for g in b.groups])),
            ("chart", "groups"),
        ]),
        *([("与省评价反馈对比", _feedback_blocks(b))] if b.feedback else []),
        ("三级指标进度（红黄绿灯）", _light_blocks(b)),
        ("指数变动分析", _change_blocks(b)),
        ("县区排名", _county_blocks(b)),
        ("部门工作进度", _department_blocks(b)),
        ("下一步工作重点", [("p", b.focus_text)] + ([("table", (["指标", "现值", "建议提升至", "拉动指数（百分点）", "牵头单位"], [[f.label, *f.cells, f.owners] for f in b.focus]))] if b.focus else [])),
        ("工作要求", _requirement_blocks(b)),
    ]
    return [(_zh(heading), [_zh_block(block) for block in blocks]) for heading, blocks in out]


_ADDRESS = re.compile(r"^(https?://|/)\S*$")  # a link cell (the HTML's changes table): an address, not text to put into Chinese


def _zh(text: str) -> str:
    return fullwidth(zh_only(text))


def _zh_block(block: Block) -> Block:
    kind, content = block
    if kind in ("p", "h2", "note"):
        return kind, _zh(content)
    if kind == "h3":
        return kind, (_zh(content[0]), _zh(content[1]))
    if kind == "table":
        header, rows = content
        return kind, ([_zh(h) for h in header], [[str(c) if _ADDRESS.match(str(c)) else _zh(str(c)) for c in row] for row in rows])
    return block


def _overall_blocks(b: Bulletin) -> list[Block]:
    lights = {k: len(v) for k, v in b.lights.items()}
    rank_goal = f"全省{b.goal_regions}个市州第{b.goal_rank}位{'左右' if b.goal_rank_approx else ''}"
    coverage = (f"{b.indicators}项三级指标均有数据" if b.with_data == b.indicators
                else f"{b.indicators}项三级指标中{b.with_data}项有数据（{_policy(b.policy)}）")
    if b.index is None:
        overall = f"{b.year}年已审核数据不足以计算综合科技进步水平指数（{coverage}）。"
    elif not b.complete:  # a partial year: the estimate, never a progress status
        overall = (f"{b.year}年数据尚不完整（{b.missing_count}项指标未报或未审核通过），综合科技进步水平指数预估为{number(b.index, '%')}"
                   f"（未报指标按其最近一年的数值计），当年里程碑为{_num(b.index_milestone)}%，暂不判断进度状态。")
    else:
        overall = (f"{b.year}年{b.region}综合科技进步水平指数为{number(b.index, '%')}（{coverage}）"
                   + ("" if b.change is None or b.previous_year is None else f"，比{b.previous_year}年{'上升' if b.change >= 0 else '下降'}{number(abs(b.change))}个百分点")
                   + f"，当年里程碑为{_num(b.index_milestone)}%，进度状态为{STATUS_TEXT.get(b.index_status, b.index_status)}。")
    if b.lock_label:
        overall += b.lock_label.rstrip("。") + "。"
    goal = f"{b.goal_index:g}%{'以上' if b.goal_at_least else ''}"
    gap = "" if b.index is None else "；目前指数已达到目标" if b.index >= b.goal_index else f"；目前指数距目标还差{number(b.goal_index - b.index)}个百分点"
    blocks: list[Block] = [("p", overall), ("p", f"按照实施方案，到{b.target_year}年综合科技进步水平指数达到{goal}、排名进入{rank_goal}{gap}。")]
    if b.rank is not None:
        regions = b.rank_regions or b.goal_regions
        where = f"（{b.rank_source}）" if b.rank_source else ""
        behind = b.rank - b.goal_rank
        blocks.append(("p", f"{b.year}年{b.region}在全省{regions}个市州中居第{b.rank}位{where}，"
                            + (f"距第{b.goal_rank}位的目标还差{behind}位。" if behind > 0 else f"已达到第{b.goal_rank}位的排名目标。")))
    counts = f"绿灯{lights.get('green', 0)}项、黄灯{lights.get('yellow', 0)}项、红灯{lights.get('red', 0)}项" + (f"、无法判断{lights['grey']}项" if lights.get("grey") else "")
    blocks += [("p", f"{b.indicators}项三级指标中，{counts}。")]
    if b.label:
        blocks.append(("note", b.label))
    return blocks + [("chart", "path"), ("chart", "map_peers")]


def _changes_blocks(b: Bulletin, *, links: bool = False) -> list[Block]:
    rows = [[c.label, *(c.cells if links else c.cells[:1])] for c in b.changes]
    return [("p", b.changes_text)] + ([("table", (["类别", "内容", "链接"] if links else ["类别", "内容"], rows))] if rows else [])


def _feedback_blocks(b: Bulletin) -> list[Block]:
    head = f"省里公布的{b.year}年评价反馈与本市按同一方法计算的结果逐项对比如下（差值为本市计算减公布得分）。{b.feedback_note}"
    return [("p", head), ("table", (["指标", "公布得分", "本市计算", "差值"], [[_uncoded(f.label), *f.cells] for f in b.feedback]))]


def _light_blocks(b: Bulletin) -> list[Block]:
    blocks: list[Block] = []
    header = ["指标", f"{b.year}年值", "里程碑", "状态", "牵头单位"]
    for k, (light, intro) in enumerate((("red", "红灯指标（进展有限或倒退）"), ("yellow", "黄灯指标（进展一般）"), ("green", "绿灯指标（按进度推进或已达标）"))):
        rows = b.lights.get(light, ())
        blocks.append(("h2", f"（{NUMERALS[k]}）{intro}{len(rows)}项"))
        if rows:
            blocks.append(("table", (header, [[r.label, *r.cells, r.owners] for r in rows])))
    grey = b.lights.get("grey", ())
    if grey:
        blocks += [("h2", f"（四）无法判断{len(grey)}项"), ("p", "无本年数据或仅有基期的指标：" + "、".join(r.label for r in grey) + "。")]
    return blocks


def _change_blocks(b: Bulletin) -> list[Block]:
    if b.previous_year is None:
        return [("p", f"目前只有基期（{b.baseline_year}年）数据，尚无法分析指数变动。")]
    if b.change is None:
        return [("p", f"{b.previous_year}年或{b.year}年的指数无法计算，尚无法分析指数变动。")]
    head = (f"与{b.previous_year}年相比，综合指数{'上升' if b.change >= 0 else '下降'}{number(abs(b.change))}个百分点。按指标精确分解"
            "（各指标的拉动为其自身得分变动的影响，得分上升的指标不会为负；指标出现或缺失引起的权重重新分配单列一项；各项之和等于总变动），变动最大的指标如下：")
    rows = [[m.label, *m.cells, m.owners] for m in b.movers]
    if b.reweight is not None and abs(b.reweight) > 5e-4:
        rows.append(["权重重新分配（指标出现或缺失，同级权重重新归一）", number(b.reweight, signed=True), "—"])
    return [("p", head), ("table", (["指标", "拉动（百分点）", "牵头单位"], rows))]


def _county_blocks(b: Bulletin) -> list[Block]:
    if not b.counties:
        return [("p", "数据库中尚无审核通过的县区数据，暂不排名。")]
    header = ["名次", "县区", "综合指数（%）", "有数据指标"] + (["达到县区目标"] if b.counties[0].cells[3:] else [])
    return [("p", f"{b.county_year}年各县区综合科技进步水平指数及县区间排名如下（达到县区目标：按县区实施方案的目标计，未设定的按全市方案的县区目标或全市目标）："),
            ("table", (header, [[c.label, *c.cells] for c in b.counties])),
            ("chart", "map_counties")]


def by_department(lines: Sequence[Line]) -> dict[str, list[Line]]:
    """Each department once, with the lines it leads (a line led by two departments is listed under both)."""
    out: dict[str, list[Line]] = {}
    for line in lines:
        for dept in (d for d in line.owners.split("、") if d):
            out.setdefault(dept, []).append(line)
    return dict(sorted(out.items(), key=lambda kv: (-sum(x.cells[0] == "红色" for x in kv[1]), -len(kv[1]))))


def _department_blocks(b: Bulletin) -> list[Block]:
    if b.year <= b.baseline_year:
        return [("p", "目前只有基期数据，尚无法判断各部门进度。")]
    blocks: list[Block] = [("h2", "（一）预警指标")]
    if b.warnings:
        depts = by_department(b.warnings)
        blocks.append(("p", f"{len(b.warnings)}项指标低于里程碑或进展有限、倒退，涉及{len(depts)}个牵头单位（括号内为与里程碑差距对综合指数的影响，单位为百分点），请加快推进："))
        rows = [[dept, *("\n".join(f"{x.label}（{x.cells[1]}）" for x in lines if x.cells[0] == level) or "—" for level in ("红色", "黄色"))] for dept, lines in depts.items()]
        blocks.append(("table", (["牵头单位", "红色预警指标", "黄色预警指标"], rows)))
    else:
        blocks.append(("p", "本年度没有需要预警的指标。"))
    if b.late:
        blocks += [("h2", f"（{NUMERALS[sum(k == 'h2' for k, _ in blocks)]}）数据报送"), ("p", f"以下{len(b.late)}个牵头单位尚有{b.year}年指标数据未报送或未审核通过："),
                   ("table", (["牵头单位", "未有数据的指标"], [[d.owners, d.label] for d in b.late]))]
    if b.supervision:
        blocks += [("h2", f"（{NUMERALS[sum(k == 'h2' for k, _ in blocks)]}）督办事项"), ("p", f"以下{len(b.supervision)}项督办事项尚未办结："),
                   ("table", (["责任单位", "督办事项", "办理情况", "截止日期"], [[s.owners, s.label, *(list(s.cells) + ["", ""])[:2]] for s in b.supervision]))]
    return blocks


def _requirement_blocks(b: Bulletin) -> list[Block]:
    """工作要求: who does what by when, from the lists above and the 成文日期."""
    reply, data = arabic_date(b.issued + timedelta(days=REPLY_DAYS)), arabic_date(b.issued + timedelta(days=DATA_DAYS))
    items = [("压实牵头责任", f"各牵头单位要对照实施方案确定的{b.target_year}年目标值，逐项分析本单位牵头指标的差距和原因，明确年度工作措施和责任人。")]
    flagged = [x for x in (*b.lights.get("red", ()), *b.lights.get("yellow", ()))]
    if flagged:
        depts = "、".join(by_department(flagged))
        items.append(("抓好红黄灯指标整改", f"{depts}要针对本通报所列红灯、黄灯指标，于{reply}前将原因分析和整改措施书面报送{b.issuer}。"))
    if b.late:
        items.append(("按时报送统计数据", f"{'、'.join(d.owners for d in b.late)}要于{data}前完成{b.year}年指标数据的报送和审核。"))
    if b.supervision:
        items.append(("按期办结督办事项", "各责任单位要按督办通知的时限反馈办理情况，逾期未反馈的将予以通报，并纳入年度考核。"))
    items.append(("统一统计口径", "各责任单位要按照省级统计监测的指标解释和统计口径核对数据，确保数据真实、准确、及时。"))
    return [("h3", (f"{k}.{title}。", text)) for k, (title, text) in enumerate(items, start=1)]


def document_text(b: Bulletin) -> str:
    """Every text the bulletin prints, in order (the PDF subsets its fonts to these characters)."""
    parts = [b.issuer, b.doc_number, b.title, MAIN_TO, _opening(b), arabic_date(b.issued), "抄送：" + "，".join(b.copy_to or DEFAULT_COPY_TO) + "。", "印发", "— 0123456789 —"]
    for k, (heading, blocks) in enumerate(sections(b)):
        parts.append(f"{NUMERALS[k]}、{heading}")
        for kind, content in blocks:
            if kind in ("p", "h2", "note"):
                parts.append(content)
            elif kind == "h3":
                parts += list(content)
            elif kind == "table":
                parts += content[0] + [c for row in content[1] for c in row]
    return "\n".join(parts)


def _opening(b: Bulletin) -> str:
    return f"现将{b.region}{b.year}年度综合科技进步水平指数提升工作进展情况通报如下。"


# ------------------------------------------------------------------ Word


def _docx_table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """A grid in 5号: the header row repeats on each page, no row splits across pages."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    share = column_shares(header, rows)
    widths = [Mm(156 * w / sum(share)) for w in share]  # 156 mm: A4 less the 28 + 26 mm margins
    for column, width in zip(table.columns, widths):
        column.width = width  # the grid (LibreOffice/WPS read it), and each cell (Word reads those)
    for r, row in enumerate([list(header), *rows]):
        for j, (cell, text, width) in enumerate(zip(table.rows[r].cells, row, widths)):
            cell.width = width
            p = cell.paragraphs[0]
            if r == 0 or (j and centred(str(text))):
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            font(p.add_run(str(text)), HEITI if r == 0 else FANGSONG, 10.5)
            p.paragraph_format.keep_with_next = r == 0  # the header row never ends a page alone (LibreOffice then drops the rows after it)
    table_rows_fixed(table)
    doc.add_paragraph()


def _docx_heading3(doc: Any, title: str, text: str) -> None:
    """A run-in third-level heading: ``1.标题。`` in bold 仿宋, then the paragraph's text."""
    p = para(doc, "", FANGSONG, BODY, indent=True)
    font(p.add_run(title), FANGSONG, BODY, bold=True)
    font(p.add_run(text), FANGSONG, BODY)


def write_docx(b: Bulletin, path: str | Path, charts: dict[str, bytes]) -> Path:
    """Write the bulletin as a Word document in the GB/T 9704—2012 layout."""
    import docx
    from docx.shared import Mm

    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    font(doc.styles["Normal"], FANGSONG, BODY)
    page_numbers(doc, section)
    para(doc, b.issuer, XBS, 26, align="center", colour="C00000", exact=False)
    red_rule(para(doc, b.doc_number, FANGSONG, BODY, align="center"))
    para(doc, "", FANGSONG, BODY)
    para(doc, b.title, XBS, 22, align="center", exact=False)
    para(doc, "", FANGSONG, BODY)
    para(doc, MAIN_TO, FANGSONG, BODY, align="left")
    para(doc, _opening(b), FANGSONG, BODY, indent=True)
    for k, (heading, blocks) in enumerate(sections(b)):
        para(doc, f"{NUMERALS[k]}、{heading}", HEITI, BODY, indent=True).paragraph_format.keep_with_next = True
        for kind, content in blocks:
            if kind == "p":
                para(doc, content, FANGSONG, BODY, indent=True)
            elif kind == "h2":
                para(doc, content, KAITI, BODY, indent=True).paragraph_format.keep_with_next = True
            elif kind == "h3":
                _docx_heading3(doc, *content)
            elif kind == "note":
                para(doc, content, KAITI, BODY, indent=True)
            elif kind == "table":
                _docx_table(doc, *content)
            elif kind == "chart" and content in charts:
                doc.add_picture(io.BytesIO(charts[content]), width=Mm(150))
    signature(doc, b.issuer, b.issued)
    colophon(doc, b.copy_to or DEFAULT_COPY_TO, b.issuer, b.issued)
    path = Path(path)
    doc.save(str(path))
    return path


# ------------------------------------------------------------------ HTML

CSS = """body{font-family:"仿宋_GB2312","FangSong","STFangsong","Noto Serif CJK SC",serif;max-width:860px;margin:2em auto;line-height:1.8;font-size:16px;color:#222}
.issuer{color:#c00000;text-align:center;font-size:30px;font-family:"方正小标宋简体","宋体","SimSun","Noto Serif CJK SC",serif;letter-spacing:2px}
.docno{text-align:center;border-bottom:2px solid #c00000;padding-bottom:.4em}
h1{text-align:center;font-size:24px;font-family:"方正小标宋简体","宋体","SimSun","Noto Serif CJK SC",serif;font-weight:normal;margin:1.2em 0}
h2{font-family:"黑体","SimHei","Noto Sans CJK SC",sans-serif;font-size:17px;font-weight:normal;text-indent:2em}
h3{font-family:"楷体_GB2312","KaiTi","STKaiti",serif;font-size:16px;font-weight:normal;text-indent:2em;margin:.4em 0}
p{text-indent:2em;margin:.3em 0}.main{text-indent:0}.note{font-family:"楷体_GB2312","KaiTi","STKaiti",serif}
table{border-collapse:collapse;margin:.6em 0 1em;width:100%;font-size:14px}th,td{border:1px solid #555;padding:.2em .5em}th{background:#eef1f7}
td:not(:first-child){text-align:center}img{max-width:100%}.sign{text-align:right;text-indent:0}
.colophon{margin-top:3em;border-top:2px solid #222;border-bottom:2px solid #222;font-size:14px}
.colophon p{text-indent:0;margin:0;padding:.3em 1em}.colophon .copy{border-bottom:1px solid #222}.colophon .printer{display:flex;justify-content:space-between}"""


def write_html(b: Bulletin, path: str | Path, charts: dict[str, bytes]) -> Path:
    """Write the bulletin as one self-contained HTML file (inline CSS, base64 PNG charts, no links)."""
    e = html.escape
    parts = [f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(b.title)}</title><style>{CSS}</style></head><body>',
             f'<div class="issuer">{e(b.issuer)}</div><div class="docno">{e(b.doc_number)}</div><h1>{e(b.title)}</h1>',
             f'<p class="main">{e(MAIN_TO)}</p><p>{e(_opening(b))}</p>']
    for k, (heading, blocks) in enumerate(sections(b, links=True)):
        parts.append(f"<h2>{NUMERALS[k]}、{e(heading)}</h2>")
        for kind, content in blocks:
            if kind == "p":
                parts.append(f"<p>{e(content)}</p>")
            elif kind == "h2":
                parts.append(f"<h3>{e(content)}</h3>")
            elif kind == "h3":
                parts.append(f"<p><b>{e(content[0])}</b>{e(content[1])}</p>")
            elif kind == "note":
                parts.append(f'<p class="note">{e(content)}</p>')
            elif kind == "table":
                header, rows = content
                head = "".join(f"<th>{e(h)}</th>" for h in header)
                body = "".join("<tr>" + "".join(f"<td>{e(str(c)).replace(chr(10), '<br>')}</td>" for c in row) + "</tr>" for row in rows)
                parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
            elif kind == "chart" and content in charts:
                data = base64.b64encode(charts[content]).decode("ascii")
                parts.append(f'<img alt="{e(content)}" src="data:image/png;base64,{data}">')
    when = arabic_date(b.issued)
    parts.append(f'<p class="sign" style="padding-right:{max(0.0, 4 + (text_width(when) - text_width(b.issuer)) / 2)}em">{e(b.issuer)}</p>'
                 f'<p class="sign" style="padding-right:4em">{e(when)}</p>')
    parts.append(f'<div class="colophon"><p class="copy">抄送：{e("，".join(b.copy_to or DEFAULT_COPY_TO))}。</p>'
                 f'<p class="printer"><span>{e(b.issuer)}</span><span>{e(when)}印发</span></p></div></body></html>')
    path = Path(path)
    path.write_text("\n".join(parts), encoding="utf-8")
    return path
