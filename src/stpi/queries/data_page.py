"""The data page: what a reporter may enter, their figures of a year, and the checks on a typed figure.

A figure typed into the web form goes through the same reading and checks as a cell of an
imported template (:mod:`stpi.ingest.numbers`, :func:`stpi.ingest.entries.check_entry`), then
through the same all-or-nothing store write as ``stpi import`` — saved as a draft.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from stpi.readmodel import Snapshot
from stpi import service, submissions
from stpi.errors import ForbiddenError, InputError, Problem
from stpi.i18n import get_lang, tr
from stpi.ingest.entries import NOTE_MAX, SOURCE_MAX, Checks, Entry as RowEntry, check_entry, duplicate_reason, name_problems, text_problems
from stpi.ingest.isolated import run_isolated
from stpi.ingest.limits import MACRO_REASON
from stpi.ingest.numbers import normalise, parse_number
from stpi.numbers import number
from stpi.queries.figure_names import FigureName, change_pct, figure_names
from stpi.queries.previous import previous_values
from stpi.store import observations as ob
from stpi.store.core import Store
from stpi.store.queue import figure_years
from stpi.store.records import STATUSES, Observation, User
from stpi.store.rules import acting_user, check_write, replaceable, submit_scope, writable_codes
from stpi.store.settings import get_setting

__all__ = ["FIELDS", "NOTE_MAX", "SOURCE_MAX", "YEAR_MAX", "YEAR_MIN", "data_page", "default_year", "import_upload", "last_year_values", "problem_rows", "save_entries", "scope_of", "shown", "submit_year", "template_file"]

YEAR_MIN, YEAR_MAX = 2000, 2100
FIGURES_LIMIT = 2000  # rows listed at most (page and JSON twin); the downloads export every figure
FIELDS = ("region", "year", "code", "value", "source", "note", "vintage")
ENTRY_FILE = "<entry>"


@dataclass(frozen=True)
class Scope:
    """Where a user reports: the regions (code, name) and indicator codes (None: every one)."""

    regions: tuple[tuple[str, str], ...]
    codes: frozenset[str] | None
    fixed_region: bool


def scope_of(store: Store, user: User) -> Scope:
    """A county reports for its county, a department for the plan's region, the admin anywhere."""
    codes = writable_codes(store, user)
    frozen = None if codes is None else frozenset(codes)
    if user.role == "county" and user.region:
        r = store.region(user.region)
        return Scope(((r.code, r.name),), frozen, True)
    plan_region = store.region(store.plan().region)
    if user.role != "admin":
        return Scope(((plan_region.code, plan_region.name),), frozen, True)
    regions = store.regions()
    ordered = [plan_region] + [r for r in regions if r.parent == plan_region.code] + [r for r in regions if r.code != plan_region.code and r.parent != plan_region.code]
    return Scope(tuple((r.code, r.name) for r in ordered), frozen, False)


def _mine(o: Observation, user: User, scope: Scope) -> bool:
    if user.role in ("admin", "viewer"):  # the S&T bureau and the leaders see every figure
        return True
    in_scope = o.region in {c for c, _ in scope.regions} and (scope.codes is None or o.code in scope.codes)
    return in_scope or o.created_by == user.username


def default_year(snap: Snapshot) -> int:
    """The year a reporter is most likely working on: the newest open year with figures, else the next one."""
    plan, locked = snap.plan(), set(snap.locked_years())
    years = set(snap.figure_years()) - locked
    if years:
        return max(years)
    return max([plan.baseline_year, *locked]) + 1


def shown(x: float | None) -> str:
    """A figure as a clerk would type it back into a form: every stored digit, plain (no exponent), '' for none.

    For text a person reads use :func:`stpi.numbers.number` (the one rule); this is for input fields.
    """
    if x is None or not math.isfinite(x):
        return ""
    text = f"{x:.15g}"
    if "e" in text:
        text = f"{Decimal(text):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _figure_row(o: Observation, names: Mapping[str, str], known: Mapping[str, FigureName], last: Mapping[tuple[str, str], float]) -> dict[str, Any]:
    what = known.get(o.code) or FigureName(o.code, o.code, "", "")
    value = o.value if o.value is None or math.isfinite(o.value) else None
    prior = last.get((o.region, o.code)) if o.period == str(o.year) else None
    change = change_pct(value, prior)
    return {
        "id": o.id, "region": o.region, "region_name": names.get(o.region, o.region), "code": o.code, "shown_code": what.shown, "period": o.period,
        "name": what.name, "unit": what.unit, "no": what.no, "raw": what.raw,
        "value": value, "value_text": number(value, what.unit), "input_text": shown(value),
        "last_year": prior, "last_year_text": number(prior, what.unit), "change_pct": change,
        "jump": change is not None and abs(change) > what.change_limit * 100,
        "status": o.status, "status_text": tr(f"status.{o.status}"),
        "vintage": o.vintage, "source": o.source, "note": o.note, "comment": o.comment,
        "created_by": o.created_by, "created_at": o.created_at.strftime("%Y-%m-%d %H:%M"), "upload_id": o.upload_id,
    }


