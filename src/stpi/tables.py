"""Reading and writing flat tables (CSV, XLSX) the way Chinese offices produce them.

CSV files from Excel or WPS come as UTF-8 (with or without BOM) or GB18030;
rows keep their spreadsheet row numbers so problems can be located.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stpi.errors import InputError, Problem

if TYPE_CHECKING:  # pandas is imported by the functions that use it: the store reads YAML through this module
    import pandas as pd

__all__ = ["PORTRAIT_WIDTH", "Table", "load_yaml", "print_setup", "read_frame", "read_table", "safe_cell", "write_table"]


@dataclass(frozen=True)
class Table:
    """A header and rows of text cells, each row with its spreadsheet row number."""

    file: str
    columns: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def _decode(raw: bytes, file: str) -> str:
    return _decoded(raw, file)[0]


def _decoded(raw: bytes, file: str) -> tuple[str, str]:
    """The text and the encoding it was read with."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise InputError([Problem(file, None, None, "无法识别文件编码(应为 UTF-8 或 GB18030) unknown text encoding")])


def _read_csv(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes(), str(path))
    return [row for row in csv.reader(io.StringIO(text))]


def _read_xlsx(path: Path, sheet: str | None) -> list[list[str]]:
    from openpyxl import load_workbook

    from stpi.ingest.limits import DEFAULT_LIMITS, screen_workbook

    _, refused = screen_workbook(path, DEFAULT_LIMITS)  # zip bombs, macros, oversized sheets: before openpyxl expands anything
    if refused:
        raise InputError(refused)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise InputError([Problem(str(path), None, None, f"不是有效的 XLSX 文件 not a valid XLSX file ({exc})")]) from exc
    try:
        ws = book[sheet] if sheet else book.worksheets[0]
        ws.reset_dimensions()  # read the rows there are, not as many as the sheet claims
        return [["" if v is None else _cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
    except KeyError:
        raise InputError([Problem(str(path), None, None, f"没有工作表 no sheet named {sheet!r}")]) from None
    finally:
        book.close()  # read-only workbooks keep the file open until closed


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)


def read_frame(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file into a DataFrame of stripped text cells, for large inputs.

    The column ``_row`` holds each row's spreadsheet row number; blank rows are dropped.
    """
    import pandas as pd
    table_path = Path(path)
    if table_path.suffix.lower() in (".csv", ".txt") and table_path.exists():
        return _read_csv_frame(table_path)
    table = read_table(table_path, sheet=sheet)
    frame = pd.DataFrame([cells for _, cells in table.rows], columns=[c for c in table.columns if c])
    frame["_row"] = [number for number, _ in table.rows]
    return frame.fillna("")


def _read_csv_frame(path: Path) -> pd.DataFrame:
    import pandas as pd
    raw = path.read_bytes()
    text, encoding = _decoded(raw, str(path))
    # the C parser reads UTF-8 bytes faster than it re-encodes a str
    source: io.BytesIO | io.StringIO = io.BytesIO(raw) if encoding == "utf-8-sig" else io.StringIO(text)
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding=encoding if encoding == "utf-8-sig" else None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError([Problem(str(path), None, None, f"CSV 格式错误 malformed CSV: {exc}")]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("")
    if _may_need_strip(text):  # stripping a million cells costs a second: only when some cell needs it
        frame = frame.apply(lambda col: col.str.strip())
    frame["_row"] = np.arange(2, len(frame) + 2)
    cells = [frame[c] for c in frame.columns if c != "_row"]
    if not cells:
        return frame
    blank = (cells[0] == "").to_numpy()
    if blank.any():  # rarely: only then look at the other columns
        for col in cells[1:]:
            blank = blank & (col == "").to_numpy()
    return frame[~blank] if blank.any() else frame


# A whitespace character next to a delimiter, a quote or a line end starts or ends a cell;
# whitespace only inside cells needs no strip. \r and \n there are line ends, not cell content.
_EDGE_SPACE = re.compile(r'[^\S\r\n](?:(?=[,"\r\n])|\Z|(?<=[,"\r\n][^\S\r\n]))')
_QUOTED_EDGE_BREAK = re.compile(r'"[\r\n]|[\r\n]"')


def _may_need_strip(text: str) -> bool:
    """False only when no cell of the CSV text can start or end with whitespace."""
    if text[:1].isspace() or _EDGE_SPACE.search(text):
        return True
    return '"' in text and _QUOTED_EDGE_BREAK.search(text) is not None  # a quoted cell may hold a line break


def read_table(path: str | Path, *, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file into text cells; blank lines are skipped."""
    path = Path(path)
    if not path.exists():
        raise InputError([Problem(str(path), None, None, "文件不存在 file not found")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw = _read_xlsx(path, sheet)
    elif suffix in (".csv", ".txt"):
        raw = _read_csv(path)
    else:
        raise InputError([Problem(str(path), None, None, f"不支持的文件类型 unsupported file type {suffix!r} (.csv, .xlsx)")])
    if not raw or not any(c.strip() for c in raw[0]):
        raise InputError([Problem(str(path), 1, None, "缺少表头行 missing header row")])
    columns = tuple(c.strip() for c in raw[0])
    rows = []
    for number, cells in enumerate(raw[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        cells = list(cells) + [""] * (len(columns) - len(cells))
        rows.append((number, {col: _unguard(cells[i].strip()) for i, col in enumerate(columns) if col}))
    return Table(str(path), columns, tuple(rows))


def _unguard(text: str) -> str:
    """Undo :func:`safe_cell` so that guarded text reads back as it was written."""
    return text[1:] if text[:1] == "'" and safe_cell(text[1:]) == text else text


# What makes Excel, WPS or LibreOffice read a cell as a formula: the ASCII starters, their
# full-width forms (WPS and Excel with a Chinese IME take ＝ for =), tab, CR and LF.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣")


def safe_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula: the one guard of every export (CSV and XLSX).

    A leading ``'`` makes the text plain; plain numbers (``-12.5``) stay numbers. Leading
    spaces do not protect: spreadsheets strip them before looking for a formula.
    """
    if isinstance(value, str):
        start = value.lstrip(" \u3000")[:1]
        if start and start in _FORMULA_START:
            try:
                float(value)
            except ValueError:
                return "'" + value
    return value


def write_table(
    rows: list[dict[str, Any]], columns: list[str], path: str | Path | None, *, fmt: str, sheet: str = "Sheet1"
) -> bytes:
    """Write rows as CSV (UTF-8) or XLSX, every text cell formula-safe; return the bytes, and write them to ``path`` if given."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else safe_cell(row.get(k)) for k in columns})
        data = buffer.getvalue().encode("utf-8")
    elif fmt == "xlsx":
        data = _xlsx_bytes(rows, columns, sheet)
    else:
        raise ValueError(fmt)
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _xlsx_bytes(rows: list[dict[str, Any]], columns: list[str], sheet: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(row.get(c)) for c in columns])
    for i, col in enumerate(columns, start=1):
        width = max([len(str(col))] + [len(str(r.get(col) or "")) for r in rows[:200]])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, max(8, width * 1.6))
    print_setup(ws, header_rows=1, key_columns=1, title="" if sheet == "Sheet1" else sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


PORTRAIT_WIDTH = 95  # column-width units (about one Latin character each) an A4 portrait page holds at 100%


def print_setup(ws: Any, *, header_rows: int = 1, key_columns: int = 1, title: str = "", landscape: bool | None = None) -> None:
    """Make a worksheet print well: A4, landscape when wide, one page wide, header rows repeated, key columns frozen, page numbers.

    ``header_rows`` rows from the top repeat on every printed page and stay frozen on screen with the
    first ``key_columns`` columns; fitting to one page width keeps the key columns beside every value.
    ``landscape`` None chooses by the columns' total width. ``title`` goes in the page header.
    """
    from openpyxl.utils import get_column_letter

    from stpi.i18n import get_lang

    widths = [ws.column_dimensions[get_column_letter(j)].width or 8.43 for j in range(1, (ws.max_column or 1) + 1)]
    wide = sum(widths) > PORTRAIT_WIDTH if landscape is None else landscape
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if wide else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # one page wide, as many pages long as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.page_margins.header = ws.page_margins.footer = 0.3
    if header_rows > 0:
        ws.print_title_rows = f"1:{header_rows}"
    if header_rows > 0 or key_columns > 0:
        ws.freeze_panes = f"{get_column_letter(key_columns + 1)}{header_rows + 1}"
    if title:
        ws.oddHeader.center.text = title.replace("&", "&&")[:200]  # & starts a header code; Excel refuses headers over 255 characters
        ws.oddHeader.center.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页" if get_lang() == "zh" else "Page &P of &N"
    ws.oddFooter.center.size = 9


def load_yaml(text: str) -> Any:
    """Parse YAML safely, with the C parser when PyYAML has it (several times faster)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
