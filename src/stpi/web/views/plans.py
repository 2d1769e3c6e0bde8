"""The plan page for the admin (实施方案): the stored versions, and a plan file uploaded as a new version, all or nothing."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from stpi.errors import InputError, Problem
from stpi.i18n import add_messages
from stpi.queries.data_page import problem_rows
from stpi.store.plans import plan_versions
from stpi.web.auth import check_csrf, require
from stpi.store import Store
from stpi.web.render import page, store_of, t
from stpi.web.views.data import UploadTooLarge, read_upload

__all__ = ["router"]

router = APIRouter()
SUFFIXES = (".xlsx", ".csv", ".yaml", ".yml")

add_messages({
    "web.plan.title": ("实施方案版本与导入", "Plan versions and import"),
    "web.plan.intro": ("上传实施方案文件（XLSX：plan、departments、meta 三个工作表，即“下载”页的实施方案 XLSX；CSV：指标表，沿用现行方案的地区、目标与部门；YAML），逐项校验，全部无误才导入为新版本，此前的版本仍保留。",
                       "Upload a plan file (XLSX with the sheets plan, departments and meta, as the Downloads page gives it; CSV: the plan table on top of the plan in force; YAML). Everything is checked; only a file without problems becomes a new version, and earlier versions are kept."),
    "web.plan.versions": ("已有版本", "Stored versions"),
    "web.plan.valid_from": ("起始年份", "Valid from"),
    "web.plan.code": ("方案代码", "Plan id"),
    "web.plan.name": ("名称", "Title"),
    "web.plan.by": ("导入人", "Imported by"),
    "web.plan.at": ("导入时间", "Imported at"),
    "web.plan.file": ("来源文件", "File"),
    "web.plan.upload": ("上传实施方案", "Upload a plan"),
    "web.plan.choose": ("实施方案文件（.xlsx、.csv、.yaml）", "Plan file (.xlsx, .csv, .yaml)"),
    "web.plan.year_hint": ("自该年起适用（留空：方案的基期年）", "Valid from this year (empty: the plan's baseline year)"),
    "web.plan.check": ("只校验，不导入", "Check only, import nothing"),
    "web.plan.send": ("上传", "Upload"),
    "web.plan.bad_type": ("文件类型应为 .xlsx、.csv 或 .yaml", "The file must be .xlsx, .csv or .yaml"),
    "web.plan.bad_year": ("起始年份应为四位数年份", "Valid from must be a four-digit year"),
    "web.plan.no_file": ("请选择文件", "Choose a file"),
    "web.plan.failed": ("文件有 {n} 个问题，未导入：", "The file has {n} problems; nothing was imported:"),
    "web.plan.checked": ("文件无误：{title}，{k}项指标，{d}个部门（未导入）", "The file is valid: {title}, {k} indicators, {d} departments (not imported)"),
    "web.plan.row": ("行", "Row"),
    "web.plan.column": ("列", "Column"),
    "web.plan.value": ("值", "Value"),
    "web.plan.reason": ("问题", "Problem"),
    "web.plan.imported": ("已导入“{title}”，自{year}年起适用", "Imported {title}, valid from {year}"),
})


def plans_context(request: Request, **state: Any) -> dict[str, Any]:
    """The versions and the upload form's state."""
    require(request, "manage")
    versions = [{"valid_from": v.valid_from, "code": v.code, "title": v.title, "created_at": v.created_at.isoformat(timespec="minutes"), "created_by": v.created_by, "source": v.source}
                for v in plan_versions(store_of(request))]
    return {"versions": versions, "problems": [], "error": "", "saved": "", **state}


def _import(store: Store, username: str, name: str, content: bytes, valid_from: int | None, check: bool) -> str:
    from stpi.planning import import_plan

    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError([Problem(name or "<upload>", None, "file", t("web.plan.bad_type"), suffix)])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"plan{suffix}"
        path.write_bytes(content)
        plan, version = import_plan(path, store=store, actor=username, valid_from=valid_from, dry_run=check, source=Path(name).name)
    if version is None:
        return t("web.plan.checked", title=plan.title, k=len(plan.indicators), d=len(plan.departments))
    return t("web.plan.imported", title=plan.title, year=version.valid_from)


def _year(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isdigit() and len(text) == 4):
        raise InputError([Problem("<upload>", None, "valid_from", t("web.plan.bad_year"), text)])
    return int(text)


@router.get("/api/admin/plan", tags=["admin"], summary="实施方案版本 Plan versions")
def plans_json(request: Request) -> dict[str, Any]:
    """The stored plan versions (admin)."""
    return plans_context(request)


@router.get("/admin/plan", response_class=HTMLResponse, include_in_schema=False)
def plans_page(request: Request, saved: str = "") -> HTMLResponse:
    """The plan page."""
    return page(request, "plans.html", plans_context(request, saved=saved))


@router.post("/admin/plan", include_in_schema=False)
async def plans_upload(request: Request) -> Response:
    """Check an uploaded plan file and import it as a new version; every problem listed when it has any."""
    user = require(request, "manage")
    try:
        form, name, content = await read_upload(request)
    except UploadTooLarge as exc:
        return page(request, "plans.html", plans_context(request, error=str(exc)), status=413)
    check_csrf(request, str(form.get("csrf_token", "")))
    if not content:
        return page(request, "plans.html", plans_context(request, error=t("web.plan.no_file")), status=422)
    try:
        year = _year(str(form.get("valid_from", "")))
        done = await run_in_threadpool(_import, store_of(request), user.username, name, content, year, bool(form.get("check")))
    except InputError as exc:
        return page(request, "plans.html", plans_context(request, problems=problem_rows(exc.problems), error=t("web.plan.failed", n=exc.total)), status=422)
    return RedirectResponse(f"/admin/plan?saved={done}", status_code=303)
