"""Departments (部门): the 18 at a glance; one department's indicators, measures, progress notes, duties and score."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from stpi.errors import ForbiddenError, InputError
from stpi.i18n import add_messages
from stpi.queries.department import NOTE_MAX, add_note, department_list, department_page
from stpi.store.records import User
from stpi.web.auth import check_csrf, current_user, require
from stpi.web.render import cached, page, snap_of, store_of, t
from stpi.web.views.supervision import department_notices

__all__ = ["router", "department_context", "departments_context"]

add_messages({
    "web.dep.title": ("部门一览", "Departments"),
    "web.dep.intro": ("{year}年各部门牵头和参与的指标及其进度(一项指标可由多个部门负责)", "Indicators each department leads or shares and their progress in {year} (an indicator may have several owners)"),
    "web.dep.lead_n": ("牵头指标", "Leads"),
    "web.dep.resp_n": ("参与指标", "Shares"),
    "web.dep.lights_of": ("其负责指标(牵头+参与)的进度", "Progress of its indicators (lead + shared)"),
    "web.dep.all": ("全部部门", "All departments"),
    "web.dep.role": ("角色", "Role"),
    "web.dep.indicators": ("负责的指标", "Its indicators"),
    "web.dep.value_of": ("{year}年值", "{year} value"),
    "web.dep.in_year": ("{year}年：", "{year}: "),
    "web.dep.year_incomplete": ("{year}年数据尚不完整：{n}项指标未报，不作“已达标”“按进度推进”的判断，指数为{label}。", "{year} is incomplete: {n} indicators not reported, so no progress status is given; the index is an {label}."),
    "web.dep.year_incomplete_dep": ("{year}年数据尚不完整：{n}项指标未报（其中本部门{k}项），不作“已达标”“按进度推进”的判断。",
                                    "{year} is incomplete: {n} indicators not reported ({k} of them this department's), so no progress status is given."),
    "web.dep.assess_incomplete": ("{year}年数据不完整（{label}），考核分为预估。", "{year} is incomplete ({label}): the score is an estimate."),
    "web.dep.target": ("目标", "Target"),
    "web.dep.measures": ("实施方案措施", "Measures in the plan"),
    "web.dep.co_lead": ("共同牵头:", "Co-lead: "),
    "web.dep.lead_is": ("牵头:", "Lead: "),
    "web.dep.lead_of": ("牵头 {lead} 项 · 参与 {resp} 项", "Leads {lead} · shares {resp}"),
    "web.dep.todo": ("{year}年数据尚待报送", "Still to submit for {year}"),
    "web.dep.todo_none": ("{year}年牵头指标的数据均已报送或审核通过。", "Every lead indicator's {year} figure is submitted or approved."),
    "web.dep.todo_hint": ("牵头指标尚无已报送或已通过的{year}年全市数据(直接填报指标值,或填齐计算它所需的全部原始数据)。", "Lead indicators without a submitted or approved {year} city figure (the value itself, or all the raw statistics it is computed from)."),
    "web.dep.to_data": ("去填报", "Enter figures"),
    "web.dep.assessment": ("年度考核", "Annual assessment"),
    "web.dep.assess_none": ("尚无基期之后审核通过的数据,考核结果待数据报送审核后产生。", "No approved figures after the baseline yet: the assessment follows once figures are approved."),
    "web.dep.assess_score": ("{year}年考核总分", "Total score {year}"),
    "web.dep.assess_rank": ("名次:第 {rank} / {of} 名", "Rank {rank} of {of}"),
    "web.dep.assess_parts": ("进度达成 {a} · 报送及时 {t} · 数据质量 {q} · 加分 {b}(实得 {earned} / 应得 {possible})", "Achievement {a} · timeliness {t} · quality {q} · bonus {b} (earned {earned} of {possible})"),
    "web.dep.assess_rules": ("【示意规则】分值与计分办法为演示假设,非正式考核办法", "[ILLUSTRATIVE RULES] the points are assumptions, not the official scheme"),
    "web.dep.assess_download": ("下载{year}年考核表(Excel)", "Download the {year} assessment (Excel)"),
    "web.dep.notes": ("工作进展", "Progress notes"),
    "web.dep.no_notes": ("尚无工作进展记录。", "No progress notes yet."),
    "web.dep.add_note": ("记录工作进展", "Add a progress note"),
    "web.dep.note_indicator": ("指标", "Indicator"),
    "web.dep.note_period": ("期间(如 2025、2025Q3、2025-07)", "Period (e.g. 2025, 2025Q3, 2025-07)"),
    "web.dep.note_text": ("进展内容(不超过 {n} 字)", "What was done (at most {n} characters)"),
    "web.dep.note_done_on": ("完成时间(选填)", "Done on (optional)"),
    "web.dep.note_done_by": ("完成人(选填)", "Done by (optional)"),
    "web.dep.note_save": ("保存", "Save"),
    "web.dep.note_saved": ("已记录工作进展。", "Progress note saved."),
    "web.dep.note_fix": ("请修改标出的内容后再保存。", "Please fix the marked fields and save again."),
    "web.dep.note_forbidden": ("只有本部门填报员和管理员可以记录本部门的工作进展", "Only this department's reporters and the admin may add its progress notes"),
})

router = APIRouter()
YearQuery = Query(None, ge=1900, le=2100, description="年份(默认最新) year (default: latest)")
DepParam = Path(..., min_length=1, max_length=64, description="部门代码或名称 department code (sci) or name (市科技局)")


class NoteIn(BaseModel):
    """A progress note (validated again by the query: text ≤ 2000 characters, period like 2025 / 2025Q3 / 2025-07)."""

    code: str = Field(max_length=20, description="指标代码 indicator code")
    period: str = Field(max_length=20, description="期间 period")
    text: str = Field(max_length=20000, description="进展内容 what was done")
    done_on: str = Field("", max_length=40)
    done_by: str = Field("", max_length=100)


def departments_context(request: Request, year: int | None) -> dict[str, Any]:
    """Every department with its indicator counts and lights."""
    require(request, "read")
    return cached(request, ("departments", year), lambda: department_list(snap_of(request), year=year))


def may_note(user: User | None, department: str) -> bool:
    """The admin, and reporters of this department, may add its progress notes."""
    return user is not None and (user.role == "admin" or (user.role == "department" and user.department == department))


def department_context(request: Request, code: str, year: int | None = None, form: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """One department's page (404 for an unknown code or name), with the note form's state."""
    require(request, "read")
    ctx = cached(request, ("department", code, year), lambda: department_page(snap_of(request), code, year=year))
    blank = {"code": "", "period": "", "text": "", "done_on": "", "done_by": ""}
    return {**ctx, "can_note": may_note(current_user(request), ctx["code"]), "note_max": NOTE_MAX, "form": {**blank, **(form or {})}, "errors": errors or {},
            "saved": request.query_params.get("saved") == "1", "supervisions": department_notices(request, ctx["code"])}


def _save(request: Request, code: str, note: NoteIn) -> tuple[str, dict[str, Any]]:
    """Record a note as the logged-in account; returns (department code, the note)."""
    user = require(request, "report")
    dep = department_context(request, code)["code"]
    if not may_note(user, dep):
        raise ForbiddenError(f"{user.username}:{t('web.dep.note_forbidden')}")
    return dep, add_note(store_of(request), dep, code=note.code, period=note.period, text=note.text, actor=user.username, done_on=note.done_on, done_by=note.done_by)


@router.get("/api/departments", tags=["pages"], summary="部门一览 Departments")
def departments_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """The 18 departments: indicators led and shared, and their red / yellow / green counts."""
    return departments_context(request, year)


@router.get("/api/departments/{code}", tags=["pages"], summary="部门详情 Department")
def department_json(request: Request, code: str = DepParam, year: int | None = YearQuery) -> dict[str, Any]:
    """One department: its indicators and measures, progress notes, figures still due, assessment."""
    ctx = department_context(request, code, year)
    return {k: v for k, v in ctx.items() if k not in ("form", "errors", "saved")}


@router.post("/api/departments/{code}/notes", tags=["pages"], summary="记录工作进展 Add a progress note", status_code=201)
def department_note_json(request: Request, body: NoteIn, code: str = DepParam) -> dict[str, Any]:
    """Add a progress note (X-CSRF-Token; the admin or this department's reporters)."""
    check_csrf(request, None)
    return _save(request, code, body)[1]


@router.get("/departments", response_class=HTMLResponse, include_in_schema=False)
def departments_page(request: Request, year: int | None = YearQuery) -> HTMLResponse:
    """The departments page."""
    return page(request, "departments.html", departments_context(request, year))


@router.get("/departments/{code}", response_class=HTMLResponse, include_in_schema=False)
def department_html(request: Request, code: str = DepParam, year: int | None = YearQuery) -> HTMLResponse:
    """The department page."""
    return page(request, "department.html", department_context(request, code, year))


@router.post("/departments/{code}/notes", response_class=HTMLResponse, include_in_schema=False)
def department_note_form(
    request: Request, code: str = DepParam, csrf_token: str = Form(""), indicator: str = Form("", max_length=20), period: str = Form("", max_length=40),
    text: str = Form("", max_length=20000), done_on: str = Form("", max_length=40), done_by: str = Form("", max_length=100),
) -> Any:
    """Save a progress note from the form; back to the form with the problems at their fields (422)."""
    check_csrf(request, csrf_token)
    note = NoteIn.model_construct(code=indicator, period=period, text=text, done_on=done_on, done_by=done_by)  # the query validates, field by field
    try:
        dep, _ = _save(request, code, note)
    except InputError as exc:
        errors = {p.field or "text": p.reason for p in exc.problems}
        form = {"code": indicator, "period": period, "text": text, "done_on": done_on, "done_by": done_by}
        return page(request, "department.html", department_context(request, code, form=form, errors=errors), status=422)
    return RedirectResponse(f"/departments/{dep}?saved=1#notes", status_code=303)
