"""Data (数据填报): enter a figure, upload a filled template, see my figures, submit; download my template.

Every write goes through the store functions ``stpi import`` uses, all or nothing: a bad field or a bad
row changes nothing and is reported where it is. The approval queue lives in :mod:`data_review`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.types import Message

from stpi.errors import ConflictError, InputError, Problem
from stpi.i18n import add_messages
from stpi.queries.data_page import FIELDS, NOTE_MAX, SOURCE_MAX, YEAR_MAX, YEAR_MIN, data_page, import_upload, problem_rows, save_entries, submit_year, template_file
from stpi.web.auth import check_csrf, require
from stpi.store.settings import get_setting
from stpi.web.render import cached, page, snap_of, store_of, t
from stpi.web.views.data_review import router as review_router

__all__ = ["EntryIn", "SubmitIn", "UploadTooLarge", "data_context", "read_upload", "router"]

add_messages({
    "web.data.title": ("数据填报", "Data entry"),
    "web.data.intro": ("录入或上传本单位的数据,保存为草稿;核对无误后报送市科技局审核。", "Enter or upload your figures (saved as drafts), check them, then submit them to the S&T bureau for review."),
    "web.data.as": ("{who} · 填报地区:{region} · 可填报 {n} 项指标", "{who} · region: {region} · {n} indicators you may report"),
    "web.data.viewer": ("只读账号可以查看数据,不能填报。", "A viewer account can read figures but not report them."),
    "web.data.year": ("年度", "Year"),
    "web.data.show": ("查看", "Show"),
    "web.data.locked": ("{year}年评价已锁定:修改只能由管理员作为修订进行。", "{year} is locked: changes only as a revision by the admin."),
    "web.data.entry": ("录入一项数据", "Enter a figure"),
    "web.data.indicator": ("指标", "Indicator"),
    "web.data.choose": ("请选择", "Choose"),
    "web.data.value": ("本年值", "Value"),
    "web.data.value_hint": ("按指标单位填写确切数值,可用全角数字、千分位和 %(百分比指标);不接受“约”“万/亿”。", "The exact figure in the indicator's unit; full-width digits, thousands separators and % (for % indicators) are fine; no 约 or 万/亿."),
    "web.data.source": ("数据来源", "Source"),
    "web.data.note": ("备注(与上年相比变化超过50%时必填)", "Note (required when the value moved more than 50% from last year)"),
    "web.data.save": ("保存为草稿", "Save as draft"),
    "web.data.editing": ("正在修改第 {v} 版", "Changing vintage {v}"),
    "web.data.saved": ("已保存 {n} 条草稿(未变 {same} 条)。核对后请报送。", "Saved {n} draft figure(s) ({same} unchanged). Submit them when checked."),
    "web.data.fix": ("请更正标出的内容,未保存任何数据。", "Fix the fields marked; nothing was saved."),
    "web.data.upload": ("上传填好的模板", "Upload a filled template"),
    "web.data.upload_hint": ("Excel 填报模板(.xlsx)或长表(.csv:地区、年度、指标、数值、来源、备注),不超过 {mb} MB;全部无误才写入。", "The Excel template (.xlsx) or a long table (.csv: region, year, indicator, value, source, note), at most {mb} MB; written only when every row is valid."),
    "web.data.file": ("文件", "File"),
    "web.data.send": ("上传并校验", "Upload and check"),
    "web.data.on_behalf_of": ("代填报单位录入（选择后直接报送，及时性按收到日期判断）", "Enter for a reporter (submitted at once; timeliness by the date received)"),
    "web.data.own_upload": ("否，本人上传", "No, my own upload"),
    "web.data.received_on": ("收到数据的日期（默认今天）", "Date the figures were received (default: today)"),
    "web.data.bad_received": ("收到日期应为 YYYY-MM-DD", "The date received looks like YYYY-MM-DD"),
    "web.data.template": ("下载本单位{year}年填报模板", "Download my {year} template"),
    "web.data.template_admin": ("下载填报模板", "Download a template"),
    "web.data.department": ("部门", "Department"),
    "web.data.county": ("县区", "County"),
    "web.data.or": ("或", "or"),
    "web.data.download": ("下载", "Download"),
    "web.data.no_file": ("请选择要上传的文件", "Choose a file to upload"),
    "web.data.too_large": ("文件超过 {mb} MB 的上传上限,未读取", "The file is larger than the {mb} MB upload limit; it was not read"),
    "web.data.upload_failed": ("文件有 {n} 个问题,未写入任何数据。请按下表逐项更正后重新上传。", "The file has {n} problem(s); nothing was written. Fix each one below and upload again."),
    "web.data.uploaded": ("文件“{file}”已校验通过:保存 {n} 条草稿(未变 {same} 条)。", "'{file}' passed every check: {n} draft figure(s) saved ({same} unchanged)."),
    "web.data.problems": ("校验报告", "Validation report"),
    "web.data.sheet": ("工作表", "Sheet"),
    "web.data.indicator": ("指标", "Indicator"),
    "web.data.flagged": ("另有 {n} 个数值与同级地区相差悬殊,已标记待复核:{which}", "{n} value(s) far from the peers' are flagged for review: {which}"),
    "web.data.mine": ("本单位{year}年数据", "My figures, {year}"),
    "web.data.none": ("该年还没有数据。", "No figures for this year yet."),
    "web.data.first": ("共 {total} 条,此处列出前 {n} 条;全部数据可在“下载”页导出。", "{total} figures; the first {n} are listed here (export them all from Downloads)."),
    "web.data.status": ("状态", "Status"),
    "web.data.comment": ("退回意见", "Return comment"),
    "web.data.by": ("填报人", "By"),
    "web.data.at": ("时间", "At"),
    "web.data.edit": ("修改", "Change"),
    "web.data.edit_of": ("修改 {name}", "Change {name}"),
    "web.data.submit": ("报送审核", "Submit for review"),
    "web.data.submit_n": ("将 {year} 年的 {n} 条草稿和退回数据报送市科技局审核", "Submit {n} draft or returned figure(s) of {year} to the S&T bureau"),
    "web.data.submitted": ("已报送 {year} 年 {n} 条数据,等待审核。", "{n} figure(s) of {year} submitted for review."),
    "web.data.nothing_to_submit": ("{year} 年没有可报送的草稿。", "No drafts to submit for {year}."),
    "web.data.review_link": ("审核队列", "Approval queue"),
    "web.data.counts": ("草稿 {draft} · 已报送 {submitted} · 已退回 {returned} · 已通过 {approved} · 已锁定 {locked}",
                        "draft {draft} · submitted {submitted} · returned {returned} · approved {approved} · locked {locked}"),
})

router = APIRouter()
router.include_router(review_router)
YearQuery = Query(None, ge=YEAR_MIN, le=YEAR_MAX, description="年度(默认当前填报年度) year (default: the open year)")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EntryIn(BaseModel):
    """One figure as a reporter types it; ``value`` is read like a template cell (全角, 千分位, 12.3% …)."""

    region: str = Field(max_length=64, description="地区代码或名称 region code or name")
    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="年度 year")
    code: str = Field(max_length=64, description="指标代码 indicator code")
    value: str | float = Field(description="数值(按输入原样) the value as typed")
    # lengths are checked with every other rule (stpi.ingest.entries), located and in Chinese like a file's
    source: str = Field("", description=f"数据来源,不超过 {SOURCE_MAX} 字 source, at most {SOURCE_MAX} characters")
    note: str = Field("", description=f"备注,不超过 {NOTE_MAX} 字 note, at most {NOTE_MAX} characters")
    vintage: int | None = Field(None, ge=0, le=1_000_000_000, description="所改数据的当前版本:修改已有数据时必填,否则 409 请刷新 the vintage being changed: required to change an existing figure (else 409, reload)")


class SubmitIn(BaseModel):
    """Submit my drafts and returned figures of a year."""

    year: int = Field(ge=YEAR_MIN, le=YEAR_MAX, description="年度 year")


class UploadTooLarge(Exception):
    """An upload above the store's upload_limit_mb: refused before it is read whole (HTTP 413)."""


