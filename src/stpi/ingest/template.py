"""The Excel data-entry template a department or county fills in for one year.

The workbook has three sheets: ``填报`` (the table to fill: only the yellow cells are open),
``说明`` (instructions) and the hidden ``_meta`` (who the template is for, and every row's
region, code, unit, bounds and last year's value), which :func:`stpi.ingest.read_submission`
checks when the file comes back. Only standard openpyxl features are used, so the file opens
cleanly in Excel and WPS.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from stpi.ingest.layout import (
    COLUMNS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    FORMAT,
    HEADERS_EN,
    HEADER_ROW,
    HELP_SHEET,
    HUGE,
    INPUT_COLUMNS,
    META_COLUMNS,
    META_LABEL,
    META_SHEET,
    TEMPLATE_VERSION,
    ReporterKind,
    column_letter,
)
from stpi.ingest.numbers import is_count_unit
from stpi.numbers import LEAST, MOST
from stpi.tables import print_setup, safe_cell

__all__ = ["TemplateRow", "TemplateSpec", "row_bounds", "write_template"]

PerRegion = float | Mapping[str, float] | None

_FONT = "宋体"
_WIDTHS = {
    "region": 10, "code": 8, "name": 28, "unit": 9, "role": 9, "definition": 32,
    "last_year": 11, "target": 11, "value": 13, "source": 16, "note": 26,
}
_LINE_HEIGHT = 15.0  # points per line of 11-point text, with the CJK fonts' taller glyphs
_WRAP = {"name", "role", "definition", "source", "note"}
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class TemplateRow:
    """One indicator or raw variable to report.

    ``last_year`` and ``target`` are one number for every region, or a mapping from region
    code to number (e.g. indicator 13's city-level and county targets); ``None`` when unknown.
    ``role`` is 牵头 (lead) or 责任 (responsible). ``lower``/``upper`` are plausibility bounds.
    ``unit`` is the unit figures are stored in; ``label`` the code and ``unit_shown`` the unit the
    sheet shows (a raw statistic's ``I01-2``, an English unit), the code and unit when empty.
    """

    code: str
    name: str
    unit: str
    definition: str = ""
    last_year: PerRegion = None
    target: PerRegion = None
    role: str = ""
    lower: float | None = None
    upper: float | None = None
    label: str = ""
    unit_shown: str = ""

    @property
    def shown_code(self) -> str:
        """The code the data sheet shows."""
        return self.label or self.code


@dataclass(frozen=True)
class TemplateSpec:
    """Everything a template shows, for one reporter (department or county) and one year.

    ``regions`` holds (code, name) pairs: for a department the city and optionally its
    counties, for a county only itself. Every row is asked for every region.
    ``change_threshold`` is the year-over-year relative change (0.5 = 50%) above which a
    note is required. ``lang`` (``zh`` or ``en``) is the language of everything the sheets say.
    """

    title: str
    reporter: str
    reporter_code: str
    year: int
    regions: tuple[tuple[str, str], ...]
    rows: tuple[TemplateRow, ...]
    reporter_kind: ReporterKind = "department"
    change_threshold: float = 0.5
    lang: str = "zh"


def write_template(spec: TemplateSpec, path: str | Path) -> None:
    """Write the data-entry workbook for ``spec`` to ``path`` (an ``.xlsx`` file).

    Raises
    ------
    ValueError
        When the spec is inconsistent (no regions or rows, duplicated codes, lower > upper).
    """
    _check(spec)
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    _write_data_sheet(data, spec)
    _write_help_sheet(book.create_sheet(HELP_SHEET), spec)
    _write_meta_sheet(book.create_sheet(META_SHEET), spec)
    # Locking the structure stops sheets being renamed, deleted or unhidden; no password,
    # so an administrator can still lift it from the Review menu.
    book.security = WorkbookProtection(lockStructure=True)
    book.active = 0
    book.save(Path(path))


def _check(spec: TemplateSpec) -> None:
    problems = []
    if not spec.regions:
        problems.append("没有地区 no regions")
    if not spec.rows:
        problems.append("没有指标 no rows")
    for label, items in (("地区 region", [c for c, _ in spec.regions]), ("代码 code", [r.code for r in spec.rows]),
                         ("显示代码 shown code", [r.shown_code for r in spec.rows])):
        dups = sorted({c for c in items if items.count(c) > 1})
        if dups:
            problems.append(f"{label} 重复 duplicated: {', '.join(dups)}")
    names = [n for _, n in spec.regions]
    if len(set(names)) != len(names):
        problems.append("地区名称重复 duplicated region names")
    for r in spec.rows:
        if r.lower is not None and r.upper is not None and r.lower > r.upper:
            problems.append(f"{r.code}: 下限大于上限 lower bound above upper bound")
    if problems:
        raise ValueError("; ".join(problems))


def row_bounds(row: TemplateRow) -> tuple[float | None, float | None]:
    """The effective plausibility bounds: the row's own, with 0 as floor for counts."""
    lower = row.lower
    if lower is None and is_count_unit(row.unit):
        lower = 0.0
    return lower, row.upper


def _for_region(value: PerRegion, region: str) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return value
    return value.get(region)


def _write_data_sheet(ws: Any, spec: TemplateSpec) -> None:
    last = chr(ord("A") + len(COLUMNS) - 1)
    ws["A1"] = safe_cell(_title(spec))
    ws["A1"].font = Font(name=_FONT, size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    for i, (key, header) in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, i, HEADERS_EN[key] if spec.lang == "en" else header)
        cell.font = Font(name=_FONT, bold=True)
        cell.fill = _INPUT_FILL if key in INPUT_COLUMNS else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[cell.column_letter].width = _WIDTHS[key]
    ws.row_dimensions[HEADER_ROW].height = 22
    row = FIRST_DATA_ROW
    for region_code, region_name in spec.regions:
        for item in spec.rows:
            _write_row(ws, row, region_name, item, _readable(_for_region(item.last_year, region_code)), _for_region(item.target, region_code))
            row += 1
    _add_validations(ws, spec)
    ws.freeze_panes = f"D{FIRST_DATA_ROW}"
    _protect(ws)
    _page_setup(ws, f"A1:{last}{row - 1}")


def _readable(x: float | None) -> float | None:
    """A value as a person compares with it: a computed one (``0.6399999999999999``) rounded by :mod:`stpi.numbers`' rule.

    Never fewer than :data:`~stpi.numbers.LEAST` significant digits, two decimals as a rule and no
    more than :data:`~stpi.numbers.MOST` significant digits unless the value needs them (a raw
    statistic as reported, ``4316271.65``, stays whole). ``_meta`` keeps the exact value.
    """
    if x is None or not math.isfinite(x) or x == 0 or round(x, 4) == x:
        return x
    e = math.floor(math.log10(abs(x)))
    return round(x, max(0, min(2, MOST - 1 - e), LEAST - 1 - e))


def _title(spec: TemplateSpec) -> str:
    """The sheet's title and who reports, naming the year once (the spec's title may name it already)."""
    named = str(spec.year) in spec.title
    if spec.lang == "en":
        return f"{spec.title} ({spec.reporter})" if named else f"{spec.title} ({spec.reporter}, {spec.year})"
    return f"{spec.title}（{spec.reporter}）" if named else f"{spec.title}（{spec.reporter}，{spec.year}年度）"


def _write_row(ws: Any, row: int, region_name: str, item: TemplateRow, last_year: float | None, target: float | None) -> None:
    values: dict[str, Any] = {
        "region": region_name,
        "code": item.shown_code,
        "name": item.name,
        "unit": item.unit_shown or item.unit,
        "role": item.role,
        "definition": item.definition,
        "last_year": last_year,
        "target": target,
    }
    # openpyxl cannot autofit, and neither Excel nor WPS refit row heights on opening.
    lines = max(_lines(values[k], _WIDTHS[k]) for k in _WRAP if k in values)
    ws.row_dimensions[row].height = max(1, lines) * _LINE_HEIGHT + 3
    for i, (key, _) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row, i, safe_cell(values.get(key)))
        cell.font = Font(name=_FONT)
        cell.border = _BORDER
        cell.alignment = Alignment(vertical="center", wrap_text=key in _WRAP)
        if key in INPUT_COLUMNS:
            cell.fill = _INPUT_FILL
            cell.protection = Protection(locked=False)


def is_percent_unit(unit: str) -> bool:
    """A percentage or per-mille unit."""
    return unit.strip() in ("%", "％", "‰")


def _lines(text: object, width: float) -> int:
    """How many lines wrapped text takes in a column ``width`` characters wide."""
    if not isinstance(text, str) or not text:
        return 1
    total = 0
    for part in text.splitlines() or [""]:
        used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in part)
        total += max(1, math.ceil(used / max(1.0, width - 1)))
    return total


