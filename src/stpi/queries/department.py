"""The department pages: the 18 departments at a glance, and one department's indicators, notes, duties and score."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

from stpi.readmodel import Snapshot
from stpi.store import Store
from stpi import service
from stpi.analysis.jsonable import jsonable
from stpi.errors import InputError, Problem
from stpi.framework.embedded import embedded_variables
from stpi.framework.plan import Department, Plan
from stpi.i18n import add_messages, get_lang, tr
from stpi.queries.assessment import gather_assessment
from stpi.queries.complete import incomplete_label, missing_indicators
from stpi.queries.overview import overview
from stpi.store import observations as ob
from stpi.store.notes import add_progress_note, progress_notes
from stpi.store.records import ProgressNote

add_messages({
    "dep.note.err_code": ("请选择本部门负责的指标", "Choose one of this department's indicators"),
    "dep.note.err_period": ("期间格式应为 2025、2025Q3 或 2025-07", "The period must look like 2025, 2025Q3 or 2025-07"),
    "dep.note.err_text_empty": ("请填写工作进展", "Write what was done"),
    "dep.note.err_text_long": ("工作进展不能超过 {n} 字(现为 {got} 字)", "At most {n} characters (got {got})"),
    "dep.note.err_short": ("内容过长", "Too long"),
    "dep.unreported": ("未报", "Not reported"),
    "dep.incomplete": ("不完整：本部门 {n} 项未报", "Incomplete: {n} of this department's not reported"),
})

__all__ = ["NOTE_MAX", "PERIOD", "add_note", "check_note", "department_list", "department_page", "open_year"]

NOTE_MAX = 2000
PERIOD = re.compile(r"^\d{4}(?:Q[1-4]|-(?:0[1-9]|1[0-2]))?$")  # 2025, 2025Q3, 2025-07
LIGHTS = ("red", "yellow", "green", "grey")
REPORTED = ("submitted", "approved", "locked")


def _rows_by_code(snap: Snapshot, year: int | None, missing: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    ov = overview(snap, year=year, missing=missing)
    return ov, {r["code"]: r for r in ov["indicators"]}


def _roles(plan: Plan, dep: Department) -> list[tuple[str, str]]:
    """(indicator code, 'lead' | 'responsible') of a department, in the plan's order."""
    return [(i.code, "lead" if dep.code in i.lead else "responsible") for i in plan.indicators if dep.code in i.lead or dep.code in i.responsible]


