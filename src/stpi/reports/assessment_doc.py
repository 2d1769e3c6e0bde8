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

from stpi.analysis.assessment import Assessment, Rules, assess
from stpi.analysis.track import track
from stpi.framework.formula import Formula
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import add_messages, get_lang, tr
from stpi.reports.bulletin import chinese_date
from stpi.store import Store
from stpi.store import rounds
from stpi.store.settings import DEMO_NOTE
from stpi.tables import safe_cell

__all__ = ["DETAIL_COLUMNS", "SUMMARY_COLUMNS", "assessment_payload", "gather", "submissions", "write_assessment"]

add_messages({
    "assess.title": ("{region}{year}年度 科技进步水平指数提升工作部门考核结果", "{region} {year}: departments' assessment on raising the S&T progress index"),
    "assess.summary": ("汇总", "Summary"),
    "assess.detail": ("明细", "Detail"),
    "assess.illustrative": ("【示意规则】分值与计分办法为演示假设,非正式考核办法", "[ILLUSTRATIVE RULES] the points are assumptions, not the official scheme"),
    "assess.rules": ("考核规则:{title}({source})", "Rules: {title} ({source})"),
    "assess.date": ("日期:{date}", "Date: {date}"),
    "assess.dept_detail": ("{rank}. {name}:总分 {total:.2f}", "{rank}. {name}: total {total:.2f}"),
    "col.rank": ("名次", "Rank"), "col.department": ("部门", "Department"), "col.indicators": ("负责指标数", "Indicators"),
    "col.lead": ("牵头", "Lead"), "col.responsible": ("责任", "Responsible"), "col.earned": ("实得分", "Earned"),
    "col.possible": ("应得分", "Possible"), "col.score": ("折算得分", "Score"), "col.bonus": ("加分", "Bonus"),
    "col.total": ("总分", "Total"), "col.capped": ("封顶规则", "Caps"), "col.code": ("指标代码", "Code"),
    "col.indicator": ("指标", "Indicator"), "col.role": ("角色", "Role"), "col.role_weight": ("角色权重", "Role weight"),
    "col.part": ("考核项", "Part"), "col.rule": ("规则编号", "Rule"), "col.rule_text": ("规则", "Rule text"),
    "col.basis": ("依据", "Basis"), "col.points": ("得分", "Points"), "col.max_points": ("满分", "Max"),
    "role.lead": ("牵头单位", "lead"), "role.responsible": ("责任单位", "responsible"),
    "part.A": ("进度达成", "achievement"), "part.T": ("报送及时", "timeliness"), "part.Q": ("数据质量", "quality"),
    "part.B": ("加分", "bonus"), "part.C": ("封顶", "cap"), "part.D": ("督办", "supervision"),
})

SUMMARY_COLUMNS = ("rank", "name", "indicators", "lead", "responsible", "earned", "possible", "score", "bonus", "total", "capped")
DETAIL_COLUMNS = ("name", "code", "indicator", "role", "role_weight", "part", "rule", "rule_text", "basis", "points", "max_points")
NUMBERS = {"earned", "possible", "score", "bonus", "total", "points", "max_points", "role_weight"}
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
    if status.empty and year == plan.baseline_year:
        status = pd.DataFrame({"code": sorted(codes), "status": "baseline_only"})
    deadline = rounds.round_deadline(store, year)  # the round's deadline, when the year had one, rules the timeliness
    if deadline is not None:
        rules = dataclasses.replace(rules, deadline=deadline.isoformat())
    return assess(plan, status, submissions(store, plan, year, formulas), rules, year=year, late_notices=late_notices(store, year))


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
        "summary": a.summary.to_dict(orient="records"),
        "detail": detail.to_dict(orient="records"),
    }


# ------------------------------------------------------------------ writers


