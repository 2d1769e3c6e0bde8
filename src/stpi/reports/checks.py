"""Files of the progress checks: the warnings (XLSX or CSV) and the counties workbook (XLSX).

Every cell goes through :func:`stpi.tables.safe_cell`, so no stored text can run as a formula.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stpi.framework.model import Framework
from stpi.i18n import get_lang, tr
from stpi.queries.checks import CountyReport
from stpi.store.settings import DEMO_NOTE
from stpi.tables import print_setup, safe_cell, write_table

__all__ = ["FILL", "Sheet", "county_sheets", "label_lines", "warning_rows", "write_counties", "write_warnings", "write_xlsx"]

FILL = {"red": "FFC7CE", "yellow": "FFEB9C"}

WARN_HEADER = ["序号 No.", "代码 Code", "指标 Indicator", "单位 Unit", "年度 Year", "值 Value", "里程碑 Milestone", "目标 Target", "状态 Status", "预警级别 Level",
               "连续偏离年数 Years off track", "与里程碑差距(指标单位) Gap (unit)", "指数差距(点) Gap (index pts)", "有效权重 Effective weight", "牵头单位 Lead", "责任单位 Responsible"]
WARN_FIELDS = ["no", "code", "name", "unit", "year", "value", "milestone", "target", "status", "severity", "years_off_track", "gap", "gap_points", "effective_weight", "lead_names", "responsible_names"]
# cell values in the document's language only (Chinese, or English)
SEVERITY_WORDS = {"red": ("红色", "red"), "yellow": ("黄色", "yellow")}
STATUS_WORDS = {"limited": ("进展有限", "limited"), "deterioration": ("倒退", "deterioration"), "moderate": ("进展一般", "moderate"), "on_track": ("按进度推进", "on track")}


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row, data rows and, per row, an optional fill (red/yellow)."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    fills: list[str | None]


def write_xlsx(sheets: list[Sheet], notes: list[str], output: str) -> None:
    """Formatted workbook: bold frozen header, column widths, fills by severity, a notes sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    for sheet in sheets + [Sheet("说明 Notes", ["说明 Notes"], [[n] for n in notes], [None] * len(notes))]:
        ws = book.create_sheet(sheet.title)
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row, fill in zip(sheet.rows, sheet.fills):
            ws.append([safe_cell(_cell(v)) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0.00##"
                if fill:
                    cell.fill = PatternFill("solid", start_color=FILL[fill], end_color=FILL[fill])
        for i, col in enumerate(sheet.header):
            width = max([_width(col)] + [_width(r[i]) for r in sheet.rows[:300]])
            ws.column_dimensions[ws.cell(1, i + 1).column_letter].width = min(60, max(8, width + 2))
        print_setup(ws, header_rows=1, key_columns=min(2, len(sheet.header)), title=sheet.title)
    buffer = io.BytesIO()
    book.save(buffer)
    Path(output).write_bytes(buffer.getvalue())


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value) or value is pd.NA:
        return None
    return value.item() if hasattr(value, "item") else value


def _width(value: Any) -> int:
    text = "" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)  # CJK characters are twice as wide


def label_lines(fw: Framework, demo: bool = False) -> list[str]:
    """The notes sheet: demo data and where the parameters come from (labelled when illustrative)."""
    first = [DEMO_NOTE] if demo else []
    if not fw.is_illustrative:
        return [*first, tr("official")]
    return [*first, "【示意参数 illustrative parameters】权重与标准值并非甘肃省官方数值 weights and standards are not the official Gansu values", *fw.parameter_rules()]


def warning_rows(table: pd.DataFrame, fw: Framework) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the warnings file (the index-points column labelled when illustrative)."""
    header = list(WARN_HEADER)
    if fw.is_illustrative:
        header[12] = "指数差距(点,示意参数) Gap (index pts, illustrative)"
    rows = []
    for rec in table.to_dict("records"):
        en = get_lang() == "en"
        r = {**rec, "status": STATUS_WORDS[rec["status"]][en] if rec["status"] in STATUS_WORDS else rec["status"], "severity": SEVERITY_WORDS[rec["severity"]][en]}
        rows.append([r[f] for f in WARN_FIELDS])
    return header, rows


def write_warnings(table: pd.DataFrame, fw: Framework, year: int, output: str, *, demo: bool = False) -> None:
    """The warnings as CSV or, for any other suffix, a formatted XLSX with a notes sheet."""
    header, rows = warning_rows(table, fw)
    if Path(output).suffix.lower() == ".csv":
        write_table([dict(zip(header, [safe_cell(_cell(v)) for v in r])) for r in rows], header, output, fmt="csv")
    else:
        write_xlsx([Sheet(f"预警 Warnings {year}", header, rows, list(table["severity"]))], label_lines(fw, demo), output)


def county_sheets(rep: CountyReport, fw: Framework) -> list[Sheet]:
    """The three sheets of the counties workbook."""
    label = ",示意参数 illustrative" if fw.is_illustrative else ""
    index = Sheet("县区指数 Index", ["县区 County", "年度 Year", f"综合指数(%{label}) Index", "县区间排名 Rank", "参与排名县区数 Counties ranked", "有数据指标数 Indicators"],
                  rep.index[["region", "year", "index", "rank", "counties_ranked", "indicators"]].astype(object).values.tolist(), [None] * len(rep.index))
    t = rep.targets
    targets = Sheet("县区目标 Targets", ["县区 County", "序号 No.", "代码 Code", "指标 Indicator", "单位 Unit", "目标 Target", "目标口径 Target scope", "年度 Year", "值 Value", "是否达标 Met"],
                    [[*r[:6], "县区目标 counties" if r[6] == "counties" else "全市目标 city", r[7], r[8], "" if r[9] is None else ("是 yes" if r[9] else "否 no")] for r in t.astype(object).values.tolist()],
                    [None] * len(t))
    s = rep.sums
    sums = Sheet("县区合计核对 Sums", ["地区 Region", "年度 Year", "变量 Variable", "名称 Name", "单位 Unit", "类型 Kind", "全市值 City value", "县区合计 County sum", "差额 Difference",
                                   "相对差 Relative", "已报县区数 Counties reported", "未报县区 Counties missing", "结果 Result"],
                 [[*r[:12], "不一致 mismatch" if r[12] == "mismatch" else "一致 ok"] for r in s.astype(object).values.tolist()],
                 ["red" if st == "mismatch" else None for st in s["status"]])
    return [index, targets, sums]


def write_counties(rep: CountyReport, fw: Framework, output: str, *, demo: bool = False) -> None:
    """The counties workbook: index, targets, sums and a notes sheet."""
    write_xlsx(county_sheets(rep, fw), label_lines(fw, demo), output)
