"""Opening an uploaded workbook safely, and reading a filled template back from it."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from contextlib import contextmanager
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from openpyxl.utils import range_boundaries

from stpi.errors import Problem
from stpi.ingest.cells import cell_number, cell_text
from stpi.ingest.entries import Bounds, Entry
from stpi.ingest.layout import (
    COLUMNS,
    DATA_SHEET,
    FIRST_DATA_ROW,
    FORMAT,
    HEADER_ROW,
    HEADERS_EN,
    META_COLUMNS,
    META_LABEL,
    META_SHEET,
    TEMPLATE_VERSION,
    TemplateIdentity,
    column_letter,
)
from stpi.ingest.limits import DEFAULT_LIMITS, Limits, SheetScan, screen_workbook

__all__ = ["cell_problem", "data_rows", "is_formula", "merged_problems", "open_book", "read_template"]

_FIELDS = {key: f"{header}({column_letter(key)})" for key, header in COLUMNS}
_PLAIN = (str, int, float, type(None), dt.date, dt.time, dt.timedelta)
_ALTERED = "识别信息被改动 the identity data was altered"


@dataclass(frozen=True)
class _MetaRow:
    region_code: str
    code: str
    unit: str
    bounds: Bounds
    last_year: float | None


def open_book(path: Path, limits: Limits = DEFAULT_LIMITS) -> tuple[Any, dict[str, SheetScan], list[Problem]]:
    """The workbook, read-only with formulas as text (not ``data_only``), once it passed the limits; or the problems.

    Formulas stay visible so that a formula in a value cell is refused, not its cached (and
    forgeable) result taken. Each sheet's declared size is dropped: rows are read as far as
    :func:`stpi.ingest.limits.screen_workbook` found them, never as far as a sheet claims.
    """
    file = str(path)
    scans, problems = screen_workbook(path, limits)
    if problems:
        return None, {}, problems
    from openpyxl import load_workbook

    try:
        # openpyxl warns about features it drops (extensions, unknown styles); they do not
        # matter for reading values, and must not turn into test failures.
        with warnings.catch_warnings(), _sizes_unread():
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl and zipfile raise many types for a broken file
        reason = f"无法读取 XLSX 文件 cannot read the XLSX file ({type(exc).__name__}: {str(exc)[:200]})"
        return None, {}, [Problem(file, None, None, reason)]
    for ws in book.worksheets:
        ws.reset_dimensions()
    return book, scans, []


@contextmanager
def _sizes_unread() -> Iterator[None]:
    """Open read-only sheets without openpyxl's look for their size.

    Without a ``<dimension>`` element (files from many tools other than Excel) that look parses
    the whole sheet once more; the size is dropped right after anyway (``reset_dimensions``).
    """
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    original = ReadOnlyWorksheet._get_size
    ReadOnlyWorksheet._get_size = lambda self: None
    try:
        yield
    finally:
        ReadOnlyWorksheet._get_size = original


def merged_problems(scan: SheetScan | None, file: str, first_row: int) -> list[Problem]:
    """One problem per merged range reaching row ``first_row`` or below."""
    out = []
    for ref in () if scan is None else scan.merged:
        _, min_row, _, max_row = range_boundaries(ref)
        if max_row is not None and max_row >= first_row:
            out.append(Problem(file, min_row, ref, "数据区不能有合并单元格 merged cells in the data area", None))
    return out


def data_rows(ws: Any, first_row: int, width: int) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, cells) of every row at or below ``first_row`` that is not blank."""
    for line, cells in enumerate(ws.iter_rows(min_row=first_row, max_col=width), start=first_row):
        if any(cell_text(c.value) for c in cells):
            yield line, tuple(cells)


def is_formula(cell: Any) -> bool:
    """True for a formula cell (plain, array or data-table), as read without ``data_only``."""
    return cell.data_type == "f" or not isinstance(cell.value, _PLAIN)


def cell_problem(file: str, line: int, field: str, cell: Any, exc: ValueError) -> Problem:
    """A problem for one cell that could not be read as a number."""
    return Problem(file, line, field, str(exc), None if cell is None else cell_text(cell.value))


