"""Accounts and settings (账号与设置), for the S&T bureau's admin: the same rules as `stpi user` and `stpi setting`."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from stpi.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from stpi.i18n import add_messages
from stpi.queries.accounts_page import accounts_page
from stpi.store.accounts import add_user, set_active, set_password
from stpi.store import logins
from stpi.store.settings import SETTINGS, check_setting, check_value, get_setting, set_setting, settings
from stpi.web.auth import check_csrf, require
from stpi.web.render import page, snap_of, store_of, t

__all__ = ["router", "admin_context"]

add_messages({
    "web.nav.admin": ("账号与设置", "Accounts"),
    "web.adm.title": ("账号与设置", "Accounts and settings"),
    "web.adm.intro": ("账号不会被删除,只能停用;所有修改记入审计日志。", "Accounts are never deleted, only disabled; every change is audited."),
    "web.adm.users": ("账号", "Accounts"),
    "web.adm.display": ("显示名称", "Display name"),
    "web.adm.role": ("角色", "Role"),
    "web.adm.department": ("部门", "Department"),
    "web.adm.county": ("县区", "County"),
    "web.adm.state": ("状态", "State"),
    "web.adm.active": ("启用", "Active"),
    "web.adm.disabled": ("已停用", "Disabled"),
    "web.adm.no_password": ("未设密码", "No password"),
    "web.adm.disable": ("停用", "Disable"),
    "web.adm.enable": ("启用", "Enable"),
    "web.adm.new_password": ("新密码(至少 8 位)", "New password (8 characters or more)"),
    "web.adm.set_password": ("重设密码", "Reset password"),
    "web.adm.add": ("新增账号", "Add an account"),
    "web.adm.add_button": ("新增", "Add"),
    "web.adm.none": ("(无)", "(none)"),
    "web.adm.settings": ("设置", "Settings"),
    "web.adm.save": ("保存设置", "Save settings"),
    "web.adm.saved": ("已保存。", "Saved."),
    "web.adm.fix": ("请修改标出的内容。", "Please fix the marked fields."),
    "web.adm.exists": ("该用户名已存在", "This username is taken"),
    "web.adm.failures": ("近期登录失败 {n} 次", "{n} recent failed logins"),
    "web.adm.unlock": ("解除登录锁定", "Unlock logins"),
    "web.adm.bad_name": ("用户名只能含字母、数字、点、下划线和连字符,1–64 位", "Usernames use letters, digits, dot, underscore and hyphen, 1–64 characters"),
})

router = APIRouter()
USERNAME = r"^[A-Za-z0-9._-]{1,64}$"
FIELD_OF = {"region": "county"}  # the store names a county reporter's county "region"


def admin_context(request: Request, *, errors: dict[str, str] | None = None, form: dict[str, str] | None = None, saved: str = "") -> dict[str, Any]:
    """The admin page's context (accounts, choices, settings) with any form errors."""
    require(request, "manage")
    store = store_of(request)
    failed = logins.failures(store, minutes=int(get_setting(store, "login_lockout_minutes")))  # type: ignore[call-overload]
    return {**accounts_page(snap_of(request)), "failures": failed, "errors": errors or {}, "form": form or {}, "saved": saved}


def _problems(exc: InputError | ConflictError) -> dict[str, str]:
    if isinstance(exc, ConflictError):
        return {"username": t("web.adm.exists")}
    return {FIELD_OF.get(p.field or "", p.field or "form"): p.reason for p in exc.problems}


def _add(request: Request, body: "NewUser") -> None:
    actor = require(request, "manage")
    add_user(store_of(request), body.username, role=body.role, actor=actor.username, display_name=body.display_name,
             department=body.department or None, region=body.county or None, password=body.password)


class NewUser(BaseModel):
    """A new account."""

    username: str = Field(pattern=USERNAME)
    display_name: str = Field("", max_length=128)
    role: str = Field(max_length=16)
    department: str | None = Field(None, max_length=64)
    county: str | None = Field(None, max_length=64)
    password: str = Field(min_length=8, max_length=256)


class Active(BaseModel):
    """Enable or disable an account."""

    active: bool


class Password(BaseModel):
    """A new password."""

    password: str = Field(min_length=8, max_length=256)


class Settings(BaseModel):
    """Settings to change, by key (values as typed: true/false, numbers)."""

    settings: dict[str, str] = Field(max_length=len(SETTINGS))


UserPath = Path(pattern=USERNAME, description="用户名 username")


@router.get("/api/admin", tags=["admin"], summary="账号与设置 Accounts and settings")
def admin_json(request: Request) -> dict[str, Any]:
    """Every account and setting (admin only)."""
    return admin_context(request)


@router.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, saved: str = "") -> HTMLResponse:
    """The accounts and settings page."""
    return page(request, "admin.html", admin_context(request, saved=t("web.adm.saved") if saved else ""))


@router.post("/api/admin/users", tags=["admin"], summary="新增账号 Add an account", status_code=201)
def add_json(request: Request, body: NewUser) -> dict[str, Any]:
    """Add an account (X-CSRF-Token)."""
    check_csrf(request, None)
    _add(request, body)
    return {"user": next(u for u in accounts_page(snap_of(request))["users"] if u["username"] == body.username)}


