"""Notification settings (通知设置), on the outbox page for the admin: group robots (企业微信 / 钉钉) and the accounts' e-mail addresses.

The same rules as `stpi notify webhook` and `stpi notify email`; every change is audited by the store. A robot's URL key and
signing secret are never shown back: the list gives the address without its query and the secret's last 4 characters.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from stpi.errors import InputError, NotFoundError, Problem
from stpi.i18n import add_messages, get_lang
from stpi.store import outbox
from stpi.store.notices import emails, set_email
from stpi.web.auth import check_csrf, require
from stpi.web.render import page, snap_of, store_of, t

__all__ = ["notify_settings_context", "router"]

add_messages({
    "web.ns.title": ("通知设置", "Notification settings"),
    "web.ns.robots": ("群机器人", "Group robots"),
    "web.ns.robots_hint": ("单位的通知同时发到其启用的群机器人。钉钉机器人如在安全设置中选了“加签”，请填写其密钥（SEC 开头）；密钥保存后只显示末 4 位。",
                           "A unit's notices also go to its active robots. For a DingTalk robot set to 加签 (signing), give its secret (starts with SEC); only its last 4 characters are shown afterwards."),
    "web.ns.cols": ("名称|类型|接收单位|地址|加签|状态|操作", "Name|Kind|Unit|Address|Signing|State|Action"),
    "web.ns.none": ("尚未设置群机器人。", "No group robots yet."),
    "web.ns.name": ("名称", "Name"),
    "web.ns.kind": ("类型", "Kind"),
    "web.ns.kind.wecom": ("企业微信", "WeCom"),
    "web.ns.kind.dingtalk": ("钉钉", "DingTalk"),
    "web.ns.party": ("接收单位", "Unit"),
    "web.ns.bureau": ("市科技局（管理员）", "The S&T bureau (admin)"),
    "web.ns.url": ("Webhook 地址", "Webhook URL"),
    "web.ns.secret": ("加签密钥（仅钉钉，选填）", "Signing secret (DingTalk only, optional)"),
    "web.ns.add_robot": ("添加群机器人", "Add a robot"),
    "web.ns.disable": ("停用", "Disable"),
    "web.ns.active": ("启用", "Active"),
    "web.ns.inactive": ("已停用", "Disabled"),
    "web.ns.signed": ("已加签 {hint}", "Signed {hint}"),
    "web.ns.unsigned": ("未加签", "Not signed"),
    "web.ns.emails": ("账号邮箱", "E-mail addresses"),
    "web.ns.emails_hint": ("设置了发信服务器（smtp_host）时，通知也以邮件发给有邮箱的账号。清空邮箱即不再发邮件。",
                           "When an SMTP server (smtp_host) is set, notices are also e-mailed to accounts with an address. Clear it to stop."),
    "web.ns.account": ("账号", "Account"),
    "web.ns.email": ("邮箱", "E-mail"),
    "web.ns.save_email": ("保存邮箱", "Save address"),
    "web.ns.saved.robot": ("已添加群机器人。", "Robot added."),
    "web.ns.saved.disabled": ("已停用群机器人。", "Robot disabled."),
    "web.ns.saved.email": ("已保存邮箱。", "Address saved."),
    "web.ns.fix": ("请修改标出的内容。", "Please fix the marked fields."),
    "web.ns.err.name": ("请填写名称（不超过 64 字），且不与已有的重复", "Give a name of at most 64 characters that is not taken"),
    "web.ns.err.kind": ("类型应为企业微信或钉钉", "The kind must be WeCom or DingTalk"),
    "web.ns.err.url": ("地址应以 https:// 开头、不含空格（不超过 1024 字符）", "The address must start with https://, without spaces (at most 1024 characters)"),
    "web.ns.err.party": ("请选择部门或县区，或市科技局", "Choose a department, a county or the bureau"),
    "web.ns.err.secret": ("只有钉钉机器人可设加签密钥，且不含空格（不超过 256 字符）", "Only a DingTalk robot takes a secret: no spaces, at most 256 characters"),
    "web.ns.err.email": ("邮箱地址格式不正确", "Not an e-mail address"),
    "web.ns.err.username": ("没有该账号", "No such account"),
    "web.ns.err.robot": ("没有该群机器人", "No such robot"),
})

router = APIRouter()
ERROR_OF = {"name": "web.ns.err.name", "kind": "web.ns.err.kind", "url": "web.ns.err.url", "party": "web.ns.err.party", "secret": "web.ns.err.secret",
            "email": "web.ns.err.email", "username": "web.ns.err.username"}


class WebhookIn(BaseModel):
    """A new group robot (the store checks it again: kind wecom/dingtalk, an http(s) URL, a known party, a secret only for DingTalk)."""

    name: str = Field(max_length=200)
    kind: str = Field(max_length=16)
    url: str = Field(max_length=2000)
    party: str = Field("", max_length=64, description="部门或县区代码；空为市科技局 a department's or county's code; '' the bureau")
    secret: str = Field("", max_length=512, description="钉钉加签密钥 a DingTalk robot's signing secret")


class DisableIn(BaseModel):
    """Stop posting to this robot (kept, inactive)."""

    name: str = Field(max_length=200)


class EmailIn(BaseModel):
    """An account's e-mail address for notices ('' removes it)."""

    username: str = Field(max_length=64)
    email: str = Field("", max_length=400)


def _located(exc: InputError) -> dict[str, str]:
    """The store's problems by field, in the reader's language."""
    return {p.field or "form": t(ERROR_OF[p.field]) if p.field in ERROR_OF else p.reason for p in exc.problems}


def _in_words(errors: dict[str, str]) -> InputError:
    return InputError([Problem("<notify>", None, field, reason) for field, reason in errors.items()])