def _indicators(snap: Snapshot) -> dict[str, dict[str, Any]]:
    """Every plan indicator by code: number, name in the language in force, unit."""
    en = get_lang() == "en"
    return {i.code: {"code": i.code, "no": i.no, "name": i.name_en if en and i.name_en else i.name, "unit": i.unit} for i in snap.plan().indicators}


def data_page(snap: Snapshot, *, username: str, year: int | None = None) -> dict[str, Any]:
    """The data page's context for one account: entry options, its figures of the year, the workflow counts."""
    store = snap.source  # the account and its rights
    user = store.user(username)
    plan, scope = snap.plan(), scope_of(store, user)
    year = year or default_year(snap)
    indicators = _indicators(snap)
    names = {r.code: r.name for r in snap.regions()}
    mine = [o for o in snap.observations(year=year) if _mine(o, user, scope)]
    counts = {s: sum(o.status == s for o in mine) for s in STATUSES}
    known, last = figure_names(snap), previous_values(snap, year)
    shown_names = {r.code: r.name_en or r.name for r in snap.regions()} if get_lang() == "en" else names
    figures = [_figure_row(o, shown_names, known, last) for o in mine[:FIGURES_LIMIT]]
    locked = snap.locked_years()
    admin = user.role == "admin"
    return {
        "year": year, "years": sorted({*range(plan.baseline_year + 1, plan.target_year + 1), year}),
        "year_min": YEAR_MIN, "year_max": YEAR_MAX, "locked": year in locked, "locked_years": locked,
        "reporter": {"role": user.role, "department": user.department, "department_name": plan.department(user.department).label(get_lang()) if user.department else "",
                     "region": user.region, "region_name": names.get(user.region or "", "")},
        "regions": [{"code": c, "name": n} for c, n in scope.regions], "region_fixed": scope.fixed_region,
        "indicators": [v for k, v in indicators.items() if scope.codes is None or k in scope.codes],
        "figures": figures, "figures_total": len(mine), "counts": counts, "to_submit": counts["draft"] + counts["returned"],
        "upload_limit_mb": int(snap.setting("upload_limit_mb")),  # type: ignore[call-overload]
        "template": {"own": user.role in ("department", "county"), "admin": admin,
                     "departments": [{"code": d.code, "name": d.label(get_lang())} for d in plan.departments] if admin else [],
                     "counties": [{"code": c, "name": n} for c, n in scope.regions if c in {r.code for r in snap.regions("county")}] if admin else []},
        "limits": {"source": SOURCE_MAX, "note": NOTE_MAX},
    }


# ------------------------------------------------------------------ checking typed figures


