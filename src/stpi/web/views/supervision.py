"""Supervision notices (督办): the list and the issue form, one notice with its steps, the department's reply, send back, close, files."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from stpi.errors import ForbiddenError, InputError, Problem
from stpi.i18n import add_messages
from stpi.queries.supervision import ledger_bytes, notice_bytes, supervision_item, supervision_list
from stpi.store import supervision as sv
from stpi.store.records import User
from stpi.store.notices import mark_read_link
from stpi.store.settings import get_setting
from stpi.web.auth import allowed, check_csrf, current_user, require
from stpi.web.render import page, store_of, t
from stpi.web.views.downloads import attachment as download

__all__ = ["router"]

add_messages({
    "web.sv.title": ("督办", "Supervision"),
    "web.sv.intro": ("市科技局向部门下发督办单，部门在截止日期前反馈办理情况；逾期未反馈的标为逾期。", "The bureau issues notices to departments, which reply by the deadline; a notice not replied to in time is flagged overdue."),
    "web.sv.counts": ("共{total}件：待反馈{open}，已反馈{replied}，已退回{returned}，已办结{closed}，逾期{overdue}", "{total} in all: {open} awaiting reply, {replied} replied, {returned} sent back, {closed} closed, {overdue} overdue"),
    "web.sv.none": ("暂无督办单。", "No supervision notices."),
    "web.sv.number": ("编号", "No."),
    "web.sv.department": ("督办单位", "Department"),
    "web.sv.subject": ("督办事项", "Subject"),
    "web.sv.request": ("督办要求", "What is asked"),
    "web.sv.request_default": ("说明原因并提出整改措施", "说明原因并提出整改措施"),
    "web.sv.deadline": ("反馈截止日期", "Reply by"),
    "web.sv.origin": ("来源", "Origin"),
    "web.sv.origin_ref": ("来源的指标代码或任务（如 I05）", "The indicator or task it comes from (e.g. I05)"),
    "web.sv.status": ("状态", "Status"),
    "web.sv.overdue": ("逾期", "Overdue"),
    "web.sv.issue": ("下发督办单", "Issue a notice"),
    "web.sv.issued": ("已下发督办单，并已通知该部门。", "Notice issued; the department has been told."),
    "web.sv.filter": ("筛选", "Filter"),
    "web.sv.all": ("全部", "All"),
    "web.sv.ledger": ("下载督办台账（Excel）", "Download the ledger (Excel)"),
    "web.sv.notice": ("下载督办通知（Word）", "Download the notice (Word)"),
    "web.sv.steps": ("办理过程", "Steps"),
    "web.sv.step.issue": ("下发", "Issued"),
    "web.sv.step.reply": ("反馈", "Reply"),
    "web.sv.step.return": ("退回", "Sent back"),
    "web.sv.step.close": ("办结", "Closed"),
    "web.sv.measures": ("已采取的措施", "Measures taken"),
    "web.sv.effect": ("预期效果", "Expected effect"),
    "web.sv.files": ("附件（可多选，合计不超过 {mb} MB）", "Files (several allowed, at most {mb} MB in all)"),
    "web.sv.reply": ("提交反馈", "Send the reply"),
    "web.sv.comment": ("意见", "Comment"),
    "web.sv.new_deadline": ("新的截止日期（选填）", "New deadline (optional)"),
    "web.sv.send_back": ("退回重新反馈", "Send back"),
    "web.sv.close": ("办结", "Close"),
    "web.sv.done.reply": ("已提交反馈，市科技局已收到通知。", "Reply sent; the bureau has been told."),
    "web.sv.done.return": ("已退回，部门已收到通知。", "Sent back; the department has been told."),
    "web.sv.done.close": ("已办结，部门已收到通知。", "Closed; the department has been told."),
    "web.sv.fix": ("请修改标出的内容后重试。", "Please fix the marked fields and try again."),
    "web.sv.not_yours": ("只能查看本部门的督办单", "Only your own department's notices can be seen"),
    "web.sv.dep_list": ("督办单", "Supervision notices"),
    "web.sv.lagging": ("进度滞后", " is off track"),
    "web.sv.overdue_subject": ("{year}年数据逾期未报送", "{year} figures overdue"),
})

router = APIRouter()
IdParam = Path(..., ge=1, le=2**31, description="督办单 id")


class IssueIn(BaseModel):
    """A new notice."""

    department: str = Field(max_length=128, description="部门代码或名称 department")
    subject: str = Field(max_length=256)
    request: str = Field("说明原因并提出整改措施", max_length=4000)
    deadline: date
    origin: str = Field("free", max_length=16, description="warning / indicator / task / free")
    origin_ref: str = Field("", max_length=128)


class ReplyIn(BaseModel):
    """A department's reply (files: the form's multipart upload)."""

    id: int
    version: int
    measures: str = Field(max_length=4000)
    effect: str = Field(max_length=4000)


class ReturnIn(BaseModel):
    """Send a reply back with a comment, maybe with a new deadline."""

    id: int
    version: int
    comment: str = Field(max_length=4000)
    deadline: date | None = None


class CloseIn(BaseModel):
    """Close a notice (办结)."""

    id: int
    version: int
    comment: str = Field("", max_length=4000)


def _scope(user: User) -> str | None:
    """Whose notices the account sees: a department reporter its own; the bureau and readers all; a county none."""
    if user.role == "department":
        return user.department or "-"
    return "-" if user.role == "county" else None


def _visible(request: Request, sid: int) -> tuple[User, sv.Supervision]:
    user = require(request, "read")
    x = sv.supervision(store_of(request), sid)
    scope = _scope(user)
    if scope is not None and scope != x.department:
        raise ForbiddenError(t("web.sv.not_yours"))
    return user, x


def list_context(request: Request, status: str | None = None, form: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The notices the account may see, and the issue form (the admin)."""
    user = require(request, "read")
    ctx = supervision_list(store_of(request), department=_scope(user), status=status)
    plan = store_of(request).plan()
    blank = {"department": "", "subject": "", "request": t("web.sv.request_default"), "deadline": "", "origin": "free", "origin_ref": ""}
    # issued from an early warning, an off-track indicator or an overdue task: their pages link here with the form filled in
    asked = {k: request.query_params.get(k, "")[:256] for k in blank if request.query_params.get(k)}
    if asked.get("origin") not in (None, *sv.ORIGINS):
        asked.pop("origin")
    return {**ctx, "can_issue": allowed(user, "review"), "departments": [{"code": d.code, "name": d.name} for d in plan.departments],
            "form": {**blank, **asked, **(form or {})}, "errors": errors or {}, "issued": request.query_params.get("issued") == "1"}


