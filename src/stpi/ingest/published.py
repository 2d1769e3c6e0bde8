"""The province's feedback report (评价反馈) as a long table ``region, year, code, score[, rank]``.

``code`` is any node of the framework — the root, an area, a group, an indicator — given by its
code or its name. Every problem is located (file, row, column, node code and name) and reported
with the others; nothing is returned unless the whole file is clean.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.model import Framework, Node
from stpi.i18n import get_lang
from stpi.ingest.numbers import normalise, parse_number
from stpi.tables import read_table

__all__ = ["HEADERS", "PublishedRow", "read_published_scores"]

HEADERS: dict[str, tuple[str, ...]] = {
    "region": ("region", "地区", "市州", "地区名称"),
    "year": ("year", "年份", "年度", "评价年度"),
    "code": ("code", "node", "indicator", "代码", "指标代码", "指标", "节点", "指标名称"),
    "score": ("score", "value", "得分", "指数", "监测值", "分值", "指数值"),
    "rank": ("rank", "排名", "名次", "位次"),
}
REQUIRED = ("region", "year", "code", "score")
_YEAR = re.compile(r"([0-9]{4})(?:\.0+)?年?", re.ASCII)
_INT = re.compile(r"[0-9]+(?:\.0+)?", re.ASCII)


@dataclass(frozen=True)
class PublishedRow:
    """One clean row: the region's code, the year, the node's code, its published score and rank."""

    line: int
    region: str
    year: int
    code: str
    score: float
    rank: int | None


def _columns(headers: tuple[str, ...], file: str) -> tuple[dict[str, str], list[Problem]]:
    names = {normalise(a).lower(): key for key, aliases in HEADERS.items() for a in aliases}
    found: dict[str, str] = {}
    problems = []
    for i, header in enumerate(headers):
        key = names.get(normalise(header).lower())
        if key is None:
            continue
        if key in found:
            problems.append(Problem(file, 1, _label(header, i), "列重复 repeated column", header))
        found[key] = header
    for key in REQUIRED:
        if key not in found:
            problems.append(Problem(file, 1, HEADERS[key][0], "缺少必需的列(应有 region, year, code, score[, rank]) missing required column (expected region, year, code, score[, rank])"))
    return found, problems


def _label(header: str, i: int) -> str:
    """``score(D)``: the header as typed and its spreadsheet column letter."""
    letters, n = "", i + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"{header}({letters})"


def _year(text: str) -> int | None:
    match = _YEAR.fullmatch(normalise(text))
    year = int(match.group(1)) if match else None
    return year if year is not None and 1900 <= year <= 2200 else None


def _node(fw: Framework, text: str) -> Node | None:
    if text in fw:
        return fw.node(text)
    by_name = [n for n in fw.nodes if text in (n.name, n.name_en) or normalise(text).upper() == n.code.upper()]
    return by_name[0] if len(by_name) == 1 else None


def read_published_scores(path: str | Path, *, framework_of: Callable[[int | None], Framework], region_of: Callable[[str], str]) -> list[PublishedRow]:
    """Every row of the file, checked; :class:`InputError` listing every problem otherwise.

    ``framework_of(year)`` gives the framework a year was evaluated with (its nodes are the valid
    codes); ``region_of(text)`` gives a region's code from its code or name, or raises NotFoundError.
    """
    table = read_table(path)
    file = table.file
    cols, problems = _columns(table.columns, file)
    if problems:
        raise InputError(problems)
    where = {key: _label(h, table.columns.index(h)) for key, h in cols.items()}
    shown = _percent_scores(Path(path), cols["score"]) if Path(path).suffix.lower() in (".xlsx", ".xlsm") else {}
    out: list[PublishedRow] = []
    first: dict[tuple[str, int, str], int] = {}
    for line, cells in table.rows:
        row_problems: list[Problem] = []
        raw = {key: cells.get(h, "") for key, h in cols.items()}
        raw["score"] = shown.get(line, raw["score"])
        year = _year(raw["year"])
        if year is None:
            row_problems.append(Problem(file, line, where["year"], "年份应为四位整数(1900–2200) the year must be a whole year (1900-2200)", raw["year"]))
        fw = framework_of(year)
        node = _node(fw, raw["code"])
        who: dict[str, str | None] = {"code": node.code, "name": node.label(get_lang())} if node is not None else {"code": raw["code"] or None, "name": None}
        if node is None:
            reason = "节点代码为空 the node code is empty" if not raw["code"] else "指标框架中没有该节点(应为根、一级、二级或三级指标的代码或名称) no such node in the framework (give the code or name of the root, an area, a group or an indicator)"
            row_problems.append(Problem(file, line, where["code"], reason, raw["code"], **who))
        region = _region(region_of, raw["region"])
        if region is None:
            row_problems.append(Problem(file, line, where["region"], "没有该地区 unknown region", raw["region"], **who))
        score = _score(raw["score"], who, file, line, where["score"], row_problems)
        rank = _rank(raw.get("rank", ""), who, file, line, where.get("rank", "rank"), row_problems)
        if not row_problems and region is not None and year is not None and node is not None and score is not None:
            key = (region, year, node.code)
            if key in first:
                row_problems.append(Problem(file, line, where["code"], f"与第{first[key]}行重复(同一地区、年份与节点) repeats row {first[key]} (same region, year and node)", raw["code"], **who))
            else:
                first[key] = line
                out.append(PublishedRow(line, region, year, node.code, score, rank))
        problems.extend(row_problems)
    if not table.rows:
        problems.append(Problem(file, None, None, "没有数据行 no data rows"))
    if problems:
        raise InputError(problems)
    return out


def _percent_scores(path: Path, header: str) -> dict[int, str]:
    """Scores in percent-formatted cells, as shown: Excel stores a typed 65.61% as 0.6561. By row number."""
    from openpyxl import load_workbook

    from stpi.ingest.cells import cell_number, is_percent_format

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows()
        head = [str(c.value).strip() if c.value is not None else "" for c in next(rows, ())]
        if header not in head:
            return {}
        col, out = head.index(header), {}
        for cells in rows:
            cell = cells[col] if col < len(cells) else None
            value = getattr(cell, "value", None)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and is_percent_format(getattr(cell, "number_format", "")):
                out[int(cell.row)] = cell_number(value, unit="%", number_format=cell.number_format)[0]  # type: ignore[union-attr]
        return out
    finally:
        book.close()


def _region(region_of: Callable[[str], str], text: str) -> str | None:
    if not text:
        return None
    try:
        return region_of(text)
    except NotFoundError:
        return None


def _score(text: str, who: dict[str, str | None], file: str, line: int, column: str, problems: list[Problem]) -> float | None:
    try:
        value = parse_number(text, unit="%")
    except ValueError as exc:
        problems.append(Problem(file, line, column, str(exc), text, **who))
        return None
    if value is None:
        problems.append(Problem(file, line, column, "缺少得分 the score is missing", text, **who))
    elif not (0.0 <= value <= 100.0 and math.isfinite(value)):
        problems.append(Problem(file, line, column, "得分应在 0–100 之间(指数以 % 计) a score lies between 0 and 100 (the index in %)", text, **who))
        return None
    return value


def _rank(text: str, who: dict[str, str | None], file: str, line: int, column: str, problems: list[Problem]) -> int | None:
    body = normalise(text)
    if not body or body in ("-", "—", "/"):
        return None
    if not _INT.fullmatch(body) or int(float(body)) < 1:
        problems.append(Problem(file, line, column, "排名应为正整数 a rank is a whole number from 1", text, **who))
        return None
    return int(float(body))