def read_template(
    book: Any, path: Path, units: Mapping[str, str], scans: Mapping[str, SheetScan] | None = None
) -> tuple[TemplateIdentity | None, list[Entry], list[Problem]]:
    """Identity, rows and problems of a filled template (``_meta`` and ``填报`` sheets).

    ``units`` (code → unit) overrides the units recorded in the template; ``scans`` are the
    sheets as :func:`open_book` streamed them (for merged cells).
    """
    file = str(path)
    found = "、".join(book.sheetnames)
    reasons = {
        DATA_SHEET: f"缺少工作表“{DATA_SHEET}”(现有:{found}),请勿重命名 missing sheet {DATA_SHEET!r}, found: {found}",
        META_SHEET: f"缺少隐藏工作表“{META_SHEET}”,不是本系统生成的模板或已被改动 "
        f"missing hidden sheet {META_SHEET!r}: not an stpi template, or altered",
    }
    missing = [Problem(file, None, None, reason) for name, reason in reasons.items() if name not in book.sheetnames]
    if missing:
        return None, [], missing
    identity, meta, problems = _read_meta(book[META_SHEET], f"{file}:{META_SHEET}")
    if identity is None:
        return None, [], problems
    ws = book[DATA_SHEET]
    sheet_file = f"{file}:{DATA_SHEET}"
    if not hasattr(ws, "iter_rows"):
        return identity, [], [Problem(sheet_file, None, None, "不是普通工作表 not a worksheet (a chart sheet?)")]
    problems += _header_problems(ws, sheet_file)
    if problems:  # columns may have moved: reading cells would only add noise
        return identity, [], problems
    problems += merged_problems((scans or {}).get(DATA_SHEET), sheet_file, HEADER_ROW)
    entries = []
    for line, cells in data_rows(ws, FIRST_DATA_ROW, len(COLUMNS)):
        entry, found_problems = _entry(cells, line, sheet_file, identity, meta, units)
        problems += found_problems
        if entry is not None:
            entries.append(entry)
    if not entries and not problems:
        problems.append(Problem(sheet_file, None, None, "工作表没有数据行 the sheet has no data rows"))
    seen = {(e.region, e.code) for e in entries}
    deleted = "模板中的行被删除 a template row was deleted"
    problems += [
        Problem(sheet_file, None, _FIELDS["code"], deleted, f"{row.region_code} {row.code}")
        for row in meta.values()
        if (row.region_code, row.code) not in seen
    ]
    return identity, entries, problems


def _header_problems(ws: Any, file: str) -> list[Problem]:
    out = []
    row = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, max_col=len(COLUMNS), values_only=True), ())
    row = tuple(row) + (None,) * (len(COLUMNS) - len(row))
    for i, (key, header) in enumerate(COLUMNS, start=1):
        got = cell_text(row[i - 1])
        if got not in (header, HEADERS_EN[key]):  # a template is written in Chinese or English
            reason = f"表头被修改,应为“{header}” the header was changed; expected {header!r}"
            out.append(Problem(file, HEADER_ROW, column_letter(key), reason, got))
    return out


def _entry(
    cells: tuple[Any, ...],
    line: int,
    file: str,
    identity: TemplateIdentity,
    meta: dict[tuple[str, str], _MetaRow],
    units: Mapping[str, str],
) -> tuple[Entry | None, list[Problem]]:
    """One row of the 填报 sheet; ``None`` when it is not a row of the template."""
    at = {key: cells[i] for i, (key, _) in enumerate(COLUMNS)}
    region_name, code = cell_text(at["region"].value), cell_text(at["code"].value)
    row = meta.get((region_name, code))
    if row is None:
        reason = (
            "该行的地区或代码与模板不符(行被改动或新增) "
            "the region or code does not match the template (row altered or added)"
        )
        return None, [Problem(file, line, _FIELDS["code"], reason, f"{region_name} {code}")]
    problems: list[Problem] = []
    code = row.code  # the data sheet may show a label (I01-2) for the stored code
    text, value, unit = "", None, units.get(code, row.unit)
    cell = at["value"]
    try:
        text, value = cell_number(cell.value, unit=unit, number_format=cell.number_format, formula=is_formula(cell))
    except ValueError as exc:
        problems.append(cell_problem(file, line, _FIELDS["value"], cell, exc))
    notes = {}
    for key in ("source", "note"):
        notes[key] = cell_text(at[key].value)
        if is_formula(at[key]):
            problems.append(Problem(file, line, _FIELDS[key], "不能使用公式 formulas are not accepted", notes[key]))
    entry = Entry(
        file, DATA_SHEET, line, row.region_code, identity.year, code, text, value, notes["source"], notes["note"],
        unit=unit, bounds=row.bounds, previous=row.last_year, fields=_FIELDS, bad=bool(problems),
    )
    return entry, problems


