"""The plan's workbook: one XLSX with the framework, the plan, the figures, results and progress.

The builder takes plain data (:class:`WorkbookData`) and writes the file; it never
opens the store. Every sheet has the same shape: row 1 is a banner (what the sheet
is, and the labels it must carry: illustrative parameters, demo data), row 2 the
bold header, data from row 3, panes frozen below the header. Every text cell goes
through :func:`stpi.tables.safe_cell`, so no stored text can run as a formula.
"""

from __future__ import annotations

import math
import os
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stpi.framework.io import framework_rows
from stpi.framework.model import Framework
from stpi.i18n import get_lang
from stpi.tables import print_setup, safe_cell

__all__ = ["SHEETS", "WorkbookData", "build_workbook", "display_width", "write_workbook"]

SHEETS = ("说明", "指标框架", "实施方案", "数据", "结果", "目标与进度", "考核")
HEADER_ROW, FIRST_ROW = 2, 3

VALUE, SCORE, WEIGHT, PCT, INT, STAMP = "#,##0.00##", "0.00", "0.0000", "0.0", "0", "yyyy-mm-dd hh:mm:ss"
FILLS = {"green": "C6EFCE", "yellow": "FFEB9C", "red": "FFC7CE", "grey": "D9D9D9"}
BANNER_FILL = "FFF2CC"
WRAP_AT = 30  # a text column wider than this wraps, so that one page width stays readable when printed

ILLUSTRATIVE = "【示意参数】权重与标准值并非甘肃省官方数值,指数仅供演示与测算参考 [ILLUSTRATIVE PARAMETERS] weights and standards are not the official Gansu values"
OFFICIAL = "参数来源:官方 Parameters: official"
DEMO = "【演示数据】合成数据,非真实统计 [DEMO DATA] synthetic, not real statistics"
SCENARIOS = "数据库中尚无审核通过的数据:以下为实施方案基期值与目标值两种情景的测算,不是监测结果 No approved figures yet: the plan's baseline and target scenarios, not monitoring results"
NO_ASSESSMENT = "年度考核结果:待考核规则配置后生成 Annual assessment: generated once the assessment rules are configured"

# cell values: (Chinese, English); a cell shows one of them, in the document's language (see :func:`word`)
STATUS_WORDS = {
    "reached": ("已达标", "reached"), "on_track": ("按进度推进", "on track"), "moderate": ("进展一般", "moderate"),
    "limited": ("进展有限", "limited"), "deterioration": ("倒退", "deterioration"),
    "baseline_only": ("仅有基期", "baseline only"), "no_data": ("无数据", "no data"), "incomplete": ("不完整（预估）", "incomplete (estimate)"),
}
FIGURE_WORDS = {
    "draft": ("草稿", "draft"), "submitted": ("已报送", "submitted"), "returned": ("已退回", "returned"),
    "approved": ("已通过", "approved"), "locked": ("已锁定", "locked"),
}
KIND_WORDS = {"indicator": ("指标", "indicator"), "variable": ("原始数据", "raw statistic")}
LIGHT_WORDS = {"green": ("绿灯", "green"), "yellow": ("黄灯", "yellow"), "red": ("红灯", "red"), "grey": ("灰灯", "grey")}
YES_NO = (("是", "yes"), ("否", "no"))
# the bilingual forms, for callers that still show both words
PROGRESS_STATUS = {k: f"{zh} {en}" for k, (zh, en) in STATUS_WORDS.items()}
FIGURE_STATUS = {k: f"{zh} {en}" for k, (zh, en) in FIGURE_WORDS.items()}
KIND = {k: f"{zh} {en}" for k, (zh, en) in KIND_WORDS.items()}
YES, NO = "是 yes", "否 no"


def word(pair: tuple[str, str]) -> str:
    """The word of a (Chinese, English) pair in the current language."""
    return pair[get_lang() == "en"]


def _words(table: Mapping[str, tuple[str, str]], key: Any) -> Any:
    return word(table[key]) if key in table else key