def notify_settings_context(request: Request) -> dict[str, Any]:
    """The robots (no keys, no secrets), every account with its address, and the units a robot may serve."""
    require(request, "manage")
    store, snap = store_of(request), snap_of(request)
    plan = snap.plan()
    en = get_lang() == "en"
    city = snap.region(plan.region)
    units = [{"code": d.code, "name": d.label(get_lang())} for d in plan.departments]
    units += [{"code": r.code, "name": r.name_en if en and r.name_en else r.name} for r in snap.regions(level="county") if r.parent == city.code]
    names = {u["code"]: u["name"] for u in units}
    robots = [{"name": w.name, "kind": w.kind, "kind_text": t(f"web.ns.kind.{w.kind}") if w.kind in outbox.ROBOTS else w.kind, "party": w.party,
               "party_text": names.get(w.party, w.party) if w.party else t("web.ns.bureau"), "address": w.address, "signed": w.signed,
               "secret_hint": w.secret_hint, "active": w.active} for w in outbox.webhook_list(store)]
    addresses = emails(store)
    accounts = [{"username": u.username, "display_name": u.display_name, "email": addresses.get(u.username, ""), "active": u.active} for u in store.users()]
    return {"robots": robots, "accounts": accounts, "units": units, "kinds": list(outbox.ROBOTS)}


def _add(request: Request, body: WebhookIn) -> None:
    user = require(request, "manage")
    try:
        outbox.webhook_add(store_of(request), name=body.name, kind=body.kind, url=body.url.strip(), party=body.party, secret=body.secret, actor=user.username)
    except InputError as exc:
        raise _in_words(_located(exc)) from None


def _disable(request: Request, name: str) -> None:
    user = require(request, "manage")
    try:
        outbox.webhook_remove(store_of(request), name, actor=user.username)
    except InputError:
        raise _in_words({"name": t("web.ns.err.robot")}) from None


def _email(request: Request, body: EmailIn) -> None:
    user = require(request, "manage")
    try:
        set_email(store_of(request), body.username, body.email, actor=user.username)
    except InputError as exc:
        raise _in_words(_located(exc)) from None
    except NotFoundError:
        raise _in_words({"username": t("web.ns.err.username")}) from None


@router.post("/api/admin/webhooks", tags=["admin"], summary="添加群机器人 Add a group robot", status_code=201)
def webhook_add_json(request: Request, body: WebhookIn) -> dict[str, Any]:
    """Add a group robot (the admin; X-CSRF-Token); 422 with the problems by field."""
    check_csrf(request, None)
    _add(request, body)
    return {"robots": notify_settings_context(request)["robots"]}


@router.post("/api/admin/webhooks/disable", tags=["admin"], summary="停用群机器人 Disable a group robot")
def webhook_disable_json(request: Request, body: DisableIn) -> dict[str, Any]:
    """Stop posting to a robot (the admin; X-CSRF-Token)."""
    check_csrf(request, None)
    _disable(request, body.name)
    return {"robots": notify_settings_context(request)["robots"]}


@router.post("/api/admin/contacts", tags=["admin"], summary="设置账号邮箱 Set an account's e-mail")
def contact_json(request: Request, body: EmailIn) -> dict[str, Any]:
    """Give an account an e-mail address for notices, or clear it (the admin; X-CSRF-Token)."""
    check_csrf(request, None)
    _email(request, body)
    return {"username": body.username, "email": body.email.strip()}


def _again(request: Request, form: dict[str, str], exc: InputError) -> Any:
    """The outbox page again with the problems at their fields (422)."""
    from stpi.web.views.inbox import outbox_context

    ctx = outbox_context(request)
    ctx["notify"] |= {"errors": {p.field or "form": p.reason for p in exc.problems}, "form": form}
    return page(request, "outbox.html", ctx, status=422)


@router.post("/admin/outbox/webhooks", include_in_schema=False)
def webhook_add_form(request: Request, csrf_token: str = Form(""), name: str = Form("", max_length=200), kind: str = Form("", max_length=16),
                     url: str = Form("", max_length=2000), party: str = Form("", max_length=64), secret: str = Form("", max_length=512)) -> Any:
    """Add a robot from the form."""
    check_csrf(request, csrf_token)
    try:
        _add(request, WebhookIn.model_construct(name=name, kind=kind, url=url, party=party, secret=secret))
    except InputError as exc:
        return _again(request, {"form": "robot", "name": name, "kind": kind, "url": url, "party": party}, exc)  # the secret is not sent back
    return RedirectResponse("/admin/outbox?saved=robot#robots", status_code=303)


@router.post("/admin/outbox/webhooks/disable", include_in_schema=False)
def webhook_disable_form(request: Request, csrf_token: str = Form(""), name: str = Form("", max_length=200)) -> Any:
    """Disable a robot from its row's button."""
    check_csrf(request, csrf_token)
    try:
        _disable(request, name)
    except InputError as exc:
        return _again(request, {"form": "disable"}, exc)
    return RedirectResponse("/admin/outbox?saved=disabled#robots", status_code=303)


@router.post("/admin/outbox/contacts", include_in_schema=False)
def contact_form(request: Request, csrf_token: str = Form(""), username: str = Form("", max_length=64), email: str = Form("", max_length=400)) -> Any:
    """Save one account's address from its row's form."""
    check_csrf(request, csrf_token)
    try:
        _email(request, EmailIn.model_construct(username=username, email=email))
    except InputError as exc:
        return _again(request, {"form": "email", "username": username, "email": email}, exc)
    return RedirectResponse("/admin/outbox?saved=email#emails", status_code=303)