def write_assessment(a: Assessment, plan: Plan, path: str | Path, *, today: date | None = None) -> Path:
    """Write the assessment as XLSX or DOCX, chosen by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _xlsx(a, plan, path)
    elif suffix == ".docx":
        _docx(a, plan, path, today or date.today())
    else:
        raise ValueError(suffix)
    return path


def _cell(key: str, value: Any) -> Any:
    if key == "role" and value:
        return tr(f"role.{value}")
    if key == "part":
        return tr(f"part.{value}")
    if isinstance(value, float) and math.isnan(value):
        return None
    return safe_cell(value)


def _rows(frame: pd.DataFrame, keys: Sequence[str], names: Mapping[str, str]) -> list[list[Any]]:
    rows = []
    for rec in frame.to_dict(orient="records"):
        rec["name"] = names.get(rec["department"], rec["department"])
        if get_lang() == "en" and "rule_text_en" in rec:
            rec["rule_text"] = rec["rule_text_en"]
        rows.append([safe_cell(rec[k]) if k == "rule_text" else _cell(k, rec[k]) for k in keys])
    return rows


def _banner(a: Assessment, plan: Plan) -> str:
    head = tr("assess.title", region=plan.region_label(get_lang()), year=a.year)
    rules = tr("assess.rules", title=a.rules.title, source=Path(a.rules.source).name)
    return " · ".join(([DEMO_NOTE] if a.demo else []) + [head, rules] + ([tr("assess.illustrative")] if a.rules.illustrative else []))


def _sheet(ws: Worksheet, banner: str, keys: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    ws.cell(1, 1, safe_cell(banner)).font = Font(bold=True)
    ws.cell(1, 1).fill = PatternFill("solid", fgColor=BANNER_FILL)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(keys))
    for j, key in enumerate(keys, start=1):
        cell = ws.cell(2, j, tr(f"col.{'department' if key == 'name' else key}"))
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, row in enumerate(rows, start=3):
        for j, (key, value) in enumerate(zip(keys, row), start=1):
            cell = ws.cell(i, j, value)
            if key in NUMBERS:
                cell.number_format = "0.00"
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(keys))}{max(2, len(rows) + 2)}"
    for j, key in enumerate(keys, start=1):
        widest = max([len(str(ws.cell(2, j).value))] + [len(str(r[j - 1] or "")) for r in rows[:300]])
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, widest * 1.8 if key not in NUMBERS else 10))


def _xlsx(a: Assessment, plan: Plan, path: Path) -> None:
    names = {d.code: d.label(get_lang()) for d in plan.departments}
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "汇总"
    _sheet(ws, _banner(a, plan), SUMMARY_COLUMNS, _rows(a.summary, SUMMARY_COLUMNS, names))
    _sheet(book.create_sheet("明细"), _banner(a, plan), DETAIL_COLUMNS, _rows(a.detail, DETAIL_COLUMNS, names))
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


def _table(doc: Any, keys: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from docx.shared import Mm

    table = doc.add_table(rows=len(rows) + 1, cols=len(keys))
    table.style = "Table Grid"
    table.autofit = False
    # python-docx rebuilds the cell grid on every row.cells access: take it once (linear, not quadratic)
    grid = table._cells
    n = len(keys)
    # numbers get narrow columns, names and rule texts the rest of the line
    narrow, page = 17.0, 297.0 - 28 - 26  # A4 landscape minus GB/T 9704 side margins, in mm
    wide = [k for k in keys if k not in NUMBERS]
    widths = {k: narrow if k in NUMBERS else max(narrow, (page - narrow * (len(keys) - len(wide))) / max(1, len(wide))) for k in keys}
    for cell, key in zip(grid[:n], keys):
        cell.width = Mm(widths[key])
        _font(cell.paragraphs[0].add_run(tr(f"col.{'department' if key == 'name' else key}")), HEITI, 9)
    body = _cell_style(doc)
    for i, row in enumerate(rows, start=1):
        for cell, key, value in zip(grid[i * n : (i + 1) * n], keys, row):
            cell.width = Mm(widths[key])
            text = "" if value is None else (f"{value:.2f}" if key in NUMBERS and isinstance(value, float) else str(value))
            cell.paragraphs[0].add_run(text, style=body)


def _cell_style(doc: Any) -> Any:
    """One character style for every body cell (宋体 9 pt): setting fonts run by run took most of the time."""
    from docx.enum.style import WD_STYLE_TYPE

    name = "stpi 表格正文"
    if name not in [st.name for st in doc.styles]:
        _font(doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER), SONG, 9)
    return doc.styles[name]


def _page(doc: Any) -> None:
    """A4 landscape with the GB/T 9704 margins (wide tables need the width)."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)


def _docx(a: Assessment, plan: Plan, path: Path, today: date) -> None:
    import docx

    doc = docx.Document()
    _page(doc)
    _font(doc.styles["Normal"], FANGSONG, 12)
    names = {d.code: d.label(get_lang()) for d in plan.departments}
    _para(doc, tr("assess.title", region=plan.region_label(get_lang()), year=a.year), HEITI, 18, bold=True, center=True)
    _para(doc, a.rules.issuer, FANGSONG, 14, center=True)
    _para(doc, chinese_date(today), FANGSONG, 14, center=True)
    _para(doc, tr("assess.rules", title=a.rules.title, source=Path(a.rules.source).name), FANGSONG, 12)
    if a.rules.illustrative:
        _para(doc, tr("assess.illustrative"), HEITI, 12, bold=True)
    if a.demo:
        _para(doc, DEMO_NOTE, HEITI, 12, bold=True)
    _para(doc, tr("assess.summary"), HEITI, 14, bold=True)
    _table(doc, SUMMARY_COLUMNS, _rows(a.summary, SUMMARY_COLUMNS, names))
    _para(doc, tr("assess.detail"), HEITI, 14, bold=True)
    keys = [k for k in DETAIL_COLUMNS if k != "name"]
    for rec in a.summary.itertuples():
        _para(doc, tr("assess.dept_detail", rank=rec.rank, name=names[str(rec.department)], total=rec.total), HEITI, 12, bold=True)
        _table(doc, keys, _rows(a.detail[a.detail["department"] == rec.department], keys, names))
    doc.save(str(path))