@router.post("/admin/users", include_in_schema=False)
def add_form(request: Request, csrf_token: str = Form(""), username: str = Form(""), display_name: str = Form(""), role: str = Form(""),
             department: str = Form(""), county: str = Form(""), password: str = Form("")) -> Response:
    """Add an account from the form; errors at their fields, nothing written."""
    check_csrf(request, csrf_token)
    require(request, "manage")
    form = {"username": username, "display_name": display_name, "role": role, "department": department, "county": county}
    if not re.match(USERNAME, username):
        return page(request, "admin.html", admin_context(request, errors={"username": t("web.adm.bad_name")}, form=form), status=422)
    try:
        _add(request, NewUser.model_construct(username=username, display_name=display_name[:128], role=role, department=department, county=county, password=password))
    except (InputError, ConflictError) as exc:
        return page(request, "admin.html", admin_context(request, errors=_problems(exc), form=form), status=422)
    except NotFoundError as exc:  # an unknown department or county
        return page(request, "admin.html", admin_context(request, errors={"department" if department else "county": str(exc)}, form=form), status=422)
    return RedirectResponse("/admin?saved=1", status_code=303)


@router.post("/api/admin/users/{username}/active", tags=["admin"], summary="启用或停用账号 Enable or disable an account")
def active_json(request: Request, body: Active, username: str = UserPath) -> dict[str, Any]:
    """Enable or disable an account (X-CSRF-Token); accounts are never deleted."""
    check_csrf(request, None)
    _set_active(request, username, body.active)
    return {"username": username, "active": body.active}


@router.post("/admin/users/{username}/active", include_in_schema=False)
def active_form(request: Request, username: str = UserPath, csrf_token: str = Form(""), active: str = Form("0")) -> RedirectResponse:
    """Enable or disable from the page."""
    check_csrf(request, csrf_token)
    _set_active(request, username, active == "1")
    return RedirectResponse("/admin?saved=1", status_code=303)


def _set_active(request: Request, username: str, active: bool) -> None:
    actor = require(request, "manage")
    if username == actor.username and not active:  # the bureau must never lock itself out
        raise ForbiddenError("不能停用自己的账号 you cannot disable your own account")
    set_active(store_of(request), username, active, actor=actor.username)


@router.post("/api/admin/users/{username}/password", tags=["admin"], summary="重设密码 Reset a password")
def password_json(request: Request, body: Password, username: str = UserPath) -> dict[str, Any]:
    """Give an account a new password (X-CSRF-Token)."""
    check_csrf(request, None)
    actor = require(request, "manage")
    set_password(store_of(request), username, body.password, actor=actor.username)
    return {"username": username, "password": "changed"}


@router.post("/admin/users/{username}/password", include_in_schema=False)
def password_form(request: Request, username: str = UserPath, csrf_token: str = Form(""), password: str = Form("")) -> Response:
    """Reset a password from the page; a short one is marked at its field."""
    check_csrf(request, csrf_token)
    actor = require(request, "manage")
    try:
        set_password(store_of(request), username, password, actor=actor.username)
    except InputError as exc:
        return page(request, "admin.html", admin_context(request, errors={f"password-{username}": exc.problems[0].reason}), status=422)
    return RedirectResponse("/admin?saved=1", status_code=303)


@router.post("/api/admin/users/{username}/unlock", tags=["admin"], summary="解除登录锁定 Unlock logins")
def unlock_json(request: Request, username: str = UserPath) -> dict[str, Any]:
    """Clear the account's counted login failures from every source (X-CSRF-Token); audited."""
    check_csrf(request, None)
    actor = require(request, "manage")
    return {"username": username, "cleared": logins.unlock(store_of(request), username, actor=actor.username)}


@router.post("/admin/users/{username}/unlock", include_in_schema=False)
def unlock_form(request: Request, username: str = UserPath, csrf_token: str = Form("")) -> RedirectResponse:
    """Unlock from the page."""
    check_csrf(request, csrf_token)
    actor = require(request, "manage")
    logins.unlock(store_of(request), username, actor=actor.username)
    return RedirectResponse("/admin?saved=1", status_code=303)


def _save_settings(request: Request, wanted: dict[str, str]) -> None:
    """Check every value first, then change them in one go (all or nothing)."""
    actor = require(request, "manage")
    store = store_of(request)
    problems = [p for key, value in wanted.items() for p in check_setting(key, value)]
    if problems:
        raise InputError(problems)
    current = settings(store)
    for key, value in wanted.items():
        if check_value(key, value) != current[key]:  # only real changes reach the audit log
            set_setting(store, key, value, actor=actor.username)


@router.post("/api/admin/settings", tags=["admin"], summary="修改设置 Change settings")
def settings_json(request: Request, body: Settings) -> dict[str, Any]:
    """Change settings (X-CSRF-Token); all are checked before any is changed."""
    check_csrf(request, None)
    _save_settings(request, body.settings)
    return {"settings": admin_context(request)["settings"]}


@router.post("/admin/settings", include_in_schema=False)
async def settings_form(request: Request) -> Response:
    """Change settings from the page (checkboxes for switches)."""
    form = {k: str(v) for k, v in (await request.form()).items()}  # the settings are the declared list: read the form whole
    return await run_in_threadpool(_settings_form, request, form)


def _settings_form(request: Request, form: dict[str, str]) -> Response:
    check_csrf(request, form.get("csrf_token", ""))
    require(request, "manage")
    # an unticked box sends nothing: a switch missing is off; a number missing stays as it is
    wanted = {s.key: ("true" if form.get(s.key) else "false") if s.kind is bool else form[s.key] for s in SETTINGS if s.kind is bool or s.key in form}
    try:
        _save_settings(request, wanted)
    except InputError as exc:
        return page(request, "admin.html", admin_context(request, errors={f"setting-{p.field}": p.reason for p in exc.problems}), status=422)
    return RedirectResponse("/admin?saved=1", status_code=303)