def _number_text(x: float) -> str:
    """A number as Excel reads it inside a validation formula."""
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(float(x)).upper()


def _shown(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _allowed(lower: float | None, upper: float | None, lang: str) -> str:
    """The allowed range in words."""
    en = lang == "en"
    if lower is not None and upper is not None:
        return f"Allowed: {_shown(lower)} to {_shown(upper)}. " if en else f"允许范围 {_shown(lower)} ~ {_shown(upper)}。"
    if lower is not None:
        return f"Not below {_shown(lower)}. " if en else f"不能小于 {_shown(lower)}。"
    if upper is not None:
        return f"Not above {_shown(upper)}. " if en else f"不能大于 {_shown(upper)}。"
    return ""


def _validation(lower: float | None, upper: float | None, lang: str, *, warn: bool = False) -> DataValidation:
    """Numbers only, within the bounds; ``warn``: a negative share asks for confirmation instead of being refused."""
    lo = -HUGE if lower is None else max(lower, -HUGE)
    hi = HUGE if upper is None else min(upper, HUGE)
    allowed = _allowed(lower, upper, lang)
    if lang == "en":
        error = (f"Enter a number without units or words; a percentage as its number (12.3). {allowed}Leave it empty when there is no figure and say why in the note."
                 if not warn else "A negative percentage: correct only for a rate that can fall below zero (a loss). Keep it?")
        texts = {"errorTitle": "Check the entry", "promptTitle": "This year", "error": error,
                 "prompt": f"A number in the unit shown; 12.3 for 12.3%. {allowed}".strip()}
    else:
        error = (f"请输入数字，不要带单位或文字；百分比直接填数值（如 12.3）。{allowed}无数据请留空并在备注说明。" if not warn
                 else "百分比为负数：仅利润率等可能为负的比率才可为负。确认保留请点“是”，否则请改正。")
        texts = {"errorTitle": "输入有误" if not warn else "请确认", "promptTitle": "本年值", "error": error,
                 "prompt": f"按“单位”列填写数字；百分比填 12.3 而不是 12.3%。{allowed}"}
    return DataValidation(type="decimal", operator="between", formula1=_number_text(lo), formula2=_number_text(hi), allow_blank=True,
                          showErrorMessage=True, showInputMessage=True, errorStyle="warning" if warn else "stop", **texts)


def _add_validations(ws: Any, spec: TemplateSpec) -> None:
    """One decimal validation per distinct pair of bounds on the value column.

    A percentage without a lower bound (a rate that may be negative, such as a profit rate) gets a
    warning instead: a negative value asks the clerk to confirm it (the import accepts it).
    """
    letter = column_letter("value")
    groups: dict[tuple[float | None, float | None, bool], list[str]] = {}
    row = FIRST_DATA_ROW
    for _ in spec.regions:
        for item in spec.rows:
            lower, upper = row_bounds(item)
            warn = lower is None and is_percent_unit(item.unit)
            groups.setdefault((0.0 if warn else lower, upper, warn), []).append(f"{letter}{row}")
            row += 1
    for (lower, upper, warn), cells in groups.items():
        dv = _validation(lower, upper, spec.lang, warn=warn)
        for cell in cells:
            dv.add(cell)
        ws.add_data_validation(dv)


def _protect(ws: Any) -> None:
    """Protect the sheet without a password; the unlocked input cells stay editable."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # let users widen columns and rows
    ws.protection.formatRows = False


def _page_setup(ws: Any, area: str) -> None:
    print_setup(ws, header_rows=HEADER_ROW, key_columns=3, landscape=True, title=str(ws["A1"].value or ""))  # region, code, name stay in view
    ws.print_area = area


def _help_lines(spec: TemplateSpec) -> list[str]:
    """The instructions, in the template's language (headings start with 一、 … or 1. …)."""
    value = column_letter("value")
    pct = f"{spec.change_threshold * 100:g}%"
    if spec.lang == "en":
        return [
            spec.title, f"Reporter: {spec.reporter}" + ("" if str(spec.year) in spec.title else f"; year {spec.year}"), "1. How to fill in",
            f"Fill only the yellow cells of the sheet {DATA_SHEET!r}: this year's value (column {value}), source and note; the rest is locked.",
            "One row per region and indicator; do not insert, delete or move rows, or change the header.",
            "2. Numbers and units",
            "Enter a plain number in the unit shown; no units, words, approximations or ranges.",
            "For % indicators enter the percentage as a number: 12.3% is entered as 12.3, not 0.123.",
            "Do not abbreviate with 万/亿: enter the full number in the unit shown (1.2 for 1.2 in 10k yuan; 12000 persons, not 1.2万).",
            "Thousands separators are fine (1,234.5); do not enter formulas.",
            "3. Missing values and notes",
            "Leave the value empty when there is no figure, and explain why in the note.",
            "In 'Source' name where the figure comes from (statistical yearbook, department report …).",
            f"A change of more than {pct} from last year's value needs a note, or the file is refused.",
            "4. Please note",
            f"Do not rename, delete or add sheets (above all {DATA_SHEET!r}); the system checks the file by hidden identity data.",
            "Return this file as .xlsx; do not save it as CSV or another format.",
        ]
    return [
        spec.title, f"填报单位：{spec.reporter}" + ("" if str(spec.year) in spec.title else f"；年度：{spec.year}年"), "一、怎样填写",
        f"只在“{DATA_SHEET}”表的黄色单元格填写：本年值（{value}列）、数据来源、备注；其他单元格已锁定。",
        "每个地区、每个指标一行；请勿插入、删除或移动行，请勿修改表头。",
        "二、数值与单位",
        "本年值按“单位”列的单位填写纯数字，不要带单位、文字、“约”“左右”或区间。",
        "单位为“%”的指标直接填写百分数的数值：12.3% 填 12.3，不要填 0.123。",
        "不要使用“万”“亿”简写：单位为“万元”时，1.2 万元填 1.2；单位为“人”时，1.2 万人填 12000。",
        "可使用千位分隔符（1,234.5）；不要输入公式。",
        "三、缺失与说明",
        "暂无数据的请留空，并在“备注”中说明原因。",
        "“数据来源”填写统计年鉴、部门统计报表等出处。",
        f"本年值与上年值相比变化超过 {pct} 的，必须在“备注”中说明原因，否则不能导入。",
        "四、注意",
        f"请勿重命名、删除或新增工作表（特别是“{DATA_SHEET}”）；系统依据隐藏的识别信息核对报表。",
        "请使用本模板原文件填写后直接上报，不要另存为 CSV 或其他格式。",
    ]


def _write_help_sheet(ws: Any, spec: TemplateSpec) -> None:
    ws.column_dimensions["A"].width = 100
    for i, text in enumerate(_help_lines(spec), start=1):
        a = ws.cell(i, 1, safe_cell(text))
        bold = i == 1 or text[:2] in ("一、", "二、", "三、", "四、") or text[:2] in ("1.", "2.", "3.", "4.")
        a.font = Font(name=_FONT, bold=bold, size=14 if i == 1 else 11)
        a.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = _lines(text, 100) * _LINE_HEIGHT * (1.4 if i == 1 else 1) + 3
    ws.protection.sheet = True
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _write_meta_sheet(ws: Any, spec: TemplateSpec) -> None:
    """Key/value identity in columns A:B; one line per data row from column D."""
    head: list[tuple[str, Any]] = [
        ("format", FORMAT),
        ("version", TEMPLATE_VERSION),
        ("reporter_kind", spec.reporter_kind),
        ("reporter_code", spec.reporter_code),
        ("reporter", spec.reporter),
        ("year", spec.year),
        ("change_threshold", spec.change_threshold),
    ]
    for i, (key, value) in enumerate(head, start=1):
        ws.cell(i, 1, key)
        ws.cell(i, 2, safe_cell(value))
    for j, name in enumerate((*META_COLUMNS, META_LABEL), start=4):
        ws.cell(1, j, name)
    line = 2
    for region_code, region_name in spec.regions:
        for item in spec.rows:
            lower, upper = row_bounds(item)
            cells = (region_code, region_name, item.code, item.unit, lower, upper,
                     _for_region(item.last_year, region_code), item.shown_code)
            for j, value in enumerate(cells, start=4):
                ws.cell(line, j, safe_cell(value))
            line += 1
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