def _read_meta(ws: Any, file: str) -> tuple[TemplateIdentity | None, dict[tuple[str, str], _MetaRow], list[Problem]]:
    """The identity block and the row table of the ``_meta`` sheet."""
    head = ws.iter_rows(min_row=1, max_row=19, max_col=2, values_only=True)  # one pass: read-only cells are streamed
    keys = {cell_text(row[0]): (i, row[1] if len(row) > 1 else None) for i, row in enumerate(head, start=1) if row and row[0]}
    names = ("format", "version", "year", "change_threshold")
    fmt, version, year, threshold = (keys.get(k, (None, None)) for k in names)
    if fmt[1] != FORMAT:
        reason = "识别信息无效,不是本系统生成的模板 invalid identity: not an stpi template"
        return None, {}, [Problem(file, fmt[0], "B", reason, cell_text(fmt[1]))]
    if version[1] != TEMPLATE_VERSION:
        reason = f"不支持的模板版本(应为 {TEMPLATE_VERSION}) unsupported template version (expected {TEMPLATE_VERSION})"
        return None, {}, [Problem(file, version[0], "B", reason, cell_text(version[1]))]
    (year_line, year_value), (threshold_line, threshold_value) = year, threshold
    if not _is_number(year_value) or year_value != int(year_value):
        return None, {}, [Problem(file, year_line, "B", _ALTERED, cell_text(year_value))]
    if not _is_number(threshold_value):
        return None, {}, [Problem(file, threshold_line, "B", _ALTERED, cell_text(threshold_value))]
    meta, regions, problems = _meta_rows(ws, file)
    if problems:
        return None, {}, problems
    identity = TemplateIdentity(
        version=TEMPLATE_VERSION,
        reporter_kind=cell_text(keys.get("reporter_kind", (0, ""))[1]),
        reporter_code=cell_text(keys.get("reporter_code", (0, ""))[1]),
        reporter=cell_text(keys.get("reporter", (0, ""))[1]),
        year=int(year_value),
        regions=tuple(regions.items()),
        change_threshold=float(threshold_value),
    )
    return identity, meta, []


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _meta_rows(ws: Any, file: str) -> tuple[dict[tuple[str, str], _MetaRow], dict[str, str], list[Problem]]:
    """The row table from column D: one line per data row of the template, keyed by (region name, code as the data sheet shows it)."""
    width = len(META_COLUMNS)
    first = next(ws.iter_rows(min_row=1, max_row=1, min_col=4, max_col=4 + width, values_only=True), ())
    header = tuple(cell_text(v) for v in tuple(first) + (None,) * (width + 1 - len(first)))
    if header[:width] != META_COLUMNS or header[width] not in ("", META_LABEL):
        return {}, {}, [Problem(file, 1, "D", _ALTERED, " ".join(header))]
    labelled = header[width] == META_LABEL  # templates before the label column show the code itself
    meta: dict[tuple[str, str], _MetaRow] = {}
    regions: dict[str, str] = {}
    problems = []
    rows = ws.iter_rows(min_row=2, min_col=4, max_col=4 + width, values_only=True)
    for line, cells in enumerate(rows, start=2):
        cells = tuple(cells) + (None,) * (width + 1 - len(cells))
        region_code, region_name, code, unit = (cell_text(v) for v in cells[:4])
        numbers = cells[4:width]
        shown = (cell_text(cells[width]) if labelled else "") or code
        if not region_code:
            break
        if any(v is not None and not isinstance(v, (int, float)) for v in numbers) or (region_name, shown) in meta:
            problems.append(Problem(file, line, "D", _ALTERED, f"{region_code} {code}"))
            continue
        lower, upper, last = (None if v is None else float(v) for v in numbers)
        meta[(region_name, shown)] = _MetaRow(region_code, code, unit, (lower, upper), last)
        regions.setdefault(region_code, region_name)
    if not meta and not problems:
        problems.append(Problem(file, None, "D", "识别信息没有数据行 the identity data lists no rows", None))
    return meta, regions, problems