SLACK = 64 * 1024  # the multipart envelope around the file


async def read_upload(request: Request) -> tuple[FormData, str, bytes]:
    """The posted form, the file's name and bytes; stops reading as soon as the body passes the size limit."""
    mb = int(get_setting(store_of(request), "upload_limit_mb"))  # type: ignore[call-overload]
    limit = mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + SLACK:
        raise UploadTooLarge(t("web.data.too_large", mb=mb))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit + SLACK:
            raise UploadTooLarge(t("web.data.too_large", mb=mb))

    async def replay() -> Message:
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    form = await Request(request.scope, replay).form(max_files=1, max_fields=8)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return form, "", b""
    content = await upload.read()
    await upload.close()
    if len(content) > limit:
        raise UploadTooLarge(t("web.data.too_large", mb=mb))
    return form, upload.filename or "", content


def data_context(request: Request, year: int | None) -> dict[str, Any]:
    """The data page's context for the logged-in account."""
    user = require(request, "read")
    return cached(request, ("data", user.username, year), lambda: data_page(snap_of(request), username=user.username, year=year))


def _flash(request: Request, text: str) -> None:
    request.session["flash"] = text


def _render(request: Request, year: int | None, *, status: int = 200, edit: int | None = None, **state: Any) -> HTMLResponse:
    """The data page with the form's state: typed values, field errors, an alert, the upload's problems."""
    ctx = data_context(request, year)
    form: dict[str, Any] = state.pop("form", None) or {}
    if edit is not None and not form:
        found = next((f for f in ctx["figures"] if f["id"] == edit), None)
        if found:
            form = {"region": found["region"], "code": found["code"], "value": found["input_text"],
                    "source": found["source"], "note": found["note"], "vintage": str(found["vintage"]), "year": str(ctx["year"])}
    view = {**ctx, "form": form, "errors": {}, "alert": "", "problems": [], "upload_error": "", "flash": request.session.pop("flash", ""), **state}
    return page(request, "data.html", view, status=status)