def item_context(request: Request, sid: int, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """One notice, with the forms the account may use on it."""
    user, x = _visible(request, sid)
    mb = int(get_setting(store_of(request), "upload_limit_mb"))  # type: ignore[call-overload]
    return {**supervision_item(x), "can_reply": user.role == "department" and user.department == x.department and x.status in ("open", "returned"),
            "can_review": allowed(user, "review") and x.status != "closed", "can_send_back": allowed(user, "review") and x.status == "replied",
            "upload_limit_mb": mb, "errors": errors or {}, "done": request.query_params.get("done", "")}


@router.get("/api/supervision", tags=["supervision"], summary="督办单列表 Supervision notices")
def supervision_json(request: Request, status: str | None = Query(None, max_length=16)) -> dict[str, Any]:
    """The notices the account may see (a department: its own), with counts by status and overdue."""
    ctx = list_context(request, status)
    return {k: v for k, v in ctx.items() if k not in ("form", "errors", "issued")}


@router.get("/api/supervision/{sid}", tags=["supervision"], summary="督办单 One notice")
def supervision_item_json(request: Request, sid: int = IdParam) -> dict[str, Any]:
    """One notice with its steps (issue, replies with their files, sent back, closed)."""
    return {k: v for k, v in item_context(request, sid).items() if k not in ("errors", "done")}


@router.post("/api/supervision", tags=["supervision"], summary="下发督办单 Issue a notice", status_code=201)
def supervision_issue_json(request: Request, body: IssueIn) -> dict[str, Any]:
    """Issue a notice (the admin; X-CSRF-Token); the department's reporters are told."""
    check_csrf(request, None)
    user = require(request, "review")
    x = sv.issue(store_of(request), department_code=body.department, subject=body.subject, request=body.request, deadline=body.deadline, actor=user.username,
                 origin=body.origin, origin_ref=body.origin_ref)
    return supervision_item(x)


def _reply(request: Request, sid: int, version: int, measures: str, effect: str, files: list[tuple[str, bytes]]) -> sv.Supervision:
    user = require(request, "report")
    _visible(request, sid)
    if user.role != "department":
        raise ForbiddenError(t("web.sv.not_yours"))
    return sv.reply(store_of(request), sid, version=version, actor=user.username, as_department=user.department, measures=measures, effect=effect, files=files)


@router.post("/api/supervision/reply", tags=["supervision"], summary="反馈督办单 Reply to a notice")
def supervision_reply_json(request: Request, body: ReplyIn) -> dict[str, Any]:
    """The department's reply (its reporters only; files through the page's form)."""
    check_csrf(request, None)
    return supervision_item(_reply(request, body.id, body.version, body.measures, body.effect, []))


@router.post("/api/supervision/return", tags=["supervision"], summary="退回反馈 Send a reply back")
def supervision_return_json(request: Request, body: ReturnIn) -> dict[str, Any]:
    """Send the reply back with a comment (the admin)."""
    check_csrf(request, None)
    user = require(request, "review")
    return supervision_item(sv.send_back(store_of(request), body.id, version=body.version, actor=user.username, comment=body.comment, deadline=body.deadline))


@router.post("/api/supervision/close", tags=["supervision"], summary="办结 Close a notice")
def supervision_close_json(request: Request, body: CloseIn) -> dict[str, Any]:
    """Close the notice (the admin)."""
    check_csrf(request, None)
    user = require(request, "review")
    return supervision_item(sv.close(store_of(request), body.id, version=body.version, actor=user.username, comment=body.comment))


@router.get("/supervision", response_class=HTMLResponse, include_in_schema=False)
def supervision_page(request: Request, status: str | None = Query(None, max_length=16)) -> HTMLResponse:
    """The list of notices, and the issue form for the admin."""
    return page(request, "supervision.html", list_context(request, status))


@router.get("/supervision/ledger.xlsx", tags=["supervision"], summary="督办台账 The ledger (XLSX)", response_class=Response, include_in_schema=False)
def supervision_ledger(request: Request, year: int | None = Query(None, ge=1900, le=2100)) -> Response:
    """The 督办台账 of the notices the account may see, printable on A4."""
    user = require(request, "read")
    data = ledger_bytes(store_of(request), year=year, department=_scope(user))
    return download(data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "督办台账.xlsx", "supervision-ledger.xlsx")


@router.get("/supervision/{sid}", response_class=HTMLResponse, include_in_schema=False)
def supervision_item_page(request: Request, sid: int = IdParam) -> HTMLResponse:
    """One notice; opening it reads the account's messages about it."""
    ctx = item_context(request, sid)
    user = current_user(request)
    if user is not None:
        mark_read_link(store_of(request), user.username, f"/supervision/{sid}")
    return page(request, "supervision_item.html", ctx)


@router.get("/supervision/{sid}/notice.docx", tags=["supervision"], summary="督办通知 The notice (DOCX)", response_class=Response, include_in_schema=False)
def supervision_notice(request: Request, sid: int = IdParam) -> Response:
    """The notice as a Word document in the official layout."""
    _, x = _visible(request, sid)
    data = notice_bytes(store_of(request), sid)
    return download(data, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", f"督办通知-{x.number}.docx", f"supervision-{sid}.docx")


@router.get("/supervision/{sid}/files/{fid}", tags=["supervision"], summary="反馈附件 A reply's file", response_class=Response, include_in_schema=False)
def supervision_file(request: Request, sid: int = IdParam, fid: int = Path(..., ge=1, le=2**31)) -> Response:
    """A file attached to a reply, as it was uploaded."""
    _visible(request, sid)
    name, content = sv.attachment(store_of(request), sid, fid)
    return download(content, "application/octet-stream", name, f"file-{fid}")


def _field(form: Any, name: str, limit: int = 4000) -> str:
    value = form.get(name, "")
    return value[:limit] if isinstance(value, str) else ""


def _int(form: Any, name: str) -> int:
    try:
        return int(_field(form, name, 20))
    except ValueError:
        raise InputError([Problem("<form>", None, name, "应为整数 expected a number")]) from None


def _date(form: Any, name: str, *, required: bool = True) -> date | None:
    text = _field(form, name, 20).strip()
    if not text and not required:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError([Problem("<form>", None, name, "日期应为 YYYY-MM-DD expected a date", text)]) from None


async def _form(request: Request) -> Any:
    """The posted form, refused (413-free: a located problem) past the upload limit before it is parsed."""
    mb = int(get_setting(store_of(request), "upload_limit_mb"))  # type: ignore[call-overload]
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > mb * 1024 * 1024 + 64 * 1024:
        raise InputError([Problem("<reply>", None, "files", f"附件合计不超过 {mb} MB the files may total at most {mb} MB")])
    form = await request.form(max_files=sv.MAX_FILES + 1, max_fields=16)
    check_csrf(request, _field(form, "csrf_token", 200))
    return form


def _errors(exc: InputError) -> dict[str, str]:
    return {p.field or "form": p.reason for p in exc.problems}


@router.post("/supervision", response_class=HTMLResponse, include_in_schema=False)
async def supervision_issue_form(request: Request) -> Any:
    """Issue a notice from the form; back to it with the problems at their fields (422)."""
    form = await _form(request)
    await form.close()
    user = require(request, "review")
    values = {k: _field(form, k) for k in ("department", "subject", "request", "deadline", "origin", "origin_ref")}
    try:
        x = sv.issue(store_of(request), department_code=values["department"], subject=values["subject"], request=values["request"],
                     deadline=_date(form, "deadline") or date.min, actor=user.username, origin=values["origin"] or "free", origin_ref=values["origin_ref"])
    except InputError as exc:
        return page(request, "supervision.html", list_context(request, form=values, errors=_errors(exc)), status=422)
    return RedirectResponse(f"/supervision/{x.id}?done=issue", status_code=303)


async def _act(request: Request, kind: str) -> Any:
    form = await _form(request)
    try:
        return await _act_on(request, kind, form)
    finally:
        await form.close()  # the uploaded files' temporary files


async def _act_on(request: Request, kind: str, form: Any) -> Any:
    sid = _int(form, "id")
    user = require(request, "report" if kind == "reply" else "review")
    try:
        if kind == "reply":
            files = [(f.filename or "", await f.read()) for f in form.getlist("files") if isinstance(f, UploadFile) and (f.filename or f.size)]
            _reply(request, sid, _int(form, "version"), _field(form, "measures"), _field(form, "effect"), files)
        elif kind == "return":
            sv.send_back(store_of(request), sid, version=_int(form, "version"), actor=user.username, comment=_field(form, "comment"), deadline=_date(form, "deadline", required=False))
        else:
            sv.close(store_of(request), sid, version=_int(form, "version"), actor=user.username, comment=_field(form, "comment"))
    except InputError as exc:
        return page(request, "supervision_item.html", item_context(request, sid, errors=_errors(exc)), status=422)
    return RedirectResponse(f"/supervision/{sid}?done={kind}", status_code=303)


@router.post("/supervision/reply", response_class=HTMLResponse, include_in_schema=False)
async def supervision_reply_form(request: Request) -> Any:
    """The department's reply with its files (multipart)."""
    return await _act(request, "reply")


@router.post("/supervision/return", response_class=HTMLResponse, include_in_schema=False)
async def supervision_return_form(request: Request) -> Any:
    """Send the reply back (the admin)."""
    return await _act(request, "return")


@router.post("/supervision/close", response_class=HTMLResponse, include_in_schema=False)
async def supervision_close_form(request: Request) -> Any:
    """Close the notice (the admin)."""
    return await _act(request, "close")


def department_notices(request: Request, department: str) -> list[dict[str, Any]]:
    """The department page's list of its notices (those the account may see)."""
    user = current_user(request)
    if user is None or _scope(user) not in (None, department):
        return []
    return [supervision_item(x) for x in sv.supervisions(store_of(request), department_code=department)]
