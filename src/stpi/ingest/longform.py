"""Long tables ``region, year, indicator, value[, source, note]`` from CSV or XLSX."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from stpi.errors import InputError, Problem
from stpi.ingest.cells import cell_number, cell_text
from stpi.ingest.entries import Entry
from stpi.ingest.numbers import normalise
from stpi.ingest.limits import SheetScan
from stpi.ingest.workbook import data_rows, is_formula, merged_problems
from stpi.tables import read_frame

__all__ = ["HEADERS", "REQUIRED", "entries_from_records", "match_columns", "read_long_csv", "read_long_sheet"]

# Accepted headers for each column, English as in ``stpi compute`` data files, and Chinese.
HEADERS: dict[str, tuple[str, ...]] = {
    "region": ("region", "地区"),
    "year": ("year", "年份", "年度"),
    "code": ("indicator", "code", "指标", "代码", "指标代码"),
    "value": ("value", "数值", "本年值"),
    "source": ("source", "数据来源", "来源"),
    "note": ("note", "备注"),
}
REQUIRED = ("region", "year", "code", "value")
_YEAR = re.compile(r"([0-9]{4})(?:\.0+)?年?", re.ASCII)

# (row number, key → (raw cell value, Excel number format, stored as a formula))
_Record = tuple[int, dict[str, tuple[Any, str, bool]]]
_NO_CELL = (None, "General", False)
MAX_WIDTH = 64  # header cells read at most: a long table has six columns


def read_long_csv(path: Path, units: Mapping[str, str]) -> tuple[list[Entry], list[Problem]]:
    """Rows and problems of a long CSV file (UTF-8 or GB18030, as :func:`read_frame` reads it)."""
    file = str(path)
    try:
        frame = read_frame(path)
    except InputError as exc:
        return [], list(exc.problems)
    headers = [c for c in frame.columns if c != "_row"]
    columns, problems = match_columns(headers, file, 1)
    if problems:
        return [], problems
    if frame.empty:
        return [], [Problem(file, None, None, "没有数据行 no data rows")]
    labels = {key: headers[i] for key, i in columns.items()}
    records = (
        (int(row["_row"]), {key: (row[labels[key]], "General", False) for key in columns})
        for row in frame.to_dict("records")
    )
    return entries_from_records(records, file, None, labels, units)


def read_long_sheet(book: Any, path: Path, units: Mapping[str, str], scans: Mapping[str, SheetScan] | None = None) -> tuple[list[Entry], list[Problem]]:
    """Rows and problems of a long table in the first sheet of a workbook (``scans``: as streamed, for merged cells)."""
    if not book.worksheets:
        return [], [Problem(str(path), None, None, "没有工作表 the workbook has no worksheet")]
    ws = book.worksheets[0]
    file = f"{path}:{ws.title}"
    if not hasattr(ws, "iter_rows"):
        return [], [Problem(file, None, None, "不是普通工作表 not a worksheet (a chart sheet?)")]
    first = next(ws.iter_rows(min_row=1, max_row=1, max_col=MAX_WIDTH), ())
    headers = [cell_text(c.value) for c in first]
    if not any(headers):
        return [], [Problem(file, 1, None, "工作表为空或缺少表头行 the sheet is empty or has no header row")]
    columns, problems = match_columns(headers, file, 1)
    if problems:
        return [], problems
    problems = merged_problems((scans or {}).get(ws.title), file, 1)
    labels = {key: f"{headers[i]}({get_column_letter(i + 1)})" for key, i in columns.items()}
    records = [
        (line, {key: (cells[i].value, cells[i].number_format, is_formula(cells[i])) for key, i in columns.items()})
        for line, cells in data_rows(ws, 2, len(headers))
    ]
    if not records:
        return [], problems + [Problem(file, None, None, "没有数据行 no data rows")]
    entries, found = entries_from_records(records, file, ws.title, labels, units)
    return entries, problems + found + _formula_notes(entries, records)


def match_columns(headers: list[str], file: str, line: int) -> tuple[dict[str, int], list[Problem]]:
    """Column index of each known key; problems for missing or repeated columns."""
    names = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
    columns: dict[str, int] = {}
    problems = []
    for i, header in enumerate(headers):
        key = names.get(normalise(header).lower())
        if key is None:
            continue
        if key in columns:
            problems.append(Problem(file, line, header, "列重复 repeated column", header))
        columns[key] = i
    expected = "region, year, indicator, value"
    for key in REQUIRED:
        if key not in columns:
            reason = f"缺少必需的列(应有 {expected}) missing required column (expected {expected})"
            problems.append(Problem(file, line, HEADERS[key][0], reason))
    return columns, problems


def entries_from_records(
    records: Iterable[_Record], file: str, sheet: str | None, labels: dict[str, str], units: Mapping[str, str]
) -> tuple[list[Entry], list[Problem]]:
    entries, problems = [], []
    for line, cells in records:
        code = cell_text(cells["code"][0])
        entry = Entry(
            file, sheet, line, cell_text(cells["region"][0]), _year(cells["year"][0]), code, "", None,
            source=cell_text(cells.get("source", _NO_CELL)[0]), note=cell_text(cells.get("note", _NO_CELL)[0]),
            unit=units.get(code, ""), fields=labels,
        )
        if entry.year is None:
            reason = "年份应为四位整数(1900–2200) the year must be a whole year (1900-2200)"
            problems.append(entry.problem("year", reason, cell_text(cells["year"][0])))
        raw, number_format, formula = cells["value"]
        try:
            entry.text, entry.value = cell_number(raw, unit=entry.unit, number_format=number_format, formula=formula)
        except ValueError as exc:
            entry.text = cell_text(raw)
            problems.append(entry.problem("value", str(exc), entry.text))
        entries.append(entry)
    return entries, problems


def _year(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)) and float(raw).is_integer():
        year = int(raw)
    else:
        match = _YEAR.fullmatch(normalise(raw)) if isinstance(raw, str) else None
        if match is None:
            return None
        year = int(match.group(1))
    return year if 1900 <= year <= 2200 else None


def _formula_notes(entries: list[Entry], records: list[_Record]) -> list[Problem]:
    """Formulas typed into the source or note column of a workbook."""
    problems = []
    for entry, (_, cells) in zip(entries, records):
        for key in ("source", "note"):
            raw, _, formula = cells.get(key, _NO_CELL)
            if formula:
                problems.append(entry.problem(key, "不能使用公式 formulas are not accepted", cell_text(raw)))
    return problems