@router.get("/api/data", tags=["data"], summary="数据填报:可填指标与本人数据 Data: what I may enter, my figures")
def data_json(request: Request, year: int | None = YearQuery) -> dict[str, Any]:
    """The data page's context: entry options, my figures of the year with status and vintage, workflow counts."""
    return data_context(request, year)


@router.get("/data", response_class=HTMLResponse, include_in_schema=False)
def data_view(request: Request, year: int | None = YearQuery, edit: int | None = Query(None, ge=1, le=2**62)) -> HTMLResponse:
    """The data page."""
    return _render(request, year, edit=edit)


def _year_of(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and YEAR_MIN <= int(text) <= YEAR_MAX else None


@router.post("/data/entry", include_in_schema=False)
def entry_submit(request: Request, csrf_token: str = Form(""), region: str = Form(""), year: str = Form(""), code: str = Form(""),
                 value: str = Form(""), source: str = Form(""), note: str = Form(""), vintage: str = Form("")) -> Response:
    """Save one typed figure as a draft; back to the form with a message at each bad field."""
    check_csrf(request, csrf_token)
    user = require(request, "report")
    item = dict(zip(FIELDS, (region, year, code, value, source, note, vintage)))
    shown = _year_of(year.strip())
    try:
        saved = save_entries(store_of(request), username=user.username, items=[item])
    except InputError as exc:
        errors: dict[str, str] = {}
        for p in exc.problems:
            errors.setdefault(p.field or "value", p.reason)
        return _render(request, shown, form=item, errors=errors, status=422)
    except ConflictError as exc:
        return _render(request, shown, form=item, alert=str(exc), status=409)
    flagged = saved.get("warnings") or []
    extra = " " + t("web.data.flagged", n=len(flagged), which=";".join(f"{w['indicator']}: {w['reason']}" for w in flagged[:5])) if flagged else ""
    _flash(request, t("web.data.saved", n=saved["written"], same=saved["unchanged"]) + extra)
    return RedirectResponse(f"/data?year={saved['years'][0]}", status_code=303)


@router.post("/api/data/entries", tags=["data"], summary="录入数据(存为草稿) Enter figures (saved as drafts)")
def entries_json(request: Request, entries: Annotated[list[EntryIn], Body(min_length=1, max_length=500)]) -> dict[str, Any]:
    """Check every figure (each problem at its row and field) and save them all as drafts, or none. Needs X-CSRF-Token.

    A change of an existing figure names the vintage it replaces (``vintage``): without it, or with one
    that someone else has replaced meanwhile, nothing is saved and the answer is 409 (reload, then change).
    """
    check_csrf(request, None)
    user = require(request, "report")
    return save_entries(store_of(request), username=user.username, items=[e.model_dump() for e in entries])


@router.post("/data/upload", include_in_schema=False)
async def upload_submit(request: Request) -> Response:
    """Validate and save a filled template or long table; the full report of problems when it has any."""
    user = require(request, "report")
    try:
        form, name, content = await read_upload(request)
    except UploadTooLarge as exc:
        return _render(request, None, upload_error=str(exc), status=413)
    check_csrf(request, str(form.get("csrf_token", "")))
    year = _year_of(str(form.get("year", "")))
    if not content:
        return _render(request, year, upload_error=t("web.data.no_file"), status=422)
    behalf = str(form.get("on_behalf_of", "")).strip()[:64] or None
    try:
        received = _received(str(form.get("received_on", "")))
    except ValueError:
        return _render(request, year, upload_error=t("web.data.bad_received"), status=422)
    try:
        done = await run_in_threadpool(lambda: import_upload(store_of(request), username=user.username, filename=name, content=content,
                                                             on_behalf_of=behalf, received_at=received))
    except InputError as exc:
        rows = problem_rows(exc.problems)  # a long report renders in a worker thread, off the event loop
        return await run_in_threadpool(lambda: _render(request, year, problems=rows, upload_error=t("web.data.upload_failed", n=exc.total), status=422))
    flagged = done.get("warnings") or []
    extra = " " + t("web.data.flagged", n=len(flagged), which=";".join(f"{w['file']}:{w['row']} {w['indicator']}: {w['reason']}" for w in flagged[:5])) if flagged else ""
    _flash(request, t("web.data.uploaded", file=done["file"], n=done["written"], same=done["unchanged"]) + extra)
    return RedirectResponse(f"/data?year={year}" if year else "/data", status_code=303)


def _received(text: str) -> datetime | None:
    """The date figures entered on a reporter's behalf were received (empty: now); ValueError when it is no date."""
    text = text.strip()
    return datetime.combine(date.fromisoformat(text), datetime.min.time()) if text else None


_UPLOAD_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {"file": {"type": "string", "format": "binary", "description": "填好的 .xlsx 模板或 .csv 长表"}}}}}}}


