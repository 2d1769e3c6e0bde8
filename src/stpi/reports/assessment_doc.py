"""The departments' annual assessment: gathering its inputs from the store, and its XLSX and DOCX.

Inputs: the indicators' track status in the year (approved figures), and, per indicator,
the batch time of the first vintage of the year's figure for the plan's region (a figure
derived from raw statistics counts from the time its last raw statistic arrived) and how
often it was returned (the audit log's ``return`` actions). The workbook has two sheets,
汇总 and 明细: row 1 a banner (what it is, 示意规则 where illustrative), row 2 the header,
frozen below it; every text cell goes through :func:`stpi.tables.safe_cell`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stpi.analysis.assessment import NO_DATA, STATUSES, TIMELINESS, Assessment, Rules, assess
from stpi.analysis.assessment_words import rule_name
from stpi.analysis.track import track
from stpi.framework.formula import Formula
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import add_messages, get_lang, tr
from stpi.numbers import number
from stpi.store import Store
from stpi.store import rounds
from stpi.store.settings import DEMO_NOTE
from stpi.reports.chinese import arabic_date
from stpi.reports.gbt9704 import page_numbers, table_rows_fixed
from stpi.reports.workbook import display_width
from stpi.tables import print_setup, safe_cell

__all__ = ["DETAIL_COLUMNS", "DOCUMENT_SUMMARY", "SUMMARY_COLUMNS", "assessment_payload", "gather", "incomplete_note", "submissions", "write_assessment"]

add_messages({
    "assess.title": ("{region}{year}年度 科技进步水平指数提升工作部门考核结果", "{region} {year}: departments' assessment on raising the S&T progress index"),
    "assess.summary": ("汇总", "Summary"),
    "assess.detail": ("明细", "Detail"),
    "assess.legend": ("计分规则", "Scoring rules"),
    "assess.illustrative": ("【示意规则】分值与计分办法为演示假设，非正式考核办法", "[ILLUSTRATIVE RULES] the points are assumptions, not the official scheme"),
    "assess.incomplete": ("注：{year}年数据尚不完整，{n}项指标未报（{codes}），进度达成分按已报数据计算，为预估，待数据报齐后更新。",
                          "Note: {year} is incomplete, {n} indicators not reported ({codes}); the achievement points count the reported figures only and are an estimate until all are in."),
    "assess.rules": ("考核规则：{title}（{source}）", "Rules: {title} ({source})"),
    "assess.date": ("日期：{date}", "Date: {date}"),
    "assess.dept_detail": ("{rank}. {name}：总分 {total}", "{rank}. {name}: total {total}"),
    "assess.no_data": ("无数据", "No data"),
    "assess.method_percent": ("折算得分 = 实得分 ÷ 应得分 × 100；总分 = 折算得分 + 加分（加分不超过 {bonus} 分），不超过 {cap} 分，再减督办扣分（最多 {off} 分）；"
                              "名次按总分由高到低，并列取最好名次。每项得分 = 该项分值 × 部门角色权重（牵头 {lead}，责任 {resp}）。",
                              "Score = earned ÷ possible × 100; total = score + bonus (at most {bonus}), at most {cap}, less the supervision deduction (at most {off}); "
                              "ranked by total, ties sharing the best rank. Each point = the part's points × the department's role weight (lead {lead}, responsible {resp})."),
    "assess.method_sum": ("得分 = 各项实得分之和；总分 = 得分 + 加分（加分不超过 {bonus} 分），不超过 {cap} 分，再减督办扣分（最多 {off} 分）；"
                          "名次按总分由高到低，并列取最好名次。每项得分 = 该项分值 × 部门角色权重（牵头 {lead}，责任 {resp}）。",
                          "Score = the sum of the points earned; total = score + bonus (at most {bonus}), at most {cap}, less the supervision deduction (at most {off}); "
                          "ranked by total, ties sharing the best rank. Each point = the part's points × the department's role weight (lead {lead}, responsible {resp})."),
    "col.rank": ("名次", "Rank"), "col.department": ("部门", "Department"), "col.indicators": ("负责指标数", "Indicators"),
    "col.lead": ("牵头", "Lead"), "col.responsible": ("责任", "Responsible"), "col.earned": ("实得分", "Earned"),
    "col.possible": ("应得分", "Possible"), "col.score": ("折算得分", "Score"), "col.bonus": ("加分", "Bonus"),
    "col.total": ("总分", "Total"), "col.capped": ("封顶规则", "Caps"), "col.code": ("指标代码", "Code"),
    "col.deduction": ("督办扣分", "Deduction"),
    "col.indicator": ("指标", "Indicator"), "col.role": ("角色", "Role"), "col.role_weight": ("角色权重", "Role weight"),
    "col.part": ("考核项", "Part"), "col.rule": ("规则", "Rule"), "col.rule_text": ("规则说明", "What the rule says"),
    "col.basis": ("依据", "Evidence"), "col.formula": ("计算", "Calculation"), "col.points": ("得分", "Points"), "col.max_points": ("满分", "Max"),
    "role.lead": ("牵头单位", "lead"), "role.responsible": ("责任单位", "responsible"),
    "part.A": ("进度达成", "achievement"), "part.T": ("报送及时", "timeliness"), "part.Q": ("数据质量", "quality"),
    "part.B": ("加分", "bonus"), "part.C": ("封顶", "cap"), "part.D": ("督办", "supervision"),
})

SUMMARY_COLUMNS = ("rank", "name", "indicators", "lead", "responsible", "earned", "possible", "score", "bonus", "total", "capped")  # the terminal table's
# the documents' columns: 总分 beside the name, so it is on the first printed page and the first screen
DOCUMENT_SUMMARY = ("rank", "name", "total", "score", "bonus", "deduction", "earned", "possible", "indicators", "lead", "responsible", "capped")
DETAIL_COLUMNS = ("name", "code", "indicator", "role", "part", "rule", "basis", "formula", "points", "max_points")
LEGEND_COLUMNS = ("part", "rule", "rule_text")
NUMBERS = {"earned", "possible", "score", "bonus", "deduction", "total", "points", "max_points", "role_weight"}
# XLSX column widths (about one Latin character each; a Chinese character takes two)
WIDTHS = {"rank": 6, "name": 18, "total": 9, "score": 9, "bonus": 8, "deduction": 9, "earned": 9, "possible": 9, "indicators": 10, "lead": 6,
          "responsible": 6, "capped": 18, "code": 9, "indicator": 26, "role": 10, "part": 10, "rule": 14, "basis": 36, "formula": 44,
          "points": 8, "max_points": 8, "rule_text": 70}
BANNER_FILL, HEADER_FILL = "FFF2CC", "D9E1F2"
FANGSONG, SONG, HEITI = "仿宋_GB2312", "宋体", "黑体"


# ------------------------------------------------------------------ inputs


def submissions(store: Store, plan: Plan, year: int, formulas: Mapping[str, Formula]) -> pd.DataFrame:
    """Per plan indicator: code, submitted_at (when the reporter submitted the year's figure, NaT if none), returns, deadline (in the round, or None).

    The submission time is the task's (see :func:`stpi.store.rounds.submission_times`): when its reporter
    submitted it, or the date the bureau received figures it entered on a reporter's behalf; never merely
    when a bulk import by the bureau wrote them.
    """
    region = store.region(plan.region).code
    first: dict[str, datetime] = rounds.submission_times(store, year, region)
    dues = rounds.task_deadlines(store, year, region)  # each figure's deadline in the round (a reporter given more time counts)
    returns: dict[str, int] = {}
    for entry in store.audit(action="return", entity="observation", limit=10**9):
        where, _, rest = entry.key.partition("/")
        code, _, period = rest.partition("/")
        if where == region and period == str(year):
            returns[code] = returns.get(code, 0) + 1
    rows = []
    for ind in plan.indicators:
        times = [first[ind.code]] if ind.code in first else []
        variables = formulas[ind.code].variables if ind.code in formulas else ()
        if variables and all(v in first for v in variables):
            times.append(max(first[v] for v in variables))
        count = returns.get(ind.code, 0) + sum(returns.get(v, 0) for v in variables)
        rows.append((ind.code, min(times) if times else pd.NaT, count, dues.get(ind.code)))
    return pd.DataFrame(rows, columns=["code", "submitted_at", "returns", "deadline"])


def gather(store: Store, plan: Plan, fw: Framework, figures: pd.DataFrame, rules: Rules, year: int, formulas: Mapping[str, Formula]) -> Assessment:
    """The assessment of ``year``: track status of the approved figures, submissions, the rules."""
    table = track(plan, fw, figures) if len(figures) else pd.DataFrame(columns=["code", "year", "status", "start_year"])
    codes = {i.code for i in plan.indicators}
    status = table[(table["year"] == year) & table["code"].isin(codes)][["code", "status", "start_year"]]
    measured = bool((status["status"] != "no_data").any())
    if status.empty and year == plan.baseline_year:
        status = pd.DataFrame({"code": sorted(codes), "status": "baseline_only"})
    deadline = rounds.round_deadline(store, year)  # the round's deadline, when the year had one, rules the timeliness
    if deadline is not None:
        rules = dataclasses.replace(rules, deadline=deadline.isoformat())
    subs = submissions(store, plan, year, formulas)
    result = assess(plan, status, subs, rules, year=year, late_notices=late_notices(store, year))
    # the plan's baseline statuses stand in for a baseline year without figures: they are not data
    empty = not measured and not bool(subs["submitted_at"].notna().any())
    return dataclasses.replace(result, empty=empty)


def late_notices(store: Store, year: int) -> pd.DataFrame:
    """The year's supervision notices (督办〔year〕…) replied to after their deadline, or overdue without a reply: department, number."""
    from stpi.store.supervision import supervisions

    rows = [(x.department, x.number) for x in supervisions(store, year=year) if x.replied_on_time is False or (x.overdue and x.replied_at is None)]
    return pd.DataFrame(rows, columns=["department", "number"])


def assessment_payload(a: Assessment, plan: Plan) -> dict[str, Any]:
    """Everything the assessment shows, as JSON-ready data."""
    detail = a.detail.astype(object).where(a.detail.notna(), None)
    return {
        "region": plan.region, "year": a.year, "rules": {"title": a.rules.title, "source": a.rules.source, "illustrative": a.rules.illustrative, "deadline": a.rules.deadline_for(a.year).isoformat()},
        "empty": a.empty, "message": _no_data(a, plan) if a.empty else "",
        "complete": not a.missing, "missing": list(a.missing), "incomplete": incomplete_note(a),
        "summary": a.summary.to_dict(orient="records"),
        "detail": detail.to_dict(orient="records"),
    }


# ------------------------------------------------------------------ writers


def write_assessment(a: Assessment, plan: Plan, path: str | Path, *, today: date | None = None) -> Path:
    """Write the assessment as XLSX or DOCX, chosen by the file's suffix (a year without data: a short document saying 无数据)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _xlsx(a, plan, path)
    elif suffix == ".docx":
        _docx(a, plan, path, today or date.today())
    else:
        raise ValueError(suffix)
    return path


def _no_data(a: Assessment, plan: Plan) -> str:
    region = plan.region_label(get_lang())
    return (NO_DATA[0] if get_lang() == "zh" else NO_DATA[1]).format(region=region, year=a.year)


def _method(r: Rules) -> str:
    return tr(f"assess.method_{r.method}", bonus=f"{r.bonus_cap:g}", cap=f"{r.total_cap:g}", off=f"{r.supervision_cap:g}",
              lead=f"{r.roles['lead']:g}", resp=f"{r.roles['responsible']:g}")


def _cell(key: str, value: Any) -> Any:
    if key == "role":
        return tr(f"role.{value}") if value else None
    if key == "part":
        return tr(f"part.{value}")
    if key == "capped":
        return "、".join(rule_name(c)[get_lang() == "en"] for c in str(value).split(",") if c) or None
    if isinstance(value, float) and math.isnan(value):
        return None
    return safe_cell(value)


def _rows(frame: pd.DataFrame, keys: Sequence[str], plan: Plan) -> list[list[Any]]:
    """Cells in the document's language: names, rule names, evidence and formulas; numbers stay numbers."""
    en = get_lang() == "en"
    names = {d.code: d.label(get_lang()) for d in plan.departments}
    indicators = {i.code: i.label(get_lang()) for i in plan.indicators}
    rows = []
    for rec in frame.to_dict(orient="records"):
        rec["name"] = names.get(rec["department"], rec["department"])
        if "code" in rec and rec["code"]:
            rec["indicator"] = indicators.get(rec["code"], rec["indicator"])
        for key in ("rule_name", "rule_text", "basis", "formula"):
            if key in rec:
                rec[key] = rec[f"{key}_en"] if en else rec[key]
        if "rule_name" in rec:
            rec["rule"] = rec["rule_name"]
        if rec.get("part") in ("B", "C", "D"):
            rec["max_points"] = None  # bonuses, caps and deductions have no full marks of their own
        rows.append([_cell(k, rec.get(k)) for k in keys])
    return rows


def _legend(a: Assessment) -> pd.DataFrame:
    """One row per rule the assessment applied (in the order of its parts), with what the rule says."""
    ids = [f"A-{s}" for s in STATUSES] + [f"T-{t}" for t in TIMELINESS] + ["Q-clean", "Q-returned", "Q-missing", "B-early", "B-cap", "C-total", "D-supervision"]
    order = {rule: k for k, rule in enumerate(ids)}
    used = a.detail.drop_duplicates("rule")
    return used.sort_values("rule", key=lambda s: s.map(order), kind="stable")


def incomplete_note(a: Assessment) -> str:
    """What a document of a partial year says first: how many indicators are unreported, which, and that the achievement points are provisional ('' when complete)."""
    if not a.missing:
        return ""
    codes = "、".join(a.missing[:10]) + ("等" if len(a.missing) > 10 and get_lang() == "zh" else (" …" if len(a.missing) > 10 else ""))
    return tr("assess.incomplete", year=a.year, n=len(a.missing), codes=codes)


def _banner(a: Assessment, plan: Plan) -> str:
    head = tr("assess.title", region=plan.region_label(get_lang()), year=a.year)
    rules = tr("assess.rules", title=a.rules.title, source=Path(a.rules.source).name)
    return " · ".join(([DEMO_NOTE] if a.demo else []) + [head] + ([incomplete_note(a)] if a.missing else []) + [rules]
                      + ([tr("assess.illustrative")] if a.rules.illustrative else []))


def _sheet(ws: Worksheet, banner: str, keys: Sequence[str], rows: Sequence[Sequence[Any]], *, key_columns: int, title: str) -> None:
    """Banner, header, rows; wrapped text with row heights to match (neither Excel nor WPS refits them); set to print."""
    ws.cell(1, 1, safe_cell(banner)).font = Font(bold=True)
    ws.cell(1, 1).fill = PatternFill("solid", fgColor=BANNER_FILL)
    ws.cell(1, 1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(keys))
    total = sum(WIDTHS[k] for k in keys)
    ws.row_dimensions[1].height = 15 * max(1, -(-display_width(banner) // max(1, total - 4)))
    for j, key in enumerate(keys, start=1):
        cell = ws.cell(2, j, tr(f"col.{'department' if key == 'name' else key}"))
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = WIDTHS[key]
    top = Alignment(vertical="top", wrap_text=True)
    for i, row in enumerate(rows, start=3):
        lines = 1
        for j, (key, value) in enumerate(zip(keys, row), start=1):
            cell = ws.cell(i, j, value)
            cell.alignment = top
            if key in NUMBERS:
                cell.number_format = "0.00"
            elif isinstance(value, str):
                lines = max(lines, -(-display_width(value) // max(1, WIDTHS[key] - 1)))
        ws.row_dimensions[i].height = 15 * lines
    if rows and len(rows[0]) == len(keys):
        ws.auto_filter.ref = f"A2:{get_column_letter(len(keys))}{len(rows) + 2}"
    print_setup(ws, header_rows=2, key_columns=key_columns, title=title)


def _xlsx(a: Assessment, plan: Plan, path: Path) -> None:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = tr("assess.summary")
    banner, title = _banner(a, plan), tr("assess.title", region=plan.region_label(get_lang()), year=a.year)
    if a.empty:  # no table of zeros: the banner, 无数据 and why
        ws.column_dimensions["A"].width = 90
        for i, text in enumerate((banner, tr("assess.no_data"), _no_data(a, plan)), start=1):
            cell = ws.cell(i, 1, safe_cell(text))
            cell.font, cell.alignment = Font(bold=i < 3), Alignment(wrap_text=True, vertical="center")
            ws.row_dimensions[i].height = 15 * max(1, -(-display_width(text) // 88))
        print_setup(ws, header_rows=0, key_columns=0, title=title)
        book.save(path)
        return
    _sheet(ws, banner, DOCUMENT_SUMMARY, _rows(a.summary, DOCUMENT_SUMMARY, plan), key_columns=2, title=title)
    note = ws.cell(ws.max_row + 2, 1, _method(a.rules))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=note.row, start_column=1, end_row=note.row, end_column=len(DOCUMENT_SUMMARY))
    ws.row_dimensions[note.row].height = 45
    _sheet(book.create_sheet(tr("assess.detail")), banner, DETAIL_COLUMNS, _rows(a.detail, DETAIL_COLUMNS, plan), key_columns=1, title=title)
    _sheet(book.create_sheet(tr("assess.legend")), banner, LEGEND_COLUMNS, _rows(_legend(a), LEGEND_COLUMNS, plan), key_columns=0, title=title)
    book.save(path)


def _font(run: Any, name: str, size: float | None = None, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.bold = bold
    if size:
        run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # East Asian text needs its own font slot


def _para(doc: Any, text: str, font: str, size: float, *, bold: bool = False, center: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), font, size, bold)


# DOCX column widths in mm (A4 landscape less the GB/T 9704 side margins: 243 mm)
DOC_WIDTHS = {"rank": 12, "name": 38, "total": 17, "score": 17, "bonus": 15, "deduction": 17, "earned": 17, "possible": 17, "indicators": 17,
              "lead": 12, "responsible": 12, "capped": 21, "code": 15, "indicator": 38, "role": 17, "part": 17, "rule": 24, "basis": 46,
              "formula": 54, "points": 16, "max_points": 16, "rule_text": 202}


def _table(doc: Any, keys: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from docx.shared import Mm

    table = doc.add_table(rows=len(rows) + 1, cols=len(keys))
    table.style = "Table Grid"
    table.autofit = False
    # python-docx rebuilds the cell grid on every row.cells access: take it once (linear, not quadratic)
    grid = table._cells
    n = len(keys)
    for column, key in zip(table.columns, keys):
        column.width = Mm(DOC_WIDTHS[key])  # the grid's widths: LibreOffice and WPS lay the table out by them
    for cell, key in zip(grid[:n], keys):
        cell.width = Mm(DOC_WIDTHS[key])
        _font(cell.paragraphs[0].add_run(tr(f"col.{'department' if key == 'name' else key}")), HEITI, 9)
    body = _cell_style(doc)
    for i, row in enumerate(rows, start=1):
        for cell, key, value in zip(grid[i * n : (i + 1) * n], keys, row):
            cell.width = Mm(DOC_WIDTHS[key])
            text = "" if value is None else (number(value) if key in NUMBERS and isinstance(value, float) else str(value))
            cell.paragraphs[0].add_run(text, style=body)
    table_rows_fixed(table)


def _cell_style(doc: Any) -> Any:
    """One character style for every body cell (宋体 9 pt): setting fonts run by run took most of the time."""
    from docx.enum.style import WD_STYLE_TYPE

    name = "stpi 表格正文"
    if name not in [st.name for st in doc.styles]:
        _font(doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER), SONG, 9)
    return doc.styles[name]


def _page(doc: Any) -> None:
    """A4 landscape with the GB/T 9704 margins (wide tables need the width), page numbers “— 1 —” in the footer."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    page_numbers(doc, section)


def _docx(a: Assessment, plan: Plan, path: Path, today: date) -> None:
    import docx

    doc = docx.Document()
    _page(doc)
    _font(doc.styles["Normal"], FANGSONG, 12)
    _para(doc, tr("assess.title", region=plan.region_label(get_lang()), year=a.year), HEITI, 18, bold=True, center=True)
    _para(doc, a.rules.issuer, FANGSONG, 14, center=True)
    _para(doc, arabic_date(today) if get_lang() == "zh" else today.isoformat(), FANGSONG, 14, center=True)
    _para(doc, tr("assess.rules", title=a.rules.title, source=Path(a.rules.source).name), FANGSONG, 12)
    if a.rules.illustrative:
        _para(doc, tr("assess.illustrative"), HEITI, 12, bold=True)
    if a.demo:
        _para(doc, DEMO_NOTE, HEITI, 12, bold=True)
    if a.missing:
        _para(doc, incomplete_note(a), HEITI, 12, bold=True)
    if a.empty:
        _para(doc, tr("assess.no_data"), HEITI, 14, bold=True)
        _para(doc, _no_data(a, plan), FANGSONG, 14)
        doc.save(str(path))
        return
    _para(doc, tr("assess.summary"), HEITI, 14, bold=True)
    _table(doc, DOCUMENT_SUMMARY, _rows(a.summary, DOCUMENT_SUMMARY, plan))
    _para(doc, _method(a.rules), FANGSONG, 12)
    _para(doc, tr("assess.legend"), HEITI, 14, bold=True)
    _table(doc, LEGEND_COLUMNS, _rows(_legend(a), LEGEND_COLUMNS, plan))
    _para(doc, tr("assess.detail"), HEITI, 14, bold=True)
    keys = [k for k in DETAIL_COLUMNS if k != "name"]
    names = {d.code: d.label(get_lang()) for d in plan.departments}
    for rec in a.summary.itertuples():
        _para(doc, tr("assess.dept_detail", rank=rec.rank, name=names[str(rec.department)], total=number(rec.total)), HEITI, 12, bold=True)
        _table(doc, keys, _rows(a.detail[a.detail["department"] == rec.department], keys, plan))
    doc.save(str(path))