def _text(item: Mapping[str, object], key: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _year(text: str, row: int, problems: list[Problem]) -> int | None:
    body = normalise(text)
    if not body:
        problems.append(Problem(ENTRY_FILE, row, "year", "请填写年度 the year is required", text))
        return None
    if not body.isascii() or not body.isdigit() or not YEAR_MIN <= int(body) <= YEAR_MAX:
        problems.append(Problem(ENTRY_FILE, row, "year", f"年度应为 {YEAR_MIN}–{YEAR_MAX} 之间的四位整数 the year must be a whole number from {YEAR_MIN} to {YEAR_MAX}", text))
        return None
    return int(body)


def last_year_values(store: Store, year: int) -> dict[tuple[str, str], float]:
    """Last year's approved figures by (region code, code), as every door's note rule sees them."""
    codes = {r.code for r in store.regions()}
    return {(r, c): v for (r, _, c), v in submissions.StoreHistory.read(store, frozenset({year})).items() if r in codes}


@dataclass
class _Known:
    """What checking typed figures needs from the store, read once per request."""

    store: Store
    regions: dict[str, str]  # code or name → code
    units: dict[str, str]  # indicator code → unit
    previous: dict[int, dict[tuple[str, str], float]]  # year → last year's figures, read when first needed
    locked: set[int]
    rules: submissions.FileRules | None = field(default=None)  # ranges, change limits and names: the same as a file's


def _check_one(item: Mapping[str, object], row: int, known: _Known) -> tuple[ob.Entry | None, list[Problem]]:
    """One typed figure: every problem at its field, or the store entry to write."""
    regions, units, previous = known.regions, known.units, known.previous
    problems: list[Problem] = []
    region_text, code = _text(item, "region"), _text(item, "code")
    region = regions.get(region_text)
    if not region_text:
        problems.append(Problem(ENTRY_FILE, row, "region", "请选择地区 the region is required", None))
    elif region is None:
        problems.append(Problem(ENTRY_FILE, row, "region", "未知地区 unknown region", region_text))
    year = _year(_text(item, "year"), row, problems)
    if year in known.locked:
        problems.append(Problem(ENTRY_FILE, row, "year", f"{year}年评价已锁定:修改只能由管理员作为修订进行 {year} is locked: changes only as a revision by the admin", str(year)))
    if not code:
        problems.append(Problem(ENTRY_FILE, row, "code", "请选择指标 the indicator is required", None))
    elif code not in units:
        problems.append(Problem(ENTRY_FILE, row, "code", "未知指标代码 unknown indicator code", code))
    source, note, value_text = _text(item, "source"), _text(item, "note"), _text(item, "value")
    problems += text_problems(RowEntry(ENTRY_FILE, None, row, region_text, None, code, value_text, None, source, note))
    value = _value(value_text, units.get(code, ""), row, problems)
    vintage_text = _text(item, "vintage")
    if vintage_text and not (vintage_text.isascii() and vintage_text.isdigit()):
        problems.append(Problem(ENTRY_FILE, row, "vintage", "版本号应为非负整数 the vintage must be a whole number", vintage_text))
    if problems or region is None or year is None or value is None:
        return None, problems
    if year not in previous:
        previous[year] = last_year_values(known.store, year)
    typed = RowEntry(ENTRY_FILE, None, row, region, year, code, value_text, value, source, note, units[code])
    rules = known.rules
    problems += check_entry(typed, Checks(units=units, previous=previous[year], plausible=None if rules is None else rules.plausible,
                                          names=None if rules is None else rules.names))
    entry = ob.Entry(region, code, str(year), value, source, note, int(vintage_text) if vintage_text else None)
    return (None if problems else entry), problems


def _value(text: str, unit: str, row: int, problems: list[Problem]) -> float | None:
    try:
        value = parse_number(text, unit=unit)
    except ValueError as exc:
        problems.append(Problem(ENTRY_FILE, row, "value", str(exc), text))
        return None
    if value is None:
        problems.append(Problem(ENTRY_FILE, row, "value", "请填写数值 the value is required", text or None))
    return value


def save_entries(store: Store, *, username: str, items: list[Mapping[str, object]]) -> dict[str, Any]:
    """Check typed figures (every problem at its field), check the user may write them, save them all as drafts."""
    user = store.user(username)
    regions = {key: r.code for r in store.regions() for key in (r.code, r.name)}
    units = submissions.reportable_units(store)  # the raw statistics too: a department's template lists them
    known = _Known(store, regions, units, {}, set(ob.locked_years(store)), submissions.file_rules(store, upload_limit=False))
    entries: list[ob.Entry] = []
    problems: list[Problem] = []
    first: dict[tuple[str, str, str], int] = {}  # a figure typed twice: the row where it came first
    for row, item in enumerate(items, start=1):
        entry, found = _check_one(item, row, known)
        problems += found
        if entry is not None and (entry.region, entry.code, entry.period) in first:
            problems.append(Problem(ENTRY_FILE, row, "code", duplicate_reason(first[entry.region, entry.code, entry.period]), f"{entry.region} {entry.period} {entry.code}"))
        elif entry is not None:
            first[entry.region, entry.code, entry.period] = row
            entries.append(entry)
    if problems:
        raise InputError(problems)
    warnings = _cross_row(known, entries, first)
    check_write(store, user, {(e.region, e.code) for e in entries})
    try:
        # a change names the vintage it replaces, and never another department's figure in progress (the same rule as uploads)
        result = ob.write(store, entries, actor=username, status="draft", require_vintage=True, colleagues=replaceable(store, user))
    except InputError as exc:  # the store's own checks (a locked year): name the form's field
        raise InputError([replace(p, file=ENTRY_FILE, field="year" if p.field == "period" else p.field) for p in exc.problems]) from None
    return {"written": result.written, "unchanged": result.unchanged, "years": sorted({int(e.period) for e in entries}), "warnings": warnings}


def _cross_row(known: _Known, entries: list[ob.Entry], rows: Mapping[tuple[str, str, str], int]) -> list[dict[str, Any]]:
    """The checks across figures (derived indicators, typed against raw, peers), as a file gets them; raises for problems, returns the warnings."""
    import pandas as pd

    from stpi.framework.embedded import embedded_variables
    from stpi.ingest.plausible import cross_row_problems

    rules = known.rules
    annual = [e for e in entries if e.period.isdigit()]
    if rules is None or rules.plausible is None or not annual:
        return []
    table = pd.DataFrame([(e.region, int(e.period), e.code, e.value, e.note, None, rows[e.region, e.code, e.period]) for e in annual],
                         columns=["region", "year", "code", "value", "note", "sheet", "_row"])
    figures = submissions.StoreFigures.read(known.store, frozenset(int(y) for y in table["year"]))
    found, warnings = cross_row_problems(table, ENTRY_FILE, rules=rules.plausible, formulas=embedded_variables()[1], figures=figures,
                                         indicators=rules.indicators)
    if found:
        raise InputError(name_problems(found, rules.names))
    return problem_rows(name_problems(warnings, rules.names))


def submit_year(store: Store, *, username: str, year: int) -> int:
    """Submit the user's own drafts and returned figures of a year for review (see :func:`rules.submit_scope`)."""
    scope = submit_scope(store, store.user(username))
    if scope.codes == []:
        return 0
    return ob.transition(store, "submit", actor=username, year=year, regions=scope.regions, codes=scope.codes, entered_by=scope.entered_by)


# ------------------------------------------------------------------ files


def _safe_name(filename: str) -> str:
    """The uploaded file's own name, without any folder, kept only for .xlsx and .csv."""
    name = "".join(ch for ch in filename.replace("\\", "/").rsplit("/", 1)[-1] if ch.isprintable() and ch not in ':*?"<>|').strip()[-120:]
    if Path(name).suffix.lower() == ".xlsm":
        raise InputError([Problem(name, None, "file", MACRO_REASON, filename[:80])])
    if Path(name).suffix.lower() not in (".xlsx", ".csv"):
        raise InputError([Problem(name or "?", None, "file", "只接受填好的 .xlsx 模板或 .csv 长表 only a filled .xlsx template or a .csv long table is accepted", filename[:80] or None)])
    return name


def problem_rows(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems as the validation report shows them: file, sheet, row, column, indicator (code and name), value, reason."""
    rows = []
    for p in problems:
        file, _, sheet = p.file.partition(":")
        rows.append({"file": file, "sheet": sheet, "row": p.row, "column": p.field or "", "code": p.code or "", "name": p.name or "",
                     "indicator": p.subject, "value": p.value, "reason": p.reason})
    return rows


def import_upload(store: Store, *, username: str, filename: str, content: bytes, isolated: bool = True,
                  on_behalf_of: str | None = None, received_at: datetime | None = None) -> dict[str, Any]:
    """Validate an uploaded template or long table exactly as ``stpi import`` does; save all its figures as drafts, or none.

    ``on_behalf_of`` (the admin enters a reporter's file): the figures are submitted at once, their
    submission time the date received (``received_at``, default now), as ``stpi import --on-behalf-of``.

    ``isolated``: read and check the file in a child process with its own memory and time limits
    (:func:`stpi.ingest.isolated.run_isolated`), so that parsing never holds the server's GIL.
    """
    name = _safe_name(filename)
    acting_user(store, username)
    rules = submissions.file_rules(store, upload_limit=True)
    with tempfile.TemporaryDirectory(prefix="stpi-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        prefix = str(path)
        try:
            if isolated:
                sub = run_isolated(submissions.check_file, prefix, rules, file=name)
            else:
                sub = submissions.check_file(prefix, rules)
            result = submissions.write_submission(store, sub, actor=username, content=content, status="submitted" if on_behalf_of else "draft",
                                                  on_behalf_of=on_behalf_of, received_at=received_at)
        except InputError as exc:  # locate problems by the user's file name, not the server's temporary path
            raise InputError([replace(p, file=p.file.replace(prefix, name)) for p in exc.problems]) from None
    warnings = problem_rows([replace(p, file=p.file.replace(prefix, name)) for p in sub.warnings])  # saved, but flagged for review
    return {"file": name, "written": result.written, "unchanged": result.unchanged, "upload_id": result.upload_id, "warnings": warnings}


def template_file(snap: Snapshot, *, username: str, year: int, department: str | None = None, county: str | None = None) -> tuple[str, bytes]:
    """The reporting workbook a user may download, in the language in force: a reporter's own; the admin's for any department or county."""
    user = snap.source.user(username)
    if user.role == "department":
        if county or (department and snap.plan().department(department).code != user.department):
            raise ForbiddenError(f"{user.username} 只能下载本部门的模板 may download only its own department's template")
        department, county = user.department, None
    elif user.role == "county":
        if department or (county and snap.region(county).code != user.region):
            raise ForbiddenError(f"{user.username} 只能下载本县区的模板 may download only its own county's template")
        department, county = None, user.region
    elif user.role != "admin":
        raise ForbiddenError("只读账号没有填报模板 a viewer has no reporting template")
    with tempfile.TemporaryDirectory(prefix="stpi-template-") as folder:
        path = Path(folder) / "template.xlsx"
        spec = submissions.make_template(snap, str(path), year=year, department=department, county=county)
        name = f"{spec.reporter} {year} data-entry template.xlsx" if spec.lang == "en" else f"{year}年{spec.reporter}数据填报模板.xlsx"
        return name, path.read_bytes()