def department_list(snap: Snapshot, *, year: int | None = None, missing: str = "reweight") -> dict[str, Any]:
    """Every department with how many indicators it leads and shares, and their lights."""
    plan, fw = (snap.plan(), snap.framework())
    ov, rows = _rows_by_code(snap, year, missing)
    out = []
    for dep in plan.departments:
        roles = _roles(plan, dep)
        lights = pd.Series([rows[c]["light"] for c, _ in roles if c in rows], dtype=object).value_counts().to_dict()
        lead_lights = pd.Series([rows[c]["light"] for c, r in roles if r == "lead" and c in rows], dtype=object).value_counts().to_dict()
        out.append({
            "code": dep.code, "name": dep.label(get_lang()), "lead": sum(r == "lead" for _, r in roles), "responsible": sum(r == "responsible" for _, r in roles),
            "lights": {k: int(lights.get(k, 0)) for k in LIGHTS}, "lead_lights": {k: int(lead_lights.get(k, 0)) for k in LIGHTS},
        })
    return {"region": plan.region, "year": ov["year"], "years": ov["years"], "complete": ov["complete"], "year_state": ov["year_state"], "departments": out, "count": len(out),
            "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules())}


def open_year(snap: Snapshot, today: date | None = None) -> int:
    """The year whose figures are being collected: last year (due this year), or the first later one not yet locked."""
    year = (today or date.today()).year - 1
    locked = set(snap.locked_years())
    while year in locked:
        year += 1
    return year


def _to_submit(snap: Snapshot, plan: Plan, dep: Department, year: int) -> list[dict[str, Any]]:
    """Lead indicators with no submitted or approved city figure for ``year`` (directly or by all its raw statistics)."""
    city = snap.region(plan.region).code
    current = {o.code: o.status for o in snap.observations(year=year, region=city) if o.period == str(year)}
    _, formulas = embedded_variables()
    out = []
    for ind in plan.indicators:
        if dep.code not in ind.lead:
            continue
        raw = formulas[ind.code].variables if ind.code in formulas else ()
        if current.get(ind.code) in REPORTED or (raw and all(current.get(v) in REPORTED for v in raw)):
            continue
        pending = sorted({current[c] for c in (ind.code, *raw) if c in current})
        out.append({"no": ind.no, "code": ind.code, "name": ind.label(get_lang()), "unit": ind.unit, "state": ",".join(tr(f"status.{s}") for s in pending)})
    return out


def _assessment(snap: Snapshot, plan: Plan, dep: Department, years: list[int], shown: int, state: dict[str, Any]) -> dict[str, Any] | None:
    """The department's score in the year shown, or the latest year before it with approved figures after the baseline (None before).

    A partial year's score says so (``complete`` false and the 预估（不完整：N项未报） label)."""
    figures = snap.figures()
    mine = sorted({int(y) for y in figures.loc[figures["region"] == plan.region, "year"]} & set(years)) if len(figures) else []
    mine = [y for y in mine if plan.baseline_year < y <= shown]
    if not mine:
        return None
    year = mine[-1]
    complete = state["complete"] if year == shown else not missing_indicators(plan, snap.framework(), figures, year)
    _, result = gather_assessment(snap, year=year)
    summary: dict[str, dict[Any, Any]] = {str(r["department"]): r for r in result.summary.to_dict("records")}
    if dep.code not in summary:
        return None  # owns no indicator: not assessed
    row = summary[dep.code]
    detail = result.detail[result.detail["department"] == dep.code]
    parts = {p: float(detail.loc[detail["part"] == p, "points"].sum()) for p in ("A", "T", "Q", "B")}
    return {
        "year": year, "rank": int(row["rank"]), "of": len(summary), "score": float(row["score"]), "bonus": float(row["bonus"]), "total": float(row["total"]),
        "earned": float(row["earned"]), "possible": float(row["possible"]), "parts": parts, "rules_title": result.rules.title,
        "rules_illustrative": result.rules.illustrative, "download": f"/downloads/assessment.xlsx?year={year}",
        "complete": complete, "incomplete_label": "" if complete else incomplete_label(len(missing_indicators(plan, snap.framework(), figures, year))),
    }


def _note(plan: Plan, n: ProgressNote) -> dict[str, Any]:
    ind = plan.indicator(n.code)
    return {"id": n.id, "code": n.code, "no": ind.no, "indicator": ind.label(get_lang()), "period": n.period, "text": n.text,
            "done_on": n.done_on, "done_by": n.done_by, "at": n.created_at.strftime("%Y-%m-%d %H:%M"), "by": n.created_by}


def department_page(snap: Snapshot, department: str, *, year: int | None = None, missing: str = "reweight", today: date | None = None) -> dict[str, Any]:
    """Everything the department page shows (NotFoundError for an unknown code or name)."""
    plan, fw = (snap.plan(), snap.framework())
    dep = plan.department(department)
    ov, rows = _rows_by_code(snap, year, missing)
    indicators = []
    for code, role in sorted(_roles(plan, dep), key=lambda cr: cr[1] != "lead"):  # lead first, each in the plan's order
        ind, r = plan.indicator(code), rows.get(code, {})
        others = tuple(c for c in ind.lead if c != dep.code)
        unreported = code in ov["year_state"]["missing"]
        indicators.append({
            "no": ind.no, "code": code, "name": ind.label(get_lang()), "unit": ind.unit, "role": role, "role_text": tr(f"role.{role}"),
            "value": r.get("value"), "milestone": r.get("milestone"), "target": ind.target, "target_at_least": ind.target_at_least,
            "status": r.get("status", "no_data"), "status_text": tr("dep.unreported") if unreported else r.get("status_text", ""), "light": r.get("light", "grey"),
            "unreported": unreported, "measures": ind.measures, "other_leads": [{"code": c, "name": plan.department(c).label(get_lang())} for c in others],
        })
    due = open_year(snap, today)
    owed = [i["code"] for i in indicators if i["unreported"]]
    out = {
        "code": dep.code, "name": dep.label(get_lang()), "name_zh": dep.name, "name_en": dep.name_en, "region": plan.region,
        "year": ov["year"], "years": ov["years"], "complete": ov["complete"], "year_state": ov["year_state"],
        "status": "incomplete" if owed else "complete", "missing": owed,
        "status_text": tr("dep.incomplete", n=len(owed)) if owed else "",
        "indicators": indicators, "lead": sum(i["role"] == "lead" for i in indicators), "responsible": sum(i["role"] == "responsible" for i in indicators),
        "lights": {k: sum(i["light"] == k for i in indicators) for k in LIGHTS},
        "notes": [_note(plan, n) for n in reversed(snap.progress_notes(department=dep.code))],
        "open_year": due, "to_submit": _to_submit(snap, plan, dep, due),
        "assessment": _assessment(snap, plan, dep, ov["years"], ov["year"], ov["year_state"]),
        "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()),
    }
    result: dict[str, Any] = jsonable(out)
    return result


def check_note(codes: list[str], code: str, period: str, text: str) -> dict[str, str]:
    """Problems with a progress note by field (empty when it is fine)."""
    errors = {}
    if code not in codes:
        errors["code"] = tr("dep.note.err_code")
    if not PERIOD.match(period.strip()):
        errors["period"] = tr("dep.note.err_period")
    if not text.strip():
        errors["text"] = tr("dep.note.err_text_empty")
    elif len(text) > NOTE_MAX:
        errors["text"] = tr("dep.note.err_text_long", n=NOTE_MAX, got=len(text))
    return errors


def add_note(store: Store, department: str, *, code: str, period: str, text: str, actor: str, done_on: str = "", done_by: str = "") -> dict[str, Any]:
    """Validate and record a department's progress note; InputError lists every problem."""
    plan = store.plan()
    dep = plan.department(department)
    codes = [c for c, _ in _roles(plan, dep)]
    errors = check_note(codes, code, period, text)
    if len(done_on) > 40 or len(done_by) > 100:
        errors["done_on" if len(done_on) > 40 else "done_by"] = tr("dep.note.err_short")
    if errors:
        raise InputError([Problem("<progress>", None, field, reason, "") for field, reason in errors.items()])
    note = add_progress_note(store, department=dep.code, code=code, period=period.strip(), text=text.strip(), actor=actor, done_on=done_on.strip(), done_by=done_by.strip())
    return _note(plan, note)