# (key in the data, header, number format); headers are Chinese first, English after
FIGURE_COLUMNS = [
    ("region", "地区 Region", None), ("period", "期间 Period", None), ("code", "代码 Code", None),
    ("kind", "类型 Kind", None), ("name", "名称 Name", None), ("value", "值 Value", VALUE),
    ("unit", "单位 Unit", None), ("source", "来源 Source", None), ("note", "备注 Note", None),
    ("status", "状态 Status", None), ("vintage", "版本 Vintage", INT), ("current", "当前版本 Current", None),
    ("evaluated", "评价口径 As evaluated", None), ("created_by", "填报人 By", None),
    ("created_at", "填报时间(UTC) When (UTC)", STAMP),
]
RESULT_COLUMNS = [
    ("region", "地区 Region", None), ("year", "年度 Year", INT), ("code", "代码 Code", None),
    ("name", "名称 Name", None), ("depth", "层级 Level", INT), ("value", "指数/得分 Index/score", SCORE),
    ("rank", "排名 Rank", INT),
]
PROGRESS_COLUMNS = [
    ("year", "年度 Year", INT), ("code", "代码 Code", None), ("name", "名称 Name", None),
    ("depth", "层级 Level", INT), ("unit", "单位 Unit", None), ("value", "实际值 Value", VALUE),
    ("milestone", "里程碑 Milestone", VALUE), ("target", "目标值 Target", VALUE),
    ("ratio", "进度比(%) Ratio (%)", PCT), ("status", "状态 Status", None), ("light", "灯 Light", None),
    ("lead", "牵头单位 Lead", None),
]
PLAN_HEADERS = {
    "no": ("序号 No.", INT), "code": ("代码 Code", None), "group": ("所属二级指标 Group", None),
    "name": ("指标名称 Indicator", None), "unit": ("单位 Unit", None), "baseline": ("{y}年基期值 Baseline {y}", VALUE),
    "target": ("{y}年目标值 Target {y}", VALUE), "target_at_least": ("目标为下限(≥) At least", None),
    "lead": ("牵头单位 Lead", None), "responsible": ("责任单位 Responsible", None),
    "rank_goal": ("排名目标 Rank goal", None), "name_en": ("英文名称 English name", None),
    "sub_targets": ("分项目标 Sub-targets", None), "measures": ("主要举措 Measures", None),
    "note": ("备注 Note", None), "source": ("来源 Source", None),
}


@dataclass(frozen=True)
class WorkbookData:
    """Everything the workbook shows, already gathered (no store access in the builder).

    ``figures``: region, period, code, kind (indicator/variable), name, value, unit, source,
    note, status, vintage, current, evaluated, created_by, created_at.
    ``results``: region, year, code, name, depth, value, rank.
    ``progress``: the rows of :func:`stpi.analysis.track.track` plus unit, lead as names.
    ``scenarios``: the results are the plan's baseline and target scenarios.
    ``assessment``: a finished assessment table, or None (the sheet then says it is pending).
    """

    framework: Framework
    plan_title: str
    region: str
    plan_columns: Sequence[str]
    plan_rows: Sequence[Mapping[str, Any]]
    figures: pd.DataFrame
    results: pd.DataFrame
    progress: pd.DataFrame
    scenarios: bool = False
    missing_policy: str = "reweight"
    milestone_path: str = "linear"
    year: int | None = None
    history: bool = False
    demo: bool = False
    goal: str = ""
    notes: Sequence[str] = ()
    framework_versions: Sequence[tuple[int, str, str, str]] = ()
    assessment: pd.DataFrame | None = None
    generated_at: datetime = field(default_factory=datetime.now)


def write_workbook(data: WorkbookData, path: str | Path) -> Path:
    """Write the workbook atomically: a temporary file beside ``path``, renamed when complete."""
    target = Path(path)
    book = build_workbook(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".xlsx.tmp", dir=target.parent)
    os.close(fd)
    try:
        book.save(tmp)
        os.chmod(tmp, _mode(target))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        book.close()
    return target


