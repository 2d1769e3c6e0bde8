"""Reading a submission (a filled template or a long table) into plain rows and every problem.

Nothing here touches the database: the caller passes what it knows (valid codes and
regions, bounds, last year's values) and imports the rows only when there is no problem.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from stpi.errors import InputError, Problem
from stpi.framework.plausibility import Rule
from stpi.ingest.entries import Bounds, Checks, Entry, History, check_entries, name_problems
from stpi.ingest.layout import DATA_SHEET, META_SHEET, TemplateIdentity
from stpi.ingest.fastlong import read_long_csv_frame
from stpi.ingest.limits import DEFAULT_LIMITS, Limits, screen_csv
from stpi.ingest.longform import read_long_csv, read_long_sheet
from stpi.ingest.workbook import open_book, read_template

__all__ = ["Submission", "SubmissionRow", "read_submission"]

DEFAULT_CHANGE_THRESHOLD = 0.5

Kind = Literal["template", "long", "unknown"]
_COLUMNS = ["region", "year", "code", "text", "value", "source", "note", "sheet", "_row"]
_EMPTY = pd.DataFrame(columns=_COLUMNS)


@dataclass(frozen=True)
class SubmissionRow:
    """One reported figure: ``value`` is ``None`` when the cell was left empty (missing).

    ``text`` is the value as typed (or as stored, for numeric cells); ``sheet`` is ``None``
    for CSV files; ``row`` is the spreadsheet row number.
    """

    region: str
    year: int
    code: str
    text: str
    value: float | None
    source: str
    note: str
    sheet: str | None
    row: int


@dataclass(frozen=True, eq=False)
class Submission:
    """What a file holds: the rows without problems, and every problem found.

    Import all or nothing: use the rows only when ``problems`` is empty. ``kind`` is
    ``"unknown"`` when the file could not be opened at all. ``identity`` is the template's
    ``_meta`` identity, ``None`` for a long table.
    """

    file: str
    kind: Kind
    table: pd.DataFrame = field(repr=False)
    problems: tuple[Problem, ...]
    identity: TemplateIdentity | None = None
    warnings: tuple[Problem, ...] = ()  # flagged for review (e.g. far from the peers), never a refusal

    @cached_property
    def rows(self) -> tuple[SubmissionRow, ...]:
        """The good rows as objects (``table`` holds them as a DataFrame, for large files)."""
        t = self.table
        values = [None if pd.isna(v) else float(v) for v in t["value"]]
        return tuple(
            SubmissionRow(r, int(y), c, x, v, s, n, None if pd.isna(sh) else sh, int(line))
            for r, y, c, x, v, s, n, sh, line in zip(t["region"], t["year"], t["code"], t["text"], values, t["source"], t["note"], t["sheet"], t["_row"])
        )

    @property
    def ok(self) -> bool:
        """True when the file can be imported."""
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`stpi.errors.InputError` with every problem, if there is any."""
        if self.problems:
            raise InputError(list(self.problems))