@router.post("/api/data/upload", tags=["data"], summary="上传填好的模板或长表 Upload a filled template or long table", openapi_extra=_UPLOAD_DOC)
async def upload_json(request: Request) -> Any:
    """Multipart field ``file``; all figures saved as drafts, or none (422 with every problem located). Needs X-CSRF-Token."""
    user = require(request, "report")
    try:
        _, name, content = await read_upload(request)
    except UploadTooLarge as exc:
        return JSONResponse({"error": "UploadTooLarge", "message": str(exc), "problems": []}, status_code=413)
    check_csrf(request, None)
    if not content:
        raise InputError([Problem("<upload>", None, "file", t("web.data.no_file"))])
    # parsing runs in a child process and the write in a worker thread: the event loop stays free
    done = await run_in_threadpool(import_upload, store_of(request), username=user.username, filename=name, content=content)
    return done


@router.post("/data/submit", include_in_schema=False)
def submit_form(request: Request, csrf_token: str = Form(""), year: int = Form(ge=YEAR_MIN, le=YEAR_MAX)) -> RedirectResponse:
    """Submit my drafts of a year for review."""
    check_csrf(request, csrf_token)
    user = require(request, "report")
    n = submit_year(store_of(request), username=user.username, year=year)
    _flash(request, t("web.data.submitted", n=n, year=year) if n else t("web.data.nothing_to_submit", year=year))
    return RedirectResponse(f"/data?year={year}", status_code=303)


@router.post("/api/data/submit", tags=["data"], summary="报送本人草稿 Submit my drafts of a year")
def submit_json(request: Request, body: SubmitIn) -> dict[str, Any]:
    """Move my drafts and returned figures of the year to 'submitted'. Needs X-CSRF-Token."""
    check_csrf(request, None)
    user = require(request, "report")
    return {"year": body.year, "submitted": submit_year(store_of(request), username=user.username, year=body.year)}


@router.get("/data/template.xlsx", tags=["data"], summary="下载本人的填报模板 Download my reporting template", response_class=Response)
def template_download(
    request: Request,
    year: int = Query(ge=YEAR_MIN, le=YEAR_MAX, description="填报年度 year"),
    department: str | None = Query(None, max_length=64, description="部门(仅管理员) department (admin only)"),
    county: str | None = Query(None, max_length=64, description="县区(仅管理员) county (admin only)"),
) -> Response:
    """A department reporter gets its department's workbook, a county reporter its county's; the admin names one."""
    user = require(request, "report")
    name, content = template_file(snap_of(request), username=user.username, year=year, department=department, county=county)
    ascii_name = f"stpi-template-{year}.xlsx"
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