def _mode(target: Path) -> int:
    """The permissions the file would get if written directly (mkstemp makes it private)."""
    if target.exists():
        return target.stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def build_workbook(data: WorkbookData) -> Workbook:
    """The workbook in memory, one sheet per entry of :data:`SHEETS`."""
    book = Workbook()
    builders: list[Callable[[Worksheet, WorkbookData], None]] = [
        _readme_sheet, _framework_sheet, _plan_sheet, _figures_sheet, _results_sheet, _progress_sheet, _assessment_sheet,
    ]
    book.remove(book.active)
    for title, build in zip(SHEETS, builders):
        build(book.create_sheet(title), data)
    return book


# ---------------------------------------------------------------- cells and tables


def display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: CJK (wide) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _value(v: Any) -> Any:
    """A cell value: missing becomes empty, numpy scalars plain, text formula-safe."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, bool):
        return word(YES_NO[0] if v else YES_NO[1])
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        return _value(v.item())
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return safe_cell(v)


def _banner_text(data: WorkbookData, what: str, *, index: bool) -> str:
    parts = [what]
    if index:
        parts.append(ILLUSTRATIVE if data.framework.is_illustrative else OFFICIAL)
    if data.demo:
        parts.append(DEMO)
    return " | ".join(parts)


def _table(ws: Worksheet, banner: str, columns: Sequence[tuple[str, str | None]], rows: Sequence[Sequence[Any]], *, autofilter: bool = True,
           key_columns: int = 1, title: str = "") -> None:
    """Banner, bold header, rows; number formats, widths, autofilter; set to print (header repeated, ``key_columns`` frozen)."""
    top = ws.cell(1, 1, _value(banner))
    top.font = Font(bold=True, color="9C5700")
    top.fill = PatternFill("solid", fgColor=BANNER_FILL)
    widths = [min(display_width(h), 12) for h, _ in columns]  # a long header wraps rather than widen its column
    for j, (header, _) in enumerate(columns, start=1):
        cell = ws.cell(HEADER_ROW, j, _value(header))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for i, row in enumerate(rows, start=FIRST_ROW):
        for j, ((_, fmt), raw) in enumerate(zip(columns, row), start=1):
            cell = ws.cell(i, j, _value(raw))
            if fmt and isinstance(cell.value, (int, float, datetime)):
                cell.number_format = fmt
            if i < FIRST_ROW + 500 and cell.value is not None:
                shown = f"{cell.value:,.4f}" if isinstance(cell.value, float) else str(cell.value)
                widths[j - 1] = max(widths[j - 1], 19 if isinstance(cell.value, datetime) else display_width(shown))
    final = [min(WRAP_AT, max(6, w + 2)) for w in widths]
    for j, width in enumerate(final, start=1):
        ws.column_dimensions[get_column_letter(j)].width = width
    _wrap(ws, [j for j, w in enumerate(widths, start=1) if w + 2 > WRAP_AT] , final, [display_width(h) for h, _ in columns], len(rows))
    if autofilter and columns:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{max(HEADER_ROW, HEADER_ROW + len(rows))}"
    print_setup(ws, header_rows=HEADER_ROW, key_columns=key_columns, title=title or ws.title)


def _wrap(ws: Worksheet, wide: Sequence[int], widths: Sequence[float], headers: Sequence[int], n_rows: int) -> None:
    """Wrap the text of columns cut to :data:`WRAP_AT`, and give each row the height its text needs (Excel and WPS do not refit rows)."""
    lines = max([-(-h // max(1, int(w) - 1)) for h, w in zip(headers, widths)] + [1])
    ws.row_dimensions[HEADER_ROW].height = 15 * min(lines, 4)
    if not wide:
        return
    wrap = Alignment(vertical="top", wrap_text=True)
    for i in range(FIRST_ROW, FIRST_ROW + n_rows):
        lines = 1
        for j in wide:
            cell = ws.cell(i, j)
            if isinstance(cell.value, str):
                cell.alignment = wrap
                lines = max(lines, -(-display_width(cell.value) // (int(widths[j - 1]) - 1)))
        if lines > 1:
            ws.row_dimensions[i].height = 15 * min(lines, 27)  # 409 points is a row's most


def _frame_rows(frame: pd.DataFrame, keys: Sequence[str]) -> list[list[Any]]:
    return [list(r) for r in frame.reindex(columns=list(keys)).itertuples(index=False, name=None)]


# ---------------------------------------------------------------------------- sheets


def _readme_sheet(ws: Worksheet, data: WorkbookData) -> None:
    fw = data.framework
    rows: list[tuple[str, str]] = [
        ("实施方案 Plan", data.plan_title),
        ("地区 Region", data.region),
        ("规划目标 Goal", data.goal),
        ("生成时间 Generated", data.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        ("年度 Year", "全部年度 all years" if data.year is None else str(data.year)),
        ("数据范围 Figures", "全部版本 every vintage" if data.history else "审核通过的当前版本 current approved figures"),
        ("参数性质 Parameters", ILLUSTRATIVE if fw.is_illustrative else OFFICIAL),
    ]
    rows += [("参数来源 Provenance", rule) for rule in fw.parameter_rules()]
    rows += [("指标框架版本 Framework version", f"{y} 年起 from {y}: {t} (sha256 {fp[:12]}…, {who})") for y, t, fp, who in data.framework_versions]
    rows += [
        ("缺失值处理 Missing values", data.missing_policy),
        ("里程碑路径 Milestone path", data.milestone_path),
        ("结果口径 Results", SCENARIOS if data.scenarios else "数据库中审核通过的数据计算 computed from the store's approved figures"),
    ]
    if data.demo:
        rows.append(("数据标注 Data label", DEMO))
    rows += [(f"工作表 {name}", what) for name, what in _sheet_descriptions(data).items()]
    rows += [("说明 Note", n) for n in data.notes]
    _table(ws, _banner_text(data, "说明 About this workbook", index=True), [("项目 Item", None), ("内容 Content", None)], rows, autofilter=False)


def _sheet_descriptions(data: WorkbookData) -> dict[str, str]:
    return {
        "指标框架": "指标树:权重、有效权重、标准值、方向及每个参数的来源 The indicator tree with weights, standards, directions and each parameter's provenance",
        "实施方案": "各指标基期值、目标值、排名目标、牵头与责任单位 The plan: baselines, targets, rank goals, lead and responsible departments",
        "数据": "已填报数据:地区、期间、数值、来源、状态、版本、填报人与时间 Reported figures with source, status, vintage, who and when",
        "结果": "每个地区、年度、节点的指数/得分与排名 Index or score and rank of every region, year and node",
        "目标与进度": "本市各指标、一二级指标与综合指数相对里程碑的进度(红黄绿灯) Progress against milestones with traffic lights",
        "考核": "部门年度考核结果 Departments' annual assessment",
    }


def _framework_sheet(ws: Worksheet, data: WorkbookData) -> None:
    fw = data.framework
    effective = dict(zip(fw.tree.codes, fw.tree.effective_weight))
    columns = [
        ("层级 Level", INT), ("代码 Code", None), ("上级 Parent", None), ("名称 Name", None), ("英文名称 English name", None),
        ("单位 Unit", None), ("权重 Weight", WEIGHT), ("有效权重 Effective weight", WEIGHT), ("权重来源 Weight provenance", None),
        ("标准值 Standard", VALUE), ("方向 Direction", None), ("标准值来源 Standard provenance", None),
        ("统计口径 Definition", None), ("来源 Source", None), ("备注 Note", None),
    ]
    direction = {1: "正向 higher is better", -1: "逆向 lower is better"}
    rows = []
    for r in framework_rows(fw):
        depth = fw.depth(r["code"])
        rows.append([
            depth, r["code"], r["parent"], "  " * depth + r["name"], r["name_en"], r["unit"],
            r["weight"] if r["weight"] != "" else None, float(effective[r["code"]]), r["weight_provenance"],
            r["standard"] if r["standard"] != "" else None, direction.get(r["direction"], "") if r["direction"] != "" else "",
            r["standard_provenance"], r["definition"], r["source"], r["note"],
        ])
    _table(ws, _banner_text(data, f"指标框架 Framework: {fw.title}", index=True), columns, rows, key_columns=2)


def _plan_header(col: str) -> tuple[str, str | None]:
    base, _, year = col.partition("_")
    if base in ("baseline", "target") and year.isdigit():
        header, fmt = PLAN_HEADERS[base]
        return header.format(y=year), fmt
    return PLAN_HEADERS.get(col, (col, None))


def _plan_sheet(ws: Worksheet, data: WorkbookData) -> None:
    columns = [_plan_header(c) for c in data.plan_columns]
    rows = []
    for r in data.plan_rows:
        cells = [r.get(c) for c in data.plan_columns]
        rows.append([None if v == "" else word(YES_NO[0] if v == 1 else YES_NO[1]) if c == "target_at_least" else v for c, v in zip(data.plan_columns, cells)])
    _table(ws, _banner_text(data, f"实施方案 Plan: {data.plan_title}", index=False), columns, rows, key_columns=2)


def _figures_sheet(ws: Worksheet, data: WorkbookData) -> None:
    frame = data.figures.copy()
    frame["kind"] = frame["kind"].map(lambda k: _words(KIND_WORDS, k))
    frame["status"] = frame["status"].map(lambda s: _words(FIGURE_WORDS, s))
    what = "数据(全部版本) Figures, every vintage" if data.history else "数据(审核通过的当前版本) Current approved figures"
    if frame.empty:
        what += " — 暂无审核通过的数据 no approved figures yet"
    keys = [k for k, _, _ in FIGURE_COLUMNS]
    _table(ws, _banner_text(data, what, index=False), [(h, f) for _, h, f in FIGURE_COLUMNS], _frame_rows(frame, keys), key_columns=3)


def _results_sheet(ws: Worksheet, data: WorkbookData) -> None:
    what = SCENARIOS if data.scenarios else f"结果(缺失值处理:{data.missing_policy}) Results (missing values: {data.missing_policy})"
    keys = [k for k, _, _ in RESULT_COLUMNS]
    _table(ws, _banner_text(data, what, index=True), [(h, f) for _, h, f in RESULT_COLUMNS], _frame_rows(data.results, keys), key_columns=3)


def _progress_sheet(ws: Worksheet, data: WorkbookData) -> None:
    frame = data.progress.copy()
    lights = list(frame["light"]) if "light" in frame else []
    frame["ratio"] = frame["ratio"].astype(float) * 100.0
    frame["status"] = frame["status"].map(lambda s: _words(STATUS_WORDS, s))
    frame["light"] = frame["light"].map(lambda s: _words(LIGHT_WORDS, s))
    frame["name"] = ["  " * int(d) + str(n) for d, n in zip(frame["depth"], frame["name"])]
    what = f"{data.region} 目标与进度(里程碑路径:{data.milestone_path}) Progress against milestones ({data.milestone_path} path)"
    keys = [k for k, _, _ in PROGRESS_COLUMNS]
    _table(ws, _banner_text(data, what, index=True), [(h, f) for _, h, f in PROGRESS_COLUMNS], _frame_rows(frame, keys), key_columns=3)
    status_col, light_col = keys.index("status") + 1, keys.index("light") + 1
    for i, light in enumerate(lights, start=FIRST_ROW):
        fill = PatternFill("solid", fgColor=FILLS.get(light, FILLS["grey"]))
        ws.cell(i, status_col).fill = fill
        ws.cell(i, light_col).fill = fill


def _assessment_sheet(ws: Worksheet, data: WorkbookData) -> None:
    if data.assessment is None:
        _table(ws, _banner_text(data, "考核 Assessment", index=False), [("说明 Note", None)], [[NO_ASSESSMENT]], autofilter=False)
        return
    frame = data.assessment
    _table(ws, _banner_text(data, "考核 Assessment", index=True), [(str(c), SCORE if pd.api.types.is_float_dtype(frame[c]) else None) for c in frame.columns], _frame_rows(frame, list(frame.columns)), key_columns=3)