def read_submission(
    path: str | Path,
    *,
    known_codes: Collection[str] | None = None,
    known_regions: Collection[str] | None = None,
    rules: Mapping[str, Bounds] | None = None,
    units: Mapping[str, str] | None = None,
    previous: Mapping[tuple[str, str], float] | None = None,
    change_threshold: float | None = None,
    expect_reporter: str | None = None,
    expect_year: int | None = None,
    history: History | None = None,
    limits: Limits = DEFAULT_LIMITS,
    plausible: Mapping[str, Rule] | None = None,
    names: Mapping[str, str] | None = None,
) -> Submission:
    """Read a filled template or a long table, checking every row; never raises for bad files.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` template made by :func:`stpi.ingest.write_template`, or a long table
        ``region, year, indicator, value[, source, note]`` as ``.csv`` or ``.xlsx``
        (first sheet). An ``.xlsx`` with a ``填报`` or ``_meta`` sheet is read as a template.
    known_codes, known_regions : collection of str, optional
        Valid indicator/variable codes and regions; others are problems. A template's
        rows carry the region codes of its ``_meta``; a long table the text of its region
        column.
    rules : mapping of code to (lower, upper), optional
        Plausibility bounds (either may be ``None``); they replace a template's own bounds.
    units : mapping of code to unit, optional
        Decides where ``12.3%`` is allowed and which values are counts (never negative).
        Defaults to the template's units; a long table without it accepts no ``%``.
    previous : mapping of (region, code) to last year's value, optional
        A change above ``change_threshold`` needs a note. Defaults to the template's 上年值.
    change_threshold : float, optional
        Relative change (0.5 = 50%); defaults to the template's own, else 0.5.
    expect_reporter, expect_year : optional
        The reporter code and year the file must be for.
    history : callable, optional
        Last year's figures for the years the file holds (:data:`stpi.ingest.entries.History`),
        for the note rule on every kind of file; ``previous`` takes precedence.
    limits : Limits, optional
        Size, sheets, rows, columns and cell text allowed, checked before the file is expanded;
        macro-enabled workbooks are always refused.
    plausible : mapping of code to Rule, optional
        Valid ranges and change limits from the framework (:func:`stpi.framework.plausibility.plausibility_rules`).
    names : mapping of code to name, optional
        Every problem of a row names its code and this name.

    Returns
    -------
    Submission
        Rows without problems, and every problem (file or ``file:sheet``, row, column, reason).
    """
    path = Path(path)
    if path.suffix.lower() in (".csv", ".txt") and path.is_file():
        refused = screen_csv(path, limits)
        if refused:
            return Submission(str(path), "unknown", _EMPTY.copy(), tuple(refused), None)
        checks = Checks(
            known_codes=None if known_codes is None else frozenset(known_codes),
            known_regions=None if known_regions is None else frozenset(known_regions),
            rules=rules, units=units, previous=previous, expect_year=expect_year, plausible=plausible, names=names,
            change_threshold=DEFAULT_CHANGE_THRESHOLD if change_threshold is None else change_threshold,
        )
        table, found = read_long_csv_frame(path, checks, None if previous is not None else history)
        table = table.assign(sheet=None)
        return Submission(str(path), "long", table, tuple(sorted(found, key=lambda p: (p.file, p.row or 0))), None)
    checks = Checks(
        known_codes=None if known_codes is None else frozenset(known_codes),
        known_regions=None if known_regions is None else frozenset(known_regions),
        rules=rules,
        units=units,
        previous=previous,
        plausible=plausible,
        names=names,
        change_threshold=DEFAULT_CHANGE_THRESHOLD if change_threshold is None else change_threshold,
    )
    kind, identity, entries, problems = _load(path, checks, limits)
    if history is not None and previous is None:
        checks = replace(checks, last_year=history(frozenset(e.year for e in entries if e.year is not None)))
    if identity is not None:
        problems += _identity_problems(identity, str(path), expect_reporter, expect_year)
        if change_threshold is None:
            checks = replace(checks, change_threshold=identity.change_threshold)
    elif expect_year is not None:
        checks = replace(checks, expect_year=expect_year)  # long tables: row by row
    problems = name_problems(problems, names, {(e.file, e.line): e.code for e in entries if e.code}) + check_entries(entries, checks)
    good = [e for e in entries if not e.bad and e.year is not None]
    table = pd.DataFrame(
        [(e.region, e.year, e.code, e.text, np.nan if e.value is None else e.value, e.source, e.note, e.sheet, e.line) for e in good],
        columns=_COLUMNS,
    )
    ordered = sorted(problems, key=lambda p: (p.file, p.row or 0))
    return Submission(str(path), kind, table, tuple(ordered), identity)


def _load(path: Path, checks: Checks, limits: Limits) -> tuple[Kind, TemplateIdentity | None, list[Entry], list[Problem]]:
    file = str(path)
    if not path.is_file():
        return "unknown", None, [], [Problem(file, None, None, "文件不存在 file not found")]
    suffix = path.suffix.lower()
    units = checks.units or {}
    if suffix in (".csv", ".txt"):
        entries, problems = read_long_csv(path, units)
        return "long", None, entries, problems
    if suffix not in (".xlsx", ".xlsm"):  # .xlsm: refused by open_book, with the reason
        reason = f"不支持的文件类型 {suffix or '(无)'},请上传 .xlsx 或 .csv unsupported file type; upload .xlsx or .csv"
        if suffix in (".xls", ".et"):
            reason = f"请将 {suffix} 文件另存为 .xlsx 后上传 save the {suffix} file as .xlsx and upload again"
        return "unknown", None, [], [Problem(file, None, None, reason)]
    book, scans, problems = open_book(path, limits)
    if book is None:
        return "unknown", None, [], problems
    try:
        if DATA_SHEET in book.sheetnames or META_SHEET in book.sheetnames:
            identity, entries, problems = read_template(book, path, units, scans)
            return "template", identity, entries, problems
        entries, problems = read_long_sheet(book, path, units, scans)
        return "long", None, entries, problems
    finally:
        book.close()


def _identity_problems(
    identity: TemplateIdentity, file: str, expect_reporter: str | None, expect_year: int | None
) -> list[Problem]:
    where = f"{file}:{META_SHEET}"
    out = []
    if expect_reporter is not None and identity.reporter_code != expect_reporter:
        reason = f"这是“{identity.reporter}”的模板,不是本单位的 this template was made for another reporter"
        out.append(Problem(where, None, "reporter_code", reason, identity.reporter_code))
    if expect_year is not None and identity.year != expect_year:
        reason = f"这是 {identity.year} 年度的模板,应为 {expect_year} 年度 this template is for another year"
        out.append(Problem(where, None, "year", reason, str(identity.year)))
    return out
